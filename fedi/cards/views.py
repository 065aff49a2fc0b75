"""A preview card as pages show it under a post (`templates/partials/card.html`; pure)."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.media.views import file_path, preview_path
from fedi.storage.cards import CardWithImage

__all__ = ["CardView", "CardWithImage", "card_image_path", "card_view"]


def card_image_path(found: CardWithImage) -> str | None:
    """The path of our cached copy of a card's image (the full file), or None."""
    image = found.image
    if image is None or image.kind != "image":
        return None
    return file_path(image)


@dataclass(frozen=True, slots=True, kw_only=True)
class CardView:
    """Title, description, host and our cached image of a linked page."""

    found: CardWithImage

    @property
    def url(self) -> str:
        """Where the card links: the page's own URL (its canonical one when it named one)."""
        return self.found.card.card_url or self.found.card.url

    @property
    def title(self) -> str:
        return self.found.card.title

    @property
    def description(self) -> str:
        return self.found.card.description

    @property
    def host(self) -> str:
        """The site, as the reader should see where the link goes: its name, else its host."""
        return self.found.card.provider_name or self.found.card.host

    @property
    def image_url(self) -> str:
        """Our cached copy of the page's image (its thumbnail), or '' when there is none."""
        image = self.found.image
        if image is None or image.kind != "image":
            return ""
        return preview_path(image) or file_path(image) or ""

    @property
    def image_description(self) -> str:
        return self.found.card.image_description


def card_view(found: CardWithImage | None) -> CardView | None:
    """The view of a post's card (None when it has none, or the card has nothing to show)."""
    if found is None or not (found.card.title or found.card.description):
        return None
    return CardView(found=found)
