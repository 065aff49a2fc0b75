-- Link preview cards (issue 4, SHOULD tier): the first link of a post, fetched in the background,
-- becomes a card shared by every post linking the same URL (Mastodon's PreviewCard), and link
-- trends count the distinct accounts sharing a card in recent public posts.

-- One card per URL (the link as written in posts). `state`: 'pending' until the first fetch,
-- 'ready' with what the page said, 'failed' when it could not be had (kept so the URL is not
-- fetched again on every post; retried after a while). Refetched when `fetched_at` is 2 weeks old.
CREATE TABLE preview_cards (
    id                INTEGER PRIMARY KEY,
    url               TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    card_url          TEXT NOT NULL DEFAULT '',   -- what the card links to (og:url or the final URL)
    title             TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    author_name       TEXT NOT NULL DEFAULT '',
    author_url        TEXT NOT NULL DEFAULT '',
    provider_name     TEXT NOT NULL DEFAULT '',
    provider_url      TEXT NOT NULL DEFAULT '',
    html              TEXT NOT NULL DEFAULT '',   -- oEmbed embed, reduced to one allowlisted iframe
    width             INTEGER NOT NULL DEFAULT 0,
    height            INTEGER NOT NULL DEFAULT 0,
    embed_url         TEXT NOT NULL DEFAULT '',
    image_url         TEXT NOT NULL DEFAULT '',   -- the remote image the page named
    image_media_id    INTEGER REFERENCES media (id) ON DELETE SET NULL,  -- our cached copy
    image_description TEXT NOT NULL DEFAULT '',
    language          TEXT,
    published_at      TEXT,
    host              TEXT NOT NULL DEFAULT '',   -- lowercase host of `url` (trends leave blocked domains out)
    error             TEXT NOT NULL DEFAULT '',
    fetched_at        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX preview_cards_image ON preview_cards (image_media_id) WHERE image_media_id IS NOT NULL;

-- Which card a post shows (its first eligible link). Post ids are time-sortable, so link trends
-- read recent rows through `post_cards_card` by card and post id range.
CREATE TABLE post_cards (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    card_id  INTEGER NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
CREATE INDEX post_cards_card ON post_cards (card_id, post_id);
