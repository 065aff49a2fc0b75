"""Featured hashtags in the web UI: Settings → Featured hashtags (`/settings/featured_tags`: add,
remove, suggestions) and `/@name/tagged/<tag>`, an account's posts with one hashtag."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi import featured_tags as featured
from fedi.accounts.profiles import get_profile
from fedi.errors import Invalid
from fedi.instance_info import MAX_FEATURED_TAGS
from fedi.timelines import PAGE_SIZE
from fedi.web.auth import (
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
    viewer,
)

bp = Blueprint("featured_tags", __name__)

SETTINGS_PATH = "/settings/featured_tags"


def _max_id() -> int | None:
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


async def _render(name: str, errors: dict[str, str], status: int = 200) -> Response:
    found = await featured.featured_tag_settings(services(), require_viewer().id)
    return await page(
        "pages/settings_featured_tags.html",
        status=status,
        featured_tags=found.featured,
        suggestions=found.suggestions,
        form={"name": name},
        errors=errors,
        max_featured=MAX_FEATURED_TAGS,
    )


@bp.get(SETTINGS_PATH)
@login_required
async def settings() -> Response:
    """Settings → Featured hashtags: the ones featured, an add form and suggestions."""
    return await _render("", {})


@bp.post(SETTINGS_PATH)
@login_required
async def add() -> Response:
    """Feature a hashtag; the form again with the error next to the field (422) if refused."""
    name = (await request.form).get("name", "")
    try:
        found = await featured.feature_tag(services(), require_viewer().id, name)
    except Invalid as exc:
        return await _render(name, exc.field_errors or {"name": exc.safe_message}, status=422)
    return redirect_with_notice(SETTINGS_PATH, f"#{found.name} is featured on your profile.")


@bp.post(f"{SETTINGS_PATH}/<int:featured_id>/remove")
@login_required
async def remove(featured_id: int) -> Response:
    """Stop featuring a hashtag and come back to the list."""
    await featured.unfeature_tag(services(), require_viewer().id, featured_id)
    return redirect_with_notice(SETTINGS_PATH, "The hashtag is no longer featured.")


@bp.get("/@<name>/tagged/<tag>")
async def tagged(name: str, tag: str) -> Response:
    """An account's posts with one hashtag that the viewer may see, newest first."""
    svc, current, max_id = services(), viewer(), _max_id()
    viewer_id = None if current is None else current.id
    view = await get_profile(svc, viewer_id, name)
    found = await featured.tagged_posts(
        svc, viewer_id, view.account, tag, max_id=max_id, limit=PAGE_SIZE
    )
    here = f"{view.path}/tagged/{found.tag}"
    posts = found.posts
    return await page(
        "pages/profile_tagged.html",
        profile=view,
        tab="posts",
        tag=found.tag,
        posts=posts,
        featured_tags=found.featured,
        featured_tag_here=found.tag,
        older=max_id is not None,
        here=here,
        next_url=f"{here}?max_id={posts[-1].id}" if len(posts) >= PAGE_SIZE else None,
    )
