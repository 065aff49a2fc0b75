"""Web Push through the client API: subscriptions per token, and notifications delivered
encrypted and VAPID-signed to a push service on loopback (standing for autopush or FCM)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mastodon import Mastodon

from fedi.app import create_app
from fedi.context import Services
from fedi.push.encrypt import b64url_decode
from fedi.push.subscriptions import ALERT_TYPES
from fedi.storage import push as push_store
from fedi.storage.rows import Account
from tests.api.tokens import bearer, make_token
from tests.conftest import make_config
from tests.factories import PASSWORD, make_user
from tests.fakes.push_service import FakePushService

P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
ENDPOINT = "https://updates.push.example/wpush/v2/gAAAAABk"


def subscription_form(endpoint: str = ENDPOINT, **extra: str) -> dict[str, str]:
    """The form Mastodon.py and Tusky send."""
    return {
        "subscription[endpoint]": endpoint,
        "subscription[keys][p256dh]": P256DH,
        "subscription[keys][auth]": AUTH,
        **extra,
    }


async def _instance_vapid_key(client: Any) -> str:
    body = await (await client.get("/api/v2/instance")).get_json()
    return body["configuration"]["vapid"]["public_key"]  # type: ignore[no-any-return]


# --- the subscription API ---------------------------------------------------------------------


async def test_subscribe_show_update_and_delete(client, svc):
    """A token subscribes, reads its subscription back, changes alerts and policy, unsubscribes."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    created = await client.post(
        "/api/v1/push/subscription",
        headers=headers,
        form=subscription_form(
            **{
                "subscription[standard]": "true",
                "data[alerts][mention]": "true",
                "data[alerts][follow]": "1",
                "data[alerts][favourite]": "false",
                "data[policy]": "followed",
            }
        ),
    )
    assert created.status_code == 200
    body = await created.get_json()
    server_key = await _instance_vapid_key(client)
    assert body == {
        "id": body["id"],
        "endpoint": ENDPOINT,
        "standard": True,
        "alerts": {t: t in ("mention", "follow") for t in ALERT_TYPES},
        "policy": "followed",
        "server_key": server_key,
    }
    assert body["id"].isdigit()
    shown = await client.get("/api/v1/push/subscription", headers=headers)
    assert shown.status_code == 200 and await shown.get_json() == body

    updated = await client.put(
        "/api/v1/push/subscription",
        headers=headers,
        json={"data": {"alerts": {"reblog": True, "admin.sign_up": True}, "policy": "all"}},
    )
    assert updated.status_code == 200
    changed = await updated.get_json()
    assert changed["alerts"] == {t: t in ("reblog", "admin.sign_up") for t in ALERT_TYPES}
    assert changed["policy"] == "all" and changed["endpoint"] == ENDPOINT
    policy_only = await client.put(
        "/api/v1/push/subscription", headers=headers, form={"data[policy]": "none"}
    )
    assert (await policy_only.get_json())["alerts"] == changed["alerts"]
    assert (await policy_only.get_json())["policy"] == "none"

    deleted = await client.delete("/api/v1/push/subscription", headers=headers)
    assert deleted.status_code == 200 and await deleted.get_json() == {}
    gone = await client.get("/api/v1/push/subscription", headers=headers)
    assert gone.status_code == 404 and await gone.get_json() == {"error": "Record not found"}


async def test_without_a_subscription_get_and_put_are_404(client, svc):
    """Elk asks on start: no subscription is 404 `Record not found`; DELETE is still {}."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    for response in (
        await client.get("/api/v1/push/subscription", headers=headers),
        await client.put(
            "/api/v1/push/subscription", headers=headers, json={"data": {"policy": "all"}}
        ),
    ):
        assert response.status_code == 404
        assert await response.get_json() == {"error": "Record not found"}
    deleted = await client.delete("/api/v1/push/subscription", headers=headers)
    assert deleted.status_code == 200 and await deleted.get_json() == {}


async def test_push_scope_is_required(client, svc):
    """A token without `push` is 403; no token is 401; an app-only token is refused too."""
    _, alice = await make_user(svc, "alice")
    no_push = bearer(await make_token(svc, alice, scopes="read write follow"))
    refused = await client.post(
        "/api/v1/push/subscription", headers=no_push, form=subscription_form()
    )
    assert refused.status_code == 403
    assert await refused.get_json() == {"error": "This action is outside the authorized scopes"}
    anonymous = await client.get("/api/v1/push/subscription")
    assert anonymous.status_code == 401
    assert await anonymous.get_json() == {"error": "The access token is invalid"}
    app_only = bearer(await make_token(svc, None, scopes="push"))
    response = await client.post(
        "/api/v1/push/subscription", headers=app_only, form=subscription_form()
    )
    assert response.status_code == 422
    assert await response.get_json() == {"error": "This method requires an authenticated user"}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (subscription_form(endpoint=""), "subscription[endpoint]"),
        (subscription_form(endpoint="not a url"), "subscription[endpoint]"),
        (subscription_form(endpoint="ftp://push.example/x"), "subscription[endpoint]"),
        (subscription_form(endpoint="http://push.example/x"), "subscription[endpoint]"),
        (subscription_form(endpoint="https://127.0.0.1/wpush/x"), "subscription[endpoint]"),
        (subscription_form(endpoint="https://[::1]/wpush/x"), "subscription[endpoint]"),
        (
            {**subscription_form(), "subscription[keys][p256dh]": "bm90IGEga2V5"},
            "subscription[keys][p256dh]",
        ),
        ({**subscription_form(), "subscription[keys][auth]": ""}, "subscription[keys][auth]"),
        ({**subscription_form(), "data[policy]": "friends"}, "data[policy]"),
    ],
)
async def test_bad_subscriptions_are_422_naming_the_field(client, svc, form, field):
    """Plain http, private addresses, junk keys or an unknown policy are refused with 422."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    response = await client.post("/api/v1/push/subscription", headers=headers, form=form)
    assert response.status_code == 422
    body = await response.get_json()
    assert body["error"].startswith(f"Validation failed: {field}: ")
    assert body["details"][field][0]["error"] == "ERR_INVALID"
    missing = await client.get("/api/v1/push/subscription", headers=headers)
    assert missing.status_code == 404


async def test_one_subscription_per_token(client, svc):
    """Subscribing again replaces the token's subscription; another token keeps its own."""
    _, alice = await make_user(svc, "alice")
    phone = bearer(await make_token(svc, alice))
    laptop = bearer(await make_token(svc, alice))
    first = await (
        await client.post("/api/v1/push/subscription", headers=phone, form=subscription_form())
    ).get_json()
    other = await (
        await client.post(
            "/api/v1/push/subscription",
            headers=laptop,
            json={
                "subscription": {
                    "endpoint": ENDPOINT + "-laptop",
                    "keys": {"p256dh": P256DH, "auth": AUTH},
                },
                "policy": "follower",
            },
        )
    ).get_json()
    second = await (
        await client.post(
            "/api/v1/push/subscription",
            headers=phone,
            form=subscription_form(endpoint=ENDPOINT + "-new"),
        )
    ).get_json()
    assert second["id"] != first["id"] and second["endpoint"] == ENDPOINT + "-new"
    assert second["standard"] is False and second["policy"] == "all"
    assert not any(second["alerts"].values())
    shown = await (await client.get("/api/v1/push/subscription", headers=laptop)).get_json()
    assert shown == other and shown["policy"] == "follower"


async def test_revoking_the_token_ends_its_subscription(client, svc):
    """`/oauth/revoke` of a token deletes the push subscription made with it."""
    _, alice = await make_user(svc, "alice")
    registered = await (
        await client.post(
            "/api/v1/apps",
            form={
                "client_name": "Pushy",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read push",
            },
        )
    ).get_json()
    credentials = {
        "client_id": registered["client_id"],
        "client_secret": registered["client_secret"],
    }
    granted = await client.post(
        "/oauth/token",
        form={
            **credentials,
            "grant_type": "password",
            "username": "alice",
            "password": PASSWORD,
            "scope": "read push",
        },
    )
    token = (await granted.get_json())["access_token"]
    subscribed = await client.post(
        "/api/v1/push/subscription", headers=bearer(token), form=subscription_form()
    )
    assert subscribed.status_code == 200
    async with svc.db.read() as conn:
        assert await push_store.list_push_account_ids(conn) == {alice.id}
    revoked = await client.post("/oauth/revoke", form={**credentials, "token": token})
    assert revoked.status_code == 200
    async with svc.db.read() as conn:
        assert await push_store.list_push_account_ids(conn) == set()


async def test_vapid_key_is_made_once_and_shown_everywhere(client, svc):
    """The instance's VAPID public key (a P-256 point) is in v2 instance, apps and subscriptions."""
    key = await _instance_vapid_key(client)
    raw = b64url_decode(key)
    assert len(raw) == 65 and raw[0] == 4
    app = await (
        await client.post(
            "/api/v1/apps",
            form={"client_name": "Elk", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )
    ).get_json()
    assert app["vapid_key"] == key
    svc.extras.pop("vapid_keys")  # as after a restart: read back from the database
    assert await _instance_vapid_key(client) == key


# --- delivery to a push service ---------------------------------------------------------------


@pytest.fixture
async def loopback(tmp_path: Path) -> AsyncIterator[tuple[Any, Services]]:
    """An instance allowed to reach the fake push service on 127.0.0.1 over http (tests only)."""
    config = make_config(tmp_path, federation={"allow_http": True, "allow_private_addresses": True})
    application = create_app(config, start_workers=False)
    async with application.test_app():
        yield application.test_client(), application.extensions["fedi"]


async def _subscribe(
    client: Any, token: str, push: FakePushService, *, standard: bool, **data: str
) -> dict[str, Any]:
    form = {
        "subscription[endpoint]": push.endpoint,
        "subscription[keys][p256dh]": push.p256dh,
        "subscription[keys][auth]": push.auth,
        **data,
    }
    if standard:
        form["subscription[standard]"] = "true"
    response = await client.post("/api/v1/push/subscription", headers=bearer(token), form=form)
    assert response.status_code == 200, await response.get_data()
    return await response.get_json()  # type: ignore[no-any-return]


async def _latest_notification(client: Any, token: str) -> dict[str, Any]:
    listed = await (await client.get("/api/v1/notifications", headers=bearer(token))).get_json()
    return listed[0]  # type: ignore[no-any-return]


async def _account(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


@pytest.mark.parametrize("standard", [True, False], ids=["aes128gcm", "aesgcm"])
async def test_a_follow_is_pushed_encrypted_and_vapid_signed(loopback, standard):
    """Bob follows Alice: her push service gets one message her device decrypts, with Mastodon's
    fields, a VAPID token for its own origin signed with the instance key, TTL and Urgency."""
    client, svc = loopback
    alice, alice_token = await _account(svc, "alice")
    bob, bob_token = await _account(svc, "bob")
    async with FakePushService() as push:
        entity = await _subscribe(
            client, alice_token, push, standard=standard, **{"data[alerts][follow]": "true"}
        )
        followed = await client.post(
            f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token)
        )
        assert followed.status_code == 200
        await svc.jobs.run_until_idle()
    assert push.errors == []
    assert len(push.received) == 1
    got = push.received[0]
    assert got.encoding == ("aes128gcm" if standard else "aesgcm")
    assert got.vapid_key == entity["server_key"] == await _instance_vapid_key(client)
    assert got.claims["aud"] == push.origin
    assert got.headers["ttl"] == str(48 * 3600) and got.headers["urgency"] == "normal"
    notification = await _latest_notification(client, alice_token)
    assert notification["type"] == "follow"
    assert got.message == {
        "access_token": alice_token,
        "preferred_locale": "en",
        "notification_id": int(notification["id"]),
        "notification_type": "follow",
        "icon": notification["account"]["avatar_static"],
        "title": "bob is now following you",
        "body": "",
    }


async def test_mentions_and_favourites_follow_alerts_and_policy(loopback):
    """Only enabled alerts are pushed, and with policy `followed` only from accounts Alice
    follows; a muted sender is never pushed."""
    client, svc = loopback
    alice, alice_token = await _account(svc, "alice")
    _, bob_token = await _account(svc, "bob")
    carol, carol_token = await _account(svc, "carol")
    dave, dave_token = await _account(svc, "dave")
    for target in (carol, dave):
        await client.post(f"/api/v1/accounts/{target.id}/follow", headers=bearer(alice_token))
    await client.post(f"/api/v1/accounts/{dave.id}/mute", headers=bearer(alice_token))
    posted = await client.post(
        "/api/v1/statuses", headers=bearer(alice_token), json={"status": "Lunch?"}
    )
    status_id = (await posted.get_json())["id"]
    async with FakePushService() as push:
        await _subscribe(
            client,
            alice_token,
            push,
            standard=True,
            **{
                "data[alerts][mention]": "true",
                "data[alerts][favourite]": "false",
                "data[policy]": "followed",
            },
        )
        await client.post(
            "/api/v1/statuses", headers=bearer(bob_token), json={"status": "@alice hi"}
        )
        await client.post(
            "/api/v1/statuses",
            headers=bearer(carol_token),
            json={"status": "@alice see you at noon"},
        )
        await client.post(
            "/api/v1/statuses", headers=bearer(dave_token), json={"status": "@alice yo"}
        )
        await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bearer(carol_token))
        await svc.jobs.run_until_idle()
    listed = await (
        await client.get("/api/v1/notifications", headers=bearer(alice_token))
    ).get_json()
    assert sorted((n["type"], n["account"]["acct"]) for n in listed) == [
        ("favourite", "carol"),
        ("mention", "bob"),
        ("mention", "carol"),
    ]
    assert push.errors == []
    assert [r.message["notification_type"] for r in push.received] == ["mention"]
    message = push.received[0].message
    assert message["title"] == "You were mentioned by carol"
    assert message["body"] == "@alice see you at noon"


async def test_a_gone_subscription_is_deleted_and_a_busy_service_retried(loopback):
    """410 from the push service deletes the subscription; 429 leaves the push to be retried."""
    client, svc = loopback
    alice, alice_token = await _account(svc, "alice")
    _, bob_token = await _account(svc, "bob")
    async with FakePushService(status=429, headers_out={"Retry-After": "120"}) as push:
        await _subscribe(client, alice_token, push, standard=True, **{"data[alerts][follow]": "1"})
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
        await svc.jobs.run_until_idle()
        assert len(push.received) == 1
        waiting = await svc.jobs.list(kind="push")
        assert [j.state for j in waiting] == ["retry"] and "429" in waiting[0].last_error

        push.status = 410
        assert await svc.jobs.requeue(waiting[0].id)
        await svc.jobs.run_until_idle()
    assert len(push.received) == 2
    assert [j.state for j in await svc.jobs.list(kind="push")] == ["done"]
    gone = await client.get("/api/v1/push/subscription", headers=bearer(alice_token))
    assert gone.status_code == 404 and await gone.get_json() == {"error": "Record not found"}


async def test_mastodon_py_subscribes_and_decrypts_a_legacy_push(loopback):
    """Mastodon.py's subscription form (standard base64 keys, top-level `policy`, `1`/`0`
    alerts) is understood, and Mastodon.py's own `push_subscription_decrypt_push` reads the
    aesgcm push from the `Encryption` and `Crypto-Key` headers we sent."""
    client, svc = loopback
    alice, alice_token = await _account(svc, "alice")
    _, bob_token = await _account(svc, "bob")
    mastodon_py = Mastodon(api_base_url="http://127.0.0.1", version_check_mode="none")
    async with FakePushService() as push:
        raw_public = b64url_decode(push.p256dh)
        form = {
            "subscription[endpoint]": push.endpoint,
            "subscription[keys][p256dh]": base64.b64encode(raw_public).decode(),
            "subscription[keys][auth]": base64.b64encode(push.auth_secret).decode(),
            "policy": "all",
            "data[alerts][follow]": "1",
            "data[alerts][favourite]": "0",
        }
        response = await client.post(
            "/api/v1/push/subscription", headers=bearer(alice_token), form=form
        )
        assert response.status_code == 200
        entity = await response.get_json()
        assert entity["alerts"]["follow"] is True and entity["alerts"]["favourite"] is False
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
        await svc.jobs.run_until_idle()
    assert push.errors == [] and len(push.received) == 1
    got = push.received[0]
    decrypted = mastodon_py.push_subscription_decrypt_push(
        got.body,
        {"privkey": push.private_key.private_numbers().private_value, "auth": push.auth_secret},
        got.headers["encryption"],
        got.headers["crypto-key"],
    )
    assert decrypted["notification_type"] == "follow"
    assert decrypted["access_token"] == alice_token
    assert decrypted["title"] == "bob is now following you"


async def test_no_backlog_and_follower_and_none_policies(loopback):
    """A new subscription is not pushed older notifications; `follower` pushes only what the
    user's followers do, and `none` pushes nothing."""
    client, svc = loopback
    alice, alice_token = await _account(svc, "alice")
    _, bob_token = await _account(svc, "bob")
    _, carol_token = await _account(svc, "carol")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
    mentions = {"data[alerts][mention]": "true", "data[alerts][follow]": "true"}
    async with FakePushService() as push:
        await _subscribe(client, alice_token, push, standard=True, policy="follower", **mentions)
        await svc.jobs.run_until_idle()
        assert push.received == []  # bob's follow came before the subscription
        for token in (bob_token, carol_token):
            await client.post(
                "/api/v1/statuses", headers=bearer(token), json={"status": "@alice ping"}
            )
        await svc.jobs.run_until_idle()
        assert [r.message["title"] for r in push.received] == ["You were mentioned by bob"]

        changed = await client.put(
            "/api/v1/push/subscription", headers=bearer(alice_token), form={"policy": "none"}
        )
        assert (await changed.get_json())["policy"] == "none"
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(carol_token))
        await client.post(
            "/api/v1/statuses", headers=bearer(bob_token), json={"status": "@alice 2"}
        )
        await svc.jobs.run_until_idle()
    assert push.errors == [] and len(push.received) == 1


async def test_an_endpoint_resolving_to_a_private_address_is_never_contacted(client, svc):
    """SSRF guard: a push endpoint whose name resolves to loopback is accepted as a URL but the
    delivery is refused before connecting, and not retried."""
    alice, alice_token = await _account(svc, "alice")
    _, bob_token = await _account(svc, "bob")
    async with FakePushService() as push:
        form = {
            "subscription[endpoint]": f"https://localhost:{push.port}/wpush/device-1",
            "subscription[keys][p256dh]": push.p256dh,
            "subscription[keys][auth]": push.auth,
            "subscription[standard]": "true",
            "data[alerts][follow]": "true",
        }
        subscribed = await client.post(
            "/api/v1/push/subscription", headers=bearer(alice_token), form=form
        )
        assert subscribed.status_code == 200
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
        await svc.jobs.run_until_idle()
    assert push.received == [] and push.errors == []
    jobs = await svc.jobs.list(kind="push")
    assert [j.state for j in jobs] == ["dead"] and "loopback" in jobs[0].last_error
