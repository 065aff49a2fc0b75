"""Reports forwarded to the reported account's server as a Flag from the instance actor.

Against another server (a FakeRemote on 127.0.0.1 that checks our signatures with its own
verifier), through the client API.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fedi.activitypub.keys import key_id as main_key_id
from fedi.context import Services
from fedi.moderation.report_forward import FORWARD_KIND
from fedi.remote import resolver_of
from fedi.storage.rows import Account
from tests.api.statuses_helpers import remote_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    config,
    fast_instance_keys,
    http,
    peer,
)

Run = Callable[[], Awaitable[int]]


async def _setup(svc: Services, peer: Peer) -> tuple[dict[str, str], Account]:
    """alice (local, with a token) and bob of the other server, known here; the other server
    trusts our instance actor's key."""
    _, alice = await make_user(svc, "alice")
    bob = await resolver_of(svc).get_actor(peer.actor("bob").uri)
    assert svc.instance_keys is not None
    peer.fake.trust(main_key_id(svc.base_url + "/actor"), svc.instance_keys.public_pem)
    return bearer(await make_token(svc, alice)), bob


async def _report(client: Any, headers: dict[str, str], form: dict[str, str]) -> Any:
    return await client.post("/api/v1/reports", headers=headers, form=form)


async def test_forwarded_report_reaches_the_other_server_as_a_signed_flag(
    svc: Services, client: Any, peer: Peer, run_jobs: Run
) -> None:
    """`forward=true` about a remote account: the report says forwarded, and its server's shared
    inbox gets a Flag from /actor (not from the reporter) naming the account and the posts, with
    the comment, signed with the instance actor's key."""
    headers, bob = await _setup(svc, peer)
    bad = await remote_post(svc, bob, "<p>buy my stuff</p>")

    response = await _report(
        client,
        headers,
        {
            "account_id": str(bob.id),
            "status_ids[]": str(bad.id),
            "comment": "Spam from your server",
            "category": "spam",
            "forward": "true",
        },
    )
    assert response.status_code == 200
    assert (await response.get_json())["forwarded"] is True
    await run_jobs()

    [flag] = peer.received("Flag")
    actor = svc.base_url + "/actor"
    assert flag["actor"] == actor
    assert flag["object"] == [bob.uri, bad.uri]
    assert flag["content"] == "Spam from your server"
    assert "alice" not in str(flag)
    [delivery] = [r for r in peer.fake.requests if r.method == "POST"]
    assert delivery.path == "/inbox"  # the shared inbox
    assert delivery.signature == "ok"
    assert f'keyId="{main_key_id(actor)}"' in delivery.headers["signature"]


async def test_without_forward_nothing_leaves(
    svc: Services, client: Any, peer: Peer, run_jobs: Run
) -> None:
    """A report without `forward` stays here: not forwarded, no Flag sent."""
    headers, bob = await _setup(svc, peer)

    response = await _report(client, headers, {"account_id": str(bob.id), "comment": "hm"})

    assert response.status_code == 200
    assert (await response.get_json())["forwarded"] is False
    await run_jobs()
    assert peer.received("Flag") == []
    assert await svc.jobs.list(kind=FORWARD_KIND, limit=10) == []


async def test_reports_about_local_accounts_are_never_forwarded(
    svc: Services, client: Any, peer: Peer
) -> None:
    """`forward` about an account of this server changes nothing: there is nowhere to send it."""
    headers, _ = await _setup(svc, peer)
    _, carol = await make_user(svc, "carol")

    response = await _report(client, headers, {"account_id": str(carol.id), "forward": "true"})

    assert response.status_code == 200
    assert (await response.get_json())["forwarded"] is False
    assert await svc.jobs.list(kind=FORWARD_KIND, limit=10) == []


async def test_a_failing_server_is_retried_and_a_refusal_is_final(
    svc: Services, client: Any, peer: Peer, run_jobs: Run
) -> None:
    """A 503 from the other server schedules a retry; a 400 ends the delivery for good."""
    headers, bob = await _setup(svc, peer)
    peer.fake.add_response("/inbox", b"busy", status=503)
    response = await _report(client, headers, {"account_id": str(bob.id), "forward": "true"})
    assert response.status_code == 200

    await run_jobs()
    [job] = await svc.jobs.list(kind=FORWARD_KIND, limit=10)
    assert job.state == "retry" and "503" in job.last_error

    peer.fake.add_response("/inbox", b"no", status=400)
    await _report(client, headers, {"account_id": str(bob.id), "forward": "true"})
    await run_jobs()
    states = sorted(j.state for j in await svc.jobs.list(kind=FORWARD_KIND, limit=10))
    assert states == ["dead", "retry"]
