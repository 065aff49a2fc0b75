"""Tests for fedi.text: Markdown rendering, sanitizing, mentions, hashtags, length counting."""

import pytest

from fedi import text
from fedi.text import (
    MentionRef,
    analyse,
    count_length,
    extract_hashtags,
    extract_mentions,
    plain_text,
    post_length,
    render_local,
    sanitize_remote,
)

MENTION_URLS = {
    "bob": "https://here.example/@bob",
    "bob@localhost:8001": "http://localhost:8001/users/bob",
    "alice@remote.example": "https://remote.example/@alice",
}
REL = 'rel="nofollow noopener noreferrer" target="_blank"'


def tag_url(name: str) -> str:
    return f"https://here.example/tags/{name}"


def render(source: str) -> str:
    return render_local(source, mention_urls=MENTION_URLS, tag_url=tag_url)


# --- mentions ---------------------------------------------------------------------------------


def test_local_and_remote_mentions_are_found_in_order() -> None:
    """Bare, remote and port-qualified handles are all recognised as mentions."""
    refs = extract_mentions("hi @bob, @alice@Remote.Example and @carol@localhost:8001!")

    assert refs == [
        MentionRef(username="bob", domain=None, text="@bob"),
        MentionRef(username="alice", domain="remote.example", text="@alice@Remote.Example"),
        MentionRef(username="carol", domain="localhost:8001", text="@carol@localhost:8001"),
    ]
    assert [r.acct for r in refs] == ["bob", "alice@remote.example", "carol@localhost:8001"]


def test_mentions_are_deduplicated_case_insensitively() -> None:
    """Mentioning someone twice notifies them once."""
    refs = extract_mentions("@Bob @bob @BOB@x.example @bob@X.example")

    assert [r.acct for r in refs] == ["bob", "bob@x.example"]
    assert refs[0].username == "Bob"


def test_remote_usernames_may_contain_dots_and_hyphens() -> None:
    """Remote handles like @first.last@host work; a sentence-ending dot is not part of them."""
    refs = extract_mentions("cc @first.last@host.example. and @bob.")

    assert [r.acct for r in refs] == ["first.last@host.example", "bob"]


def test_email_addresses_urls_and_code_are_not_mentions() -> None:
    """Addresses, profile links and code samples do not notify anyone."""
    source = (
        "write to me@example.com or see https://mastodon.social/@bob\n\n"
        "`@bob` and\n\n```\n@alice@remote.example\n```\n\n[@carol](https://x.example/)"
    )

    assert extract_mentions(source) == []


def test_known_mentions_are_linked_like_mastodon() -> None:
    """A known account becomes an h-card link showing only its username."""
    html = render("hello @bob and @Bob@LocalHost:8001")

    assert html == (
        '<p>hello <span class="h-card"><a href="https://here.example/@bob" class="u-url mention" '
        f"{REL}>@<span>bob</span></a></span> and "
        '<span class="h-card"><a href="http://localhost:8001/users/bob" class="u-url mention" '
        f"{REL}>@<span>Bob</span></a></span></p>"
    )


def test_unknown_mentions_stay_plain_text() -> None:
    """A handle that could not be resolved is shown as typed, without a link."""
    assert render("hi @nobody and @x@y.example") == "<p>hi @nobody and @x@y.example</p>"


def test_mentions_inside_code_are_not_linked() -> None:
    """Code spans show @bob literally."""
    assert render("`@bob`") == "<p><code>@bob</code></p>"


# --- hashtags ---------------------------------------------------------------------------------


def test_hashtags_are_normalised_and_deduplicated() -> None:
    """#Café, #CAFÉ and full-width #ｆｕｌｌ become one lowercase, NFKC name each."""
    tags = extract_hashtags("#Café #CAFÉ #ｆｕｌｌ #日本語 #snake_case #1st")

    assert tags == ["café", "full", "日本語", "snake_case", "1st"]


def test_a_line_starting_with_a_hashtag_is_not_a_heading() -> None:
    """Starting a post with #topic links the tag instead of making a huge heading."""
    html = render("#Topic is great\n#another")

    assert html == (
        '<p><a href="https://here.example/tags/topic" class="mention hashtag" '
        'rel="tag nofollow noopener noreferrer" target="_blank">#<span>Topic</span></a>'
        ' is great<br><a href="https://here.example/tags/another" class="mention hashtag" '
        'rel="tag nofollow noopener noreferrer" target="_blank">#<span>another</span></a></p>'
    )


def test_real_headings_become_bold_paragraphs() -> None:
    """`# Title` renders as bold text, since posts carry no h1-h6."""
    assert render("# Title\n\nbody") == "<p><strong>Title</strong></p><p>body</p>"


def test_not_hashtags() -> None:
    """URL fragments, a#b, numbers, escapes and code are not hashtags."""
    source = "https://x.example/#frag a#b #123 \\#escaped `#code` &#35;entity"

    assert extract_hashtags(source) == []
    assert 'class="mention hashtag"' not in render(source)


# --- rendering ------------------------------------------------------------------------------


def test_single_newlines_become_line_breaks() -> None:
    """One newline breaks the line; a blank line starts a new paragraph."""
    assert render("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


def test_bare_urls_are_linked_with_rel() -> None:
    """A pasted URL becomes a link that opens safely in a new tab; the final dot stays outside."""
    html = render("see https://example.com/a_(b)?x=1&y=2.")

    assert html == (
        '<p>see <a href="https://example.com/a_(b)?x=1&amp;y=2" '
        f"{REL}>https://example.com/a_(b)?x=1&amp;y=2</a>.</p>"
    )


def test_markdown_links_get_rel() -> None:
    """Markdown links get the same rel and target as bare URLs."""
    assert render("[site](https://example.com)") == (
        f'<p><a href="https://example.com" {REL}>site</a></p>'
    )


def test_text_without_scheme_is_not_linked() -> None:
    """File names and bare domains are left alone (Mastodon links only http(s) URLs)."""
    assert render("edit text.py on www.example.com") == "<p>edit text.py on www.example.com</p>"


def test_basic_formatting_survives() -> None:
    """Emphasis, strike-through, lists, quotes and fenced code render."""
    html = render("**b** _i_ ~~gone~~\n\n> quote\n\n- a\n- b\n\n```\n<x> @bob\n```")

    assert html == (
        "<p><strong>b</strong> <em>i</em> <del>gone</del></p>"
        "<blockquote><p>quote</p></blockquote><ul><li>a</li><li>b</li></ul>"
        "<pre><code>&lt;x&gt; @bob\n</code></pre>"
    )


def test_renderer_keeps_no_state_between_posts() -> None:
    """A link reference defined in one post does not resolve in the next one."""
    render("[x]\n\n[x]: https://a.example/")

    assert render("[x]") == "<p>[x]</p>"


# --- XSS ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="//evil.example"></iframe>',
    ],
)
def test_typed_html_is_shown_as_text(source: str) -> None:
    """HTML typed in a post is displayed literally and never interpreted."""
    html = render(source)

    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<a " not in html
    assert "&lt;" in html
    assert plain_text(html) == source


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](javascript:alert(1))",
    ],
)
def test_dangerous_link_targets_are_removed(source: str) -> None:
    """Markdown links to javascript: or data: URLs lose their href."""
    html = render(source)

    assert "href" not in html
    assert "javascript" not in html.lower()


# --- remote HTML ----------------------------------------------------------------------------


def test_sanitize_remote_drops_scripts_with_their_content() -> None:
    """Scripts, styles, iframes and SVG from other servers vanish entirely."""
    html = sanitize_remote(
        "<p>Hi <script>alert('x')</script><style>p{color:red}</style>"
        "<iframe src='https://evil.example'>inner</iframe><svg><script>1</script></svg>there</p>"
    )

    assert html == "<p>Hi there</p>"


def test_sanitize_remote_strips_handlers_and_bad_links() -> None:
    """Event handlers, images and javascript: links are removed; safe text stays."""
    html = sanitize_remote(
        '<img src=x onerror=alert(1)><a href="javascript:alert(1)" onclick="x()">j</a>'
        '<a href=" JaVaScRiPt:alert(1)">k</a><a href="&#x6A;avascript:1">l</a>'
        '<p style="x" onmouseover="y">text</p>'
    )

    assert html == "<a>j</a><a>k</a><a>l</a><p>text</p>"


def test_sanitize_remote_keeps_mastodon_markup() -> None:
    """Mentions and hashtags from Mastodon keep their classes; links gain rel and target."""
    html = sanitize_remote(
        '<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention">'
        '@<span>a</span></a></span> <a href="https://m.example/tags/x" class="mention hashtag" '
        'rel="tag">#<span>x</span></a> <span class="invisible">https://</span></p>'
    )

    assert html == (
        '<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention" '
        f'{REL}>@<span>a</span></a></span> <a href="https://m.example/tags/x" '
        'class="mention hashtag" rel="tag nofollow noopener noreferrer" target="_blank">'
        '#<span>x</span></a> <span class="invisible">https://</span></p>'
    )


def test_sanitize_remote_filters_classes_and_list_numbers() -> None:
    """Unknown classes and non-numeric list attributes are dropped."""
    html = sanitize_remote(
        '<span class="evil mention big">s</span><ol start="3" reversed onclick="x">'
        '<li value="x">a</li><li value="5">b</li></ol><div class="h-card">d</div>'
    )

    assert html == (
        '<span class="mention">s</span><ol start="3" reversed="reversed">'
        '<li>a</li><li value="5">b</li></ol>\nd'
    )


def test_sanitize_remote_escapes_broken_markup() -> None:
    """Tag-splitting tricks end up as harmless text."""
    assert "<script" not in sanitize_remote("<scr<script>ipt>alert(1)</script>")
    assert sanitize_remote("<b><i>unclosed") == "<b><i>unclosed</i></b>"


# --- length ---------------------------------------------------------------------------------


def test_urls_count_as_23_characters() -> None:
    """Long and short URLs cost the same 23 characters."""
    assert count_length("https://example.com/" + "a" * 200) == 23
    assert count_length("see http://a.b") == 4 + 23


def test_remote_mentions_count_only_the_username() -> None:
    """@bob@some.long.domain.example costs as much as @bob."""
    assert count_length("@bob@some.long.domain.example hi") == len("@bob hi")
    assert count_length("@bob@localhost:8001") == len("@bob")


def test_emoji_count_as_one_character() -> None:
    """Skin-tone emoji, ZWJ families, flags and combining accents count once."""
    assert count_length("👍🏽") == 1
    assert count_length("👨‍👩‍👧‍👦") == 1
    assert count_length("🇫🇷") == 1
    assert count_length("e\u0301") == 1


def test_content_warning_is_added_to_the_length() -> None:
    """The content warning counts against the limit together with the body."""
    assert post_length("hello", "cw 👨‍👩‍👧‍👦") == 5 + 4
    assert post_length("https://example.com/long/path", "") == 23


# --- plain text ---------------------------------------------------------------------------


def test_plain_text_keeps_line_structure() -> None:
    """Notification previews show breaks and paragraphs as newlines and decode entities."""
    assert plain_text("<p>a<br>b</p><p>c &amp; d &lt;e&gt;</p>") == "a\nb\n\nc & d <e>"


def test_plain_text_of_rendered_post() -> None:
    """A rendered post's text reads like its source."""
    assert plain_text(render("hi @bob #Tag\nbye")) == "hi @bob #Tag\nbye"


# --- one Markdown pass, fast sanitizing --------------------------------------------------------


def test_analyse_finds_mentions_and_hashtags_and_renders_from_the_same_pass() -> None:
    """One analysis gives what extract_mentions, extract_hashtags and render_local give."""
    source = "hi @bob, @alice@Remote.Example #Tag **b** `@carol #code` #tag"
    analysis = analyse(source)

    assert list(analysis.mentions) == extract_mentions(source)
    assert [r.acct for r in analysis.mentions] == ["bob", "alice@remote.example"]
    assert list(analysis.hashtags) == extract_hashtags(source) == ["tag"]
    assert analysis.render(mention_urls=MENTION_URLS, tag_url=tag_url) == render(source)


def test_each_rendering_uses_its_own_mention_urls() -> None:
    """The analysis of a text is reused; which mentions resolve is decided per rendering."""
    source = "hi @bob"

    assert render_local(source, mention_urls={}, tag_url=tag_url) == "<p>hi @bob</p>"
    assert 'class="h-card"' in render(source)
    assert render_local(source, mention_urls={}, tag_url=tag_url) == "<p>hi @bob</p>"


def test_plain_posts_render_like_markdown() -> None:
    """A post without Markdown syntax (here with CRLF newlines) still gets paragraphs and links."""
    html = render("@bob see #this: https://example.com/x\r\nline two\r\n\r\n\r\nnext one\n")

    assert html == (
        '<p><span class="h-card"><a href="https://here.example/@bob" class="u-url mention" '
        f'{REL}>@<span>bob</span></a></span> see <a href="https://here.example/tags/this" '
        'class="mention hashtag" rel="tag nofollow noopener noreferrer" target="_blank">'
        f'#<span>this</span></a>: <a href="https://example.com/x" {REL}>https://example.com/x</a>'
        "<br>line two</p><p>next one</p>"
    )


def _markdown_html(source: str) -> str:
    """The HTML the sanitizer gets for a post (white-box: fedi.text's own pipeline)."""
    urls = {acct.lower(): url for acct, url in MENTION_URLS.items()}
    return "".join(
        part if isinstance(part, str) else part.html(urls, tag_url)
        for part in analyse(source).slotted_html
    )


def _bleach(html: str) -> str:
    cleaned: str = text._tools().local.clean(html)
    return cleaned


TYPICAL_POSTS = [
    "just having coffee this morning",
    "hello @bob #tag number 5 with a https://example.com/link and **bold** text",
    "Tom & Jerry <3 \"quotes\" and 'apostrophes' at https://example.com/a_(b)?x=1&y=2.",
    "Here is how:\n\n```python\ndef f(x):\n    return x < 2  # @bob\n```\n\nworks `a & b`",
    "# Title\n\n> quoted @alice@remote.example\n\n- one\n- two *em*\n\n3. three\n4. four",
    'see [the docs](https://example.com/docs?a=1&b=2 "title") and ~~old~~ news\n\n---\n\nbye',
    "![a cat](https://example.com/cat.png) #Café #日本語 <https://example.com/auto>",
]
TRICKY_POSTS = [
    "&copy; &amp;copy; https://x.example/?q=&amp;copy;x &#35;tag &quot;q&quot;",
    "R&amp;D; &amp;#\u2028; https://x.example/?a=1&amp;#x;b",
    "[![i](https://img.example/i)](https://h.example/)",
    "[x](javascript:alert(1)) [y](/relative) [z](http://[broken) <a@b.example>",
    "<script>alert(1)</script> <b>bold</b> <!-- c --> \x00\x01 \x7f",
    "@bob.-https://x.example @a@b.https://x.example `https://code.example`",
    "\n\n---\n\n***\n\n    indented https://x.example\n\n1. a\n\n   b",
]


@pytest.mark.parametrize("source", TYPICAL_POSTS + TRICKY_POSTS)
def test_fast_sanitizer_gives_exactly_bleachs_output_or_declines(source: str) -> None:
    """The fast path for our own Markdown's HTML is bleach's output byte for byte, when taken."""
    html = _markdown_html(source)
    fast = text._FAST.clean(html)

    assert fast is None or fast == _bleach(html)
    assert render(source) == _bleach(html)


@pytest.mark.parametrize("source", TYPICAL_POSTS)
def test_typical_posts_take_the_fast_path(source: str) -> None:
    """Ordinary posts do not need the html5lib round trip."""
    assert text._FAST.clean(_markdown_html(source)) is not None


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" https://x.example">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<p>a<em>b</p></em>",
        "<p><p>nested</p></p>",
        '<a href="https://a.example"><a href="https://b.example">x</a></a>',
        "<p>a &copy; b</p>",
        "<p>a > b</p>",
        "<p>\x00</p>",
        "<p>unclosed",
        "<div>x</div>",
        '<p title="t" x=y>a</p>',
    ],
)
def test_fast_sanitizer_declines_what_it_does_not_fully_understand(html: str) -> None:
    """Anything outside the plain shape of Markdown's output is left to bleach."""
    assert text._FAST.clean(html) is None


def test_fast_sanitizer_drops_attributes_and_polices_links() -> None:
    """Attributes off the allowlist vanish; links get rel and target; classes are filtered."""
    html = (
        '<p class="x" id="y">a <span class="h-card evil">b</span> '
        '<a class="u-url" href="https://x.example/?a=1&amp;b=2" title="t" rel="me">c</a></p>'
    )

    assert (
        text._FAST.clean(html)
        == _bleach(html)
        == (
            '<p>a <span class="h-card">b</span> <a href="https://x.example/?a=1&amp;b=2" '
            f'class="u-url" {REL}>c</a></p>'
        )
    )
