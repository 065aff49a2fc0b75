"""WebFinger resources: parsing acct:/URL forms, matching this host, building JRD and XRD."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fedi.errors import Invalid, NotFound
from fedi.webfinger.resource import (
    BAD_RESOURCE,
    OTHER_HOST,
    Resource,
    Target,
    acct,
    host_meta,
    jrd,
    parse_resource,
    target_of,
)


def test_acct_with_host_and_port():
    """`acct:alice@localhost:8000` keeps the port in the host."""
    assert parse_resource("acct:alice@localhost:8000") == Resource(
        scheme="acct", host="localhost:8000", username="alice"
    )


def test_acct_host_is_lowercased_username_kept():
    """Hosts compare case-insensitively; the username keeps its case for the lookup."""
    parsed = parse_resource("ACCT:Alice@LocalHost:8000")
    assert (parsed.username, parsed.host) == ("Alice", "localhost:8000")


def test_percent_encoded_resource_is_decoded():
    """A resource encoded once more than needed (as Fedify sends) still parses."""
    parsed = parse_resource("acct%3Aerin%40127.0.0.1%3A8444")
    assert parsed == Resource(scheme="acct", host="127.0.0.1:8444", username="erin")


def test_acct_without_scheme_or_with_leading_at():
    """`alice@host` and `@alice@host` are read as acct: resources, as Mastodon does."""
    assert parse_resource("alice@localhost").username == "alice"
    assert parse_resource("@alice@localhost").host == "localhost"


def test_url_resource_keeps_port_and_path():
    """An actor URL gives the host (with port) and the path."""
    parsed = parse_resource("http://localhost:8000/users/alice")
    assert parsed == Resource(scheme="http", host="localhost:8000", path="/users/alice")


@pytest.mark.parametrize(
    "raw", ["", "   ", "alice", "acct:alice", "acct:@host", "acct:a@", "x" * 2000]
)
def test_not_a_resource_is_invalid(raw):
    """Something that is neither acct: nor a URL is refused with a message about `resource`."""
    with pytest.raises(Invalid) as caught:
        parse_resource(raw)
    assert caught.value.field_errors == {"resource": BAD_RESOURCE}


def test_target_for_acct_actor_url_and_profile_url():
    """acct:, the actor URL and the profile URL all name the same local account."""
    domain = "localhost:8000"
    for raw in (
        "acct:alice@localhost:8000",
        "http://localhost:8000/users/alice",
        "https://localhost:8000/@alice",
    ):
        assert target_of(parse_resource(raw), domain=domain) == Target(username="alice")


def test_target_other_host_or_port_is_not_found():
    """Another host, or the same host on another port, is not ours."""
    for raw in ("acct:alice@example.com", "acct:alice@localhost:8001", "acct:alice@localhost"):
        with pytest.raises(NotFound) as caught:
            target_of(parse_resource(raw), domain="localhost:8000")
        assert caught.value.safe_message == OTHER_HOST


def test_target_instance_actor():
    """`acct:<domain>@<domain>` and `/actor` name the instance actor, as on Mastodon."""
    domain = "localhost:8000"
    assert target_of(parse_resource("acct:localhost:8000@localhost:8000"), domain=domain) == Target(
        instance_actor=True
    )
    assert target_of(parse_resource("http://localhost:8000/actor"), domain=domain).instance_actor


def test_target_unknown_url_path_is_not_found():
    """A URL on our host that is not an account's is not found."""
    with pytest.raises(NotFound):
        target_of(parse_resource("http://localhost/about"), domain="localhost")


def test_jrd_has_exactly_one_self_link():
    """The JRD has the subject, both aliases and exactly one activity+json self link."""
    doc = jrd(
        subject=acct("alice", "localhost:8000"),
        actor="http://localhost:8000/users/alice",
        profile_page="http://localhost:8000/@alice",
        base_url="http://localhost:8000",
    )
    assert doc["subject"] == "acct:alice@localhost:8000"
    assert doc["aliases"] == ["http://localhost:8000/@alice", "http://localhost:8000/users/alice"]
    selfs = [link for link in doc["links"] if link["rel"] == "self"]
    assert selfs == [
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "http://localhost:8000/users/alice",
        }
    ]
    subscribe = next(
        link for link in doc["links"] if link["rel"] == "http://ostatus.org/schema/1.0/subscribe"
    )
    assert subscribe["template"] == "http://localhost:8000/authorize_interaction?uri={uri}"


def test_host_meta_is_xrd_with_lrdd_template():
    """host-meta is XRD XML whose lrdd link points at our WebFinger endpoint."""
    root = ET.fromstring(host_meta("https://example.social"))
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "https://example.social/.well-known/webfinger?resource={uri}"
