"""PreviewCard entities (reference §6.7) and the TrendsLink entity (a card with its history).

Every string field is a string (`""` when the page said nothing), `width`/`height` are numbers,
`image`/`blurhash`/`published_at` are null when unknown (Interop: Tusky added defaults only after
Akkoma omitted `author_name`, `width` and `height`).
"""

from __future__ import annotations

from typing import Any

from fedi.cards.trends import TrendingLink
from fedi.cards.views import CardWithImage, card_image_path
from fedi.context import Services

JsonDict = dict[str, Any]


def card_entity(svc: Services, found: CardWithImage) -> JsonDict:
    """PreviewCard: what the linked page says, with our cached copy of its image."""
    card = found.card
    image_path = card_image_path(found)
    authors = []
    if card.author_name or card.author_url:
        authors.append({"name": card.author_name, "url": card.author_url, "account": None})
    return {
        "url": card.card_url or card.url,
        "title": card.title,
        "description": card.description,
        "language": card.language,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": card.author_url,
        "provider_name": card.provider_name,
        "provider_url": card.provider_url,
        "html": card.html,
        "width": card.width,
        "height": card.height,
        "image": svc.url(image_path) if image_path else None,
        "image_description": card.image_description if image_path else "",
        "embed_url": card.embed_url,
        "blurhash": (found.image.blurhash or None) if image_path and found.image else None,
        "published_at": card.published_at,
        "authors": authors,
    }


def trends_link_entity(svc: Services, link: TrendingLink) -> JsonDict:
    """TrendsLink: a PreviewCard plus `history` (strings, newest day first), like Tag trends."""
    entity = card_entity(svc, link.found)
    entity["history"] = [
        {"day": str(d.day), "accounts": str(d.accounts), "uses": str(d.uses)} for d in link.history
    ]
    return entity
