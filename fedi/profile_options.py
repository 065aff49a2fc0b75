"""Profile options beyond the profile text: a bot account (actor type `Service`), indexable
posts, hidden follower/following lists, and the posting defaults (media sensitive, language).

Shared by Settings → Profile and `PATCH /api/v1/accounts/update_credentials`; the profile text
and images are saved by their own use case (`fedi.media.avatars.save_profile`) first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.instance_info import LANGUAGES
from fedi.media.avatars import ProfileImages, save_profile
from fedi.oauth.tokens import forget_account
from fedi.outbox import federate
from fedi.outbox.profile import ProfileEdit, check_profile_edit
from fedi.storage import accounts as account_store
from fedi.storage import users as user_store
from fedi.storage.profile_options import update_profile_options
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

UNKNOWN_LANGUAGE = "Choose one of the listed languages."


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileOptions:
    """A change of options; None leaves an option as it is (`language=""`: none)."""

    bot: bool | None = None
    indexable: bool | None = None
    hide_collections: bool | None = None
    sensitive: bool | None = None
    language: str | None = None


def check_profile_options(options: ProfileOptions, *, language_field: str) -> dict[str, str]:
    """Field errors of an options change (the language must be one we offer), keyed as the
    caller names the language field."""
    language = (options.language or "").strip().lower()
    if language and language not in LANGUAGES:
        return {language_field: UNKNOWN_LANGUAGE}
    return {}


def indexable_of(account: Account) -> bool:
    """Whether the account's public posts may be indexed (as discoverable until set)."""
    return bool(account.discoverable if account.indexable is None else account.indexable)


async def save_profile_options(
    svc: Services, viewer: Viewer, options: ProfileOptions, *, language_field: str = "language"
) -> Account:
    """Store the viewer's options in one transaction; an Update of the actor goes to remote
    followers when what other servers see changed (bot, indexable). Invalid for an unknown
    language (keyed `language_field`)."""
    errors = check_profile_options(options, language_field=language_field)
    if errors:
        raise Invalid(field_errors=errors)
    async with svc.db.write() as tx:
        account = await account_store.get_account(tx, viewer.id)
        user = await user_store.get_user(tx, viewer.id)
        if account is None or user is None:
            raise NotFound("Record not found")
        was_bot = account.actor_type in ("Service", "Application")
        bot = was_bot if options.bot is None else options.bot
        indexable = indexable_of(account) if options.indexable is None else options.indexable
        hidden = (
            bool(account.hide_collections)
            if options.hide_collections is None
            else options.hide_collections
        )
        sensitive = bool(user.default_sensitive) if options.sensitive is None else options.sensitive
        language = (
            user.default_language if options.language is None else options.language.strip().lower()
        )
        await update_profile_options(
            tx,
            viewer.id,
            bot=bot,
            indexable=indexable,
            hide_collections=hidden,
            default_sensitive=sensitive,
            default_language=language,
        )
        changed = await account_store.get_account(tx, viewer.id)
        assert changed is not None
        # API requests carry the account and user cached with the token: refresh them.
        tx.on_commit(lambda: forget_account(svc, viewer.id))
        if bot != was_bot or indexable != indexable_of(account):
            await federate.federate_profile_update(svc, tx, changed)
    logger.info("profile options account=%s bot=%s hidden=%s", viewer.id, bot, hidden)
    return changed


async def save_profile_with_options(
    svc: Services,
    viewer: Viewer,
    edit: ProfileEdit,
    images: ProfileImages,
    options: ProfileOptions,
    *,
    language_field: str = "default_language",
) -> Account:
    """Settings → Profile: the text, images and options, all checked before anything is saved
    (Invalid with every field's error); then the profile (`save_profile`) and the options."""
    errors = check_profile_options(options, language_field=language_field)
    if errors:
        errors.update(check_profile_edit(edit))
        raise Invalid(field_errors=errors)
    saved = await save_profile(svc, viewer, edit, images)
    if options == ProfileOptions():
        return saved
    return await save_profile_options(svc, viewer, options, language_field=language_field)
