"""`GET /api/v1/blocks` and `GET /api/v1/mutes`: the accounts the viewer blocks or mutes,
newest first, Link-paginated, mutes with `mute_expires_at`; apps read them at start-up
(TWBlue on Mastodon.py crashed where they were missing), so a viewer with none gets `[]`."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.storage.rows import Account
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _json(response: Any, status: int = 200) -> Any:
    body = await response.get_json()
    assert response.status_code == status, body
    return body


async def _user(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


def _next(response: Any) -> str:
    link = response.headers["Link"].split(", ")[0]
    assert link.endswith('rel="next"')
    return link.split(">")[0].lstrip("<").removeprefix("http://localhost")


async def test_blocks_list_newest_first_with_paging(client, svc):
    """Blocked accounts come newest block first, a page at a time by the Link header; an
    unblocked account leaves the list; none blocked gives `[]` without a Link header."""
    _, token = await _user(svc, "alice")
    targets = [(await make_user(svc, name))[1] for name in ("bob", "carol", "dave")]
    empty = await client.get("/api/v1/blocks", headers=bearer(token))
    assert await _json(empty) == [] and "Link" not in empty.headers
    for target in targets:
        await _json(await client.post(f"/api/v1/accounts/{target.id}/block", headers=bearer(token)))

    first = await client.get("/api/v1/blocks?limit=2", headers=bearer(token))
    assert [a["username"] for a in await _json(first)] == ["dave", "carol"]
    second = await client.get(_next(first), headers=bearer(token))
    assert [a["username"] for a in await _json(second)] == ["bob"]

    await _json(
        await client.post(f"/api/v1/accounts/{targets[1].id}/unblock", headers=bearer(token))
    )
    every = await _json(await client.get("/api/v1/blocks", headers=bearer(token)))
    assert [a["username"] for a in every] == ["dave", "bob"]
    assert every[0]["id"] == str(targets[2].id) and "acct" in every[0]


async def test_mutes_list_shows_when_each_mute_ends(client, svc):
    """Muted accounts come newest first with `mute_expires_at` (null without a duration)."""
    _, token = await _user(svc, "alice")
    bob = (await make_user(svc, "bob"))[1]
    carol = (await make_user(svc, "carol"))[1]
    await _json(await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=bearer(token)))
    await _json(
        await client.post(
            f"/api/v1/accounts/{carol.id}/mute", headers=bearer(token), json={"duration": 3600}
        )
    )
    muted = await _json(await client.get("/api/v1/mutes", headers=bearer(token)))
    assert [a["username"] for a in muted] == ["carol", "bob"]
    assert muted[0]["mute_expires_at"].endswith("Z") and muted[1]["mute_expires_at"] is None

    await _json(await client.post(f"/api/v1/accounts/{carol.id}/unmute", headers=bearer(token)))
    muted = await _json(await client.get("/api/v1/mutes", headers=bearer(token)))
    assert [a["username"] for a in muted] == ["bob"]


async def test_the_lists_need_a_token_with_their_scope(client, svc):
    """No token: 401; a token without `read:blocks` / `read:mutes` (or `follow`): 403."""
    alice, _ = await _user(svc, "alice")
    narrow = await make_token(svc, alice, scopes="read:statuses")
    for path in ("/api/v1/blocks", "/api/v1/mutes"):
        assert "error" in await _json(await client.get(path), 401)
        assert "error" in await _json(await client.get(path, headers=bearer(narrow)), 403)
        granular = await make_token(svc, alice, scopes=f"read:{path.rsplit('/', 1)[1]}")
        assert await _json(await client.get(path, headers=bearer(granular))) == []
