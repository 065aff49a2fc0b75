"""Featured hashtags (Mastodon "featured tags"): a user shows up to `MAX_FEATURED_TAGS` hashtags
on their profile, each with how many of their public and unlisted posts carry it and the date
of the last one, linking to `/@name/tagged/<tag>` (their posts with that tag).

The counts are computed from `post_tags` when read (one query for the whole list), so deleting
a post, editing its tags or changing its visibility shows at once. Not federated yet: the
actor's `featuredTags` collection is not published and remote ones are not read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from fedi.accounts.profiles import visible_post_kinds
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.instance_info import MAX_FEATURED_TAGS
from fedi.posts_view import PostView, views_with_conn
from fedi.storage import accounts as account_store
from fedi.storage import featured_tags as featured_store
from fedi.storage import follows as follow_store
from fedi.storage.clock import from_db
from fedi.storage.featured_tags import FeaturedTagRow
from fedi.storage.ids import new_id
from fedi.storage.rows import Account
from fedi.tags import TagInfo, tag_infos
from fedi.timelines import PAGE_SIZE, normalise_tag

MAX_SUGGESTIONS = 10
NOT_FOUND = "Record not found"
NO_ACCOUNT = "Record not found"
EMPTY_NAME = "Enter the hashtag to feature."
NOT_A_HASHTAG = (
    "Not a valid hashtag: use letters, digits and underscores (not only digits), without spaces."
)
OVER_LIMIT = "You can feature up to {limit} hashtags. Remove one before adding another."


@dataclass(frozen=True, slots=True, kw_only=True)
class FeaturedTag:
    """A hashtag featured on a profile: `path` lists the owner's posts with it."""

    id: int
    name: str
    tag: str
    path: str
    statuses_count: int
    last_status_at: date | None


def _view(username: str, row: FeaturedTagRow) -> FeaturedTag:
    last = from_db(row.last_status_at)
    return FeaturedTag(
        id=row.id,
        name=row.name,
        tag=row.tag,
        path=f"/@{username}/tagged/{row.tag}",
        statuses_count=row.statuses_count,
        last_status_at=None if last is None else last.date(),
    )


def hashtag_name(written: str) -> tuple[str, str]:
    """(stored form, display form) of a hashtag typed by a user, `#` optional; Invalid naming
    `name` unless the whole text is one hashtag."""
    bare = unicodedata.normalize("NFKC", written.strip().removeprefix("#"))
    if not bare:
        raise Invalid.field("name", EMPTY_NAME)
    tag = normalise_tag(bare)
    if tag is None or bare.lower() != tag:
        raise Invalid.field("name", NOT_A_HASHTAG)
    return tag, bare


def _shown(account: Account | None) -> Account:
    if account is None or account.suspended_at or account.deleted_at:
        raise NotFound(NO_ACCOUNT)
    return account


async def feature_tag(svc: Services, account_id: int, written: str) -> FeaturedTag:
    """Feature a hashtag on the account's profile (again: the same one, unchanged); Invalid
    naming `name` for a non-hashtag or past `MAX_FEATURED_TAGS`. Writes one row."""
    tag, name = hashtag_name(written)
    async with svc.db.write() as tx:
        account = _shown(await account_store.get_account(tx, account_id))
        row = await featured_store.add_featured_tag(
            tx, id=new_id(), account_id=account_id, tag=tag, name=name, limit=MAX_FEATURED_TAGS
        )
    if row is None:
        raise Invalid.field("name", OVER_LIMIT.format(limit=MAX_FEATURED_TAGS))
    return _view(account.username, row)


async def unfeature_tag(svc: Services, account_id: int, featured_id: int) -> None:
    """Stop featuring a hashtag by its id; NotFound for an unknown id or someone else's."""
    async with svc.db.write() as tx:
        removed = await featured_store.remove_featured_tag(tx, account_id, featured_id)
    if not removed:
        raise NotFound(NOT_FOUND)


async def featured_tags(svc: Services, account_id: int) -> list[FeaturedTag]:
    """An account's featured hashtags with counts, most used first; NotFound for an unknown,
    suspended or deleted account (remote accounts have none: not federated yet)."""
    async with svc.db.read() as conn:
        account = _shown(await account_store.get_account(conn, account_id))
        rows = await featured_store.list_featured_tags(conn, account_id)
    return [_view(account.username, row) for row in rows]


async def featured_tags_of(svc: Services, account: Account) -> list[FeaturedTag]:
    """The featured hashtags of an account already loaded (a profile page), most used first."""
    async with svc.db.read() as conn:
        rows = await featured_store.list_featured_tags(conn, account.id)
    return [_view(account.username, row) for row in rows]


async def suggested_tags(svc: Services, account_id: int) -> list[TagInfo]:
    """Up to 10 hashtags the account used most in its recent public and unlisted posts and
    does not feature yet, with their 7-day history."""
    async with svc.db.read() as conn:
        names = await featured_store.suggested_tags(conn, account_id, limit=MAX_SUGGESTIONS)
        return await tag_infos(conn, account_id, names)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeaturedTagSettings:
    """Settings → Featured hashtags: the ones featured and suggestions to add."""

    featured: list[FeaturedTag]
    suggestions: list[TagInfo]


async def featured_tag_settings(svc: Services, account_id: int) -> FeaturedTagSettings:
    """The account's featured hashtags and its suggestions, in one read."""
    async with svc.db.read() as conn:
        account = _shown(await account_store.get_account(conn, account_id))
        rows = await featured_store.list_featured_tags(conn, account_id)
        names = await featured_store.suggested_tags(conn, account_id, limit=MAX_SUGGESTIONS)
        suggestions = await tag_infos(conn, account_id, names)
    return FeaturedTagSettings(
        featured=[_view(account.username, row) for row in rows], suggestions=suggestions
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaggedPosts:
    """An account's posts with one hashtag (`tag`: stored form), with its featured hashtags."""

    tag: str
    posts: list[PostView]
    featured: list[FeaturedTag]


async def tagged_posts(
    svc: Services,
    viewer_id: int | None,
    account: Account,
    written: str,
    *,
    max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> TaggedPosts:
    """The account's posts with a hashtag that this viewer may see, newest first, as on its
    profile, plus its featured hashtags; NotFound if the text is not a hashtag."""
    tag = normalise_tag(written)
    if tag is None:
        raise NotFound(f"#{written} is not a hashtag.")
    limit = max(1, min(limit, PAGE_SIZE))
    async with svc.db.read() as conn:
        follows = viewer_id is not None and await follow_store.is_following(
            conn, viewer_id, account.id
        )
        posts = await featured_store.list_account_tagged_posts(
            conn,
            account.id,
            tag,
            visibilities=visible_post_kinds(is_self=viewer_id == account.id, follows=follows),
            mentioned_id=viewer_id,
            max_id=max_id,
            limit=limit,
        )
        views = await views_with_conn(conn, viewer_id, posts)
        rows = await featured_store.list_featured_tags(conn, account.id)
    return TaggedPosts(
        tag=tag, posts=views, featured=[_view(account.username, row) for row in rows]
    )
