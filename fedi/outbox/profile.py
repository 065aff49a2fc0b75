"""Editing one's own profile: display name, bio, profile fields, locked, discoverable, defaults."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from fedi.accounts.sessions import Viewer
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Invalid
from fedi.outbox import federate
from fedi.outbox.interactions import accept_all_pending
from fedi.storage import accounts as account_store
from fedi.storage import users as user_store
from fedi.storage.rows import Account
from fedi.text import count_length, extract_mentions, render_local

logger = logging.getLogger(__name__)

MAX_DISPLAY_NAME = 30
MAX_BIO = 500
MAX_FIELDS = 4
MAX_FIELD_NAME = 255
MAX_FIELD_VALUE = 255
VISIBILITIES = ("public", "unlisted", "private", "direct")
_WRAPPING_P = re.compile(r"^<p>(?P<inner>.*)</p>$", re.DOTALL)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldInput:
    """One profile field as typed: a label and a value (plain text with optional links)."""

    name: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEdit:
    """Everything the profile settings form (and later the API) can change at once."""

    display_name: str = ""
    note: str = ""
    fields: tuple[FieldInput, ...] = ()
    locked: bool = False
    discoverable: bool = True
    default_visibility: str = "public"


def check_profile_edit(edit: ProfileEdit) -> dict[str, str]:
    """Field errors for a profile edit (no database checks); keys match the form's fields."""
    errors: dict[str, str] = {}
    if len(edit.display_name.strip()) > MAX_DISPLAY_NAME:
        errors["display_name"] = (
            f"Display names can be at most {MAX_DISPLAY_NAME} characters"
            f" (this one has {len(edit.display_name.strip())})."
        )
    bio_length = count_length(edit.note.strip())
    if bio_length > MAX_BIO:
        errors["note"] = f"Your bio is {bio_length} characters; the limit is {MAX_BIO}."
    filled = [(i, f) for i, f in enumerate(edit.fields) if f.name.strip() or f.value.strip()]
    if len(filled) > MAX_FIELDS:
        errors["fields"] = f"You can have at most {MAX_FIELDS} profile fields."
    for i, f in filled:
        if not f.name.strip():
            errors[f"fields_{i}_name"] = "Give this field a label."
        elif len(f.name.strip()) > MAX_FIELD_NAME:
            errors[f"fields_{i}_name"] = f"Labels can be at most {MAX_FIELD_NAME} characters."
        if len(f.value.strip()) > MAX_FIELD_VALUE:
            errors[f"fields_{i}_value"] = f"Values can be at most {MAX_FIELD_VALUE} characters."
    if edit.default_visibility not in VISIBILITIES:
        errors["default_visibility"] = "Choose one of the listed post visibilities."
    return errors


async def update_profile(svc: Services, viewer: Viewer, edit: ProfileEdit) -> Account:
    """Validate and save the viewer's profile in one transaction; return the updated account.

    The bio and field values are rendered to sanitized HTML once, here (mentions of local accounts
    and hashtags linked). Turning `locked` off accepts every pending follow request in the same
    transaction (as Mastodon does). Raises Invalid with errors keyed by form field.
    """
    errors = check_profile_edit(edit)
    if errors:
        raise Invalid(field_errors=errors)
    note = edit.note.strip()
    fields = [f for f in edit.fields if f.name.strip() or f.value.strip()]
    sources = [note, *(f.value for f in fields)]
    mention_urls = await _mention_urls(svc, sources)
    uris = Uris(svc.base_url)

    def render(source: str) -> str:
        return render_local(source, mention_urls=mention_urls, tag_url=uris.tag)

    fields_json = json.dumps(
        [
            {
                "name": f.name.strip(),
                "value": f.value.strip(),
                "value_html": _inline(render(f.value.strip())),
            }
            for f in fields
        ],
        ensure_ascii=False,
    )
    async with svc.db.write() as tx:
        before = await account_store.get_account(tx, viewer.id)
        await account_store.update_account(
            tx,
            viewer.id,
            display_name=edit.display_name.strip(),
            note_source=note,
            note_html=render(note) if note else "",
            fields_json=fields_json,
            locked=int(edit.locked),
            discoverable=int(edit.discoverable),
        )
        await user_store.update_user(tx, viewer.user.id, default_visibility=edit.default_visibility)
        approved = 0
        if before is not None and before.locked and not edit.locked:
            approved = await accept_all_pending(svc, tx, viewer.id)
        account = await account_store.get_account(tx, viewer.id)
        assert account is not None
        await federate.federate_profile_update(svc, tx, account)
    logger.info("profile updated account=%s auto_approved=%d", viewer.id, approved)
    return account


def _inline(html: str) -> str:
    """A one-line field value: the single paragraph Markdown wraps it in is removed."""
    match = _WRAPPING_P.match(html)
    return match["inner"] if match and "<p>" not in match["inner"] else html


async def _mention_urls(svc: Services, sources: list[str]) -> dict[str, str]:
    """Profile URLs of the local accounts mentioned (`@bob` or `@bob@<our domain>`), by acct."""
    domain = svc.config.instance.domain.lower()
    refs = [m for s in sources if s for m in extract_mentions(s) if m.domain in (None, domain)]
    if not refs:
        return {}
    async with svc.db.read() as conn:
        found = await account_store.get_local_accounts_by_usernames(
            conn, sorted({m.username for m in refs})
        )
    uris = Uris(svc.base_url)
    return {
        m.acct: uris.profile(found[m.username.lower()].username)
        for m in refs
        if m.username.lower() in found
    }
