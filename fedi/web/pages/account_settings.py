"""Settings → Account (e-mail, password) and Settings → Security (sessions, login history)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.accounts.credentials import (
    change_email,
    change_password,
    confirm_email_change,
    security_overview,
)
from fedi.accounts.sessions import end_all_sessions
from fedi.errors import FediError, Invalid
from fedi.web.auth import (
    clear_session_cookie,
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
    viewer,
)

bp = Blueprint("account_settings", __name__)


async def _account_page(
    *,
    email_form: dict[str, str] | None = None,
    email_errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    current = require_viewer()
    return await page(
        "pages/settings_account.html",
        status=status,
        email=current.user.email,
        email_form=email_form or {"email": ""},
        email_errors=email_errors or {},
        password_errors=password_errors or {},
    )


@bp.get("/settings/account")
@login_required
async def account() -> Response:
    """Change e-mail address and password."""
    return await _account_page()


@bp.post("/settings/account/email")
@login_required
async def account_email() -> Response:
    """Ask to change the e-mail address; a link goes to the new address."""
    form = await request.form
    new_email = form.get("email", "")
    try:
        await change_email(
            services(),
            require_viewer(),
            new_email=new_email,
            password=form.get("current_password", ""),
        )
    except Invalid as exc:
        return await _account_page(
            email_form={"email": new_email}, email_errors=exc.field_errors, status=422
        )
    return redirect_with_notice(
        "/settings/account",
        f"We sent a confirmation link to {new_email.strip()}. "
        "Your address changes when you open it.",
    )


@bp.post("/settings/account/password")
@login_required
async def account_password() -> Response:
    """Change the password (needs the current one); other sessions end."""
    form = await request.form
    try:
        ended = await change_password(
            services(),
            require_viewer(),
            current_password=form.get("current_password", ""),
            password=form.get("password", ""),
            password_confirmation=form.get("password_confirmation", ""),
        )
    except Invalid as exc:
        return await _account_page(password_errors=exc.field_errors, status=422)
    others = f" {ended} other session{'s' if ended != 1 else ''} logged out." if ended else ""
    return redirect_with_notice("/settings/account", "Your password has been changed." + others)


@bp.get("/auth/email/confirm/<token>")
async def email_confirm(token: str) -> Response:
    """Follow the link sent to a new e-mail address."""
    try:
        user = await confirm_email_change(services(), token)
    except FediError as exc:
        return await page(
            "pages/confirm.html",
            status=exc.status,
            heading="This link does not work",
            message=exc.safe_message,
            settings_link=True,
        )
    target = "/settings/account" if viewer() is not None else "/login"
    return redirect_with_notice(target, f"Your e-mail address is now {user.email}.")


@bp.get("/settings/security")
@login_required
async def security() -> Response:
    """Active sessions and the login history."""
    overview = await security_overview(services(), require_viewer())
    return await page("pages/settings_security.html", overview=overview)


@bp.post("/settings/security/logout-others")
@login_required
async def logout_others() -> Response:
    """End every session except this one."""
    ended = await end_all_sessions(services(), require_viewer(), keep_current=True)
    noun = "session" if ended == 1 else "sessions"
    return redirect_with_notice("/settings/security", f"Logged out {ended} other {noun}.")


@bp.post("/settings/security/logout-all")
@login_required
async def logout_all() -> Response:
    """End every session, this one included."""
    await end_all_sessions(services(), require_viewer(), keep_current=False)
    response = redirect_with_notice("/login", "You have been logged out everywhere.")
    clear_session_cookie(response)
    return response
