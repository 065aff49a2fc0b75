"""Which link of a post gets a preview card (pure; no I/O).

Mastodon's rule (FetchLinkCardService): the first `<a href>` of the post's HTML that is http(s),
not a hashtag (`rel="tag"`), not a mention (`class` with `mention`, `u-url` or `h-card`, inside
an h-card, or the URL of a mentioned account), and not a page of our own instance. We also skip
profile and tag pages of the author's own server (`/@name`, `/users/name`, `/tags/x`): those are
mentions and hashtags whose markup another server wrote differently.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
_PROFILE_PATH = re.compile(r"^/(?:@[^/]+|users/[^/]+|u/[^/]+|tags?/[^/]+)/?$", re.IGNORECASE)
_MENTION_CLASSES = frozenset({"mention", "u-url", "h-card", "hashtag"})


def host_of(url: str) -> str:
    """The lowercase host (with a non-default port) of an http(s) URL, or '' when it has none."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return f"{host}:{port}" if port is not None and port != default else host


def normalise_url(url: str) -> str | None:
    """The URL as cards are keyed by: http(s) only, scheme and host lowercased, no fragment,
    no credentials; None when it is not such a URL."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    if any(ch.isspace() for ch in url):
        return None
    host = host_of(url)
    if not host:
        return None
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


class _Anchors(HTMLParser):
    """Collects (href, rel, class, inside an h-card) of every `<a>` in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, bool]] = []
        self._hcard_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        classes = values.get("class", "").split()
        if tag == "a":
            self.found.append(
                (values.get("href", ""), values.get("rel", ""), " ".join(classes), self._in_hcard)
            )
        if tag in ("span", "div", "a", "p", "bdi"):
            is_hcard = "h-card" in classes
            self._stack.append(is_hcard)
            if is_hcard:
                self._hcard_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("span", "div", "a", "p", "bdi") and self._stack and self._stack.pop():
            self._hcard_depth -= 1

    @property
    def _in_hcard(self) -> bool:
        return self._hcard_depth > 0


def first_link(
    content_html: str,
    *,
    local_host: str,
    author_host: str | None = None,
    mention_urls: Collection[str] = (),
) -> str | None:
    """The normalised URL of the post's first link that deserves a card, or None."""
    if "<a" not in content_html:
        return None
    parser = _Anchors()
    parser.feed(content_html)
    parser.close()
    skipped = {u for u in mention_urls if u}
    for href, rel, classes, in_hcard in parser.found:
        if in_hcard or "tag" in rel.lower().split():
            continue
        if _MENTION_CLASSES & set(classes.lower().split()):
            continue
        if href in skipped:
            continue
        url = normalise_url(href)
        if url is None:
            continue
        host = host_of(url)
        if host == local_host.lower():
            continue
        if author_host and host == author_host.lower() and _PROFILE_PATH.match(urlsplit(url).path):
            continue
        return url
    return None
