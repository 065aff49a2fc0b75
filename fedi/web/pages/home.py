"""Timelines: `/` (landing or redirect), `/home`, `/local`, `/tags/<tag>`."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from fedi.announcements import current_announcements
from fedi.timelines import home_timeline, local_timeline, tag_timeline
from fedi.web.auth import login_required, page, require_viewer, services, viewer

bp = Blueprint("home", __name__)

LANDING_POSTS = 10


def max_id_arg() -> int | None:
    """The `max_id` query parameter ("older than this post"), or None if absent or not a number."""
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


def older_url(path: str, next_max_id: int | None) -> str | None:
    """The "Older" link of a paged timeline."""
    return None if next_max_id is None else f"{path}?max_id={next_max_id}"


def _viewer_id() -> int | None:
    current = viewer()
    return None if current is None else current.id


@bp.get("/")
async def landing() -> Response:
    if viewer() is not None:
        return redirect("/home")  # type: ignore[return-value]
    timeline = await local_timeline(services(), None, limit=LANDING_POSTS)
    return await page("pages/landing.html", posts=timeline.posts)


@bp.get("/home")
@login_required
async def home() -> Response:
    current = require_viewer()
    max_id = max_id_arg()
    timeline = await home_timeline(services(), current.id, max_id=max_id)
    # The first page shows the announcements the viewer has not dismissed.
    notices = (
        []
        if max_id is not None
        else await current_announcements(services(), current.id, with_dismissed=False)
    )
    return await page(
        "pages/home.html",
        announcements=notices,
        posts=timeline.posts,
        older=max_id is not None,
        next_url=older_url("/home", timeline.next_max_id),
        form={
            "visibility": current.user.default_visibility,
            "sensitive": "on" if current.user.default_sensitive else "",
        },
        errors={},
    )


@bp.get("/local")
async def local() -> Response:
    max_id = max_id_arg()
    timeline = await local_timeline(services(), _viewer_id(), max_id=max_id)
    return await page(
        "pages/local.html",
        posts=timeline.posts,
        older=max_id is not None,
        next_url=older_url("/local", timeline.next_max_id),
    )


@bp.get("/tags/<tag>")
async def tag(tag: str) -> Response:
    max_id = max_id_arg()
    timeline = await tag_timeline(services(), _viewer_id(), tag, max_id=max_id)
    return await page(
        "pages/tag.html",
        tag=timeline.tag,
        posts=timeline.posts,
        older=max_id is not None,
        next_url=older_url(f"/tags/{quote(timeline.tag)}", timeline.next_max_id),
    )
