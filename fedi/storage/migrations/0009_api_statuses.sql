-- Client API (issue 4): bookmarks, conversation mutes, Idempotency-Key replays, the app a post
-- was written with, and per-account counts kept by triggers (every Account entity shows them,
-- and counting on read would cost one index scan per account per page).

-- A local account's bookmarks; `id` is the hidden paging id of GET /api/v1/bookmarks.
CREATE TABLE bookmarks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, post_id)
);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);
CREATE INDEX bookmarks_post ON bookmarks (post_id);

-- Muted conversations: `thread_id` is the thread's root post id (thread_root_id, or the post's
-- own id for a thread start). No notification about a post of a muted thread reaches the account.
CREATE TABLE status_mutes (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
) WITHOUT ROWID;

CREATE TRIGGER notifications_not_from_muted_threads BEFORE INSERT ON notifications
WHEN NEW.post_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM posts p JOIN status_mutes m
        ON m.account_id = NEW.account_id AND m.thread_id = coalesce(p.thread_root_id, p.id)
    WHERE p.id = NEW.post_id
)
BEGIN
    SELECT RAISE(IGNORE);
END;

-- Idempotency-Key of POST /api/v1/statuses: the same key from the same user within an hour
-- answers with the post made the first time. post_id is NULL while the first request runs.
CREATE TABLE idempotency_keys (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- The app a local post was written with (Status.application).
CREATE TABLE post_apps (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    app_id   INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE
);

-- Counts shown on every Account entity. statuses: live posts that are not boosts.
CREATE TABLE account_stats (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count   INTEGER NOT NULL DEFAULT 0,
    followers_count  INTEGER NOT NULL DEFAULT 0,
    following_count  INTEGER NOT NULL DEFAULT 0,
    last_status_at   TEXT
);

INSERT INTO account_stats (account_id, statuses_count, last_status_at)
    SELECT account_id, count(*), max(created_at) FROM posts
    WHERE deleted_at IS NULL AND reblog_of_id IS NULL GROUP BY account_id;
INSERT INTO account_stats (account_id, followers_count)
    SELECT target_account_id, count(*) FROM follows WHERE state = 'accepted'
    GROUP BY target_account_id
    ON CONFLICT (account_id) DO UPDATE SET followers_count = excluded.followers_count;
INSERT INTO account_stats (account_id, following_count)
    SELECT account_id, count(*) FROM follows WHERE state = 'accepted' GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE SET following_count = excluded.following_count;

CREATE TRIGGER account_stats_post_added AFTER INSERT ON posts
WHEN NEW.deleted_at IS NULL AND NEW.reblog_of_id IS NULL
BEGIN
    INSERT INTO account_stats (account_id, statuses_count, last_status_at)
        VALUES (NEW.account_id, 1, NEW.created_at)
        ON CONFLICT (account_id) DO UPDATE SET statuses_count = statuses_count + 1,
            last_status_at = max(coalesce(last_status_at, ''), excluded.last_status_at);
END;

CREATE TRIGGER account_stats_post_deleted AFTER UPDATE OF deleted_at ON posts
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND NEW.reblog_of_id IS NULL
BEGIN
    UPDATE account_stats SET statuses_count = max(statuses_count - 1, 0)
        WHERE account_id = NEW.account_id;
END;

CREATE TRIGGER account_stats_post_removed AFTER DELETE ON posts
WHEN OLD.deleted_at IS NULL AND OLD.reblog_of_id IS NULL
BEGIN
    UPDATE account_stats SET statuses_count = max(statuses_count - 1, 0)
        WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows
WHEN NEW.state = 'accepted'
BEGIN
    INSERT INTO account_stats (account_id, followers_count) VALUES (NEW.target_account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET followers_count = followers_count + 1;
    INSERT INTO account_stats (account_id, following_count) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET following_count = following_count + 1;
END;

CREATE TRIGGER account_stats_follow_accepted AFTER UPDATE OF state ON follows
WHEN OLD.state <> 'accepted' AND NEW.state = 'accepted'
BEGIN
    INSERT INTO account_stats (account_id, followers_count) VALUES (NEW.target_account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET followers_count = followers_count + 1;
    INSERT INTO account_stats (account_id, following_count) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET following_count = following_count + 1;
END;

CREATE TRIGGER account_stats_follow_removed AFTER DELETE ON follows
WHEN OLD.state = 'accepted'
BEGIN
    UPDATE account_stats SET followers_count = max(followers_count - 1, 0)
        WHERE account_id = OLD.target_account_id;
    UPDATE account_stats SET following_count = max(following_count - 1, 0)
        WHERE account_id = OLD.account_id;
END;
