"""Featuring followed accounts on one's profile from the web UI ("Featured accounts")."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.interactions import follow_account, unfollow_account
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage.ids import new_id
from fedi.storage.rows import Account
from tests.api.statuses_helpers import REMOTE_HOST, remote_account
from tests.factories import browser_login, make_user

FEATURE = "Feature on my profile"
STOP = "Stop featuring"


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def test_feature_button_only_for_followed_accounts(
    app: Any, svc: Services, csrf: str
) -> None:
    """The button shows on the profile of an account the viewer follows, not on others', not on
    one's own profile, and not to visitors who are logged out."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    assert FEATURE not in await _text(await client.get("/@bob"))
    await follow_account(svc, alice, bob)
    page = await _text(await client.get("/@bob"))
    assert FEATURE in page and 'action="/@bob/feature"' in page
    assert FEATURE not in await _text(await client.get("/@alice"))
    assert FEATURE not in await _text(await app.test_client().get("/@bob"))


async def test_feature_and_unfeature_from_the_profile(app: Any, svc: Services, csrf: str) -> None:
    """Featuring returns to the profile with a notice and a "Stop featuring" button; the
    viewer's own profile lists the account under "Featured accounts" (for visitors too), linking
    to it; stopping takes it off again."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    async with svc.db.write() as tx:
        await account_store.update_account(tx, bob.id, display_name="Bob B.")
    await follow_account(svc, alice, bob)
    client = await _login(app, svc, alice)
    assert "Featured accounts" not in await _text(await client.get("/@alice"))

    response = await client.post("/@bob/feature", form={"csrf_token": csrf, "next": "/@bob"})

    assert response.status_code == 303 and response.headers["Location"] == "/@bob"
    page = await _text(await client.get("/@bob"))
    assert "@bob is now featured on your profile." in page
    assert STOP in page and FEATURE not in page and 'action="/@bob/unfeature"' in page
    own = await _text(await app.test_client().get("/@alice"))
    assert '<h2 id="featured-accounts-title">Featured accounts</h2>' in own
    assert 'href="/@bob"' in own and "Bob B." in own
    assert "Featured accounts" not in await _text(await app.test_client().get("/@bob"))

    response = await client.post("/@bob/unfeature", form={"csrf_token": csrf, "next": "/@bob"})

    assert response.status_code == 303
    page = await _text(await client.get("/@bob"))
    assert "@bob is no longer featured on your profile." in page and FEATURE in page
    assert "Featured accounts" not in await _text(await client.get("/@alice"))


async def test_unfollow_takes_the_account_off_the_profile(
    app: Any, svc: Services, csrf: str
) -> None:
    """Unfollowing a featured account removes it from "Featured accounts"."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    client = await _login(app, svc, alice)
    await client.post("/@bob/feature", form={"csrf_token": csrf})
    assert "Featured accounts" in await _text(await client.get("/@alice"))

    await unfollow_account(svc, alice, bob)

    assert "Featured accounts" not in await _text(await client.get("/@alice"))
    assert FEATURE not in await _text(await client.get("/@bob"))


async def test_feature_refused_when_not_following_or_without_csrf(
    app: Any, svc: Services, csrf: str
) -> None:
    """Featuring an account one does not follow is refused with the reason (422), an unknown
    one is 404, and a form without its CSRF token changes nothing."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    response = await client.post("/@bob/feature", form={"csrf_token": csrf})
    assert response.status_code == 422
    assert "You must be already following the person you want to endorse." in await _text(response)
    response = await client.post("/@nobody/feature", form={"csrf_token": csrf})
    assert response.status_code == 404
    assert "Could not find @nobody." in await _text(response)

    await follow_account(svc, alice, bob)
    response = await client.post("/@bob/feature", form={})
    assert response.status_code == 403
    assert "This form has expired" in await _text(response)
    assert "Featured accounts" not in await _text(await client.get("/@alice"))


async def test_feature_a_followed_account_of_another_server(
    app: Any, svc: Services, csrf: str
) -> None:
    """The profile page of a followed account on another server has the button too, and
    featuring it lists it on the viewer's own profile."""
    _, alice = await make_user(svc, "alice")
    carol = await remote_account(svc, "carol")
    client = await _login(app, svc, alice)
    path = f"/@carol@{REMOTE_HOST}"
    assert FEATURE not in await _text(await client.get(path))
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx, id=new_id(), account_id=alice.id, target_account_id=carol.id, state="accepted"
        )
    page = await _text(await client.get(path))
    assert FEATURE in page and f'action="{path}/feature"' in page

    response = await client.post(f"{path}/feature", form={"csrf_token": csrf, "next": path})
    assert response.status_code == 303
    assert STOP in await _text(await client.get(path))
    own = await _text(await client.get("/@alice"))
    assert "Featured accounts" in own and f"@carol@{REMOTE_HOST}" in own
