-- The client API's per-user state (issue 4): lists, keyword filters, read markers, followed
-- hashtags, direct-conversation read state, user-level domain blocks, dismissed suggestions, and
-- the category/forwarded facts of reports filed through the API.

-- Lists of followed accounts. replies_policy: followed | list | none (Mastodon's). An exclusive
-- list's members are meant to stay out of the home feed (see fedi/lists.py).
CREATE TABLE lists (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    replies_policy  TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- `id` orders the members for paging (Link headers carry it, as Mastodon's list_accounts id).
CREATE TABLE list_accounts (
    list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    PRIMARY KEY (list_id, account_id)
) WITHOUT ROWID;
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);

-- Only followed accounts can be list members: an unfollow (or a block, which ends follows) takes
-- the account out of the follower's lists, whichever path deletes the follow.
CREATE TRIGGER list_accounts_follow_gone AFTER DELETE ON follows
BEGIN
    DELETE FROM list_accounts WHERE account_id = OLD.target_account_id
        AND list_id IN (SELECT id FROM lists WHERE account_id = OLD.account_id);
END;

-- Keyword/status filters (Mastodon v2). context: space-separated subset of
-- home notifications public thread account; filter_action: warn | hide | blur.
CREATE TABLE filters (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    context        TEXT NOT NULL,
    filter_action  TEXT NOT NULL DEFAULT 'warn' CHECK (filter_action IN ('warn', 'hide', 'blur')),
    expires_at     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

-- A keyword row is also what the v1 filter API calls a filter (its id is the v1 filter id).
CREATE TABLE filter_keywords (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword     TEXT NOT NULL,
    whole_word  INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (filter_id, post_id)
);
CREATE INDEX filter_statuses_post ON filter_statuses (post_id);

-- Reading positions synced between apps (timeline: home | notifications).
CREATE TABLE markers (
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline      TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id  INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
) WITHOUT ROWID;

-- Hashtags a local account follows (tag: the normalised form, as in post_tags).
CREATE TABLE followed_tags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, tag)
);
CREATE INDEX followed_tags_tag ON followed_tags (tag, account_id);

-- Fan-in of followed hashtags: a live, public, original post (local or remote) that gets a
-- hashtag lands in the home feed of every local account following that hashtag, whichever path
-- stores the tag (compose, edit, inbox). The home_feed triggers still keep out blocked authors.
CREATE TRIGGER followed_tags_fan_in AFTER INSERT ON post_tags
WHEN EXISTS (SELECT 1 FROM followed_tags WHERE tag = NEW.tag)
BEGIN
    INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id)
    SELECT ft.account_id, p.id, p.account_id
    FROM followed_tags ft JOIN posts p ON p.id = NEW.post_id
    WHERE ft.tag = NEW.tag AND p.visibility = 'public' AND p.deleted_at IS NULL
        AND p.reblog_of_id IS NULL;
END;

-- Per-account state of direct conversations (threads of direct posts, keyed by thread root):
-- read up to a post id, and hidden up to a post id (a newer message shows it again).
CREATE TABLE conversation_marks (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    root_id        INTEGER NOT NULL,
    read_up_to     INTEGER NOT NULL DEFAULT 0,
    hidden_up_to   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, root_id)
) WITHOUT ROWID;

-- Domains a user hides: no posts of that domain's accounts in their home feed and no
-- notifications from them (the triggers), and reads leave them out.
CREATE TABLE account_domain_blocks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, domain)
);

CREATE TRIGGER home_feed_not_from_blocked_domains BEFORE INSERT ON home_feed
WHEN EXISTS (
    SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = NEW.author_id
    WHERE d.account_id = NEW.account_id AND d.domain = a.domain
)
BEGIN
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER notifications_not_from_blocked_domains BEFORE INSERT ON notifications
WHEN EXISTS (
    SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = NEW.from_account_id
    WHERE d.account_id = NEW.account_id AND d.domain = a.domain
)
BEGIN
    SELECT RAISE(IGNORE);
END;

-- Accounts a user does not want suggested again.
CREATE TABLE suggestion_dismissals (
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at         TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
) WITHOUT ROWID;

-- Reports filed through the API carry Mastodon's category and whether a copy went to the
-- reported account's server.
ALTER TABLE reports ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE reports ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
