"""Mastodon entities (reference §6) built from service results: Account, Status, Relationship...

Every required field is present with its documented type (`""`, `[]`, `0`, `false` rather than
missing); ids are decimal strings; timestamps are stored as `2026-01-02T03:04:05.678Z` already.
The batch functions load related rows with one query per kind (`fedi.api_reads.bundles`), never
one per item, and keep the input order.

Interop: Tusky, Ice Cubes and the official apps reject a whole response when one required field
is missing or null, so nothing here is optional unless the reference says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fedi.api_reads.bundles import (
    AccountCounts,
    Conn,
    StatusBundle,
    StatusItem,
    load_accounts,
    load_statuses,
)
from fedi.api_reads.relationships import AccountRelationship
from fedi.api_reads.statuses import Version
from fedi.context import Services
from fedi.profile_options import indexable_of
from fedi.storage.rows import Account, OAuthApp, Post, User
from fedi.web.api.entities_cards import card_entity
from fedi.web.api.entities_filters import filter_result_entities
from fedi.web.api.entities_media import media_entity
from fedi.web.api.entities_polls import status_poll
from fedi.web.api.entity_cache import IdentityCache, entity_cache

JsonDict = dict[str, Any]

DEFAULT_AVATAR = "/static/avatar.png"
DEFAULT_HEADER = "/static/header.png"
BOT_TYPES = ("Service", "Application")

# Mastodon's role permission bits: administrator 1<<0, view_audit_log 1<<2, view_dashboard 1<<3,
# manage_reports 1<<4, manage_taxonomies 1<<8, manage_users 1<<10, invite_users 1<<16.
ROLES: Mapping[str, JsonDict] = {
    "user": {"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": False},
    "moderator": {
        "id": "1",
        "name": "Moderator",
        "permissions": "66844",
        "color": "",
        "highlighted": True,
    },
    "admin": {
        "id": "2",
        "name": "Admin",
        "permissions": "65537",
        "color": "",
        "highlighted": True,
    },
}


# --- accounts ---------------------------------------------------------------------------------


def _absolute(svc: Services, url: str, default: str) -> str:
    if not url:
        return svc.url(default)
    return svc.url(url) if url.startswith("/") else url


def _day(stored: str | None) -> str | None:
    return stored[:10] if stored else None


def account_entity(
    svc: Services,
    account: Account,
    *,
    counts: AccountCounts | None = None,
    source: bool = False,
    user: User | None = None,
    follow_requests_count: int = 0,
) -> JsonDict:
    """The Account entity (§6.1); with `source` and `user`, the CredentialAccount (§3.7)."""
    counts = counts or AccountCounts()
    avatar = _absolute(svc, account.avatar_src, DEFAULT_AVATAR)
    header = _absolute(svc, account.header_src, DEFAULT_HEADER)
    fields = account.fields
    entity: JsonDict = {
        "id": str(account.id),
        "username": account.username,
        "acct": account.acct,
        "display_name": account.display_name,
        "locked": bool(account.locked),
        "bot": account.actor_type in BOT_TYPES,
        "group": account.actor_type == "Group",
        "discoverable": bool(account.discoverable),
        "indexable": indexable_of(account),
        "hide_collections": bool(account.hide_collections),
        "noindex": not account.discoverable,
        # Interop: Mastodon rounds account creation to midnight.
        "created_at": (account.created_at[:10] + "T00:00:00.000Z") if account.created_at else "",
        "note": account.note_html,
        "url": account.url or account.uri,
        "uri": account.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": account.avatar_description,
        "header": header,
        "header_static": header,
        "header_description": account.header_description,
        "followers_count": counts.followers,
        "following_count": counts.following,
        "statuses_count": counts.statuses,
        "last_status_at": _day(counts.last_status_at),
        "emojis": [],
        "fields": [
            {
                "name": str(f.get("name", "")),
                "value": str(f.get("value_html", f.get("value", ""))),
                "verified_at": None,
            }
            for f in fields
        ],
        "roles": [],
        "show_media": True,
        "show_media_replies": True,
        "show_featured": True,
    }
    if source and user is not None:
        entity["source"] = {
            "privacy": user.default_visibility,
            "sensitive": bool(user.default_sensitive),
            "language": user.default_language,
            "note": account.note_source,
            "fields": [
                {
                    "name": str(f.get("name", "")),
                    "value": str(f.get("value", "")),
                    "verified_at": None,
                }
                for f in fields
            ],
            "follow_requests_count": follow_requests_count,
            "hide_collections": bool(account.hide_collections),
            "discoverable": bool(account.discoverable),
            "indexable": indexable_of(account),
            "attribution_domains": [],
            "quote_policy": "public",
        }
        entity["role"] = dict(ROLES.get(user.role, ROLES["user"]))
    return entity


async def account_entities(
    svc: Services, conn: Conn | None, accounts: Sequence[Account]
) -> list[JsonDict]:
    """Account entities for a list of accounts, counts loaded in one query, input order kept."""
    if not accounts:
        return []
    _, counts = await load_accounts(svc, conn, [a.id for a in accounts])
    return [account_entity(svc, a, counts=counts.get(a.id)) for a in accounts]


# --- statuses ---------------------------------------------------------------------------------


def application_entity(app: OAuthApp) -> JsonDict:
    """The Application shown on a status: `{name, website}`."""
    return {"name": app.name, "website": app.website or None}


def mention_entity(account: Account) -> JsonDict:
    """Status::Mention; `url` is the href our rendered text links the mention to."""
    return {
        "id": str(account.id),
        "username": account.username,
        "url": account.url or account.uri,
        "acct": account.acct,
    }


def tag_entity(svc: Services, name: str) -> JsonDict:
    """Status::Tag: the lowercase name without `#` and this instance's tag page."""
    return {"name": name, "url": svc.url(f"/tags/{name}")}


def _account(
    svc: Services, bundle: StatusBundle, account_id: int, memo: dict[int, JsonDict]
) -> JsonDict:
    """The Account entity of a bundle's account, built once per page."""
    found = memo.get(account_id)
    if found is None:
        account = bundle.account(account_id)
        assert account is not None
        counts = bundle.counts(account_id)
        found = memo[account_id] = entity_cache(svc, "accounts").get_or_build(
            account, counts, lambda: account_entity(svc, account, counts=counts)
        )
    return found


def _status_text(svc: Services, post: Post, tags: Sequence[str]) -> JsonDict:
    """The parts of a Status entity that only the post row (and its tags) decide, in the
    entity's key order; `_status_shown` and `_status` fill the rest."""
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "account": None,
        "content": post.content_html,
        "visibility": post.visibility,
        "sensitive": bool(post.sensitive),
        "spoiler_text": post.content_warning,
        "media_attachments": [],
        "mentions": [],
        "tags": [tag_entity(svc, t) for t in tags],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "quotes_count": 0,
        "in_reply_to_id": None if post.in_reply_to_id is None else str(post.in_reply_to_id),
        "in_reply_to_account_id": (
            None if post.in_reply_to_account_id is None else str(post.in_reply_to_account_id)
        ),
        "reblog": None,
        "poll": None,
        "card": None,
        "language": post.language,
    }


def shown_parts(
    svc: Services,
    bundle: StatusBundle,
    post: Post,
    *,
    memo: dict[int, JsonDict],
    views: IdentityCache,
) -> JsonDict:
    """The parts of a post's Status entity every viewer sees alike (`_status_shown`), kept in
    `views` (`status_views`) while the post, its extras, author and counts are the same. A
    shared dict: copy before changing it."""
    rows = bundle.rows
    extras = rows.extras.get(post.id)
    if extras is None:  # rows loaded without extras: build every part
        return _status_shown(svc, bundle, post, _account(svc, bundle, post.account_id, memo))
    # The author's entity is only looked up when the parts are built.
    author = (extras, rows.accounts.get(post.account_id), bundle.counts(post.account_id))
    return views.get_or_build(
        post,
        author,
        lambda: _status_shown(svc, bundle, post, _account(svc, bundle, post.account_id, memo)),
    )


def status_views(svc: Services) -> IdentityCache:
    """This instance's kept `shown_parts`."""
    return entity_cache(svc, "status_views")


def _status(
    svc: Services,
    bundle: StatusBundle,
    post: Post,
    *,
    media: Mapping[int, list[JsonDict]] | None,
    filtered: Mapping[int, list[JsonDict]] | None,
    memo: dict[int, JsonDict],
    views: IdentityCache,
) -> JsonDict:
    rows = bundle.rows
    shown = shown_parts(svc, bundle, post, memo=memo, views=views)
    entity = dict(shown)
    if media is not None:
        entity["media_attachments"] = list(media.get(post.id, []))
    if post.id in rows.mentions:
        entity["mentions"] = [mention_entity(a) for a in bundle.mentioned(post.id)]
    if post.id in rows.polls:  # `expired` and the viewer's votes change without the rows
        entity["poll"] = status_poll(bundle, post)
    if bundle.viewer_id is not None:
        viewer = bundle.viewer_id
        entity["favourited"] = post.id in rows.liked
        entity["reblogged"] = post.id in rows.reblogged
        entity["muted"] = (post.thread_root_id or post.id) in rows.muted_threads
        entity["bookmarked"] = post.id in rows.bookmarked
        if post.account_id == viewer:
            entity["pinned"] = post.id in rows.pinned
        entity["filtered"] = list((filtered or {}).get(post.id, []))
    return entity


def _status_shown(svc: Services, bundle: StatusBundle, post: Post, account: JsonDict) -> JsonDict:
    """The parts of a Status entity every viewer sees alike (not its mentions or poll, which
    `_status` adds per request)."""
    rows = bundle.rows
    entity = _status_text(svc, post, rows.tags.get(post.id) or [])
    entity["account"] = account
    entity["media_attachments"] = [media_entity(svc, m) for m in rows.media.get(post.id, ())]
    entity["reblogs_count"] = rows.reblogs.get(post.id, 0)
    entity["favourites_count"] = rows.likes.get(post.id, 0)
    entity["replies_count"] = rows.replies.get(post.id, 0)
    entity["card"] = card_entity(svc, bundle.cards[post.id]) if post.id in bundle.cards else None
    app = bundle.app(post.id)
    if app is not None:
        entity["application"] = application_entity(app)
    return entity


def _wrapper(
    svc: Services,
    bundle: StatusBundle,
    item: StatusItem,
    original: JsonDict,
    memo: dict[int, JsonDict],
) -> JsonDict:
    """A boost: its own id and booster, `reblog` the full original (§6.2)."""
    boost = item.post
    entity: JsonDict = {
        "id": str(boost.id),
        "uri": boost.uri,
        "url": boost.url or boost.uri,
        "created_at": boost.created_at,
        "edited_at": None,
        "account": _account(svc, bundle, boost.account_id, memo),
        "content": "",
        "visibility": boost.visibility,
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "quotes_count": 0,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": original,
        "poll": None,
        "card": None,
        "language": None,
    }
    if bundle.viewer_id is not None:
        # Interop: clients read the boost's buttons from the wrapper; Mastodon mirrors them.
        for key in ("favourited", "reblogged", "muted", "bookmarked"):
            entity[key] = original.get(key, False)
        if boost.account_id == bundle.viewer_id:
            entity["pinned"] = False
        entity["filtered"] = original.get("filtered", [])
    return entity


def bundle_entities(
    svc: Services,
    bundle: StatusBundle,
    *,
    media: Mapping[int, list[JsonDict]] | None = None,
    filtered: Mapping[int, list[JsonDict]] | None = None,
) -> list[JsonDict]:
    """Status entities of a loaded bundle, in its order (no queries); `media` (entities per post
    id) replaces the bundle's attachments, `filtered` defaults to the bundle's filter matches
    (`filter_bundle`)."""
    if filtered is None and bundle.filtered:
        filtered = filter_result_entities(bundle.filtered)
    memo: dict[int, JsonDict] = {}
    views = status_views(svc)
    return [
        item_entity(svc, bundle, item, media=media, filtered=filtered, memo=memo, views=views)
        for item in bundle.items
    ]


def item_entity(
    svc: Services,
    bundle: StatusBundle,
    item: StatusItem,
    *,
    media: Mapping[int, list[JsonDict]] | None = None,
    filtered: Mapping[int, list[JsonDict]] | None,
    memo: dict[int, JsonDict],
    views: IdentityCache,
) -> JsonDict:
    """The Status entity of one item of a bundle (a boost: its wrapper), as `bundle_entities`
    builds it (`memo` and `views` shared across the page)."""
    shown = _status(svc, bundle, item.shown, media=media, filtered=filtered, memo=memo, views=views)
    return _wrapper(svc, bundle, item, shown, memo) if item.is_reblog else shown


def media_map(svc: Services, bundle: StatusBundle) -> dict[int, list[JsonDict]]:
    """MediaAttachment entities per shown post (the rows came with the bundle's one hop)."""
    return {
        post_id: [media_entity(svc, m) for m in found]
        for post_id, found in bundle.rows.media.items()
    }


async def media_for(svc: Services, bundle: StatusBundle) -> dict[int, list[JsonDict]]:
    """`media_map` (kept async for callers written against the first version)."""
    return media_map(svc, bundle)


async def status_entities(
    svc: Services,
    conn: Conn | None,
    viewer_id: int | None,
    posts: Sequence[Post],
    *,
    filtered: Mapping[int, list[JsonDict]] | None = None,
    check_visibility: bool = True,
) -> list[JsonDict]:
    """Status entities for a list of posts (boost rows become wrappers), in input order.

    Posts the viewer may not see are left out (visibility.py's rule), as are boosts of missing
    posts. `conn` may be None (a reader is borrowed). `filtered` maps a post id to its
    FilterResult entities (the filters service's seam); every related kind of row is loaded
    with one query for the whole list.
    """
    bundle = await load_statuses(svc, conn, viewer_id, posts, check_visibility=check_visibility)
    return bundle_entities(svc, bundle, filtered=filtered)


async def status_entity(
    svc: Services,
    conn: Conn | None,
    viewer_id: int | None,
    post: Post,
    *,
    check_visibility: bool = True,
) -> JsonDict | None:
    """One Status entity, or None when the viewer may not see it."""
    found = await status_entities(svc, conn, viewer_id, [post], check_visibility=check_visibility)
    return found[0] if found else None


def status_source_entity(post: Post) -> JsonDict:
    """StatusSource: the text as written, for editing."""
    return {"id": str(post.id), "text": post.source, "spoiler_text": post.content_warning}


def status_edit_entity(
    version: Version, account: JsonDict, *, media: list[JsonDict] | None = None
) -> JsonDict:
    """StatusEdit: one version of a post's text, with its author."""
    return {
        "content": version.content_html,
        "spoiler_text": version.content_warning,
        "sensitive": version.sensitive,
        "created_at": version.created_at,
        "account": account,
        "media_attachments": list(media or []),
        "emojis": [],
        "poll": None,
    }


def context_entity(ancestors: list[JsonDict], descendants: list[JsonDict]) -> JsonDict:
    """Context: ancestors oldest first, descendants in thread order."""
    return {"ancestors": ancestors, "descendants": descendants}


# --- relationships ----------------------------------------------------------------------------


def relationship_entity(rel: AccountRelationship) -> JsonDict:
    """Relationship (§6.5); every boolean present."""
    return {
        "id": str(rel.account_id),
        "following": rel.following,
        "showing_reblogs": rel.showing_reblogs,
        "notifying": rel.notifying,
        "languages": rel.languages,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "muting_expires_at": rel.muting_expires_at,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": rel.domain_blocking,
        "endorsed": rel.endorsed,
        "note": "",
    }


def relationship_entities(rels: Sequence[AccountRelationship]) -> list[JsonDict]:
    """Relationship entities in the given order."""
    return [relationship_entity(r) for r in rels]
