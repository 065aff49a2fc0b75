"""What this instance is, for the client API's instance documents: real usage counts, the
contact account, peers, weekly activity, the limits clients must respect."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fedi
from fedi.context import Services
from fedi.outbox import profile
from fedi.polls.rules import POLL_MAX_CHARACTERS_PER_OPTION as POLL_MAX_CHARACTERS_PER_OPTION
from fedi.polls.rules import POLL_MAX_EXPIRATION as POLL_MAX_EXPIRATION
from fedi.polls.rules import POLL_MAX_OPTIONS as POLL_MAX_OPTIONS
from fedi.polls.rules import POLL_MIN_EXPIRATION as POLL_MIN_EXPIRATION
from fedi.storage import accounts as account_store
from fedi.storage import posts as post_store
from fedi.storage import users as user_store
from fedi.storage.clock import db_in
from fedi.storage.rows import Account, User

SOFTWARE = "fedi"
# Interop: clients parse the leading N.N.N (Mastodon.py fails on anything else) and pick
# endpoints by it; 4.2.0 until grouped notifications exist (reference section 4).
MASTODON_COMPAT = "4.2.0"
ACTIVE_MONTH = timedelta(days=30)
ACTIVITY_WEEKS = 12
FACTS_CACHE_SECONDS = 60.0
FACTS_KEY = "instance_facts"

# Mastodon's defaults for what we do not configure (yet).
MAX_MEDIA_ATTACHMENTS = 4
CHARACTERS_RESERVED_PER_URL = 23
MAX_PINNED_STATUSES = 5
MAX_FEATURED_TAGS = 10
DESCRIPTION_LIMIT = 1500
VIDEO_FRAME_RATE_LIMIT = 120
VIDEO_MATRIX_LIMIT = 8_294_400
# What uploads are recognised as (fedi/media/sniff.py decides from the bytes).
SUPPORTED_MIME_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "audio/mpeg",
    "audio/mp3",
    "audio/ogg",
    "audio/wav",
    "audio/wave",
    "audio/flac",
    "audio/mp4",
    "audio/x-m4a",
)
# ISO 639-1 codes offered for posts (`/api/v1/instance/languages`).
LANGUAGES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ka": "Georgian",
    "kk": "Kazakh",
    "ko": "Korean",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceFacts:
    """Usage counts and the contact account (read together, cached for a minute)."""

    user_count: int
    status_count: int
    domain_count: int
    active_month: int
    contact: Account | None
    contact_user: User | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekActivity:
    """One week of `/api/v1/instance/activity`."""

    week_start: int
    statuses: int
    logins: int
    registrations: int


def version_string() -> str:
    """`4.2.0 (compatible; fedi x.y.z)`: what the API reports as `version`."""
    return f"{MASTODON_COMPAT} (compatible; {SOFTWARE} {fedi.__version__})"


def streaming_origin(svc: Services) -> str:
    """Our own origin with the WebSocket scheme (streaming is served by this process)."""
    base = svc.base_url
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :]
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :]
    return base


async def instance_facts(svc: Services) -> InstanceFacts:
    """Local users, local posts, known domains, monthly actives and the first admin."""
    cached: tuple[float, InstanceFacts] | None = svc.extras.get(FACTS_KEY)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    async with svc.db.read() as conn:
        users = await account_store.count_local_accounts(conn)
        statuses = await post_store.count_local_posts(conn)
        domains = await account_store.count_known_domains(conn)
        active = await user_store.count_active_users(conn, since=db_in(-ACTIVE_MONTH))
        admin = await user_store.get_first_admin(conn)
    facts = InstanceFacts(
        user_count=users,
        status_count=statuses,
        domain_count=domains,
        active_month=active,
        contact=admin[1] if admin else None,
        contact_user=admin[0] if admin else None,
    )
    svc.extras[FACTS_KEY] = (now + FACTS_CACHE_SECONDS, facts)
    return facts


async def known_peers(svc: Services) -> list[str]:
    """Domains of the other servers we know accounts of."""
    async with svc.db.read() as conn:
        return await account_store.list_known_domains(conn)


def _monday(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


async def weekly_activity(svc: Services, *, weeks: int = ACTIVITY_WEEKS) -> list[WeekActivity]:
    """The last `weeks` weeks (this one first): local posts, users who logged in, sign-ups."""
    this_week = _monday(datetime.now(UTC))
    first = this_week - timedelta(weeks=weeks - 1)
    async with svc.db.read() as conn:
        counts = await user_store.count_weekly_activity(
            conn, since=first.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        )
    result = []
    for index in range(weeks):
        start = this_week - timedelta(weeks=index)
        statuses, logins, registrations = counts.get(start.strftime("%Y-%m-%d"), (0, 0, 0))
        result.append(
            WeekActivity(
                week_start=int(start.timestamp()),
                statuses=statuses,
                logins=logins,
                registrations=registrations,
            )
        )
    return result


def profile_limits() -> dict[str, int]:
    """The profile limits the settings page and update_credentials enforce."""
    return {
        "max_profile_fields": profile.MAX_FIELDS,
        "profile_field_name_limit": profile.MAX_FIELD_NAME,
        "profile_field_value_limit": profile.MAX_FIELD_VALUE,
        "max_display_name_length": profile.MAX_DISPLAY_NAME,
        "max_note_length": profile.MAX_BIO,
    }
