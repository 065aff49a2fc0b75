CREATE TRIGGER account_stats_follow_accepted AFTER UPDATE OF state ON follows
WHEN OLD.state <> 'accepted' AND NEW.state = 'accepted'
BEGIN
    INSERT INTO account_stats (account_id, followers_count) VALUES (NEW.target_account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET followers_count = followers_count + 1;
    INSERT INTO account_stats (account_id, following_count) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET following_count = following_count + 1;
END;
CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows
WHEN NEW.state = 'accepted'
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
CREATE TRIGGER followed_tags_fan_in AFTER INSERT ON post_tags
WHEN EXISTS (SELECT 1 FROM followed_tags WHERE tag = NEW.tag)
BEGIN
    INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id)
    SELECT ft.account_id, p.id, p.account_id
    FROM followed_tags ft JOIN posts p ON p.id = NEW.post_id
    WHERE ft.tag = NEW.tag AND p.visibility = 'public' AND p.deleted_at IS NULL
        AND p.reblog_of_id IS NULL;
END;
CREATE TRIGGER home_feed_not_across_blocks BEFORE INSERT ON home_feed
WHEN EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.account_id AND target_account_id = NEW.author_id
) OR EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.author_id AND target_account_id = NEW.account_id
)
BEGIN
    SELECT RAISE(IGNORE);
END;
CREATE TRIGGER home_feed_not_from_blocked_domains BEFORE INSERT ON home_feed
WHEN EXISTS (
    SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = NEW.author_id
    WHERE d.account_id = NEW.account_id AND d.domain = a.domain
)
BEGIN
    SELECT RAISE(IGNORE);
END;
CREATE TRIGGER list_accounts_follow_gone AFTER DELETE ON follows
BEGIN
    DELETE FROM list_accounts WHERE account_id = OLD.target_account_id
        AND list_id IN (SELECT id FROM lists WHERE account_id = OLD.account_id);
END;
CREATE TRIGGER notifications_not_across_blocks BEFORE INSERT ON notifications
WHEN EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.account_id AND target_account_id = NEW.from_account_id
) OR EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.from_account_id AND target_account_id = NEW.account_id
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
CREATE TRIGGER notifications_not_from_muted_threads BEFORE INSERT ON notifications
WHEN NEW.post_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM posts p JOIN status_mutes m
        ON m.account_id = NEW.account_id AND m.thread_id = coalesce(p.thread_root_id, p.id)
    WHERE p.id = NEW.post_id
)
BEGIN
    SELECT RAISE(IGNORE);
END;
CREATE TABLE account_domain_blocks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, domain)
);
CREATE TABLE account_stats (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count   INTEGER NOT NULL DEFAULT 0,
    followers_count  INTEGER NOT NULL DEFAULT 0,
    following_count  INTEGER NOT NULL DEFAULT 0,
    last_status_at   TEXT
);
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    username          TEXT NOT NULL,
    domain            TEXT,
    uri               TEXT NOT NULL UNIQUE,
    url               TEXT NOT NULL DEFAULT '',
    actor_type        TEXT NOT NULL DEFAULT 'Person',
    display_name      TEXT NOT NULL DEFAULT '',
    note_source       TEXT NOT NULL DEFAULT '',
    note_html         TEXT NOT NULL DEFAULT '',
    fields_json       TEXT NOT NULL DEFAULT '[]',
    locked            INTEGER NOT NULL DEFAULT 0,
    discoverable      INTEGER NOT NULL DEFAULT 1,
    avatar_url        TEXT NOT NULL DEFAULT '',
    header_url        TEXT NOT NULL DEFAULT '',
    inbox_uri         TEXT NOT NULL DEFAULT '',
    shared_inbox_uri  TEXT NOT NULL DEFAULT '',
    outbox_uri        TEXT NOT NULL DEFAULT '',
    followers_uri     TEXT NOT NULL DEFAULT '',
    following_uri     TEXT NOT NULL DEFAULT '',
    featured_uri      TEXT NOT NULL DEFAULT '',
    public_key_id     TEXT NOT NULL DEFAULT '',
    public_key_pem    TEXT NOT NULL DEFAULT '',
    private_key_pem   TEXT,
    raw_json          TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    fetched_at        TEXT,
    suspended_at      TEXT,
    deleted_at        TEXT
, avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL, header_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL, avatar_description TEXT NOT NULL DEFAULT '', header_description TEXT NOT NULL DEFAULT '');
CREATE TABLE blocks (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                TEXT,
    created_at         TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE bookmarks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, post_id)
);
CREATE TABLE conversation_marks (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    root_id        INTEGER NOT NULL,
    read_up_to     INTEGER NOT NULL DEFAULT 0,
    hidden_up_to   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, root_id)
) WITHOUT ROWID;
CREATE TABLE deleted_uris (
    uri         TEXT PRIMARY KEY,
    deleted_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE email_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'change_email')),
    new_email   TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE TABLE featured_posts (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, post_id)
) WITHOUT ROWID;
CREATE TABLE filter_keywords (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword     TEXT NOT NULL,
    whole_word  INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE TABLE filter_statuses (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (filter_id, post_id)
);
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
CREATE TABLE followed_tags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, tag)
);
CREATE TABLE follows (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                TEXT,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at         TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE home_feed (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL,
    PRIMARY KEY (account_id, post_id)
) WITHOUT ROWID;
CREATE TABLE hosts (domain TEXT PRIMARY KEY, first_failure_at TEXT, last_failure_at TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0, unavailable_since TEXT, last_success_at TEXT);
CREATE TABLE idempotency_keys (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE TABLE invites (
    code        TEXT PRIMARY KEY,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    max_uses    INTEGER,
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'running', 'retry', 'done', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    locked_until     TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    dedupe_key       TEXT UNIQUE,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE TABLE likes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    uri         TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, post_id)
);
CREATE TABLE list_accounts (
    list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    PRIMARY KEY (list_id, account_id)
) WITHOUT ROWID;
CREATE TABLE lists (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    replies_policy  TEXT NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE TABLE login_history (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    success     INTEGER NOT NULL
);
CREATE TABLE markers (
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline      TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id  INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
) WITHOUT ROWID;
CREATE TABLE media (
    id               INTEGER PRIMARY KEY,        -- fedi.storage.ids.new_id(); API id as a string
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id          INTEGER REFERENCES posts (id) ON DELETE CASCADE,  -- NULL until attached
    position         INTEGER NOT NULL DEFAULT 0, -- order within the post
    kind             TEXT NOT NULL CHECK (kind IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    state            TEXT NOT NULL CHECK (state IN ('processing', 'ready', 'failed')),
    content_type     TEXT NOT NULL DEFAULT '',   -- of the stored file
    file_key         TEXT,                       -- MediaStore key of the stored (processed) file
    preview_key      TEXT,                       -- MediaStore key of the thumbnail/poster (image/jpeg or webp)
    size             INTEGER NOT NULL DEFAULT 0, -- bytes on disk (file + preview), for budgets
    description      TEXT NOT NULL DEFAULT '',   -- alt text
    focus_x          REAL NOT NULL DEFAULT 0,
    focus_y          REAL NOT NULL DEFAULT 0,
    blurhash         TEXT,
    meta_json        TEXT NOT NULL DEFAULT '{}', -- Mastodon `meta`: original/small {width,height,size,aspect}, duration...
    remote_url       TEXT,                       -- remote media: the original URL (NULL for local uploads)
    error            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    last_accessed_at TEXT,                       -- remote cache LRU
    source_key       TEXT                        -- MediaStore key of an upload waiting for the media worker
);
CREATE TABLE mutes (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications  INTEGER NOT NULL DEFAULT 1,
    expires_at          TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    post_id          INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    read_at          TEXT
);
CREATE TABLE oauth_apps (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    website        TEXT,
    redirect_uris  TEXT NOT NULL,            -- as registered, newline-separated, verbatim
    scopes         TEXT NOT NULL,            -- space-separated
    client_id      TEXT NOT NULL UNIQUE,
    client_secret  TEXT NOT NULL,            -- shown once to the app; kept to answer re-reads
    owner_id       INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL
);
CREATE TABLE oauth_codes (
    code_hash       TEXT PRIMARY KEY,
    app_id          INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    code_challenge  TEXT,
    challenge_method TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
) WITHOUT ROWID;
CREATE TABLE oauth_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    app_id       INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id   INTEGER REFERENCES accounts (id) ON DELETE CASCADE,  -- NULL: client_credentials
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE TABLE post_apps (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    app_id   INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE
);
CREATE TABLE post_edits (
    id               INTEGER PRIMARY KEY,
    post_id          INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    content_warning  TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL DEFAULT '',
    content_html     TEXT NOT NULL DEFAULT '',
    sensitive        INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL
);
CREATE TABLE post_mentions (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, account_id)
) WITHOUT ROWID;
CREATE TABLE post_tags (
    tag      TEXT NOT NULL,
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, post_id)
) WITHOUT ROWID;
CREATE TABLE posts (
    id                      INTEGER PRIMARY KEY,
    uri                     TEXT NOT NULL UNIQUE,
    url                     TEXT NOT NULL DEFAULT '',
    account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    local                   INTEGER NOT NULL,
    visibility              TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    in_reply_to_id          INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    in_reply_to_uri         TEXT,
    in_reply_to_account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    thread_root_id          INTEGER,
    content_warning         TEXT NOT NULL DEFAULT '',
    source                  TEXT NOT NULL DEFAULT '',
    content_html            TEXT NOT NULL DEFAULT '',
    language                TEXT,
    sensitive               INTEGER NOT NULL DEFAULT 0,
    reblog_of_id            INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    raw_json                TEXT,
    created_at              TEXT NOT NULL,
    edited_at               TEXT,
    deleted_at              TEXT
);
CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_ids_json      TEXT NOT NULL DEFAULT '[]',
    comment            TEXT NOT NULL DEFAULT '',
    uri                TEXT UNIQUE,
    created_at         TEXT NOT NULL,
    resolved_at        TEXT
, category TEXT NOT NULL DEFAULT 'other', forwarded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    revoked_at    TEXT
);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE status_mutes (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, thread_id)
) WITHOUT ROWID;
CREATE TABLE suggestion_dismissals (
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at         TEXT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
) WITHOUT ROWID;
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'moderator', 'user')),
    confirmed_at        TEXT,
    approved            INTEGER NOT NULL DEFAULT 1,
    sign_up_reason      TEXT NOT NULL DEFAULT '',
    default_visibility  TEXT NOT NULL DEFAULT 'public'
                        CHECK (default_visibility IN ('public', 'unlisted', 'private', 'direct')),
    locale              TEXT NOT NULL DEFAULT 'en',
    created_at          TEXT NOT NULL,
    disabled_at         TEXT
);
CREATE INDEX accounts_avatar_media ON accounts (avatar_media_id) WHERE avatar_media_id IS NOT NULL;
CREATE INDEX accounts_domain ON accounts (domain);
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), coalesce(domain, ''));
CREATE INDEX accounts_header_media ON accounts (header_media_id) WHERE header_media_id IS NOT NULL;
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
CREATE INDEX blocks_target ON blocks (target_account_id, account_id);
CREATE INDEX blocks_uri ON blocks (uri) WHERE uri IS NOT NULL;
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);
CREATE INDEX bookmarks_post ON bookmarks (post_id);
CREATE INDEX deleted_uris_age ON deleted_uris (deleted_at);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX featured_posts_post ON featured_posts (post_id);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);
CREATE INDEX filter_statuses_post ON filter_statuses (post_id);
CREATE INDEX filters_account ON filters (account_id, id);
CREATE INDEX followed_tags_tag ON followed_tags (tag, account_id);
CREATE INDEX follows_target ON follows (target_account_id, state, account_id);
CREATE INDEX home_feed_post ON home_feed (post_id);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
CREATE INDEX jobs_deliver_host ON jobs (json_extract(payload, '$.host'), state)
    WHERE kind = 'deliver' AND state <> 'done';
CREATE INDEX jobs_due ON jobs (kind, state, next_attempt_at);
CREATE INDEX likes_post ON likes (post_id);
CREATE INDEX list_accounts_account ON list_accounts (account_id, list_id);
CREATE INDEX lists_account ON lists (account_id, id);
CREATE INDEX login_history_user ON login_history (user_id, id);
CREATE INDEX media_account ON media (account_id, id);
CREATE INDEX media_file_key ON media (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX media_post ON media (post_id, position);
CREATE INDEX media_preview_key ON media (preview_key) WHERE preview_key IS NOT NULL;
CREATE INDEX media_remote_lru ON media (last_accessed_at, size)
    WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;
CREATE UNIQUE INDEX media_remote_url ON media (remote_url) WHERE remote_url IS NOT NULL AND post_id IS NULL;
CREATE INDEX media_unattached ON media (created_at) WHERE post_id IS NULL AND remote_url IS NULL;
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id, app_id);
CREATE INDEX post_edits_post ON post_edits (post_id, id);
CREATE INDEX post_mentions_account ON post_mentions (account_id, post_id);
CREATE INDEX post_tags_post ON post_tags (post_id);
CREATE INDEX posts_account ON posts (account_id, id);
CREATE INDEX posts_local_public ON posts (id) WHERE local = 1 AND visibility = 'public'
    AND deleted_at IS NULL AND reblog_of_id IS NULL;
CREATE INDEX posts_reblog ON posts (reblog_of_id);
CREATE INDEX posts_reply ON posts (in_reply_to_id, id);
CREATE INDEX posts_thread ON posts (thread_root_id, id);
CREATE INDEX reports_open ON reports (resolved_at, id);
CREATE INDEX reports_target ON reports (target_account_id, id);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE UNIQUE INDEX users_email ON users (lower(email));
