"""When remote accounts last moved (an accepted `Move`), for the one-move-per-week rule.

Kept as `moved:<account id>` rows of the key/value `settings` table, valued
`<stored time> <target IRI>`, until the accounts table gets a `moved_to`/`moved_at` column
(a migration; the Mastodon API's `moved` field will want one too): then only this module changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fedi.storage.clock import to_db, utcnow
from fedi.storage.db import Conn, Tx


def _key(account_id: int) -> str:
    return f"moved:{account_id}"


async def claim_move(
    tx: Tx,
    account_id: int,
    *,
    target_uri: str,
    cooldown: timedelta,
    now: datetime | None = None,
) -> bool:
    """Record that an account moves now, unless it moved within `cooldown`; True if recorded.

    One statement, so two Moves processed at once cannot both pass.
    """
    when = now or utcnow()
    changed = await tx.execute(
        "INSERT INTO settings (key, value) VALUES (:key, :value)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value < :cutoff",
        {
            "key": _key(account_id),
            "value": f"{to_db(when)} {target_uri}",
            "cutoff": to_db(when - cooldown),
        },
    )
    return bool(changed)


async def get_last_move(conn: Conn, account_id: int) -> tuple[str, str] | None:
    """(stored time, target IRI) of an account's last recorded move, or None."""
    value = await conn.fetchval("SELECT value FROM settings WHERE key = ?", (_key(account_id),))
    if not isinstance(value, str):
        return None
    when, _, target = value.partition(" ")
    return when, target
