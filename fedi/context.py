"""Services: everything a use case needs, built once per process and passed explicitly."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from fedi.activitypub.keys import KeyPair, generate_keypair
from fedi.config import Config
from fedi.storage import settings as settings_store
from fedi.storage.db import Database
from fedi.storage.migrate import is_current, migrate
from fedi.workers import JobRunner

logger = logging.getLogger(__name__)

SECRET_KEY = "secret_key"
INSTANCE_PRIVATE_KEY = "instance_actor_private_key_pem"
INSTANCE_PUBLIC_KEY = "instance_actor_public_key_pem"


@dataclass(slots=True, kw_only=True)
class Services:
    """The process-wide dependencies of every service function."""

    config: Config
    db: Database
    jobs: JobRunner
    secret_key: bytes = b""
    instance_keys: KeyPair | None = None
    # Filled by app wiring: the mailer, the event broker, the HTTP client (later issues).
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def url(self, path: str) -> str:
        """An absolute URL on this instance for a path starting with /."""
        return self.config.base_url + path


async def ensure_instance_secrets(db: Database) -> tuple[bytes, KeyPair]:
    """Create the session secret and the instance actor key pair once; return them."""
    async with db.read() as conn:
        current = await settings_store.get_settings(conn)
    if SECRET_KEY not in current or INSTANCE_PRIVATE_KEY not in current:
        pair = generate_keypair()
        async with db.write() as tx:
            await settings_store.insert_setting_if_missing(tx, SECRET_KEY, secrets.token_hex(32))
            if await settings_store.insert_setting_if_missing(
                tx, INSTANCE_PRIVATE_KEY, pair.private_pem
            ):
                await settings_store.upsert_setting(tx, INSTANCE_PUBLIC_KEY, pair.public_pem)
        async with db.read() as conn:
            current = await settings_store.get_settings(conn)
    keys = KeyPair(
        private_pem=current[INSTANCE_PRIVATE_KEY], public_pem=current[INSTANCE_PUBLIC_KEY]
    )
    return bytes.fromhex(current[SECRET_KEY]), keys


async def open_services(config: Config) -> Services:
    """Open the database (migrated), load secrets, and build the job runner."""
    data = config.data_path
    data.mkdir(parents=True, exist_ok=True)
    db = Database(data / "fedi.sqlite3")
    await db.open()
    applied = await migrate(db)
    if applied:
        logger.info("database migrated: %s", ", ".join(applied))
    secret, keys = await ensure_instance_secrets(db)
    return Services(config=config, db=db, jobs=JobRunner(db), secret_key=secret, instance_keys=keys)


async def close_services(svc: Services) -> None:
    """Stop workers and close the database."""
    await svc.jobs.stop()
    await svc.db.close()


async def health_status(svc: Services) -> dict[str, bool]:
    """Whether the database is fully migrated and the workers run."""
    return {"migrated": await is_current(svc.db), "workers": svc.jobs.running}
