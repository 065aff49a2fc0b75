"""The admin page: who may see it, role changes, the last-admin guard, pending sign-ups."""

from __future__ import annotations

from typing import Any

from fedi.accounts.registration import NewAccount, create_local_account
from fedi.context import Services
from fedi.storage import accounts as account_store
from fedi.storage import users as user_store
from fedi.storage.rows import Account
from tests.factories import PASSWORD, browser_login, make_user


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def _client_for(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _role(svc: Services, user_id: int) -> str:
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, user_id)
    assert user is not None
    return user.role


async def test_admin_sees_users_and_changes_a_role(app, svc, csrf):
    """An admin sees every user with e-mail and role, and can make someone a moderator."""
    _, boss = await make_user(svc, "boss", role="admin")
    bob_user, _ = await make_user(svc, "bob")
    client = await _client_for(app, svc, boss)

    page = await client.get("/admin")
    assert page.status_code == 200
    body = await _text(page)
    assert 'href="/@bob"' in body and "bob@example.com" in body
    assert f'action="/admin/users/{bob_user.id}/role"' in body

    response = await client.post(
        f"/admin/users/{bob_user.id}/role", form={"role": "moderator", "csrf_token": csrf}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin"
    assert "@bob is now moderator." in await _text(await client.get("/admin"))
    assert await _role(svc, bob_user.id) == "moderator"


async def test_moderator_sees_the_list_but_cannot_change_roles(app, svc, csrf):
    """A moderator may look at the user list; changing a role answers 403."""
    boss_user, _ = await make_user(svc, "boss", role="admin")
    _, mod = await make_user(svc, "carol", role="moderator")
    client = await _client_for(app, svc, mod)

    page = await client.get("/admin")
    assert page.status_code == 200
    body = await _text(page)
    assert "boss@example.com" in body and "/role" not in body

    response = await client.post(
        f"/admin/users/{boss_user.id}/role", form={"role": "user", "csrf_token": csrf}
    )
    assert response.status_code == 403
    assert "Only administrators can change roles." in await _text(response)
    assert await _role(svc, boss_user.id) == "admin"


async def test_plain_user_gets_403_and_visitor_goes_to_login(app, anon_client, svc):
    """Someone without a staff role is refused; a logged-out visitor is asked to log in."""
    _, alice = await make_user(svc, "alice")
    client = await _client_for(app, svc, alice)
    response = await client.get("/admin")
    assert response.status_code == 403
    assert "Only administrators and moderators can see this page." in await _text(response)

    visitor = await anon_client.get("/admin")
    assert visitor.status_code == 302 and visitor.headers["Location"] == "/login?next=/admin"


async def test_last_admin_cannot_step_down(app, svc, csrf):
    """The only admin cannot demote themself; once there is another admin, they can."""
    boss_user, boss = await make_user(svc, "boss", role="admin")
    client = await _client_for(app, svc, boss)

    refused = await client.post(
        f"/admin/users/{boss_user.id}/role", form={"role": "user", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "You are the last administrator." in await _text(refused)
    assert await _role(svc, boss_user.id) == "admin"

    second, _ = await make_user(svc, "second", role="admin")
    allowed = await client.post(
        f"/admin/users/{boss_user.id}/role", form={"role": "user", "csrf_token": csrf}
    )
    assert allowed.status_code == 303
    assert await _role(svc, boss_user.id) == "user"
    assert await _role(svc, second.id) == "admin"


async def test_unknown_role_is_refused(app, svc, csrf):
    """A role that does not exist is refused with a readable message."""
    _, boss = await make_user(svc, "boss", role="admin")
    bob_user, _ = await make_user(svc, "bob")
    client = await _client_for(app, svc, boss)
    response = await client.post(
        f"/admin/users/{bob_user.id}/role", form={"role": "overlord", "csrf_token": csrf}
    )
    assert response.status_code == 422
    assert "Role must be one of admin, moderator, user." in await _text(response)
    assert await _role(svc, bob_user.id) == "user"


async def test_reject_deletes_a_pending_sign_up(app, svc, csrf):
    """Rejecting a pending sign-up removes the account; an approved one cannot be rejected."""
    _, boss = await make_user(svc, "boss", role="admin")
    pending, _ = await create_local_account(
        svc,
        NewAccount(
            username="hopeful",
            email="hopeful@example.com",
            password=PASSWORD,
            confirmed=True,
            approved=False,
        ),
    )
    bob_user, _ = await make_user(svc, "bob")
    client = await _client_for(app, svc, boss)

    response = await client.post(f"/admin/users/{pending.id}/reject", form={"csrf_token": csrf})
    assert response.status_code == 303
    assert "Rejected the sign-up of @hopeful." in await _text(await client.get("/admin"))
    async with svc.db.read() as conn:
        assert await account_store.get_account(conn, pending.id) is None

    refused = await client.post(f"/admin/users/{bob_user.id}/reject", form={"csrf_token": csrf})
    assert refused.status_code == 409
    assert "@bob has already been approved." in await _text(refused)
