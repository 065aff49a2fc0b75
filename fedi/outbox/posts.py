"""Writing posts: create, edit (keeping every earlier version), delete. One entry point each,
shared by the compose page and (later) `POST /api/v1/statuses`; free of web types.

Reading and rendering happen before the write transaction; each use case then writes in one
transaction, so nothing half-written is ever left. Each ends by queueing the Create / Update /
Delete fan-out for remote followers and mentions (`federate.federate_post`), in that transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from fedi.activitypub.uris import Uris
from fedi.cards.service import enqueue_card_fetch
from fedi.context import Services
from fedi.errors import FediError, Forbidden, Gone, Invalid, NotFound
from fedi.events import surface_deletion, surface_status
from fedi.follow_options import status_recipients
from fedi.media.attach import attach_media, change_attachments, replace_media
from fedi.media.uploads import files_deleter
from fedi.outbox import federate
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.polls.editing import apply_poll_edit, check_poll_edit, current_poll, plan_poll_edit
from fedi.polls.rules import check_poll_with_post
from fedi.polls.store import add_poll
from fedi.storage import accounts as account_store
from fedi.storage import edit_media
from fedi.storage import follows as follow_store
from fedi.storage import media as media_storage
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.profile_options import load_posting_context
from fedi.storage.rows import Account, Post
from fedi.storage.rows import PostEdit as EarlierVersion
from fedi.text import extract_hashtags, extract_mentions, post_length, render_local
from fedi.timelines import fan_in_mentions, new_post_recipients
from fedi.visibility import PRIVATE, VISIBILITIES, can_see, visible_post
from fedi.webfinger.lookup import lookup_handle

logger = logging.getLogger(__name__)

NOT_YOURS_EDIT = "You can only edit your own posts."
NOT_YOURS_DELETE = "You can only delete your own posts."
NO_PARENT = "The post you are replying to does not exist, or you cannot see it."
MENTION_LOOKUP_BUDGET = 10.0
"""Seconds a post waits for the WebFinger lookups of its remote mentions, at most."""
MAX_REMOTE_MENTIONS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    """A post's text made ready to store: sanitized HTML, mentioned accounts and hashtags."""

    html: str
    mentioned: list[Account]
    tags: list[str]

    @property
    def local_ids(self) -> list[int]:
        """Ids of the mentioned local accounts (who get feed rows and notifications)."""
        return [a.id for a in self.mentioned if a.local]


def check_text(
    svc: Services, text: str, content_warning: str, *, has_media: bool = False
) -> dict[str, str]:
    """Field errors for a post's text: empty (unless it has media), or longer than the instance
    allows (CW counts)."""
    limit = svc.config.instance.max_post_chars
    if not text.strip() and not has_media:
        return {"status": "Write something before posting."}
    length = post_length(text, content_warning)
    if length > limit:
        return {"status": f"Your post is {length} characters; the limit is {limit}."}
    return {}


async def resolve_remote_mentions(svc: Services, text: str) -> dict[str, Account]:
    """The accounts of a text's `@name@host` mentions by acct, looked up by WebFinger (network).

    Call it before any transaction. Lookups run concurrently within MENTION_LOOKUP_BUDGET
    seconds; a handle that does not resolve in time (or at all) is left out, so it stays text.
    """
    own_domain = svc.config.instance.domain.lower()
    mentions = extract_mentions(text) if "@" in text else []
    accts = [r.acct for r in mentions if r.domain is not None and r.domain != own_domain]
    tasks = {
        acct: asyncio.ensure_future(_lookup_mention(svc, acct))
        for acct in accts[:MAX_REMOTE_MENTIONS]
    }
    if not tasks:
        return {}
    _, pending = await asyncio.wait(tasks.values(), timeout=MENTION_LOOKUP_BUDGET)
    for task in pending:
        task.cancel()
    found = {a: t.result() for a, t in tasks.items() if t.done() and not t.cancelled()}
    return {acct: account for acct, account in found.items() if account is not None}


async def _lookup_mention(svc: Services, acct: str) -> Account | None:
    try:
        account = await lookup_handle(svc, acct)
    except FediError as exc:
        logger.info("mention unresolved acct=%s error=%s", acct, exc.safe_message)
        return None
    except Exception:  # a post is never lost to a peer that sent something odd
        logger.exception("mention lookup failed acct=%s", acct)
        return None
    return None if account.suspended_at or account.deleted_at else account


async def render_text(
    svc: Services, conn: Conn, text: str, *, remote: Mapping[str, Account] | None = None
) -> Rendered:
    """Resolve mentions and render the Markdown once, for storing.

    `@name` mentions of local accounts are found here; `@name@host` ones are taken from `remote`
    (`resolve_remote_mentions`, called before). Mentions that do not resolve stay plain text.
    One Markdown pass serves all three `fedi.text` calls below: `fedi.text.analyse` caches a
    text's analysis, and rendering only fills in the mentions that resolved.
    """
    uris = Uris(svc.base_url)
    own_domain = svc.config.instance.domain.lower()
    mentions = extract_mentions(text) if "@" in text else []
    refs = [r for r in mentions if r.domain is None or r.domain == own_domain]
    found = await account_store.get_local_accounts_by_usernames(conn, [r.username for r in refs])
    mention_urls: dict[str, str] = {}
    mentioned: dict[int, Account] = {}
    for ref in refs:
        account = found.get(ref.username.lower())
        if account is None or account.suspended_at or account.deleted_at:
            continue
        mention_urls[ref.acct] = uris.profile(account.username)
        mentioned.setdefault(account.id, account)
    for ref in mentions:
        account = (remote or {}).get(ref.acct)
        if ref.domain is not None and ref.acct not in mention_urls and account is not None:
            # Linked to their profile on their own server, as Mastodon does.
            mention_urls[ref.acct] = account.url or account.uri
            mentioned.setdefault(account.id, account)
    html = render_local(text, mention_urls=mention_urls, tag_url=uris.tag)
    return Rendered(
        html=html,
        mentioned=list(mentioned.values()),
        tags=extract_hashtags(text) if "#" in text else [],
    )


async def create_post(svc: Services, author: Account, draft: PostDraft) -> Post:
    """Publish a local post; Invalid (field errors) or NotFound (an invisible parent) if not.

    Validates, looks remote mentions up (network, before any write), renders once, then writes in
    one transaction: the post, its mentions and tags, home feeds and notifications.
    """
    errors = check_text(svc, draft.text, draft.content_warning, has_media=bool(draft.media_ids))
    if draft.poll is not None:
        errors.update(check_poll_with_post(draft.poll, has_media=bool(draft.media_ids)))
    if draft.visibility is not None and draft.visibility not in VISIBILITIES:
        errors["visibility"] = "Choose who can see this post."
    if errors:
        raise Invalid(field_errors=errors)
    remote = await resolve_remote_mentions(svc, draft.text)
    async with svc.db.read() as conn:
        parent = None
        if draft.in_reply_to_id is not None:
            try:
                parent, _ = await visible_post(conn, author.id, draft.in_reply_to_id)
            except (NotFound, Gone):
                raise NotFound(NO_PARENT) from None
        # Posting defaults and who asked to hear of the author's posts, in one hop.
        defaults = await load_posting_context(conn, author.id)
        visibility = draft.visibility or defaults.visibility
        rendered = await render_text(svc, conn, draft.text, remote=remote)
    uris = Uris(svc.base_url)
    post_id = new_id()
    post = Post(
        id=post_id,
        uri=uris.status(author.username, post_id),
        url=uris.status_page(author.username, post_id),
        account_id=author.id,
        local=1,
        visibility=visibility,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_uri=parent.uri if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        thread_root_id=(parent.thread_root_id or parent.id) if parent else None,
        content_warning=draft.content_warning.strip(),
        source=draft.text,
        content_html=rendered.html,
        language=draft.language or defaults.language or None,
        sensitive=int(
            bool(draft.content_warning.strip())
            or (
                defaults.sensitive and bool(draft.media_ids)
                if draft.sensitive is None
                else draft.sensitive
            )
        ),
        created_at=now_db(),
    )
    mentioned_ids = [a.id for a in rendered.mentioned]
    local_ids = rendered.local_ids
    notifications = [(a, "mention") for a in local_ids]
    notifications += [
        (a, "status")
        for a in status_recipients(post, defaults.status_subscribers, already=mentioned_ids)
    ]
    if parent is not None and parent.account_id not in mentioned_ids:
        async with svc.db.read() as conn:
            if await _reply_notice_allowed(conn, post, parent):
                notifications.append((parent.account_id, "reply"))
    feed_ids, include_followers = new_post_recipients(post, local_ids)
    async with svc.db.write() as tx:
        await post_store.insert_post_bundle(
            tx,
            post,
            mention_ids=mentioned_ids,
            tags=rendered.tags,
            feed_ids=feed_ids,
            include_local_followers=include_followers,
            notifications=notifications,
        )
        await attach_media(tx, author.id, post.id, draft.media_ids)
        if draft.poll is not None:
            await add_poll(svc, tx, post, draft.poll)
        await federate.federate_post(svc, tx, "Create", post)
        await enqueue_card_fetch(svc, tx, post)
        surface_status(svc, tx, post, notified=[a for a, _ in notifications])
    return post


async def _notify_mentions(tx: Tx, post: Post, account_ids: list[int]) -> None:
    for account_id in account_ids:
        await notification_store.insert_notification(
            tx,
            account_id=account_id,
            from_account_id=post.account_id,
            type="mention",
            post_id=post.id,
        )


async def _reply_notice_allowed(conn: Conn, post: Post, parent: Post) -> bool:
    """Whether the parent's author is local, not the replier, and may see the reply."""
    target = await account_store.get_account(conn, parent.account_id)
    if target is None or not target.local or target.id == post.account_id:
        return False
    follows = post.visibility == PRIVATE and await follow_store.is_following(
        conn, target.id, post.account_id
    )
    return can_see(target.id, post, follows_author=follows, mentioned=False)


async def _own_post(
    conn: Conn, account: Account, post_id: int, *, refusal: str, author_username: str | None
) -> Post:
    post, _ = await visible_post(conn, account.id, post_id, author_username=author_username)
    if post.account_id != account.id or not post.local:
        raise Forbidden(refusal)
    return post


async def get_editable_post(svc: Services, editor: Account, username: str, post_id: int) -> Post:
    """The post `/@username/<post_id>` if `editor` may edit it (Forbidden if not theirs)."""
    async with svc.db.read() as conn:
        return await _own_post(
            conn, editor, post_id, refusal=NOT_YOURS_EDIT, author_username=username
        )


async def edit_post(
    svc: Services,
    editor: Account,
    post_id: int,
    edit: PostEdit,
    *,
    author_username: str | None = None,
) -> Post:
    """Change a post's text, content warning, attachments (and their descriptions) and poll
    (fedi.polls.editing); the previous version is kept in its history.

    Raises NotFound/Gone (not visible / deleted), Forbidden (not the author), Invalid (text,
    `poll[...]`).
    Newly mentioned local accounts are notified; an edit that changes nothing is not recorded.
    """
    async with svc.db.read() as conn:
        post = await _own_post(
            conn, editor, post_id, refusal=NOT_YOURS_EDIT, author_username=author_username
        )
        if edit.media_ids is None:
            has_media = bool(await media_storage.get_many_by_post_ids(conn, [post.id]))
        else:
            has_media = bool(edit.media_ids)
        poll = plan_poll_edit(await current_poll(conn, post.id), edit.poll, remove=edit.remove_poll)
    errors = check_text(svc, edit.text, edit.content_warning, has_media=has_media)
    errors.update(check_poll_edit(poll, has_media=has_media))
    if errors:
        raise Invalid(field_errors=errors)
    content_warning = edit.content_warning.strip()
    sensitive = int(edit.sensitive or bool(content_warning))
    if (
        edit.media_ids is None
        and not edit.media_changes
        and not poll.changes
        and (edit.text, content_warning, sensitive)
        == (post.source, post.content_warning, post.sensitive)
    ):
        return post
    remote = await resolve_remote_mentions(svc, edit.text)
    async with svc.db.read() as conn:
        rendered = await render_text(svc, conn, edit.text, remote=remote)
    mentioned_ids = [a.id for a in rendered.mentioned]
    async with svc.db.write() as tx:
        current = await post_store.get_post(tx, post.id)
        if current is None or current.deleted_at is not None:
            raise Gone("This post has been deleted.")
        before = set((await post_store.list_mentions(tx, [post.id])).get(post.id, []))
        edit_id = new_id()
        await post_store.insert_edit(
            tx,
            EarlierVersion(
                id=edit_id,
                post_id=post.id,
                content_warning=current.content_warning,
                source=current.source,
                content_html=current.content_html,
                sensitive=current.sensitive,
                created_at=current.edited_at or current.created_at,
            ),
        )
        await post_store.update_post(
            tx,
            post.id,
            source=edit.text,
            content_html=rendered.html,
            content_warning=content_warning,
            sensitive=sensitive,
            language=edit.language or current.language,
            edited_at=now_db(),
        )
        await post_store.set_mentions(tx, post.id, mentioned_ids)
        await post_store.set_tags(tx, post.id, rendered.tags)
        if edit.media_ids is not None:
            doomed = await replace_media(tx, editor.id, post.id, edit.media_ids)
            tx.on_commit(files_deleter(svc, doomed))
        await change_attachments(tx, editor.id, post.id, edit.media_changes)
        updated = await post_store.get_post(tx, post.id)
        assert updated is not None
        await apply_poll_edit(svc, tx, updated, poll, edit_id=edit_id)
        added = [a for a in rendered.local_ids if a not in before]
        await fan_in_mentions(tx, updated, added)
        await _notify_mentions(tx, updated, added)
        await federate.federate_post(svc, tx, "Update", updated)
        await enqueue_card_fetch(svc, tx, updated, edited=True)
        surface_status(svc, tx, updated, edited=True, notified=added)
    return updated


async def delete_post(
    svc: Services, actor: Account, post_id: int, *, author_username: str | None = None
) -> Post:
    """Delete one's own post: its text is wiped and it leaves every timeline; its page says 410.

    Raises NotFound (missing or not visible), Gone (already deleted), Forbidden (not the author).
    """
    async with svc.db.write() as tx:
        post = await _own_post(
            tx, actor, post_id, refusal=NOT_YOURS_DELETE, author_username=author_username
        )
        doomed = await edit_media.release_version_media(tx, post.id)
        await post_store.mark_deleted(tx, post.id)
        doomed += await media_storage.delete_post_media(tx, post.id)
        tx.on_commit(files_deleter(svc, doomed))
        await federate.federate_post(svc, tx, "Delete", post)
        surface_deletion(svc, tx, post)
    return post
