"""The attachments each version of a post had (table `post_edit_media`), for the edit history's
StatusEdit `media_attachments`, read back with every version's text and poll in one hop."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace

from fedi.storage import media as media_storage
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Media, Post, PostEdit

# Remote files are served by their row id (gone with the row), so a copy keeps no key for them.
_RECORD = (
    "INSERT INTO post_edit_media (edit_id, post_id, position, media_id, description, focus_x,"
    " focus_y, kind, state, content_type, file_key, preview_key, blurhash, meta_json, remote_url)"
    " SELECT :edit_id, :post_id, row_number() OVER (ORDER BY position, id) - 1, id, description,"
    " focus_x, focus_y, kind, state, content_type,"
    " CASE WHEN remote_url IS NULL THEN file_key END,"
    " CASE WHEN remote_url IS NULL THEN preview_key END, blurhash, meta_json, remote_url"
    " FROM media WHERE post_id = :post_id"
)


def record_version_media(c: sqlite3.Connection, *, edit_id: int, post_id: int) -> None:
    """Copy a post's attachments as they are now (before an edit changes them) beside the
    `post_edits` row `edit_id` just written for that version; runs inside the caller's hop."""
    c.execute(_RECORD, {"edit_id": edit_id, "post_id": post_id})


@dataclass(frozen=True, slots=True, kw_only=True)
class PostVersions:
    """Every version of a post as stored: the post row (`current`, the latest version; None if
    the row is gone), the earlier ones (`edits`, oldest first), and per version, the current one
    last, its attachments and its poll's option titles (None: no poll)."""

    current: Post | None
    edits: list[PostEdit]
    media: list[tuple[Media, ...]]
    polls: list[tuple[str, ...] | None]


def _options(raw: str | None) -> tuple[str, ...] | None:
    return None if raw is None else tuple(str(o) for o in json.loads(raw))


def _kept(row: sqlite3.Row, author_id: int, live: dict[int, Media]) -> Media:
    """An earlier version's attachment: the live row (still attached) with that version's alt
    text and focus, else the copy taken at the edit."""
    found = live.get(row["media_id"])
    if found is not None:
        return replace(
            found,
            description=row["description"],
            focus_x=row["focus_x"],
            focus_y=row["focus_y"],
            position=row["position"],
        )
    return Media(
        id=row["media_id"],
        account_id=author_id,
        post_id=None,
        position=row["position"],
        kind=row["kind"],
        # A removed remote attachment has no copy here (ours went with its row): not servable,
        # so pages link its original URL and the API gives `url` null beside `remote_url`.
        state=row["state"] if row["remote_url"] is None else "failed",
        content_type=row["content_type"],
        file_key=row["file_key"],
        preview_key=row["preview_key"],
        description=row["description"],
        focus_x=row["focus_x"],
        focus_y=row["focus_y"],
        blurhash=row["blurhash"],
        meta_json=row["meta_json"],
        remote_url=row["remote_url"],
        created_at="",
        updated_at="",
    )


def _versions(c: sqlite3.Connection, post_id: int, author_id: int) -> PostVersions:
    rows = c.execute(
        "SELECT e.id, e.post_id, e.content_warning, e.source, e.content_html, e.sensitive,"
        " e.created_at, p.options FROM post_edits e"
        " LEFT JOIN post_edit_polls p ON p.edit_id = e.id WHERE e.post_id = ? ORDER BY e.id",
        (post_id,),
    ).fetchall()
    edits = [
        PostEdit(
            id=r[0],
            post_id=r[1],
            content_warning=r[2],
            source=r[3],
            content_html=r[4],
            sensitive=r[5],
            created_at=r[6],
        )
        for r in rows
    ]
    current = [
        Media.from_row(r)
        for r in c.execute(
            "SELECT * FROM media WHERE post_id = ? ORDER BY position, id", (post_id,)
        ).fetchall()
    ]
    live = {m.id: m for m in current}
    per_edit: dict[int, list[Media]] = {}
    for r in c.execute(
        "SELECT * FROM post_edit_media WHERE post_id = ? ORDER BY edit_id, position", (post_id,)
    ).fetchall():
        per_edit.setdefault(r["edit_id"], []).append(_kept(r, author_id, live))
    poll = c.execute("SELECT options FROM polls WHERE post_id = ?", (post_id,)).fetchone()
    post = c.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
    return PostVersions(
        current=None if post is None else Post.from_row(post),
        edits=edits,
        media=[tuple(per_edit.get(e.id, ())) for e in edits] + [tuple(current)],
        polls=[_options(r[7]) for r in rows] + [_options(poll[0] if poll else None)],
    )


async def load_versions(conn: Conn, post_id: int, *, author_id: int) -> PostVersions:
    """Every version of a post (by `author_id`) with its attachments and poll options, oldest
    first and the current one last; one hop, so all versions come from the same state."""
    return await conn.run(lambda c: _versions(c, post_id, author_id))


async def release_version_media(tx: Tx, post_id: int) -> list[str]:
    """Forget the attachments of a post's earlier versions (the post is being deleted); return
    the keys of files no row uses any more, to delete after commit."""

    def run(c: sqlite3.Connection) -> list[str]:
        keys = {
            k
            for r in c.execute(
                "SELECT file_key, preview_key FROM post_edit_media WHERE post_id = ?", (post_id,)
            )
            for k in r
            if k
        }
        c.execute("DELETE FROM post_edit_media WHERE post_id = ?", (post_id,))
        return sorted(keys)

    keys = await tx.run(run)
    return await media_storage.unreferenced_keys(tx, keys) if keys else []
