-- Instance announcements (issue 4), the options of a follow (boosts shown, new posts notified,
-- languages) and the profile options Mastodon apps send (indexable, hidden collections, posting
-- defaults).

-- Announcements written by administrators. published_at IS NULL: a draft (or unpublished).
-- Shown to users while published and not ended (ends_at IS NULL or in the future); starts_at /
-- ends_at / all_day describe the event the announcement is about. content_html is rendered once;
-- mention_ids (local accounts) and tags are JSON arrays found when it was rendered.
CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    text          TEXT NOT NULL,
    content_html  TEXT NOT NULL,
    mention_ids   TEXT NOT NULL DEFAULT '[]',
    tags          TEXT NOT NULL DEFAULT '[]',
    starts_at     TEXT,
    ends_at       TEXT,
    all_day       INTEGER NOT NULL DEFAULT 0,
    published_at  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX announcements_published ON announcements (published_at) WHERE published_at IS NOT NULL;

-- Announcements an account has dismissed (`read` in the API, the banner's "Dismiss").
CREATE TABLE announcement_reads (
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    announcement_id  INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, announcement_id)
) WITHOUT ROWID;

-- Emoji reactions to announcements (unicode emoji), one row per account and emoji.
CREATE TABLE announcement_reactions (
    announcement_id  INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (announcement_id, name, account_id)
) WITHOUT ROWID;

-- Follow options (POST /api/v1/accounts/:id/follow): show the account's boosts in the
-- follower's home feed, notify the follower of the account's new posts, and only these
-- languages (a JSON array; NULL: every language).
ALTER TABLE follows ADD COLUMN show_reblogs INTEGER NOT NULL DEFAULT 1;
ALTER TABLE follows ADD COLUMN notify INTEGER NOT NULL DEFAULT 0;
ALTER TABLE follows ADD COLUMN languages TEXT;
-- Who hears of an account's new posts: one small index scan per post.
CREATE INDEX follows_notify ON follows (target_account_id) WHERE notify = 1;

-- Whichever path writes a home feed row (local posts and boosts, the inbox, the backfill of a
-- new follow), a followed account's boosts stay out when the follower hid them, and its posts
-- in other languages stay out when the follower chose languages. The cheap follow lookup comes
-- first, so the post is read only for follows with options set.
CREATE TRIGGER home_feed_follow_options BEFORE INSERT ON home_feed
WHEN EXISTS (
    SELECT 1 FROM follows f
    WHERE f.account_id = NEW.account_id AND f.target_account_id = NEW.author_id
        AND (f.show_reblogs = 0 OR f.languages IS NOT NULL)
        AND EXISTS (
            SELECT 1 FROM posts p WHERE p.id = NEW.post_id AND (
                (f.show_reblogs = 0 AND p.reblog_of_id IS NOT NULL)
                OR (f.languages IS NOT NULL AND p.reblog_of_id IS NULL AND p.language IS NOT NULL
                    AND lower(p.language) NOT IN (SELECT lower(value) FROM json_each(f.languages)))
            )
        )
)
BEGIN
    SELECT RAISE(IGNORE);
END;

-- Profile options. indexable NULL: as discoverable (accounts stored before this column).
ALTER TABLE accounts ADD COLUMN indexable INTEGER;
ALTER TABLE accounts ADD COLUMN hide_collections INTEGER NOT NULL DEFAULT 0;

-- Posting defaults of local users: new posts sensitive, and their language ('' : none).
ALTER TABLE users ADD COLUMN default_sensitive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN default_language TEXT NOT NULL DEFAULT '';
