"""The web report form: report an account and some of its posts, forward a copy to its server."""

from __future__ import annotations

import html
from typing import Any

from fedi.context import Services
from fedi.moderation.report_forward import FORWARD_KIND
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import reports as report_store
from fedi.storage.rows import Account, Report
from tests.api.statuses_helpers import remote_account, remote_post
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _reports(svc: Services, target: Account) -> list[Report]:
    async with svc.db.read() as conn:
        return await report_store.list_reports(conn, target_account_id=target.id)


async def test_report_a_local_account_and_a_post(app: Any, svc: Services, csrf: str) -> None:
    """The profile links to the form; ticking a post and a reason files the report, thanks the
    reporter on the profile, and offers no forwarding for an account of this server."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    bad = await create_post(svc, bob, PostDraft(text="buy cheap watches", visibility="public"))
    client = await _login(app, svc, alice)
    assert 'href="/@bob/report"' in await _text(await client.get("/@bob"))

    form_page = await client.get("/@bob/report")
    assert form_page.status_code == 200
    text = await _text(form_page)
    assert "<h1" in text and "Report @bob" in text
    assert "buy cheap watches" in text and "Forward a copy" not in text
    preticked = await _text(await client.get(f"/@bob/report?post={bad.id}"))
    assert f'value="{bad.id}" checked' in preticked

    response = await client.post(
        "/@bob/report",
        form={
            "csrf_token": csrf,
            "category": "spam",
            "status_ids": str(bad.id),
            "comment": "Posts this every hour",
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/@bob"
    assert "Your report was sent to the moderators" in await _text(await client.get("/@bob"))
    [report] = await _reports(svc, bob)
    assert (report.account_id, report.post_ids, report.comment) == (
        alice.id,
        [bad.id],
        "Posts this every hour",
    )


async def test_report_a_remote_account_with_forwarding(app: Any, svc: Services, csrf: str) -> None:
    """For an account of another server the form offers "Forward a copy to <host>"; ticked, the
    report is queued for that server's shared inbox and the thanks name it."""
    _, alice = await make_user(svc, "alice")
    carol = await remote_account(svc, "carol")
    post = await remote_post(svc, carol, "<p>rude words</p>")
    client = await _login(app, svc, alice)
    path = f"/@carol@{carol.domain}/report"

    text = await _text(await client.get(path))
    assert f"Forward a copy to {carol.domain}" in text and "rude words" in text

    response = await client.post(
        path,
        form={
            "csrf_token": csrf,
            "category": "violation",
            "status_ids": str(post.id),
            "forward": "on",
        },
    )

    assert response.status_code == 303
    thanks = await _text(await client.get(response.headers["Location"]))
    assert f"and to those of {carol.domain}" in thanks
    [job] = await svc.jobs.list(kind=FORWARD_KIND, limit=10)
    assert job.data["inbox"] == carol.shared_inbox_uri
    assert job.data["activity"]["object"] == [carol.uri, post.uri]
    [report] = await _reports(svc, carol)
    assert report.post_ids == [post.id]


async def test_without_the_forward_box_nothing_is_queued(
    app: Any, svc: Services, csrf: str
) -> None:
    """Leaving "Forward a copy" unticked keeps the report on this server."""
    _, alice = await make_user(svc, "alice")
    carol = await remote_account(svc, "carol")
    client = await _login(app, svc, alice)

    response = await client.post(
        f"/@carol@{carol.domain}/report", form={"csrf_token": csrf, "category": "other"}
    )

    assert response.status_code == 303
    assert await svc.jobs.list(kind=FORWARD_KIND, limit=10) == []
    assert len(await _reports(svc, carol)) == 1


async def test_bad_reports_show_the_form_again_with_the_errors(
    app: Any, svc: Services, csrf: str
) -> None:
    """No reason chosen, or a comment over 1000 characters: 422, each message next to its field,
    the typed comment kept, nothing filed."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    missing = await client.post(
        "/@bob/report", form={"csrf_token": csrf, "comment": "they keep doing it"}
    )
    assert missing.status_code == 422
    text = await _text(missing)
    assert 'id="category-error">Choose what is wrong.' in text
    assert "they keep doing it</textarea>" in text

    long = await client.post(
        "/@bob/report", form={"csrf_token": csrf, "category": "spam", "comment": "x" * 1001}
    )
    assert long.status_code == 422
    assert "Your comment is 1001 characters; the limit is 1000." in await _text(long)
    assert await _reports(svc, bob) == []


async def test_the_form_needs_a_login_and_someone_else(app: Any, svc: Services) -> None:
    """Logged out, the form sends you to log in; your own account cannot be reported (403);
    an unknown account is 404."""
    _, alice = await make_user(svc, "alice")
    anonymous = await app.test_client().get("/@alice/report")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=/%40alice/report"
    client = await _login(app, svc, alice)

    own = await client.get("/@alice/report")
    assert own.status_code == 403
    assert "You cannot report yourself." in await _text(own)
    unknown = await client.get("/@nobody@far.example/report")
    assert unknown.status_code == 404
    assert "Could not find @nobody@far.example." in await _text(unknown)
