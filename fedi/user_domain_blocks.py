"""Domains a user hides (Mastodon's user-level domain blocks).

Hiding a domain removes its accounts' posts from the user's home feed and their notifications to
the user, and (schema triggers) keeps new ones out. Reads that are not feed-based (public and tag
timelines, threads, streams, search) leave those accounts out through the viewer's relations
(`fedi.moderation.relations`: `hidden_account_ids`, `ViewerRelations.domain_hidden`), which also
give the Relationship entity its `domain_blocking`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fedi.context import Services
from fedi.errors import Invalid
from fedi.paging import Paged, Window
from fedi.storage import domain_blocks_user as domain_store
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.rows import Account

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::\d{{1,5}})?$")
BAD_DOMAIN = "is not a domain name"


def normalise_domain(svc: Services, written: str) -> str:
    """`Example.Social`, `https://example.social/` -> `example.social`; Invalid otherwise (our
    own domain included)."""
    text = written.strip().lower()
    if "://" in text:
        text = urlsplit(text).netloc
    text = text.strip("/").removeprefix("@").rstrip(".")
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise Invalid.field("domain", BAD_DOMAIN) from exc
    if not _HOST.match(text):
        raise Invalid.field("domain", BAD_DOMAIN)
    if text == svc.config.instance.domain.lower():
        raise Invalid.field("domain", "is this server's own domain")
    return text


async def block_domain(svc: Services, account: Account, domain: str) -> None:
    """Hide a domain from the account (again is fine)."""
    name = normalise_domain(svc, domain)
    async with svc.db.write() as tx:
        await domain_store.insert_domain_block(tx, id=new_id(), account_id=account.id, domain=name)


async def unblock_domain(svc: Services, account: Account, domain: str) -> None:
    """Show a domain again (not hidden is fine)."""
    name = normalise_domain(svc, domain)
    async with svc.db.write() as tx:
        await domain_store.delete_domain_block(tx, account.id, name)


async def blocked_domains(svc: Services, account: Account, window: Window) -> Paged[str]:
    """The domains the account hides, most recent first (paged by row id)."""
    async with svc.db.read() as conn:
        rows = await domain_store.list_domain_blocks(
            conn,
            account.id,
            max_id=window.max_id,
            since_id=window.since_id,
            min_id=window.min_id,
            limit=window.limit,
        )
    return Paged(items=[d for _, d in rows], cursor_ids=[row_id for row_id, _ in rows])


async def hidden_domains(conn: Conn, account_id: int) -> frozenset[str]:
    """Every domain the account hides (one query). (The Relationship entity's `domain_blocking`
    comes with the other relation facts, `fedi.moderation.relations.relation_facts`.)"""
    return await domain_store.blocked_domains(conn, account_id)
