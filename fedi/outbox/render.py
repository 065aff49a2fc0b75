"""The ActivityPub documents of local accounts and posts: actor, notes, outbox and collections.

Read-only services. Only public and unlisted posts are served as Notes or listed in the outbox;
followers-only and direct posts answer NotFound to unsigned fetches (signed fetches come with the
federation issue) — `visibility` decides, with an anonymous viewer. A deleted post (or account)
that was visible answers a `Tombstone` with `gone=True` (410).

Actors: `indexable` follows `discoverable` (there is no separate setting yet): a person who asks to
be found in directories is also fine with their public posts being searchable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedi import visibility
from fedi.accounts.profiles import check_viewable
from fedi.activitypub import serialize
from fedi.activitypub.addressing import audience_for
from fedi.activitypub.keys import key_id
from fedi.activitypub.questions import as_question
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import FediError, Gone, NotFound
from fedi.media.views import media_url
from fedi.storage import accounts as account_store
from fedi.storage import featured_tags as featured_store
from fedi.storage import follows as follow_store
from fedi.storage import likes as like_store
from fedi.storage import media as media_storage
from fedi.storage import pins as pin_store
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Follow, Media, Post

JsonDict = dict[str, Any]

PAGE_SIZE = 20
FOLLOWS_PAGE_SIZE = 40
OPEN = visibility.OPEN_VISIBILITIES


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A document to serve; `gone` means it is a Tombstone to answer with 410."""

    body: JsonDict
    gone: bool = False


# --- actors ---------------------------------------------------------------------------------


def _field_html(field: dict[str, Any]) -> str:
    value = str(field.get("value") or "")
    if value:
        return serialize.field_value_html(value)
    return str(field.get("value_html") or "")


def actor_json(uris: Uris, account: Account) -> JsonDict:
    """The actor document of a local account (no I/O: everything is on the row)."""
    name = account.username
    urls = uris.actor_collections(name)
    discoverable = bool(account.discoverable)
    return serialize.person(
        id=uris.actor(name),
        username=name,
        name=account.display_name,
        summary=account.note_html,
        url=uris.profile(name),
        inbox=urls["inbox"],
        outbox=urls["outbox"],
        followers=urls["followers"],
        following=urls["following"],
        featured=urls["featured"],
        featured_tags=urls["featured_tags"],
        shared_inbox=urls["shared_inbox"],
        key_id=uris.key_id(name),
        public_key_pem=account.public_key_pem,
        manually_approves_followers=bool(account.locked),
        discoverable=discoverable,
        indexable=discoverable if account.indexable is None else bool(account.indexable),
        published=account.created_at,
        fields=[(str(f.get("name", "")), _field_html(f)) for f in account.fields],
        icon_url=account.avatar_url,
        image_url=account.header_url,
        icon_name=account.avatar_description,
        image_name=account.header_description,
        actor_type=account.actor_type or "Person",
    )


async def _viewable_account(conn: Conn, username: str) -> Account:
    return check_viewable(await account_store.get_local_account(conn, username), username)


async def actor_document(svc: Services, username: str) -> Document:
    """`/users/<name>`: the Person; a Tombstone (gone) for a deleted account; NotFound if none."""
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        found = await account_store.get_local_account(conn, username)
    try:
        account = check_viewable(found, username)
    except Gone:
        assert found is not None
        body = serialize.tombstone(
            id=uris.actor(found.username), deleted=found.deleted_at, former_type="Person"
        )
        return Document(body=body, gone=True)
    return Document(body=actor_json(uris, account))


def instance_actor_document(svc: Services) -> JsonDict:
    """`/actor`: the instance actor (Application), served without any signature requirement."""
    uris = Uris(svc.base_url)
    keys = svc.instance_keys
    if keys is None:
        raise FediError(detail="instance keys are not loaded")
    actor = uris.instance_actor()
    return serialize.instance_actor(
        id=actor,
        domain=svc.config.instance.domain,
        url=svc.base_url + "/",
        inbox=uris.shared_inbox(),
        outbox=f"{actor}/outbox",
        shared_inbox=uris.shared_inbox(),
        key_id=key_id(actor),
        public_key_pem=keys.public_pem,
    )


def instance_outbox_document(svc: Services) -> JsonDict:
    """`/actor/outbox`: the instance actor posts nothing; an empty collection."""
    actor = Uris(svc.base_url).instance_actor()
    return serialize.ordered_collection(id=f"{actor}/outbox", total_items=0, ordered_items=[])


# --- notes ----------------------------------------------------------------------------------


def _handle(account: Account, domain: str) -> str:
    return f"@{account.username}@{account.domain or domain}"


# Interop: Mastodon sends every attachment as `Document` and reads the kind from `mediaType`;
# GoToSocial and Pixelfed name the type. We name it too (both kinds of reader understand it).
_ATTACHMENT_TYPES = {"image": "Image", "gifv": "Video", "video": "Video", "audio": "Audio"}


def attachment_jsons(svc: Services, media: list[Media]) -> list[JsonDict]:
    """A post's stored files as Note attachments (alt text, blurhash, focal point, size)."""
    docs = []
    for item in media:
        if item.state != "ready" or not item.file_key:
            continue
        original = item.meta.get("original") or {}
        width, height = original.get("width"), original.get("height")
        docs.append(
            serialize.attachment(
                type=_ATTACHMENT_TYPES.get(item.kind, "Document"),
                media_type=item.content_type,
                url=media_url(svc, item.file_key),
                name=item.description,
                blurhash=item.blurhash,
                focal_point=(item.focus_x, item.focus_y) if item.kind == "image" else None,
                width=width if isinstance(width, int) else None,
                height=height if isinstance(height, int) else None,
            )
        )
    return docs


async def note_jsons(
    conn: Conn, svc: Services, author: Account, posts: list[Post], *, with_context: bool
) -> list[JsonDict]:
    """Notes for posts of one local author, with related rows batch-loaded (one query per kind)."""
    if not posts:
        return []
    uris = Uris(svc.base_url)
    ids = [p.id for p in posts]
    mentions = await post_store.list_mentions(conn, ids)
    mentioned = await account_store.get_accounts(
        conn, sorted({a for accounts in mentions.values() for a in accounts})
    )
    tags = await post_store.list_tags(conn, ids)
    media = await media_storage.get_many_by_post_ids(conn, ids)
    likes = await like_store.count_likes(conn, ids)
    replies = await post_store.count_open_replies(conn, ids)
    shares = await post_store.count_reblogs(conn, ids)
    polls, _ = await poll_store.load_polls(conn, None, ids)
    missing_parents = [
        p.in_reply_to_id for p in posts if p.in_reply_to_id and not p.in_reply_to_uri
    ]
    parents = await post_store.get_posts(conn, [i for i in missing_parents if i is not None])
    domain = svc.config.instance.domain
    followers = uris.actor_collections(author.username)["followers"]
    out = []
    for post in posts:
        people = [mentioned[a] for a in mentions.get(post.id, []) if a in mentioned]
        tag_docs = [serialize.mention_tag(href=a.uri, name=_handle(a, domain)) for a in people]
        tag_docs += [serialize.hashtag_tag(href=uris.tag(t), name=t) for t in tags.get(post.id, [])]
        parent = parents.get(post.in_reply_to_id) if post.in_reply_to_id else None
        doc = serialize.note(
            id=uris.status(author.username, post.id),
            attributed_to=uris.actor(author.username),
            content=post.content_html,
            url=uris.status_page(author.username, post.id),
            published=post.created_at,
            audience=audience_for(
                post.visibility, followers=followers, mentioned=[a.uri for a in people]
            ),
            summary=post.content_warning or None,
            sensitive=bool(post.sensitive or post.content_warning),
            language=post.language,
            updated=post.edited_at,
            in_reply_to=post.in_reply_to_uri or (parent.uri if parent else None),
            tags=tag_docs,
            attachments=attachment_jsons(svc, media.get(post.id, [])),
            replies_count=replies.get(post.id, 0),
            likes_count=likes.get(post.id, 0),
            shares_count=shares.get(post.id, 0),
            with_context=with_context,
        )
        poll = polls.get(post.id)
        if poll is not None:  # a post with a poll is a Question (fedi.polls)
            closed = poll.closed_at or (poll.expires_at if poll.ended_at else None)
            doc = as_question(
                doc,
                options=poll.options,
                votes=poll.votes,
                multiple=poll.multiple,
                end_time=poll.expires_at,
                closed=closed,
                voters_count=poll.voters_count,
            )
        out.append(doc)
    return out


async def _served_post(
    conn: Conn, uris: Uris, username: str, post_id: int, viewer_id: int | None
) -> tuple[Post, Account] | Document:
    """The post if this fetcher may see it; a Tombstone Document if it was deleted.

    Anonymous fetches get public and unlisted posts; a signed fetch by a remote account gets
    what that account may see (followers-only posts when it follows the author, direct posts
    that mention it).
    """
    author = check_viewable(await account_store.get_local_account(conn, username), username)
    try:
        post, _ = await visibility.visible_post(conn, viewer_id, post_id, author_username=username)
    except Gone:
        deleted = await post_store.get_post(conn, post_id)
        body = serialize.tombstone(
            id=uris.status(author.username, post_id),
            deleted=deleted.deleted_at if deleted else None,
        )
        return Document(body=body, gone=True)
    if not post.local or post.reblog_of_id is not None:
        raise NotFound(visibility.NOT_FOUND_MESSAGE)
    if post.visibility not in OPEN and viewer_id is None:
        raise NotFound(visibility.NOT_FOUND_MESSAGE)
    return post, author


async def note_document(
    svc: Services, username: str, post_id: int, *, viewer_id: int | None = None
) -> Document:
    """`/users/<name>/statuses/<id>`: the Note `viewer_id` may see, a Tombstone, or NotFound."""
    async with svc.db.read() as conn:
        served = await _served_post(conn, Uris(svc.base_url), username, post_id, viewer_id)
        if isinstance(served, Document):
            return served
        post, author = served
        [body] = await note_jsons(conn, svc, author, [post], with_context=True)
    return Document(body=body)


async def create_document(
    svc: Services, username: str, post_id: int, *, viewer_id: int | None = None
) -> Document:
    """`/users/<name>/statuses/<id>/activity`: the Create of a served Note (rules as the Note)."""
    async with svc.db.read() as conn:
        served = await _served_post(conn, Uris(svc.base_url), username, post_id, viewer_id)
        if isinstance(served, Document):
            return served
        post, author = served
        [note] = await note_jsons(conn, svc, author, [post], with_context=False)
    actor = Uris(svc.base_url).actor(author.username)
    return Document(body=serialize.create(object=note, actor=actor))


# --- collections ----------------------------------------------------------------------------


def page_url(collection: str, *, max_id: int | None = None, min_id: int | None = None) -> str:
    """The URL of one page of a collection (`?page=true`, optionally `&max_id=` / `&min_id=`)."""
    url = f"{collection}?page=true"
    if max_id is not None:
        url += f"&max_id={max_id}"
    if min_id is not None:
        url += f"&min_id={min_id}"
    return url


async def outbox_document(
    svc: Services,
    username: str,
    *,
    page: bool = False,
    max_id: int | None = None,
    min_id: int | None = None,
) -> JsonDict:
    """`/users/<name>/outbox`: the collection, or one page of Create activities (20, newest first)."""
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        account = await _viewable_account(conn, username)
        outbox = uris.actor_collections(account.username)["outbox"]
        total = await post_store.count_account_posts(conn, account.id, visibilities=OPEN)
        if not page and max_id is None and min_id is None:
            return serialize.ordered_collection(
                id=outbox,
                total_items=total,
                first=page_url(outbox),
                last=page_url(outbox, min_id=0),
            )
        posts = await post_store.list_outbox_posts(
            conn, account.id, max_id=max_id, min_id=min_id, limit=PAGE_SIZE + 1
        )
        newer_first = min_id is not None and max_id is None
        more = len(posts) > PAGE_SIZE
        if more:
            posts = posts[1:] if newer_first else posts[:PAGE_SIZE]
        notes = await note_jsons(conn, svc, account, posts, with_context=False)
    actor = uris.actor(account.username)
    items = [serialize.create(object=n, actor=actor, with_context=False) for n in notes]
    has_older = bool(posts) and (more or newer_first)
    return serialize.ordered_collection_page(
        id=page_url(outbox, max_id=max_id, min_id=min_id),
        part_of=outbox,
        items=items,
        next=page_url(outbox, max_id=posts[-1].id) if has_older else None,
        prev=page_url(outbox, min_id=posts[0].id) if posts else None,
        total_items=total,
    )


async def _follows_document(
    svc: Services, username: str, kind: str, *, page: bool, max_id: int | None
) -> JsonDict:
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        account = await _viewable_account(conn, username)
        collection = uris.actor_collections(account.username)[kind]
        if kind == "followers":
            total = await follow_store.count_followers(conn, account.id)
        else:
            total = await follow_store.count_following(conn, account.id)
        if account.hide_collections:
            # Interop: as Mastodon, a hidden list shows its size only, with no pages.
            return serialize.ordered_collection(id=collection, total_items=total)
        if not page and max_id is None:
            return serialize.ordered_collection(
                id=collection, total_items=total, first=page_url(collection)
            )
        follows: list[Follow]
        if kind == "followers":
            follows = await follow_store.list_followers(
                conn, account.id, max_id=max_id, limit=FOLLOWS_PAGE_SIZE + 1
            )
        else:
            follows = await follow_store.list_following(
                conn, account.id, max_id=max_id, limit=FOLLOWS_PAGE_SIZE + 1
            )
        more = len(follows) > FOLLOWS_PAGE_SIZE
        follows = follows[:FOLLOWS_PAGE_SIZE]
        other = [f.account_id if kind == "followers" else f.target_account_id for f in follows]
        accounts = await account_store.get_accounts(conn, other)
    items = [accounts[i].uri for i in other if i in accounts and accounts[i].deleted_at is None]
    return serialize.ordered_collection_page(
        id=page_url(collection, max_id=max_id),
        part_of=collection,
        items=items,
        next=page_url(collection, max_id=follows[-1].id) if more else None,
        total_items=total,
    )


async def followers_document(
    svc: Services, username: str, *, page: bool = False, max_id: int | None = None
) -> JsonDict:
    """`/users/<name>/followers`: accepted followers' actor IRIs (40 a page, newest first)."""
    return await _follows_document(svc, username, "followers", page=page, max_id=max_id)


async def following_document(
    svc: Services, username: str, *, page: bool = False, max_id: int | None = None
) -> JsonDict:
    """`/users/<name>/following`: actor IRIs of accounts followed (accepted; 40 a page)."""
    return await _follows_document(svc, username, "following", page=page, max_id=max_id)


async def featured_tags_document(svc: Services, username: str) -> JsonDict:
    """`/users/<name>/collections/tags`: the hashtags featured on the profile, as Hashtag
    objects linking to our tag pages (Mastodon's `featuredTags`, read by its profile pages)."""
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        account = await _viewable_account(conn, username)
        rows = await featured_store.list_featured_tags(conn, account.id)
    items = [serialize.hashtag_tag(href=uris.tag(row.tag), name=row.name) for row in rows]
    own = uris.actor_collections(account.username)["featured_tags"]
    return serialize.ordered_collection(id=own, total_items=len(items), ordered_items=items)


async def featured_document(svc: Services, username: str) -> JsonDict:
    """`/users/<name>/collections/featured`: pinned public/unlisted Notes, newest pin first."""
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        account = await _viewable_account(conn, username)
        # Interop: Mastodon serves the pinned posts inline, as full Notes (not ids).
        posts = await pin_store.list_pinned_posts(conn, account.id, visibilities=OPEN, limit=20)
        notes = await note_jsons(conn, svc, account, posts, with_context=False)
    featured = uris.actor_collections(account.username)["featured"]
    return serialize.ordered_collection(id=featured, total_items=len(notes), ordered_items=notes)
