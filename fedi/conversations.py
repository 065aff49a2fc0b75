"""Direct conversations: the viewer's direct posts grouped by thread, newest activity first.

A conversation's id is its thread root's id. It is unread when its newest post came from someone
else after the viewer last marked it read; removing it hides it until a newer post arrives
(Mastodon's behaviour). Its accounts are the other participants of its newest post (author and
mentioned accounts, the viewer left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fedi.context import Services
from fedi.errors import NotFound
from fedi.filters import FilterMatch, apply_filters
from fedi.lists import without_hidden_authors
from fedi.paging import Window
from fedi.storage import accounts as account_store
from fedi.storage import conversations as conversation_store
from fedi.storage import posts as post_store
from fedi.storage.conversations import ConversationRow
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Post

NOT_FOUND = "Record not found"


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    """One conversation as the API shows it."""

    id: int
    unread: bool
    accounts: list[Account]
    last_post: Post


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationPage:
    """A page of conversations, the paging ids (last post ids) and filter warnings per post."""

    items: list[Conversation] = field(default_factory=list)
    cursor_ids: list[int] = field(default_factory=list)
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)


async def _build(
    conn: Conn, viewer_id: int, rows: list[ConversationRow]
) -> tuple[list[Conversation], dict[int, list[FilterMatch]]]:
    if not rows:
        return [], {}
    found = await post_store.get_posts(conn, [r.last_post_id for r in rows])
    posts = await without_hidden_authors(conn, viewer_id, [found[r.last_post_id] for r in rows])
    posts, filtered = await apply_filters(conn, viewer_id, posts, "thread")
    shown = {p.id: p for p in posts}
    mentions = await post_store.list_mentions(conn, sorted(shown))
    wanted = {p.account_id for p in posts} | {a for ids in mentions.values() for a in ids}
    accounts = await account_store.get_accounts(conn, sorted(wanted - {viewer_id}))
    items = []
    for row in rows:
        post = shown.get(row.last_post_id)
        if post is None:
            continue
        others = dict.fromkeys([post.account_id, *sorted(mentions.get(post.id, []))])
        people = [accounts[a] for a in others if a != viewer_id and a in accounts]
        items.append(
            Conversation(id=row.root_id, unread=row.unread, accounts=people, last_post=post)
        )
    return items, filtered


async def list_conversations(svc: Services, viewer: Account, window: Window) -> ConversationPage:
    """The viewer's direct conversations, most recently active first."""
    async with svc.db.read() as conn:
        rows = await conversation_store.list_conversations(
            conn,
            viewer.id,
            max_id=window.max_id,
            since_id=window.since_id,
            min_id=window.min_id,
            limit=window.limit,
        )
        items, filtered = await _build(conn, viewer.id, rows)
    return ConversationPage(
        items=items, cursor_ids=[r.last_post_id for r in rows], filtered=filtered
    )


async def _one(conn: Conn, viewer: Account, conversation_id: int) -> ConversationRow:
    rows = await conversation_store.list_conversations(
        conn, viewer.id, root_id=conversation_id, limit=1
    )
    if not rows:
        raise NotFound(NOT_FOUND)
    return rows[0]


async def mark_read(svc: Services, viewer: Account, conversation_id: int) -> ConversationPage:
    """Mark one of the viewer's conversations read; return it."""
    async with svc.db.write() as tx:
        row = await _one(tx, viewer, conversation_id)
        await conversation_store.mark_conversation(
            tx, viewer.id, conversation_id, read_up_to=row.last_post_id
        )
        items, filtered = await _build(
            tx,
            viewer.id,
            [ConversationRow(root_id=row.root_id, last_post_id=row.last_post_id, unread=False)],
        )
    if not items:
        raise NotFound(NOT_FOUND)
    return ConversationPage(items=items, cursor_ids=[row.last_post_id], filtered=filtered)


async def remove_conversation(svc: Services, viewer: Account, conversation_id: int) -> None:
    """Hide one of the viewer's conversations until someone posts in it again."""
    async with svc.db.write() as tx:
        row = await _one(tx, viewer, conversation_id)
        await conversation_store.mark_conversation(
            tx,
            viewer.id,
            conversation_id,
            read_up_to=row.last_post_id,
            hidden_up_to=row.last_post_id,
        )
