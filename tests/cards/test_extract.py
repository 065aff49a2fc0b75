"""Reading pages and posts for cards (pure): which link gets a card, what a page says about
itself, and how much of an oEmbed answer we keep."""

from __future__ import annotations

import json

from fedi.cards.extract import decode_html, parse_oembed, parse_page, safe_iframe
from fedi.cards.links import first_link, normalise_url

LOCAL = "social.example"


def test_the_first_plain_link_gets_the_card_not_mentions_or_hashtags() -> None:
    """Mentions (h-card, u-url, mention class), hashtags (rel=tag) and our own pages are skipped."""
    html = (
        '<p><span class="h-card"><a href="https://far.example/@bob" class="u-url mention">'
        "@<span>bob</span></a></span> "
        '<a href="https://social.example/tags/cats" class="mention hashtag" rel="tag">#cats</a> '
        '<a href="https://social.example/@carol/1">our own page</a> '
        '<a href="mailto:someone@example.com">mail</a> '
        '<a href="https://news.example/story?id=7#comments">a story</a> '
        '<a href="https://other.example/">another</a></p>'
    )
    assert first_link(html, local_host=LOCAL) == "https://news.example/story?id=7"


def test_a_link_to_a_mentioned_account_or_the_authors_profile_pages_is_skipped() -> None:
    """Another server's mention markup without classes, and profile links of the author's own
    server, are not cards."""
    html = (
        '<p><a href="https://far.example/users/bob">@bob</a> '
        '<a href="https://far.example/@dave">@dave</a> '
        '<a href="https://far.example/blog/post-1">my blog</a></p>'
    )
    found = first_link(
        html,
        local_host=LOCAL,
        author_host="far.example",
        mention_urls={"https://far.example/users/bob"},
    )
    assert found == "https://far.example/blog/post-1"
    assert first_link("<p>no links here</p>", local_host=LOCAL) is None


def test_only_http_urls_are_normalised() -> None:
    """Scheme and host are lowercased, fragments dropped; other schemes and credentials refused."""
    assert normalise_url("HTTPS://News.Example/A?b=1#x") == "https://news.example/A?b=1"
    assert normalise_url("https://news.example:443") == "https://news.example/"
    assert normalise_url("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080/x"
    for bad in ("javascript:alert(1)", "ftp://x.example/", "https://user:pw@x.example/", "//x"):
        assert normalise_url(bad) is None


def test_opengraph_tags_win_and_relative_urls_become_absolute() -> None:
    """og:* first, then twitter:*, then <title>/description; image URLs resolved on the page."""
    page = """<html lang="de-AT"><head><title>Plain title</title>
    <meta name="description" content="Plain description">
    <meta name="twitter:title" content="Twitter title">
    <meta property="og:title" content="  OpenGraph   title ">
    <meta property="og:site_name" content="The Site">
    <meta name="twitter:image" content="img/pic.png">
    <meta property="og:image:alt" content="A picture">
    <meta property="article:published_time" content="2026-11-20T11:00:00+01:00">
    <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
    </head><body></body></html>"""
    meta = parse_page(page, "https://blog.example/posts/1")
    assert meta.title == "OpenGraph title"
    assert meta.description == "Plain description"
    assert meta.site_name == "The Site"
    assert meta.image == "https://blog.example/posts/img/pic.png"
    assert meta.image_description == "A picture"
    assert meta.published_at == "2026-11-20T10:00:00.000Z"
    assert meta.language == "de"
    assert meta.oembed_url == "https://blog.example/oembed?url=x"
    assert meta.url == "https://blog.example/posts/1"


def test_a_page_without_meta_tags_uses_its_title_and_a_foreign_canonical_is_ignored() -> None:
    """The <title> is the fallback; og:url on another host cannot redirect the card elsewhere."""
    page = (
        '<html><head><title>Just a title</title><meta property="og:url" '
        'content="https://evil.example/"></head><body><svg><title>icon</title></svg></body></html>'
    )
    meta = parse_page(page, "https://plain.example/page")
    assert meta.title == "Just a title"
    assert meta.url == "https://plain.example/page"
    assert meta.image == "" and meta.description == ""


def test_the_charset_comes_from_the_header_or_the_page() -> None:
    """A Latin-1 page is decoded by its Content-Type or its <meta charset>."""
    body = '<meta charset="iso-8859-1"><title>Café</title>'.encode("latin-1")
    assert "Café" in decode_html(body, "text/html")
    assert "Café" in decode_html(
        "<title>Café</title>".encode("latin-1"), "text/html; charset=latin-1"
    )
    assert "Caf" in decode_html(b"<title>Caf\xe9</title>", "text/html; charset=unknown-thing")


def test_an_oembed_iframe_is_rebuilt_only_on_the_sites_own_domain() -> None:
    """The frame we keep is ours (sandboxed, https, only src/size); script or a foreign frame is
    dropped and the card becomes a plain link."""
    good = json.dumps(
        {
            "type": "video",
            "title": "A film",
            "author_name": "Director",
            "provider_name": "Tube",
            "html": '<iframe src="https://player.tube.example/embed/1" width="640" height="360"'
            ' onload="steal()"></iframe><script>evil()</script>',
            "width": 640,
            "height": 360,
            "thumbnail_url": "https://tube.example/thumb.jpg",
        }
    ).encode()
    embed = parse_oembed(
        good, page_url="https://tube.example/watch/1", endpoint_url="https://tube.example/oembed"
    )
    assert embed is not None and embed.type == "video"
    assert embed.html.startswith('<iframe src="https://player.tube.example/embed/1"')
    assert "onload" not in embed.html and "<script" not in embed.html and "sandbox=" in embed.html
    assert embed.embed_url == "https://player.tube.example/embed/1"
    assert (embed.width, embed.height) == (640, 360)

    foreign = json.dumps(
        {"type": "rich", "title": "x", "html": '<iframe src="https://evil.example/"></iframe>'}
    ).encode()
    plain = parse_oembed(
        foreign, page_url="https://tube.example/watch/2", endpoint_url="https://tube.example/o"
    )
    assert plain is not None and plain.type == "link" and plain.html == ""
    assert safe_iframe(
        '<iframe src="http://tube.example/e"></iframe>',
        page_url="https://tube.example/",
        endpoint_url="https://tube.example/o",
    ) == ("", "", 0, 0)
    assert parse_oembed(b"not json", page_url="https://a.example/", endpoint_url="x") is None
