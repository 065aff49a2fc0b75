"""The fast path for remote HTML (fedi.remote_html) against bleach, byte for byte.

For every input the fast sanitizer either declines (None: bleach runs) or returns exactly what
the remote bleach Cleaner returns. The corpus: HTML shaped as Mastodon, Misskey, Pleroma/Akkoma,
GoToSocial, Friendica, Lemmy and WordPress send it; hostile input; seeded random tag soup.
"""

from __future__ import annotations

import random
from html import unescape
from html.parser import HTMLParser

import pytest

from fedi import text
from fedi.text import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, sanitize_remote

REL = 'rel="nofollow noopener noreferrer" target="_blank"'


def _bleach(html: str) -> str:
    cleaned: str = text._tools().remote.clean(html)
    return cleaned


def _fast(html: str) -> str | None:
    return text._REMOTE_FAST.clean(html)


class _Policy(HTMLParser):
    """Collects every tag and attribute of sanitized output that the allowlist does not allow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, []):
                self.problems.append(f"attribute {tag}.{name}")
            elif name == "href" and not unescape(value or "").strip().lower().startswith(
                ("http:", "https:", "mailto:")
            ):
                self.problems.append(f"href {value!r}")
            elif name == "class" and not set((value or "").split()) <= ALLOWED_CLASSES:
                self.problems.append(f"class {value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")


def _policy_problems(html: str) -> list[str]:
    checker = _Policy()
    checker.feed(html)
    checker.close()
    return checker.problems


def _assert_same_or_declined(html: str) -> str | None:
    fast = _fast(html)
    if fast is not None:
        assert fast == _bleach(html), html
        assert _policy_problems(fast) == [], html
    return fast


MASTODON_MENTION = (
    '<span class="h-card" translate="no"><a href="https://mastodon.example/@Gargron"'
    ' class="u-url mention">@<span>Gargron</span></a></span>'
)
MASTODON_TAG = (
    '<a href="https://mastodon.example/tags/Fediverse" class="mention hashtag" rel="tag">'
    "#<span>Fediverse</span></a>"
)
MASTODON_LINK = (
    '<a href="https://example.com/a/long/path?x=1&amp;y=2" target="_blank"'
    ' rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span>'
    '<span class="ellipsis">example.com/a/long/path?x=</span>'
    '<span class="invisible">1&amp;y=2</span></a>'
)
REAL_WORLD = {
    "mastodon": f"<p>Hello {MASTODON_MENTION}, what&#39;s new? {MASTODON_TAG}</p>",
    "mastodon link": f"<p>Read this: {MASTODON_LINK}</p><p>line one<br />line two &amp; more</p>",
    "mastodon escapes": "<p>a &lt;b&gt; &quot;c&quot; Tom &amp; Jerry :blobcat: 🐘 café</p>",
    "mastodon quote": '<p class="quote-inline">RE: <a href="https://m.example/@a/1">x</a></p>',
    "glitch-soc markdown": (
        "<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>a &amp; b</code></p>"
        "<ul><li>one</li><li>two <b>b</b></li></ul><ol><li>first</li></ol>"
        "<blockquote><p>quoted</p></blockquote><pre><code>x &lt; y\nz</code></pre>"
    ),
    "misskey": (
        '<p><span>Hi <a href="https://misskey.example/@ai" class="u-url mention">@ai</a>'
        "<br>second ＼(^o^)／ line<br><i>it</i> <small>small</small></span></p>"
    ),
    "misskey tag": '<p><span><a href="https://misskey.example/tags/tag" rel="tag">#tag</a></span></p>',
    "misskey center": '<p><div style="text-align: center;">centered</div></p>',
    "pleroma": (
        '<span class="h-card"><a class="u-url mention" data-user="9xYz"'
        ' href="https://pleroma.example/users/bob" rel="ugc">@<span>bob</span></a></span>'
        ' thanks!<br/>second line <a class="hashtag" data-tag="tag"'
        ' href="https://pleroma.example/tag/tag" rel="tag ugc">#tag</a>'
    ),
    "akkoma markdown": "<p>line</p><ul><li><p>para in item</p></li></ul><p><u>under</u></p>",
    "gotosocial": (
        '<p>Hi <span class="h-card"><a href="https://gts.example/@alice" class="u-url mention"'
        ' rel="nofollow noreferrer noopener" target="_blank">@<span>alice</span></a></span></p>'
        '<p><a href="https://gts.example/tags/gts" class="mention hashtag"'
        ' rel="tag nofollow noreferrer noopener" target="_blank">#<span>GTS</span></a></p>'
    ),
    "friendica": (
        '<p>Text<br><a href="https://x.example" target="_blank" rel="noopener noreferrer">'
        'https://x.example</a><br><img src="https://x.example/i.png" alt="i"></p>'
    ),
    "lemmy": '<p><strong>Title</strong></p>\n<p>Body with <a href="https://l.example/p">a link</a></p>\n',
    "wordpress": (
        "<h2>Title</h2><p>Intro &amp; more</p>"
        '<figure class="wp-block-image"><img src="https://w.example/a.jpg" alt=""/></figure>'
        '<p><a href="https://w.example/post">Read more</a></p>'
    ),
    "mailto": '<p>write to <a href="mailto:someone@example.com">someone</a></p>',
    "content warning": "spoilers for episode 3 &amp; 4",
    "empty": "",
}
TAKES_FAST_PATH = [
    "mastodon",
    "mastodon link",
    "mastodon escapes",
    "mastodon quote",
    "glitch-soc markdown",
    "misskey",
    "misskey tag",
    "pleroma",
    "akkoma markdown",
    "gotosocial",
    "friendica",
    "lemmy",
    "wordpress",
    "mailto",
    "content warning",
    "empty",
]

HOSTILE = [
    "<script>alert(1)</script>after",
    '<p onclick="alert(1)" style="x">a</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="  https://x.example">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://x.example" onmouseover="alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<style>p { color: red }</style>text",
    '<iframe src="https://x.example"></iframe>',
    "<!-- <script>alert(1)</script> -->visible",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<p>a<em>b</p></em>",
    "<p><p>nested</p></p>",
    '<a href="https://a.example"><a href="https://b.example">x</a></a>',
    "<P>upper</P>",
    '<A HREF="javascript:alert(1)">x</A>',
    "<a href=javascript:alert(1)>unquoted</a>",
    "<a href='javascript:alert(1)'>single</a>",
    "<p>\x00nul</p>",
    "<p>ctrl \x01\x08\x0b\x0c\x1f\x7f\x85 chars</p>",
    "<scr<script>ipt>alert(1)</script>",
    "<b><i>unclosed",
    '<a href="https://x.example" href="javascript:alert(1)">dup</a>',
    '<a href="javascript:alert(1)" href="https://x.example">dup</a>',
    '<span class="h-card invisible evil">classes</span>',
    '<a href="https://x.example" rel="me" target="_top">x</a>',
    "<textarea><p>x</p></textarea>",
    "<title><b>x</b></title>",
    "<noscript><p>x</p></noscript>",
    "<plaintext><b>x</b>",
    "<xmp><b>x</b></xmp>",
    "<template><b>x</b></template>",
    "<math><mi>x</mi></math>",
    '<a href="https://x.example/\u2028">x</a>',
    '<a href="https://[::1">x</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<p>&#0; &#x0; &#xD800; &#99999999; &copy; &ampx &am; &#x; &#;</p>",
    "<br/ >",
    "</br>",
    "<p/>x",
    "<pre>\nfirst newline</pre>",
    "<pre><div>x</div></pre>",
    "<ul>text<li>x</li></ul>",
    "<li>orphan</li>",
    '<ol reversed start="x"><li value="2">x</li></ol>',
    '<a href="https://x.example"\nonclick="alert(1)">x</a>',
    '<a href="https://x.example"class="u-url">x</a>',
    "<p>\r\nCR</p>",
    "<p>\ufeffbom</p>",
    "<p>\ufdd0 non-character</p>",
    "<p>\ud800 lone surrogate</p>",
    "<p>a < b > c</p>",
    "<p>a <> b</p>",
    "<?xml version='1.0'?><p>x</p>",
    "<!DOCTYPE html><p>x</p>",
    "<p>&amp;lt;script&amp;gt; stays text</p>",
    '<a href="https://x.example/?q=&quot;&gt;&lt;script&gt;">x</a>',
    '<span class="&quot; onmouseover=&quot;alert(1)">x</span>',
]


@pytest.mark.parametrize("name", list(REAL_WORLD))
def test_remote_html_from_other_software_sanitizes_exactly_as_bleach(name: str) -> None:
    """Posts from other servers look the same as before the fast path (bleach's exact output)."""
    html = REAL_WORLD[name]

    assert sanitize_remote(html) == _bleach(html)
    _assert_same_or_declined(html)


@pytest.mark.parametrize("name", TAKES_FAST_PATH)
def test_common_remote_html_takes_the_fast_path(name: str) -> None:
    """The usual shapes of Mastodon, Misskey, Pleroma and GoToSocial posts skip html5lib."""
    assert _fast(REAL_WORLD[name]) is not None


def test_fast_path_keeps_mentions_hashtags_and_links_like_mastodon() -> None:
    """Mentions, hashtags and shortened links keep their classes; links get rel and target."""
    html = REAL_WORLD["mastodon"] + REAL_WORLD["mastodon link"]

    assert _fast(html) == (
        '<p>Hello <span class="h-card"><a href="https://mastodon.example/@Gargron"'
        f' class="u-url mention" {REL}>@<span>Gargron</span></a></span>, what&#39;s new?'
        ' <a href="https://mastodon.example/tags/Fediverse" class="mention hashtag"'
        ' rel="tag nofollow noopener noreferrer" target="_blank">#<span>Fediverse</span></a></p>'
        '<p>Read this: <a href="https://example.com/a/long/path?x=1&amp;y=2" '
        f'{REL}><span class="invisible">https://</span>'
        '<span class="ellipsis">example.com/a/long/path?x=</span>'
        '<span class="invisible">1&amp;y=2</span></a></p>'
        "<p>line one<br>line two &amp; more</p>"
    )


def test_fast_path_strips_unknown_tags_as_bleach_does() -> None:
    """Tags off the allowlist vanish, a block-level one leaving a line break in the text."""
    html = '<p>a</p><div>b</div><h2>c</h2><img src="https://x.example/i.png">'

    assert _fast(html) == _bleach(html) == "<p>a</p>\nb\nc"


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_remote_html_is_sanitized_the_same_with_or_without_the_fast_path(
    html: str,
) -> None:
    """Scripts, handlers, javascript: links and broken markup never get through either path."""
    _assert_same_or_declined(html)
    assert _policy_problems(sanitize_remote(html)) == []
    assert "<script" not in sanitize_remote(html).lower()


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="  https://x.example">x</a>',
        "<script>alert(1)</script>",
        '<svg><a href="https://x.example">x</a></svg>',
        "<!-- c -->",
        "<p>\x00</p>",
        "<p>a<em>b</p></em>",
        "<P>upper</P>",
        "<a href=unquoted>x</a>",
        '<a href="https://x.example" href="https://y.example">x</a>',
        "<pre>\nx</pre>",
        '<ol start="3"><li>x</li></ol>',
        "<p>&copy;</p>",
        "<b><i>unclosed",
    ],
)
def test_fast_path_declines_what_it_does_not_fully_understand(html: str) -> None:
    """Anything outside the narrow grammar is left to bleach."""
    assert _fast(html) is None


# --- random tag soup ------------------------------------------------------------------------

_TAGS = [*sorted(ALLOWED_TAGS), "div", "h1", "img", "hr", "small", "sup", "table", "s"]
_TAGS += ["script", "style", "svg", "textarea", "title", "plaintext", "xmp", "body", "iframe"]
_ATTRS = ["href", "class", "rel", "target", "title", "translate", "data-user", "start", "value"]
_ATTRS += ["reversed", "style", "onclick"]
_VALUES = [
    "https://x.example/a",
    "https://x.example/?a=1&amp;b=2",
    "https://x.example/?a=1&b=2",
    "javascript:alert(1)",
    "&#106;avascript:x",
    "h-card",
    "u-url mention",
    "mention hashtag",
    "invisible",
    "evil ellipsis",
    "tag",
    "_blank",
    "",
    "3",
    "mailto:a@b.example",
    "HTTP://X.EXAMPLE",
    "http://[::1]/",
    "https://x.example/\u00fc",
    "https://x.example/&quot;q&quot;",
    "https://x.example/&#39;",
    "a & b",
    "&lt;&gt;",
    "#frag",
    "/relative",
    " https://x.example",
    "https://x.example/ a",
    "data:text/html,x",
    "https://x.example/`",
    "&amp;amp;",
    "&#0;",
]
_TEXTS = [
    "hello",
    "a & b",
    "a&b",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&apos;",
    "&nbsp;",
    "&#39;",
    "&#x27;",
    "&#0;",
    "&#;",
    "&copy;",
    ">",
    "<",
    "< b",
    "\"'",
    "\n",
    " ",
    "\t",
    "\r\n",
    "\x00",
    "\x0c",
    "\x7f",
    "\u2028",
    "\ufeff",
    "日本語",
    "🐘",
    "https://x.example",
    "&&",
    "&;",
    "&=",
    "&#x1F418;",
    "&amp;lt;",
    "&lt",
]
_SPECIAL = [
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<!DOCTYPE html>",
    "<?xml?>",
    "</>",
    "<>",
    "< p>",
    "<p",
    "</p",
    "<P>",
    '<A HREF="https://x.example">',
    "<a href=https://x.example>",
    "<br/>",
    "<br />",
    "<p/>",
    "</br>",
    '<a href="x"class="y">',
]


def _attrs(r: random.Random) -> str:
    return "".join(
        f' {r.choice(_ATTRS)}="{r.choice(_VALUES)}"' for _ in range(r.choice([0, 0, 1, 1, 2, 3]))
    )


def _soup(r: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(r.randint(0, 4)):
        roll = r.random()
        if roll < 0.4 or depth > 4:
            parts.append("".join(r.choice(_TEXTS) for _ in range(r.choice([1, 1, 3]))))
        elif roll < 0.92:
            tag = r.choice(_TAGS)
            if tag in ("br", "img", "hr") and r.random() < 0.7:
                parts.append(f"<{tag}{_attrs(r)}{r.choice(['', ' /', '/'])}>")
            else:
                close = f"</{tag}>" if r.random() < 0.95 else ""
                parts.append(f"<{tag}{_attrs(r)}>{_soup(r, depth + 1)}{close}")
        else:
            parts.append(r.choice(_SPECIAL))
    return "".join(parts)


def _mastodonish(r: random.Random) -> str:
    pieces = [
        "Hello world",
        "what&#39;s up",
        "a &amp; b",
        "x &lt;3",
        "&quot;q&quot;",
        "🐘 ok",
        MASTODON_MENTION,
        MASTODON_TAG,
        MASTODON_LINK,
        "<br />",
        "<em>e</em>",
        "<code>c &amp; d</code>",
        "<del>x</del>",
    ]
    return "".join(
        "<p>" + "".join(r.choice(pieces) for _ in range(r.randint(1, 5))) + "</p>"
        for _ in range(r.randint(1, 3))
    )


def _mutate(r: random.Random, html: str) -> str:
    chars = list(html)
    for _ in range(r.randint(1, 3)):
        if not chars:
            break
        i, roll = r.randrange(len(chars)), r.random()
        if roll < 0.3:
            del chars[i]
        elif roll < 0.6:
            chars.insert(i, r.choice("<>&\"'/= \n;#\x00"))
        else:
            chars[i] = chars[i].upper()
    return "".join(chars)


def test_random_tag_soup_is_sanitized_exactly_as_bleach_whenever_the_fast_path_answers() -> None:
    """Seeded random HTML (well-formed, broken, mutated): fast answers always equal bleach's."""
    r = random.Random(20261122)
    answered = 0
    for _ in range(1500):
        html = _soup(r) if r.random() < 0.5 else _mastodonish(r)
        if r.random() < 0.3:
            html = _mutate(r, html)
        if _assert_same_or_declined(html) is not None:
            answered += 1
    assert answered > 500  # the generator does exercise the fast path
