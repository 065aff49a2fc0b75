"""Scheduled statuses: `POST /api/v1/statuses` with `scheduled_at`, `/api/v1/scheduled_statuses`,
and the job that publishes them at their time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fedi.context import Services
from fedi.media.uploads import upload_media
from fedi.storage.clock import to_db, utcnow
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.media import files


def _in(minutes: int) -> str:
    return to_db(utcnow() + timedelta(minutes=minutes))


async def _schedule(client: Any, token: str, text: str, minutes: int = 60, **fields: Any) -> Any:
    return await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": text, "scheduled_at": _in(minutes), **fields},
    )


async def _time_passes(svc: Services) -> None:
    """Every waiting publish job becomes due (the clock is not ours to move)."""
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z'"
            " WHERE kind = 'publish_scheduled' AND state = 'pending'"
        )


async def _statuses(client: Any, token: str, account_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/accounts/{account_id}/statuses", headers=bearer(token))
    assert response.status_code == 200
    return await response.get_json()  # type: ignore[no-any-return]


async def test_scheduling_answers_a_scheduled_status_and_posts_nothing_yet(client, svc):
    """A post with `scheduled_at` comes back as a ScheduledStatus with its params; no status yet."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    response = await _schedule(
        client, token, "Later!", visibility="unlisted", spoiler_text="cw", language="en"
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert set(body) == {"id", "scheduled_at", "params", "media_attachments"}
    assert body["scheduled_at"].endswith("Z")
    params = body["params"]
    assert params["text"] == "Later!" and params["visibility"] == "unlisted"
    assert params["spoiler_text"] == "cw" and params["language"] == "en"
    assert params["media_ids"] is None and params["poll"] is None
    assert params["application_id"] is not None
    assert body["media_attachments"] == []
    assert await _statuses(client, token, alice.id) == []

    listed = await client.get("/api/v1/scheduled_statuses", headers=bearer(token))
    assert [s["id"] for s in await listed.get_json()] == [body["id"]]
    one = await client.get(f"/api/v1/scheduled_statuses/{body['id']}", headers=bearer(token))
    assert (await one.get_json())["params"]["text"] == "Later!"


async def test_too_soon_or_unreadable_times_are_refused(client, svc):
    """Less than five minutes ahead, or not a date: 422 naming `scheduled_at`."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    soon = await _schedule(client, token, "Now-ish", minutes=2)
    assert soon.status_code == 422
    assert "scheduled_at" in (await soon.get_json())["error"]
    assert "5 minutes" in (await soon.get_json())["error"]
    junk = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": "x", "scheduled_at": "next tuesday"},
    )
    assert junk.status_code == 422
    assert "scheduled_at" in (await junk.get_json())["error"]
    empty = await _schedule(client, token, "")
    assert empty.status_code == 422
    assert "status" in (await empty.get_json())["error"]


async def test_the_job_publishes_it_at_its_time_and_the_schedule_disappears(client, svc, run_jobs):
    """When the time comes the post is published (with its app) and the scheduled one is gone."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    scheduled = await (await _schedule(client, token, "Good *morning*")).get_json()
    await run_jobs()
    assert await _statuses(client, token, alice.id) == []

    await _time_passes(svc)
    await run_jobs()

    posted = await _statuses(client, token, alice.id)
    assert [p["content"] for p in posted] == ["<p>Good <em>morning</em></p>"]
    assert posted[0]["application"]["name"] == "Test app"
    gone = await client.get(f"/api/v1/scheduled_statuses/{scheduled['id']}", headers=bearer(token))
    assert gone.status_code == 404
    assert (await gone.get_json())["error"] == "Record not found"
    listed = await client.get("/api/v1/scheduled_statuses", headers=bearer(token))
    assert await listed.get_json() == []


async def test_moving_it_publishes_once_at_the_new_time(client, svc, run_jobs):
    """PUT moves the time; the job of the old time does nothing, the post appears once."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    scheduled = await (await _schedule(client, token, "Moved")).get_json()
    moved = await client.put(
        f"/api/v1/scheduled_statuses/{scheduled['id']}",
        headers=bearer(token),
        json={"scheduled_at": _in(120)},
    )
    body = await moved.get_json()
    assert moved.status_code == 200, body
    assert body["scheduled_at"] > scheduled["scheduled_at"]
    refused = await client.put(
        f"/api/v1/scheduled_statuses/{scheduled['id']}",
        headers=bearer(token),
        json={"scheduled_at": _in(1)},
    )
    assert refused.status_code == 422
    assert "scheduled_at" in (await refused.get_json())["error"]

    await _time_passes(svc)
    await run_jobs()
    assert [p["content"] for p in await _statuses(client, token, alice.id)] == ["<p>Moved</p>"]


async def test_cancelling_it_means_it_is_never_published(client, svc, run_jobs):
    """DELETE cancels: `{}`, then nothing is posted when its time comes."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    scheduled = await (await _schedule(client, token, "Never")).get_json()
    response = await client.delete(
        f"/api/v1/scheduled_statuses/{scheduled['id']}", headers=bearer(token)
    )
    assert response.status_code == 200
    assert await response.get_json() == {}
    await _time_passes(svc)
    await run_jobs()
    assert await _statuses(client, token, alice.id) == []


async def test_someone_elses_scheduled_status_is_not_found(client, svc):
    """Another account's scheduled status answers 404 to get, move and cancel."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    scheduled = await (await _schedule(client, await make_token(svc, alice), "Mine")).get_json()
    bob_token = await make_token(svc, bob)
    path = f"/api/v1/scheduled_statuses/{scheduled['id']}"
    for response in (
        await client.get(path, headers=bearer(bob_token)),
        await client.put(path, headers=bearer(bob_token), json={"scheduled_at": _in(90)}),
        await client.delete(path, headers=bearer(bob_token)),
    ):
        assert response.status_code == 404
        assert (await response.get_json())["error"] == "Record not found"
    unauthenticated = await client.get("/api/v1/scheduled_statuses")
    assert unauthenticated.status_code == 401


async def test_attached_files_are_reserved_until_it_is_published(client, svc, run_jobs):
    """Files of a scheduled post show in it, cannot go on another post, and end on the post."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png", description="Red")
    scheduled = await (
        await _schedule(client, token, "With a picture", media_ids=[str(media.id)])
    ).get_json()
    assert scheduled["params"]["media_ids"] == [str(media.id)]
    assert [m["description"] for m in scheduled["media_attachments"]] == ["Red"]

    other = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": "x", "media_ids": [str(media.id)]},
    )
    assert other.status_code == 422
    assert "scheduled post" in (await other.get_json())["error"]
    deleted = await client.delete(f"/api/v1/media/{media.id}", headers=bearer(token))
    assert deleted.status_code == 422
    again = await _schedule(client, token, "Same file", media_ids=[str(media.id)])
    assert again.status_code == 422
    assert "media" in (await again.get_json())["error"]

    await _time_passes(svc)
    await run_jobs()
    posted = await _statuses(client, token, alice.id)
    assert [m["description"] for m in posted[0]["media_attachments"]] == ["Red"]


async def test_cancelled_files_can_be_used_again(client, svc):
    """Cancelling a scheduled post frees its files for another post."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png")
    scheduled = await (
        await _schedule(client, token, "Picture", media_ids=[str(media.id)])
    ).get_json()
    await client.delete(f"/api/v1/scheduled_statuses/{scheduled['id']}", headers=bearer(token))
    posted = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": "x", "media_ids": [str(media.id)]},
    )
    assert posted.status_code == 200, await posted.get_json()


async def test_a_repeated_idempotency_key_replays_the_scheduled_status(client, svc):
    """The same Idempotency-Key twice schedules one post and answers it both times."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    headers = {**bearer(token), "Idempotency-Key": "abc-123"}
    when = _in(60)
    first = await client.post(
        "/api/v1/statuses", headers=headers, json={"status": "Once", "scheduled_at": when}
    )
    second = await client.post(
        "/api/v1/statuses", headers=headers, json={"status": "Once", "scheduled_at": when}
    )
    assert first.status_code == second.status_code == 200
    assert (await first.get_json())["id"] == (await second.get_json())["id"]
    assert (await first.get_json())["params"]["idempotency"] == "abc-123"
    listed = await client.get("/api/v1/scheduled_statuses", headers=bearer(token))
    assert len(await listed.get_json()) == 1


async def test_the_list_pages_with_link_headers(client, svc):
    """`limit` and `max_id` page the list; the Link header points at the next page."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    ids = [
        (await (await _schedule(client, token, f"n{i}", 60 + i)).get_json())["id"] for i in range(3)
    ]
    first = await client.get("/api/v1/scheduled_statuses?limit=2", headers=bearer(token))
    page = [s["id"] for s in await first.get_json()]
    assert page == [ids[2], ids[1]]
    link = first.headers["Link"]
    assert f"max_id={ids[1]}" in link and 'rel="next"' in link
    second = await client.get(
        f"/api/v1/scheduled_statuses?limit=2&max_id={ids[1]}", headers=bearer(token)
    )
    assert [s["id"] for s in await second.get_json()] == [ids[0]]


async def test_a_reply_to_an_invisible_post_is_refused(client, svc):
    """`in_reply_to_id` of a post the author cannot see: 422 naming it."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    response = await _schedule(client, token, "Re", in_reply_to_id="123456")
    assert response.status_code == 422
    assert "in_reply_to_id" in (await response.get_json())["error"]


async def test_a_poll_is_kept_as_given_and_published_with_the_post(client, svc, run_jobs):
    """`poll[...]` params are stored as sent and the published status carries the poll."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    response = await _schedule(
        client,
        token,
        "Tea or coffee?",
        poll={"options": ["Tea", "Coffee"], "expires_in": 3600, "multiple": True},
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert body["params"]["poll"] == {
        "options": ["Tea", "Coffee"],
        "expires_in": 3600,
        "multiple": True,
        "hide_totals": False,
    }
    bad = await _schedule(
        client, token, "One option?", poll={"options": ["Only"], "expires_in": 3600}
    )
    assert bad.status_code == 422
    assert "poll" in (await bad.get_json())["error"]

    await _time_passes(svc)
    await run_jobs()
    [posted] = await _statuses(client, token, alice.id)
    assert [o["title"] for o in posted["poll"]["options"]] == ["Tea", "Coffee"]
    assert posted["poll"]["multiple"] is True
