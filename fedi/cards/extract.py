"""What a linked page says about itself: OpenGraph, Twitter card and plain HTML meta, and oEmbed
(pure; no I/O).

The page is read with the standard library's `html.parser`: we only need `<title>`, `<meta>`,
`<link>` and the `<html lang>` of the head, which a tolerant tokenizer finds in any page however
broken its body is, without building a tree (a full parser such as lxml would add nothing here). The whole
(size-capped) document is read, since some pages put meta tags in the body; the first value of
each property wins.

oEmbed `html` is never passed on as the provider wrote it: it becomes one iframe we write
ourselves, only for an https frame on the page's (or its provider's) own domain, sandboxed.
Our web pages never show it (CSP `default-src 'self'`); clients that embed it get a safe frame.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from fedi.cards.links import host_of, normalise_url

MAX_TITLE = 300
MAX_DESCRIPTION = 1000
MAX_NAME = 200
MAX_IMAGE_DESCRIPTION = 1500
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
OEMBED_TYPES = ("application/json+oembed", "text/json+oembed")
CARD_TYPES = ("link", "photo", "video", "rich")


@dataclass(frozen=True, slots=True, kw_only=True)
class PageMeta:
    """The card-relevant facts of one HTML page (strings are '' when the page gave none)."""

    url: str
    title: str = ""
    description: str = ""
    site_name: str = ""
    image: str = ""
    image_description: str = ""
    author_name: str = ""
    author_url: str = ""
    published_at: str | None = None
    language: str | None = None
    oembed_url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Embed:
    """The parts of an oEmbed answer a card keeps (`html` only as one checked iframe)."""

    type: str = "link"
    title: str = ""
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    image: str = ""
    embed_url: str = ""


def _clean(text: str, limit: int) -> str:
    return _SPACES.sub(" ", text).strip()[:limit]


class _Head(HTMLParser):
    """Collects meta properties (first value wins), link rels and the title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.title = ""
        self.lang = ""
        self._in_title = False
        self._title_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and not self.lang:
            self.lang = values.get("lang", "")
        elif tag == "meta":
            key = values.get("property") or values.get("name") or values.get("itemprop") or ""
            key = key.strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
        elif tag == "link":
            self.links.append(values)
        elif tag == "title" and not self._title_done:
            self._in_title = True
        elif tag in ("svg", "math"):
            self._in_title = False  # an inline <title> of a drawing is not the page's

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._title_done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 4 * MAX_TITLE:
            self.title += data


def decode_html(body: bytes, content_type: str) -> str:
    """The page as text: the charset of the Content-Type, else of a `<meta charset>` near the
    top, else UTF-8 (undecodable bytes replaced)."""
    charset = ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if not charset:
        found = _CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii") if found else ""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _absolute(base: str, href: str) -> str:
    if not href.strip():
        return ""
    return normalise_url(urljoin(base, href.strip())) or ""


def _iso_time(value: str) -> str | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _language(value: str) -> str | None:
    code = value.strip().split("-")[0].split("_")[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def parse_page(html: str, url: str) -> PageMeta:
    """The card facts of an HTML page fetched from `url` (its final URL after redirects)."""
    head = _Head()
    head.feed(html)
    head.close()
    meta = head.meta

    def first(*keys: str) -> str:
        for key in keys:
            value = meta.get(key, "").strip()
            if value:
                return value
        return ""

    canonical = _absolute(url, first("og:url"))
    if not canonical:
        for link in head.links:
            if "canonical" in link.get("rel", "").lower().split():
                canonical = _absolute(url, link.get("href", ""))
                break
    # A page may only speak for its own host: a canonical URL elsewhere is ignored.
    card_url = canonical if canonical and host_of(canonical) == host_of(url) else url
    oembed = ""
    for link in head.links:
        rels = link.get("rel", "").lower().split()
        if "alternate" in rels and link.get("type", "").lower() in OEMBED_TYPES:
            oembed = _absolute(url, link.get("href", ""))
            if oembed:
                break
    author_url = _absolute(url, first("article:author")) if "://" in first("article:author") else ""
    author_name = first("author", "twitter:creator", "fediverse:creator")
    if not author_name and not author_url:
        author_name = first("article:author")
    return PageMeta(
        url=card_url,
        title=_clean(first("og:title", "twitter:title") or head.title, MAX_TITLE),
        description=_clean(
            first("og:description", "twitter:description", "description"), MAX_DESCRIPTION
        ),
        site_name=_clean(first("og:site_name", "application-name"), MAX_NAME),
        image=_absolute(
            url,
            first(
                "og:image:secure_url",
                "og:image:url",
                "og:image",
                "twitter:image",
                "twitter:image:src",
            ),
        ),
        image_description=_clean(first("og:image:alt", "twitter:image:alt"), MAX_IMAGE_DESCRIPTION),
        author_name=_clean(author_name, MAX_NAME),
        author_url=author_url,
        published_at=_iso_time(first("article:published_time", "datepublished"))
        if first("article:published_time", "datepublished")
        else None,
        language=_language(first("og:locale") or head.lang),
        oembed_url=oembed,
    )


# --- oEmbed ---------------------------------------------------------------------------------


def _int(value: Any) -> int:
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= 10_000 else 0


def _text(doc: dict[str, Any], key: str, limit: int = MAX_NAME) -> str:
    value = doc.get(key)
    return _clean(value, limit) if isinstance(value, str) else ""


def _related(host: str, other: str) -> bool:
    """Same host or the same last two labels (`player.vimeo.com` serves `vimeo.com`)."""
    a = host.split(":")[0].split(".")
    b = other.split(":")[0].split(".")
    return len(a) >= 2 and len(b) >= 2 and a[-2:] == b[-2:]


class _Iframe(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.iframes: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.iframes.append({k.lower(): (v or "") for k, v in attrs})


def safe_iframe(html: str, *, page_url: str, endpoint_url: str) -> tuple[str, str, int, int]:
    """An oEmbed `html` reduced to one iframe we wrote ourselves: (html, src, width, height).

    Only an https `src` on the page's or the oEmbed provider's own domain is kept; every other
    attribute is dropped, and the frame is sandboxed. ('', '', 0, 0) when there is no such frame.
    """
    parser = _Iframe()
    parser.feed(html[:20_000])
    parser.close()
    if len(parser.iframes) != 1:
        return "", "", 0, 0
    frame = parser.iframes[0]
    src = normalise_url(frame.get("src", ""))
    if src is None or not src.startswith("https://"):
        return "", "", 0, 0
    host = host_of(src)
    if not (_related(host, host_of(page_url)) or _related(host, host_of(endpoint_url))):
        return "", "", 0, 0
    width, height = _int(frame.get("width")), _int(frame.get("height"))
    escaped = src.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    size = (f' width="{width}"' if width else "") + (f' height="{height}"' if height else "")
    built = (
        f'<iframe src="{escaped}"{size} frameborder="0" allowfullscreen="true"'
        ' sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox'
        ' allow-presentation"></iframe>'
    )
    return built, src, width, height


def parse_oembed(body: bytes, *, page_url: str, endpoint_url: str) -> Embed | None:
    """The card parts of an oEmbed JSON answer; None when it is not one."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    kind = doc.get("type") if doc.get("type") in CARD_TYPES else "link"
    embed = Embed(
        type=kind,
        title=_text(doc, "title", MAX_TITLE),
        author_name=_text(doc, "author_name"),
        author_url=normalise_url(_text(doc, "author_url", 2048)) or "",
        provider_name=_text(doc, "provider_name"),
        provider_url=normalise_url(_text(doc, "provider_url", 2048)) or "",
        width=_int(doc.get("width")),
        height=_int(doc.get("height")),
        image=normalise_url(_text(doc, "thumbnail_url", 2048)) or "",
    )
    if kind == "photo":
        photo = normalise_url(_text(doc, "url", 2048))
        return replace(embed, image=photo or embed.image) if photo or embed.image else None
    if kind in ("video", "rich"):
        raw = doc.get("html") if isinstance(doc.get("html"), str) else ""
        html, src, width, height = safe_iframe(raw, page_url=page_url, endpoint_url=endpoint_url)
        if not html:
            # Interop: an embed we cannot show safely is a plain link card (Mastodon would keep
            # its sanitised html; clients that render `html` get nothing from us instead).
            return replace(embed, type="link", width=0, height=0)
        return replace(
            embed,
            html=html,
            embed_url=src,
            width=width or embed.width,
            height=height or embed.height,
        )
    return embed


def oembed_endpoint_allowed(endpoint: str, page_url: str) -> bool:
    """Whether to follow a page's oEmbed discovery link: http(s), on a related domain."""
    normal = normalise_url(endpoint)
    return normal is not None and _related(host_of(normal), host_of(page_url))


def hostname(url: str) -> str:
    """The host of a URL without its port, for `provider_name` fallbacks."""
    return (urlsplit(url).hostname or "").lower()
