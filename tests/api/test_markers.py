"""Markers through the client API: saved per timeline, versioned, read back by name."""

from __future__ import annotations

import re

from tests.api.tokens import bearer, make_token
from tests.factories import make_user

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_markers_are_saved_from_form_and_json_and_versioned(client, svc):
    """Tusky's form keys and masto.js's JSON both set markers; each save bumps the version."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    form = await client.post(
        "/api/v1/markers",
        headers=headers,
        form={"home[last_read_id]": "111", "notifications[last_read_id]": "222"},
    )
    assert form.status_code == 200
    body = await form.get_json()
    assert body["home"]["last_read_id"] == "111"
    assert body["home"]["version"] == 1
    assert TIME.match(body["home"]["updated_at"])
    assert body["notifications"]["last_read_id"] == "222"
    again = await client.post(
        "/api/v1/markers", headers=headers, json={"home": {"last_read_id": "333"}}
    )
    assert await again.get_json() == {
        "home": {
            "last_read_id": "333",
            "version": 2,
            "updated_at": (await again.get_json())["home"]["updated_at"],
        }
    }
    both = await client.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=headers
    )
    found = await both.get_json()
    assert (found["home"]["last_read_id"], found["home"]["version"]) == ("333", 2)
    assert (found["notifications"]["last_read_id"], found["notifications"]["version"]) == (
        "222",
        1,
    )


async def test_markers_only_answer_for_the_timelines_asked_and_set(client, svc):
    """Unset and unknown timelines are left out; no timeline asked gives `{}`."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    await client.post("/api/v1/markers", headers=headers, json={"home": {"last_read_id": "5"}})
    one = await client.get(
        "/api/v1/markers?timeline[]=notifications&timeline[]=home&timeline[]=bogus",
        headers=headers,
    )
    assert list(await one.get_json()) == ["home"]
    none = await client.get("/api/v1/markers", headers=headers)
    assert none.status_code == 200
    assert await none.get_json() == {}


async def test_markers_are_per_user(client, svc):
    """One user's markers are not another's."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await client.post(
        "/api/v1/markers",
        headers=bearer(await make_token(svc, alice)),
        json={"home": {"last_read_id": "5"}},
    )
    theirs = await client.get(
        "/api/v1/markers?timeline[]=home", headers=bearer(await make_token(svc, bob))
    )
    assert await theirs.get_json() == {}


async def test_a_marker_that_is_not_an_id_is_refused(client, svc):
    """A non-numeric last_read_id is 422 naming the field."""
    _, alice = await make_user(svc, "alice")
    response = await client.post(
        "/api/v1/markers",
        headers=bearer(await make_token(svc, alice)),
        json={"home": {"last_read_id": "abc"}},
    )
    assert response.status_code == 422
    assert (await response.get_json())["error"] == (
        "Validation failed: home[last_read_id]: must be an id"
    )


async def test_markers_need_the_statuses_scopes(client, svc):
    """Reading needs read:statuses and writing write:statuses (403 otherwise)."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice, scopes="read:statuses"))
    assert (await client.get("/api/v1/markers", headers=headers)).status_code == 200
    denied = await client.post(
        "/api/v1/markers", headers=headers, json={"home": {"last_read_id": "5"}}
    )
    assert denied.status_code == 403
    assert (await denied.get_json())["error"] == "This action is outside the authorized scopes"
