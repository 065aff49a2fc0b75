"""The admin page: users, roles, pending sign-ups, invite codes (staff only)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.accounts.admin import (
    admin_overview,
    approve_sign_up,
    change_role,
    create_invite,
    reject_sign_up,
)
from fedi.errors import Invalid
from fedi.web.auth import page, redirect_with_notice, require_viewer, services, staff_required

bp = Blueprint("admin_pages", __name__)

INVITE_EXPIRY_OPTIONS = [("", "Never"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


async def _admin_page(errors: dict[str, str] | None = None, status: int = 200) -> Response:
    overview = await admin_overview(services(), require_viewer())
    return await page(
        "pages/admin.html",
        status=status,
        overview=overview,
        errors=errors or {},
        expiry_options=INVITE_EXPIRY_OPTIONS,
    )


def _optional_int(value: str | None, field: str, message: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Invalid.field(field, message)
    return int(text)


@bp.get("/admin")
@staff_required
async def admin() -> Response:
    """The user list, pending sign-ups and invites."""
    return await _admin_page()


@bp.post("/admin/users/<int:user_id>/role")
@staff_required
async def role(user_id: int) -> Response:
    """Change a user's role (administrators only)."""
    form = await request.form
    new_role = form.get("role", "")
    try:
        account = await change_role(services(), require_viewer(), user_id, new_role)
    except Invalid as exc:
        return await _admin_page({"_form": exc.safe_message}, status=422)
    return redirect_with_notice("/admin", f"@{account.username} is now {new_role}.")


@bp.post("/admin/users/<int:user_id>/approve")
@staff_required
async def approve(user_id: int) -> Response:
    """Approve a pending sign-up."""
    account = await approve_sign_up(services(), require_viewer(), user_id)
    return redirect_with_notice("/admin", f"Approved @{account.username}.")


@bp.post("/admin/users/<int:user_id>/reject")
@staff_required
async def reject(user_id: int) -> Response:
    """Reject a pending sign-up (its account is deleted)."""
    account = await reject_sign_up(services(), require_viewer(), user_id)
    return redirect_with_notice("/admin", f"Rejected the sign-up of @{account.username}.")


@bp.post("/admin/invites")
@staff_required
async def invites() -> Response:
    """Create an invite code."""
    form = await request.form
    try:
        max_uses = _optional_int(
            form.get("max_uses"), "max_uses", "Enter a whole number of uses, or leave it empty."
        )
        days = _optional_int(form.get("expires_in_days"), "expires_in_days", "Choose an expiry.")
        invite = await create_invite(
            services(), require_viewer(), max_uses=max_uses, expires_in_days=days
        )
    except Invalid as exc:
        return await _admin_page(exc.field_errors, status=422)
    return redirect_with_notice("/admin", f"Created invite code {invite.code}.")
