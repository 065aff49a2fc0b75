"""Remote accounts in the `accounts` table: the cache of actors fetched from other servers."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from fedi.errors import Conflict
from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteAccountFields:
    """The columns of a remote actor taken from its (verified, sanitized) document."""

    uri: str
    username: str
    domain: str
    url: str = ""
    actor_type: str = "Person"
    display_name: str = ""
    note_html: str = ""
    fields_json: str = "[]"
    locked: bool = False
    discoverable: bool = False
    avatar_url: str = ""
    header_url: str = ""
    inbox_uri: str = ""
    shared_inbox_uri: str = ""
    outbox_uri: str = ""
    followers_uri: str = ""
    following_uri: str = ""
    featured_uri: str = ""
    public_key_id: str = ""
    public_key_pem: str = ""
    raw_json: str = ""


_COLUMNS = tuple(RemoteAccountFields.__dataclass_fields__)
_UPDATED = [c for c in _COLUMNS if c != "uri"]

_UPSERT = (
    f"INSERT INTO accounts (id, {', '.join(_COLUMNS)}, created_at, updated_at, fetched_at)"
    f" VALUES (:id, {', '.join(':' + c for c in _COLUMNS)}, :now, :now, :fetched_at)"
    " ON CONFLICT (uri) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    + ", updated_at = excluded.updated_at, fetched_at = excluded.fetched_at"
    " WHERE accounts.domain IS NOT NULL RETURNING *"
)


async def upsert_remote_account(
    tx: Tx, fields: RemoteAccountFields, *, fetched_at: str | None = None
) -> Account:
    """Insert or refresh a remote account by actor URI; Conflict if a local account or another
    actor already holds that URI or handle. Writes one row."""
    now = now_db()
    params = {
        **asdict(fields),
        "locked": int(fields.locked),
        "discoverable": int(fields.discoverable),
        "id": new_id(),
        "now": now,
        "fetched_at": fetched_at or now,
    }
    try:
        rows = await tx.fetchall(_UPSERT, params)
    except sqlite3.IntegrityError as exc:
        raise Conflict(
            f"The handle {fields.username}@{fields.domain} already belongs to another actor.",
            detail=str(exc),
        ) from exc
    if not rows:
        raise Conflict(f"{fields.uri} is a local account; it is never replaced by a fetch.")
    return Account.from_row(rows[0])


async def get_remote_account_by_uri(conn: Conn, uri: str) -> Account | None:
    """A remote account by its actor IRI (local accounts are not returned)."""
    row = await conn.fetchone("SELECT * FROM accounts WHERE uri = ? AND domain IS NOT NULL", (uri,))
    return None if row is None else Account.from_row(row)


async def get_account_by_key_id(conn: Conn, key_id: str) -> Account | None:
    """The account (local or remote) whose public key has this id."""
    row = await conn.fetchone(
        "SELECT * FROM accounts WHERE public_key_id = ? ORDER BY id LIMIT 1", (key_id,)
    )
    return None if row is None else Account.from_row(row)


async def get_account_by_acct(conn: Conn, username: str, domain: str | None) -> Account | None:
    """An account by handle: `domain` None (or '') for local, `host[:port]` for remote."""
    row = await conn.fetchone(
        "SELECT * FROM accounts WHERE lower(username) = lower(:username)"
        " AND coalesce(domain, '') = :domain",
        {"username": username, "domain": (domain or "").lower()},
    )
    return None if row is None else Account.from_row(row)


async def update_remote_account_uri(tx: Tx, account_id: int, uri: str) -> bool:
    """Point a remote account at a new actor IRI (its server changed the id behind its handle).

    Follows, posts and notifications stay with the account; `fetched_at` is cleared so the next
    lookup fetches the new document. False when there is no such remote account.
    """
    changed = await tx.execute(
        "UPDATE accounts SET uri = :uri, fetched_at = NULL, updated_at = :now"
        " WHERE id = :id AND domain IS NOT NULL",
        {"uri": uri, "now": now_db(), "id": account_id},
    )
    return bool(changed)
