"""Media rows: uploads, attachments, avatars and headers (the files are in `mediafiles`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Media

_COLUMNS = tuple(Media.__dataclass_fields__)
_UPDATABLE = frozenset({"description", "focus_x", "focus_y"})
IMAGE_SLOTS = ("avatar", "header")


async def insert_media(tx: Tx, media: Media) -> None:
    """Insert a media row (every column from the dataclass)."""
    names = ", ".join(_COLUMNS)
    marks = ", ".join(f":{c}" for c in _COLUMNS)
    await tx.execute(
        f"INSERT INTO media ({names}) VALUES ({marks})",  # noqa: S608 - column names only
        {c: getattr(media, c) for c in _COLUMNS},
    )


async def get_media(conn: Conn, media_id: int) -> Media | None:
    """One media row by id."""
    row = await conn.fetchone("SELECT * FROM media WHERE id = ?", (media_id,))
    return None if row is None else Media.from_row(row)


async def get_many(conn: Conn, ids: list[int]) -> dict[int, Media]:
    """Several media rows by id, in one query."""
    if not ids:
        return {}
    unique = sorted(set(ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(f"SELECT * FROM media WHERE id IN ({marks})", unique)  # noqa: S608
    return {r["id"]: Media.from_row(r) for r in rows}


async def get_many_by_post_ids(conn: Conn, post_ids: list[int]) -> dict[int, list[Media]]:
    """The attachments of several posts in one query, in their order within each post."""
    if not post_ids:
        return {}
    unique = sorted(set(post_ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(
        f"SELECT * FROM media WHERE post_id IN ({marks}) ORDER BY post_id, position, id",  # noqa: S608
        unique,
    )
    out: dict[int, list[Media]] = {}
    for r in rows:
        out.setdefault(r["post_id"], []).append(Media.from_row(r))
    return out


async def attach_to_post(tx: Tx, post_id: int, media_ids: list[int]) -> None:
    """Attach media to a post, in the given order (position 0, 1, ...)."""
    now = now_db()
    await tx.executemany(
        "UPDATE media SET post_id = :post_id, position = :position, updated_at = :now"
        " WHERE id = :id",
        [
            {"post_id": post_id, "position": i, "now": now, "id": media_id}
            for i, media_id in enumerate(media_ids)
        ],
    )


async def delete_post_media_except(tx: Tx, post_id: int, keep: list[int]) -> list[str]:
    """Delete a post's attachments not in `keep`; return the keys of files no other row uses."""

    def run(conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute("SELECT * FROM media WHERE post_id = ?", (post_id,)).fetchall()
        gone = [Media.from_row(r) for r in rows if r["id"] not in keep]
        if not gone:
            return []
        conn.executemany("DELETE FROM media WHERE id = ?", [(m.id,) for m in gone])
        return _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def update_media(tx: Tx, media_id: int, **values: Any) -> None:
    """Update the description or focus of a media row (names checked against an allowlist)."""
    bad = set(values) - _UPDATABLE
    if bad:
        raise ValueError(f"cannot update media columns {sorted(bad)}")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    await tx.execute(
        f"UPDATE media SET {sets}, updated_at = :now WHERE id = :id",  # noqa: S608
        {**values, "now": now_db(), "id": media_id},
    )


async def mark_ready(
    tx: Tx,
    media_id: int,
    *,
    kind: str,
    content_type: str,
    file_key: str,
    preview_key: str | None,
    size: int,
    blurhash: str | None,
    meta_json: str,
) -> bool:
    """A processing row becomes ready with its stored files; False if it was not processing."""
    changed = await tx.execute(
        "UPDATE media SET state = 'ready', kind = :kind, content_type = :content_type,"
        " file_key = :file_key, preview_key = :preview_key, size = :size, blurhash = :blurhash,"
        " meta_json = :meta_json, source_key = NULL, error = '', updated_at = :now"
        " WHERE id = :id AND state = 'processing'",
        {
            "kind": kind,
            "content_type": content_type,
            "file_key": file_key,
            "preview_key": preview_key,
            "size": size,
            "blurhash": blurhash,
            "meta_json": meta_json,
            "now": now_db(),
            "id": media_id,
        },
    )
    return changed > 0


async def mark_failed(tx: Tx, media_id: int, *, error: str) -> bool:
    """A processing row failed (the message is shown to its owner); False if not processing."""
    changed = await tx.execute(
        "UPDATE media SET state = 'failed', error = :error, source_key = NULL, updated_at = :now"
        " WHERE id = :id AND state = 'processing'",
        {"error": error[:500], "now": now_db(), "id": media_id},
    )
    return changed > 0


# Columns naming stored files; an earlier version's attachment keeps its file (edit history).
_KEY_COLUMNS = (
    ("media", "file_key"),
    ("media", "preview_key"),
    ("media", "source_key"),
    ("post_edit_media", "file_key"),
    ("post_edit_media", "preview_key"),
)


def _unreferenced(conn: sqlite3.Connection, keys: set[str]) -> list[str]:
    wanted = sorted(k for k in keys if k)
    if not wanted:
        return []
    marks = ",".join("?" for _ in wanted)
    used = {
        r[0]
        for table, column in _KEY_COLUMNS
        for r in conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})",  # noqa: S608
            wanted,
        )
    }
    return [k for k in wanted if k not in used]


async def unreferenced_keys(conn: Conn, keys: list[str]) -> list[str]:
    """The keys among `keys` that no media row uses any more (their files can be deleted)."""
    return await conn.run(lambda c: _unreferenced(c, set(keys)))


def media_keys(media: list[Media]) -> set[str]:
    """Every file key a list of rows uses (file, preview, pending source)."""
    return {k for m in media for k in (m.file_key, m.preview_key, m.source_key) if k}


async def delete_media(tx: Tx, media_ids: list[int]) -> list[str]:
    """Delete media rows; return the keys of files no other row uses (delete them after commit)."""
    if not media_ids:
        return []

    def run(conn: sqlite3.Connection) -> list[str]:
        marks = ",".join("?" for _ in media_ids)
        rows = conn.execute(
            f"SELECT * FROM media WHERE id IN ({marks})",  # noqa: S608
            media_ids,
        ).fetchall()
        gone = [Media.from_row(r) for r in rows]
        conn.executemany("DELETE FROM media WHERE id = ?", [(m.id,) for m in gone])
        return _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def delete_post_media(tx: Tx, post_id: int) -> list[str]:
    """Delete every attachment of a post; return the keys of files no other row uses."""

    def run(conn: sqlite3.Connection) -> list[str]:
        rows = conn.execute("SELECT * FROM media WHERE post_id = ?", (post_id,)).fetchall()
        if not rows:
            return []
        gone = [Media.from_row(r) for r in rows]
        conn.execute("DELETE FROM media WHERE post_id = ?", (post_id,))
        return _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def delete_unattached_before(
    tx: Tx, cutoff: str, *, limit: int = 500
) -> tuple[int, list[str]]:
    """Delete local uploads made before `cutoff` that are attached to nothing (no post, no
    avatar or header); return how many and the keys of files no other row uses."""

    def run(conn: sqlite3.Connection) -> tuple[int, list[str]]:
        rows = conn.execute(
            "SELECT * FROM media m WHERE m.post_id IS NULL AND m.remote_url IS NULL"
            " AND m.scheduled_status_id IS NULL AND m.created_at < :cutoff"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.avatar_media_id = m.id)"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.header_media_id = m.id)"
            " ORDER BY m.created_at LIMIT :limit",
            {"cutoff": cutoff, "limit": limit},
        ).fetchall()
        gone = [Media.from_row(r) for r in rows]
        conn.executemany("DELETE FROM media WHERE id = ?", [(m.id,) for m in gone])
        return len(gone), _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def set_account_image(
    tx: Tx, account_id: int, slot: str, *, media_id: int | None, url: str, description: str
) -> int | None:
    """Point an account's avatar or header at a media row (or none); return the previous id."""
    if slot not in IMAGE_SLOTS:
        raise ValueError(f"unknown profile image slot {slot!r}")

    def run(conn: sqlite3.Connection) -> int | None:
        row = conn.execute(
            f"SELECT {slot}_media_id FROM accounts WHERE id = ?",  # noqa: S608 - allowlisted
            (account_id,),
        ).fetchone()
        conn.execute(
            f"UPDATE accounts SET {slot}_media_id = :media_id, {slot}_url = :url,"  # noqa: S608
            f" {slot}_description = :description, updated_at = :now WHERE id = :id",
            {
                "media_id": media_id,
                "url": url,
                "description": description,
                "now": now_db(),
                "id": account_id,
            },
        )
        return None if row is None else row[0]

    return await tx.run(run)


async def set_account_image_description(
    tx: Tx, account_id: int, slot: str, description: str
) -> None:
    """Change the alt text of an account's avatar or header."""
    if slot not in IMAGE_SLOTS:
        raise ValueError(f"unknown profile image slot {slot!r}")
    await tx.execute(
        f"UPDATE accounts SET {slot}_description = :description, updated_at = :now"  # noqa: S608
        " WHERE id = :id",
        {"description": description, "now": now_db(), "id": account_id},
    )


# --- the remote-media cache (issue 5, federation) -------------------------------------------
# Remote rows have `remote_url`; a cached one has `file_key`; an evicted one is `ready` without a
# file (its metadata stays, the file is fetched again on demand). `last_accessed_at` orders the
# least recently used first when the cache is over its budget (index `media_remote_lru`).

REMOTE_IMAGE_SLOTS = IMAGE_SLOTS


async def insert_many_media(tx: Tx, media: list[Media]) -> None:
    """Insert several media rows in one round trip."""
    if not media:
        return
    names = ", ".join(_COLUMNS)
    marks = ", ".join(f":{c}" for c in _COLUMNS)
    await tx.executemany(
        f"INSERT INTO media ({names}) VALUES ({marks})",  # noqa: S608 - column names only
        [{c: getattr(m, c) for c in _COLUMNS} for m in media],
    )


async def get_remote_image_by_url(conn: Conn, url: str) -> Media | None:
    """The cached remote avatar/header (a row attached to no post) for a remote URL."""
    row = await conn.fetchone(
        "SELECT * FROM media WHERE remote_url = ? AND post_id IS NULL", (url,)
    )
    return None if row is None else Media.from_row(row)


async def insert_remote_image(tx: Tx, media: Media) -> Media:
    """Insert a remote avatar/header row unless one for its URL exists; return the stored row."""
    assert media.remote_url is not None and media.post_id is None
    names = ", ".join(_COLUMNS)
    marks = ", ".join(f":{c}" for c in _COLUMNS)

    def run(conn: sqlite3.Connection) -> Media:
        conn.execute(
            f"INSERT INTO media ({names}) VALUES ({marks})"  # noqa: S608 - column names only
            " ON CONFLICT (remote_url) WHERE remote_url IS NOT NULL AND post_id IS NULL"
            " DO NOTHING",
            {c: getattr(media, c) for c in _COLUMNS},
        )
        row = conn.execute(
            "SELECT * FROM media WHERE remote_url = ? AND post_id IS NULL", (media.remote_url,)
        ).fetchone()
        return Media.from_row(row)

    return await tx.run(run)


async def mark_remote_cached(
    tx: Tx,
    media_id: int,
    *,
    kind: str,
    content_type: str,
    file_key: str,
    preview_key: str | None,
    size: int,
    blurhash: str | None,
    meta_json: str,
) -> bool:
    """A remote row gets its (re)fetched files and becomes ready; the remote blurhash is kept.

    False when the row is gone or already holds a file (someone else cached it first).
    """
    now = now_db()
    changed = await tx.execute(
        "UPDATE media SET state = 'ready', kind = :kind, content_type = :content_type,"
        " file_key = :file_key, preview_key = :preview_key, size = :size,"
        " blurhash = coalesce(blurhash, :blurhash), meta_json = :meta_json, error = '',"
        " updated_at = :now, last_accessed_at = :now"
        " WHERE id = :id AND remote_url IS NOT NULL AND file_key IS NULL",
        {
            "kind": kind,
            "content_type": content_type,
            "file_key": file_key,
            "preview_key": preview_key,
            "size": size,
            "blurhash": blurhash,
            "meta_json": meta_json,
            "now": now,
            "id": media_id,
        },
    )
    return changed > 0


async def mark_remote_failed(tx: Tx, media_id: int, *, error: str) -> bool:
    """A remote row that holds no file is refused (`failed`, with the reason for logs and pages)."""
    changed = await tx.execute(
        "UPDATE media SET state = 'failed', error = :error, updated_at = :now"
        " WHERE id = :id AND remote_url IS NOT NULL AND file_key IS NULL",
        {"error": error[:500], "now": now_db(), "id": media_id},
    )
    return changed > 0


async def touch_media(tx: Tx, media_id: int, at: str) -> None:
    """Record that a cached remote file was just used (the LRU order of eviction)."""
    await tx.execute(
        "UPDATE media SET last_accessed_at = :at WHERE id = :id", {"at": at, "id": media_id}
    )


async def remote_cache_bytes(conn: Conn) -> int:
    """Bytes on disk of cached remote files (an index-only scan of `media_remote_lru`)."""
    value = await conn.fetchval(
        "SELECT coalesce(sum(size), 0) FROM media"
        " WHERE remote_url IS NOT NULL AND file_key IS NOT NULL"
    )
    return int(value or 0)


async def remote_cache_stats(conn: Conn) -> dict[str, int]:
    """Remote rows by condition: `files` and `bytes` cached, `evicted`, `pending`, `failed`."""
    row = await conn.fetchone(
        "SELECT"
        " coalesce(sum(file_key IS NOT NULL), 0) AS files,"
        " coalesce(sum(CASE WHEN file_key IS NOT NULL THEN size ELSE 0 END), 0) AS bytes,"
        " coalesce(sum(file_key IS NULL AND state = 'ready'), 0) AS evicted,"
        " coalesce(sum(file_key IS NULL AND state = 'processing'), 0) AS pending,"
        " coalesce(sum(state = 'failed'), 0) AS failed"
        " FROM media WHERE remote_url IS NOT NULL"
    )
    assert row is not None
    return {key: int(row[key]) for key in row.keys()}


async def list_least_recently_used(conn: Conn, *, limit: int) -> list[Media]:
    """Cached remote files, least recently used first."""
    rows = await conn.fetchall(
        "SELECT * FROM media WHERE remote_url IS NOT NULL AND file_key IS NOT NULL"
        " ORDER BY last_accessed_at, id LIMIT ?",
        (limit,),
    )
    return [Media.from_row(r) for r in rows]


async def evict_remote_media(tx: Tx, media_ids: list[int]) -> list[str]:
    """Drop the files of cached remote rows (the rows keep their metadata); return the keys no
    row uses any more, to delete after commit."""
    if not media_ids:
        return []

    def run(conn: sqlite3.Connection) -> list[str]:
        marks = ",".join("?" for _ in media_ids)
        rows = conn.execute(
            f"SELECT * FROM media WHERE id IN ({marks})"  # noqa: S608 - placeholders only
            " AND remote_url IS NOT NULL AND file_key IS NOT NULL",
            media_ids,
        ).fetchall()
        gone = [Media.from_row(r) for r in rows]
        conn.executemany(
            "UPDATE media SET file_key = NULL, preview_key = NULL, size = 0, updated_at = ?"
            " WHERE id = ?",
            [(now_db(), m.id) for m in gone],
        )
        return _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def sync_remote_attachments(
    tx: Tx, post_id: int, wanted: list[Media]
) -> tuple[list[Media], list[str]]:
    """Make `wanted` a remote post's attachments (an edit), in one round trip.

    Rows whose `remote_url` is already attached keep their file and get the new alt text, focus
    and position; the others are inserted; attachments no longer wanted are deleted. Returns the
    inserted rows (to fetch) and the keys of files no row uses any more (to delete after commit).
    """

    def run(conn: sqlite3.Connection) -> tuple[list[Media], list[str]]:
        rows = conn.execute("SELECT * FROM media WHERE post_id = ?", (post_id,)).fetchall()
        current = {r["remote_url"]: Media.from_row(r) for r in rows}
        now = now_db()
        inserted: list[Media] = []
        kept: set[int] = set()
        for media in wanted:
            existing = current.get(media.remote_url)
            if existing is None or existing.id in kept:
                inserted.append(media)
                continue
            kept.add(existing.id)
            conn.execute(
                "UPDATE media SET position = :position, description = :description,"
                " focus_x = :focus_x, focus_y = :focus_y, updated_at = :now WHERE id = :id",
                {
                    "position": media.position,
                    "description": media.description,
                    "focus_x": media.focus_x,
                    "focus_y": media.focus_y,
                    "now": now,
                    "id": existing.id,
                },
            )
        gone = [m for m in current.values() if m.id not in kept]
        conn.executemany("DELETE FROM media WHERE id = ?", [(m.id,) for m in gone])
        names = ", ".join(_COLUMNS)
        marks = ", ".join(f":{c}" for c in _COLUMNS)
        conn.executemany(
            f"INSERT INTO media ({names}) VALUES ({marks})",  # noqa: S608 - column names only
            [{c: getattr(m, c) for c in _COLUMNS} for m in inserted],
        )
        return inserted, _unreferenced(conn, media_keys(gone))

    return await tx.run(run)


async def link_remote_account_image(
    tx: Tx, account_id: int, slot: str, *, media_id: int, remote_url: str, description: str
) -> list[str]:
    """Show a cached remote image as a remote account's avatar or header, if the account still
    names that URL; the image it replaces is deleted when nothing else uses it. Returns the keys
    of files no row uses any more (delete them after commit)."""
    if slot not in REMOTE_IMAGE_SLOTS:
        raise ValueError(f"unknown profile image slot {slot!r}")

    def run(conn: sqlite3.Connection) -> list[str]:
        row = conn.execute(
            f"SELECT {slot}_media_id FROM accounts"  # noqa: S608 - allowlisted
            f" WHERE id = ? AND domain IS NOT NULL AND {slot}_url = ?",
            (account_id, remote_url),
        ).fetchone()
        if row is None:
            return []
        previous = row[0]
        if previous == media_id:
            return []
        conn.execute(
            f"UPDATE accounts SET {slot}_media_id = :media_id,"  # noqa: S608 - allowlisted
            f" {slot}_description = :description WHERE id = :id",
            {"media_id": media_id, "description": description, "id": account_id},
        )
        if previous is None:
            return []
        old = conn.execute(
            "SELECT * FROM media m WHERE m.id = ? AND m.remote_url IS NOT NULL"
            " AND m.post_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.avatar_media_id = m.id)"
            " AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.header_media_id = m.id)",
            (previous,),
        ).fetchone()
        if old is None:
            return []
        gone = Media.from_row(old)
        conn.execute("DELETE FROM media WHERE id = ?", (gone.id,))
        return _unreferenced(conn, media_keys([gone]))

    return await tx.run(run)


async def profile_image_slot(conn: Conn, media_id: int) -> str | None:
    """`header` or `avatar` when some account shows this media row as such, else None."""
    row = await conn.fetchone(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE header_media_id = :id)"
        " THEN 'header' WHEN EXISTS (SELECT 1 FROM accounts WHERE avatar_media_id = :id)"
        " THEN 'avatar' END",
        {"id": media_id},
    )
    return None if row is None else row[0]


async def list_post_media(conn: Conn, post_id: int) -> list[Media]:
    """One post's attachments, in order."""
    return (await get_many_by_post_ids(conn, [post_id])).get(post_id, [])
