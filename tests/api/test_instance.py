"""The instance documents and their companions, as apps read them before and after login."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import fedi
from fedi.app import create_app
from fedi.instance_info import FACTS_KEY
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage.remote_accounts import RemoteAccountFields, upsert_remote_account
from tests.api.tokens import bearer
from tests.conftest import make_config
from tests.factories import make_user

VERSION = f"4.2.0 (compatible; fedi {fedi.__version__})"


async def get_json(client: Any, path: str, **kwargs: Any) -> Any:
    response = await client.get(path, **kwargs)
    assert response.status_code == 200, await response.get_data(as_text=True)
    assert response.content_type.startswith("application/json")
    return await response.get_json()


async def test_v1_instance_has_every_field_with_real_stats(client, svc):
    """v1 names the domain, version, streaming origin, real counts and the configured limits."""
    _, admin = await make_user(svc, "hilda", role="admin")
    await make_user(svc, "alice")
    await create_post(svc, admin, PostDraft(text="hello"))
    svc.extras.pop(FACTS_KEY, None)
    body = await get_json(client, "/api/v1/instance")
    assert body["uri"] == "localhost" and body["title"] == "fedi"
    assert body["version"] == VERSION
    assert re.match(r"^\d+\.\d+\.\d+ ", body["version"])
    assert body["urls"] == {"streaming_api": "ws://localhost"}
    assert body["stats"] == {"user_count": 2, "status_count": 1, "domain_count": 0}
    for key in ("short_description", "description", "email", "thumbnail"):
        assert isinstance(body[key], str)
    assert body["languages"] == ["en"]
    assert body["registrations"] is True and body["approval_required"] is False
    assert body["invites_enabled"] is False and body["rules"] == []
    config = body["configuration"]
    assert config["statuses"] == {
        "max_characters": 500,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }
    media = config["media_attachments"]
    assert media["image_size_limit"] == svc.config.media.max_image_bytes
    assert media["video_size_limit"] == svc.config.media.max_video_bytes
    assert media["image_matrix_limit"] == svc.config.media.max_image_pixels
    assert "image/jpeg" in media["supported_mime_types"]
    assert set(config["polls"]) == {
        "max_options",
        "max_characters_per_option",
        "min_expiration",
        "max_expiration",
    }
    assert set(config["accounts"]) == {"max_featured_tags", "max_pinned_statuses"}
    contact = body["contact_account"]
    assert contact["username"] == "hilda" and contact["id"] == str(admin.id)


async def test_v2_instance_has_what_strict_apps_require(client, svc):
    """v2 carries domain, version, thumbnail, registrations, contact, streaming URL and limits."""
    body = await get_json(client, "/api/v2/instance")
    assert body["domain"] == "localhost" and body["title"] == "fedi"
    assert body["version"] == VERSION and body["api_versions"] == {"mastodon": 1}
    assert body["thumbnail"]["url"].startswith("http://localhost/")
    assert body["usage"] == {"users": {"active_month": 0}}
    assert body["registrations"] == {
        "enabled": True,
        "approval_required": False,
        "reason_required": False,
        "message": None,
        "min_age": None,
        "url": None,
    }
    assert body["contact"] == {"email": "", "account": None}
    config = body["configuration"]
    assert config["urls"]["streaming"] == "ws://localhost"
    assert config["statuses"]["max_characters"] == 500
    assert config["media_attachments"]["description_limit"] == 1500
    assert config["accounts"]["max_featured_tags"] == 10
    assert config["accounts"]["max_profile_fields"] == 4
    assert config["translation"] == {"enabled": False}
    assert len(config["vapid"]["public_key"]) == 87  # the VAPID key: a P-256 point, base64url
    assert set(config["polls"]) == {
        "max_options",
        "max_characters_per_option",
        "min_expiration",
        "max_expiration",
    }
    assert body["rules"] == [] and isinstance(body["description"], str)


async def test_instance_settings_follow_the_config(tmp_path: Path):
    """Registrations, limits, contact e-mail and https/wss come from the configuration."""
    config = make_config(
        tmp_path,
        instance={
            "domain": "social.example",
            "name": "Example Social",
            "registrations": "approval",
            "max_post_chars": 1000,
            "contact_email": "admins@social.example",
        },
        server={"scheme": "https"},
        media={"max_image_bytes": 1_000_000},
    )
    app = create_app(config, start_workers=False)
    async with app.test_app():
        client = app.test_client()
        v1 = await get_json(client, "/api/v1/instance/")
        v2 = await get_json(client, "/api/v2/instance/")
    assert v1["uri"] == "social.example" and v1["title"] == "Example Social"
    assert v1["urls"]["streaming_api"] == "wss://social.example"
    assert v1["approval_required"] is True and v1["email"] == "admins@social.example"
    assert v1["configuration"]["statuses"]["max_characters"] == 1000
    assert v1["configuration"]["media_attachments"]["image_size_limit"] == 1_000_000
    assert v2["configuration"]["urls"]["streaming"] == "wss://social.example"
    assert v2["registrations"]["approval_required"] is True
    assert v2["contact"]["email"] == "admins@social.example"


async def test_closed_registrations(tmp_path: Path):
    """With sign-ups closed both documents say registrations are off."""
    app = create_app(
        make_config(tmp_path, instance={"registrations": "closed"}), start_workers=False
    )
    async with app.test_app():
        client = app.test_client()
        v1 = await get_json(client, "/api/v1/instance")
        v2 = await get_json(client, "/api/v2/instance")
    assert v1["registrations"] is False and v2["registrations"]["enabled"] is False


async def test_instance_ignores_a_bad_token(client):
    """A stale token does not break the public instance document (apps send it anyway)."""
    body = await get_json(client, "/api/v1/instance", headers=bearer("stale-token"))
    assert body["uri"] == "localhost"


async def test_peers_lists_known_domains(client, svc):
    """peers lists the domains of remote accounts we know."""
    async with svc.db.write() as tx:
        for i, domain in enumerate(["b.example", "a.example", "b.example"]):
            fields = RemoteAccountFields(
                uri=f"https://{domain}/users/u{i}", username=f"u{i}", domain=domain
            )
            await upsert_remote_account(tx, fields)
    assert await get_json(client, "/api/v1/instance/peers") == ["a.example", "b.example"]
    svc.extras.pop(FACTS_KEY, None)
    stats = (await get_json(client, "/api/v1/instance"))["stats"]
    assert stats["domain_count"] == 2


async def test_activity_counts_this_week(client, svc):
    """activity has 12 weeks, newest first, numbers as strings, this week's posts and sign-ups."""
    _, alice = await make_user(svc, "alice")
    await create_post(svc, alice, PostDraft(text="one"))
    await create_post(svc, alice, PostDraft(text="two"))
    weeks = await get_json(client, "/api/v1/instance/activity")
    assert len(weeks) == 12
    first = weeks[0]
    assert set(first) == {"week", "statuses", "logins", "registrations"}
    assert all(isinstance(v, str) for v in first.values())
    assert first["statuses"] == "2" and first["registrations"] == "1"
    monday = datetime.fromtimestamp(int(first["week"]), UTC)
    assert monday.weekday() == 0 and monday.hour == 0
    assert int(weeks[1]["week"]) == int(first["week"]) - 7 * 86400


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/instance/rules", []),
        ("/api/v1/instance/domain_blocks", []),
        ("/api/v1/instance/translation_languages", {}),
        ("/api/v1/custom_emojis", []),
    ],
)
async def test_empty_companions(client, path, expected):
    """Rules, domain blocks, translations and custom emoji answer empty values, not 404."""
    assert await get_json(client, path) == expected


async def test_languages_and_texts(client):
    """languages lists codes with names; the description and privacy policy are HTML."""
    languages = await get_json(client, "/api/v1/instance/languages")
    assert {"code": "en", "name": "English"} in languages
    extended = await get_json(client, "/api/v1/instance/extended_description")
    assert extended["content"] == "<p>A small corner of the fediverse.</p>"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", extended["updated_at"])
    policy = await get_json(client, "/api/v1/instance/privacy_policy")
    assert "has not published a privacy policy yet" in policy["content"]
