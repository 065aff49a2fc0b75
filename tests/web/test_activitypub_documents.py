"""ActivityPub documents of local accounts and posts, as another server fetches them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fedi.activitypub.addressing import PUBLIC
from fedi.outbox import render
from fedi.outbox.commands import PostDraft
from fedi.outbox.commands import PostEdit as PostChange
from fedi.outbox.interactions import approve_follow, follow_account, like_post
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.storage import accounts as account_store
from fedi.storage.clock import now_db
from tests.factories import make_user

AP = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
BASE = "http://localhost"
ALICE = BASE + "/users/alice"


async def _json(response: Any) -> dict[str, Any]:
    return json.loads(await response.get_data(as_text=True))


async def _get(client: Any, path: str, headers: dict[str, str] = AP) -> tuple[Any, dict[str, Any]]:
    response = await client.get(path, headers=headers)
    return response, await _json(response)


def _assert_ap(response: Any) -> None:
    assert response.headers["Content-Type"] == "application/activity+json; charset=utf-8"
    assert "Accept" in response.headers.get("Vary", "")


@pytest.fixture
async def alice(svc: Any) -> Any:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def bob(svc: Any) -> Any:
    _, account = await make_user(svc, "bob")
    return account


async def _post(svc: Any, author: Any, text: str, visibility: str = "public", **kw: Any) -> Any:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility, **kw))


# --- actors ---------------------------------------------------------------------------------


async def test_actor_document(client, svc, alice):
    """The actor has every collection, the shared inbox, flags, and its stored 2048-bit key."""
    async with svc.db.write() as tx:
        await account_store.update_account(
            tx,
            alice.id,
            display_name="Alice A.",
            note_html="<p>Hello there</p>",
            locked=1,
            fields_json=json.dumps(
                [
                    {"name": "Site", "value": "https://alice.example", "value_html": ""},
                    {"name": "Pronouns", "value": "she/her", "value_html": "she/her"},
                ]
            ),
            avatar_url="http://localhost/media/a.png",
        )
    response, doc = await _get(client, "/users/alice")
    assert response.status_code == 200
    _assert_ap(response)
    assert doc["@context"][:2] == [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
    ]
    ext = doc["@context"][2]
    for term in ("manuallyApprovesFollowers", "toot", "featured", "discoverable", "indexable"):
        assert term in ext
    assert ext["schema"] == "http://schema.org#" and ext["PropertyValue"] == "schema:PropertyValue"
    assert doc["id"] == ALICE and doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice" and doc["name"] == "Alice A."
    assert doc["summary"] == "<p>Hello there</p>"
    assert doc["url"] == BASE + "/@alice"
    assert doc["inbox"] == ALICE + "/inbox" and doc["outbox"] == ALICE + "/outbox"
    assert doc["followers"] == ALICE + "/followers" and doc["following"] == ALICE + "/following"
    assert doc["featured"] == ALICE + "/collections/featured"
    assert doc["endpoints"] == {"sharedInbox": BASE + "/inbox"}
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is True and doc["indexable"] is True
    assert doc["published"].endswith("Z") and "." not in doc["published"]
    assert doc["tag"] == []
    site, pronouns = doc["attachment"]
    assert site["type"] == "PropertyValue" and site["name"] == "Site"
    assert 'href="https://alice.example"' in site["value"]
    assert 'rel="me nofollow noopener noreferrer"' in site["value"]
    assert pronouns["value"] == "she/her"
    assert doc["icon"]["url"] == "http://localhost/media/a.png" and "image" not in doc

    key = doc["publicKey"]
    assert key["id"] == ALICE + "#main-key" and key["owner"] == ALICE
    assert key["publicKeyPem"] == alice.public_key_pem
    loaded = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size >= 2048


async def test_actor_ld_json_profile_accept(client, alice):
    """The ld+json ActivityStreams profile and plain application/json get the JSON too."""
    for headers in (LD, {"Accept": "application/json"}):
        response, doc = await _get(client, "/users/alice", headers)
        assert response.status_code == 200
        _assert_ap(response)
        assert doc["id"] == ALICE


async def test_actor_unknown_user_is_404_json(client):
    """An unknown name answers 404 with a JSON error to ActivityPub clients."""
    response, doc = await _get(client, "/users/nobody")
    assert response.status_code == 404
    assert doc == {"error": "No user @nobody here."}


async def test_deleted_actor_is_410_tombstone(client, svc, alice):
    """A deleted account's actor answers 410 with a Tombstone."""
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, deleted_at=now_db())
    response, doc = await _get(client, "/users/alice")
    assert response.status_code == 410
    assert doc["type"] == "Tombstone" and doc["formerType"] == "Person" and doc["id"] == ALICE


async def test_suspended_actor_is_404(client, svc, alice):
    """A suspended account is not served."""
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, suspended_at=now_db())
    response, doc = await _get(client, "/users/alice")
    assert response.status_code == 404 and "error" in doc


async def test_instance_actor(client, svc):
    """/actor is an Application named after the domain with the instance key, no signature needed."""
    response, doc = await _get(client, "/actor")
    assert response.status_code == 200
    _assert_ap(response)
    assert doc["id"] == BASE + "/actor" and doc["type"] == "Application"
    assert doc["preferredUsername"] == "localhost"
    assert doc["inbox"] == BASE + "/inbox"
    assert doc["endpoints"] == {"sharedInbox": BASE + "/inbox"}
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["url"] == BASE + "/"
    key = doc["publicKey"]
    assert key == {
        "id": BASE + "/actor#main-key",
        "owner": BASE + "/actor",
        "publicKeyPem": svc.instance_keys.public_pem,
    }
    loaded = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.key_size >= 2048
    response, outbox = await _get(client, doc["outbox"].removeprefix(BASE))
    assert response.status_code == 200 and outbox["totalItems"] == 0


# --- notes ----------------------------------------------------------------------------------


async def test_public_note(client, svc, alice, bob):
    """A public post is a Note to Public, cc followers and mentioned, with its tags and counts."""
    parent = await _post(svc, bob, "first")
    post = await create_post(
        svc,
        alice,
        PostDraft(
            text="hi @bob look at #Cats",
            visibility="public",
            language="en",
            in_reply_to_id=parent.id,
        ),
    )
    await like_post(svc, bob, post.id)
    await _post(svc, bob, "a reply", in_reply_to_id=post.id)
    await _post(svc, bob, "a quiet reply", visibility="private", in_reply_to_id=post.id)
    note_id = f"{ALICE}/statuses/{post.id}"
    response, doc = await _get(client, f"/users/alice/statuses/{post.id}")
    assert response.status_code == 200
    _assert_ap(response)
    assert doc["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert doc["id"] == note_id and doc["type"] == "Note"
    assert doc["attributedTo"] == ALICE
    assert doc["url"] == f"{BASE}/@alice/{post.id}"
    assert doc["content"] == post.content_html and "Cats" in doc["content"]
    assert doc["contentMap"] == {"en": post.content_html}
    assert doc["summary"] is None and doc["sensitive"] is False
    assert doc["to"] == [PUBLIC]
    assert doc["cc"] == [ALICE + "/followers", BASE + "/users/bob"]
    assert doc["inReplyTo"] == f"{BASE}/users/bob/statuses/{parent.id}"
    assert doc["published"].endswith("Z") and "updated" not in doc
    assert doc["attachment"] == []
    assert {"type": "Mention", "href": BASE + "/users/bob", "name": "@bob@localhost"} in doc["tag"]
    assert {"type": "Hashtag", "href": BASE + "/tags/cats", "name": "#cats"} in doc["tag"]
    assert doc["replies"]["id"] == note_id + "/replies"
    assert doc["replies"]["totalItems"] == 1
    assert doc["replies"]["first"]["type"] == "CollectionPage"
    assert doc["likes"] == {"id": note_id + "/likes", "type": "Collection", "totalItems": 1}
    assert doc["shares"]["totalItems"] == 0


async def test_unlisted_note_with_content_warning_and_edit(client, svc, alice):
    """An unlisted post is to followers, cc Public; a CW is the summary; an edit sets updated."""
    post = await _post(svc, alice, "spoilers", "unlisted", content_warning="films")
    await edit_post(svc, alice, post.id, PostChange(text="spoilers!", content_warning="films"))
    response, doc = await _get(client, f"/users/alice/statuses/{post.id}")
    assert response.status_code == 200
    assert doc["to"] == [ALICE + "/followers"] and doc["cc"] == [PUBLIC]
    assert doc["summary"] == "films" and doc["sensitive"] is True
    assert "contentMap" not in doc
    assert doc["updated"].endswith("Z")


@pytest.mark.parametrize("visibility", ["private", "direct"])
async def test_private_and_direct_notes_are_404(client, svc, alice, bob, visibility):
    """Followers-only and direct posts are not served to unsigned fetches."""
    post = await _post(svc, alice, "secret @bob", visibility)
    for path in (f"/users/alice/statuses/{post.id}", f"/@alice/{post.id}"):
        response, doc = await _get(client, path)
        assert response.status_code == 404, path
        assert doc == {"error": "This post does not exist, or you are not allowed to see it."}


async def test_deleted_note_is_410_tombstone(client, svc, alice):
    """A deleted public post answers 410 with a Tombstone naming its former type."""
    post = await _post(svc, alice, "soon gone")
    await delete_post(svc, alice, post.id)
    response, doc = await _get(client, f"/users/alice/statuses/{post.id}")
    assert response.status_code == 410
    _assert_ap(response)
    assert doc["type"] == "Tombstone" and doc["formerType"] == "Note"
    assert doc["id"] == f"{ALICE}/statuses/{post.id}" and doc["deleted"].endswith("Z")


async def test_unknown_or_mismatched_note_is_404(client, svc, alice, bob):
    """An unknown id, or another author's post under this name, answers 404."""
    post = await _post(svc, bob, "bob's")
    for path in ("/users/alice/statuses/12345", f"/users/alice/statuses/{post.id}"):
        response, doc = await _get(client, path)
        assert response.status_code == 404, path
        assert "error" in doc


async def test_create_activity_of_a_note(client, svc, alice):
    """`<note>/activity` is the Create wrapping the Note."""
    post = await _post(svc, alice, "hello")
    response, doc = await _get(client, f"/users/alice/statuses/{post.id}/activity")
    assert response.status_code == 200
    assert doc["type"] == "Create" and doc["actor"] == ALICE
    assert doc["id"] == f"{ALICE}/statuses/{post.id}/activity"
    assert doc["object"]["id"] == f"{ALICE}/statuses/{post.id}" and "@context" not in doc["object"]


# --- collections ----------------------------------------------------------------------------


async def test_outbox_collection_and_pages(client, svc, alice):
    """The outbox counts public+unlisted posts and pages Create activities, newest first."""
    posts = [
        await _post(svc, alice, f"post {i}", "unlisted" if i % 5 == 0 else "public")
        for i in range(23)
    ]
    await _post(svc, alice, "hidden", "private")
    await _post(svc, alice, "hidden too", "direct")
    outbox = ALICE + "/outbox"

    response, doc = await _get(client, "/users/alice/outbox")
    assert response.status_code == 200
    _assert_ap(response)
    assert doc["type"] == "OrderedCollection" and doc["id"] == outbox
    assert doc["totalItems"] == 23
    assert doc["first"] == outbox + "?page=true"
    assert doc["last"] == outbox + "?page=true&min_id=0"

    response, page = await _get(client, "/users/alice/outbox?page=true")
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == outbox
    items = page["orderedItems"]
    assert len(items) == 20
    newest = posts[-1]
    assert items[0]["type"] == "Create"
    assert items[0]["id"] == f"{ALICE}/statuses/{newest.id}/activity"
    assert items[0]["actor"] == ALICE and items[0]["object"]["type"] == "Note"
    assert items[0]["object"]["id"] == f"{ALICE}/statuses/{newest.id}"
    ids = [int(i["object"]["id"].rsplit("/", 1)[1]) for i in items]
    assert ids == sorted(ids, reverse=True) == [p.id for p in reversed(posts)][:20]
    assert page["next"] == f"{outbox}?page=true&max_id={ids[-1]}"
    assert page["prev"] == f"{outbox}?page=true&min_id={ids[0]}"

    response, second = await _get(client, page["next"].removeprefix(BASE))
    rest = [int(i["object"]["id"].rsplit("/", 1)[1]) for i in second["orderedItems"]]
    assert rest == [p.id for p in reversed(posts)][20:]
    assert "next" not in second

    response, newer = await _get(client, second["prev"].removeprefix(BASE))
    newer_ids = [int(i["object"]["id"].rsplit("/", 1)[1]) for i in newer["orderedItems"]]
    assert newer_ids == [p.id for p in reversed(posts)][:20]


async def test_outbox_bad_paging_parameter_is_400(client, alice):
    """A max_id that is not a number answers 400 saying so."""
    response, doc = await _get(client, "/users/alice/outbox?page=true&max_id=abc")
    assert response.status_code == 400
    assert doc == {"error": "max_id must be a whole number."}


async def test_outbox_unknown_user_is_404(client):
    """Collections of an unknown user answer 404."""
    for path in (
        "/users/nobody/outbox",
        "/users/nobody/followers",
        "/users/nobody/collections/featured",
    ):
        response, doc = await _get(client, path)
        assert response.status_code == 404, path
        assert doc == {"error": "No user @nobody here."}


async def test_followers_and_following(client, svc, alice, bob):
    """Followers/following count accepted follows and list actor IRIs; requests are left out."""
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, bob, alice)
    await follow_account(svc, alice, carol)
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, locked=1)
    follow = await follow_account(svc, carol, alice)
    assert follow.state == "pending"

    response, doc = await _get(client, "/users/alice/followers")
    assert response.status_code == 200
    _assert_ap(response)
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 1
    assert doc["first"] == ALICE + "/followers?page=true"
    response, page = await _get(client, "/users/alice/followers?page=true")
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == ALICE + "/followers"
    assert page["orderedItems"] == [BASE + "/users/bob"]

    await approve_follow(svc, alice, follow.id)
    response, page = await _get(client, "/users/alice/followers?page=true")
    assert page["orderedItems"] == [BASE + "/users/carol", BASE + "/users/bob"]

    response, doc = await _get(client, "/users/alice/following")
    assert doc["totalItems"] == 1
    response, page = await _get(client, "/users/alice/following?page=true")
    assert page["orderedItems"] == [BASE + "/users/carol"]


async def test_followers_paging(client, svc, alice, monkeypatch):
    """Follower pages hold a page size of actors and link to the next page by max_id."""
    monkeypatch.setattr(render, "FOLLOWS_PAGE_SIZE", 2)  # 40 in production; 3 users suffice
    for name in ("f0", "f1", "f2"):
        _, follower = await make_user(svc, name)
        await follow_account(svc, follower, alice)
    response, page = await _get(client, "/users/alice/followers?page=true")
    assert page["orderedItems"] == [BASE + "/users/f2", BASE + "/users/f1"]
    assert page["totalItems"] == 3
    response, last = await _get(client, page["next"].removeprefix(BASE))
    assert last["orderedItems"] == [BASE + "/users/f0"] and "next" not in last


async def test_featured_is_empty(client, alice):
    """Without pins the featured collection is empty but valid (pins: tests/web/test_pins.py)."""
    response, doc = await _get(client, "/users/alice/collections/featured")
    assert response.status_code == 200
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 0
    assert doc["orderedItems"] == [] and doc["id"] == ALICE + "/collections/featured"


# --- content negotiation --------------------------------------------------------------------


async def test_browser_is_redirected_to_pages(client, svc, alice):
    """Browsers asking for an actor or status URL are sent to the HTML page."""
    post = await _post(svc, alice, "hello")
    response = await client.get("/users/alice", headers=BROWSER)
    assert response.status_code == 302 and response.headers["Location"] == "/@alice"
    assert "Accept" in response.headers["Vary"]
    response = await client.get(f"/users/alice/statuses/{post.id}", headers={"Accept": "*/*"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/@alice/{post.id}"
    response = await client.get("/actor", headers=BROWSER)
    assert response.status_code == 302 and response.headers["Location"] == "/"


async def test_pages_answer_activitypub_json(client, svc, alice):
    """`/@alice` and `/@alice/<id>` answer the actor and Note to ActivityPub clients."""
    post = await _post(svc, alice, "hello")
    for headers in (AP, LD):
        response, doc = await _get(client, "/@alice", headers)
        assert response.status_code == 200
        _assert_ap(response)
        assert doc["id"] == ALICE
        response, doc = await _get(client, f"/@alice/{post.id}", headers)
        assert response.status_code == 200
        _assert_ap(response)
        assert doc["id"] == f"{ALICE}/statuses/{post.id}"


async def test_pages_for_browsers_vary_on_accept(client, svc, alice):
    """The HTML profile and status pages say they vary by Accept."""
    post = await _post(svc, alice, "hello")
    for path in ("/@alice", f"/@alice/{post.id}"):
        response = await client.get(path, headers=BROWSER)
        assert response.headers["Content-Type"].startswith("text/html"), path
        assert "Accept" in response.headers.get("Vary", ""), path


async def test_accept_with_zero_quality_is_not_activitypub(client, alice):
    """`application/activity+json;q=0` means "not that": the browser redirect applies."""
    response = await client.get(
        "/users/alice", headers={"Accept": "application/activity+json;q=0, text/html"}
    )
    assert response.status_code == 302
