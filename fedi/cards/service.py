"""The `card_fetch` job: a post's first link becomes a preview card.

After a post is stored (local create/edit, remote create/edit from the inbox) `enqueue_card_fetch`
queues a durable job in the same transaction. The job picks the link (`links.first_link`), and
unless a fresh card for that URL exists (one per URL, shared by posts; refetched after 2 weeks,
a failed URL retried after a day) fetches the page through the guarded client, reads its meta and
oEmbed, caches its image in the remote-media cache, then writes the card and the post's link to
it in one short transaction. Nothing slow happens inside a write.

Reads: `storage.cards.cards_for_posts` (batch loaders of the API and pages), `cards.trends`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from fedi.cards.extract import (
    Embed,
    PageMeta,
    decode_html,
    hostname,
    oembed_endpoint_allowed,
    parse_oembed,
    parse_page,
)
from fedi.cards.fetch import fetch_oembed, fetch_page
from fedi.cards.links import first_link, host_of
from fedi.context import Services
from fedi.errors import Invalid, RemoteError
from fedi.media.remote import cache_remote_media
from fedi.media.remote_fetch import is_transient
from fedi.storage import accounts as account_store
from fedi.storage import cards as card_store
from fedi.storage import jobs as job_store
from fedi.storage import posts as post_store
from fedi.storage.cards import PreviewCardRow
from fedi.storage.clock import from_db, utcnow
from fedi.storage.db import Tx
from fedi.storage.rows import Account, Job, Post
from fedi.workers import Queue

logger = logging.getLogger(__name__)

FETCH_KIND = "card_fetch"
MAX_ATTEMPTS = 3
CONCURRENCY = 2
REFRESH_AFTER = timedelta(weeks=2)
RETRY_FAILED_AFTER = timedelta(days=1)
INFLIGHT_KEY = "card_fetch_inflight"


def local_host(svc: Services) -> str:
    """Our own host (links to it never get a card)."""
    return host_of(svc.url("/"))


async def enqueue_card_fetch(svc: Services, tx: Tx, post: Post, *, edited: bool = False) -> None:
    """Queue the `card_fetch` job of a just stored post (inside the caller's write; wakes the
    workers on commit). A new post without any candidate link queues nothing; an edit always
    does (a link may have been removed)."""
    if post.reblog_of_id is not None:
        return
    if not edited and first_link(post.content_html, local_host=local_host(svc)) is None:
        return
    version = post.edited_at or post.created_at
    await job_store.enqueue(
        tx, FETCH_KIND, {"post_id": post.id}, dedupe_key=f"card:{post.id}:{version}"
    )
    tx.on_commit(svc.jobs.wake)


def _fresh(card: PreviewCardRow | None) -> bool:
    if card is None:
        return False
    fetched = from_db(card.fetched_at)
    if fetched is None:
        return False
    age = utcnow() - fetched
    if card.state == "ready":
        return age < REFRESH_AFTER
    return card.state == "failed" and age < RETRY_FAILED_AFTER


def _mention_urls(accounts: list[Account]) -> set[str]:
    return {u for a in accounts for u in (a.uri, a.url) if u}


async def fetch_post_card(svc: Services, post_id: int, *, last_attempt: bool = False) -> None:
    """The `card_fetch` job: give a post the card of its first eligible link (or none).

    Network (the page, its oEmbed, its image) before one short write. A host that cannot be
    reached raises so the job is retried, until `last_attempt`, which records the failure.
    """
    async with svc.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
        if post is None or post.deleted_at is not None or post.reblog_of_id is not None:
            return
        mentioned = (await post_store.list_mentions(conn, [post.id])).get(post.id, [])
        accounts = await account_store.get_accounts(conn, sorted({post.account_id, *mentioned}))
        author = accounts.get(post.account_id)
        url = first_link(
            post.content_html,
            local_host=local_host(svc),
            author_host=None if post.local else host_of(post.uri),
            mention_urls=_mention_urls([accounts[a] for a in mentioned if a in accounts]),
        )
        card = await card_store.get_card_by_url(conn, url) if url else None
    if url is None or author is None:
        async with svc.db.write() as tx:
            await card_store.link_post_card(tx, post.id, None)
        return
    if not _fresh(card):
        card_id = await _fetch_once(svc, url, author, last_attempt=last_attempt)
    else:
        assert card is not None
        card_id = card.id
    async with svc.db.write() as tx:
        await card_store.link_post_card(tx, post.id, card_id)


async def _fetch_once(svc: Services, url: str, owner: Account, *, last_attempt: bool) -> int:
    """Fetch and store the card of `url`; one fetch per URL at a time in this process."""
    inflight: dict[str, asyncio.Future[int]] = svc.extras.setdefault(INFLIGHT_KEY, {})
    running = inflight.get(url)
    if running is None:
        running = asyncio.ensure_future(_fetch_and_store(svc, url, owner, last_attempt))
        inflight[url] = running
        running.add_done_callback(lambda _done: inflight.pop(url, None))
    return await asyncio.shield(running)


async def _fetch_and_store(svc: Services, url: str, owner: Account, last_attempt: bool) -> int:
    try:
        values = await _card_values(svc, url, owner)
        error = "" if values is not None else "The page has no title or description."
    except RemoteError as exc:
        if is_transient(exc) and not last_attempt:
            raise
        values, error = None, exc.safe_message
        logger.info("card fetch refused url=%s error=%s", url[:200], exc)
    async with svc.db.write() as tx:
        card_id = await card_store.save_fetched_card(
            tx, url, host=hostname(url), values=values, error=error
        )
    if values is not None:
        logger.info("card fetched url=%s title=%r", url[:200], str(values["title"])[:80])
    return card_id


async def _embed(svc: Services, meta: PageMeta) -> Embed | None:
    """The page's oEmbed answer, when it names one on its own domain (None if none or bad)."""
    if not meta.oembed_url or not oembed_endpoint_allowed(meta.oembed_url, meta.url):
        return None
    try:
        body = await fetch_oembed(svc, meta.oembed_url)
    except RemoteError as exc:
        logger.info("card oembed skipped url=%s error=%s", meta.oembed_url[:200], exc)
        return None
    return parse_oembed(body, page_url=meta.url, endpoint_url=meta.oembed_url)


def _read_page(body: bytes, content_type: str, url: str) -> PageMeta:
    return parse_page(decode_html(body, content_type), url)


async def _card_values(svc: Services, url: str, owner: Account) -> dict[str, Any] | None:
    """The card fields of a page (network: page, oEmbed, image); None when it says nothing."""
    page = await fetch_page(svc, url)
    # Up to 1 MB of HTML takes a while to tokenize: off the event loop.
    meta = await asyncio.to_thread(_read_page, page.body, page.content_type, page.url)
    embed = await _embed(svc, meta)
    title = (embed.title if embed and embed.title else "") or meta.title
    if not title and not meta.description and not (embed and embed.html):
        return None
    image_url = meta.image or (embed.image if embed else "")
    values: dict[str, Any] = {
        "card_url": meta.url,
        "title": title,
        "description": meta.description,
        "type": embed.type if embed else "link",
        "author_name": (embed.author_name if embed else "") or meta.author_name,
        "author_url": (embed.author_url if embed else "") or meta.author_url,
        "provider_name": (embed.provider_name if embed else "") or meta.site_name,
        "provider_url": embed.provider_url if embed else "",
        "html": embed.html if embed else "",
        "width": embed.width if embed and embed.html else 0,
        "height": embed.height if embed and embed.html else 0,
        "embed_url": embed.embed_url if embed else "",
        "image_url": image_url,
        "image_media_id": None,
        "image_description": meta.image_description,
        "language": meta.language,
        "published_at": meta.published_at,
    }
    if image_url:
        values.update(await _image(svc, image_url, owner, meta.image_description, values))
    return values


async def _image(
    svc: Services, image_url: str, owner: Account, description: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Cache the card's image (shared by URL in the remote-media cache) and its size."""
    try:
        media = await cache_remote_media(
            svc,
            url=image_url,
            owner=owner,
            kind_hint="image",
            description=description,
            blurhash=None,
            post_id=None,
            position=0,
        )
    except (RemoteError, Invalid) as exc:
        logger.info("card image refused url=%s error=%s", image_url[:200], exc)
        return {}
    if media.state != "ready" or media.kind != "image":
        return {}
    original = media.meta.get("original") or {}
    found: dict[str, Any] = {"image_media_id": media.id}
    if not values.get("html"):
        found["width"] = int(original.get("width") or 0)
        found["height"] = int(original.get("height") or 0)
    return found


def card_fetch_queue(svc: Services) -> Queue:
    """The `card_fetch` queue: a couple of page fetches at a time, each capped in size and time."""

    async def handle(job: Job) -> None:
        await fetch_post_card(
            svc, int(job.data["post_id"]), last_attempt=job.attempts >= MAX_ATTEMPTS
        )

    return Queue(
        kind=FETCH_KIND,
        handler=handle,
        max_attempts=MAX_ATTEMPTS,
        concurrency=CONCURRENCY,
        lease=timedelta(minutes=5),
    )
