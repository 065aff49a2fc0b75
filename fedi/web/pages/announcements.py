"""Announcements: the admin pages (`/admin/announcements`: write, edit, publish, withdraw,
delete) and the home page banner's "Dismiss" (`POST /announcements/<id>/dismiss`)."""

from __future__ import annotations

from datetime import UTC, datetime

from quart import Blueprint, Response, request

from fedi.announcements import (
    AnnouncementDraft,
    admin_announcements,
    create_announcement,
    delete_announcement,
    dismiss_announcement,
    get_for_admin,
    set_published,
    update_announcement,
)
from fedi.errors import Invalid
from fedi.web.auth import (
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
    staff_required,
)

bp = Blueprint("announcement_pages", __name__)

LIST = "/admin/announcements"


def _form_of(stored: dict[str, str]) -> dict[str, str]:
    return {
        "text": stored.get("text", ""),
        "starts_at": stored.get("starts_at", ""),
        "ends_at": stored.get("ends_at", ""),
        "all_day": stored.get("all_day", ""),
    }


def _draft(form: dict[str, str]) -> AnnouncementDraft:
    return AnnouncementDraft(
        text=form["text"],
        starts_at=form["starts_at"],
        ends_at=form["ends_at"],
        all_day=form["all_day"] == "on",
    )


async def _list_page(
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    found = await admin_announcements(services(), require_viewer())
    return await page(
        "pages/admin_announcements.html",
        status=status,
        announcements=found,
        now_stamp=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        form=form or _form_of({}),
        errors=errors or {},
    )


@bp.get(LIST)
@staff_required
async def announcements() -> Response:
    """Every announcement with its state, and the form for a new one."""
    return await _list_page()


@bp.post(LIST)
@staff_required
async def create() -> Response:
    """Save a new announcement: published at once, or a draft (`action=draft`)."""
    raw = await request.form
    form = _form_of(dict(raw))
    publish = raw.get("action") != "draft"
    try:
        await create_announcement(services(), require_viewer(), _draft(form), publish=publish)
    except Invalid as exc:
        return await _list_page(form, exc.field_errors, status=422)
    notice = "Announcement published." if publish else "Announcement saved as a draft."
    return redirect_with_notice(LIST, notice)


def _edit_form(
    stored_text: str, starts: str | None, ends: str | None, all_day: int
) -> dict[str, str]:
    return {
        "text": stored_text,
        "starts_at": (starts or "")[:16],
        "ends_at": (ends or "")[:16],
        "all_day": "on" if all_day else "",
    }


@bp.get(f"{LIST}/<int:announcement_id>/edit")
@staff_required
async def edit(announcement_id: int) -> Response:
    """The form to change an announcement."""
    found = await get_for_admin(services(), require_viewer(), announcement_id)
    return await page(
        "pages/admin_announcement_edit.html",
        announcement=found,
        form=_edit_form(found.text, found.starts_at, found.ends_at, found.all_day),
        errors={},
    )


@bp.post(f"{LIST}/<int:announcement_id>/edit")
@staff_required
async def save(announcement_id: int) -> Response:
    """Change an announcement's text and times."""
    form = _form_of(dict(await request.form))
    svc, current = services(), require_viewer()
    try:
        await update_announcement(svc, current, announcement_id, _draft(form))
    except Invalid as exc:
        found = await get_for_admin(svc, current, announcement_id)
        return await page(
            "pages/admin_announcement_edit.html",
            status=422,
            announcement=found,
            form=form,
            errors=exc.field_errors,
        )
    return redirect_with_notice(LIST, "Announcement saved.")


@bp.post(f"{LIST}/<int:announcement_id>/publish")
@staff_required
async def publish(announcement_id: int) -> Response:
    """Publish an announcement (users see it at once)."""
    await set_published(services(), require_viewer(), announcement_id, published=True)
    return redirect_with_notice(LIST, "Announcement published.")


@bp.post(f"{LIST}/<int:announcement_id>/unpublish")
@staff_required
async def unpublish(announcement_id: int) -> Response:
    """Withdraw an announcement (kept as a draft)."""
    await set_published(services(), require_viewer(), announcement_id, published=False)
    return redirect_with_notice(LIST, "Announcement withdrawn; it is a draft again.")


@bp.post(f"{LIST}/<int:announcement_id>/delete")
@staff_required
async def delete(announcement_id: int) -> Response:
    """Delete an announcement with its reactions."""
    await delete_announcement(services(), require_viewer(), announcement_id)
    return redirect_with_notice(LIST, "Announcement deleted.")


@bp.post("/announcements/<int:announcement_id>/dismiss")
@login_required
async def dismiss(announcement_id: int) -> Response:
    """Hide an announcement from the viewer's home page (and mark it read in apps)."""
    await dismiss_announcement(services(), require_viewer().id, announcement_id)
    return redirect_with_notice("/home", "Announcement dismissed.")
