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
);
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
CREATE TABLE login_history (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    success     INTEGER NOT NULL
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
);
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
CREATE INDEX accounts_domain ON accounts (domain);
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), coalesce(domain, ''));
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
CREATE INDEX deleted_uris_age ON deleted_uris (deleted_at);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX featured_posts_post ON featured_posts (post_id);
CREATE INDEX follows_target ON follows (target_account_id, state, account_id);
CREATE INDEX home_feed_post ON home_feed (post_id);
CREATE INDEX jobs_deliver_host ON jobs (json_extract(payload, '$.host'), state)
    WHERE kind = 'deliver' AND state <> 'done';
CREATE INDEX jobs_due ON jobs (kind, state, next_attempt_at);
CREATE INDEX likes_post ON likes (post_id);
CREATE INDEX login_history_user ON login_history (user_id, id);
CREATE INDEX notifications_account ON notifications (account_id, id);
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
