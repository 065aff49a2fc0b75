-- OAuth2 for the Mastodon client API: registered apps, authorization codes, access tokens.
-- Secrets and tokens are stored as SHA-256 hashes; apps are never garbage-collected
-- (Interop: Elk caches one registration per instance and only recovers on invalid_client).

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
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id, app_id);
