"""Users: credentials, roles and preferences of local accounts."""

from __future__ import annotations

from typing import Any

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Account, User

_UPDATABLE = frozenset(
    {
        "email",
        "password_hash",
        "role",
        "confirmed_at",
        "approved",
        "default_visibility",
        "locale",
        "disabled_at",
    }
)


async def insert_user(
    tx: Tx,
    *,
    id: int,
    email: str,
    password_hash: str,
    role: str,
    confirmed: bool,
    approved: bool = True,
    sign_up_reason: str = "",
) -> None:
    """Insert the user row of a local account."""
    now = now_db()
    await tx.execute(
        "INSERT INTO users (id, email, password_hash, role, confirmed_at, approved,"
        " sign_up_reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            id,
            email,
            password_hash,
            role,
            now if confirmed else None,
            int(approved),
            sign_up_reason,
            now,
        ),
    )


async def get_user(conn: Conn, user_id: int) -> User | None:
    """One user by id."""
    row = await conn.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
    return None if row is None else User.from_row(row)


async def get_user_by_email(conn: Conn, email: str) -> User | None:
    """A user by e-mail address (case-insensitive)."""
    row = await conn.fetchone("SELECT * FROM users WHERE lower(email) = lower(?)", (email,))
    return None if row is None else User.from_row(row)


def _split(row: Any) -> tuple[User, Account]:
    user = User(**{k[2:]: row[k] for k in row.keys() if k.startswith("u_")})
    return user, Account.from_row(row)


_JOIN = (
    "SELECT a.*, u.id AS u_id, u.email AS u_email, u.password_hash AS u_password_hash,"
    " u.role AS u_role, u.confirmed_at AS u_confirmed_at, u.approved AS u_approved,"
    " u.sign_up_reason AS u_sign_up_reason, u.default_visibility AS u_default_visibility,"
    " u.locale AS u_locale, u.created_at AS u_created_at, u.disabled_at AS u_disabled_at,"
    " u.default_sensitive AS u_default_sensitive, u.default_language AS u_default_language"
    " FROM users u JOIN accounts a ON a.id = u.id"
)


async def get_user_account(conn: Conn, user_id: int) -> tuple[User, Account] | None:
    """A user and its account, by id."""
    row = await conn.fetchone(_JOIN + " WHERE u.id = ?", (user_id,))
    return None if row is None else _split(row)


async def get_user_account_by_login(conn: Conn, login: str) -> tuple[User, Account] | None:
    """A user and account by username or e-mail (case-insensitive)."""
    row = await conn.fetchone(
        _JOIN + " WHERE lower(a.username) = lower(:l) OR lower(u.email) = lower(:l)", {"l": login}
    )
    return None if row is None else _split(row)


async def list_user_accounts(
    conn: Conn, *, limit: int = 200, offset: int = 0
) -> list[tuple[User, Account]]:
    """Users with their accounts, oldest first."""
    rows = await conn.fetchall(_JOIN + " ORDER BY u.id LIMIT ? OFFSET ?", (limit, offset))
    return [_split(r) for r in rows]


async def count_users(conn: Conn) -> int:
    """How many users exist."""
    return int(await conn.fetchval("SELECT count(*) FROM users"))


async def update_user(tx: Tx, user_id: int, **values: Any) -> None:
    """Update some columns of a user (names checked against an allowlist)."""
    bad = set(values) - _UPDATABLE
    if bad:
        raise ValueError(f"cannot update user columns {sorted(bad)}")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    await tx.execute(f"UPDATE users SET {sets} WHERE id = :id", {**values, "id": user_id})  # noqa: S608


async def email_taken(conn: Conn, email: str) -> bool:
    """True if some user already has this e-mail address."""
    return bool(await conn.fetchval("SELECT 1 FROM users WHERE lower(email) = lower(?)", (email,)))


async def username_taken(conn: Conn, username: str) -> bool:
    """True if a local account already has this username."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM accounts WHERE domain IS NULL AND lower(username) = lower(?)",
            (username,),
        )
    )


async def list_staff_ids(conn: Conn) -> list[int]:
    """Ids of the administrators and moderators (who are told about sign-ups)."""
    rows = await conn.fetchall(
        "SELECT id FROM users WHERE role IN ('admin', 'moderator') AND disabled_at IS NULL"
        " ORDER BY id"
    )
    return [r["id"] for r in rows]


async def count_users_with_role(conn: Conn, role: str) -> int:
    """How many users have this role."""
    return int(await conn.fetchval("SELECT count(*) FROM users WHERE role = ?", (role,)))


async def count_active_users(conn: Conn, *, since: str) -> int:
    """Users (account not deleted) with a session used or a post made since `since` (NodeInfo)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM users u JOIN accounts a ON a.id = u.id"
            " WHERE a.deleted_at IS NULL AND (EXISTS (SELECT 1 FROM sessions s"
            " WHERE s.user_id = u.id AND s.last_seen_at >= :since) OR EXISTS (SELECT 1 FROM posts p"
            " WHERE p.account_id = u.id AND p.created_at >= :since))",
            {"since": since},
        )
    )


async def get_first_admin(conn: Conn) -> tuple[User, Account] | None:
    """The earliest admin who can still log in (the instance's contact account), or None."""
    row = await conn.fetchone(
        _JOIN + " WHERE u.role = 'admin' AND u.disabled_at IS NULL AND a.deleted_at IS NULL"
        " AND a.suspended_at IS NULL ORDER BY u.created_at, u.id LIMIT 1"
    )
    return None if row is None else _split(row)


async def count_weekly_activity(conn: Conn, *, since: str) -> dict[str, tuple[int, int, int]]:
    """Per week since `since` (its Monday, YYYY-MM-DD): local posts, users who logged in,
    local sign-ups; one hop."""
    week = "date({col}, 'weekday 0', '-6 days')"
    queries = (
        f"SELECT {week.format(col='created_at')} AS w, count(*) AS n FROM posts"  # noqa: S608
        " WHERE local = 1 AND reblog_of_id IS NULL AND created_at >= :since GROUP BY w",
        f"SELECT {week.format(col='at')} AS w, count(DISTINCT user_id) AS n"  # noqa: S608
        " FROM login_history WHERE success = 1 AND at >= :since GROUP BY w",
        f"SELECT {week.format(col='created_at')} AS w, count(*) AS n FROM accounts"  # noqa: S608
        " WHERE domain IS NULL AND created_at >= :since GROUP BY w",
    )

    def load(db: Any) -> dict[str, tuple[int, int, int]]:
        counts: dict[str, list[int]] = {}
        for index, sql in enumerate(queries):
            for w, n in db.execute(sql, {"since": since}).fetchall():
                counts.setdefault(w, [0, 0, 0])[index] = int(n)
        return {w: (c[0], c[1], c[2]) for w, c in counts.items()}

    return await conn.run(load)
