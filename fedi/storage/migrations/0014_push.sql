-- Web Push (POST /api/v1/push/subscription): one subscription per access token.
-- `alerts` lists the enabled notification types, space-separated (`mention follow favourite`).
-- `sealed_token` is the subscription's access token, AES-GCM-sealed with a key derived from the
-- instance secret: Mastodon's push payload carries `access_token` (the official apps and Elk
-- find the account by it), and tokens themselves are stored only as hashes.
-- `last_notification_id` is the delivery cursor: notifications above it have not been looked at
-- yet; it starts at the account's newest notification, so a new subscription gets no backlog.
CREATE TABLE push_subscriptions (
    id                    INTEGER PRIMARY KEY,
    token_id              INTEGER NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    account_id            INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint              TEXT NOT NULL,
    key_p256dh            TEXT NOT NULL,
    key_auth              TEXT NOT NULL,
    standard              INTEGER NOT NULL DEFAULT 0,
    alerts                TEXT NOT NULL DEFAULT '',
    policy                TEXT NOT NULL DEFAULT 'all'
                          CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    sealed_token          TEXT NOT NULL,
    last_notification_id  INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- Revoking a token (one token, an app's tokens, or every token of an account: each path sets
-- `revoked_at`) ends its push subscription, as Mastodon does.
CREATE TRIGGER push_subscriptions_end_with_token AFTER UPDATE OF revoked_at ON oauth_tokens
WHEN NEW.revoked_at IS NOT NULL
BEGIN
    DELETE FROM push_subscriptions WHERE token_id = NEW.id;
END;
