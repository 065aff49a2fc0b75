"""Sign-up, e-mail confirmation, login/logout and password reset pages."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, redirect, request

from fedi.accounts.credentials import (
    LoginAttempt,
    LoginRefused,
    check_reset_token,
    confirm_email,
    log_in,
    request_password_reset,
    resend_confirmation,
    reset_password,
)
from fedi.accounts.sessions import end_session
from fedi.accounts.signup import CLOSED_MESSAGE, SignUp, sign_up
from fedi.errors import FediError, Forbidden, Invalid
from fedi.web.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    client_ip,
    page,
    redirect_with_notice,
    services,
    set_session_cookie,
    user_agent,
    viewer,
)

bp = Blueprint("auth_pages", __name__)

DEFAULT_NEXT = "/home"
_SIGNUP_KEEP = ("username", "email", "reason", "invite")
# The order of the sign-up form, so the error summary lists problems top to bottom.
_SIGNUP_ORDER = (
    "_form",
    "username",
    "email",
    "password",
    "password_confirmation",
    "reason",
    "invite",
)


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    rank = {name: i for i, name in enumerate(_SIGNUP_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


def safe_next(value: str | None) -> str:
    """A local path to go to after login; anything that could leave this site becomes /home."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return DEFAULT_NEXT
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return DEFAULT_NEXT
    return value


def _mode() -> str:
    return services().config.instance.registrations


async def _signup_page(
    form: dict[str, str], errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    mode = _mode()
    if mode == "closed":
        return await page("pages/signup.html", status=403, closed=True, message=CLOSED_MESSAGE)
    return await page(
        "pages/signup.html",
        status=status,
        closed=False,
        mode=mode,
        form=form,
        errors=errors or {},
        confirm_email=services().config.instance.require_email_confirmation,
    )


@bp.get("/signup")
async def signup_form() -> Response:
    """The sign-up form (or the 'sign-ups are closed' page)."""
    if viewer() is not None:
        return redirect(DEFAULT_NEXT)  # type: ignore[return-value]
    return await _signup_page({"invite": request.args.get("invite", "")})


@bp.post("/signup")
async def signup_submit() -> Response:
    """Create the account; errors go back to the form with what was typed (not passwords)."""
    form = await request.form
    kept = {key: form.get(key, "") for key in _SIGNUP_KEEP}
    command = SignUp(
        username=form.get("username", ""),
        email=form.get("email", ""),
        password=form.get("password", ""),
        password_confirmation=form.get("password_confirmation", ""),
        reason=form.get("reason", ""),
        invite=form.get("invite", ""),
        ip=client_ip(),
        user_agent=user_agent(),
    )
    try:
        result = await sign_up(services(), command)
    except Invalid as exc:
        errors = exc.field_errors or {"_form": exc.safe_message}
        return await _signup_page(kept, _in_form_order(errors), 422)
    except Forbidden:
        return await _signup_page(kept)
    if result.session_token:
        response = redirect_with_notice(
            DEFAULT_NEXT,
            f"Welcome to {services().config.instance.name}, @{result.account.username}!",
        )
        set_session_cookie(response, result.session_token)
        return response
    if result.needs_confirmation:
        message = (
            f"We sent a link to {result.user.email}. Click it to confirm your address, then log in."
        )
        if result.needs_approval:
            message += " The moderators will also review your sign-up; we will e-mail you then."
        return await page(
            "pages/confirm.html",
            heading="Check your e-mail",
            message=message,
            resend_login=result.account.username,
        )
    return await page(
        "pages/confirm.html",
        heading="Thanks for signing up",
        message="Your sign-up awaits approval by the moderators. We will e-mail you once "
        "your account is approved.",
    )


async def _login_page(
    form: dict[str, str], *, error: str = "", reason: str = "", status: int = 200
) -> Response:
    return await page(
        "pages/login.html",
        status=status,
        form=form,
        error=error,
        reason=reason,
        registrations=_mode(),
    )


@bp.get("/login")
async def login_form() -> Response:
    """The login form; `next` is where to go afterwards."""
    next_path = safe_next(request.args.get("next"))
    if viewer() is not None:
        return redirect(next_path)  # type: ignore[return-value]
    return await _login_page({"login": "", "next": next_path})


@bp.post("/login")
async def login_submit() -> Response:
    """Log in with username or e-mail; always a fresh session token."""
    form = await request.form
    next_path = safe_next(form.get("next"))
    attempt = LoginAttempt(
        login=form.get("login", ""),
        password=form.get("password", ""),
        ip=client_ip(),
        user_agent=user_agent(),
        previous_token=request.cookies.get(SESSION_COOKIE, ""),
    )
    try:
        token = await log_in(services(), attempt)
    except LoginRefused as exc:
        kept = {"login": attempt.login, "next": next_path}
        return await _login_page(kept, error=exc.safe_message, reason=exc.reason, status=exc.status)
    response: Response = redirect(next_path, 303)  # type: ignore[assignment]
    set_session_cookie(response, token)
    return response


@bp.get("/logout")
async def logout_page() -> Response:
    """Logging out takes a POST; someone who typed the address gets a button for it."""
    if viewer() is None:
        return redirect("/", 303)  # type: ignore[return-value]
    return await page("pages/logout.html")


@bp.post("/logout")
async def logout() -> Response:
    """End this session on the server and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await end_session(services(), token)
    response = redirect_with_notice("/", "You have logged out.")
    clear_session_cookie(response)
    return response


async def _link_problem(exc: FediError, *, heading: str, **links: Any) -> Response:
    return await page(
        "pages/confirm.html", status=exc.status, heading=heading, message=exc.safe_message, **links
    )


@bp.get("/auth/confirm/<token>")
async def confirm(token: str) -> Response:
    """Follow the link from the confirmation mail."""
    try:
        user = await confirm_email(services(), token)
    except FediError as exc:
        return await _link_problem(exc, heading="This link does not work", resend_login="")
    if not user.approved:
        return redirect_with_notice(
            "/login",
            "Your e-mail address is confirmed. The moderators still need to approve your account.",
        )
    return redirect_with_notice("/login", "Your e-mail address is confirmed. You can log in now.")


@bp.post("/auth/confirm/resend")
async def confirm_resend() -> Response:
    """Send the confirmation mail again (the answer never reveals whether the account exists)."""
    form = await request.form
    await resend_confirmation(services(), form.get("login", ""))
    return await page(
        "pages/confirm.html",
        heading="Check your e-mail",
        message="If that account exists and is not confirmed yet, we sent a new confirmation "
        "link to its e-mail address.",
    )


@bp.get("/auth/password/forgot")
async def forgot_form() -> Response:
    """Ask for a password reset link."""
    return await page("pages/forgot_password.html", form={"email": ""}, errors={}, sent=False)


@bp.post("/auth/password/forgot")
async def forgot_submit() -> Response:
    """Mail a reset link if the address belongs to an account; the answer is always the same."""
    form = await request.form
    email = form.get("email", "")
    try:
        await request_password_reset(services(), email)
    except Invalid as exc:
        return await page(
            "pages/forgot_password.html",
            status=422,
            form={"email": email},
            errors=exc.field_errors,
            sent=False,
        )
    return await page("pages/forgot_password.html", form={"email": email}, errors={}, sent=True)


@bp.get("/auth/password/reset/<token>")
async def reset_form(token: str) -> Response:
    """Choose a new password (if the link is still valid)."""
    try:
        await check_reset_token(services(), token)
    except FediError as exc:
        return await page("pages/reset_password.html", status=exc.status, problem=exc.safe_message)
    return await page("pages/reset_password.html", token=token, errors={}, problem="")


@bp.post("/auth/password/reset/<token>")
async def reset_submit(token: str) -> Response:
    """Set the new password; every session ends; then log in."""
    form = await request.form
    try:
        await reset_password(
            services(),
            token,
            password=form.get("password", ""),
            password_confirmation=form.get("password_confirmation", ""),
        )
    except Invalid as exc:
        return await page(
            "pages/reset_password.html",
            status=422,
            token=token,
            errors=exc.field_errors,
            problem="",
        )
    except FediError as exc:
        return await page("pages/reset_password.html", status=exc.status, problem=exc.safe_message)
    response = redirect_with_notice(
        "/login", "Your password has been changed. Log in with the new one."
    )
    clear_session_cookie(response)
    return response
