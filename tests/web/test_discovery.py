"""Discovery: WebFinger, host-meta and NodeInfo as other servers (and crawlers) see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fedi.accounts.sessions import start_session
from fedi.app import create_app
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post, delete_post
from fedi.storage import accounts as account_store
from fedi.storage.clock import now_db
from tests.conftest import make_config
from tests.factories import make_user

NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"


@pytest.fixture
async def port_app(tmp_path: Path) -> AsyncIterator[Any]:
    """An instance whose domain carries a port, as in development (`localhost:8000`)."""
    app = create_app(
        make_config(tmp_path, instance={"domain": "localhost:8000"}), start_workers=False
    )
    async with app.test_app():
        yield app


@pytest.fixture
async def port_client(port_app: Any) -> Any:
    await make_user(port_app.extensions["fedi"], "alice")
    return port_app.test_client()


async def _finger(client: Any, resource: str | None, *, raw_query: str | None = None) -> Any:
    if raw_query is not None:
        return await client.get("/.well-known/webfinger?" + raw_query)
    if resource is None:
        return await client.get("/.well-known/webfinger")
    return await client.get("/.well-known/webfinger", query_string={"resource": resource})


# --- WebFinger ------------------------------------------------------------------------------


async def test_webfinger_acct_with_host_and_port(port_client):
    """`acct:alice@localhost:8000` answers the JRD with the port kept in every IRI."""
    response = await _finger(port_client, "acct:alice@localhost:8000")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/jrd+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = await response.get_json(force=True)
    assert body["subject"] == "acct:alice@localhost:8000"
    assert body["aliases"] == ["http://localhost:8000/@alice", "http://localhost:8000/users/alice"]
    selfs = [link for link in body["links"] if link["rel"] == "self"]
    assert selfs == [
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "http://localhost:8000/users/alice",
        }
    ]
    page = next(x for x in body["links"] if x["rel"] == "http://webfinger.net/rel/profile-page")
    assert page == {
        "rel": "http://webfinger.net/rel/profile-page",
        "type": "text/html",
        "href": "http://localhost:8000/@alice",
    }
    subscribe = next(
        x for x in body["links"] if x["rel"] == "http://ostatus.org/schema/1.0/subscribe"
    )
    assert subscribe["template"] == "http://localhost:8000/authorize_interaction?uri={uri}"


async def test_webfinger_percent_encoded_resource(port_client):
    """A percent-encoded resource (Fedify's form) is decoded and found."""
    response = await _finger(
        port_client, None, raw_query="resource=acct%3Aalice%40localhost%3A8000"
    )
    assert response.status_code == 200
    assert (await response.get_json(force=True))["subject"] == "acct:alice@localhost:8000"


async def test_webfinger_case_insensitive_host_and_name(port_client):
    """Host and username match whatever their case; the subject uses the stored spelling."""
    response = await _finger(port_client, "acct:ALICE@LOCALHOST:8000")
    assert response.status_code == 200
    assert (await response.get_json(force=True))["subject"] == "acct:alice@localhost:8000"


async def test_webfinger_actor_url_and_profile_url(port_client):
    """The actor URL and the profile URL answer the same JRD as the acct: handle."""
    for resource in ("http://localhost:8000/users/alice", "http://localhost:8000/@alice"):
        response = await _finger(port_client, resource)
        assert response.status_code == 200, resource
        assert (await response.get_json(force=True))["subject"] == "acct:alice@localhost:8000"


async def test_webfinger_unknown_user_is_404(port_client):
    """An unknown user answers 404 with a JSON error (and still allows cross-origin reads)."""
    response = await _finger(port_client, "acct:nobody@localhost:8000")
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (await response.get_json())["error"] == "No user @nobody here."


async def test_webfinger_other_domain_is_404(port_client):
    """A handle on another domain, or on our host with another port, answers 404."""
    for resource in ("acct:alice@example.com", "acct:alice@localhost:8001"):
        response = await _finger(port_client, resource)
        assert response.status_code == 404, resource
        assert (await response.get_json())["error"] == "That account does not live on this server."


async def test_webfinger_missing_or_bad_resource_is_400(port_client):
    """No resource, or one that is not a handle or URL, answers 400 saying what to send."""
    response = await _finger(port_client, None)
    assert response.status_code == 400
    assert "resource parameter" in (await response.get_json())["error"]
    response = await _finger(port_client, "just-a-word")
    assert response.status_code == 400
    assert (await response.get_json())["error"].startswith("The resource must look like acct:")


async def test_webfinger_instance_actor(port_client):
    """`acct:<domain>@<domain>` names the instance actor at /actor, as on Mastodon."""
    response = await _finger(port_client, "acct:localhost:8000@localhost:8000")
    assert response.status_code == 200
    body = await response.get_json(force=True)
    assert body["subject"] == "acct:localhost:8000@localhost:8000"
    [link] = [x for x in body["links"] if x["rel"] == "self"]
    assert link["href"] == "http://localhost:8000/actor"


async def test_webfinger_deleted_account_is_gone(client, svc):
    """A deleted account's handle answers 410."""
    _, alice = await make_user(svc, "alice")
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, deleted_at=now_db())
    response = await _finger(client, "acct:alice@localhost")
    assert response.status_code == 410
    assert "deleted" in (await response.get_json())["error"]


# --- host-meta ------------------------------------------------------------------------------


async def test_host_meta_is_xrd_with_lrdd_template(port_client):
    """host-meta answers XRD XML whose lrdd template points at our WebFinger."""
    response = await port_client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xrd+xml")
    root = ET.fromstring(await response.get_data())
    assert root.tag == "{http://docs.oasis-open.org/ns/xri/xrd-1.0}XRD"
    [link] = list(root)
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "http://localhost:8000/.well-known/webfinger?resource={uri}"


# --- NodeInfo -------------------------------------------------------------------------------


async def test_nodeinfo_discovery_links_both_versions(client):
    """/.well-known/nodeinfo links to the 2.0 and 2.1 documents."""
    response = await client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["links"] == [
        {"rel": NODEINFO_20, "href": "http://localhost/nodeinfo/2.0"},
        {"rel": NODEINFO_21, "href": "http://localhost/nodeinfo/2.1"},
    ]


def _assert_nodeinfo_shape(body: dict[str, Any], version: str) -> None:
    """The fields the NodeInfo schema requires, with their types."""
    assert set(body) >= {
        "version",
        "software",
        "protocols",
        "services",
        "openRegistrations",
        "usage",
        "metadata",
    }
    assert body["version"] == version
    assert body["software"]["name"] == "fedi"
    assert isinstance(body["software"]["version"], str) and body["software"]["version"]
    assert body["protocols"] == ["activitypub"]
    assert body["services"] == {"inbound": [], "outbound": []}
    assert isinstance(body["openRegistrations"], bool)
    users = body["usage"]["users"]
    for key in ("total", "activeMonth", "activeHalfyear"):
        assert isinstance(users[key], int) and users[key] >= 0
    assert isinstance(body["usage"]["localPosts"], int)
    assert isinstance(body["metadata"], dict)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_document_shape_and_content_type(client, version):
    """Each NodeInfo version has the schema's required fields and its profile content type."""
    response = await client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    )
    body = await response.get_json(force=True)
    _assert_nodeinfo_shape(body, version)
    assert body["openRegistrations"] is True
    assert body["metadata"] == {
        "nodeName": "fedi",
        "nodeDescription": "A small corner of the fediverse.",
    }


async def test_nodeinfo_unknown_version_is_404(client):
    """Only 2.0 and 2.1 are served."""
    response = await client.get("/nodeinfo/1.0")
    assert response.status_code == 404
    assert (await response.get_json())["error"] == "We serve NodeInfo 2.0 and 2.1 only."


async def test_nodeinfo_counts_follow_users_and_posts(client, svc):
    """Users, active users and local posts change as people sign up, log in and post."""

    async def usage() -> dict[str, Any]:
        response = await client.get("/nodeinfo/2.1")
        return (await response.get_json(force=True))["usage"]

    before = await usage()
    assert before == {"users": {"total": 0, "activeMonth": 0, "activeHalfyear": 0}, "localPosts": 0}
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    assert (await usage())["users"] == {"total": 3, "activeMonth": 0, "activeHalfyear": 0}

    await create_post(svc, alice, PostDraft(text="hello world", visibility="public"))
    post = await create_post(svc, alice, PostDraft(text="second", visibility="private"))
    await start_session(svc, bob.id, ip="127.0.0.1", user_agent="pytest")
    after = await usage()
    assert after["users"] == {"total": 3, "activeMonth": 2, "activeHalfyear": 2}
    assert after["localPosts"] == 2

    await delete_post(svc, alice, post.id)
    assert (await usage())["localPosts"] == 1
    assert carol.username == "carol"


async def test_nodeinfo_closed_registrations(tmp_path):
    """openRegistrations is false unless sign-ups are open; the name comes from the config."""
    cfg = make_config(tmp_path, instance={"registrations": "closed", "name": "Tiny"})
    app = create_app(cfg, start_workers=False)
    async with app.test_app():
        response = await app.test_client().get("/nodeinfo/2.0")
        body = await response.get_json(force=True)
    assert body["openRegistrations"] is False
    assert body["metadata"]["nodeName"] == "Tiny"
