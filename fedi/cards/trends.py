"""Link trends: the cards shared in public posts of the last days, by distinct accounts sharing
them, with a daily history like hashtag trends (`GET /api/v1/trends/links`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.storage import cards as card_store
from fedi.storage.cards import CardWithImage
from fedi.storage.ids import id_floor
from fedi.storage.trends import DAY_MS
from fedi.tags import DayCount
from fedi.user_domain_blocks import hidden_domains

LINK_DAYS = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendingLink:
    """A trending card with its uses per day (newest day first, `LINK_DAYS` days)."""

    found: CardWithImage
    history: list[DayCount] = field(default_factory=list)


async def trending_links(
    svc: Services, viewer_id: int | None, *, limit: int, offset: int = 0
) -> list[TrendingLink]:
    """Cards with a title shared in public posts of the last days, most distinct accounts first;
    a logged-in viewer's blocked domains are left out (two or three queries)."""
    today = int(time.time() * 1000) // DAY_MS
    first = today - LINK_DAYS + 1
    since = id_floor(first * DAY_MS)
    async with svc.db.read() as conn:
        # TODO(#7): instance-level domain blocks have no table yet; add them to `hidden` then.
        hidden = sorted(await hidden_domains(conn, viewer_id)) if viewer_id is not None else []
        ranked = await card_store.trending_cards(
            conn, since_id=since, limit=limit, offset=offset, hidden_hosts=hidden
        )
        uses = await card_store.card_history(conn, [f.card.id for f in ranked], since_id=since)
    by_key = {(u.card_id, u.day): u for u in uses}
    out = []
    for found in ranked:
        history = []
        for day in range(today, first - 1, -1):
            used = by_key.get((found.card.id, day))
            history.append(
                DayCount(
                    day=day * DAY_MS // 1000,
                    uses=used.uses if used else 0,
                    accounts=used.accounts if used else 0,
                )
            )
        out.append(TrendingLink(found=found, history=history))
    return out
