"""Configuration loading: TOML file, FEDI_* environment overrides, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedi.config import Config, ConfigError, load

GOOD = """
[instance]
domain = "example.social"
name = "Example"
registrations = "approval"
require_email_confirmation = false
max_post_chars = 1000

[server]
scheme = "https"
bind = "0.0.0.0:9000"

[storage]
data_dir = "/var/lib/fedi"

[mail]
backend = "smtp"
host = "smtp.example.social"
port = 465
use_tls = true
from_address = "Example <hello@example.social>"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "instance.toml"
    path.write_text(text)
    return path


def test_toml_file_is_read(tmp_path):
    """Every section of the file reaches the typed config, with defaults for the rest."""
    config = load(_write(tmp_path, GOOD), env={})
    assert config.instance.domain == "example.social"
    assert config.instance.registrations == "approval"
    assert config.instance.require_email_confirmation is False
    assert config.instance.max_post_chars == 1000
    assert config.server.bind == "0.0.0.0:9000"
    assert config.base_url == "https://example.social"
    assert config.data_path == Path("/var/lib/fedi")
    assert config.mail.port == 465 and config.mail.use_tls is True
    assert config.mail_from == "Example <hello@example.social>"
    assert config.api.password_grant is True  # untouched section keeps its default


def test_no_file_means_defaults():
    """Without a file the defaults make a working development instance."""
    config = load(None, env={})
    assert config == Config()
    assert config.base_url == "http://localhost:8000"
    assert config.mail_from == "fedi <noreply@localhost>"


def test_environment_overrides_the_file(tmp_path):
    """FEDI_<SECTION>_<KEY> wins over the file, with strings turned into the key's type."""
    env = {
        "FEDI_INSTANCE_DOMAIN": "other.example",
        "FEDI_INSTANCE_REQUIRE_EMAIL_CONFIRMATION": "yes",
        "FEDI_MAIL_PORT": "2525",
        "FEDI_FEDERATION_ALLOW_HTTP": "true",
        "FEDI_CONFIG": "ignored.toml",
        "UNRELATED": "x",
    }
    config = load(_write(tmp_path, GOOD), env=env)
    assert config.instance.domain == "other.example"
    assert config.base_url == "https://other.example"
    assert config.instance.require_email_confirmation is True
    assert config.mail.port == 2525
    assert config.federation.allow_http is True
    assert config.instance.name == "Example"  # not overridden


def test_unknown_environment_key_is_named():
    """A misspelt override is an error naming the variable and the key."""
    with pytest.raises(ConfigError) as info:
        load(None, env={"FEDI_INSTANCE_BOGUS": "1"})
    assert "FEDI_INSTANCE_BOGUS" in info.value.safe_message
    assert "[instance] bogus" in info.value.safe_message


def test_bad_environment_value_is_named():
    """An override that is not of the key's type names the variable."""
    with pytest.raises(ConfigError) as info:
        load(None, env={"FEDI_MAIL_PORT": "lots"})
    assert "FEDI_MAIL_PORT" in info.value.safe_message
    assert "whole number" in info.value.safe_message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[instance]\nbogus = 1\n", "unknown key [instance] bogus"),
        ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
        ('[instance]\nregistrations = "sometimes"\n', "[instance] registrations must be one of"),
        (
            '[instance]\nrequire_email_confirmation = "yes"\n',
            "[instance] require_email_confirmation",
        ),
        (
            '[instance]\nmax_post_chars = "500"\n',
            "[instance] max_post_chars must be a whole number",
        ),
        ("[instance]\nmax_post_chars = 0\n", "[instance] max_post_chars must be between"),
        ('[instance]\ndomain = "https://x.example/"\n', "[instance] domain"),
        ('[server]\nscheme = "gopher"\n', "[server] scheme"),
        ('[server]\nbind = "nowhere"\n', "[server] bind"),
        ('[server]\ncertfile = "a.pem"\n', "certfile and keyfile"),
        ('[mail]\nbackend = "pigeon"\n', "[mail] backend must be one of file, smtp"),
        ("[mail]\nport = 70000\n", "[mail] port"),
        ('[storage]\ndata_dir = ""\n', "[storage] data_dir"),
        ('instance = "flat"\n', "[instance] must be a table"),
    ],
)
def test_bad_file_values_name_the_key(tmp_path, text, named):
    """Unknown keys and bad values in the file are errors that name the key."""
    with pytest.raises(ConfigError) as info:
        load(_write(tmp_path, text), env={})
    assert named in info.value.safe_message


def test_missing_and_broken_files_are_explained(tmp_path):
    """A missing file or invalid TOML is reported with the file's path."""
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="does not exist"):
        load(missing, env={})
    broken = _write(tmp_path, "[instance\n")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load(broken, env={})
    assert str(broken) in info.value.safe_message


def test_config_is_frozen(tmp_path):
    """Configuration cannot be changed after loading (passed around explicitly)."""
    config = load(None, env={})
    with pytest.raises(AttributeError):
        config.instance.domain = "changed"  # type: ignore[misc]
