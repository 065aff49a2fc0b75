"""Post text: Markdown to safe HTML, remote HTML sanitizing, mentions, hashtags, length counting.

A post is analysed once (`analyse`): one Markdown pass finds its mentions and hashtags and leaves
a slot in the HTML for each, filled by `Analysis.render` once the caller knows which mentions
resolve. The HTML is then sanitized by `fedi.textrender.FastCleaner` when it is in the plain shape
Markdown writes for ordinary posts (same output as bleach, much faster), else by bleach.
Remote HTML goes the same way: `fedi.remote_html.RemoteFastCleaner` for the shapes other servers
usually send, bleach for anything else.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from html.parser import HTMLParser
from typing import Any

import markdown
import regex
from bleach.html5lib_shim import Filter, convert_entities
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner
from markdown.blockprocessors import HashHeaderProcessor
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from fedi.remote_html import RemoteFastCleaner
from fedi.textrender import SLOT, SLOT_RE, FastCleaner, MentionSlot, TagSlot

__all__ = [
    "Analysis",
    "MentionRef",
    "analyse",
    "count_length",
    "extract_hashtags",
    "extract_mentions",
    "plain_text",
    "post_length",
    "render_local",
    "sanitize_remote",
]

# --- patterns -------------------------------------------------------------------------------

# A URL needs a scheme; balanced parentheses may appear inside; trailing punctuation is left out.
_URL = (
    r"(?<![\w/])https?://(?:\([^\s<>\"()]*\)|[^\s<>\"()])*"
    r"(?:\([^\s<>\"()]*\)|[^\s<>\"().,:;!?'*\[\]])"
)
# Mastodon's MENTION_RE, plus an optional :port on the domain (development handles).
_MENTION = (
    r"(?<![=/\w@])@(?P<user>[A-Za-z0-9_]+(?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
    r"(?:@(?P<domain>\w(?:[\w-]*\w)?(?:\.\w(?:[\w-]*\w)?)*(?::\d{1,5}(?!\d))?))?"
)
_HASHTAG = r"(?<![\w/)=&#])#(?P<tag>[\p{L}\p{M}\p{N}_]+)"

_URL_RE = regex.compile(_URL, regex.IGNORECASE)
_ENTITY_RE = regex.compile(f"(?P<url>{_URL})|{_MENTION}|{_HASHTAG}", regex.IGNORECASE)
_COUNT_RE = regex.compile(f"(?P<url>{_URL})|{_MENTION}", regex.IGNORECASE)
_LOCAL_USER_RE = regex.compile(r"[A-Za-z0-9_]+")
_ALL_DIGITS_RE = regex.compile(r"\p{Nd}+")
_GRAPHEME_RE = regex.compile(r"\X")
_SAFE_HREF_RE = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_INT_RE = re.compile(r"-?\d{1,9}")

URL_LENGTH = 23
"""Every http(s) URL counts as this many characters, whatever its real length (Mastodon)."""

# --- sanitizing policy ----------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u"}
    | {"ul", "ol", "li", "blockquote"}
)
ALLOWED_ATTRIBUTES: Mapping[str, list[str]] = {
    "a": ["href", "rel", "class", "target"],
    "span": ["class"],
    "ol": ["start", "reversed"],
    "li": ["value"],
}
ALLOWED_CLASSES = frozenset({"h-card", "u-url", "mention", "hashtag", "invisible", "ellipsis"})
LINK_REL = "nofollow noopener noreferrer"
# Elements whose content is dropped too (not just the tags) in remote HTML.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "noscript", "noembed", "noframes"}
    | {"object", "embed", "template", "svg", "math", "title", "textarea", "select"}
)
_SKIP_LINKING = frozenset({"a", "code", "pre"})
_LINKIFY_SKIP = frozenset({"pre", "code"})  # bare URLs stay text in these
_PROTOCOLS = frozenset({"http", "https", "mailto"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass(frozen=True, slots=True, kw_only=True)
class MentionRef:
    """A mention as written in a post: `@name` (domain None) or `@name@host[:port]`."""

    username: str
    domain: str | None
    text: str

    @property
    def acct(self) -> str:
        """The lowercased `name` or `name@host[:port]`, the key of `render_local`'s mention_urls."""
        return f"{self.username}@{self.domain}".lower() if self.domain else self.username.lower()


# --- Markdown pipeline ----------------------------------------------------------------------


class _HashHeader(HashHeaderProcessor):
    """Headings need a space after the hashes, so a line starting with `#topic` stays a hashtag."""

    RE = re.compile(
        r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]+[^ \t\n])"
        r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
    )


class _Entities(Treeprocessor):
    """Collects mentions and hashtags from text outside links and code, leaving a slot for each."""

    def begin(self) -> None:
        """Reset the state for one conversion."""
        self.mentions: dict[str, MentionRef] = {}
        self.hashtags: dict[str, None] = {}
        self.slots: list[MentionSlot | TagSlot] = []

    def run(self, root: etree.Element) -> None:
        """Flatten headings and images, then mark mentions and hashtags."""
        for el in list(root.iter()):
            if el.tag in _HEADINGS:
                strong = etree.Element("strong")
                strong.text, el.text = el.text, None
                strong.extend(list(el))
                el[:] = [strong]
                el.tag = "p"
                el.attrib.clear()
            elif el.tag == "pre" and len(el) and el[0].text:  # what "prettify" did
                el[0].text = AtomicString(el[0].text.rstrip() + "\n")
            elif el.tag == "img":
                src, alt = el.get("src", ""), el.get("alt", "")
                el.tag = "a"
                el.attrib.clear()
                el.set("href", src)
                el.text = alt or src
        self._walk(root)

    def _walk(self, el: etree.Element) -> None:
        if el.text:
            el.text = _ENTITY_RE.sub(self.mark, el.text)
        for child in el:
            if child.tag not in _SKIP_LINKING:
                self._walk(child)
            if child.tail:
                child.tail = _ENTITY_RE.sub(self.mark, child.tail)

    def mark(self, m: regex.Match[str]) -> str:
        """A slot for a mention or hashtag match, else the match itself."""
        slot: MentionSlot | TagSlot | None = None
        if m["user"]:
            slot = self._mention(m)
        elif m["tag"]:
            slot = self._hashtag(m["tag"])
        if slot is None:
            return m[0]
        self.slots.append(slot)
        return SLOT.format(len(self.slots) - 1)

    def _mention(self, m: regex.Match[str]) -> MentionSlot | None:
        user, domain = m["user"], m["domain"]
        if domain is None and not _LOCAL_USER_RE.fullmatch(user):
            return None
        ref = MentionRef(username=user, domain=domain.lower() if domain else None, text=m[0])
        self.mentions.setdefault(ref.acct, ref)
        return MentionSlot(ref.acct, user, m[0])

    def _hashtag(self, written: str) -> TagSlot | None:
        if _ALL_DIGITS_RE.fullmatch(written):
            return None
        name = unicodedata.normalize("NFKC", written).lower()
        self.hashtags.setdefault(name, None)
        return TagSlot(name, written)


# --- bleach filters -------------------------------------------------------------------------


# Attribute keys of html5lib tokens.
_CLASS, _HREF, _REL, _TARGET, _REVERSED = (
    (None, n) for n in ("class", "href", "rel", "target", "reversed")
)
_NUMBERS = ((None, "start"), (None, "value"))


class _DropContent(Filter):
    """Removes script-like elements together with everything inside them."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        depth = 0
        for token in Filter.__iter__(self):
            kind = token["type"]
            if depth:
                depth += (kind == "StartTag") - (kind == "EndTag")
                continue
            if kind in ("StartTag", "EmptyTag") and token["name"] in _DROP_WITH_CONTENT:
                depth = int(kind == "StartTag")
                continue
            if kind == "EndTag" and token["name"] in _DROP_WITH_CONTENT:
                continue
            yield token


class _LinkPolicy(Filter):
    """Keeps only safe hrefs, adds rel/target to links, allowed classes and integer list numbers."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in Filter.__iter__(self):
            if token["type"] in ("StartTag", "EmptyTag") and token.get("data"):
                _police(token["name"], token["data"])
            yield token


def _police(tag: str, attrs: dict[tuple[str | None, str], str]) -> None:
    if (classes := attrs.pop(_CLASS, None)) is not None:
        kept = [c for c in classes.split() if c in ALLOWED_CLASSES]
        if kept:
            attrs[_CLASS] = " ".join(kept)
    if tag == "a":
        href = attrs.get(_HREF)
        if href is not None and not _SAFE_HREF_RE.match(convert_entities(href).strip()):
            del attrs[_HREF]
            href = None
        rel = attrs.pop(_REL, "").split()
        attrs.pop(_TARGET, None)
        if href is not None:
            attrs[_REL] = ("tag " if "tag" in rel else "") + LINK_REL
            attrs[_TARGET] = "_blank"
    for key in _NUMBERS:
        if (number := attrs.get(key)) is not None and not _INT_RE.fullmatch(number.strip()):
            del attrs[key]
    if _REVERSED in attrs:
        attrs[_REVERSED] = "reversed"


# The local bleach Cleaner's policy; tried first on our own Markdown's HTML, bleach if it declines.
_FAST = FastCleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=_PROTOCOLS,
    skip_tags=_LINKIFY_SKIP,
    police=_police,
    url_re=_URL_RE,
)
# The remote bleach Cleaner's policy; tried first on remote HTML, bleach if it declines.
_REMOTE_FAST = RemoteFastCleaner(
    tags=ALLOWED_TAGS | _DROP_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=_PROTOCOLS,
    police=_police,
    drop_with_content=_DROP_WITH_CONTENT,
)


# --- per-thread reusable objects (Markdown and bleach Cleaners are not thread-safe) -----------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Tools:
    md: markdown.Markdown
    entities: _Entities
    local: Cleaner
    remote: Cleaner


_thread = threading.local()


def _tools() -> _Tools:
    tools: _Tools | None = getattr(_thread, "tools", None)
    if tools is None:
        tools = _thread.tools = _build_tools()
    return tools


def _build_tools() -> _Tools:
    md = markdown.Markdown(extensions=["fenced_code", "nl2br", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")  # raw HTML typed by the user stays text
    md.inlinePatterns.deregister("html")
    md.treeprocessors.deregister("prettify")  # no "\n" after <br> or between blocks
    md.parser.blockprocessors.register(_HashHeader(md.parser), "hashheader", 70)
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "del", 65)
    entities = _Entities(md)
    md.treeprocessors.register(entities, "fedi_entities", 15)  # after "inline", before "unescape"
    common: dict[str, Any] = {
        "attributes": ALLOWED_ATTRIBUTES,
        "protocols": list(_PROTOCOLS),
        "strip": True,
        "strip_comments": True,
    }
    linkify = partial(
        LinkifyFilter, callbacks=[], skip_tags=_LINKIFY_SKIP, parse_email=False, url_re=_URL_RE
    )
    local = Cleaner(tags=ALLOWED_TAGS, filters=[linkify, _LinkPolicy], **common)
    # Script-like elements are let through the parser so their content can be dropped with them.
    remote = Cleaner(
        tags=ALLOWED_TAGS | _DROP_WITH_CONTENT, filters=[_DropContent, _LinkPolicy], **common
    )
    return _Tools(md=md, entities=entities, local=local, remote=remote)


# A post without Markdown syntax: no control character but newlines, none of \ ` * _ [ ] < > & ~,
# lines that start with a letter, digit (not `1.`), symbol, quote, bracket, `@` or a hashtag and
# end in no space. Markdown makes paragraphs of them, with <br> for single newlines.
_NOT_PLAIN_RE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\\\\`*_\\[\\]<>&~]"
)
_PLAIN_START_RE = regex.compile(r"[\p{L}\p{So}(\"'@]|\#[\p{L}\p{M}\p{N}_]|\p{N}(?!\p{N}*\.)")
_PARAGRAPH_BREAK_RE = re.compile(r"\n{2,}")


def _plain_html(source: str, entities: _Entities) -> str | None:
    """What Markdown and `entities` make of a post without Markdown syntax; None if it has some."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")  # as Markdown does
    if _NOT_PLAIN_RE.search(text):
        return None
    lines = text.split("\n")
    if not lines[0] or any(
        line and (line[-1].isspace() or not _PLAIN_START_RE.match(line)) for line in lines
    ):
        return None
    # Per line, as in Markdown's tree: no entity spans a newline, none looks behind past one.
    text = _ENTITY_RE.sub(entities.mark, text)
    return "".join(
        "<p>" + p.replace("\n", "<br>") + "</p>" for p in _PARAGRAPH_BREAK_RE.split(text)
    )


def _sanitize_local(html: str) -> str:
    """Our Markdown's HTML reduced to the allowlist, bare URLs linked, links policed."""
    fast = _FAST.clean(html)
    if fast is not None:
        return fast
    cleaned: str = _tools().local.clean(html)
    return cleaned


# --- public API -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """A post's text after its one Markdown pass: what it mentions and tags, ready to render."""

    mentions: tuple[MentionRef, ...]
    """Mentions outside code, links, URLs and e-mail addresses; first of each acct, in order."""
    hashtags: tuple[str, ...]
    """Normalised (NFKC, lowercase) hashtag names outside code, links and URLs, in order."""
    slotted_html: tuple[str | MentionSlot | TagSlot, ...] = field(repr=False)
    """Markdown's HTML, cut around one slot per mention and hashtag occurrence."""

    def render(self, *, mention_urls: Mapping[str, str], tag_url: Callable[[str], str]) -> str:
        """Sanitized HTML with the mentions found in mention_urls (by acct), hashtags and bare
        URLs linked; other mentions stay as written."""
        urls = {acct.lower(): url for acct, url in mention_urls.items()}
        html = "".join(
            part if isinstance(part, str) else part.html(urls, tag_url)
            for part in self.slotted_html
        )
        return _sanitize_local(html)


@lru_cache(maxsize=64)  # callers extract mentions, then render the same text: one pass for both
def analyse(source: str) -> Analysis:
    """Run local Markdown once: mentions, hashtags, and HTML to render once mentions resolve."""
    tools = _tools()
    tools.entities.begin()
    html = _plain_html(source, tools.entities)
    if html is None:
        tools.md.reset()
        tools.entities.begin()
        html = tools.md.convert(source)
    found = tools.entities
    return Analysis(
        mentions=tuple(found.mentions.values()),
        hashtags=tuple(found.hashtags),
        slotted_html=tuple(
            found.slots[int(p)] if i % 2 else p for i, p in enumerate(SLOT_RE.split(html))
        ),
    )


def extract_mentions(source: str) -> list[MentionRef]:
    """Mentions outside code, links, URLs and e-mail addresses; first of each acct, in order."""
    return list(analyse(source).mentions)


def extract_hashtags(source: str) -> list[str]:
    """Normalised (NFKC, lowercase) hashtag names outside code, links and URLs, in order."""
    return list(analyse(source).hashtags)


def render_local(
    source: str, *, mention_urls: Mapping[str, str], tag_url: Callable[[str], str]
) -> str:
    """Local Markdown to sanitized HTML with known mentions, hashtags and bare URLs linked."""
    return analyse(source).render(mention_urls=mention_urls, tag_url=tag_url)


def sanitize_remote(html: str) -> str:
    """Remote HTML reduced to the allowlist; script-like elements dropped with their content."""
    fast = _REMOTE_FAST.clean(html)
    if fast is not None:
        return fast
    cleaned: str = _tools().remote.clean(html)
    return cleaned


def count_length(text: str) -> int:
    """Length as Mastodon counts it: URLs 23, `@name@domain` as `@name`, grapheme clusters."""

    def countable(m: regex.Match[str]) -> str:
        return "x" * URL_LENGTH if m["url"] else "@" + m["user"]

    return len(_GRAPHEME_RE.findall(_COUNT_RE.sub(countable, text)))


def post_length(body: str, content_warning: str) -> int:
    """Length of a post counted against the limit: the body plus the content warning's graphemes."""
    return count_length(body) + len(_GRAPHEME_RE.findall(content_warning))


class _TextExtractor(HTMLParser):
    """Collects character data; line breaks for `<br>` and block ends."""

    _BLOCK_ENDS = frozenset({"li", "blockquote", "pre", "div", "ul", "ol", "tr"} | _HEADINGS)
    _SILENT = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in self._SILENT:
            self.silent += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag == "p":
            self.parts.append("\n\n")
        elif tag in self._BLOCK_ENDS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """HTML as text: tags dropped, `<br>` and block ends become newlines, entities decoded."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"[ \t]*\n[ \t]*(?:\n[ \t]*)+", "\n\n", text).strip()
