"""Profile pages: `/@name` with its posts, followers and following lists, follow/unfollow buttons."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.accounts.profiles import get_profile, list_followers_page, list_following_page
from fedi.endorsements import featured_on_profile
from fedi.featured_tags import featured_tags_of
from fedi.outbox.interactions import follow_by_username, unfollow_by_username
from fedi.outbox.pins import pinned_views
from fedi.timelines import PAGE_SIZE, account_posts
from fedi.web.auth import page, redirect_with_notice, require_viewer, services, viewer
from fedi.web.pages.interactions import back_to

bp = Blueprint("profile", __name__)


def _max_id() -> int | None:
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


def _viewer_id() -> int | None:
    current = viewer()
    return None if current is None else current.id


@bp.get("/@<name>")
async def profile(name: str) -> Response:
    svc, viewer_id, max_id = services(), _viewer_id(), _max_id()
    view = await get_profile(svc, viewer_id, name)
    posts = await account_posts(svc, viewer_id, view.account, max_id=max_id, limit=PAGE_SIZE)
    pinned = [] if max_id is not None else await pinned_views(svc, viewer_id, view.account)
    featured_tags = await featured_tags_of(svc, view.account)
    featured_accounts = await featured_on_profile(svc, viewer_id, view.account)
    next_url = f"{view.path}?max_id={posts[-1].id}" if len(posts) >= PAGE_SIZE else None
    return await page(
        "pages/profile.html",
        profile=view,
        tab="posts",
        pinned=pinned,
        featured_tags=featured_tags,
        featured_accounts=featured_accounts,
        posts=posts,
        older=max_id is not None,
        next_url=next_url,
    )


@bp.get("/@<name>/followers")
async def followers(name: str) -> Response:
    listing = await list_followers_page(services(), _viewer_id(), name, max_id=_max_id())
    return await page(
        "pages/followers.html",
        profile=listing.profile,
        tab="followers",
        cards=listing.cards,
        next_url=_next(listing.profile.path + "/followers", listing.next_max_id),
    )


@bp.get("/@<name>/following")
async def following(name: str) -> Response:
    listing = await list_following_page(services(), _viewer_id(), name, max_id=_max_id())
    return await page(
        "pages/following.html",
        profile=listing.profile,
        tab="following",
        cards=listing.cards,
        next_url=_next(listing.profile.path + "/following", listing.next_max_id),
    )


def _next(path: str, max_id: int | None) -> str | None:
    return None if max_id is None else f"{path}?max_id={max_id}"


@bp.post("/@<name>/follow")
async def follow(name: str) -> Response:
    current = require_viewer()
    result = await follow_by_username(services(), current.account, name)
    if result.state == "accepted":
        notice = f"You now follow @{name}."
    else:
        notice = f"Follow request sent to @{name}. You will follow them once they approve it."
    return redirect_with_notice(await back_to(f"/@{name}"), notice)


@bp.post("/@<name>/unfollow")
async def unfollow(name: str) -> Response:
    current = require_viewer()
    removed = await unfollow_by_username(services(), current.account, name)
    if removed is not None and removed.state == "pending":
        notice = f"Your follow request to @{name} was withdrawn."
    else:
        notice = f"You no longer follow @{name}."
    return redirect_with_notice(await back_to(f"/@{name}"), notice)
