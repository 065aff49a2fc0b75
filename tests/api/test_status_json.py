"""Timelines encode their statuses straight to JSON (`status_json`): apps get exactly the bytes
the entity builders would give, for every kind of status and viewer."""

from __future__ import annotations

from typing import Any

from fedi.api_reads import timelines as reads
from fedi.context import Services
from fedi.storage.paging import Cursor
from fedi.web.api.entities import bundle_entities
from fedi.web.api.responses import json_bytes
from fedi.web.api.status_json import bundle_json
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _varied_timeline(client: Any, svc: Services) -> tuple[int, str]:
    """Alice and Bob follow each other and post every kind of status; Bob has a warn filter."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    alice_token, bob_token = await make_token(svc, alice), await make_token(svc, bob)
    for token, other in ((alice_token, bob.id), (bob_token, alice.id)):
        response = await client.post(f"/api/v1/accounts/{other}/follow", headers=bearer(token))
        assert response.status_code == 200
    plain = await api_post(client, alice_token, "Plain #tagged words")
    await api_post(client, alice_token, "Hello @bob")
    await api_post(client, alice_token, "Vote", poll={"options": ["a", "b"], "expires_in": 600})
    await api_post(client, alice_token, "Spoilers", spoiler_text="cw", visibility="private")
    await api_post(client, alice_token, "Something rude here")
    own = await api_post(client, bob_token, "Bob's own, pinned")
    for path in (
        f"/api/v1/statuses/{plain['id']}/favourite",
        f"/api/v1/statuses/{plain['id']}/bookmark",
        f"/api/v1/statuses/{plain['id']}/reblog",
        f"/api/v1/statuses/{own['id']}/pin",
    ):
        response = await client.post(path, headers=bearer(bob_token))
        assert response.status_code == 200, await response.get_json()
    response = await client.post(
        "/api/v2/filters",
        headers=bearer(bob_token),
        json={
            "title": "Rude",
            "context": ["home", "public"],
            "filter_action": "warn",
            "keywords_attributes": [{"keyword": "rude"}],
        },
    )
    assert response.status_code == 200
    return bob.id, bob_token


async def test_timeline_bytes_match_the_entities(client, svc):
    """Home for a viewer with likes, bookmarks, boosts, pins and a filter, and the public
    timeline for a logged-out reader, encode as the entities do (twice: kept parts too)."""
    bob_id, _ = await _varied_timeline(client, svc)
    for _ in range(2):
        home = await reads.home_page(svc, bob_id, Cursor(limit=40))
        assert len(home.bundle.items) == 7
        assert bundle_json(svc, home.bundle) == json_bytes(bundle_entities(svc, home.bundle))
        public = await reads.public_page(svc, None, Cursor(limit=40))
        assert len(public.bundle.items) >= 5
        assert bundle_json(svc, public.bundle) == json_bytes(bundle_entities(svc, public.bundle))


async def test_home_shows_the_viewers_marks(client, svc):
    """Through the API, a liked, bookmarked and pinned status carries those marks and a
    filtered one its filter."""
    _, bob_token = await _varied_timeline(client, svc)
    response = await client.get("/api/v1/timelines/home", headers=bearer(bob_token))
    statuses = await response.get_json()
    by_text = {s["content"]: s for s in statuses if not s["reblog"]}
    plain = next(s for text, s in by_text.items() if "Plain" in text)
    assert plain["favourited"] and plain["bookmarked"] and plain["reblogged"]
    own = next(s for text, s in by_text.items() if "pinned" in text)
    assert own["pinned"] is True
    rude = next(s for text, s in by_text.items() if "rude" in text)
    assert [f["filter"]["title"] for f in rude["filtered"]] == ["Rude"]
