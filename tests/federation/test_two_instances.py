"""Two fedi instances federating over loopback (real HTTP, real signatures): what each user sees.

One pair of instances serves the whole module; each test makes its own users. Users act through
their instance's services (the ones the web pages call) and, where it says so, its pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fedi.accounts.profiles import list_follow_requests, list_followers_page, list_following_page
from fedi.errors import Gone, NotFound
from fedi.notification_policy import list_requests
from fedi.notifications import list_notifications
from fedi.outbox.boosts import boost_post, unboost_post
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.interactions import (
    approve_follow,
    follow_account,
    like_post,
    reject_follow,
    unfollow_account,
    unlike_post,
)
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.outbox.profile import ProfileEdit, update_profile
from fedi.paging import Window
from fedi.storage.rows import Account, Post
from fedi.timelines import PostView, post_history, thread

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def follow_across(pair: Pair, follower: Account, target: Account) -> Account:
    """`follower` on A follows open `target` on B and the Accept arrives; B's account as A has it."""
    target_on_a = await pair.a.remote(target)
    await follow_account(pair.a.svc, follower, target_on_a)
    await pair.settle()
    assert await pair.a.follow_state(follower, target_on_a) == "accepted"
    return target_on_a


async def arrived(inst: Instance, account: Account, post: Post) -> PostView:
    """Wait until `post` (of another instance) is in `account`'s home timeline on `inst`."""
    return await inst.eventually(
        lambda: inst.seen_at_home(account, post.uri),
        f"{post.uri} reaches @{account.username}'s home on {inst.name}",
    )


async def notices(inst: Instance, account: Account) -> list[tuple[str, str]]:
    """(type, who) of `account`'s notifications on `inst`, newest first."""
    viewer = await inst.viewer(account)
    return [(n.type, n.account.account.uri) for n in await list_notifications(inst.svc, viewer)]


# --- follows ----------------------------------------------------------------------------------


async def test_follow_open_account(two_instances: Pair) -> None:
    """A follow of an open remote account is accepted; alice's following and bob's followers agree."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_open"), await b.user("bob_open")

    bob_on_a = await a.remote(bob)
    follow = await follow_account(a.svc, alice, bob_on_a)
    assert follow.state == "pending"  # until bob's server answers
    await two_instances.settle()

    assert await a.follow_state(alice, bob_on_a) == "accepted"
    following = await list_following_page(a.svc, alice.id, "alice_open")
    assert [c.account.uri for c in following.cards] == [bob.uri]
    followers = await list_followers_page(b.svc, bob.id, "bob_open")
    assert [c.account.uri for c in followers.cards] == [alice.uri]
    assert followers.profile.followers_count == 1
    assert await notices(b, bob) == [("follow", alice.uri)]
    page = await b.page(bob, "/notifications")
    assert page.status_code == 200
    assert a.handle(alice) in page.text and "followed you" in page.text


async def test_follow_locked_account_waits_for_approval(two_instances: Pair) -> None:
    """A locked account's follower waits as "requested" until the account approves on its server."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_lock"), await b.user("bob_lock", locked=True)

    bob_on_a = await a.remote(bob)
    assert bob_on_a.locked
    await follow_account(a.svc, alice, bob_on_a)
    await two_instances.settle()

    assert await a.follow_state(alice, bob_on_a) == "pending"
    [request] = await list_follow_requests(b.svc, bob.id)
    assert request.card.account.uri == alice.uri
    assert await notices(b, bob) == [("follow_request", alice.uri)]
    assert (await list_followers_page(b.svc, bob.id, "bob_lock")).cards == []

    await approve_follow(b.svc, bob, request.follow_id)
    await two_instances.settle()

    assert await a.follow_state(alice, bob_on_a) == "accepted"
    following = await list_following_page(a.svc, alice.id, "alice_lock")
    assert [c.account.uri for c in following.cards] == [bob.uri]
    followers = await list_followers_page(b.svc, bob.id, "bob_lock")
    assert [c.account.uri for c in followers.cards] == [alice.uri]
    assert await list_follow_requests(b.svc, bob.id) == []


async def test_follow_request_rejected(two_instances: Pair) -> None:
    """A rejected request disappears on both sides; alice follows nobody."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_rej"), await b.user("bob_rej", locked=True)

    bob_on_a = await a.remote(bob)
    await follow_account(a.svc, alice, bob_on_a)
    await two_instances.settle()
    [request] = await list_follow_requests(b.svc, bob.id)

    await reject_follow(b.svc, bob, request.follow_id)
    await two_instances.settle()

    assert await a.follow_state(alice, bob_on_a) is None
    assert (await list_following_page(a.svc, alice.id, "alice_rej")).cards == []
    assert await list_follow_requests(b.svc, bob.id) == []
    assert await notices(b, bob) == []


# --- posts ------------------------------------------------------------------------------------


async def test_posts_reach_followers_by_visibility(two_instances: Pair) -> None:
    """Bob's public and followers-only posts reach follower alice; carol, no follower, sees neither
    in her home and cannot open the followers-only one."""
    a, b = two_instances.a, two_instances.b
    alice, carol = await a.user("alice_vis"), await a.user("carol_vis")
    bob = await b.user("bob_vis")
    bob_on_a = await follow_across(two_instances, alice, bob)

    public = await create_post(b.svc, bob, PostDraft(text="Hello, world", visibility="public"))
    private = await create_post(
        b.svc, bob, PostDraft(text="Only for my followers", visibility="private")
    )
    seen_private = await arrived(a, alice, private)
    seen_public = await arrived(a, alice, public)
    await two_instances.settle()

    assert "Only for my followers" in seen_private.post.content_html
    assert seen_private.visibility == "private"
    assert seen_public.visibility == "public"
    assert seen_public.author.uri == bob.uri
    home_page = await a.page(alice, "/home")
    assert "Hello, world" in home_page.text and "Only for my followers" in home_page.text

    assert await a.home(carol) == []
    with pytest.raises(NotFound):
        await thread(a.svc, carol.id, bob_on_a.acct, seen_private.id)
    assert (
        await thread(a.svc, carol.id, bob_on_a.acct, seen_public.id)
    ).focus.post.uri == public.uri
    carol_home = await a.page(carol, "/home")
    assert "Only for my followers" not in carol_home.text


async def test_direct_post_reaches_only_the_mentioned(two_instances: Pair) -> None:
    """Bob's direct post to alice reaches her (its mention notification filtered, as she does not
    follow him) and not carol, who follows bob on the same server."""
    a, b = two_instances.a, two_instances.b
    alice, carol = await a.user("alice_dm"), await a.user("carol_dm")
    bob = await b.user("bob_dm")
    bob_on_a = await follow_across(two_instances, carol, bob)

    text = f"@{a.handle(alice)} just between us"
    direct = await create_post(b.svc, bob, PostDraft(text=text, visibility="direct"))
    seen = await arrived(a, alice, direct)
    await two_instances.settle()

    assert seen.visibility == "direct"
    # Mastodon 4.3's default notification policy: a private mention from someone alice does not
    # follow waits under her filtered notifications, one request for bob.
    assert ("mention", bob.uri) not in await notices(a, alice)
    [request] = (await list_requests(a.svc, alice.id, Window())).items
    assert request.account.uri == bob.uri and request.request.notifications_count == 1
    assert await a.seen_at_home(carol, direct.uri) is None
    with pytest.raises(NotFound):
        await thread(a.svc, carol.id, bob_on_a.acct, seen.id)


async def test_reply_threads_on_the_original_server(two_instances: Pair) -> None:
    """Alice's reply to bob's post shows in the thread on bob's server, and bob is notified."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_reply"), await b.user("bob_reply")
    await follow_across(two_instances, alice, bob)
    original = await create_post(b.svc, bob, PostDraft(text="What do you think?"))
    seen = await arrived(a, alice, original)

    reply = await create_post(
        a.svc, alice, PostDraft(text="I think it is great", in_reply_to_id=seen.id)
    )
    await two_instances.settle()

    on_b = await thread(b.svc, bob.id, "bob_reply", original.id)
    [node] = on_b.replies
    assert node.view.post.uri == reply.uri
    assert node.view.author.uri == alice.uri
    assert "I think it is great" in node.view.post.content_html
    assert on_b.focus.reply_count == 1
    assert ("reply", alice.uri) in await notices(b, bob)
    page = await b.page(bob, "/notifications")
    assert "replied to your post" in page.text and "I think it is great" in page.text
    on_a = await thread(a.svc, alice.id, "alice_reply", reply.id)
    assert [v.post.uri for v in on_a.ancestors] == [original.uri]


async def test_like_then_unlike(two_instances: Pair) -> None:
    """Alice's like notifies bob on his server and counts there; her unlike withdraws both."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_like"), await b.user("bob_like")
    await follow_across(two_instances, alice, bob)
    post = await create_post(b.svc, bob, PostDraft(text="Like me"))
    seen = await arrived(a, alice, post)

    assert await like_post(a.svc, alice, seen.id)
    await two_instances.settle()

    assert ("favourite", alice.uri) in await notices(b, bob)
    assert (await thread(b.svc, bob.id, "bob_like", post.id)).focus.like_count == 1
    assert "liked your post" in (await b.page(bob, "/notifications")).text

    assert await unlike_post(a.svc, alice, seen.id)
    await two_instances.settle()

    assert ("favourite", alice.uri) not in await notices(b, bob)
    assert (await thread(b.svc, bob.id, "bob_like", post.id)).focus.like_count == 0


async def test_like_button_on_a_remote_post(two_instances: Pair) -> None:
    """The Like button under a remote post in alice's home likes it, and bob is notified."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_button"), await b.user("bob_button")
    await follow_across(two_instances, alice, bob)
    post = await create_post(b.svc, bob, PostDraft(text="Press like"))
    seen = await arrived(a, alice, post)
    assert seen.like_url in (await a.page(alice, "/home")).text

    pressed = await a.post_form(alice, seen.like_url, {"next": "/home"})
    assert pressed.status_code == 303, pressed.text
    await two_instances.settle()

    assert ("favourite", alice.uri) in await notices(b, bob)


async def test_edit_shows_new_text_and_history(two_instances: Pair) -> None:
    """Bob's edit replaces the text alice sees, and the earlier version stays in the history."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_edit"), await b.user("bob_edit")
    bob_on_a = await follow_across(two_instances, alice, bob)
    post = await create_post(b.svc, bob, PostDraft(text="First tought"))
    seen = await arrived(a, alice, post)

    await edit_post(b.svc, bob, post.id, PostEdit(text="First thought"))
    await two_instances.settle()

    now = await a.seen_at_home(alice, post.uri)
    assert now is not None and now.edited
    assert "First thought" in now.post.content_html
    history = await post_history(a.svc, alice.id, bob_on_a.acct, seen.id)
    assert ["First thought" in v.content_html for v in history.versions] == [True, False]
    assert "First tought" in history.versions[1].content_html


async def test_delete_removes_the_post(two_instances: Pair) -> None:
    """Bob's deleted post leaves alice's home, and opening it says it is gone."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_del"), await b.user("bob_del")
    bob_on_a = await follow_across(two_instances, alice, bob)
    post = await create_post(b.svc, bob, PostDraft(text="Soon gone"))
    seen = await arrived(a, alice, post)

    await delete_post(b.svc, bob, post.id)
    await two_instances.settle()

    assert await a.seen_at_home(alice, post.uri) is None
    with pytest.raises((Gone, NotFound)):
        await thread(a.svc, alice.id, bob_on_a.acct, seen.id)
    assert "Soon gone" not in (await a.page(alice, "/home")).text


async def test_unfollow_stops_delivery(two_instances: Pair) -> None:
    """After alice unfollows, bob's followers shrink and his new posts no longer reach her home."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_unf"), await b.user("bob_unf")
    bob_on_a = await follow_across(two_instances, alice, bob)
    before = await create_post(b.svc, bob, PostDraft(text="While followed"))
    await arrived(a, alice, before)

    await unfollow_account(a.svc, alice, bob_on_a)
    await two_instances.settle()

    assert (await list_followers_page(b.svc, bob.id, "bob_unf")).cards == []
    assert await a.follow_state(alice, bob_on_a) is None
    after = await create_post(b.svc, bob, PostDraft(text="After the unfollow"))
    await two_instances.settle()
    assert await a.seen_at_home(alice, after.uri) is None
    assert await a.seen_at_home(alice, before.uri) is None  # unfollowing clears the feed


async def test_boost_then_unboost(two_instances: Pair) -> None:
    """Alice's boost of bob's post notifies bob and reaches carol, alice's follower on bob's
    server; unboosting withdraws both."""
    a, b = two_instances.a, two_instances.b
    alice = await a.user("alice_boost")
    bob, carol = await b.user("bob_boost"), await b.user("carol_boost")
    await follow_across(two_instances, alice, bob)
    await follow_account(b.svc, carol, await b.remote(alice))
    await two_instances.settle()
    post = await create_post(b.svc, bob, PostDraft(text="Boost me"))
    seen = await arrived(a, alice, post)

    boost = await boost_post(a.svc, alice, seen.id)
    await two_instances.settle()

    assert ("reblog", alice.uri) in await notices(b, bob)
    assert "boosted your post" in (await b.page(bob, "/notifications")).text
    [shown] = [v for v in await b.home(carol) if v.reblog and v.reblog.uri == boost.uri]
    assert shown.post.uri == post.uri
    assert shown.boosted_by is not None and shown.boosted_by.uri == alice.uri
    assert (await thread(b.svc, bob.id, "bob_boost", post.id)).focus.boost_count == 1

    assert await unboost_post(a.svc, alice, seen.id)
    await two_instances.settle()

    assert ("reblog", alice.uri) not in await notices(b, bob)
    assert [v for v in await b.home(carol) if v.reblog] == []
    assert (await thread(b.svc, bob.id, "bob_boost", post.id)).focus.boost_count == 0


# --- profiles ---------------------------------------------------------------------------------


async def test_profile_update_reaches_followers_server(two_instances: Pair) -> None:
    """Bob's new display name and bio replace the copy on alice's server."""
    a, b = two_instances.a, two_instances.b
    alice, bob = await a.user("alice_prof"), await b.user("bob_prof")
    await follow_across(two_instances, alice, bob)

    viewer = await b.viewer(bob)
    await update_profile(b.svc, viewer, ProfileEdit(display_name="Bob B.", note="Gardener"))
    await two_instances.settle()

    bob_on_a = await a.remote(bob)
    assert bob_on_a.display_name == "Bob B."
    assert "Gardener" in bob_on_a.note_html
