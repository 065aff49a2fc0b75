"""Addressing: the Public IRI and the `to`/`cc` of each visibility (Mastodon's conventions).

- public: to Public; cc followers and mentioned actors;
- unlisted: to followers; cc Public and mentioned actors;
- private (followers only): to followers; cc mentioned actors;
- direct: to mentioned actors only.

We always write the full Public IRI: older Mastodon did not understand `as:Public`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Spellings of Public that other software sends (compacted forms).
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    """Who an object or activity is addressed to."""

    to: tuple[str, ...]
    cc: tuple[str, ...]

    def as_dict(self) -> dict[str, list[str]]:
        """{"to": [...], "cc": [...]} for a JSON document."""
        return {"to": list(self.to), "cc": list(self.cc)}


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def audience_for(visibility: str, *, followers: str, mentioned: Sequence[str] = ()) -> Audience:
    """`to`/`cc` for a post of this visibility by an actor with this followers collection."""
    if visibility == "public":
        return Audience(to=(PUBLIC,), cc=_unique([followers, *mentioned]))
    if visibility == "unlisted":
        return Audience(to=(followers,), cc=_unique([PUBLIC, *mentioned]))
    if visibility == "private":
        return Audience(to=(followers,), cc=_unique(mentioned))
    if visibility == "direct":
        return Audience(to=_unique(mentioned), cc=())
    raise ValueError(f"unknown visibility {visibility!r}")


def is_public(iri: str) -> bool:
    """True for any spelling of the Public collection."""
    return iri in PUBLIC_ALIASES


def visibility_of(to: Iterable[str], cc: Iterable[str], *, followers: str | None) -> str:
    """The visibility an incoming object's addressing expresses (the inverse of audience_for)."""
    to_list, cc_list = list(to), list(cc)
    if any(is_public(i) for i in to_list):
        return "public"
    if any(is_public(i) for i in cc_list):
        return "unlisted"
    if followers and followers in (*to_list, *cc_list):
        return "private"
    return "direct"
