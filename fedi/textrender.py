"""Private helpers for `fedi.text`'s rendering: mention and hashtag slots, and `FastCleaner`.

Slots: one Markdown pass leaves a placeholder for each mention and hashtag; once the caller knows
which mentions resolve, each slot is filled with exactly the HTML Markdown would have written for
it (the h-card link, the hashtag link, or the mention's text).

`FastCleaner.clean` returns exactly what `fedi.text`'s local bleach Cleaner (html5lib parse,
allowlist sanitizer, LinkifyFilter, link policy, serialize) returns, but only for input inside a
narrow grammar, the one Markdown's serializer writes for ordinary posts. For anything else it
returns None and the caller runs bleach. The grammar:

- tags `<name( attr="value")*>` and `</name>`, properly nested, each name one this module knows
  how html5lib would build (so the parsed tree is the token stream as written): blocks only inside
  blocks that may hold them, `li` only in lists, no `a` inside `a`; `hr` (not allowed) is stripped
  the way bleach's tokenizer strips it;
- text without raw `<`/`>` and without control characters, and `&` only in `&amp;`, `&lt;`,
  `&gt;` or `&quot;` (Markdown's own escapes), so text and attribute values are re-emitted
  verbatim (bleach does the same for these escapes);
- every kept `href` plainly `http:`, `https:` or `mailto:`; anything bleach's URI check might judge
  differently falls back.

Output only ever holds allowlisted tags and attributes (policed by the same function as the bleach
path), escaped text, and links made from URLs found in text outside links and code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from markdown.util import ETX, STX

# --- slots ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionSlot:
    """A syntactic mention: a link if its acct resolves, else its text as written."""

    acct: str
    username: str
    text: str

    def html(self, mention_urls: Mapping[str, str], tag_url: Callable[[str], str]) -> str:
        url = mention_urls.get(self.acct)
        if url is None:
            return md_text(self.text)
        # What Markdown serializes for the h-card element (attributes in lexical order).
        return (
            f'<span class="h-card"><a class="u-url mention" href="{md_attr(url)}">'
            f"@<span>{md_text(self.username)}</span></a></span>"
        )


@dataclass(frozen=True, slots=True)
class TagSlot:
    """A hashtag, always linked to its tag page."""

    name: str
    text: str

    def html(self, mention_urls: Mapping[str, str], tag_url: Callable[[str], str]) -> str:
        return (
            f'<a class="mention hashtag" href="{md_attr(tag_url(self.name))}" rel="tag">'
            f"#<span>{md_text(self.text)}</span></a>"
        )


# Markdown drops STX/ETX from its input and fedi.text's plain path takes no control characters,
# so these placeholders can only be ours.
SLOT = STX + "fedi:{}" + ETX
SLOT_RE = re.compile(STX + r"fedi:(\d+)" + ETX)
# Markdown's escaping (markdown.serializers): `&` is left alone where it starts an entity.
_MD_AMP_RE = re.compile(r"&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)", re.IGNORECASE)


def md_text(text: str) -> str:
    """Text escaped as Markdown's serializer escapes it."""
    return _MD_AMP_RE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def md_attr(value: str) -> str:
    """An attribute value escaped as Markdown's serializer escapes it."""
    return md_text(value).replace('"', "&quot;")


# --- FastCleaner ------------------------------------------------------------------------------

# Blocks that may contain blocks, lists, blocks holding only inline content, inline elements.
_CONTAINERS = frozenset({"blockquote", "li"})
_LISTS = frozenset({"ul", "ol"})
_LEAVES = frozenset({"p", "pre"})
_INLINE = frozenset({"a", "span", "strong", "em", "del", "code", "b", "i", "u"})
_VOID = frozenset({"br"})
_KNOWN = _CONTAINERS | _LISTS | _LEAVES | _INLINE | _VOID
_STRIPPED_VOID = "hr"  # a block-level tag bleach's tokenizer turns into "\n" (or "" when first)

_TOKEN_RE = re.compile(r'<(?:([a-z][a-z0-9]*)((?: [a-z]+="[^"<>]*")*)|/([a-z][a-z0-9]*))>|[^<]+')
_ATTR_RE = re.compile(r' ([a-z]+)="([^"<>]*)"')
# Characters html5lib or bleach change or report (C0 controls but \t and \n, lone surrogates).
_SUSPECT_RE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
_BAD_AMP_RE = re.compile(r"&(?!(?:amp|lt|gt|quot);)")
_TEXT_ENTITY_RE = re.compile(r"(&(?:lt|gt|quot);)")  # bleach keeps these as Entity tokens
# After `&amp;` is decoded, bleach's linkifier reads what follows as an entity again, leniently
# (`&#` + any one character + `;` counts); this over-approximates what it may take for one.
_ENTITY_LIKE_RE = re.compile(r"&[#0-9A-Za-z][^;]*;")
# After the scheme, nothing bleach's URI check strips or urlparse may reject ("[", "]").
_PLAIN_URI_TAIL = r":[^\s\x00-\x20\x7f-\xa0`\[\]]*"
_PROTO_RE = re.compile(r"^[\w-]+:/{0,3}", re.IGNORECASE)  # bleach.linkifier.PROTO_RE

# Attributes keyed (namespace, name), as bleach's filters see them.
Attrs = dict[tuple[str | None, str], str]


class _Fallback(Exception):
    """The input is outside the grammar; bleach must handle it."""


def _decode(raw: str) -> str:
    return (
        raw.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _start_tag(name: str, attrs: Attrs) -> str:
    return f"<{name}" + "".join(f' {key}="{value}"' for (_, key), value in attrs.items()) + ">"


def _strip_non_url_bits(fragment: str) -> tuple[str, str, str]:
    """bleach's LinkifyFilter.strip_non_url_bits: brackets and trailing `,`/`.` stay outside."""
    prefix = suffix = ""
    while fragment:
        if fragment.startswith("("):
            prefix, fragment = prefix + "(", fragment[1:]
            if fragment.endswith(")"):
                suffix, fragment = ")" + suffix, fragment[:-1]
            continue
        if fragment.endswith(")") and "(" not in fragment:
            suffix, fragment = ")" + suffix, fragment[:-1]
            continue
        if fragment.endswith((",", ".")):
            suffix, fragment = fragment[-1] + suffix, fragment[:-1]
            continue
        break
    return fragment, prefix, suffix


class FastCleaner:
    """Allowlist re-serializer for self-generated Markdown HTML; see the module docstring."""

    def __init__(
        self,
        *,
        tags: Set[str],
        attributes: Mapping[str, list[str]],
        protocols: Set[str],
        skip_tags: Set[str],
        police: Callable[[str, Attrs], None],
        url_re: Any,  # a compiled `re` or `regex` pattern
    ) -> None:
        self.tags = frozenset(tags) & _KNOWN
        self.strip_hr = _STRIPPED_VOID not in tags
        self.attributes = {tag: frozenset(names) for tag, names in attributes.items()}
        schemes = "|".join(sorted(map(re.escape, protocols)))
        self.plain_href = re.compile(f"(?:{schemes}){_PLAIN_URI_TAIL}", re.IGNORECASE)
        self.skip_tags = frozenset(skip_tags)
        self.police = police
        self.url_re = url_re

    def clean(self, html: str) -> str | None:
        """The sanitized HTML, or None when bleach must do it."""
        if not html:
            return ""
        if _SUSPECT_RE.search(html) or _BAD_AMP_RE.search(html):
            return None
        try:
            return _Run(self).serialize(html)
        except _Fallback:
            return None


class _Run:
    """One serialization: the open-element stack and LinkifyFilter's state."""

    def __init__(self, cleaner: FastCleaner) -> None:
        self.c = cleaner
        self.out: list[str] = []
        self.stack: list[str] = []
        self.in_a = False  # inside a link: LinkifyFilter leaves the text alone
        self.skip: str | None = None  # LinkifyFilter's in_skip_tag (not a stack, like bleach's)
        self.text = ""  # pending raw text; a stripped <hr> merges into it
        self.seen_tag = False
        self.after_pre = False

    def serialize(self, html: str) -> str:
        pos = 0
        for m in _TOKEN_RE.finditer(html):
            if m.start() != pos:
                raise _Fallback
            pos = m.end()
            if m[1]:
                self.start_tag(m[1], m[2])
            elif m[3]:
                self.end_tag(m[3])
            elif ">" in m[0]:
                raise _Fallback  # Markdown escapes it; bleach would too
            else:
                self.text += m[0]
        if pos != len(html) or self.stack:
            raise _Fallback
        self.flush_text()
        return "".join(self.out)

    def start_tag(self, name: str, attr_source: str) -> None:
        if name == _STRIPPED_VOID and self.c.strip_hr and not attr_source:
            self.text += "\n" if self.seen_tag else ""
            self.seen_tag = True
            return
        if name not in self.c.tags:
            raise _Fallback
        if self.text:
            self.flush_text()
        self.seen_tag = True
        self.after_pre = name == "pre"
        stack = self.stack
        parent = stack[-1] if stack else None
        if name in _LISTS or name in _LEAVES or name in _CONTAINERS:
            ok = parent in _LISTS if name == "li" else parent is None or parent in _CONTAINERS
        else:
            ok = parent not in _LISTS and not (name == "a" and "a" in stack)
        if not ok:
            raise _Fallback
        attrs = self.attrs(name, attr_source) if attr_source else None
        if attrs:
            self.c.police(name, attrs)
            self.out.append(_start_tag(name, attrs))
        else:
            self.out.append(f"<{name}>")
        if name not in _VOID:
            stack.append(name)
        if not self.in_a:
            if name in self.c.skip_tags:
                self.skip = name
            elif name == "a":
                self.in_a = True

    def attrs(self, tag: str, source: str) -> Attrs:
        allowed = self.c.attributes.get(tag, frozenset())
        attrs: Attrs = {}
        seen: set[str] = set()
        for name, value in _ATTR_RE.findall(source):
            if name in seen:
                raise _Fallback  # html5lib keeps the first; not worth mirroring
            seen.add(name)
            if name not in allowed:
                continue
            if name == "href" and not self.c.plain_href.fullmatch(_decode(value)):
                raise _Fallback  # bleach's URI check decides
            attrs[(None, name)] = value
        return attrs

    def end_tag(self, name: str) -> None:
        if not self.stack or self.stack[-1] != name:
            raise _Fallback
        if self.text:
            self.flush_text()
        self.seen_tag = True
        self.after_pre = False
        self.stack.pop()
        self.out.append(f"</{name}>")
        if self.in_a:
            self.in_a = name != "a"
        elif self.skip == name:
            self.skip = None

    def flush_text(self) -> None:
        raw, self.text = self.text, ""
        if not raw:
            return
        if (self.stack and self.stack[-1] in _LISTS) or (self.after_pre and raw[0] == "\n"):
            raise _Fallback
        self.after_pre = False
        if (self.skip is not None and not self.in_a) or (
            "&" not in raw and (self.in_a or "://" not in raw)
        ):
            self.out.append(raw)  # nothing to link, no entity to look at
            return
        for i, piece in enumerate(_TEXT_ENTITY_RE.split(raw)):
            if i % 2:
                self.out.append(piece)
            elif piece:
                self.linkify(piece)

    def linkify(self, raw: str) -> None:
        text = raw.replace("&amp;", "&")
        if "&" in text and _ENTITY_LIKE_RE.search(text):
            raise _Fallback
        if self.in_a:
            self.out.append(raw)
            return
        end = 0
        for m in self.c.url_re.finditer(text):
            url, prefix, suffix = _strip_non_url_bits(m[0])
            href = url if _PROTO_RE.search(url) else "http://" + url
            attrs: Attrs = {(None, "href"): _escape(href)}
            self.c.police("a", attrs)
            self.out.append(_escape(text[end : m.start()] + prefix))
            self.out.append(f"{_start_tag('a', attrs)}{_escape(url)}</a>")
            self.out.append(_escape(suffix))
            end = m.end()
        self.out.append(_escape(text[end:]) if end else raw)
