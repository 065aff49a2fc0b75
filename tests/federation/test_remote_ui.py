"""Remote accounts in the web UI: search by handle or URL, remote profile pages, follow buttons.

Another server (a FakeRemote on 127.0.0.1, plain http) serves actors, collections and notes and
answers WebFinger; our pages are read through the Quart test client as a logged-in user; the
Follow we send travels over real HTTP, and the Accept comes back signed to our inbox.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import socket
from typing import Any

import pytest

from fedi.accounts import remote_profiles
from fedi.context import Services
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage.rows import Account
from fedi.timelines import home_timeline
from tests.factories import browser_login, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    CONTEXT,
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)


@pytest.fixture
async def alice(svc: Services, client: Any) -> Account:
    """A local user, logged in on `client`."""
    _, account = await make_user(svc, "alice")
    await browser_login(client, svc, account)
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


def handle(actor: RemoteActor) -> str:
    return f"{actor.name}@{actor.peer.fake.host}"


async def text_of(response: Any) -> str:
    return str(await response.get_data(as_text=True))


def serve_collections(actor: RemoteActor, *, posts: int, followers: int, following: int) -> None:
    """Serve the actor's outbox (first page by URL, one Create), followers and following."""
    fake, base = actor.peer.fake, actor.uri
    note = actor.note("<p>Fresh from the outbox</p>")
    page = {
        "@context": CONTEXT,
        "id": f"{base}/outbox/page1",
        "type": "OrderedCollectionPage",
        "partOf": f"{base}/outbox",
        "orderedItems": [actor.create(note)],
    }
    fake.add_document(f"/users/{actor.name}/outbox/page1", page)
    for name, total, extra in (
        ("outbox", posts, {"first": f"{base}/outbox/page1"}),
        ("followers", followers, {}),
        ("following", following, {}),
    ):
        doc = {
            "@context": CONTEXT,
            "id": f"{base}/{name}",
            "type": "OrderedCollection",
            "totalItems": total,
            **extra,
        }
        fake.add_document(f"/users/{actor.name}/{name}", doc)


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _account(svc: Services, uri: str) -> Account:
    async with svc.db.read() as conn:
        found = await account_store.get_account_by_uri(conn, uri)
    assert found is not None
    return found


# --- search and follow --------------------------------------------------------------------------


async def test_search_by_handle_then_follow_until_accepted(
    svc, client, csrf, run_jobs, alice, bob, peer
):
    """@bob@host:port is found by WebFinger; Follow is signed and sent; Accept makes it Unfollow."""
    peer.fake.trust(alice.public_key_id, alice.public_key_pem)
    page = await text_of(await client.get(f"/search?q=@{handle(bob)}"))
    assert "Bob Example" in page and f"@{handle(bob)}" in page
    assert f'action="/@{handle(bob)}/follow"' in page

    response = await client.post(
        f"/@{handle(bob)}/follow", form={"csrf_token": csrf, "next": f"/@{handle(bob)}"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/@{handle(bob)}"
    await run_jobs()
    [follow] = peer.received("Follow")
    assert follow["actor"] == alice.uri and follow["object"] == bob.uri
    [sent] = [r for r in peer.fake.requests_to("/users/bob/inbox") if r.method == "POST"]
    assert sent.signature == "ok"
    assert "Requested" in await text_of(await client.get(f"/@{handle(bob)}"))

    accepted = await deliver(client, bob, bob.activity("Accept", follow))
    assert accepted.status_code == 202
    await run_jobs()
    page = await text_of(await client.get(f"/@{handle(bob)}"))
    assert ">Unfollow<" in page and "Requested" not in page


async def test_a_locked_remote_account_shows_requested_until_it_accepts(
    svc, client, csrf, run_jobs, alice, peer
):
    """Following a locked remote account leaves a request: the page says Requested and Locked."""
    carol = peer.actor("carol", manuallyApprovesFollowers=True)
    page = await text_of(await client.get(f"/search?q={handle(carol)}"))
    assert "Request to follow" in page
    await client.post(f"/@{handle(carol)}/follow", form={"csrf_token": csrf})
    await run_jobs()
    assert len(peer.received("Follow")) == 1
    page = await text_of(await client.get(f"/@{handle(carol)}"))
    assert "Requested" in page and "Locked" in page and ">Unfollow<" not in page
    async with svc.db.read() as conn:
        row = await follow_store.get_follow(conn, alice.id, (await _account(svc, carol.uri)).id)
    assert row is not None and row.state == "pending"


async def test_unfollow_sends_undo_and_shows_follow_again(
    svc, client, csrf, run_jobs, alice, bob, peer
):
    """Unfollow from the remote profile withdraws the follow and tells the other server."""
    await client.post(f"/@{handle(bob)}/follow", form={"csrf_token": csrf})
    await run_jobs()
    await deliver(client, bob, bob.activity("Accept", peer.received("Follow")[0]))
    await run_jobs()
    response = await client.post(f"/@{handle(bob)}/unfollow", form={"csrf_token": csrf})
    assert response.status_code == 303
    await run_jobs()
    [undo] = peer.received("Undo")
    assert undo["object"]["type"] == "Follow"
    assert ">Follow<" in await text_of(await client.get(f"/@{handle(bob)}"))


async def test_search_by_profile_url_and_by_post_url(svc, client, alice, bob):
    """A pasted profile URL gives the account card; a post URL shows the post."""
    page = await text_of(await client.get(f"/search?q={bob.uri}"))
    assert "Bob Example" in page and f'action="/@{handle(bob)}/follow"' in page
    note = bob.note("<p>A post worth a link</p>")
    page = await text_of(await client.get(f"/search?q={note['id']}"))
    assert "A post worth a link" in page and f"@{handle(bob)}" in page
    assert (await home_timeline(svc, alice.id)).posts == []


async def test_search_finds_local_accounts_without_logging_in(svc, app):
    """@alice (or alice@our.domain) finds the local account, also for a logged-out visitor."""
    await make_user(svc, "alice")
    anonymous = app.test_client()
    for query in ("@alice", "alice", "@alice@localhost"):
        page = await text_of(await anonymous.get(f"/search?q={query}"))
        assert "@alice@localhost" in page and "Log in to follow" in page


async def test_remote_lookups_need_a_login(svc, app, bob):
    """A logged-out visitor is asked to log in before we contact another server."""
    page = await text_of(await app.test_client().get(f"/search?q=@{handle(bob)}"))
    assert "Log in to look up accounts" in page
    assert bob.peer.fake.requests_to("/.well-known/webfinger") == []


async def test_search_explains_what_went_wrong(svc, client, alice, peer):
    """Unknown handles, dead servers and non-ActivityPub URLs each get a clear message."""
    unknown = f"@nobody@{peer.fake.host}"
    page = await text_of(await client.get(f"/search?q={unknown}"))
    assert f"Could not find {unknown}." in page
    dead = f"@bob@127.0.0.1:{closed_port()}"
    assert "That server could not be reached." in await text_of(
        await client.get(f"/search?q={dead}")
    )
    peer.fake.add_response("/about", b"<html></html>", content_type="text/html")
    assert "Not an ActivityPub address." in await text_of(
        await client.get(f"/search?q={peer.fake.url('/about')}")
    )
    assert "Type a handle" in await text_of(await client.get("/search?q=what is this"))


# --- remote profile page ------------------------------------------------------------------------


async def test_remote_profile_shows_name_bio_counts_and_outbox_posts(svc, client, alice, bob):
    """The page shows what Bob's server says: name, bio, fields, avatar, counts, recent posts."""
    serve_collections(bob, posts=42, followers=7, following=3)
    response = await client.get(f"/@{handle(bob)}")
    assert response.status_code == 200
    page = await text_of(response)
    assert "Bob Example" in page and "Hello from" in page
    assert "<b>bold</b>" in page  # the profile field's sanitized HTML
    # The avatar is served from our remote-media cache, never hotlinked (issue 5).
    assert '/avatar" alt="Avatar of Bob Example"' in page and f"{bob.peer.base}/a.png" not in page
    assert "<strong>42</strong> posts" in page
    assert "<strong>7</strong> followers" in page
    assert "<strong>3</strong> following" in page
    assert "Fresh from the outbox" in page and 'class="post' in page
    assert f'href="{bob.peer.base}/@bob"' in page  # the original profile
    # Stored quietly: nobody's home timeline got it.
    assert (await home_timeline(svc, alice.id)).posts == []


async def test_counts_are_remembered_between_views(svc, client, alice, bob):
    """A second view does not fetch the collections again."""
    serve_collections(bob, posts=1, followers=1, following=1)
    await client.get(f"/@{handle(bob)}")
    before = len(bob.peer.fake.requests_to("/users/bob/followers"))
    page = await text_of(await client.get(f"/@{handle(bob)}"))
    assert "<strong>1</strong> follower<" in page
    assert len(bob.peer.fake.requests_to("/users/bob/followers")) == before == 1


async def test_counts_that_fail_or_are_slow_show_as_unknown(svc, client, alice, bob, monkeypatch):
    """Missing collections and a server that never answers give "unknown", within the budget."""
    monkeypatch.setattr(remote_profiles, "FETCH_BUDGET", 0.5)
    bob.peer.fake.add_slow("/users/bob/followers")
    page = await text_of(await client.get(f"/@{handle(bob)}"))
    assert "<strong>unknown</strong> followers" in page
    assert "<strong>unknown</strong> posts" in page


async def test_unknown_remote_profile_is_a_clear_404(svc, client, alice, peer):
    """An account the other server does not know answers 404 saying so."""
    response = await client.get(f"/@nobody@{peer.fake.host}")
    assert response.status_code == 404
    assert f"Could not find @nobody@{peer.fake.host}." in await text_of(response)


async def test_logged_out_visitors_see_only_known_accounts(svc, app, client, alice, bob):
    """A visitor sees a profile we already know, without us contacting its server."""
    anonymous = app.test_client()
    assert (await anonymous.get(f"/@{handle(bob)}")).status_code == 404
    await client.get(f"/@{handle(bob)}")  # alice's view looks Bob up
    requests = len(bob.peer.fake.requests)
    response = await anonymous.get(f"/@{handle(bob)}")
    assert response.status_code == 200
    assert "Log in to follow" in await text_of(response)
    assert len(bob.peer.fake.requests) == requests


async def test_our_own_domain_redirects_to_the_local_profile(svc, client, alice):
    """/@alice@localhost is /@alice."""
    response = await client.get("/@alice@localhost")
    assert response.status_code == 301 and response.headers["Location"] == "/@alice"


async def test_the_nav_has_a_search_box(svc, client, alice):
    """Every page offers the search / follow box."""
    page = await text_of(await client.get("/home"))
    assert 'action="/search"' in page and 'name="q"' in page
