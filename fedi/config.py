"""Configuration: TOML file plus FEDI_<SECTION>_<KEY> overrides, into frozen dataclasses.

An unknown key or a bad value raises ConfigError naming the key; nothing here does I/O
except `load`, which reads the one file it is given.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from fedi.errors import ConfigError

REGISTRATION_MODES = ("open", "approval", "invite", "closed")
MAIL_BACKENDS = ("file", "smtp")


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceConfig:
    domain: str = "localhost:8000"
    name: str = "fedi"
    description: str = "A small corner of the fediverse."
    contact_email: str = ""
    registrations: str = "open"
    require_email_confirmation: bool = True
    max_post_chars: int = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    bind: str = "127.0.0.1:8000"
    scheme: str = "http"
    certfile: str = ""
    keyfile: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageConfig:
    data_dir: str = "data"


@dataclass(frozen=True, slots=True, kw_only=True)
class FederationConfig:
    allow_private_addresses: bool = False
    allow_http: bool = False
    ca_bundle: str = ""
    authorized_fetch: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiConfig:
    password_grant: bool = True
    rate_limit: int = 300  # API requests per 5 minutes per token (or IP); 0 turns it off


@dataclass(frozen=True, slots=True, kw_only=True)
class MailConfig:
    backend: str = "file"
    from_address: str = ""
    host: str = "localhost"
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True
    use_tls: bool = False
    timeout: int = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaConfig:
    max_image_bytes: int = 16 * 1024 * 1024
    max_video_bytes: int = 99 * 1024 * 1024
    max_image_pixels: int = 33_177_600
    resize_to: int = 8_294_400
    thumbnail_size: int = 640
    unattached_expiry_hours: int = 24
    remote_cache_bytes: int = 1024 * 1024 * 1024
    remote_fetch_timeout: int = 30  # seconds a remote media download may take
    ffmpeg: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    instance: InstanceConfig = field(default_factory=InstanceConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    federation: FederationConfig = field(default_factory=FederationConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    media: MediaConfig = field(default_factory=MediaConfig)

    @property
    def base_url(self) -> str:
        """The scheme and host every local id starts with, e.g. https://example.social."""
        return f"{self.server.scheme}://{self.instance.domain}"

    @property
    def data_path(self) -> Path:
        return Path(self.storage.data_dir)

    @property
    def mail_from(self) -> str:
        host = self.instance.domain.split(":")[0]
        return self.mail.from_address or f"{self.instance.name} <noreply@{host}>"


def _sections() -> dict[str, type]:
    return {f.name: f.default_factory for f in fields(Config)}  # type: ignore[misc]


def _coerce(key: str, kind: type, value: Any, *, from_env: bool) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if from_env and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if kind is int:
        if isinstance(value, bool):
            raise ConfigError(f"{key} must be a whole number, not {value!r}")
        if isinstance(value, int):
            return value
        if from_env and isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    if kind is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key} must be a string, not {value!r}")
    raise ConfigError(f"{key} has an unsupported type")  # pragma: no cover


def _build_section(name: str, cls: type, values: Mapping[str, Any], origin: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        full = f"[{name}] {key}"
        if key not in known:
            raise ConfigError(f"unknown key {full} in {origin}")
        kwargs[key] = _coerce(full, hints[key], value, from_env=False)
    return cls(**kwargs)


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    sections = _sections()
    out: dict[str, dict[str, Any]] = {}
    for var, raw in env.items():
        if not var.startswith("FEDI_") or var == "FEDI_CONFIG":
            continue
        rest = var[len("FEDI_") :].lower()
        section = next((s for s in sections if rest.startswith(s + "_")), None)
        if section is None:
            continue
        key = rest[len(section) + 1 :]
        cls = sections[section]
        hints = get_type_hints(cls)
        if key not in hints:
            raise ConfigError(f"unknown key [{section}] {key} in environment variable {var}")
        out.setdefault(section, {})[key] = _coerce(
            f"{var} ([{section}] {key})", hints[key], raw, from_env=True
        )
    return out


def validate(config: Config) -> Config:
    """Check values that types alone cannot; raise ConfigError naming the key."""
    inst, server, mail = config.instance, config.server, config.mail
    if not inst.domain or "/" in inst.domain or " " in inst.domain:
        raise ConfigError(
            f"[instance] domain must be a host name like example.social, not {inst.domain!r}"
        )
    if inst.registrations not in REGISTRATION_MODES:
        raise ConfigError(
            f"[instance] registrations must be one of {', '.join(REGISTRATION_MODES)}, "
            f"not {inst.registrations!r}"
        )
    if not 1 <= inst.max_post_chars <= 100_000:
        raise ConfigError("[instance] max_post_chars must be between 1 and 100000")
    if server.scheme not in ("http", "https"):
        raise ConfigError(f"[server] scheme must be http or https, not {server.scheme!r}")
    host, sep, port = server.bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"[server] bind must look like 127.0.0.1:8000, not {server.bind!r}")
    if bool(server.certfile) != bool(server.keyfile):
        raise ConfigError("[server] certfile and keyfile must be set together")
    if not config.storage.data_dir:
        raise ConfigError("[storage] data_dir must not be empty")
    if mail.backend not in MAIL_BACKENDS:
        raise ConfigError(
            f"[mail] backend must be one of {', '.join(MAIL_BACKENDS)}, not {mail.backend!r}"
        )
    if not 0 < mail.port < 65536:
        raise ConfigError("[mail] port must be between 1 and 65535")
    _validate_media(config.media)
    return config


def _validate_media(media: MediaConfig) -> None:
    positive = ("max_image_bytes", "max_video_bytes", "max_image_pixels", "resize_to")
    for key in positive:
        if getattr(media, key) <= 0:
            raise ConfigError(f"[media] {key} must be a positive number")
    if not 32 <= media.thumbnail_size <= 4096:
        raise ConfigError("[media] thumbnail_size must be between 32 and 4096")
    if media.resize_to > media.max_image_pixels:
        raise ConfigError("[media] resize_to must not exceed max_image_pixels")
    if media.unattached_expiry_hours < 1:
        raise ConfigError("[media] unattached_expiry_hours must be at least 1")
    if media.remote_cache_bytes < 0:
        raise ConfigError("[media] remote_cache_bytes must not be negative")
    if not 1 <= media.remote_fetch_timeout <= 600:
        raise ConfigError("[media] remote_fetch_timeout must be between 1 and 600 seconds")


def from_mapping(
    data: Mapping[str, Any], *, env: Mapping[str, str] | None = None, origin: str = "configuration"
) -> Config:
    """Build a validated Config from a parsed TOML mapping plus environment overrides."""
    sections = _sections()
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"unknown section [{name}] in {origin}")
        if not isinstance(value, Mapping):
            raise ConfigError(f"[{name}] must be a table in {origin}")
    overrides = _env_overrides(env if env is not None else {})
    built: dict[str, Any] = {}
    for name, cls in sections.items():
        section = _build_section(name, cls, data.get(name, {}), origin)
        if name in overrides:
            section = dataclasses.replace(section, **overrides[name])
        built[name] = section
    return validate(Config(**built))


def load(path: str | os.PathLike[str] | None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (defaults when path is None) and apply FEDI_* overrides."""
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        p = Path(path)
        origin = str(p)
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {p} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    return from_mapping(data, env=environ, origin=origin)
