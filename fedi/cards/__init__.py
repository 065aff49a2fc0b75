"""Link preview cards: the first link of a post fetched in the background, shown as a card.

`links` picks the link (pure), `extract` reads OpenGraph/Twitter/HTML meta and oEmbed (pure),
`fetch` gets the page through the SSRF-guarded client, `service` runs the `card_fetch` job and
answers reads (cards per post, link trends).
"""
