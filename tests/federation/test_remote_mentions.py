"""Remote mentions: `@name@host[:port]` in a post is looked up (WebFinger, before any write),
linked, tagged as a Mention in the Note, and delivered to that account's server.

Two other servers (FakeRemotes on 127.0.0.1) receive our deliveries; one of them holds a
follower of the author, so we can see who gets what.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import socket
from typing import Any

import pytest

from fedi.context import Services
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.posts import create_post, edit_post
from fedi.storage import accounts as account_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post
from tests.factories import browser_login, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    other_peer,
    peer,
)


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


@pytest.fixture
async def follower(
    svc: Services, client: Any, run_jobs: Any, other_peer: Peer, alice: Account
) -> RemoteActor:
    """Frank, on another server, follows Alice."""
    frank = other_peer.actor("frank")
    response = await deliver(client, frank, frank.activity("Follow", alice.uri))
    assert response.status_code == 202
    await run_jobs()
    return frank


def handle(actor: RemoteActor) -> str:
    return f"{actor.name}@{actor.peer.fake.host}"


async def _post(svc: Services, author: Account, text: str, **draft: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **draft))


async def _mentioned(svc: Services, post: Post) -> list[str]:
    async with svc.db.read() as conn:
        ids = (await post_store.list_mentions(conn, [post.id])).get(post.id, [])
        accounts = await account_store.get_accounts(conn, ids)
    return sorted(a.acct for a in accounts.values())


def creates(peer: Peer) -> list[tuple[str, dict[str, Any]]]:
    """(path, Create) pairs delivered to a server."""
    return [(path, body) for path, body in peer.posted if body.get("type") == "Create"]


async def test_a_remote_mention_is_linked_tagged_and_delivered(
    svc, client, run_jobs, alice, bob, peer
):
    """@bob@host:port links to Bob's profile, is a Mention tag, and his server gets the Create."""
    post = await _post(svc, alice, f"Hello @{handle(bob)}, welcome!")
    assert f'<a href="{bob.peer.base}/@bob" class="u-url mention"' in post.content_html
    assert await _mentioned(svc, post) == [handle(bob)]
    await run_jobs()
    [(path, create)] = creates(peer)
    assert path == "/inbox"  # the shared inbox of Bob's server
    note = create["object"]
    assert {"type": "Mention", "href": bob.uri, "name": f"@{handle(bob)}"} in note["tag"]
    assert bob.uri in note["cc"]
    await browser_login(client, svc, alice)
    page = await (await client.get(f"/@alice/{post.id}")).get_data(as_text=True)
    assert f'href="{bob.peer.base}/@bob"' in page


async def test_a_direct_post_reaches_only_the_mentioned(
    svc, run_jobs, alice, bob, peer, follower, other_peer
):
    """A direct post to Bob goes to his server only; a public one reaches Alice's follower too."""
    direct = await _post(svc, alice, f"@{handle(bob)} just between us", visibility="direct")
    await run_jobs()
    [(_, create)] = creates(peer)
    assert create["object"]["id"] == direct.uri and create["object"]["to"] == [bob.uri]
    assert creates(other_peer) == []
    public = await _post(svc, alice, f"@{handle(bob)} for everyone")
    await run_jobs()
    assert [c["object"]["id"] for _, c in creates(peer)] == [direct.uri, public.uri]
    assert [c["object"]["id"] for _, c in creates(other_peer)] == [public.uri]


async def test_unresolvable_mentions_stay_plain_text(svc, run_jobs, alice, peer):
    """Unknown handles and dead servers leave the text as written; the post is still made."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"x@127.0.0.1:{sock.getsockname()[1]}"
    unknown = f"nobody@{peer.fake.host}"
    post = await _post(svc, alice, f"Hi @{unknown} and @{dead}")
    assert "mention" not in post.content_html
    assert f"@{unknown}" in post.content_html and f"@{dead}" in post.content_html
    assert await _mentioned(svc, post) == []
    await run_jobs()
    assert creates(peer) == []


async def test_remote_mentions_notify_nobody_here_and_survive_an_edit(
    svc, run_jobs, alice, bob, peer
):
    """Only local accounts get notifications and feed rows; an edit keeps the remote mention."""
    _, carol = await make_user(svc, "carol")
    post = await _post(svc, alice, f"@{handle(bob)} and @carol")
    assert await _mentioned(svc, post) == sorted(["carol", handle(bob)])
    async with svc.db.read() as conn:
        bob_account = await account_store.get_account_by_uri(conn, bob.uri)
        assert bob_account is not None
        assert await notification_store.list_notifications(conn, bob_account.id) == []
        assert [n.type for n in await notification_store.list_notifications(conn, carol.id)] == [
            "mention"
        ]
    await run_jobs()
    edited = await edit_post(svc, alice, post.id, PostEdit(text=f"@{handle(bob)} and @carol!"))
    assert await _mentioned(svc, edited) == sorted(["carol", handle(bob)])
    await run_jobs()
    assert [b["type"] for _, b in peer.posted] == ["Create", "Update"]
