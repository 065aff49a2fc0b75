"""Remote notes into posts: trust by origin, sanitize once, fetch missing context, fan in.

Shared by the Create, Update, Announce and Add handlers. Posts that arrive by Create go into the
home feeds of the author's local followers (and of the local accounts they mention, with a
notification); posts fetched only as context (a reply's parent, a boosted post, a pinned post)
are stored quietly, without feed rows or notifications. Attachments become media rows whose
files `media_fetch` jobs fetch after commit (fedi.media.remote_attach).
"""

from __future__ import annotations

import html
import json
import logging
from datetime import datetime

from fedi.activitypub.addressing import visibility_of
from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Document, Note
from fedi.cards.service import enqueue_card_fetch
from fedi.context import Services
from fedi.errors import RemoteError
from fedi.events import surface_status
from fedi.follow_options import status_notice_recipients
from fedi.inbox.handlers import Incoming, is_local, local_accounts, same_origin
from fedi.media.remote_attach import add_remote_attachments, enqueue_profile_images
from fedi.netguard import Unreachable
from fedi.polls.federation import receive_vote, store_question
from fedi.remote import Resolver
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_store
from fedi.storage.clock import to_db, utcnow
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.text import plain_text, sanitize_remote
from fedi.timelines import new_post_recipients, normalise_tag
from fedi.visibility import PRIVATE, can_see

logger = logging.getLogger(__name__)

MAX_CONTEXT_DEPTH = 3
"""How many ancestors of a reply we fetch at most (reference section 5.5: bound recursion)."""
MAX_STORED_TAGS = 50
MAX_CONTENT_WARNING = 1000
# Mastodon stores these as posts (a Question's options become its poll, fedi.polls);
# the rest it flattens: the title on top, the link below.
POST_TYPES = frozenset({"Note", "Question"})


async def fetch_note(resolver: Resolver, uri: str) -> Note | None:
    """A Note fetched from its origin (signed GET, `id` == URL), or None if there is none.

    Unreachable origins raise (the job is retried); anything else that fails is None.
    """
    try:
        found = parse_document(await resolver.get_object(uri))
    except Unreachable:
        raise
    except RemoteError as exc:  # gone, refused, not found, not an ActivityPub document
        logger.info("inbox note fetch failed uri=%s error=%s", uri, exc.safe_message)
        return None
    if not isinstance(found, Note) or not same_origin(found.uri, found.attributed_to):
        return None
    return found


async def trusted_note(inc: Incoming, obj: str | Document | None) -> Note | None:
    """The activity's object as a Note we may believe.

    An embedded Note from the actor's own server is taken as sent (the actor signed it); an IRI,
    or an embedded object from another origin, is fetched from its origin by id.
    """
    if isinstance(obj, Note) and same_origin(obj.uri, inc.actor.uri):
        return obj
    uri = obj if isinstance(obj, str) else getattr(obj, "uri", "")
    if not uri or is_local(inc.svc, uri):
        return None
    if not isinstance(obj, str):
        logger.info("inbox refetching object from its origin uri=%s actor=%s", uri, inc.actor.uri)
    return await fetch_note(inc.resolver, uri)


def content_html(note: Note) -> str:
    """The sanitized HTML we store for a note (other object types flattened as Mastodon does)."""
    body = sanitize_remote(note.content)
    if note.type in POST_TYPES:
        return body
    title = f"<p><strong>{html.escape(note.name)}</strong></p>" if note.name else ""
    link = ""
    if note.url.startswith(("https://", "http://")):
        href = html.escape(note.url, quote=True)
        link = f'<p><a href="{href}" rel="nofollow noopener noreferrer">{href}</a></p>'
    return title + body + link


def content_warning(note: Note) -> str:
    """The content warning (`summary`) as plain text."""
    if not note.summary:
        return ""
    return plain_text(sanitize_remote(note.summary))[:MAX_CONTENT_WARNING]


def stored_time(when: datetime | None) -> str:
    """A remote timestamp as stored; never in the future, now when missing."""
    now = utcnow()
    return to_db(when) if when is not None and when <= now else to_db(now)


def hashtags(note: Note) -> list[str]:
    """The note's hashtags, normalised as ours are."""
    found = (normalise_tag(tag.name) for tag in note.hashtags[:MAX_STORED_TAGS])
    return sorted({tag for tag in found if tag})


def is_poll_vote(note: Note) -> bool:
    """A poll vote: a Note with a `name`, no content, answering a question (fedi.polls)."""
    return bool(note.name) and not note.content and bool(note.in_reply_to)


async def mentioned_locals(conn: Conn, svc: Services, note: Note) -> list[Account]:
    """Local accounts the note both Mention-tags and addresses (Mastodon notifies only those)."""
    mentions = note.mentions[:MAX_STORED_TAGS]
    if not mentions:
        return []
    addressed = {*note.to, *note.cc}
    accounts = await local_accounts(conn, svc, [m.href for m in mentions])
    found: dict[int, Account] = {}
    for mention in mentions:
        account = accounts.get(mention.href)
        if account is not None and (account.uri in addressed or mention.href in addressed):
            found.setdefault(account.id, account)
    return list(found.values())


async def _stored_or_deleted(conn: Conn, uri: str) -> tuple[Post | None, bool]:
    """The post stored under a note's uri, else whether a Delete for it arrived first."""
    existing = await post_store.get_post_by_uri(conn, uri)
    if existing is not None:
        return existing, False
    return None, await remote_store.was_deleted(conn, uri)


async def _parent(inc: Incoming, note: Note, depth: int, known: Post | None) -> Post | None:
    """The post a note replies to: `known` (looked up by the caller), or fetched from its
    origin and stored (bounded depth)."""
    if not note.in_reply_to:
        return None
    if known is not None or is_local(inc.svc, note.in_reply_to) or depth >= MAX_CONTEXT_DEPTH:
        return known
    try:
        fetched = await fetch_note(inc.resolver, note.in_reply_to)
        if fetched is None:
            return None
        author = await inc.resolver.get_actor(fetched.attributed_to)
    except RemoteError as exc:
        logger.info("inbox reply parent unavailable uri=%s error=%s", note.in_reply_to, exc)
        return None
    return await store_note(inc, fetched, author=author, fan_in=False, depth=depth + 1)


async def _reply_notice(conn: Conn, post: Post, parent: Post | None, skip: set[int]) -> int | None:
    """The local author of the parent, if they should hear of this reply."""
    if parent is None or parent.local != 1 or parent.account_id in skip:
        return None
    if parent.account_id == post.account_id:
        return None
    follows = post.visibility == PRIVATE and await follow_store.is_following(
        conn, parent.account_id, post.account_id
    )
    allowed = can_see(parent.account_id, post, follows_author=follows, mentioned=False)
    return parent.account_id if allowed else None


def build_post(note: Note, *, author: Account, parent: Post | None) -> Post:
    """The post row of a remote note (not yet stored)."""
    warning = content_warning(note)
    return Post(
        id=new_id(),
        uri=note.uri,
        url=note.url or note.uri,
        account_id=author.id,
        local=0,
        visibility=visibility_of(note.to, note.cc, followers=author.followers_uri or None),
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_uri=note.in_reply_to or None,
        in_reply_to_account_id=parent.account_id if parent else None,
        thread_root_id=(parent.thread_root_id or parent.id) if parent else None,
        content_warning=warning,
        content_html=content_html(note),
        language=note.language or None,
        sensitive=int(note.sensitive or bool(warning)),
        raw_json=json.dumps(dict(note.raw), ensure_ascii=False),
        created_at=stored_time(note.published),
    )


async def store_note(
    inc: Incoming, note: Note, *, author: Account, fan_in: bool, depth: int = 0
) -> Post | None:
    """The post for a remote note: the stored one if its uri is known, else inserted now.

    Network first (the reply's parent), then one write that also does the reads: whether the
    note is known or was deleted, its mentions, who hears of it; then the post, mentions, tags
    and, with `fan_in`, home-feed rows for local followers and mentioned accounts, `mention`,
    `reply` and `status` notifications. None when the note may not be stored (deleted early, a
    poll vote, foreign).
    """
    if not same_origin(note.uri, author.uri) or note.attributed_to != author.uri:
        logger.info("inbox note not by its author uri=%s author=%s", note.uri, author.uri)
        return None
    vote = is_poll_vote(note)
    parent: Post | None = None
    if vote or note.in_reply_to:
        # Network may come next (the reply's parent, the vote's own write): look first.
        async with inc.svc.db.read() as conn:
            existing, deleted = await _stored_or_deleted(conn, note.uri)
            if note.in_reply_to and existing is None and not deleted:
                parent = await post_store.get_post_by_uri(conn, note.in_reply_to)
        if existing is not None or deleted:
            return _known(note, existing)
    if vote:
        refused = await receive_vote(inc.svc, author, note)
        if refused is not None:
            logger.info("inbox poll vote not counted uri=%s reason=%s", note.uri, refused)
        return None
    parent = await _parent(inc, note, depth, parent)
    post = build_post(note, author=author, parent=parent)
    async with inc.svc.db.write() as tx:
        # Point reads on the writer see its warm cache; a reader's starts cold after each commit.
        existing, deleted = await _stored_or_deleted(tx, note.uri)
        if existing is not None or deleted:
            return _known(note, existing)
        mentioned = [a.id for a in await mentioned_locals(tx, inc.svc, note)]
        notifications: list[tuple[int, str, int]] = []
        feed_ids: list[int] = []
        include_followers = False
        if fan_in:
            recipients, include_followers = new_post_recipients(post, mentioned)
            feed_ids = [a for a in recipients if a != author.id]
            notifications = [(a, "mention", post.id) for a in feed_ids if a in mentioned]
            replied = await _reply_notice(tx, post, parent, set(mentioned))
            if replied is not None:
                notifications.append((replied, "reply", post.id))
            # Followers who asked to hear of the author's new posts (follow option `notify`).
            notifications += [
                (a, "status", post.id)
                for a in await status_notice_recipients(tx, post, already=mentioned)
            ]
        created = await remote_store.insert_remote_post(
            tx,
            post,
            mention_ids=mentioned,
            tags=hashtags(note),
            feed_ids=feed_ids,
            include_local_followers=include_followers,
            notifications=notifications,
        )
        if created:
            await store_question(inc.svc, tx, post.id, note)
            if note.attachments:
                await add_remote_attachments(
                    inc.svc, tx, post_id=post.id, account_id=author.id, attachments=note.attachments
                )
            if fan_in:
                await enqueue_profile_images(inc.svc, tx, author, only_missing=True)
            await enqueue_card_fetch(inc.svc, tx, post)
        stored = post if created else await post_store.get_post_by_uri(tx, note.uri)
        if created and fan_in:
            surface_status(inc.svc, tx, post, notified=[a for a, _, _ in notifications])
    logger.info(
        "inbox note stored uri=%s post=%s new=%s fan_in=%s", note.uri, post.id, created, fan_in
    )
    return stored


def _known(note: Note, existing: Post | None) -> Post | None:
    """What `store_note` answers for a note it already holds, or whose Delete came first."""
    if existing is None:
        logger.info("inbox note deleted before it arrived uri=%s", note.uri)
    return existing


def edit_time(note: Note) -> str | None:
    """When an Update says the note was edited (None without `updated`: not an edit)."""
    return stored_time(note.updated) if note.updated is not None else None


def newer(edited_at: str, post: Post) -> bool:
    """Whether an edit is not older than what we hold (Updates arrive out of order)."""
    # Interop: Mastodon skips an Update only when the version it holds is strictly newer. AP
    # times have whole seconds, so an edit made within the second of the post (or of the last
    # edit) carries the same time and must still apply.
    return edited_at >= (post.edited_at or post.created_at)


def unchanged(post: Post, note: Note) -> bool:
    """True when an update changes nothing a reader sees (a poll tally, say)."""
    return (post.content_html, post.content_warning) == (content_html(note), content_warning(note))
