"""ActivityPub documents built from plain inputs, addressing, and the offline JSON-LD loader."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld

from fedi.activitypub import serialize
from fedi.activitypub.addressing import PUBLIC, audience_for, visibility_of
from fedi.activitypub.context import (
    AS_CONTEXT,
    CONTEXT,
    SECURITY_CONTEXT,
    bundled_name,
    document_loader,
)
from tests.factories import TEST_KEYS

AS = "https://www.w3.org/ns/activitystreams#"
SEC = "https://w3id.org/security#"
TOOT = "http://joinmastodon.org/ns#"
ACTOR = "https://example.social/users/alice"
FOLLOWERS = ACTOR + "/followers"


def _person(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": ACTOR,
        "username": "alice",
        "name": "Alice",
        "summary": "<p>Hi</p>",
        "url": "https://example.social/@alice",
        "inbox": ACTOR + "/inbox",
        "outbox": ACTOR + "/outbox",
        "followers": FOLLOWERS,
        "following": ACTOR + "/following",
        "featured": ACTOR + "/collections/featured",
        "shared_inbox": "https://example.social/inbox",
        "key_id": ACTOR + "#main-key",
        "public_key_pem": TEST_KEYS[0].public_pem,
        "manually_approves_followers": True,
        "discoverable": True,
        "indexable": True,
        "published": "2026-11-22T10:00:00.123Z",
    }
    values.update(overrides)
    return serialize.person(**values)


def _note(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": ACTOR + "/statuses/1",
        "attributed_to": ACTOR,
        "content": "<p>Hello</p>",
        "url": "https://example.social/@alice/1",
        "published": "2026-11-22T10:00:00.999Z",
        "audience": audience_for("public", followers=FOLLOWERS),
    }
    values.update(overrides)
    return serialize.note(**values)


def test_timestamps_drop_milliseconds():
    """AP timestamps are whole seconds with Z."""
    assert serialize.ap_time("2026-11-22T10:00:00.123Z") == "2026-11-22T10:00:00Z"


def test_person_has_the_fields_mastodon_reads():
    """The actor carries collections, shared inbox, key, flags and our fixed @context."""
    doc = _person(fields=[("Site", serialize.field_value_html("https://alice.example"))])
    assert doc["@context"] == CONTEXT
    assert doc["@context"][:2] == [AS_CONTEXT, SECURITY_CONTEXT]
    assert doc["type"] == "Person" and doc["preferredUsername"] == "alice"
    assert doc["endpoints"] == {"sharedInbox": "https://example.social/inbox"}
    assert doc["publicKey"] == {
        "id": ACTOR + "#main-key",
        "owner": ACTOR,
        "publicKeyPem": TEST_KEYS[0].public_pem,
    }
    assert doc["published"] == "2026-11-22T10:00:00Z"
    assert doc["manuallyApprovesFollowers"] is True and doc["tag"] == []
    [field] = doc["attachment"]
    assert field["type"] == "PropertyValue" and field["name"] == "Site"
    assert 'rel="me nofollow noopener noreferrer"' in field["value"]
    assert "icon" not in doc and "image" not in doc


def test_person_icon_and_image_only_when_set():
    """Avatar and header appear as Image objects when their URLs exist."""
    doc = _person(icon_url="https://example.social/a.png", image_url="https://example.social/h.jpg")
    assert doc["icon"] == {
        "type": "Image",
        "url": "https://example.social/a.png",
        "mediaType": "image/png",
    }
    assert doc["image"]["mediaType"] == "image/jpeg"


def test_field_value_text_is_escaped():
    """A field value that is not a URL is escaped text."""
    assert serialize.field_value_html("<b>hi</b> & bye") == "&lt;b&gt;hi&lt;/b&gt; &amp; bye"


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        ("public", [PUBLIC], [FOLLOWERS, "https://b.example/users/bob"]),
        ("unlisted", [FOLLOWERS], [PUBLIC, "https://b.example/users/bob"]),
        ("private", [FOLLOWERS], ["https://b.example/users/bob"]),
        ("direct", ["https://b.example/users/bob"], []),
    ],
)
def test_addressing_by_visibility(visibility, to, cc):
    """to/cc follow Mastodon's conventions, and reading them back gives the visibility."""
    audience = audience_for(
        visibility, followers=FOLLOWERS, mentioned=["https://b.example/users/bob"]
    )
    assert (list(audience.to), list(audience.cc)) == (to, cc)
    assert visibility_of(audience.to, audience.cc, followers=FOLLOWERS) == visibility


def test_note_shape():
    """A Note has content, addressing, summary/sensitive, collections; no updated unless edited."""
    doc = _note(
        language="en",
        summary="cw",
        sensitive=True,
        tags=[serialize.hashtag_tag(href="https://example.social/tags/cats", name="cats")],
        replies_count=2,
        likes_count=3,
        shares_count=1,
    )
    assert doc["type"] == "Note" and doc["to"] == [PUBLIC] and doc["cc"] == [FOLLOWERS]
    assert doc["contentMap"] == {"en": "<p>Hello</p>"}
    assert doc["summary"] == "cw" and doc["sensitive"] is True
    assert doc["inReplyTo"] is None and "updated" not in doc
    assert doc["published"] == "2026-11-22T10:00:00Z"
    assert doc["tag"] == [
        {"type": "Hashtag", "href": "https://example.social/tags/cats", "name": "#cats"}
    ]
    assert doc["replies"]["totalItems"] == 2 and doc["replies"]["first"]["type"] == "CollectionPage"
    assert doc["likes"] == {"id": doc["id"] + "/likes", "type": "Collection", "totalItems": 3}
    assert doc["shares"]["totalItems"] == 1


def test_note_without_language_or_cw():
    """No contentMap without a language; summary is null without a content warning."""
    doc = _note(updated="2026-11-23T00:00:00.000Z")
    assert "contentMap" not in doc and doc["summary"] is None
    assert doc["updated"] == "2026-11-23T00:00:00Z"


def test_create_wraps_note_without_nested_context():
    """Create has the note's addressing, id `<note>/activity`, and no @context inside."""
    activity = serialize.create(object=_note(), actor=ACTOR)
    assert activity["id"] == ACTOR + "/statuses/1/activity"
    assert activity["to"] == [PUBLIC] and activity["cc"] == [FOLLOWERS]
    assert "@context" in activity and "@context" not in activity["object"]


def test_tombstone_and_collections():
    """Tombstone names the former type; collections and pages carry their links."""
    tomb = serialize.tombstone(id="x", deleted="2026-11-22T10:00:00.500Z")
    assert tomb["type"] == "Tombstone" and tomb["formerType"] == "Note"
    assert tomb["deleted"] == "2026-11-22T10:00:00Z"
    coll = serialize.ordered_collection(id="c", total_items=5, first="c?page=true")
    assert (coll["type"], coll["totalItems"], coll["first"]) == (
        "OrderedCollection",
        5,
        "c?page=true",
    )
    page = serialize.ordered_collection_page(id="p", part_of="c", items=["a"], next="n")
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == "c"
    assert page["orderedItems"] == ["a"] and page["next"] == "n" and "prev" not in page


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams/",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "https://w3id.org/security/v1",
        "http://w3id.org/security/v1/",
    ],
)
def test_loader_serves_bundled_context_variants(url):
    """Known contexts load from the bundle whatever the scheme or trailing slash."""
    loaded = document_loader(url)
    assert loaded["documentUrl"] == url and loaded["contextUrl"] is None
    assert "@context" in loaded["document"]


def test_loader_refuses_anything_else():
    """Unknown URLs raise instead of touching the network."""
    assert bundled_name("https://evil.example/context.jsonld") is None
    with pytest.raises(jsonld.JsonLdError):
        document_loader("https://evil.example/context.jsonld")


def test_actor_expands_offline_with_expected_iris(monkeypatch):
    """pyld expands our actor with the bundled loader only, giving the expected IRIs."""

    def no_network(url: str, options: Any = None) -> Any:
        raise AssertionError(f"network load attempted: {url}")

    monkeypatch.setattr(jsonld, "_default_document_loader", no_network)
    [expanded] = jsonld.expand(_person(), {"documentLoader": document_loader})
    assert expanded["@id"] == ACTOR
    assert expanded["@type"] == [AS + "Person"]
    key = expanded[SEC + "publicKey"][0]
    assert key["@id"] == ACTOR + "#main-key"
    assert key[SEC + "owner"] == [{"@id": ACTOR}]
    assert expanded[AS + "manuallyApprovesFollowers"] == [{"@value": True}]
    assert expanded[TOOT + "discoverable"] == [{"@value": True}]
    assert expanded[TOOT + "featured"] == [{"@id": ACTOR + "/collections/featured"}]
