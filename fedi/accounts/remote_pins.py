"""The pinned posts of accounts on other servers, read from their `featured` collection.

A remote profile page fetches the collection beside the outbox (`remote_profiles`); its Notes are
stored quietly like the outbox's, and the account's pins here become exactly what the collection
lists. Add/Remove activities keep them current in between (inbox handlers).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Collection, CollectionPage, Note
from fedi.context import Services
from fedi.errors import FediError
from fedi.inbox.handlers import same_origin
from fedi.remote import resolver_of
from fedi.storage import pins as pin_store
from fedi.storage.rows import Account, Post

logger = logging.getLogger(__name__)

MAX_REMOTE_PINS = 20
"""Pinned posts kept per remote account at most (Mastodon allows 5; others more)."""


async def fetch_featured_notes(svc: Services, account: Account) -> list[Note] | None:
    """The Notes the account's featured collection embeds (its own, from its own server), in
    order; None when there is no collection or it could not be read (pins stay as they are)."""
    url = account.featured_uri
    if not url or not same_origin(url, account.uri):
        return None
    try:
        found = parse_document(await resolver_of(svc).get_object(url))
        if isinstance(found, Collection) and not found.items and found.first:
            first = found.first
            if isinstance(first, str):
                if not same_origin(first, account.uri):
                    return None
                first = parse_document(await resolver_of(svc).get_object(first))
            found = first
    except (FediError, ValueError) as exc:
        logger.info("remote_pins.fetch_failed account=%s error=%s", account.uri, exc)
        return None
    if not isinstance(found, Collection | CollectionPage):
        return None
    # Interop: Mastodon embeds full Notes; items given only by id are skipped (not fetched one by
    # one), and items of another origin are ignored, as Mastodon does.
    notes = [
        item
        for item in found.items
        if isinstance(item, Note)
        and item.attributed_to == account.uri
        and same_origin(item.uri, account.uri)
    ]
    return notes[:MAX_REMOTE_PINS]


async def sync_featured(
    svc: Services, account: Account, notes: Sequence[Note], stored: Sequence[Post]
) -> None:
    """Make the account's pins here the stored posts of these notes, in the collection's order."""
    by_uri = {post.uri: post.id for post in stored}
    ids = [by_uri[n.uri] for n in notes if n.uri in by_uri]
    async with svc.db.write() as tx:
        await pin_store.replace_featured(tx, account.id, ids)
