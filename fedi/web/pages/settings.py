"""Settings → Profile (`/settings`): display name, bio, profile fields, privacy, default visibility."""

from __future__ import annotations

import re
from typing import Any

from quart import Blueprint, Response, request

from fedi.accounts.sessions import Viewer
from fedi.errors import Invalid
from fedi.instance_info import LANGUAGES
from fedi.media.avatars import ImageChange, ProfileImages
from fedi.outbox.profile import MAX_FIELDS, FieldInput, ProfileEdit
from fedi.profile_options import ProfileOptions, indexable_of, save_profile_with_options
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("settings_profile", __name__)

_FIELD_KEY = re.compile(r"^fields_(\d{1,2})_(name|value)$")
VISIBILITY_OPTIONS = [
    ("public", "Public — everyone, shown in public timelines"),
    ("unlisted", "Unlisted — everyone, but not in public timelines"),
    ("private", "Followers only"),
    ("direct", "Mentioned people only"),
]


def _form_from_viewer(current: Viewer) -> dict[str, Any]:
    account = current.account
    return {
        "display_name": account.display_name,
        "note": account.note_source,
        "fields": [
            FieldInput(name=str(f.get("name", "")), value=str(f.get("value", "")))
            for f in account.fields
        ],
        "locked": bool(account.locked),
        "discoverable": bool(account.discoverable),
        "default_visibility": current.user.default_visibility,
        "bot": account.actor_type in ("Service", "Application"),
        "indexable": indexable_of(account),
        "hide_collections": bool(account.hide_collections),
        "default_sensitive": bool(current.user.default_sensitive),
        "default_language": current.user.default_language,
        "avatar_description": account.avatar_description,
        "header_description": account.header_description,
    }


def _edit_from_form(form: Any) -> ProfileEdit:
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        match = _FIELD_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = form.get(key, "")
    return ProfileEdit(
        display_name=form.get("display_name", ""),
        note=form.get("note", ""),
        fields=tuple(
            FieldInput(name=rows[i].get("name", ""), value=rows[i].get("value", ""))
            for i in sorted(rows)
        ),
        locked=form.get("locked") == "on",
        discoverable=form.get("discoverable") == "on",
        default_visibility=form.get("default_visibility", "public"),
    )


def _options_from_form(form: Any) -> ProfileOptions:
    """The checkboxes and language select of `fedi.profile_options` (unchecked is off)."""
    return ProfileOptions(
        bot=form.get("bot") == "on",
        indexable=form.get("indexable") == "on",
        hide_collections=form.get("hide_collections") == "on",
        sensitive=form.get("default_sensitive") == "on",
        language=form.get("default_language", ""),
    )


async def _images_from_form(form: Any) -> ProfileImages:
    """Avatar and header: a new file (if one was chosen), alt text, or removal."""
    files = await request.files
    changes = {}
    for slot in ("avatar", "header"):
        upload = files.get(slot)
        changes[slot] = ImageChange(
            data=upload.read() if upload is not None and upload.filename else None,
            filename=upload.filename if upload is not None and upload.filename else "",
            description=form.get(f"{slot}_description"),
            remove=form.get(f"remove_{slot}") == "on",
        )
    return ProfileImages(**changes)


async def _render(form: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    fields = list(form["fields"])
    rows = fields + [FieldInput()] * max(0, MAX_FIELDS - len(fields))
    return await page(
        "pages/settings_profile.html",
        status=status,
        form=form,
        field_rows=rows,
        errors=errors,
        visibility_options=VISIBILITY_OPTIONS,
        language_options=[("", "Not set"), *sorted(LANGUAGES.items(), key=lambda kv: kv[1])],
        max_fields=MAX_FIELDS,
    )


@bp.get("/settings")
@login_required
async def edit_profile() -> Response:
    return await _render(_form_from_viewer(require_viewer()), {})


@bp.post("/settings")
async def save_profile() -> Response:
    current = require_viewer()
    data = await request.form
    edit = _edit_from_form(data)
    images = await _images_from_form(data)
    options = _options_from_form(data)
    try:
        await save_profile_with_options(services(), current, edit, images, options)
    except Invalid as exc:
        form = {
            "display_name": edit.display_name,
            "note": edit.note,
            "fields": list(edit.fields),
            "locked": edit.locked,
            "discoverable": edit.discoverable,
            "default_visibility": edit.default_visibility,
            "bot": options.bot,
            "indexable": options.indexable,
            "hide_collections": options.hide_collections,
            "default_sensitive": options.sensitive,
            "default_language": options.language,
            "avatar_description": images.avatar.description or "",
            "header_description": images.header.description or "",
        }
        return await _render(form, exc.field_errors or {"_form": exc.safe_message}, status=422)
    return redirect_with_notice("/settings", "Profile saved.")
