"""Settings → Notifications (`/settings/notifications`: the notification policy) and the filtered
notifications pages (`/notifications/requests`, one sender's at `/notifications/requests/<id>`)
with their Accept and Dismiss buttons."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi import notification_policy as policy
from fedi.errors import Invalid
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("notification_requests", __name__)

SETTINGS_PATH = "/settings/notifications"
REQUESTS_PATH = "/notifications/requests"
CHOICES = [
    ("accept", "Accept: show them as usual"),
    ("filter", "Filter: keep them under Filtered notifications"),
    ("drop", "Ignore: never show them"),
]
LABELS = {
    "for_not_following": (
        "People you don't follow",
        "Accounts you do not follow.",
    ),
    "for_not_followers": (
        "People not following you",
        "Accounts that do not follow you, or have followed you for less than 3 days.",
    ),
    "for_new_accounts": (
        "New accounts",
        "Accounts created within the past 30 days.",
    ),
    "for_private_mentions": (
        "Unsolicited private mentions",
        "Mentions-only posts from people you don't follow, unless they answer your own "
        "private mention.",
    ),
    "for_limited_accounts": (
        "Moderated accounts",
        "Accounts limited by the server's moderators. This server cannot limit accounts yet, "
        "so for now this concerns nobody.",
    ),
}


def _max_id() -> int | None:
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


async def _settings_page(
    settings: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return await page(
        "pages/settings_notifications.html",
        status=status,
        settings=settings,
        errors=errors,
        labels=LABELS,
        choices=CHOICES,
    )


@bp.get(SETTINGS_PATH)
@login_required
async def settings() -> Response:
    """Settings → Notifications: the policy form."""
    found = await policy.get_policy(services(), require_viewer().id)
    return await _settings_page(found.settings, {})


@bp.post(SETTINGS_PATH)
@login_required
async def save_settings() -> Response:
    """Save the policy; a refused value shows by its field (422)."""
    form = await request.form
    changes = {name: form[name] for name in policy.SETTINGS if name in form}
    try:
        await policy.update_policy(services(), require_viewer().id, changes)
    except Invalid as exc:
        current = await policy.get_policy(services(), require_viewer().id)
        return await _settings_page({**current.settings, **changes}, exc.field_errors, status=422)
    return redirect_with_notice(SETTINGS_PATH, "Your notification settings are saved.")


@bp.get(REQUESTS_PATH)
@login_required
async def requests() -> Response:
    """Filtered notifications: one entry per sender, newest first."""
    cards, next_max_id = await policy.request_cards(services(), require_viewer().id, _max_id())
    next_url = None if next_max_id is None else f"{REQUESTS_PATH}?max_id={next_max_id}"
    return await page("pages/notification_requests.html", cards=cards, next_url=next_url)


@bp.get(f"{REQUESTS_PATH}/<int:request_id>")
@login_required
async def one_request(request_id: int) -> Response:
    """One sender's filtered notifications."""
    found = await policy.request_page(services(), require_viewer().id, request_id)
    return await page("pages/notification_request.html", found=found)


@bp.post(f"{REQUESTS_PATH}/<int:request_id>/accept")
@login_required
async def accept(request_id: int) -> Response:
    """Accept a request and go back to the list."""
    await policy.accept_request(services(), require_viewer().id, request_id)
    return redirect_with_notice(
        REQUESTS_PATH, "Accepted: those notifications are in your list, and new ones will be too."
    )


@bp.post(f"{REQUESTS_PATH}/<int:request_id>/dismiss")
@login_required
async def dismiss(request_id: int) -> Response:
    """Dismiss a request and go back to the list."""
    await policy.dismiss_request(services(), require_viewer().id, request_id)
    return redirect_with_notice(REQUESTS_PATH, "Dismissed: those notifications are deleted.")
