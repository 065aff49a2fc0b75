"""The profile options apps send with update_credentials (bot, discoverable, indexable,
hide_collections, source[privacy|sensitive|language], locked, fields_attributes): stored, shown
in the Account entity, federated, applied to new posts and to follower lists; and the same
options in Settings → Profile."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage

from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from tests.api.tokens import bearer, make_token
from tests.factories import browser_login, make_user
from tests.media import files

AP = {"Accept": "application/activity+json"}


async def _patch(client: Any, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return await client.patch("/api/v1/accounts/update_credentials", headers=headers, json=body)


async def test_every_option_is_stored_and_shown(client, svc):
    """One PATCH sets every option; verify_credentials and the public Account show them."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    response = await _patch(
        client,
        headers,
        {
            "bot": True,
            "discoverable": False,
            "indexable": True,
            "hide_collections": True,
            "locked": True,
            "source": {"privacy": "unlisted", "sensitive": True, "language": "de"},
            "fields_attributes": [{"name": "Site", "value": "example.org"}],
        },
    )
    assert response.status_code == 200, await response.get_data()
    me = await response.get_json()
    assert (me["bot"], me["discoverable"], me["indexable"], me["hide_collections"]) == (
        True,
        False,
        True,
        True,
    )
    assert me["locked"] is True
    assert me["fields"][0]["name"] == "Site"
    source = me["source"]
    assert (source["privacy"], source["sensitive"], source["language"]) == ("unlisted", True, "de")
    assert (source["hide_collections"], source["indexable"], source["discoverable"]) == (
        True,
        True,
        False,
    )
    again = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    ).get_json()
    assert again["source"]["language"] == "de" and again["bot"] is True
    public = await (await client.get(f"/api/v1/accounts/{alice.id}")).get_json()
    assert (public["bot"], public["hide_collections"], public["indexable"]) == (True, True, True)
    prefs = await (await client.get("/api/v1/preferences", headers=headers)).get_json()
    assert prefs["posting:default:sensitive"] is True
    assert prefs["posting:default:language"] == "de"
    assert prefs["posting:default:visibility"] == "unlisted"


async def test_options_left_out_stay_as_they_are(client, svc):
    """A PATCH with only a display name keeps the options set before; false turns one off."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    await _patch(client, headers, {"bot": True, "source": {"language": "fr"}})
    me = await (await _patch(client, headers, {"display_name": "Alice"})).get_json()
    assert (me["display_name"], me["bot"], me["source"]["language"]) == ("Alice", True, "fr")
    me = await (await _patch(client, headers, {"bot": "false"})).get_json()
    assert me["bot"] is False and me["source"]["language"] == "fr"


async def test_an_unknown_language_is_422_and_nothing_changes(client, svc):
    """source[language] must be a language we offer: 422 naming it, and the profile is kept."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=headers,
        form={"display_name": "Changed", "source[language]": "klingon"},
    )
    assert response.status_code == 422
    body = await response.get_json()
    assert (
        body["error"] == "Validation failed: source[language]: Choose one of the listed languages."
    )
    me = await (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).get_json()
    assert me["display_name"] == ""


async def test_a_bot_federates_as_a_service_actor(client, svc):
    """bot=true makes the actor document a `Service`; false makes it a `Person` again."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    await _patch(client, headers, {"bot": True, "indexable": False})
    actor = await (await client.get("/users/alice", headers=AP)).get_json()
    assert actor["type"] == "Service" and actor["indexable"] is False
    await _patch(client, headers, {"bot": False})
    actor = await (await client.get("/users/alice", headers=AP)).get_json()
    assert actor["type"] == "Person"


async def test_hidden_collections_are_hidden_from_others_everywhere(client, svc):
    """With hide_collections, others get empty follower/following lists from the API, a notice
    on the web pages, and collections with totalItems only; the owner still sees them."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, bob, alice)
    await follow_account(svc, alice, bob)
    mine = bearer(await make_token(svc, alice))
    theirs = bearer(await make_token(svc, bob))
    await _patch(client, mine, {"hide_collections": True})

    for kind in ("followers", "following"):
        hidden = await client.get(f"/api/v1/accounts/{alice.id}/{kind}", headers=theirs)
        assert hidden.status_code == 200 and await hidden.get_json() == []
        anonymous = await client.get(f"/api/v1/accounts/{alice.id}/{kind}")
        assert await anonymous.get_json() == []
        own = await (
            await client.get(f"/api/v1/accounts/{alice.id}/{kind}", headers=mine)
        ).get_json()
        assert [a["username"] for a in own] == ["bob"]
        collection = await (await client.get(f"/users/alice/{kind}", headers=AP)).get_json()
        assert collection["totalItems"] == 1
        assert "first" not in collection and "orderedItems" not in collection
        page = await (await client.get(f"/users/alice/{kind}?page=true", headers=AP)).get_json()
        assert page["totalItems"] == 1 and "orderedItems" not in page
    counts = await (await client.get(f"/api/v1/accounts/{alice.id}")).get_json()
    assert (counts["followers_count"], counts["following_count"]) == (1, 1)

    web = await client.get("/@alice/followers")
    body = await web.get_data(as_text=True)
    assert web.status_code == 200
    assert "has chosen not to show who follows them." in body and 'href="/@bob"' not in body


async def test_default_language_and_sensitive_media_apply_to_new_posts(client, svc):
    """source[language] tags posts sent without a language; source[sensitive] marks posts with
    media sensitive unless the app says otherwise; text-only posts are not marked."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    await _patch(client, headers, {"source": {"language": "de", "sensitive": True}})

    plain = await (
        await client.post("/api/v1/statuses", headers=headers, json={"status": "Hallo"})
    ).get_json()
    assert (plain["language"], plain["sensitive"]) == ("de", False)
    chosen = await (
        await client.post(
            "/api/v1/statuses", headers=headers, json={"status": "Hi", "language": "en"}
        )
    ).get_json()
    assert chosen["language"] == "en"

    async def media_id() -> str:
        upload = await client.post(
            "/api/v2/media",
            headers=headers,
            files={"file": FileStorage(stream=io.BytesIO(files.png()), filename="a.png")},
        )
        assert upload.status_code == 200
        return str((await upload.get_json())["id"])

    with_media = await (
        await client.post(
            "/api/v1/statuses",
            headers=headers,
            json={"status": "Bild", "media_ids": [await media_id()]},
        )
    ).get_json()
    assert with_media["sensitive"] is True
    overridden = await (
        await client.post(
            "/api/v1/statuses",
            headers=headers,
            json={"status": "Bild", "media_ids": [await media_id()], "sensitive": False},
        )
    ).get_json()
    assert overridden["sensitive"] is False
    local = await create_post(svc, alice, PostDraft(text="Service call"))
    assert local.language == "de"


async def test_settings_form_has_and_saves_the_options(app, svc, csrf):
    """Settings → Profile shows the bot, indexable, hidden lists, sensitive media and language
    fields, saves them, and keeps typed values with a 422 for an unknown language."""
    _, alice = await make_user(svc, "alice")
    client = app.test_client()
    await browser_login(client, svc, alice)
    page = await (await client.get("/settings")).get_data(as_text=True)
    for name in ("bot", "indexable", "hide_collections", "default_sensitive"):
        assert f'id="{name}" name="{name}"' in page
    assert '<select id="default_language" name="default_language"' in page

    form = {
        "display_name": "Alice",
        "note": "",
        "default_visibility": "public",
        "discoverable": "on",
        "bot": "on",
        "hide_collections": "on",
        "default_sensitive": "on",
        "default_language": "fr",
        "csrf_token": csrf,
    }
    response = await client.post("/settings", form=form)
    assert response.status_code == 303
    page = await (await client.get("/settings")).get_data(as_text=True)
    assert 'id="bot" name="bot" value="on" checked' in page
    assert 'id="hide_collections" name="hide_collections" value="on" checked' in page
    assert 'id="indexable" name="indexable" value="on" checked' not in page
    assert '<option value="fr" selected>' in page
    headers = bearer(await make_token(svc, alice))
    me = await (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).get_json()
    assert (me["bot"], me["hide_collections"], me["indexable"]) == (True, True, False)
    assert (me["source"]["sensitive"], me["source"]["language"]) == (True, "fr")

    response = await client.post("/settings", form={**form, "default_language": "xx-nope"})
    assert response.status_code == 422
    body = await response.get_data(as_text=True)
    assert 'id="default_language-error"' in body and "Choose one of the listed languages." in body
    assert 'value="Alice"' in body
