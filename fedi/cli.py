"""The `fedi` command: init, serve, migrate, user create|list|set-role, jobs list|retry,
media usage|prune."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HyperConfig

from fedi import __version__
from fedi.accounts.registration import NewAccount, create_local_account, list_users, set_role
from fedi.app import close_runtime, create_app, open_runtime
from fedi.config import Config, load
from fedi.context import Services
from fedi.errors import ConfigError, FediError, Invalid
from fedi.events import close_broker
from fedi.gc_settings import settle_after_start
from fedi.media.remote import prune_remote_media, remote_media_usage
from fedi.remote import resolver_of
from fedi.webfinger.lookup import lookup_handle

logger = logging.getLogger("fedi")

DEFAULT_CONFIG = "instance.toml"


def resolve_config_path(arg: str | None) -> str | None:
    """--config, else $FEDI_CONFIG, else ./instance.toml if present, else defaults (None)."""
    if arg:
        return arg
    env = os.environ.get("FEDI_CONFIG")
    if env:
        return env
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fedi", description="A federated ActivityPub server.")
    parser.add_argument(
        "--config", help="path to instance.toml (default: instance.toml or $FEDI_CONFIG)"
    )
    parser.add_argument("--version", action="version", version=f"fedi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the data directory, database and instance keys")
    sub.add_parser("serve", help="run the server and its workers")
    sub.add_parser("migrate", help="apply database migrations")

    user = sub.add_parser("user", help="manage local users").add_subparsers(
        dest="action", required=True
    )
    create = user.add_parser("create", help="create a confirmed local user")
    create.add_argument("name")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", default="user", choices=["admin", "moderator", "user"])
    create.add_argument("--admin", action="store_true", help="shorthand for --role admin")
    user.add_parser("list", help="list local users")
    role = user.add_parser("set-role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=["admin", "moderator", "user"])

    lookup = sub.add_parser("lookup", help="fetch a remote account by handle or URL (debugging)")
    lookup.add_argument("target", help="name@host[:port], acct:name@host or an https:// URL")

    jobs = sub.add_parser("jobs", help="background jobs").add_subparsers(
        dest="action", required=True
    )
    jl = jobs.add_parser("list", help="list jobs")
    jl.add_argument("--state", choices=["pending", "running", "retry", "done", "dead"])
    jl.add_argument("--kind")
    jl.add_argument("--limit", type=int, default=50)
    jr = jobs.add_parser("retry", help="retry a dead or waiting job now")
    jr.add_argument("job_id", type=int)

    media = sub.add_parser("media", help="the remote-media cache").add_subparsers(
        dest="action", required=True
    )
    media.add_parser("usage", help="show the disk used by cached remote media")
    prune = media.add_parser("prune", help="evict least recently used remote media")
    prune.add_argument(
        "--budget",
        type=_byte_count,
        help="bytes to keep, e.g. 500000000 or 500MB (default: [media] remote_cache_bytes)",
    )
    return parser


_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 1024, "MIB": 1024**2}
_UNITS["GIB"] = 1024**3


def _byte_count(text: str) -> int:
    """A byte count as typed: `1000000`, `500MB`, `2GiB`."""
    cleaned = text.strip().upper().replace(" ", "")
    number = cleaned.rstrip("KMGIB")
    unit = cleaned[len(number) :]
    if not number.isdigit() or unit not in _UNITS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a byte count (try 500000000 or 500MB)")
    return int(number) * _UNITS[unit]


def _human(size: int) -> str:
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


async def _with_services(config: Config, action: Callable[[Services], Awaitable[Any]]) -> Any:
    svc = await open_runtime(config)
    try:
        return await action(svc)
    finally:
        await close_runtime(svc)


async def _init(svc: Services) -> None:
    print(f"Initialised {svc.config.data_path.resolve()} for {svc.base_url}")


async def _user_create(svc: Services, args: argparse.Namespace) -> None:
    role = "admin" if args.admin else args.role
    _user, account = await create_local_account(
        svc,
        NewAccount(
            username=args.name,
            email=args.email,
            password=args.password,
            role=role,
            confirmed=True,
        ),
    )
    print(f"Created {role} @{account.username} ({svc.url('/@' + account.username)})")


async def _user_list(svc: Services) -> None:
    rows = await list_users(svc)
    print(f"{'username':<24} {'role':<10} {'confirmed':<9} email")
    for user, account in rows:
        print(
            f"{account.username:<24} {user.role:<10} {'yes' if user.confirmed_at else 'no':<9} {user.email}"
        )


async def _user_set_role(svc: Services, args: argparse.Namespace) -> None:
    await set_role(svc, args.name, args.role)
    print(f"@{args.name} is now {args.role}")


async def _jobs(svc: Services, args: argparse.Namespace) -> None:
    if args.action == "list":
        for job in await svc.jobs.list(state=args.state, kind=args.kind, limit=args.limit):
            print(
                f"{job.id:<20} {job.kind:<12} {job.state:<8} attempts={job.attempts:<3}"
                f" next={job.next_attempt_at} {job.last_error[:60]}"
            )
    else:
        ok = await svc.jobs.requeue(args.job_id)
        print(
            f"job {args.job_id} queued again" if ok else f"job {args.job_id} is not dead or waiting"
        )


async def _media(svc: Services, args: argparse.Namespace) -> None:
    if args.action == "prune":
        result = await prune_remote_media(svc, budget_bytes=args.budget)
        print(
            f"Evicted {result.evicted} remote file{'s' if result.evicted != 1 else ''}"
            f" ({_human(result.freed_bytes)}); the cache now holds {_human(result.bytes_after)}"
            f" of a {_human(result.budget)} budget."
        )
        return
    usage = await remote_media_usage(svc)
    for label, value in (
        ("cached files", usage.files),
        ("disk used", f"{_human(usage.bytes)} ({usage.bytes} bytes)"),
        ("budget", f"{_human(usage.budget)} ({usage.percent}% used)"),
        ("evicted", usage.evicted),
        ("waiting", usage.pending),
        ("refused", usage.failed),
    ):
        print(f"{label:<13} {value}")


async def _lookup(svc: Services, target: str) -> None:
    target = target.removeprefix("acct:")
    if target.startswith(("http://", "https://")):
        found = await resolver_of(svc).resolve_url(target)
    else:
        found = await lookup_handle(svc, target, refresh=True)
    if isinstance(found, dict):
        print(json.dumps(found, indent=2))
        return
    for label, value in (
        ("acct", found.acct),
        ("uri", found.uri),
        ("name", found.display_name),
        ("profile", found.url),
        ("inbox", found.inbox_uri),
        ("shared inbox", found.shared_inbox_uri),
        ("key id", found.public_key_id),
        ("locked", bool(found.locked)),
        ("fetched", found.fetched_at),
    ):
        print(f"{label:<13} {value}")


def serve(config: Config) -> None:
    """Run Hypercorn with the app (workers run inside the same process)."""
    hyper = HyperConfig()
    hyper.bind = [config.server.bind]
    hyper.accesslog = None
    hyper.graceful_timeout = 5
    hyper.keep_alive_timeout = 75
    # Streaming: WebSocket pings keep proxies and mobile networks from dropping quiet sockets.
    hyper.websocket_ping_interval = 15
    if config.server.certfile:
        hyper.certfile = config.server.certfile
        hyper.keyfile = config.server.keyfile
    app = create_app(config)

    @app.before_serving  # after the app's own start-up (services open, caches made)
    async def settle() -> None:
        settle_after_start()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        async def stopping() -> None:
            await stop.wait()
            svc = app.extensions.get("fedi")
            if svc is not None:
                close_broker(svc)  # open streams end now, not after the grace period

        scheme = "https" if config.server.certfile else "http"
        print(
            f"fedi {__version__} listening on {scheme}://{config.server.bind} as {config.base_url}",
            flush=True,
        )
        await hypercorn_serve(app, hyper, shutdown_trigger=stopping)  # type: ignore[arg-type]

    asyncio.run(run())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `fedi` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("FEDI_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    try:
        config = load(resolve_config_path(args.config))
    except ConfigError as exc:
        print(f"fedi: configuration error: {exc.safe_message}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        if args.command == "serve":
            serve(config)
        elif args.command == "init":
            asyncio.run(_with_services(config, _init))
        elif args.command == "migrate":
            asyncio.run(_with_services(config, lambda svc: _done("Database is up to date.")))
        elif args.command == "user":
            action = {
                "create": lambda svc: _user_create(svc, args),
                "list": _user_list,
                "set-role": lambda svc: _user_set_role(svc, args),
            }[args.action]
            asyncio.run(_with_services(config, action))
        elif args.command == "lookup":
            asyncio.run(_with_services(config, lambda svc: _lookup(svc, args.target)))
        elif args.command == "jobs":
            asyncio.run(_with_services(config, lambda svc: _jobs(svc, args)))
        elif args.command == "media":
            asyncio.run(_with_services(config, lambda svc: _media(svc, args)))
    except Invalid as exc:
        for field, message in (exc.field_errors or {"": exc.safe_message}).items():
            print(f"fedi: {field + ': ' if field else ''}{message}", file=sys.stderr)
        raise SystemExit(1) from None
    except FediError as exc:
        print(f"fedi: {exc.safe_message}", file=sys.stderr)
        raise SystemExit(1) from None


async def _done(message: str) -> None:
    print(message)
