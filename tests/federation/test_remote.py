"""Fetching from other servers: signed GETs, the actor cache, WebFinger, and every refusal.

The other server is a FakeRemote on 127.0.0.1 over real HTTP; the test config allows http and
private addresses except where a test checks exactly those refusals.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from fedi import context
from fedi.config import Config
from fedi.context import Services, close_services, open_services
from fedi.errors import BadDocument, Conflict, FetchFailed, RemoteGone
from fedi.netguard import FetchLimits, GuardPolicy, Refused, Unreachable
from fedi.remote import Resolver, open_http
from fedi.storage import remote_accounts
from fedi.webfinger.lookup import lookup_handle
from tests.conftest import make_config
from tests.factories import TEST_KEYS, make_user, next_test_keypair
from tests.fakes.remote import LD_TYPE, FakeRemote, note

ALICE_KEYS, BOB_KEYS, MALLORY_KEYS = TEST_KEYS[0], TEST_KEYS[1], TEST_KEYS[2]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, federation={"allow_http": True, "allow_private_addresses": True})


@pytest.fixture
async def svc(config: Config, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Services]:
    """Services without the web app: the resolver needs only the database and instance keys."""
    monkeypatch.setattr(context, "generate_keypair", next_test_keypair)
    services = await open_services(config)
    yield services
    await close_services(services)


@pytest.fixture
async def remote(svc: Services) -> AsyncIterator[FakeRemote]:
    async with FakeRemote(require_signatures=True) as fake:
        assert svc.instance_keys is not None
        fake.trust(f"{svc.base_url}/actor#main-key", svc.instance_keys.public_pem)
        yield fake


@pytest.fixture
async def http(config: Config) -> AsyncIterator[httpx.AsyncClient]:
    client = await open_http(config)
    yield client
    await client.aclose()


@pytest.fixture
def resolver(svc: Services, http: httpx.AsyncClient) -> Resolver:
    made = Resolver(svc, http=http, refresh_interval=timedelta(0))
    svc.extras["resolver"] = made
    return made


async def guarded_resolver(
    svc: Services, config: Config, policy: GuardPolicy, **kwargs: object
) -> tuple[Resolver, httpx.AsyncClient]:
    """A resolver (and its client, to close) with a stricter policy than the test config."""
    resolve = kwargs.pop("resolve", None)
    client = await open_http(config, policy=policy, **({"resolve": resolve} if resolve else {}))
    return Resolver(svc, http=client, policy=policy, **kwargs), client  # type: ignore[arg-type]


# --- actors -----------------------------------------------------------------------------------


async def test_fetching_an_actor_stores_its_profile_with_the_bio_sanitised(resolver, remote):
    """A remote profile is stored with its fields; scripts in the bio never reach our pages."""
    remote.add_actor(
        "alice",
        ALICE_KEYS,
        summary="<p>Hi<script>alert(1)</script> <a href='javascript:x()'>me</a></p>",
        manuallyApprovesFollowers=True,
    )

    account = await resolver.get_actor(remote.url("/users/alice"))

    assert account.username == "alice"
    assert account.domain == remote.host
    assert account.acct == f"alice@{remote.host}"
    assert account.display_name == "Alice Example"
    assert "script" not in account.note_html and "alert" not in account.note_html
    assert "javascript" not in account.note_html
    assert account.locked == 1 and account.discoverable == 1
    assert account.inbox_uri == remote.url("/users/alice/inbox")
    assert account.shared_inbox_uri == remote.url("/inbox")
    assert account.outbox_uri == remote.url("/users/alice/outbox")
    assert account.followers_uri == remote.url("/users/alice/followers")
    assert account.featured_uri == remote.url("/users/alice/collections/featured")
    assert account.avatar_url == remote.url("/a.png")
    assert account.header_url == remote.url("/h.png")
    assert account.url == remote.url("/@alice")
    assert account.public_key_id == remote.url("/users/alice#main-key")
    assert account.public_key_pem == ALICE_KEYS.public_pem
    assert account.fields == [{"name": "Site", "value": "bold", "value_html": "<b>bold</b>"}]
    assert json.loads(account.raw_json or "{}")["id"] == account.uri
    assert account.fetched_at


async def test_fetches_are_signed_by_the_instance_actor(resolver, remote, svc):
    """Servers in secure mode (GoToSocial, Threads) see a valid signature of our instance actor."""
    remote.add_actor("alice", ALICE_KEYS)

    await resolver.get_actor(remote.url("/users/alice"))

    [got] = remote.requests_to("/users/alice")
    assert got.signature == "ok"
    assert got.headers["signature"].startswith(f'keyId="{svc.base_url}/actor#main-key"')
    assert got.headers["accept"].startswith("application/activity+json")
    assert got.headers["user-agent"] == f"fedi/0.1.0 (+{svc.base_url})"


async def test_a_cached_actor_is_not_fetched_again(resolver, remote):
    """A second look at the same actor within a day costs no request to the other server."""
    remote.add_actor("alice", ALICE_KEYS)
    first = await resolver.get_actor(remote.url("/users/alice"))

    again = await resolver.get_actor(remote.url("/users/alice"))

    assert again == first
    assert len(remote.requests_to("/users/alice")) == 1


async def test_refresh_refetches_and_updates_the_profile(resolver, remote):
    """A refresh picks up a changed display name (and key) from the other server."""
    remote.add_actor("alice", ALICE_KEYS)
    first = await resolver.get_actor(remote.url("/users/alice"))
    remote.add_actor("alice", BOB_KEYS, name="Alice Renamed")

    fresh = await resolver.get_actor(remote.url("/users/alice"), refresh=True)

    assert fresh.id == first.id
    assert fresh.display_name == "Alice Renamed"
    assert fresh.public_key_pem == BOB_KEYS.public_pem
    assert len(remote.requests_to("/users/alice")) == 2


async def test_refresh_is_rate_limited(svc, http, remote):
    """Refreshes right after a fetch are served from the cache (no refetch floods)."""
    limited = Resolver(svc, http=http, refresh_interval=timedelta(minutes=1))
    remote.add_actor("alice", ALICE_KEYS)
    await limited.get_actor(remote.url("/users/alice"))

    await limited.get_actor(remote.url("/users/alice"), refresh=True)

    assert len(remote.requests_to("/users/alice")) == 1


async def test_an_actor_whose_key_belongs_to_someone_else_is_refused(resolver, remote):
    """An actor document presenting another actor's key is not stored."""
    remote.add_actor(
        "mallory",
        MALLORY_KEYS,
        publicKey={
            "id": "https://remote.example/users/mallory#main-key",
            "owner": "https://remote.example/users/alice",
            "publicKeyPem": MALLORY_KEYS.public_pem,
        },
    )

    with pytest.raises(BadDocument, match="belongs to"):
        await resolver.get_actor(remote.url("/users/mallory"))


# --- keys -------------------------------------------------------------------------------------


async def test_a_mastodon_key_id_with_a_fragment_resolves_to_its_actor(resolver, remote):
    """`<actor>#main-key` is found by fetching the actor; later lookups use the cache."""
    remote.add_actor("alice", ALICE_KEYS)

    account, pem = await resolver.get_key(remote.url("/users/alice#main-key"))
    again, _ = await resolver.get_key(remote.url("/users/alice#main-key"))

    assert account.uri == remote.url("/users/alice")
    assert pem == ALICE_KEYS.public_pem
    assert again.id == account.id
    assert len(remote.requests_to("/users/alice")) == 1


async def test_a_gotosocial_key_stub_resolves_to_its_owner(resolver, remote):
    """GoToSocial's `<actor>/main-key` stub leads to the owner, who must list that key."""
    remote.add_actor("bob", BOB_KEYS, style="gotosocial")

    account, pem = await resolver.get_key(remote.url("/users/bob/main-key"))

    assert account.uri == remote.url("/users/bob")
    assert account.public_key_id == remote.url("/users/bob/main-key")
    assert account.shared_inbox_uri == ""
    assert pem == BOB_KEYS.public_pem
    assert [r.path for r in remote.requests] == ["/users/bob/main-key", "/users/bob"]


async def test_a_key_document_cannot_claim_an_owner_who_does_not_list_it(resolver, remote):
    """A stand-alone key naming alice as owner is refused when alice's actor lists another key."""
    remote.add_actor("alice", ALICE_KEYS)
    remote.add_document(
        "/keys/evil",
        {
            "id": "https://remote.example/keys/evil",
            "type": "Key",
            "owner": "https://remote.example/users/alice",
            "publicKeyPem": MALLORY_KEYS.public_pem,
        },
    )

    with pytest.raises(BadDocument, match="does not list the key"):
        await resolver.get_key(remote.url("/keys/evil"))


async def test_a_rotated_key_is_found_on_refresh(resolver, remote):
    """After the actor rotates its key, a refresh (after a failed check) finds the new one."""
    remote.add_actor("alice", ALICE_KEYS)
    await resolver.get_key(remote.url("/users/alice#main-key"))
    remote.add_actor("alice", BOB_KEYS)

    _, pem = await resolver.get_key(remote.url("/users/alice#main-key"), refresh=True)

    assert pem == BOB_KEYS.public_pem


async def test_a_failed_key_fetch_is_not_repeated_at_once(resolver, remote):
    """A key that could not be fetched is not fetched again for a minute (flood protection)."""
    with pytest.raises(FetchFailed):
        await resolver.get_key(remote.url("/users/ghost#main-key"))

    with pytest.raises(FetchFailed):
        await resolver.get_key(remote.url("/users/ghost#main-key"))

    assert len(remote.requests_to("/users/ghost")) == 1


# --- objects and URLs -------------------------------------------------------------------------


async def test_an_object_is_fetched_signed_with_its_own_id(resolver, remote):
    """A Note is returned when its id is the URL it came from (ld+json with profile is fine)."""
    served = remote.add_document(
        "/users/alice/statuses/1", note("/users/alice/statuses/1", "alice"), content_type=LD_TYPE
    )

    got = await resolver.get_object(remote.url("/users/alice/statuses/1"))

    assert got == served


async def test_an_object_claiming_another_id_is_refused(resolver, remote):
    """A document served at one URL but claiming another id is not trusted."""
    remote.add_document("/notes/1", note("/notes/2", "alice"))

    with pytest.raises(BadDocument, match="claims to be"):
        await resolver.get_object(remote.url("/notes/1"))


@pytest.mark.parametrize("content_type", ["application/json", "text/html; charset=utf-8"])
async def test_a_document_that_is_not_activitypub_is_refused(resolver, remote, content_type):
    """Uploaded JSON files and web pages are never taken as ActivityPub documents."""
    remote.add_document("/notes/1", note("/notes/1", "alice"), content_type=content_type)

    with pytest.raises(BadDocument, match="not an ActivityPub document"):
        await resolver.get_object(remote.url("/notes/1"))


async def test_missing_and_deleted_documents(resolver, remote):
    """404 is a failed fetch; 410 says the object is gone for good."""
    remote.add_response("/notes/gone", b"", status=410)

    with pytest.raises(FetchFailed, match="404"):
        await resolver.get_object(remote.url("/notes/missing"))
    with pytest.raises(RemoteGone):
        await resolver.get_object(remote.url("/notes/gone"))


async def test_unsigned_fetches_are_refused_by_a_secure_mode_server(svc, http, remote):
    """Without our signature a secure-mode server answers 401, reported as a failed fetch."""
    remote.trusted_keys.clear()
    remote.add_actor("alice", ALICE_KEYS)
    resolver = Resolver(svc, http=http)

    with pytest.raises(FetchFailed, match="refused"):
        await resolver.get_actor(remote.url("/users/alice"))


async def test_a_pasted_profile_url_resolves_to_the_actor(resolver, remote):
    """Mastodon serves the actor at `/@name` with the id `/users/name`; we follow the id."""
    actor = remote.add_actor("alice", ALICE_KEYS)
    remote.add_document("/@alice", actor)

    found = await resolver.resolve_url(remote.url("/@alice"))

    assert not isinstance(found, dict)
    assert found.uri == remote.url("/users/alice")


async def test_a_pasted_post_url_resolves_to_the_post(resolver, remote):
    """A post URL gives the post's document."""
    served = remote.add_document("/notes/7", note("/notes/7", "alice"))

    assert await resolver.resolve_url(remote.url("/notes/7")) == served


async def test_a_redirect_within_limits_is_followed(resolver, remote):
    """Five redirects are followed; the document must then carry the final URL as its id."""
    remote.add_actor("alice", ALICE_KEYS)
    for hop in range(1, 5):
        remote.add_redirect(f"/r{hop}", f"/r{hop + 1}")
    remote.add_redirect("/r5", remote.url("/users/alice"))

    found = await resolver.resolve_url(remote.url("/r1"))

    assert not isinstance(found, dict)
    assert found.username == "alice"
    assert all(r.signature == "ok" for r in remote.requests)


# --- WebFinger --------------------------------------------------------------------------------


async def test_a_handle_with_a_port_is_found_by_webfinger(svc, resolver, remote):
    """`alice@127.0.0.1:PORT` is looked up over WebFinger and its actor stored and cached."""
    remote.add_actor("alice", ALICE_KEYS)

    account = await lookup_handle(svc, f"@alice@{remote.host}")
    again = await lookup_handle(svc, f"alice@{remote.host}")

    assert account.uri == remote.url("/users/alice")
    assert again.id == account.id
    [query] = [r.query for r in remote.requests_to("/.well-known/webfinger")]
    assert query == f"resource=acct%3Aalice%40127.0.0.1%3A{remote.port}"
    async with svc.db.read() as conn:
        stored = await remote_accounts.get_account_by_acct(conn, "ALICE", remote.host)
    assert stored is not None and stored.id == account.id


async def test_a_handle_confirmed_by_the_actors_own_handle_is_accepted(svc, resolver, remote):
    """WebFinger for an alias (carol) pointing at alice is fine when alice's handle confirms it."""
    remote.add_actor("alice", ALICE_KEYS)
    remote.actors["carol"] = remote.actors["alice"]

    account = await lookup_handle(svc, f"carol@{remote.host}")

    assert account.acct == f"alice@{remote.host}"


async def test_a_handle_pointing_at_someone_elses_actor_is_refused(svc, resolver, remote):
    """If alice's own handle names another actor, a lookup landing on alice's actor fails."""
    alice = remote.add_actor("alice", ALICE_KEYS)
    remote.add_actor("bob", BOB_KEYS)
    remote.actors["carol"] = alice
    remote.actors["alice"] = remote.actors["bob"]

    with pytest.raises(BadDocument, match="does not confirm"):
        await lookup_handle(svc, f"carol@{remote.host}")


async def test_an_unknown_handle_is_not_found(svc, resolver, remote):
    """A name the other server does not know gives a failed fetch."""
    with pytest.raises(FetchFailed, match="404"):
        await lookup_handle(svc, f"nobody@{remote.host}")


# --- refusals ---------------------------------------------------------------------------------


async def test_a_private_address_is_refused_unless_allowed(svc, config, remote):
    """With allow_private_addresses off, 127.0.0.1 and names resolving to it are never contacted."""
    strict, client = await guarded_resolver(svc, config, GuardPolicy(allow_http=True))
    try:
        with pytest.raises(Refused, match="127.0.0.1: it is a loopback address"):
            await strict.get_actor(remote.url("/users/alice"))
        with pytest.raises(Refused, match=r"localhost \(127.0.0.1\): it is a loopback address"):
            await strict.get_object(f"http://localhost:{remote.port}/users/alice")
    finally:
        await client.aclose()
    assert remote.requests == []


async def test_plain_http_is_refused_unless_allowed(svc, config, remote):
    """With allow_http off only https is fetched."""
    strict, client = await guarded_resolver(svc, config, GuardPolicy(allow_private_addresses=True))
    try:
        with pytest.raises(Refused, match="plain http"):
            await strict.get_actor(remote.url("/users/alice"))
    finally:
        await client.aclose()
    assert remote.requests == []


async def test_a_redirect_to_a_private_address_is_refused(svc, config, remote):
    """Each redirect hop is checked again: a public peer cannot send us into the private network."""

    async def resolve(host: str, port: int) -> list[str]:
        return {"127.0.0.1": ["127.0.0.1"], "internal.test": ["10.1.2.3"]}[host]

    policy = GuardPolicy(allow_http=True, allowed_networks=("127.0.0.1/32",))
    strict, client = await guarded_resolver(svc, config, policy, resolve=resolve)
    remote.add_redirect("/to-literal", "http://10.0.0.1/users/alice")
    remote.add_redirect("/to-name", f"http://internal.test:{remote.port}/users/alice")
    try:
        with pytest.raises(Refused, match="10.0.0.1: it is a private address"):
            await strict.get_object(remote.url("/to-literal"))
        with pytest.raises(Refused, match=r"internal.test \(10.1.2.3\): it is a private"):
            await strict.get_object(remote.url("/to-name"))
    finally:
        await client.aclose()


async def test_six_redirects_are_too_many(resolver, remote):
    """A chain of more than five redirects is abandoned."""
    for hop in range(1, 7):
        remote.add_redirect(f"/r{hop}", f"/r{hop + 1}")
    remote.add_document("/r7", note("/r7", "alice"))

    with pytest.raises(Refused, match="more than 5 redirects"):
        await resolver.get_object(remote.url("/r1"))
    assert len(remote.requests) == 6


async def test_a_redirect_loop_is_abandoned(resolver, remote):
    """Redirects that come back to a URL already visited stop at once."""
    remote.add_redirect("/a", "/b")
    remote.add_redirect("/b", "/a")

    with pytest.raises(Refused, match="loop"):
        await resolver.get_object(remote.url("/a"))


async def test_an_oversize_body_is_abandoned(resolver, remote):
    """A body over 1 MB is refused whether or not it announces its length."""
    big = b'{"id": "' + b"x" * (1024 * 1024) + b'"}'

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    remote.add_response("/sized", big)
    remote.add_response("/streamed", chunks)

    with pytest.raises(BadDocument, match="larger than 1024 KB"):
        await resolver.get_object(remote.url("/sized"))
    with pytest.raises(BadDocument, match="larger than 1024 KB"):
        await resolver.get_object(remote.url("/streamed"))


async def test_a_slow_server_times_out(svc, http, remote):
    """A peer that never finishes answering is given up on after the total time limit."""
    remote.add_slow("/users/slow")
    quick = Resolver(svc, http=http, limits=FetchLimits(total=0.3))

    with pytest.raises(Unreachable, match="no complete answer within 0.3 s"):
        await quick.get_actor(remote.url("/users/slow"))


async def test_a_dead_port_is_unreachable(resolver, remote):
    """Nothing listening is reported as 'Could not reach'."""
    await remote.stop()

    with pytest.raises(Unreachable, match="Could not reach 127.0.0.1"):
        await resolver.get_object(remote.url("/notes/1"))


async def test_refused_urls_are_never_fetched(resolver):
    """data: and file: URLs are refused before anything is sent."""
    for url in ("data:application/activity+json,{}", "file:///etc/passwd"):
        with pytest.raises(Refused, match="only https"):
            await resolver.get_object(url)


def test_private_address_config_is_off_by_default(tmp_path: Path) -> None:
    """Production defaults refuse private addresses and plain http."""
    policy = GuardPolicy.from_config(make_config(tmp_path).federation)

    assert policy == GuardPolicy(allow_private_addresses=False, allow_http=False)


# --- storage of remote accounts ---------------------------------------------------------------


def _fields(uri: str, username: str, **changes: object) -> remote_accounts.RemoteAccountFields:
    return remote_accounts.RemoteAccountFields(
        uri=uri,
        username=username,
        domain="peer.example",
        public_key_id=f"{uri}#main-key",
        public_key_pem=ALICE_KEYS.public_pem,
        **changes,  # type: ignore[arg-type]
    )


async def test_upserting_a_remote_account_keeps_its_id(svc):
    """A refetched actor updates its row in place; lookups by uri, key id and handle find it."""
    uri = "https://peer.example/users/dana"
    async with svc.db.write() as tx:
        first = await remote_accounts.upsert_remote_account(tx, _fields(uri, "dana"))
    async with svc.db.write() as tx:
        second = await remote_accounts.upsert_remote_account(
            tx, _fields(uri, "dana", display_name="Dana", locked=True)
        )

    assert second.id == first.id and second.display_name == "Dana" and second.locked == 1
    async with svc.db.read() as conn:
        assert (await remote_accounts.get_remote_account_by_uri(conn, uri)).id == first.id
        assert (await remote_accounts.get_account_by_key_id(conn, f"{uri}#main-key")).id == first.id
        assert (await remote_accounts.get_account_by_acct(conn, "DANA", "Peer.Example")).id == (
            first.id
        )
        assert await remote_accounts.get_account_by_acct(conn, "dana", None) is None


async def test_a_fetch_never_replaces_a_local_account_or_steals_a_handle(svc):
    """A remote document cannot overwrite a local account, nor take another actor's handle."""
    _, local = await make_user(svc, "erin")
    async with svc.db.write() as tx:
        await remote_accounts.upsert_remote_account(
            tx, _fields("https://peer.example/users/dana", "dana")
        )

    with pytest.raises(Conflict, match="local account"):
        async with svc.db.write() as tx:
            await remote_accounts.upsert_remote_account(tx, _fields(local.uri, "erin"))
    with pytest.raises(Conflict, match="already belongs to another actor"):
        async with svc.db.write() as tx:
            await remote_accounts.upsert_remote_account(
                tx, _fields("https://peer.example/users/dana2", "Dana")
            )
    async with svc.db.read() as conn:
        assert (await remote_accounts.get_account_by_acct(conn, "erin", None)).id == local.id
        assert await remote_accounts.get_remote_account_by_uri(conn, local.uri) is None
