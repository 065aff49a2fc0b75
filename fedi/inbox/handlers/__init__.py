"""Inbox handlers, one module per area: follows, notes (posts and boosts), interactions, actors.

Each handler takes an `Incoming` (the parsed activity, its verified actor, the services) and does
its network work (fetching missing context) before one short write transaction, which also does
the point reads that need no network: the writer's page cache is warm, while a reader's starts
cold after every commit (and each activity commits). Handlers return nothing; what they drop
they log with a reason. An exception means "try again later" (the job is retried), so expected
outcomes never raise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fedi.activitypub.parse import iri_host
from fedi.activitypub.vocab import ACTOR_TYPES, Activity
from fedi.context import Services
from fedi.remote import Resolver
from fedi.storage import accounts as account_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Incoming:
    """One activity being processed: verified actor (an account), parsed activity, services."""

    svc: Services
    resolver: Resolver
    activity: Activity
    actor: Account
    inbox_owner: str | None = None

    def drop(self, reason: str) -> None:
        """Log that the activity is dropped, and why (expected outcomes are not errors)."""
        logger.info(
            "inbox dropped type=%s id=%s actor=%s reason=%s",
            self.activity.type,
            self.activity.id,
            self.actor.uri,
            reason,
        )


Handler = Callable[[Incoming], Awaitable[None]]
Routes = dict[tuple[str, str], Handler]

ACTOR = "Actor"
"""The object kind of an activity about an actor (any actor type, or the actor's own IRI)."""
ANY = "*"
"""A route for every object kind of an activity type."""


def object_kind(activity: Activity) -> str:
    """What a route keys on: the embedded object's type, ACTOR for actors, '' for a bare IRI."""
    kind = activity.object_type
    if kind in ACTOR_TYPES or (activity.object_id and activity.object_id == activity.actor):
        return ACTOR
    return kind


def same_origin(a: str, b: str) -> bool:
    """True when two IRIs live on the same server (host and port, normalised)."""
    host = iri_host(a)
    return bool(host) and host == iri_host(b)


def is_local(svc: Services, iri: str) -> bool:
    """True for IRIs of this instance."""
    return iri_host(iri) == iri_host(svc.base_url)


def local_username(svc: Services, iri: str) -> str | None:
    """The username in a local actor IRI or profile URL (`/users/<name>`, `/@<name>`), or None."""
    base = svc.base_url
    for prefix in (base + "/users/", base + "/@"):
        if iri.startswith(prefix):
            name = iri[len(prefix) :].rstrip("/")
            return name if name and "/" not in name and "#" not in name else None
    return None


def _live(account: Account | None) -> Account | None:
    return None if account is None or account.deleted_at or account.suspended_at else account


async def local_account(conn: Conn, svc: Services, iri: str) -> Account | None:
    """The live local account an IRI names (actor IRI or profile URL), or None."""
    name = local_username(svc, iri)
    if name is None:
        return None
    return _live(await account_store.get_local_account(conn, name))


async def local_accounts(conn: Conn, svc: Services, iris: list[str]) -> dict[str, Account]:
    """The live local accounts several IRIs name (as `local_account`), by IRI, in one query."""
    # Local usernames are ASCII; SQLite's lower() and Python's agree only there.
    names = {iri: name for iri in iris if (name := local_username(svc, iri)) and name.isascii()}
    found = await account_store.get_local_accounts_by_usernames(conn, list(names.values()))
    accounts = {iri: _live(found.get(name.lower())) for iri, name in names.items()}
    return {iri: account for iri, account in accounts.items() if account is not None}
