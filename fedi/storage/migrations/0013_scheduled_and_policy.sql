-- Scheduled statuses (POST /api/v1/statuses with scheduled_at, the compose form's "Schedule"):
-- the post's parameters as Mastodon's ScheduledStatus `params` shows them, published by a
-- `publish_scheduled` job at `scheduled_at` through the same create path as any post.
CREATE TABLE scheduled_statuses (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at     TEXT NOT NULL,
    params_json      TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (account_id, scheduled_at);
CREATE UNIQUE INDEX scheduled_statuses_idempotency ON scheduled_statuses (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Uploads reserved by a scheduled status: not attachable to another post, never expired as
-- unattached; freed (SET NULL) when the scheduled status is cancelled.
ALTER TABLE media ADD COLUMN scheduled_status_id INTEGER
    REFERENCES scheduled_statuses (id) ON DELETE SET NULL;
CREATE INDEX media_scheduled ON media (scheduled_status_id) WHERE scheduled_status_id IS NOT NULL;

-- Notification policy (Mastodon 4.3): for each kind of sender, accept | filter | drop.
-- No row means the defaults, which `notification_policy_settings` fills in (the one place
-- that names them): everything accepted except private mentions from strangers and limited
-- accounts, which are filtered.
CREATE TABLE notification_policies (
    account_id            INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following     TEXT NOT NULL CHECK (for_not_following IN ('accept', 'filter', 'drop')),
    for_not_followers     TEXT NOT NULL CHECK (for_not_followers IN ('accept', 'filter', 'drop')),
    for_new_accounts      TEXT NOT NULL CHECK (for_new_accounts IN ('accept', 'filter', 'drop')),
    for_private_mentions  TEXT NOT NULL CHECK (for_private_mentions IN ('accept', 'filter', 'drop')),
    for_limited_accounts  TEXT NOT NULL CHECK (for_limited_accounts IN ('accept', 'filter', 'drop')),
    updated_at            TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIEW notification_policy_settings AS
SELECT a.id AS account_id,
       coalesce(p.for_not_following, 'accept') AS for_not_following,
       coalesce(p.for_not_followers, 'accept') AS for_not_followers,
       coalesce(p.for_new_accounts, 'accept') AS for_new_accounts,
       coalesce(p.for_private_mentions, 'filter') AS for_private_mentions,
       coalesce(p.for_limited_accounts, 'filter') AS for_limited_accounts
FROM accounts a LEFT JOIN notification_policies p ON p.account_id = a.id;

-- Senders whose request the user accepted: their notifications always come through.
CREATE TABLE notification_permissions (
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
) WITHOUT ROWID;

-- Notifications held back by the policy (the same columns as `notifications`), outside the
-- notifications table, so no read of notifications (API, page, badge, streams) sees them.
CREATE TABLE filtered_notifications (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    post_id          INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    read_at          TEXT
);
CREATE INDEX filtered_notifications_sender ON filtered_notifications (account_id, from_account_id, id);
CREATE INDEX filtered_notifications_post ON filtered_notifications (post_id) WHERE post_id IS NOT NULL;

-- One request per (user, sender) with held notifications; accepting it releases them.
CREATE TABLE notification_requests (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id   INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (account_id, from_account_id)
);
CREATE INDEX notification_requests_account ON notification_requests (account_id, id);
CREATE INDEX notification_requests_last_status ON notification_requests (last_status_id)
    WHERE last_status_id IS NOT NULL;

-- The policy's verdict on each notification, whichever path wrote it (local posts, likes,
-- boosts, follows, the inbox). Only what Mastodon lets a policy filter (mentions and replies,
-- boosts, follows, follow requests, favourites); never from a sender whose request was
-- accepted or from the instance's staff. Each applicable condition contributes its setting and
-- the strictest wins (drop > filter > accept):
--   not following     the user does not follow the sender;
--   not followers     the sender does not follow the user, or only for less than 3 days;
--   new accounts      the sender's account (its actor's `published`, else when we first saw
--                     it) is less than 30 days old;
--   private mentions  a direct post from someone the user does not follow that does not answer
--                     a direct post of the user mentioning the sender;
--   limited accounts  accounts a moderator limited: TODO(#7) there is no "limit" moderation
--                     action yet, so this setting is stored but applies to nobody for now.
CREATE VIEW notification_verdicts AS
SELECT v.id,
    CASE
        WHEN v.filterable = 0 OR v.allowed THEN 'accept'
        WHEN 'drop' IN (v.nf, v.nfr, v.na, v.pm) THEN 'drop'
        WHEN 'filter' IN (v.nf, v.nfr, v.na, v.pm) THEN 'filter'
        ELSE 'accept'
    END AS verdict
FROM (
    SELECT n.id,
        n.type IN ('mention', 'reply', 'reblog', 'follow', 'follow_request', 'favourite')
            AS filterable,
        EXISTS (SELECT 1 FROM notification_permissions
                WHERE account_id = n.account_id AND from_account_id = n.from_account_id)
        OR EXISTS (SELECT 1 FROM users WHERE id = n.from_account_id AND role IN ('admin', 'moderator'))
            AS allowed,
        CASE WHEN s.for_not_following != 'accept' AND NOT EXISTS (
            SELECT 1 FROM follows f WHERE f.account_id = n.account_id
            AND f.target_account_id = n.from_account_id AND f.state = 'accepted'
        ) THEN s.for_not_following END AS nf,
        CASE WHEN s.for_not_followers != 'accept' AND NOT EXISTS (
            SELECT 1 FROM follows f WHERE f.account_id = n.from_account_id
            AND f.target_account_id = n.account_id AND f.state = 'accepted'
            AND julianday(f.created_at) <= julianday('now', '-3 days')
        ) THEN s.for_not_followers END AS nfr,
        CASE WHEN s.for_new_accounts != 'accept' AND EXISTS (
            SELECT 1 FROM accounts a WHERE a.id = n.from_account_id
            AND julianday(coalesce(
                CASE WHEN json_valid(a.raw_json) THEN a.raw_json ->> '$.published' END,
                a.created_at
            )) > julianday('now', '-30 days')
        ) THEN s.for_new_accounts END AS na,
        CASE WHEN s.for_private_mentions != 'accept'
            AND n.type IN ('mention', 'reply') AND n.post_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM posts p WHERE p.id = n.post_id AND p.visibility = 'direct')
            AND NOT EXISTS (
                SELECT 1 FROM follows f WHERE f.account_id = n.account_id
                AND f.target_account_id = n.from_account_id AND f.state = 'accepted'
            )
            AND NOT EXISTS (
                SELECT 1 FROM posts p JOIN posts parent ON parent.id = p.in_reply_to_id
                JOIN post_mentions m ON m.post_id = parent.id
                WHERE p.id = n.post_id AND parent.account_id = n.account_id
                AND parent.visibility = 'direct' AND m.account_id = n.from_account_id
            )
        THEN s.for_private_mentions END AS pm
    FROM notifications n JOIN notification_policy_settings s ON s.account_id = n.account_id
) v;

-- A verdict of filter moves the new row into `filtered_notifications` and its sender's
-- request; drop deletes it. AFTER INSERT, so the BEFORE triggers (blocks, hidden domains, muted
-- threads) have already skipped what must never be written.
CREATE TRIGGER notifications_policy AFTER INSERT ON notifications
WHEN NEW.type IN ('mention', 'reply', 'reblog', 'follow', 'follow_request', 'favourite')
AND (SELECT verdict FROM notification_verdicts WHERE id = NEW.id) != 'accept'
BEGIN
    INSERT INTO filtered_notifications (id, account_id, from_account_id, type, post_id, created_at, read_at)
    SELECT NEW.id, NEW.account_id, NEW.from_account_id, NEW.type, NEW.post_id, NEW.created_at, NEW.read_at
    WHERE (SELECT verdict FROM notification_verdicts WHERE id = NEW.id) = 'filter';
    INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id, created_at, updated_at)
    SELECT NEW.id, NEW.account_id, NEW.from_account_id, NEW.post_id, NEW.created_at, NEW.created_at
    WHERE EXISTS (SELECT 1 FROM filtered_notifications WHERE id = NEW.id)
    ON CONFLICT (account_id, from_account_id) DO UPDATE SET
        last_status_id = coalesce(excluded.last_status_id, notification_requests.last_status_id),
        updated_at = excluded.updated_at;
    DELETE FROM notifications WHERE id = NEW.id;
END;
