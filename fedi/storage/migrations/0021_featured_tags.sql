-- Featured hashtags (issue 4, Mastodon "featured tags"): hashtags an account shows on its
-- profile, each linking to its posts with that tag. `tag` is the normalised form used by
-- post_tags (NFKC, lower case); `name` is how the owner wrote it, shown as is. The counts shown
-- (posts and the last one's date) are computed from post_tags when read, so they never drift.
CREATE TABLE featured_tags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, tag)
);
