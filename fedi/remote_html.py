"""A fast path for sanitizing remote HTML: bleach's exact output for the shapes peers send.

`RemoteFastCleaner.clean` returns exactly what `fedi.text`'s remote bleach Cleaner (html5lib
parse with disallowed tags stripped by the tokenizer, allowlist sanitizer, script-like elements
dropped with their content, link policy, serialize) returns, but only for input inside a narrow
grammar; for anything else it returns None and the caller runs bleach. The grammar covers what
Mastodon, Misskey, Pleroma/Akkoma and GoToSocial write in `content` and `summary`:

- tags `<name( attr="value")*( /)?>` and `</name>` with lowercase names and double-quoted values
  free of `<` and `>`, no attribute twice; nothing else may follow a `<` (no comments, doctype,
  CDATA, processing instructions or stray `<`);
- allowlisted elements properly nested in a way html5lib builds as written: blocks only at the top
  or inside `blockquote`/`li`, `li` only (and nothing else) directly inside lists, no `a` inside
  `a`, no formatting element inside itself, every element closed by its own end tag, `/>` only
  on `br`; no text starting with a newline right after `<pre>` (html5lib drops it);
- other tags (not allowlisted, not script-like) vanish as bleach's tokenizer makes them vanish:
  nothing, or a newline for a block-level start tag after an earlier tag;
- any script-like element (`script`, `style`, `svg`, ...) falls back: bleach drops its content;
- text and attribute values without control characters, lone surrogates or non-characters; `&`
  only bare (before a character that cannot start an entity) or in a short list of references
  (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, numeric ones in text; `&amp;`, `&lt;`,
  `&gt;`, `&quot;`, `&#39;` in attributes), re-emitted the way bleach's serializer emits them;
- every kept `href` plainly `http:`, `https:` or `mailto:` after those references are decoded;
  anything bleach's URI check might judge differently falls back.

Output only ever holds allowlisted tags, allowlisted attributes (policed by the same function as
the bleach path) and escaped text. `tests/unit/test_remote_html.py` compares it with bleach over a
corpus of real-world, hostile and randomly generated HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set

from bleach.html5lib_shim import HTML_TAGS_BLOCK_LEVEL

__all__ = ["RemoteFastCleaner"]

# Attributes keyed (namespace, name), as bleach's filters see them.
Attrs = dict[tuple[str | None, str], str]

# Allowlisted elements this module knows how html5lib builds: blocks that may hold blocks, lists,
# blocks of inline content, inline elements (html5lib's formatting elements among them), void.
_CONTAINERS = frozenset({"blockquote", "li"})
_LISTS = frozenset({"ul", "ol"})
_LEAVES = frozenset({"p", "pre"})
_BLOCKS = _CONTAINERS | _LISTS | _LEAVES
_FORMATTING = frozenset({"a", "b", "code", "em", "i", "strong", "u"})
_INLINE = _FORMATTING | {"span", "del"}
_VOID = frozenset({"br"})
_KNOWN = _BLOCKS | _INLINE | _VOID
# Elements whose allowlisted attributes this module re-serializes (others' may be boolean or
# numbers the policy rewrites: bleach decides).
_ATTRIBUTE_TAGS = frozenset({"a", "span"})

_WS = "[ \t\n]"
_TOKEN_RE = re.compile(
    rf'<(?:([a-z][a-z0-9]*)((?:{_WS}+[a-z][a-z0-9-]*="[^"<>]*")*){_WS}*(/?)|/([a-z][a-z0-9]*))>'
    r"|[^<]+"
)
_ATTR_RE = re.compile(rf'{_WS}+([a-z][a-z0-9-]*)="([^"<>]*)"')


def _nonchars() -> str:
    planes = (chr(plane << 16 | end) for plane in range(1, 17) for end in (0xFFFE, 0xFFFF))
    return "\ufdd0-\ufdef\ufffe\uffff" + "".join(planes)


# What html5lib or bleach change or report: C0/C1 controls but \t and \n (\r is normalised),
# lone surrogates, non-characters, a byte-order mark.
_SUSPECT_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff" + _nonchars() + "]")
_ASCII_SUSPECT_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # the same, for ASCII text (faster)

# `&` that is bare (cannot start a reference for bleach's entity matcher) or starts one listed.
_BARE_AMP = r"&(?=[^A-Za-z0-9#]|\Z)"
_BARE_AMP_RE = re.compile(_BARE_AMP)
_TEXT_BAD_AMP_RE = re.compile(
    r"&(?!(?:amp|lt|gt|quot|apos|nbsp|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});|[^A-Za-z0-9#]|\Z)"
)
_ATTR_BAD_AMP_RE = re.compile(r"&(?!(?:amp|lt|gt|quot|#39);|[^A-Za-z0-9#]|\Z)")
_ATTR_REFS = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_ATTR_REF_RE = re.compile("|".join(_ATTR_REFS))
# After the scheme, nothing bleach's URI check strips or urlparse may reject ("[", "]").
_PLAIN_URI_TAIL = r":[^\s\x00-\x20\x7f-\xa0`\[\]]*"


class _Fallback(Exception):
    """The input is outside the grammar; bleach must handle it."""


def _text_out(raw: str) -> str:
    """Text as bleach serializes it: bare `&` and `>` escaped, listed references kept."""
    if "&" in raw:
        if _TEXT_BAD_AMP_RE.search(raw):
            raise _Fallback
        raw = _BARE_AMP_RE.sub("&amp;", raw)
    return raw.replace(">", "&gt;") if ">" in raw else raw


def _attr_out(value: str) -> str:
    """An attribute value as bleach serializes it (checked by `_ATTR_BAD_AMP_RE` before)."""
    return _BARE_AMP_RE.sub("&amp;", value) if "&" in value else value


class RemoteFastCleaner:
    """Allowlist re-serializer for the common shapes of remote HTML; see the module docstring."""

    def __init__(
        self,
        *,
        tags: Set[str],
        attributes: Mapping[str, list[str]],
        protocols: Set[str],
        police: Callable[[str, Attrs], None],
        drop_with_content: Set[str],
    ) -> None:
        self.tags = frozenset(tags) & _KNOWN
        # Names bleach lets through to html5lib's tree builder without this module knowing them.
        self.untouchable = (frozenset(tags) | frozenset(drop_with_content)) - self.tags
        self.attributes = {
            tag: frozenset(names) for tag, names in attributes.items() if tag in _ATTRIBUTE_TAGS
        }
        self.unhandled = {
            tag: frozenset(names) for tag, names in attributes.items() if tag not in self.attributes
        }
        schemes = "|".join(sorted(map(re.escape, protocols)))
        self.plain_href = re.compile(f"(?:{schemes}){_PLAIN_URI_TAIL}", re.IGNORECASE)
        self.police = police

    def clean(self, html: str) -> str | None:
        """The sanitized HTML, or None when bleach must do it."""
        if not html:
            return ""
        if (_ASCII_SUSPECT_RE if html.isascii() else _SUSPECT_RE).search(html):
            return None
        try:
            return _Run(self).serialize(html)
        except _Fallback:
            return None

    def attrs(self, tag: str, source: str) -> Attrs | None:
        """The allowlisted attributes of a start tag, in source order (None: none kept)."""
        pairs = _ATTR_RE.findall(source)
        if len({name for name, _ in pairs}) != len(pairs):
            raise _Fallback  # html5lib keeps the first and reports an error: not worth mirroring
        allowed = self.attributes.get(tag)
        if allowed is None:
            if any(name in self.unhandled.get(tag, ()) for name, _ in pairs):
                raise _Fallback  # list numbers: the policy rewrites them, bleach decides
            return None
        attrs: Attrs = {}
        for name, value in pairs:
            if name not in allowed:
                continue
            if "&" in value and _ATTR_BAD_AMP_RE.search(value):
                raise _Fallback
            if name == "href":
                decoded = _ATTR_REF_RE.sub(lambda m: _ATTR_REFS[m[0]], value)
                if not self.plain_href.fullmatch(decoded):
                    raise _Fallback  # bleach's URI check decides
            attrs[(None, name)] = value
        return attrs or None


class _Run:
    """One serialization: the open-element stack and the bits of tokenizer state that matter."""

    __slots__ = ("c", "out", "stack", "emitted_tag", "after_pre")

    def __init__(self, cleaner: RemoteFastCleaner) -> None:
        self.c = cleaner
        self.out: list[str] = []
        self.stack: list[str] = []
        self.emitted_tag = False  # bleach's tokenizer has emitted some tag token already
        self.after_pre = False  # the previous token was a <pre> start tag

    def serialize(self, html: str) -> str:
        pos = 0
        for m in _TOKEN_RE.finditer(html):
            if m.start() != pos:
                raise _Fallback  # a `<` that starts no tag we read
            pos = m.end()
            name = m[1]
            if name:
                self.start_tag(name, m[2], bool(m[3]))
            elif m[4]:
                self.end_tag(m[4])
            else:
                self.text(m[0])
        if pos != len(html) or self.stack:
            raise _Fallback
        return "".join(self.out)

    def start_tag(self, name: str, attr_source: str, self_closing: bool) -> None:
        c = self.c
        if name not in c.tags:
            if name in c.untouchable or self.after_pre:
                raise _Fallback
            # bleach's tokenizer turns a disallowed tag into text: a newline for a block-level
            # start tag after an earlier tag, else nothing.
            if attr_source:
                c.attrs(name, attr_source)  # only checked: a duplicate falls back
            if name in HTML_TAGS_BLOCK_LEVEL and self.emitted_tag:
                self.text("\n")
            self.emitted_tag = True
            return
        if self_closing and name not in _VOID:
            raise _Fallback
        stack = self.stack
        parent = stack[-1] if stack else None
        if name in _BLOCKS:
            ok = parent in _LISTS if name == "li" else parent is None or parent in _CONTAINERS
        else:
            ok = parent not in _LISTS and not (name in _FORMATTING and name in stack)
        if not ok:
            raise _Fallback
        attrs = c.attrs(name, attr_source) if attr_source else None
        if attrs:
            c.police(name, attrs)
        if attrs:
            self.out.append(
                f"<{name}"
                + "".join(f' {key}="{_attr_out(value)}"' for (_, key), value in attrs.items())
                + ">"
            )
        else:
            self.out.append(f"<{name}>")
        if name not in _VOID:
            stack.append(name)
        self.emitted_tag = True
        self.after_pre = name == "pre"

    def end_tag(self, name: str) -> None:
        if name not in self.c.tags:
            if name in self.c.untouchable or self.after_pre:
                raise _Fallback
            self.emitted_tag = True  # stripped to nothing
            return
        if not self.stack or self.stack[-1] != name:
            raise _Fallback
        self.stack.pop()
        self.out.append(f"</{name}>")
        self.emitted_tag = True
        self.after_pre = False

    def text(self, raw: str) -> None:
        if (self.stack and self.stack[-1] in _LISTS) or (self.after_pre and raw[0] == "\n"):
            raise _Fallback
        self.after_pre = False
        self.out.append(_text_out(raw))
