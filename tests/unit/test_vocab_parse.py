"""Parsing incoming ActivityStreams documents (fixtures from five servers, odd shapes) into vocab."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fedi.activitypub import parse as parse_module
from fedi.activitypub.addressing import PUBLIC
from fedi.activitypub.context import AS_CONTEXT, CONTEXT
from fedi.activitypub.parse import (
    as_list,
    first_id,
    ids,
    iri_host,
    known_context,
    parse_document,
)
from fedi.activitypub.vocab import (
    Activity,
    Actor,
    Attachment,
    Collection,
    CollectionPage,
    Emoji,
    Hashtag,
    Mention,
    Note,
    PollOption,
    PublicKey,
    Tombstone,
    Unknown,
)
from fedi.errors import BadDocument
from tests.factories import TEST_KEYS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "remote"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.json"))
LOCAL = "https://fedi.example/users/bob"
LOCAL_STATUS = "https://fedi.example/users/bob/statuses/7300000000000001"


def fixture(name: str) -> dict[str, Any]:
    """A stored remote document, e.g. fixture("mastodon/actor")."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def parsed(name: str) -> Any:
    """A fixture document parsed."""
    return parse_document(fixture(name))


@pytest.fixture
def no_pyld(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a document takes the slow pyld path."""

    def refuse(document: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError(f"pyld used for {document.get('id')}")

    monkeypatch.setattr(parse_module, "_compact", refuse)


# --- Every fixture --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_parses_on_the_fast_path(path: Path, no_pyld: None) -> None:
    """Each server's documents are read as plain JSON, keep their raw form and their id."""
    raw = json.loads(path.read_text(encoding="utf-8"))

    document = parse_document(raw)

    assert known_context(raw["@context"])
    assert document.raw is raw
    assert (document.uri if hasattr(document, "uri") else document.id) == raw["id"]
    assert type(document).__name__ in {"Actor", "Note", "Activity", "Collection", "CollectionPage"}


def test_there_are_fixtures_from_five_servers() -> None:
    """Fixtures cover Mastodon, GoToSocial, Misskey, Pleroma and Fedify."""
    assert {p.parent.name for p in FIXTURE_FILES} == {
        "mastodon",
        "gotosocial",
        "misskey",
        "pleroma",
        "fedify",
    }


# --- Actors ---------------------------------------------------------------------------------


def test_mastodon_actor() -> None:
    """A Mastodon Person yields every profile field, its key, fields and images."""
    actor = parsed("mastodon/actor")

    assert isinstance(actor, Actor)
    assert actor.uri == "https://mastodon.example/users/alice"
    assert actor.type == "Person"
    assert actor.preferred_username == "alice"
    assert actor.name == "Alice :blobcat:"
    assert actor.url == "https://mastodon.example/@alice"
    assert actor.inbox == "https://mastodon.example/users/alice/inbox"
    assert actor.shared_inbox == "https://mastodon.example/inbox"
    assert actor.followers == "https://mastodon.example/users/alice/followers"
    assert actor.featured == "https://mastodon.example/users/alice/collections/featured"
    assert actor.public_key_id == "https://mastodon.example/users/alice#main-key"
    assert actor.public_key_owner == actor.uri
    assert actor.public_key_pem == TEST_KEYS[0].public_pem
    assert (actor.discoverable, actor.indexable, actor.manually_approves_followers) == (
        True,
        False,
        False,
    )
    assert actor.fields[1] == ("Pronouns", "she/her")
    assert actor.fields[0][0] == "Website"
    assert actor.icon_url.endswith("avatar.png")
    assert actor.image_url.endswith("header.jpg")
    assert actor.also_known_as == ("https://old.example/users/alice",)
    assert actor.published == datetime(2022, 11, 3, tzinfo=UTC)
    assert isinstance(actor.tags[0], Emoji) and actor.tags[0].name == ":blobcat:"
    assert "devices" in actor.extra and "publicKey" not in actor.extra


def test_gotosocial_actor_key_without_fragment_and_no_shared_inbox() -> None:
    """GoToSocial's `/main-key` key id and null endpoints are read as they are."""
    actor = parsed("gotosocial/actor")
    stub = parsed("gotosocial/main_key")

    assert actor.public_key_id == "https://gts.example/users/carol/main-key"
    assert actor.shared_inbox == ""
    assert actor.manually_approves_followers is True
    assert isinstance(stub, Actor)
    assert stub.key("https://gts.example/users/carol/main-key") == PublicKey(
        id="https://gts.example/users/carol/main-key",
        owner="https://gts.example/users/carol",
        pem=TEST_KEYS[1].public_pem,
    )


def test_pleroma_actor_with_litepub_context_and_icon_list(no_pyld: None) -> None:
    """Pleroma's per-instance litepub context is known; an icon list gives the first image."""
    actor = parsed("pleroma/actor")

    assert actor.icon_url == "https://pleroma.example/media/5e6f7a8b-avatar.png"
    assert actor.shared_inbox == "https://pleroma.example/inbox"
    assert actor.also_known_as == ()


def test_misskey_and_fedify_actors_keep_unread_properties() -> None:
    """Unknown properties (isCat, assertionMethod Multikeys) stay available in `extra`."""
    misskey = parsed("misskey/actor")
    fedify = parsed("fedify/actor")

    assert misskey.extra["isCat"] is True
    assert misskey.image_url == ""
    assert fedify.public_key_pem == TEST_KEYS[4].public_pem
    assert [m["type"] for m in fedify.extra["assertionMethod"]] == ["Multikey", "Multikey"]
    assert fedify.shared_inbox == "https://fedify.example/inbox"


# --- Notes ----------------------------------------------------------------------------------


def test_mastodon_create_note_tags_and_addressing() -> None:
    """Mastodon Create(Note) → Note with Mention/Hashtag/Emoji tags and the right to/cc."""
    create = parsed("mastodon/create_note")

    assert isinstance(create, Activity)
    assert create.type == "Create"
    assert create.actor == "https://mastodon.example/users/alice"
    assert create.to == (PUBLIC,)
    note = create.object
    assert isinstance(note, Note)
    assert (
        create.object_id
        == note.uri
        == "https://mastodon.example/users/alice/statuses/113500000000000001"
    )
    assert note.attributed_to == create.actor
    assert note.to == (PUBLIC,)
    assert note.cc == ("https://mastodon.example/users/alice/followers", LOCAL)
    assert note.mentions == (Mention(href=LOCAL, name="@bob@fedi.example"),)
    assert note.hashtags == (
        Hashtag(href="https://mastodon.example/tags/knitting", name="#knitting"),
    )
    assert note.emojis[0].icon_url.endswith("blobcat.png")
    assert note.emojis[0].media_type == "image/png"
    assert note.language == "en"
    assert note.url == "https://mastodon.example/@alice/113500000000000001"
    assert note.published == datetime(2026, 11, 20, 9, 15, 2, tzinfo=UTC)
    assert note.attachments == (
        Attachment(
            type="Document",
            media_type="image/jpeg",
            url="https://mastodon.example/system/media_attachments/files/113/500/000/000/000/001/original/socks.jpg",
            name="A pair of striped socks on a wooden table",
            blurhash="UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
            focal_point=(0.0, 0.25),
            width=1200,
            height=900,
        ),
    )
    assert {"replies", "likes", "shares", "atomUri"} <= set(note.extra)


def test_mastodon_direct_reply_with_content_warning() -> None:
    """A direct reply keeps its single Mention tag object, inReplyTo, CW and sensitive flag."""
    note = parsed("mastodon/create_reply_direct").object

    assert note.in_reply_to == LOCAL_STATUS
    assert note.summary == "spoilers"
    assert note.sensitive is True
    assert note.to == (LOCAL,) and note.cc == ()
    assert note.mentions == (Mention(href=LOCAL, name="@bob@fedi.example"),)


def test_polls_single_and_multiple_choice() -> None:
    """Mastodon oneOf and Misskey anyOf polls give options with vote counts."""
    mastodon = parsed("mastodon/create_question").object
    misskey = parsed("misskey/question")

    assert mastodon.type == "Question"
    assert mastodon.options == (PollOption(name="Tea", votes=3), PollOption(name="Coffee", votes=2))
    assert mastodon.multiple_choice is False
    assert mastodon.end_time == datetime(2026, 11, 21, 11, tzinfo=UTC)
    assert mastodon.voters_count == 5
    assert mastodon.closed is False
    assert misskey.multiple_choice is True
    assert [o.name for o in misskey.options] == ["Cat", "Dog", "Axolotl"]


def test_gotosocial_single_values_where_lists_are_expected() -> None:
    """GoToSocial's single to/cc/tag/attachment values become one-item tuples."""
    create = parsed("gotosocial/create_note")
    note = create.object

    assert create.to == (PUBLIC,)
    assert note.cc == ("https://gts.example/users/carol/followers",)
    assert note.hashtags == (Hashtag(href="https://gts.example/tags/gardening", name="#gardening"),)
    assert len(note.attachments) == 1 and note.attachments[0].name == "One red tomato"
    assert note.content.startswith("<p>First tomato")  # content preferred over contentMap
    assert "interactionPolicy" in note.extra


def test_misskey_note_quote_and_public_spelling() -> None:
    """Misskey's quote properties give quote_uri; its Public IRI is kept in full."""
    note = parsed("misskey/create_note").object

    assert note.quote_uri == "https://misskey.example/notes/9a1b2c3d4e"
    assert note.to == (PUBLIC,)
    assert note.mentions[0].href == LOCAL
    assert note.emojis[0].name == ":neko_wave:"
    assert note.published == datetime(2026, 11, 20, 16, tzinfo=UTC)
    assert note.extra["_misskey_content"].startswith("@bob@fedi.example")


def test_pleroma_note_with_link_list_attachment_and_null_sensitive() -> None:
    """Pleroma's attachment url list of Links and `sensitive: null` are handled."""
    note = parsed("pleroma/create_note").object

    assert note.attachments[0].url == "https://pleroma.example/media/0a1b2c3d/jam.ogg"
    assert note.attachments[0].media_type == "audio/ogg"
    assert note.sensitive is False
    assert note.cc == (PUBLIC,)
    assert note.published is not None and note.published.microsecond == 123456


def test_fedify_note_url_as_link() -> None:
    """A `url` given as a Link object gives its href."""
    note = parsed("fedify/create_note").object

    assert note.url == "https://fedify.example/@frank/01936b1e-5a2f-7c3d-9e8f-0a1b2c3d4e5f"
    assert note.to == (PUBLIC,)


# --- Activities -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "object_id"),
    [
        ("mastodon/follow", "Follow", LOCAL),
        ("mastodon/like", "Like", LOCAL_STATUS),
        ("mastodon/announce", "Announce", LOCAL_STATUS),
        ("mastodon/block", "Block", LOCAL),
        ("mastodon/delete_actor", "Delete", "https://mastodon.example/users/alice"),
        ("gotosocial/follow", "Follow", LOCAL),
        ("gotosocial/like", "Like", LOCAL_STATUS),
        ("gotosocial/delete_note", "Delete", "https://gts.example/users/carol/statuses/01JD4Q8Z6R3WQY2K9M5N7P1T0V"),
        ("misskey/announce", "Announce", LOCAL_STATUS),
        ("pleroma/follow", "Follow", LOCAL),
        ("pleroma/announce", "Announce", LOCAL_STATUS),
        ("fedify/follow", "Follow", LOCAL),
        ("fedify/like", "Like", LOCAL_STATUS),
    ],
)  # fmt: skip
def test_activities_with_iri_objects(name: str, kind: str, object_id: str) -> None:
    """Activities whose object is an IRI keep it as a string."""
    activity = parsed(name)

    assert isinstance(activity, Activity)
    assert activity.type == kind
    assert activity.object == activity.object_id == object_id
    assert activity.object_type == ""


def test_accept_and_undo_embed_the_follow() -> None:
    """Accept and Undo carry the whole Follow, parsed as an Activity."""
    accept = parsed("mastodon/accept_follow")
    undo = parsed("fedify/undo_follow")

    assert isinstance(accept.object, Activity) and accept.object_type == "Follow"
    assert accept.object.actor == LOCAL
    assert accept.object.object == "https://mastodon.example/users/alice"
    assert undo.object.id == "https://fedify.example/#follows/0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"
    assert undo.object.object == LOCAL


def test_delete_with_tombstone() -> None:
    """Delete(Tombstone) gives a Tombstone object and its id."""
    mastodon = parsed("mastodon/delete_note")
    misskey = parsed("misskey/delete_note")

    assert isinstance(mastodon.object, Tombstone)
    assert mastodon.object_id == "https://mastodon.example/users/alice/statuses/113500000000000001"
    assert mastodon.object_type == "Tombstone"
    assert misskey.object.uri == "https://misskey.example/notes/9x8w7v6u5t"


def test_updates_carry_parsed_objects() -> None:
    """Update(Person) gives an Actor; Update(Note) a Note with `updated`."""
    person = parsed("mastodon/update_person")
    note = parsed("mastodon/update_note")

    assert isinstance(person.object, Actor) and person.object.name == "Alice (travelling)"
    assert person.object.public_key_pem == TEST_KEYS[0].public_pem
    assert note.object.updated == datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_reactions_flag_and_move() -> None:
    """Reaction content, Flag's object list and comment, and Move's target are read."""
    misskey = parsed("misskey/like_reaction")
    pleroma = parsed("pleroma/emoji_react")
    flag = parsed("mastodon/flag")
    move = parsed("mastodon/move")

    assert misskey.content == ":neko_wave:"
    assert misskey.tags[0] == Emoji(
        id="https://misskey.example/emojis/neko_wave",
        name=":neko_wave:",
        icon_url="https://misskey.example/files/neko_wave.png",
        media_type="image/png",
        updated=datetime(2025, 6, 1, tzinfo=UTC),
    )
    assert pleroma.type == "EmojiReact" and pleroma.content == "🔥"
    assert flag.actor == "https://mastodon.example/actor"
    assert flag.object_ids == (LOCAL, LOCAL_STATUS)
    assert flag.content == "Spam links in every reply"
    assert move.target == "https://new.example/users/alice"
    assert move.object == move.actor


# --- Collections ----------------------------------------------------------------------------


def test_collections_and_pages() -> None:
    """An outbox links its first page; a page holds parsed activities and its neighbours."""
    outbox = parsed("mastodon/outbox")
    page = parsed("mastodon/outbox_page")
    followers = parsed("mastodon/followers")

    assert isinstance(outbox, Collection)
    assert outbox.total_items == 1234
    assert (
        outbox.first == outbox.first_uri == "https://mastodon.example/users/alice/outbox?page=true"
    )
    assert isinstance(page, CollectionPage)
    assert page.part_of == "https://mastodon.example/users/alice/outbox"
    assert page.next.endswith("max_id=113500000000000001&page=true")
    assert [item.type for item in page.items] == ["Create", "Announce"]  # type: ignore[union-attr]
    assert followers.total_items == 87 and followers.items == ()


def test_embedded_first_page_and_single_item() -> None:
    """An embedded first page is parsed; a single item where a list belongs is one item."""
    doc = {
        "@context": AS_CONTEXT,
        "id": "https://r.example/c",
        "type": "Collection",
        "totalItems": 1,
        "first": {
            "type": "CollectionPage",
            "partOf": "https://r.example/c",
            "items": "https://r.example/notes/1",
        },
    }

    collection = parse_document(doc)

    assert isinstance(collection.first, CollectionPage)
    assert collection.first.items == ("https://r.example/notes/1",)
    assert collection.first_uri == ""


# --- Odd shapes -----------------------------------------------------------------------------


def test_objects_where_iris_are_expected() -> None:
    """`{"id": ...}` objects stand for their IRIs (actor, object, inReplyTo, attributedTo)."""
    doc = {
        "@context": AS_CONTEXT,
        "id": "https://r.example/a/1",
        "type": "Create",
        "actor": {"id": "https://r.example/u/x", "type": "Person"},
        "object": {
            "id": "https://r.example/n/1",
            "type": "Note",
            "attributedTo": [{"id": "https://r.example/u/x"}],
            "inReplyTo": {"id": "https://r.example/n/0"},
            "to": [{"id": "as:Public"}, "Public", "http://www.w3.org/ns/activitystreams#Public"],
            "contentMap": {"de": "<p>Hallo</p>"},
        },
    }

    create = parse_document(doc)

    assert create.actor == "https://r.example/u/x"
    assert create.object.attributed_to == "https://r.example/u/x"
    assert create.object.in_reply_to == "https://r.example/n/0"
    assert create.object.to == (PUBLIC,)
    assert create.object.content == "<p>Hallo</p>"
    assert create.object.language == "de"


def test_bare_id_object_stays_an_iri() -> None:
    """An embedded object with only an id (no type) is treated as its IRI."""
    like = parse_document(
        {"type": "Like", "id": "https://r.example/l", "actor": "https://r.example/u",
         "object": {"id": LOCAL_STATUS}}
    )  # fmt: skip

    assert like.object == LOCAL_STATUS


def test_url_lists_prefer_html_and_key_lists_are_searchable() -> None:
    """A url list yields its text/html Link; a publicKey list is searchable by id."""
    actor = parse_document(
        {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": "https://r.example/u",
            "type": "Service",
            "url": [
                {"type": "Link", "href": "https://r.example/feed", "mediaType": "application/atom+xml"},
                {"type": "Link", "href": "https://r.example/@u", "mediaType": "text/html"},
            ],
            "publicKey": [
                {"id": "https://r.example/u#rsa-1", "owner": "https://r.example/u", "publicKeyPem": "A"},
                {"id": "https://r.example/u#rsa-2", "owner": "https://r.example/u", "publicKeyPem": "B"},
            ],
            "icon": "https://r.example/avatar.png",
        }
    )  # fmt: skip

    assert actor.type == "Service"
    assert actor.url == "https://r.example/@u"
    assert actor.key("https://r.example/u#rsa-2").pem == "B"
    assert actor.key("https://r.example/u#other") is None
    assert actor.icon_url == "https://r.example/avatar.png"


def test_missing_optional_fields_get_defaults() -> None:
    """A bare Note with only id and type parses with empty defaults."""
    note = parse_document({"id": "https://r.example/n", "type": "Note"})

    assert note == Note(uri="https://r.example/n")


def test_missing_context_is_read_as_activitystreams(no_pyld: None) -> None:
    """Interop: a document without @context is read as plain ActivityStreams."""
    note = parse_document({"id": "https://r.example/n", "type": "Note", "content": "hi"})

    assert note.content == "hi"


def test_hostile_values_are_ignored_not_trusted() -> None:
    """Wrong JSON types, junk tags and oversize lists do not crash and are capped."""
    note = parse_document(
        {
            "id": "https://r.example/n",
            "type": ["Note", "Thing"],
            "content": 42,
            "to": 7,
            "published": "yesterday",
            "sensitive": "yes",
            "tag": ["#x", {"type": "Mention"}]
            + [{"type": "Hashtag", "name": f"#t{i}"} for i in range(5000)],
            "attachment": [
                {"type": "Image", "focalPoint": [True, "x"], "url": "https://r.example/i"}
            ],
        }
    )

    assert note.content == "" and note.to == () and note.published is None
    assert note.sensitive is False
    assert len(note.tags) == parse_module.MAX_TAGS - 2
    assert note.attachments[0].focal_point is None


def test_deep_nesting_is_bounded() -> None:
    """An Announce of an Announce of ... stops parsing at MAX_DEPTH and keeps the IRI."""
    doc: dict[str, Any] = {"id": "https://r.example/n", "type": "Note"}
    for level in range(50):
        doc = {
            "id": f"https://r.example/a/{level}",
            "type": "Announce",
            "actor": "x",
            "object": doc,
        }

    activity = parse_document(doc)

    depth = 0
    while isinstance(activity, Activity) and not isinstance(activity.object, str):
        activity, depth = activity.object, depth + 1
    assert depth == parse_module.MAX_DEPTH - 1
    assert isinstance(activity, Activity) and activity.object.startswith("https://r.example/a/")


def test_unknown_types_are_kept_as_unknown_or_activities() -> None:
    """Unmodelled object types give Unknown; unmodelled types with an actor are Activities."""
    unknown = parse_document({"id": "https://r.example/x", "type": "ChatMessage"})
    custom = parse_document(
        {"id": "https://r.example/y", "type": "Vote", "actor": "https://r.example/u"}
    )

    assert unknown == Unknown(uri="https://r.example/x", type="ChatMessage")
    assert isinstance(custom, Activity) and custom.actor == "https://r.example/u"


# --- Contexts and the pyld slow path ---------------------------------------------------------


def test_unknown_context_is_compacted_with_pyld() -> None:
    """A context that renames our terms is compacted offline, then read."""
    doc = {
        "@context": {"ex": "https://www.w3.org/ns/activitystreams#", "id": "@id", "type": "@type"},
        "id": "https://r.example/n/1",
        "type": "ex:Note",
        "ex:content": "compacted",
        "ex:attributedTo": {"@id": "https://r.example/u"},
        "ex:to": {"@id": "https://www.w3.org/ns/activitystreams#Public"},
    }

    note = parse_document(doc)

    assert isinstance(note, Note)
    assert note.content == "compacted"
    assert note.attributed_to == "https://r.example/u"
    assert note.to == (PUBLIC,)
    assert note.raw is doc


def test_inline_context_redefining_a_core_term_is_not_trusted() -> None:
    """An inline map that points `content` elsewhere is not read as AS2 content."""
    doc = {
        "@context": [AS_CONTEXT, {"content": "http://schema.org/text"}],
        "id": "https://r.example/n/2",
        "type": "Note",
        "content": "not the AS2 content",
    }

    assert not known_context(doc["@context"])
    assert parse_document(doc).content == ""


def test_usual_contexts_are_known() -> None:
    """Our own context and the usual extension maps stay on the fast path."""
    assert known_context(CONTEXT)
    assert known_context([AS_CONTEXT, {"@language": "und"}])
    assert known_context("http://www.w3.org/ns/activitystreams")
    assert not known_context("https://w3id.org/security/v1")
    assert not known_context([AS_CONTEXT, {"@vocab": "https://evil.example/#"}])
    assert not known_context([AS_CONTEXT, {"as": "https://evil.example/#"}])


def test_unloadable_context_is_a_bad_document() -> None:
    """A context URL we do not bundle cannot be fetched, so the document is refused clearly."""
    with pytest.raises(BadDocument) as caught:
        parse_document({"@context": "https://unknown.example/ns", "id": "x", "type": "Note"})

    assert caught.value.safe_message == "The document's JSON-LD context is not supported."
    assert caught.value.detail == "context not bundled: https://unknown.example/ns"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "The document is not a JSON object."),
        ("https://r.example/n", "The document is not a JSON object."),
        ({"id": "https://r.example/n"}, "The document has no type."),
        ({"id": "https://r.example/n", "type": 5}, "The document has no type."),
    ],
)
def test_unreadable_documents_raise_bad_document(raw: Any, message: str) -> None:
    """Non-objects and untyped documents raise BadDocument with a clear message."""
    with pytest.raises(BadDocument) as caught:
        parse_document(raw)

    assert caught.value.safe_message == message


# --- Helpers --------------------------------------------------------------------------------


def test_as_list_and_first_id() -> None:
    """as_list wraps single values; first_id reads IRIs, objects, Links and lists."""
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert first_id("https://r.example/x") == "https://r.example/x"
    assert first_id({"id": "https://r.example/x", "type": "Person"}) == "https://r.example/x"
    assert first_id({"type": "Link", "href": "https://r.example/l"}) == "https://r.example/l"
    assert first_id([{"type": "Person"}, {"id": "https://r.example/y"}]) == "https://r.example/y"
    assert first_id(None) is None and first_id(5) is None and first_id("") is None


@pytest.mark.parametrize(
    ("iri", "host"),
    [
        ("https://Mastodon.Example/users/a", "mastodon.example"),
        ("https://mastodon.example./users/a", "mastodon.example"),
        ("https://mastodon.example:443/users/a", "mastodon.example"),
        ("http://localhost:8001/users/a", "localhost:8001"),
        ("https://bücher.example/u", "xn--bcher-kva.example"),
        ("http://[::1]:8000/u", "[::1]:8000"),
        ("https://host.example:notaport/u", ""),
        ("not a url", ""),
    ],
)
def test_iri_host(iri: str, host: str) -> None:
    """iri_host normalises case, trailing dots, IDNA and default ports, keeping other ports."""
    assert iri_host(iri) == host


def test_ids_normalises_and_dedupes() -> None:
    """ids() reads every IRI, writes Public in full and drops duplicates."""
    assert ids(["as:Public", {"id": "https://r.example/f"}, "https://r.example/f", None]) == (
        PUBLIC,
        "https://r.example/f",
    )
