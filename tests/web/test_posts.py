"""Posting from the web: compose, replies, mentions, edits with history, deletes."""

from __future__ import annotations

import html

import pytest

from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import follows as follow_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.ids import new_id
from tests.factories import browser_login, make_user


async def login(app, svc, account):
    """A fresh test client logged in as `account`."""
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def follow(svc, follower, target, state="accepted"):
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx, id=new_id(), account_id=follower.id, target_account_id=target.id, state=state
        )


async def publish(client, csrf, **fields):
    form = {"status": "", "spoiler_text": "", "visibility": "public", "csrf_token": csrf}
    form.update(fields)
    return await client.post("/compose", form=form)


async def text_of(response) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def latest_post(svc, account):
    async with svc.db.read() as conn:
        posts = await post_store.list_account_posts(
            conn, account.id, visibilities=("public", "unlisted", "private", "direct"), limit=1
        )
    return posts[0]


async def notifications_of(svc, account):
    async with svc.db.read() as conn:
        return await notification_store.list_notifications(conn, account.id)


@pytest.fixture
async def people(app, svc):
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow(svc, bob, alice)
    return {"alice": alice, "bob": bob, "carol": carol}


async def test_compose_page_shows_form_with_default_visibility(app, svc, people):
    """The compose page offers the text box with a counter and preselects the user's default."""
    client = await login(app, svc, people["alice"])
    response = await client.get("/compose")
    body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-maxlength="500"' in body
    assert '<option value="public" selected>' in body
    assert "<h1>New post</h1>" in body


async def test_compose_requires_login(client):
    """Logged-out visitors are sent to the login page."""
    response = await client.get("/compose")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/compose")


async def test_created_post_reaches_author_follower_and_local(app, svc, people, csrf):
    """A new public post shows on its page, the author's and a follower's home, and /local."""
    alice = await login(app, svc, people["alice"])
    response = await publish(alice, csrf, status="Hello **fediverse**")
    post = await latest_post(svc, people["alice"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/@alice/{post.id}"
    page = await alice.get(f"/@alice/{post.id}")
    body = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>fediverse</strong>" in body
    assert "Your post is published." in await text_of(page)
    assert 'class="post focus"' in body
    for who in ("alice", "bob"):
        home = await (await login(app, svc, people[who])).get("/home")
        assert "<strong>fediverse</strong>" in await home.get_data(as_text=True), who
    carol_home = await (await login(app, svc, people["carol"])).get("/home")
    assert "fediverse" not in await carol_home.get_data(as_text=True)
    local = await app.test_client().get("/local")
    assert "<strong>fediverse</strong>" in await local.get_data(as_text=True)


async def test_post_from_home_box_returns_home(app, svc, people, csrf):
    """The compact box on /home posts and comes back to /home."""
    alice = await login(app, svc, people["alice"])
    home = await alice.get("/home")
    assert 'name="from" value="home"' in await home.get_data(as_text=True)
    response = await publish(alice, csrf, status="from the home box", **{"from": "home"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/home"


async def test_mention_notifies_and_links(app, svc, people, csrf):
    """Mentioning @carol links her profile, notifies her once and puts the post in her home."""
    alice = await login(app, svc, people["alice"])
    await publish(alice, csrf, status="hey @carol and @nobody")
    post = await latest_post(svc, people["alice"])
    assert 'href="http://localhost/@carol"' in post.content_html
    assert "@nobody" in post.content_html and "/@nobody" not in post.content_html
    notes = await notifications_of(svc, people["carol"])
    assert [(n.type, n.post_id) for n in notes] == [("mention", post.id)]
    assert await notifications_of(svc, people["alice"]) == []
    carol_home = await (await login(app, svc, people["carol"])).get("/home")
    assert "hey" in await carol_home.get_data(as_text=True)


async def test_reply_notifies_parent_author_and_threads(app, svc, people, csrf):
    """A reply notifies the parent's author and shows below the parent; the parent above it."""
    root = await create_post(svc, people["alice"], PostDraft(text="root post", visibility="public"))
    bob = await login(app, svc, people["bob"])
    compose = await bob.get(f"/compose?in_reply_to={root.id}")
    compose_body = await compose.get_data(as_text=True)
    assert compose.status_code == 200
    assert "@alice </textarea>" in compose_body
    assert "root post" in compose_body
    response = await publish(bob, csrf, status="a reply", in_reply_to_id=str(root.id))
    assert response.status_code == 303
    reply = await latest_post(svc, people["bob"])
    assert reply.in_reply_to_id == root.id and reply.thread_root_id == root.id
    deeper = await create_post(
        svc, people["carol"], PostDraft(text="a reply to the reply", in_reply_to_id=reply.id)
    )
    assert deeper.thread_root_id == root.id
    notes = await notifications_of(svc, people["alice"])
    assert [(n.type, n.post_id) for n in notes] == [("reply", reply.id)]
    root_page = await (await login(app, svc, people["carol"])).get(f"/@alice/{root.id}")
    body = await root_page.get_data(as_text=True)
    assert body.index("root post") < body.index("a reply") < body.index("a reply to the reply")
    assert "Replying to" in body
    reply_page = await app.test_client().get(f"/@bob/{reply.id}")
    body = await reply_page.get_data(as_text=True)
    assert body.index("root post") < body.index('class="post focus"') < body.index("to the reply")


async def test_reply_that_mentions_parent_author_notifies_once(app, svc, people, csrf):
    """Replying with @alice in the text gives alice one mention notification, not two."""
    root = await create_post(svc, people["alice"], PostDraft(text="root", visibility="public"))
    bob = await login(app, svc, people["bob"])
    await publish(bob, csrf, status="@alice thanks", in_reply_to_id=str(root.id))
    notes = await notifications_of(svc, people["alice"])
    assert [n.type for n in notes] == ["mention"]


async def test_reply_to_invisible_post_is_not_found(app, svc, people, csrf):
    """Replying to a followers-only post you cannot see answers 404 as if it did not exist."""
    secret = await create_post(svc, people["alice"], PostDraft(text="secret", visibility="private"))
    carol = await login(app, svc, people["carol"])
    page = await carol.get(f"/compose?in_reply_to={secret.id}")
    assert page.status_code == 404
    response = await publish(carol, csrf, status="sneaky", in_reply_to_id=str(secret.id))
    assert response.status_code == 404
    assert "you cannot see it" in await text_of(response)


async def test_overlong_post_is_refused_with_text_kept(app, svc, people, csrf):
    """A post over 500 characters (content warning included) gets 422, a message and the text back."""
    alice = await login(app, svc, people["alice"])
    response = await publish(alice, csrf, status="x" * 495, spoiler_text="spoiler")
    body = await text_of(response)
    assert response.status_code == 422
    assert "Your post is 502 characters; the limit is 500." in body
    assert "x" * 495 + "</textarea>" in body
    assert 'value="spoiler"' in body
    async with svc.db.read() as conn:
        assert await post_store.count_account_posts(conn, people["alice"].id) == 0


async def test_empty_post_and_bad_visibility_are_refused(app, svc, people, csrf):
    """An empty post and an unknown visibility get 422 with messages next to the fields."""
    alice = await login(app, svc, people["alice"])
    response = await publish(alice, csrf, status="   ")
    assert response.status_code == 422
    assert "Write something before posting." in await text_of(response)
    response = await publish(alice, csrf, status="hi", visibility="everyone")
    assert response.status_code == 422
    assert "Choose who can see this post." in await text_of(response)


async def test_post_text_is_escaped(app, svc, people, csrf):
    """HTML and script typed into a post or content warning are shown as text, never run."""
    alice = await login(app, svc, people["alice"])
    await publish(
        alice,
        csrf,
        status='<script>alert("x")</script> <img src=x onerror=alert(1)>',
        spoiler_text="<b>cw</b>",
    )
    post = await latest_post(svc, people["alice"])
    page = await alice.get(f"/@alice/{post.id}")
    body = await page.get_data(as_text=True)
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;" in body
    assert "<summary>&lt;b&gt;cw&lt;/b&gt;</summary>" in body


async def test_edit_keeps_history(app, svc, people, csrf):
    """Editing shows the new text, marks the post edited, and the history lists both versions."""
    post = await create_post(svc, people["alice"], PostDraft(text="first version"))
    alice = await login(app, svc, people["alice"])
    form_page = await alice.get(f"/@alice/{post.id}/edit")
    assert form_page.status_code == 200
    assert "first version</textarea>" in await form_page.get_data(as_text=True)
    response = await alice.post(
        f"/@alice/{post.id}/edit",
        form={"status": "second version @carol", "spoiler_text": "", "csrf_token": csrf},
    )
    assert response.status_code == 303
    page = await alice.get(f"/@alice/{post.id}")
    body = await page.get_data(as_text=True)
    assert "second version" in body and "first version" not in body
    assert f'href="/@alice/{post.id}/history"' in body
    history = await app.test_client().get(f"/@alice/{post.id}/history")
    body = await history.get_data(as_text=True)
    assert history.status_code == 200
    assert body.index("second version") < body.index("first version")
    assert body.count("<time datetime=") >= 2
    notes = await notifications_of(svc, people["carol"])
    assert [n.type for n in notes] == ["mention"]


async def test_overlong_edit_is_refused_with_text_kept(app, svc, people, csrf):
    """An edit over the limit gets 422 with the message and the typed text."""
    post = await create_post(svc, people["alice"], PostDraft(text="short"))
    alice = await login(app, svc, people["alice"])
    response = await alice.post(
        f"/@alice/{post.id}/edit",
        form={"status": "y" * 501, "spoiler_text": "", "csrf_token": csrf},
    )
    assert response.status_code == 422
    body = await text_of(response)
    assert "Your post is 501 characters; the limit is 500." in body
    assert "y" * 501 + "</textarea>" in body


async def test_delete_answers_gone_and_leaves_timelines(app, svc, people, csrf):
    """After deleting, the post page says 410 and the post is gone from home and local."""
    post = await create_post(svc, people["alice"], PostDraft(text="soon gone"))
    alice = await login(app, svc, people["alice"])
    response = await alice.post(f"/@alice/{post.id}/delete", form={"csrf_token": csrf})
    assert response.status_code == 303
    page = await alice.get(f"/@alice/{post.id}")
    assert page.status_code == 410
    assert "This post has been deleted." in await text_of(page)
    for path in ("/home", "/local"):
        assert "soon gone" not in await (await alice.get(path)).get_data(as_text=True)
    bob_home = await (await login(app, svc, people["bob"])).get("/home")
    assert "soon gone" not in await bob_home.get_data(as_text=True)


async def test_others_cannot_edit_or_delete(app, svc, people, csrf):
    """Someone else's post cannot be edited or deleted: 403 with a message; unknown ids are 404."""
    post = await create_post(svc, people["alice"], PostDraft(text="alice's words"))
    bob = await login(app, svc, people["bob"])
    response = await bob.get(f"/@alice/{post.id}/edit")
    assert response.status_code == 403
    assert "You can only edit your own posts." in await text_of(response)
    response = await bob.post(
        f"/@alice/{post.id}/edit", form={"status": "hijacked", "csrf_token": csrf}
    )
    assert response.status_code == 403
    response = await bob.post(f"/@alice/{post.id}/delete", form={"csrf_token": csrf})
    assert response.status_code == 403
    assert "You can only delete your own posts." in await text_of(response)
    response = await bob.post("/@alice/12345/delete", form={"csrf_token": csrf})
    assert response.status_code == 404
    page = await bob.get(f"/@alice/{post.id}")
    assert "alice's words" in await page.get_data(as_text=True)
    assert "hijacked" not in await page.get_data(as_text=True)


async def test_wrong_name_for_a_post_is_not_found(app, svc, people):
    """A post id under another person's name answers 404."""
    post = await create_post(svc, people["alice"], PostDraft(text="mine"))
    response = await app.test_client().get(f"/@bob/{post.id}")
    assert response.status_code == 404
    assert "does not exist" in await text_of(response)


async def test_content_warning_hides_text_behind_details(app, svc, people):
    """A content warning is shown as a summary with the text inside a details element."""
    await create_post(svc, people["alice"], PostDraft(text="the spoiler", content_warning="Film"))
    body = await (await app.test_client().get("/local")).get_data(as_text=True)
    assert '<details class="post-cw">' in body
    assert "<summary>Film</summary>" in body
