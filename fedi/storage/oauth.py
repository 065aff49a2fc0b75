"""OAuth2 rows: registered apps, authorization codes and access tokens (stored hashed)."""

from __future__ import annotations

import sqlite3

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, OAuthApp, OAuthCode, OAuthToken, User


async def insert_app(
    tx: Tx,
    *,
    name: str,
    website: str | None,
    redirect_uris: str,
    scopes: str,
    client_id: str,
    client_secret: str,
    owner_id: int | None = None,
) -> OAuthApp:
    """Register an application."""
    app = OAuthApp(
        id=new_id(),
        name=name,
        website=website,
        redirect_uris=redirect_uris,
        scopes=scopes,
        client_id=client_id,
        client_secret=client_secret,
        owner_id=owner_id,
        created_at=now_db(),
    )
    await tx.execute(
        "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id,"
        " client_secret, owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            app.id,
            app.name,
            app.website,
            app.redirect_uris,
            app.scopes,
            app.client_id,
            app.client_secret,
            app.owner_id,
            app.created_at,
        ),
    )
    return app


async def get_app(conn: Conn, app_id: int) -> OAuthApp | None:
    """An app by id."""
    row = await conn.fetchone("SELECT * FROM oauth_apps WHERE id = ?", (app_id,))
    return None if row is None else OAuthApp.from_row(row)


async def get_app_by_client_id(conn: Conn, client_id: str) -> OAuthApp | None:
    """An app by its public client_id."""
    row = await conn.fetchone("SELECT * FROM oauth_apps WHERE client_id = ?", (client_id,))
    return None if row is None else OAuthApp.from_row(row)


async def insert_code(
    tx: Tx,
    *,
    code_hash: str,
    app_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: str,
    code_challenge: str | None,
    challenge_method: str | None,
    expires_at: str,
) -> None:
    """Store a single-use authorization code."""
    await tx.execute(
        "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes,"
        " code_challenge, challenge_method, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            code_hash,
            app_id,
            account_id,
            redirect_uri,
            scopes,
            code_challenge,
            challenge_method,
            now_db(),
            expires_at,
        ),
    )


async def use_code(tx: Tx, code_hash: str) -> OAuthCode | None:
    """Mark an unused, unexpired code used and return it; None when it cannot be used."""
    row = await tx.fetchone(
        "UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
        " AND expires_at > ? RETURNING *",
        (now_db(), code_hash, now_db()),
    )
    return None if row is None else OAuthCode.from_row(row)


async def delete_expired_codes(tx: Tx) -> int:
    """Forget codes that can no longer be used."""
    return await tx.execute("DELETE FROM oauth_codes WHERE expires_at < ?", (now_db(),))


async def insert_token(
    tx: Tx, *, token_hash: str, app_id: int, account_id: int | None, scopes: str
) -> OAuthToken:
    """Store a new access token (hashed)."""
    token = OAuthToken(
        id=new_id(),
        token_hash=token_hash,
        app_id=app_id,
        account_id=account_id,
        scopes=scopes,
        created_at=now_db(),
    )
    await tx.execute(
        "INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token.id, token_hash, app_id, account_id, scopes, token.created_at),
    )
    return token


async def get_token_grant(
    conn: Conn, token_hash: str
) -> tuple[OAuthToken, OAuthApp, Account | None, User | None] | None:
    """A live token with its app and, for user tokens, the account and user: one query."""

    def load(
        db: sqlite3.Connection,
    ) -> tuple[OAuthToken, OAuthApp, Account | None, User | None] | None:
        cur = db.execute(
            "SELECT * FROM oauth_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (token_hash,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        token = OAuthToken.from_row(row)
        app_row = db.execute("SELECT * FROM oauth_apps WHERE id = ?", (token.app_id,)).fetchone()
        if app_row is None:
            return None
        account = user = None
        if token.account_id is not None:
            acc_row = db.execute(
                "SELECT * FROM accounts WHERE id = ?", (token.account_id,)
            ).fetchone()
            user_row = db.execute(
                "SELECT * FROM users WHERE id = ?", (token.account_id,)
            ).fetchone()
            if acc_row is None or user_row is None:
                return None
            account, user = Account.from_row(acc_row), User.from_row(user_row)
        return token, OAuthApp.from_row(app_row), account, user

    return await conn.run(load)


async def touch_token(tx: Tx, token_id: int) -> None:
    """Record that a token was used now."""
    await tx.execute("UPDATE oauth_tokens SET last_used_at = ? WHERE id = ?", (now_db(), token_id))


async def revoke_token(tx: Tx, token_hash: str, *, app_id: int | None = None) -> OAuthToken | None:
    """Revoke a token (of this app, when given); return it, or None if not found."""
    row = await tx.fetchone(
        "UPDATE oauth_tokens SET revoked_at = coalesce(revoked_at, ?)"
        " WHERE token_hash = ? AND (? IS NULL OR app_id = ?) RETURNING *",
        (now_db(), token_hash, app_id, app_id),
    )
    return None if row is None else OAuthToken.from_row(row)


async def find_token(conn: Conn, token_hash: str) -> OAuthToken | None:
    """A token by hash, revoked or not."""
    row = await conn.fetchone("SELECT * FROM oauth_tokens WHERE token_hash = ?", (token_hash,))
    return None if row is None else OAuthToken.from_row(row)


async def list_authorized_apps(conn: Conn, account_id: int) -> list[tuple[OAuthApp, str, str]]:
    """Apps holding live tokens for an account: (app, scopes, last used or created)."""
    rows = await conn.fetchall(
        "SELECT a.*, group_concat(t.scopes, ' ') AS granted,"
        " max(coalesce(t.last_used_at, t.created_at)) AS last_used"
        " FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id"
        " WHERE t.account_id = ? AND t.revoked_at IS NULL GROUP BY a.id ORDER BY last_used DESC",
        (account_id,),
    )
    return [(OAuthApp.from_row(r), r["granted"], r["last_used"]) for r in rows]


async def revoke_app_tokens(tx: Tx, account_id: int, app_id: int) -> list[str]:
    """Revoke every token an app holds for an account; return their hashes."""
    rows = await tx.fetchall(
        "UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND app_id = ?"
        " AND revoked_at IS NULL RETURNING token_hash",
        (now_db(), account_id, app_id),
    )
    return [r["token_hash"] for r in rows]


async def revoke_account_tokens(tx: Tx, account_id: int) -> list[str]:
    """Revoke every token of an account (password change, deletion); return their hashes."""
    rows = await tx.fetchall(
        "UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL"
        " RETURNING token_hash",
        (now_db(), account_id),
    )
    return [r["token_hash"] for r in rows]
