"""Settings → Profile: editing name, bio, fields, privacy and the default post visibility."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.storage import users as user_store
from fedi.storage.rows import Account
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


def _form(csrf: str, **values: str) -> dict[str, str]:
    form = {
        "display_name": "",
        "note": "",
        "discoverable": "on",
        "default_visibility": "public",
        "csrf_token": csrf,
    }
    form.update(values)
    return form


async def test_settings_page_shows_the_form_and_sections(app: Any, svc: Services) -> None:
    """The profile settings page has the form with labelled fields and links to other sections."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.get("/settings")

    assert response.status_code == 200
    page = await _text(response)
    assert page.count("<h1") == 1
    for href in (
        'href="/settings" aria-current="page"',
        'href="/settings/account"',
        'href="/settings/security"',
    ):
        assert href in page
    for label in (
        'for="display_name"',
        'for="note"',
        'for="fields_0_name"',
        'for="fields_3_value"',
        'for="locked"',
        'for="default_visibility"',
    ):
        assert label in page
    assert 'name="csrf_token"' in page


async def test_settings_needs_login(client: Any) -> None:
    """Logged-out visitors are sent to the login page."""
    response = await client.get("/settings")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/settings")


async def test_saved_profile_shows_on_the_profile_page(app: Any, svc: Services, csrf: str) -> None:
    """Saving shows "Profile saved"; the profile shows the name, rendered bio and fields."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    response = await client.post(
        "/settings",
        form=_form(
            csrf,
            display_name="Alice Liddell",
            note="I like **tea** with @bob and #gardening",
            fields_0_name="Website",
            fields_0_value="https://alice.example/home",
            fields_1_name="Pronouns",
            fields_1_value="she/her",
        ),
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/settings"
    form_page = await _text(await client.get("/settings"))
    assert "Profile saved" in form_page
    assert 'value="Alice Liddell"' in form_page
    assert "I like **tea** with @bob and #gardening</textarea>" in form_page
    profile = await _text(await client.get("/@alice"))
    assert "<h1" in profile and "Alice Liddell</h1>" in profile
    assert "<strong>tea</strong>" in profile
    assert 'href="http://localhost/@bob"' in profile
    assert 'href="http://localhost/tags/gardening"' in profile
    assert "<dt>Website</dt>" in profile
    assert '<a href="https://alice.example/home"' in profile
    assert "<dt>Pronouns</dt>" in profile and "<dd>she/her</dd>" in profile


async def test_too_long_display_name_is_refused_and_input_kept(
    app: Any, svc: Services, csrf: str
) -> None:
    """A display name over 30 characters gets 422, a message next to it, and the text kept."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)
    long_name = "N" * 31

    response = await client.post(
        "/settings", form=_form(csrf, display_name=long_name, note="my bio stays")
    )

    assert response.status_code == 422
    page = await _text(response)
    assert "Display names can be at most 30 characters (this one has 31)." in page
    assert 'id="display_name-error"' in page
    assert f'value="{long_name}"' in page
    assert "my bio stays</textarea>" in page
    assert "my bio stays" not in await _text(await client.get("/@alice"))


async def test_too_long_bio_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """A bio over 500 characters gets 422 with the count."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/settings", form=_form(csrf, note="b" * 501))

    assert response.status_code == 422
    assert "Your bio is 501 characters; the limit is 500." in await _text(response)


async def test_five_profile_fields_are_refused(app: Any, svc: Services, csrf: str) -> None:
    """At most four profile fields: a fifth is refused with 422 and every row is kept."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)
    fields = {}
    for i in range(5):
        fields[f"fields_{i}_name"] = f"label{i}"
        fields[f"fields_{i}_value"] = f"value{i}"

    response = await client.post("/settings", form=_form(csrf, **fields))

    assert response.status_code == 422
    page = await _text(response)
    assert "You can have at most 4 profile fields." in page
    assert 'value="label4"' in page and 'value="value4"' in page
    assert "label0" not in await _text(await client.get("/@alice"))


async def test_field_value_without_label_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """A value needs a label; the error sits next to the label input."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/settings", form=_form(csrf, fields_0_value="orphan"))

    assert response.status_code == 422
    page = await _text(response)
    assert 'id="fields_0_name-error"' in page and "Give this field a label." in page


async def test_default_visibility_is_used_by_compose(app: Any, svc: Services, csrf: str) -> None:
    """The chosen default visibility is stored and pre-selected on the compose page."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/settings", form=_form(csrf, default_visibility="unlisted"))

    assert response.status_code == 303
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, alice.id)
    assert user is not None and user.default_visibility == "unlisted"
    assert 'value="unlisted" selected' in await _text(await client.get("/settings"))
    assert 'value="unlisted" selected' in await _text(await client.get("/compose"))


async def test_unknown_visibility_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """A visibility that is not offered is refused with 422."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/settings", form=_form(csrf, default_visibility="everyone"))

    assert response.status_code == 422
    assert "Choose one of the listed post visibilities." in await _text(response)


async def test_locked_shows_on_profile(app: Any, svc: Services, csrf: str) -> None:
    """A locked account is marked on its profile and others are offered "Request to follow"."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    response = await client.post("/settings", form=_form(csrf, locked="on"))

    assert response.status_code == 303
    page = await _text(await (await _login(app, svc, bob)).get("/@alice"))
    assert "Locked" in page and "Request to follow" in page
    assert "checked" in (await _text(await client.get("/settings"))).split('id="locked"')[1][:80]


async def test_markup_in_profile_is_escaped(app: Any, svc: Services, csrf: str) -> None:
    """HTML typed into the name, bio or fields shows as text, and unsafe links are dropped."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    await client.post(
        "/settings",
        form=_form(
            csrf,
            display_name="<b>bold</b>",
            note="<script>alert(1)</script>",
            fields_0_name="<i>x</i>",
            fields_0_value="[click](javascript:alert(1))",
        ),
    )

    page = await _text(await client.get("/@alice"))
    assert "<script>alert(1)" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<dt>&lt;i&gt;x&lt;/i&gt;</dt>" in page
    assert "javascript:" not in page


async def test_settings_without_csrf_token_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """Saving without the CSRF token is refused with 403 and nothing changes."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)
    form = _form(csrf, display_name="Changed")
    del form["csrf_token"]

    response = await client.post("/settings", form=form)

    assert response.status_code == 403
    assert "Changed" not in await _text(await client.get("/@alice"))
