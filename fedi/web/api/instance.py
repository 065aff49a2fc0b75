"""The instance documents (`/api/v1/instance`, `/api/v2/instance`) and their small companions.

Public endpoints: a token is not needed, and one that does not work is ignored (as Mastodon
does), since apps ask for these before and during login.

Interop: Ice Cubes cannot start a login without a decodable v2 document (with `configuration`,
`thumbnail`, `contact.email`, `registrations.enabled`); toot and Mastodon.py need v1's `uri` and
`version`; Elk and Phanpy take the streaming origin from `configuration.urls.streaming`.
"""

from __future__ import annotations

import html
from typing import Any

from quart import Blueprint, Response

from fedi.config import Config
from fedi.context import Services
from fedi.instance_info import (
    CHARACTERS_RESERVED_PER_URL,
    DESCRIPTION_LIMIT,
    LANGUAGES,
    MAX_FEATURED_TAGS,
    MAX_MEDIA_ATTACHMENTS,
    MAX_PINNED_STATUSES,
    POLL_MAX_CHARACTERS_PER_OPTION,
    POLL_MAX_EXPIRATION,
    POLL_MAX_OPTIONS,
    POLL_MIN_EXPIRATION,
    SUPPORTED_MIME_TYPES,
    VIDEO_FRAME_RATE_LIMIT,
    VIDEO_MATRIX_LIMIT,
    InstanceFacts,
    instance_facts,
    known_peers,
    profile_limits,
    streaming_origin,
    version_string,
    weekly_activity,
)
from fedi.nodeinfo import SOFTWARE_REPOSITORY
from fedi.push.vapid import vapid_public_key
from fedi.web.api.entities import account_entities
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_instance", __name__)

THUMBNAIL = "/static/favicon.svg"
# When the instance texts last changed: they come from the config file, read at start.
TEXTS_UPDATED_AT = "1970-01-01T00:00:00.000Z"


def _statuses_limits(config: Config) -> dict[str, int]:
    return {
        "max_characters": config.instance.max_post_chars,
        "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
        "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL,
    }


def _media_limits(config: Config) -> dict[str, Any]:
    media = config.media
    return {
        "supported_mime_types": list(SUPPORTED_MIME_TYPES),
        "image_size_limit": media.max_image_bytes,
        "image_matrix_limit": media.max_image_pixels,
        "video_size_limit": media.max_video_bytes,
        "video_frame_rate_limit": VIDEO_FRAME_RATE_LIMIT,
        "video_matrix_limit": VIDEO_MATRIX_LIMIT,
    }


def _poll_limits() -> dict[str, int]:
    return {
        "max_options": POLL_MAX_OPTIONS,
        "max_characters_per_option": POLL_MAX_CHARACTERS_PER_OPTION,
        "min_expiration": POLL_MIN_EXPIRATION,
        "max_expiration": POLL_MAX_EXPIRATION,
    }


async def _contact_account(svc: Services, facts: InstanceFacts) -> dict[str, Any] | None:
    if facts.contact is None:
        return None
    return (await account_entities(svc, None, [facts.contact]))[0]


def _contact_email(svc: Services) -> str:
    return svc.config.instance.contact_email or ""


def instance_v1_document(
    svc: Services, facts: InstanceFacts, contact: dict[str, Any] | None
) -> dict[str, Any]:
    """The v1 Instance entity (reference §6.9)."""
    config = svc.config
    mode = config.instance.registrations
    return {
        "uri": config.instance.domain,
        "title": config.instance.name,
        "short_description": config.instance.description,
        "description": config.instance.description,
        "email": _contact_email(svc),
        "version": version_string(),
        "urls": {"streaming_api": streaming_origin(svc)},
        "stats": {
            "user_count": facts.user_count,
            "status_count": facts.status_count,
            "domain_count": facts.domain_count,
        },
        "thumbnail": svc.url(THUMBNAIL),
        "languages": ["en"],
        "registrations": mode != "closed",
        "approval_required": mode == "approval",
        "invites_enabled": mode == "invite",
        "configuration": {
            "accounts": {
                "max_featured_tags": MAX_FEATURED_TAGS,
                "max_pinned_statuses": MAX_PINNED_STATUSES,
            },
            "statuses": _statuses_limits(config),
            "media_attachments": _media_limits(config),
            "polls": _poll_limits(),
        },
        "contact_account": contact,
        "rules": [],
    }


def instance_v2_document(
    svc: Services, facts: InstanceFacts, contact: dict[str, Any] | None, *, vapid_key: str = ""
) -> dict[str, Any]:
    """The v2 Instance entity (reference §6.10)."""
    config = svc.config
    mode = config.instance.registrations
    everyone = {"local": "public", "remote": "public"}
    return {
        "domain": config.instance.domain,
        "title": config.instance.name,
        "version": version_string(),
        "source_url": SOFTWARE_REPOSITORY or svc.url("/"),
        "description": config.instance.description,
        "usage": {"users": {"active_month": facts.active_month}},
        "thumbnail": {"url": svc.url(THUMBNAIL)},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {
                "streaming": streaming_origin(svc),
                "status": None,
                "about": svc.url("/"),
                "privacy_policy": None,
                "terms_of_service": None,
            },
            "vapid": {"public_key": vapid_key},
            "accounts": {
                "max_featured_tags": MAX_FEATURED_TAGS,
                "max_pinned_statuses": MAX_PINNED_STATUSES,
                **profile_limits(),
            },
            "statuses": _statuses_limits(config),
            "media_attachments": {
                **_media_limits(config),
                "description_limit": DESCRIPTION_LIMIT,
            },
            "polls": _poll_limits(),
            "translation": {"enabled": False},
            "timelines_access": {
                "live_feeds": everyone,
                "hashtag_feeds": everyone,
                "trending_link_feeds": everyone,
            },
            "limited_federation": False,
        },
        "registrations": {
            "enabled": mode != "closed",
            "approval_required": mode == "approval",
            "reason_required": mode == "approval",
            "message": None,
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": 1},
        "contact": {"email": _contact_email(svc), "account": contact},
        "rules": [],
    }


@bp.get("/api/v1/instance")
async def instance_v1() -> Response:
    """The v1 instance document (toot, Mastodon.py, the official iOS app)."""
    svc = services()
    facts = await instance_facts(svc)
    return api_json(instance_v1_document(svc, facts, await _contact_account(svc, facts)))


@bp.get("/api/v2/instance")
async def instance_v2() -> Response:
    """The v2 instance document (Ice Cubes, Tusky, Elk, Phanpy, the official Android app)."""
    svc = services()
    facts = await instance_facts(svc)
    contact = await _contact_account(svc, facts)
    return api_json(
        instance_v2_document(svc, facts, contact, vapid_key=await vapid_public_key(svc))
    )


@bp.get("/api/v1/instance/peers")
async def peers() -> Response:
    """Domains of the other servers this one knows accounts of."""
    return api_json(await known_peers(services()))


@bp.get("/api/v1/instance/activity")
async def activity() -> Response:
    """Local posts, logins and sign-ups per week for the last 12 weeks (numbers as strings)."""
    weeks = await weekly_activity(services())
    return api_json(
        [
            {
                "week": str(w.week_start),
                "statuses": str(w.statuses),
                "logins": str(w.logins),
                "registrations": str(w.registrations),
            }
            for w in weeks
        ]
    )


@bp.get("/api/v1/instance/rules")
async def rules() -> Response:
    """Server rules (none are configured yet)."""
    return api_json([])


@bp.get("/api/v1/instance/languages")
async def languages() -> Response:
    """Languages a post may be tagged with."""
    return api_json([{"code": code, "name": name} for code, name in LANGUAGES.items()])


@bp.get("/api/v1/instance/translation_languages")
async def translation_languages() -> Response:
    """Translation pairs: none (this server does not translate)."""
    return api_json({})


@bp.get("/api/v1/instance/extended_description")
async def extended_description() -> Response:
    """The instance description as HTML."""
    text = services().config.instance.description
    return api_json(
        {"updated_at": TEXTS_UPDATED_AT, "content": f"<p>{html.escape(text)}</p>" if text else ""}
    )


@bp.get("/api/v1/instance/privacy_policy")
async def privacy_policy() -> Response:
    """The privacy policy; none has been written for this server yet, and it says so."""
    svc = services()
    email = svc.config.instance.contact_email
    contact = f" Contact the administrators at {html.escape(email)}." if email else ""
    content = (
        f"<p>{html.escape(svc.config.instance.name)} has not published a privacy policy yet."
        f"{contact}</p>"
    )
    return api_json({"updated_at": TEXTS_UPDATED_AT, "content": content})


@bp.get("/api/v1/instance/domain_blocks")
async def domain_blocks() -> Response:
    """Blocked domains shown to the public: none are published."""
    return api_json([])


@bp.get("/api/v1/custom_emojis")
async def custom_emojis() -> Response:
    """Custom emoji: this server has none."""
    return api_json([])
