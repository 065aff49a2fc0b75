-- Inbound federation (issue 3): reports received as Flag, pinned posts of remote actors, and the
-- ids of remote objects deleted before we saw them (Delete-before-Create).

-- Moderation reports. account_id is the reporter: a local user, or a remote actor (a Flag usually
-- comes from the other server's instance actor). post_ids_json lists the reported posts' ids.
CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_ids_json      TEXT NOT NULL DEFAULT '[]',
    comment            TEXT NOT NULL DEFAULT '',
    uri                TEXT UNIQUE,
    created_at         TEXT NOT NULL,
    resolved_at        TEXT
);
CREATE INDEX reports_open ON reports (resolved_at, id);
CREATE INDEX reports_target ON reports (target_account_id, id);

-- Pinned posts of remote actors, kept from Add/Remove activities on their `featured` collection.
CREATE TABLE featured_posts (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, post_id)
) WITHOUT ROWID;
CREATE INDEX featured_posts_post ON featured_posts (post_id);

-- Remote objects whose Delete arrived before their Create: a late Create of one of these is
-- dropped. Rows older than a few hours may be purged.
CREATE TABLE deleted_uris (
    uri         TEXT PRIMARY KEY,
    deleted_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX deleted_uris_age ON deleted_uris (deleted_at);
