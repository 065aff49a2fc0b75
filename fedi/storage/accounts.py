"""Accounts (actors): local ones with keys, remote ones later."""

from __future__ import annotations

from typing import Any

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Account

_UPDATABLE = frozenset(
    {
        "display_name",
        "note_source",
        "note_html",
        "fields_json",
        "locked",
        "discoverable",
        "avatar_url",
        "header_url",
        "actor_type",
        "suspended_at",
        "deleted_at",
        "url",
    }
)


async def insert_local_account(
    tx: Tx,
    *,
    id: int,
    username: str,
    uri: str,
    url: str,
    urls: dict[str, str],
    public_key_pem: str,
    private_key_pem: str,
    public_key_id: str,
) -> None:
    """Insert a local account row (domain NULL) with its key pair and collection URIs."""
    now = now_db()
    await tx.execute(
        "INSERT INTO accounts (id, username, domain, uri, url, inbox_uri, shared_inbox_uri,"
        " outbox_uri, followers_uri, following_uri, featured_uri, public_key_id, public_key_pem,"
        " private_key_pem, created_at, updated_at) VALUES (:id, :username, NULL, :uri, :url,"
        " :inbox, :shared_inbox, :outbox, :followers, :following, :featured, :key_id, :pub, :priv,"
        " :now, :now)",
        {
            "id": id,
            "username": username,
            "uri": uri,
            "url": url,
            "key_id": public_key_id,
            "pub": public_key_pem,
            "priv": private_key_pem,
            "now": now,
            **urls,
        },
    )


async def get_account(conn: Conn, account_id: int) -> Account | None:
    """One account by id."""
    row = await conn.fetchone("SELECT * FROM accounts WHERE id = ?", (account_id,))
    return None if row is None else Account.from_row(row)


async def get_accounts(conn: Conn, ids: list[int]) -> dict[int, Account]:
    """Several accounts by id, in one query."""
    if not ids:
        return {}
    unique = sorted(set(ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(f"SELECT * FROM accounts WHERE id IN ({marks})", unique)  # noqa: S608
    return {r["id"]: Account.from_row(r) for r in rows}


async def get_local_account(conn: Conn, username: str) -> Account | None:
    """A local account by username (case-insensitive)."""
    row = await conn.fetchone(
        "SELECT * FROM accounts WHERE lower(username) = lower(?) AND domain IS NULL", (username,)
    )
    return None if row is None else Account.from_row(row)


async def get_account_by_uri(conn: Conn, uri: str) -> Account | None:
    """An account by its actor IRI."""
    row = await conn.fetchone("SELECT * FROM accounts WHERE uri = ?", (uri,))
    return None if row is None else Account.from_row(row)


async def get_local_accounts_by_usernames(conn: Conn, usernames: list[str]) -> dict[str, Account]:
    """Local accounts for these usernames, keyed by lowercased username."""
    if not usernames:
        return {}
    lowered = sorted({u.lower() for u in usernames})
    marks = ",".join("?" for _ in lowered)
    rows = await conn.fetchall(
        f"SELECT * FROM accounts WHERE domain IS NULL AND lower(username) IN ({marks})",  # noqa: S608
        lowered,
    )
    return {r["username"].lower(): Account.from_row(r) for r in rows}


async def update_account(tx: Tx, account_id: int, **values: Any) -> None:
    """Update some columns of an account (names checked against an allowlist)."""
    bad = set(values) - _UPDATABLE
    if bad:
        raise ValueError(f"cannot update account columns {sorted(bad)}")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    await tx.execute(
        f"UPDATE accounts SET {sets}, updated_at = :now WHERE id = :id",  # noqa: S608
        {**values, "now": now_db(), "id": account_id},
    )


async def count_local_accounts(conn: Conn) -> int:
    """How many local accounts exist (not deleted)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM accounts WHERE domain IS NULL AND deleted_at IS NULL"
        )
    )


async def delete_account(tx: Tx, account_id: int) -> int:
    """Delete an account row for good (its user, sessions, posts... cascade); rejected sign-ups."""
    return await tx.execute("DELETE FROM accounts WHERE id = ?", (account_id,))


async def get_remote_account_by_inbox(conn: Conn, inbox_uri: str) -> Account | None:
    """The one remote account whose personal inbox this is, or None (also for a shared inbox)."""
    row = await conn.fetchone(
        "SELECT * FROM accounts WHERE inbox_uri = :inbox AND domain IS NOT NULL"
        " AND (SELECT count(*) FROM accounts WHERE inbox_uri = :inbox) = 1"
        " AND NOT EXISTS (SELECT 1 FROM accounts WHERE shared_inbox_uri = :inbox)",
        {"inbox": inbox_uri},
    )
    return None if row is None else Account.from_row(row)


async def wipe_private_key(tx: Tx, account_id: int) -> bool:
    """Forget the signing key of a deleted local account (once its last deliveries are done)."""
    return bool(
        await tx.execute(
            "UPDATE accounts SET private_key_pem = NULL WHERE id = ? AND domain IS NULL"
            " AND deleted_at IS NOT NULL AND private_key_pem IS NOT NULL",
            (account_id,),
        )
    )


async def list_known_domains(conn: Conn, *, limit: int = 10_000) -> list[str]:
    """Domains of the remote accounts we know (the instance's peers), alphabetically."""
    rows = await conn.fetchall(
        "SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL ORDER BY domain LIMIT ?",
        (limit,),
    )
    return [r["domain"] for r in rows]


async def count_known_domains(conn: Conn) -> int:
    """How many other servers we know accounts of (API instance `stats.domain_count`)."""
    return int(
        await conn.fetchval("SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL")
    )
