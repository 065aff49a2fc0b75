"""Reading attachments for pages and entities that are built elsewhere (the client API)."""

from __future__ import annotations

from collections.abc import Sequence

from fedi.context import Services
from fedi.storage import media as media_storage
from fedi.storage.db import Conn
from fedi.storage.rows import Media


async def media_by_post(
    svc: Services, post_ids: Sequence[int], conn: Conn | None = None
) -> dict[int, list[Media]]:
    """The attachments of several posts (one query), in order; `conn` if the caller holds one.

    The caller has already decided the viewer may see these posts (visibility.py).
    """
    if not post_ids:
        return {}
    if conn is not None:
        return await media_storage.get_many_by_post_ids(conn, list(post_ids))
    async with svc.db.read() as reader:
        return await media_storage.get_many_by_post_ids(reader, list(post_ids))
