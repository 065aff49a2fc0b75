"""Preview cards end to end: a post links someone else's page (a fake site on 127.0.0.1), the
background job fetches it, and the API and the web page show its card with our cached picture."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from fedi.context import Services
from fedi.storage import cards as card_store
from fedi.storage.clock import to_db, utcnow
from fedi.storage.rows import Account
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.cards.conftest import ARTICLE
from tests.factories import browser_login, make_user
from tests.fakes.remote import FakeRemote
from tests.media.files import jpeg

RunJobs = Callable[[], Awaitable[int]]
CARD_STRINGS = (
    "url",
    "title",
    "description",
    "type",
    "author_name",
    "author_url",
    "provider_name",
    "provider_url",
    "html",
    "embed_url",
    "image_description",
)


def assert_card_shape(card: dict[str, Any]) -> None:
    """Every PreviewCard field is present with its type (strings never null)."""
    for name in CARD_STRINGS:
        assert isinstance(card[name], str), name
    assert isinstance(card["width"], int) and isinstance(card["height"], int)
    assert card["type"] in ("link", "photo", "video", "rich")
    assert isinstance(card["authors"], list)
    for name in ("image", "blurhash", "published_at"):
        assert card[name] is None or isinstance(card[name], str), name


async def _status(client: Any, token: str, status_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/statuses/{status_id}", headers=bearer(token))
    assert response.status_code == 200
    return await response.get_json()  # type: ignore[no-any-return]


async def test_a_linked_page_becomes_a_card_with_our_cached_picture(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """After the background job, the status has the page's card: OpenGraph title, description,
    site name, author, date, and the picture served from our own media cache with a blurhash."""
    link = site.url("/posts/walk")
    status = await api_post(client, alice_token, f"Nice read: {link}")
    assert status["card"] is None  # fetched in the background, not while posting

    await run_jobs()
    card = (await _status(client, alice_token, status["id"]))["card"]
    assert card is not None
    assert_card_shape(card)
    assert card["url"] == link
    assert card["title"] == "A Walk in the Park"
    assert card["description"] == "Photos and notes from a long walk around the lake."
    assert card["provider_name"] == "Walking Blog"
    assert card["author_name"] == "Robin Walker"
    assert card["authors"] == [{"name": "Robin Walker", "url": "", "account": None}]
    assert card["published_at"] == "2026-11-20T10:00:00.000Z"
    assert card["language"] == "en"
    assert card["type"] == "link" and card["html"] == ""
    assert card["image"].startswith(svc.url("/media/remote/"))
    assert card["image_description"] == "Trees by a lake"
    assert card["blurhash"] and card["width"] > 0 and card["height"] > 0
    assert abs(card["width"] / card["height"] - 1200 / 630) < 0.02

    picture = await client.get(card["image"].removeprefix(svc.url("")))
    assert picture.status_code == 200
    assert picture.headers["Content-Type"] == "image/jpeg"
    # The public timeline carries the same card (the batch loader, not only the single status).
    timeline = await client.get("/api/v1/timelines/public", headers=bearer(alice_token))
    assert (await timeline.get_json())[0]["card"]["title"] == "A Walk in the Park"


async def test_the_web_page_shows_the_card_under_the_post(
    svc: Services,
    app: Any,
    client: Any,
    site: FakeRemote,
    alice: Account,
    alice_token: str,
    run_jobs: RunJobs,
) -> None:
    """The post's page shows the card: title, description, site, our picture, one safe link."""
    status = await api_post(client, alice_token, f"Look {site.url('/posts/walk')}")
    await run_jobs()
    reader = app.test_client()
    await browser_login(reader, svc, alice)
    page = await reader.get(f"/@alice/{status['id']}")
    assert page.status_code == 200
    body = html.unescape(await page.get_data(as_text=True))
    assert 'class="link-card has-image"' in body
    assert f'href="{site.url("/posts/walk")}" rel="nofollow noopener noreferrer"' in body
    assert "A Walk in the Park" in body and "Photos and notes from a long walk" in body
    assert "Walking Blog" in body
    assert 'src="/media/remote/' in body and 'alt="Trees by a lake"' in body


async def test_posts_sharing_a_link_share_one_card_fetched_once(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """Two posts with the same link: the page and its picture are fetched once, both show it."""
    link = site.url("/posts/walk")
    first = await api_post(client, alice_token, f"One {link}")
    await run_jobs()
    second = await api_post(client, alice_token, f"Two {link}")
    await run_jobs()
    assert len(site.requests_to("/posts/walk")) == 1
    assert len(site.requests_to("/images/park.jpg")) == 1
    one = (await _status(client, alice_token, first["id"]))["card"]
    two = (await _status(client, alice_token, second["id"]))["card"]
    assert one == two and one["title"] == "A Walk in the Park"


async def test_editing_the_link_away_removes_the_card(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """An edit that drops the link drops the card; an edit to another link shows that one."""
    status = await api_post(client, alice_token, f"See {site.url('/posts/walk')}")
    await run_jobs()
    assert (await _status(client, alice_token, status["id"]))["card"] is not None

    edited = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(alice_token),
        json={"status": "Never mind, no link"},
    )
    assert edited.status_code == 200
    await run_jobs()
    assert (await _status(client, alice_token, status["id"]))["card"] is None

    site.add_response(
        "/other",
        b"<html><head><title>Another page</title></head></html>",
        content_type="text/html",
    )
    await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(alice_token),
        json={"status": f"Try {site.url('/other')} instead"},
    )
    await run_jobs()
    card = (await _status(client, alice_token, status["id"]))["card"]
    assert card["title"] == "Another page" and card["image"] is None and card["blurhash"] is None


async def test_oversize_or_non_html_links_get_no_card_and_break_nothing(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """A page over 1 MB (even without Content-Length), a picture and a 404 give no card; the
    posts are fine, and every job finishes (nothing left to retry)."""

    async def endless() -> AsyncIterator[bytes]:
        yield b"<html><head><title>Huge</title></head><body>"
        for _ in range(40):
            yield b"x" * 65536

    site.add_response("/huge", endless, content_type="text/html")
    site.add_response("/photo.jpg", jpeg(64, 64), content_type="image/jpeg")
    ids = []
    for path in ("/huge", "/photo.jpg", "/missing"):
        ids.append((await api_post(client, alice_token, f"Link {site.url(path)}"))["id"])
    await run_jobs()
    for status_id in ids:
        status = await _status(client, alice_token, status_id)
        assert status["card"] is None
        assert "Link" in status["content"]
    async with svc.db.read() as conn:
        huge = await card_store.get_card_by_url(conn, site.url("/huge"))
        photo = await card_store.get_card_by_url(conn, site.url("/photo.jpg"))
        pending = await conn.fetchval(
            "SELECT count(*) FROM jobs WHERE kind = 'card_fetch' AND state NOT IN ('done')"
        )
    assert huge is not None and huge.state == "failed" and "larger than" in huge.error
    assert photo is not None and photo.state == "failed" and "not an HTML page" in photo.error
    assert pending == 0


async def test_an_oembed_video_keeps_only_a_safe_iframe(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """A page naming an oEmbed answer of type video: the card is a video with our rebuilt,
    sandboxed iframe of the site's own player (its script is gone) and the oEmbed thumbnail."""
    site.add_response(
        "/watch",
        (
            '<html><head><title>Film page</title><link rel="alternate" '
            f'type="application/json+oembed" href="{site.url("/oembed")}"></head></html>'
        ).encode(),
        content_type="text/html",
    )
    site.add_document(
        "/oembed",
        {
            "type": "video",
            "version": "1.0",
            "title": "A short film",
            "author_name": "Sam",
            "author_url": site.url("/sam"),
            "provider_name": "FakeTube",
            "provider_url": site.url("/"),
            "html": f'<iframe src="https://{site.host.split(":")[0]}/embed/1" width="480"'
            ' height="270"></iframe><script>alert(1)</script>',
            "width": 480,
            "height": 270,
            "thumbnail_url": site.url("/images/park.jpg"),
        },
        content_type="application/json",
    )
    status = await api_post(client, alice_token, f"Watch {site.url('/watch')}")
    await run_jobs()
    card = (await _status(client, alice_token, status["id"]))["card"]
    assert_card_shape(card)
    assert card["type"] == "video" and card["title"] == "A short film"
    assert card["provider_name"] == "FakeTube" and card["author_name"] == "Sam"
    assert card["html"].startswith('<iframe src="https://127.0.0.1/embed/1"')
    assert "<script" not in card["html"] and "sandbox=" in card["html"]
    assert (card["width"], card["height"]) == (480, 270)
    assert card["embed_url"] == "https://127.0.0.1/embed/1"
    assert card["image"].startswith(svc.url("/media/remote/"))


async def test_links_shared_by_more_accounts_trend_first(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """`/api/v1/trends/links` lists cards of public posts by distinct accounts sharing them, each
    with its 7-day history; unlisted posts and pages without a title do not count."""
    _, bob = await make_user(svc, "bob")
    bob_token = await make_token(svc, bob)
    site.add_response(
        "/solo", b"<html><head><title>Solo page</title></head></html>", content_type="text/html"
    )
    site.add_response(
        "/untitled",
        b'<html><head><meta name="description" content="No title here"></head></html>',
        content_type="text/html",
    )
    walk = site.url("/posts/walk")
    await api_post(client, alice_token, f"Alice likes {walk}")
    await api_post(client, bob_token, f"Bob too {walk}")
    await api_post(client, alice_token, f"Again {walk}")
    await api_post(client, alice_token, f"Only me {site.url('/solo')}")
    await api_post(client, alice_token, f"Quiet {site.url('/untitled')}")
    await api_post(client, bob_token, f"Quiet {site.url('/untitled')}")
    await api_post(client, bob_token, f"Hidden {site.url('/solo')}", visibility="unlisted")
    await run_jobs()

    response = await client.get("/api/v1/trends/links")
    assert response.status_code == 200
    links = await response.get_json()
    assert [link["title"] for link in links] == ["A Walk in the Park", "Solo page"]
    top = links[0]
    assert_card_shape(top)
    assert top["image"].startswith(svc.url("/media/remote/"))
    assert len(top["history"]) == 7
    today = top["history"][0]
    assert today == {"day": today["day"], "accounts": "2", "uses": "3"}
    assert all(isinstance(day["day"], str) for day in top["history"])
    assert links[1]["history"][0]["accounts"] == "1"

    page = await client.get("/api/v1/trends/links?limit=1&offset=1")
    assert [link["title"] for link in await page.get_json()] == ["Solo page"]
    # Like the other trend endpoints (and Mastodon), an unreadable limit falls back to the default.
    lenient = await client.get("/api/v1/trends/links?limit=lots")
    assert lenient.status_code == 200 and len(await lenient.get_json()) == 2


async def test_a_viewers_blocked_domain_is_left_out_of_link_trends(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """A logged-in reader who blocked the site's domain does not see its links trending."""
    await api_post(client, alice_token, f"Shared {site.url('/posts/walk')}")
    await run_jobs()
    _, carol = await make_user(svc, "carol")
    carol_token = await make_token(svc, carol)
    blocked = await client.post(
        "/api/v1/domain_blocks", headers=bearer(carol_token), json={"domain": "127.0.0.1"}
    )
    assert blocked.status_code == 200
    mine = await client.get("/api/v1/trends/links", headers=bearer(carol_token))
    assert await mine.get_json() == []
    anyone = await client.get("/api/v1/trends/links")
    assert len(await anyone.get_json()) == 1


async def test_a_card_older_than_two_weeks_is_fetched_again(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """A new post linking a page whose card is 15 days old fetches it again: both posts show
    the page as it is now."""
    link = site.url("/posts/walk")
    first = await api_post(client, alice_token, f"Then {link}")
    await run_jobs()
    async with svc.db.write() as tx:  # the card was fetched 15 days ago
        await tx.execute(
            "UPDATE preview_cards SET fetched_at = ? WHERE url = ?",
            (to_db(utcnow() - timedelta(days=15)), link),
        )
    site.add_response(
        "/posts/walk",
        ARTICLE.replace("A Walk in the Park", "A Longer Walk").encode(),
        content_type="text/html",
    )
    second = await api_post(client, alice_token, f"Now {link}")
    await run_jobs()
    assert len(site.requests_to("/posts/walk")) == 2
    for status in (first, second):
        card = (await _status(client, alice_token, status["id"]))["card"]
        assert card["title"] == "A Longer Walk"


async def test_redirects_are_followed_and_loops_give_up(
    svc: Services, client: Any, site: FakeRemote, alice_token: str, run_jobs: RunJobs
) -> None:
    """A short link redirecting to the article gets the article's card (linking the article);
    redirects that go round in a loop give no card."""
    site.add_redirect("/short", "/posts/walk")
    site.add_redirect("/loop-a", "/loop-b")
    site.add_redirect("/loop-b", "/loop-a")
    short = await api_post(client, alice_token, f"Short {site.url('/short')}")
    loop = await api_post(client, alice_token, f"Loop {site.url('/loop-a')}")
    await run_jobs()
    card = (await _status(client, alice_token, short["id"]))["card"]
    assert card["title"] == "A Walk in the Park" and card["url"] == site.url("/posts/walk")
    assert (await _status(client, alice_token, loop["id"]))["card"] is None
    async with svc.db.read() as conn:
        refused = await card_store.get_card_by_url(conn, site.url("/loop-a"))
    assert refused is not None and "loop" in refused.error


async def test_a_card_under_a_content_warning_stays_folded(
    svc: Services,
    app: Any,
    client: Any,
    site: FakeRemote,
    alice: Account,
    alice_token: str,
    run_jobs: RunJobs,
) -> None:
    """A post with a content warning keeps its card in a closed "Link preview" fold in lists (no
    JavaScript needed); the post's own page shows it open."""
    status = await api_post(
        client, alice_token, f"Spoilers {site.url('/posts/walk')}", spoiler_text="Film ending"
    )
    await run_jobs()
    reader = app.test_client()
    await browser_login(reader, svc, alice)
    listed = await (await reader.get("/@alice")).get_data(as_text=True)
    assert (
        '<details class="link-card-fold">' in listed and "<summary>Link preview</summary>" in listed
    )
    own_page = await (await reader.get(f"/@alice/{status['id']}")).get_data(as_text=True)
    assert "link-card-fold" not in own_page and "A Walk in the Park" in own_page
