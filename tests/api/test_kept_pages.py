"""The home timeline keeps encoded pages while nothing they show has changed
(`fedi.api_reads.kept_pages`): a repeated read gives the same bytes without rebuilding, and
every change a page depends on beyond its feed rows still shows at the next read: boosted
originals and their authors, mentioned accounts, the viewer's filters, mutes and blocks, and
polls that end with no write at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fedi.api_reads import timelines as reads
from fedi.api_reads.kept_pages import ENTRY_BYTES, KeptPage, KeptPages, PageInputs, kept_pages
from fedi.context import Services
from fedi.storage import clock
from fedi.storage import remote_accounts as remote_store
from fedi.storage.paging import Cursor
from fedi.storage.remote_accounts import RemoteAccountFields
from fedi.storage.rows import Account
from tests.api.statuses_helpers import REMOTE_HOST, api_post, remote_account
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _user(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


async def _home_response(client: Any, token: str, query: str = "") -> tuple[list[Any], Any]:
    response = await client.get(f"/api/v1/timelines/home{query}", headers=bearer(token))
    body = await response.get_json()
    assert response.status_code == 200, body
    return body, response


async def _home(client: Any, token: str) -> dict[str, dict[str, Any]]:
    body, _ = await _home_response(client, token)
    return {status["id"]: status for status in body}


async def _follow(client: Any, token: str, account: Account) -> None:
    response = await client.post(f"/api/v1/accounts/{account.id}/follow", headers=bearer(token))
    assert response.status_code == 200, await response.get_json()


async def test_a_repeated_read_is_the_kept_page(client, svc):
    """Reading the same page twice gives the same bytes and Link header; the second read is
    answered from the kept page, and another cursor is a page of its own."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await _follow(client, bob_token, alice)
    for n in range(3):
        await api_post(client, alice_token, f"Post {n}")

    first = await client.get("/api/v1/timelines/home?limit=2", headers=bearer(bob_token))
    second = await client.get("/api/v1/timelines/home?limit=2", headers=bearer(bob_token))
    assert await first.get_data() == await second.get_data()
    assert first.headers["Link"] == second.headers["Link"]
    assert len(kept_pages(svc)) == 1

    page = await reads.home_page(svc, bob.id, Cursor(limit=2), kept=kept_pages(svc))
    assert page.kept is not None and page.cursor_ids == page.kept.cursor_ids

    older, _ = await _home_response(client, bob_token, f"?limit=2&max_id={page.cursor_ids[-1]}")
    assert [s["content"] for s in older] == ["<p>Post 0</p>"]
    assert len(kept_pages(svc)) == 2


async def test_a_boosted_original_and_its_author_change(client, svc):
    """A boost of someone the reader does not follow shows the original's new counts and its
    author's new name at the next read."""
    alice, alice_token = await _user(svc, "alice")
    _, bob_token = await _user(svc, "bob")
    _, carol_token = await _user(svc, "carol")
    _, dave_token = await _user(svc, "dave")
    await _follow(client, bob_token, alice)
    original = await api_post(client, carol_token, "Worth a boost")
    response = await client.post(
        f"/api/v1/statuses/{original['id']}/reblog", headers=bearer(alice_token)
    )
    boost_id = (await response.get_json())["id"]
    boost = (await _home(client, bob_token))[boost_id]
    assert boost["reblog"]["favourites_count"] == 0

    await client.post(f"/api/v1/statuses/{original['id']}/favourite", headers=bearer(dave_token))
    assert (await _home(client, bob_token))[boost_id]["reblog"]["favourites_count"] == 1

    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(carol_token),
        json={"display_name": "Carol Renamed"},
    )
    assert response.status_code == 200, await response.get_json()
    shown = (await _home(client, bob_token))[boost_id]["reblog"]["account"]
    assert shown["display_name"] == "Carol Renamed"


async def _remote_fields(account: Account, url: str) -> RemoteAccountFields:
    return RemoteAccountFields(
        uri=account.uri,
        username=account.username,
        domain=account.domain or REMOTE_HOST,
        url=url,
        display_name=account.display_name,
        inbox_uri=f"{account.uri}/inbox",
        public_key_id=f"{account.uri}#main-key",
    )


async def test_a_mentioned_account_that_changes(client, svc):
    """A mention of a remote account shows its new profile address once its server says it
    moved it (an actor update), at the next read."""
    alice, alice_token = await _user(svc, "alice")
    _, bob_token = await _user(svc, "bob")
    carol = await remote_account(svc, "carol")
    await _follow(client, bob_token, alice)
    status = await api_post(client, alice_token, f"Hello @carol@{REMOTE_HOST}")
    mention = (await _home(client, bob_token))[status["id"]]["mentions"][0]
    assert mention["url"] == f"https://{REMOTE_HOST}/@carol"

    async with svc.db.write() as tx:
        await remote_store.upsert_remote_account(
            tx, await _remote_fields(carol, f"https://{REMOTE_HOST}/profile/carol")
        )
    mention = (await _home(client, bob_token))[status["id"]]["mentions"][0]
    assert mention["url"] == f"https://{REMOTE_HOST}/profile/carol"


async def test_filters_mutes_and_blocks_apply_at_the_next_read(client, svc):
    """A new filter, a mute and a block change the next read of an unchanged feed."""
    alice, alice_token = await _user(svc, "alice")
    _, bob_token = await _user(svc, "bob")
    _, carol_token = await _user(svc, "carol")
    carol = (await make_user(svc, "carol2"))[1]
    await _follow(client, bob_token, alice)
    plain = await api_post(client, alice_token, "Plain words")
    secret = await api_post(client, alice_token, "A secret plan")
    original = await api_post(client, carol_token, "Boosted words")
    response = await client.post(
        f"/api/v1/statuses/{original['id']}/reblog", headers=bearer(alice_token)
    )
    boost_id = (await response.get_json())["id"]
    assert {plain["id"], secret["id"], boost_id} <= set(await _home(client, bob_token))

    response = await client.post(
        "/api/v2/filters",
        headers=bearer(bob_token),
        json={
            "title": "Spoilers",
            "context": ["home"],
            "filter_action": "hide",
            "keywords_attributes": [{"keyword": "secret"}],
        },
    )
    assert response.status_code == 200, await response.get_json()
    seen = await _home(client, bob_token)
    assert secret["id"] not in seen and plain["id"] in seen

    carol_id = original["account"]["id"]
    response = await client.post(f"/api/v1/accounts/{carol_id}/block", headers=bearer(bob_token))
    assert response.status_code == 200
    seen = await _home(client, bob_token)
    assert boost_id not in seen and plain["id"] in seen

    response = await client.post(f"/api/v1/accounts/{alice.id}/mute", headers=bearer(bob_token))
    assert response.status_code == 200
    assert plain["id"] not in await _home(client, bob_token)
    response = await client.post(f"/api/v1/accounts/{alice.id}/unmute", headers=bearer(bob_token))
    assert plain["id"] in await _home(client, bob_token)
    assert carol.id  # a bystander account: relations are the viewer's own


async def test_a_poll_ends_with_no_write(client, svc, monkeypatch):
    """A page with a running poll shows it ended once its end time has passed, though nothing
    was written in between."""
    alice, alice_token = await _user(svc, "alice")
    _, bob_token = await _user(svc, "bob")
    await _follow(client, bob_token, alice)
    status = await api_post(
        client, alice_token, "Tea?", poll={"options": ["yes", "no"], "expires_in": 3600}
    )
    assert (await _home(client, bob_token))[status["id"]]["poll"]["expired"] is False
    assert (await _home(client, bob_token))[status["id"]]["poll"]["expired"] is False

    later = clock.utcnow() + timedelta(hours=2)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    assert (await _home(client, bob_token))[status["id"]]["poll"]["expired"] is True


def _page(size: int) -> KeptPage:
    return KeptPage(PageInputs(rows=[], relations=[], filters=[]), b"x" * (size - ENTRY_BYTES), [])


def test_kept_pages_stay_within_their_budget():
    """The least recently used pages go first once the pages outgrow the budget; a page
    larger than the whole budget is not kept."""
    kept = KeptPages(budget=10_000)
    kept.put("a", _page(4000))
    kept.put("b", _page(4000))
    assert kept.get("a") is not None  # now the most recently used
    kept.put("c", _page(4000))
    assert kept.get("b") is None and kept.get("a") is not None and kept.get("c") is not None
    assert kept.size == 8000
    kept.put("a", _page(2000))
    assert kept.size == 6000
    kept.put("d", _page(10_001))
    assert kept.get("d") is None and kept.size == 6000 and len(kept) == 2
