CREATE VIEW notification_policy_settings AS
SELECT a.id AS account_id,
       coalesce(p.for_not_following, 'accept') AS for_not_following,
       coalesce(p.for_not_followers, 'accept') AS for_not_followers,
       coalesce(p.for_new_accounts, 'accept') AS for_new_accounts,
       coalesce(p.for_private_mentions, 'filter') AS for_private_mentions,
       coalesce(p.for_limited_accounts, 'filter') AS for_limited_accounts
FROM accounts a LEFT JOIN notification_policies p ON p.account_id = a.id;
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
CREATE TRIGGER account_stats_stamp_added AFTER INSERT ON account_stats
BEGIN
    UPDATE account_stats SET stamp = NEW.stamp + 1 WHERE account_id = NEW.account_id;
END;
CREATE TRIGGER account_stats_stamp_counts
AFTER UPDATE OF statuses_count, followers_count, following_count, last_status_at ON account_stats
WHEN NEW.stamp = OLD.stamp
BEGIN
    UPDATE account_stats SET stamp = OLD.stamp + 1 WHERE account_id = NEW.account_id;
END;
CREATE TRIGGER accounts_stamp AFTER UPDATE ON accounts
BEGIN
    INSERT INTO account_stats (account_id, stamp) VALUES (NEW.id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER endorsements_follow_gone AFTER DELETE ON follows
BEGIN
    DELETE FROM endorsements
    WHERE account_id = OLD.account_id AND target_account_id = OLD.target_account_id;
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
CREATE TRIGGER posts_stamp_app_added AFTER INSERT ON post_apps
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_app_changed AFTER UPDATE ON post_apps
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.post_id AS id
            UNION SELECT NEW.post_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_app_removed AFTER DELETE ON post_apps
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_card_changed AFTER UPDATE ON preview_cards
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT post_id, 1 FROM post_cards WHERE card_id = NEW.id
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_card_linked AFTER INSERT ON post_cards
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_card_relinked AFTER UPDATE ON post_cards
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.post_id AS id
            UNION SELECT NEW.post_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_card_unlinked AFTER DELETE ON post_cards
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_child_added AFTER INSERT ON posts
WHEN NEW.reblog_of_id IS NOT NULL OR NEW.in_reply_to_id IS NOT NULL
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT NEW.reblog_of_id AS id
            UNION SELECT NEW.in_reply_to_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_child_changed
AFTER UPDATE OF deleted_at, in_reply_to_id, reblog_of_id ON posts
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.reblog_of_id AS id
            UNION SELECT OLD.in_reply_to_id AS id
            UNION SELECT NEW.reblog_of_id AS id
            UNION SELECT NEW.in_reply_to_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_child_removed AFTER DELETE ON posts
WHEN OLD.reblog_of_id IS NOT NULL OR OLD.in_reply_to_id IS NOT NULL
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.reblog_of_id AS id
            UNION SELECT OLD.in_reply_to_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_like_added AFTER INSERT ON likes
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_like_removed AFTER DELETE ON likes
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_media_added AFTER INSERT ON media
WHEN NEW.post_id IS NOT NULL
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_media_changed AFTER UPDATE ON media
WHEN OLD.last_accessed_at IS NEW.last_accessed_at OR OLD.updated_at IS NOT NEW.updated_at
    OR OLD.file_key IS NOT NEW.file_key
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.post_id AS id
            UNION SELECT NEW.post_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
    INSERT INTO post_stamps (post_id, stamp)
        SELECT pc.post_id, 1 FROM preview_cards c JOIN post_cards pc ON pc.card_id = c.id
        WHERE c.image_media_id = NEW.id
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_media_removed AFTER DELETE ON media
WHEN OLD.post_id IS NOT NULL
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_mention_added AFTER INSERT ON post_mentions
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_mention_removed AFTER DELETE ON post_mentions
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_poll_added AFTER INSERT ON polls
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_poll_changed AFTER UPDATE ON polls
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT OLD.post_id AS id
            UNION SELECT NEW.post_id AS id)
        WHERE id IS NOT NULL
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_poll_removed AFTER DELETE ON polls
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_self AFTER UPDATE ON posts
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_tag_added AFTER INSERT ON post_tags
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_tag_removed AFTER DELETE ON post_tags
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_vote_added AFTER INSERT ON poll_votes
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER posts_stamp_vote_removed AFTER DELETE ON poll_votes
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (OLD.post_id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER push_subscriptions_end_with_token AFTER UPDATE OF revoked_at ON oauth_tokens
WHEN NEW.revoked_at IS NOT NULL
BEGIN
    DELETE FROM push_subscriptions WHERE token_id = NEW.id;
END;
CREATE TRIGGER viewer_stamp_bookmark_added AFTER INSERT ON bookmarks
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_bookmark_removed AFTER DELETE ON bookmarks
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_boost_changed AFTER UPDATE OF deleted_at, reblog_of_id ON posts
WHEN NEW.reblog_of_id IS NOT NULL OR OLD.reblog_of_id IS NOT NULL
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_boost_removed AFTER DELETE ON posts
WHEN OLD.reblog_of_id IS NOT NULL
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_boosted AFTER INSERT ON posts
WHEN NEW.reblog_of_id IS NOT NULL
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_follow_added AFTER INSERT ON follows
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_follow_changed AFTER UPDATE ON follows
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_follow_removed AFTER DELETE ON follows
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_like_added AFTER INSERT ON likes
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_like_removed AFTER DELETE ON likes
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_pinned AFTER INSERT ON featured_posts
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_thread_muted AFTER INSERT ON status_mutes
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_thread_unmuted AFTER DELETE ON status_mutes
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_unpinned AFTER DELETE ON featured_posts
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
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
, stamp INTEGER NOT NULL DEFAULT 0);
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
, avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL, header_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL, avatar_description TEXT NOT NULL DEFAULT '', header_description TEXT NOT NULL DEFAULT '', indexable INTEGER, hide_collections INTEGER NOT NULL DEFAULT 0);
CREATE TABLE announcement_reactions (
    announcement_id  INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (announcement_id, name, account_id)
) WITHOUT ROWID;
CREATE TABLE announcement_reads (
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    announcement_id  INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, announcement_id)
) WITHOUT ROWID;
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
CREATE TABLE endorsements (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at         TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE featured_posts (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, post_id)
) WITHOUT ROWID;
CREATE TABLE featured_tags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, tag)
);
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
CREATE TABLE filtered_notifications (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    post_id          INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    read_at          TEXT
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
    created_at         TEXT NOT NULL, show_reblogs INTEGER NOT NULL DEFAULT 1, notify INTEGER NOT NULL DEFAULT 0, languages TEXT,
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
, scheduled_status_id INTEGER
    REFERENCES scheduled_statuses (id) ON DELETE SET NULL);
CREATE TABLE mutes (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications  INTEGER NOT NULL DEFAULT 1,
    expires_at          TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE notification_permissions (
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
) WITHOUT ROWID;
CREATE TABLE notification_policies (
    account_id            INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following     TEXT NOT NULL CHECK (for_not_following IN ('accept', 'filter', 'drop')),
    for_not_followers     TEXT NOT NULL CHECK (for_not_followers IN ('accept', 'filter', 'drop')),
    for_new_accounts      TEXT NOT NULL CHECK (for_new_accounts IN ('accept', 'filter', 'drop')),
    for_private_mentions  TEXT NOT NULL CHECK (for_private_mentions IN ('accept', 'filter', 'drop')),
    for_limited_accounts  TEXT NOT NULL CHECK (for_limited_accounts IN ('accept', 'filter', 'drop')),
    updated_at            TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE notification_requests (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id   INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (account_id, from_account_id)
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
CREATE TABLE poll_votes (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice      INTEGER NOT NULL,
    uri         TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    UNIQUE (post_id, account_id, choice)
);
CREATE TABLE polls (
    post_id        INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    options        TEXT NOT NULL,               -- JSON array of option titles, in order
    votes          TEXT NOT NULL,               -- JSON array of counts, one per option
    multiple       INTEGER NOT NULL DEFAULT 0,
    hide_totals    INTEGER NOT NULL DEFAULT 0,
    voters_count   INTEGER NOT NULL DEFAULT 0,
    expires_at     TEXT,                        -- NULL: no end given (some remote polls)
    closed_at      TEXT,                        -- a remote Question said `closed`
    ended_at       TEXT,                        -- the end was processed (notifications sent)
    update_queued  INTEGER NOT NULL DEFAULT 0,  -- a `poll_update` job is pending (debounce)
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE TABLE post_apps (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    app_id   INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE
);
CREATE TABLE post_cards (
    post_id  INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    card_id  INTEGER NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
);
CREATE TABLE post_edit_media (
    edit_id      INTEGER NOT NULL REFERENCES post_edits (id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,            -- order within that version (0, 1, ...)
    media_id     INTEGER NOT NULL,            -- the media row then (no FK: it may be gone now)
    description  TEXT NOT NULL DEFAULT '',    -- alt text in that version
    focus_x      REAL NOT NULL DEFAULT 0,
    focus_y      REAL NOT NULL DEFAULT 0,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    file_key     TEXT,                        -- local files only (NULL for remote media)
    preview_key  TEXT,
    blurhash     TEXT,
    meta_json    TEXT NOT NULL DEFAULT '{}',
    remote_url   TEXT,
    PRIMARY KEY (edit_id, position)
);
CREATE TABLE post_edit_polls (
    edit_id  INTEGER PRIMARY KEY REFERENCES post_edits (id) ON DELETE CASCADE,
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    options  TEXT NOT NULL,               -- JSON array of that version's option titles, in order
    multiple INTEGER NOT NULL DEFAULT 0
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
CREATE TABLE post_stamps (
    post_id  INTEGER PRIMARY KEY,
    stamp    INTEGER NOT NULL
);
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
CREATE TABLE preview_cards (
    id                INTEGER PRIMARY KEY,
    url               TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    card_url          TEXT NOT NULL DEFAULT '',   -- what the card links to (og:url or the final URL)
    title             TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    author_name       TEXT NOT NULL DEFAULT '',
    author_url        TEXT NOT NULL DEFAULT '',
    provider_name     TEXT NOT NULL DEFAULT '',
    provider_url      TEXT NOT NULL DEFAULT '',
    html              TEXT NOT NULL DEFAULT '',   -- oEmbed embed, reduced to one allowlisted iframe
    width             INTEGER NOT NULL DEFAULT 0,
    height            INTEGER NOT NULL DEFAULT 0,
    embed_url         TEXT NOT NULL DEFAULT '',
    image_url         TEXT NOT NULL DEFAULT '',   -- the remote image the page named
    image_media_id    INTEGER REFERENCES media (id) ON DELETE SET NULL,  -- our cached copy
    image_description TEXT NOT NULL DEFAULT '',
    language          TEXT,
    published_at      TEXT,
    host              TEXT NOT NULL DEFAULT '',   -- lowercase host of `url` (trends leave blocked domains out)
    error             TEXT NOT NULL DEFAULT '',
    fetched_at        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
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
CREATE TABLE scheduled_statuses (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at     TEXT NOT NULL,
    params_json      TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       TEXT NOT NULL
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
, default_sensitive INTEGER NOT NULL DEFAULT 0, default_language TEXT NOT NULL DEFAULT '');
CREATE TABLE viewer_stamps (
    account_id  INTEGER PRIMARY KEY,
    stamp       INTEGER NOT NULL
);
CREATE INDEX accounts_avatar_media ON accounts (avatar_media_id) WHERE avatar_media_id IS NOT NULL;
CREATE INDEX accounts_domain ON accounts (domain);
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), coalesce(domain, ''));
CREATE INDEX accounts_header_media ON accounts (header_media_id) WHERE header_media_id IS NOT NULL;
CREATE INDEX accounts_public_key_id ON accounts (public_key_id);
CREATE INDEX announcements_published ON announcements (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX blocks_target ON blocks (target_account_id, account_id);
CREATE INDEX blocks_uri ON blocks (uri) WHERE uri IS NOT NULL;
CREATE INDEX bookmarks_account ON bookmarks (account_id, id);
CREATE INDEX bookmarks_post ON bookmarks (post_id);
CREATE INDEX deleted_uris_age ON deleted_uris (deleted_at);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX endorsements_account ON endorsements (account_id, id);
CREATE INDEX endorsements_target ON endorsements (target_account_id);
CREATE INDEX featured_posts_post ON featured_posts (post_id);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);
CREATE INDEX filter_statuses_post ON filter_statuses (post_id);
CREATE INDEX filtered_notifications_post ON filtered_notifications (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX filtered_notifications_sender ON filtered_notifications (account_id, from_account_id, id);
CREATE INDEX filters_account ON filters (account_id, id);
CREATE INDEX followed_tags_tag ON followed_tags (tag, account_id);
CREATE INDEX follows_notify ON follows (target_account_id) WHERE notify = 1;
CREATE INDEX follows_target ON follows (target_account_id, state, account_id);
CREATE INDEX home_feed_post ON home_feed (post_id);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
CREATE INDEX jobs_deliver_host ON jobs (json_extract(payload, '$.host'), state)
    WHERE kind = 'deliver';
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
CREATE INDEX media_scheduled ON media (scheduled_status_id) WHERE scheduled_status_id IS NOT NULL;
CREATE INDEX media_unattached ON media (created_at) WHERE post_id IS NULL AND remote_url IS NULL;
CREATE INDEX notification_requests_account ON notification_requests (account_id, id);
CREATE INDEX notification_requests_last_status ON notification_requests (last_status_id)
    WHERE last_status_id IS NOT NULL;
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id, app_id);
CREATE INDEX poll_votes_account ON poll_votes (account_id, post_id);
CREATE INDEX post_cards_card ON post_cards (card_id, post_id);
CREATE INDEX post_edit_media_file_key ON post_edit_media (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX post_edit_media_post ON post_edit_media (post_id, edit_id);
CREATE INDEX post_edit_media_preview_key ON post_edit_media (preview_key)
    WHERE preview_key IS NOT NULL;
CREATE INDEX post_edit_polls_post ON post_edit_polls (post_id, edit_id);
CREATE INDEX post_edits_post ON post_edits (post_id, id);
CREATE INDEX post_mentions_account ON post_mentions (account_id, post_id);
CREATE INDEX post_tags_post ON post_tags (post_id);
CREATE INDEX posts_account ON posts (account_id, id);
CREATE INDEX posts_local_public ON posts (id) WHERE local = 1 AND visibility = 'public'
    AND deleted_at IS NULL AND reblog_of_id IS NULL;
CREATE INDEX posts_reblog ON posts (reblog_of_id);
CREATE INDEX posts_reply ON posts (in_reply_to_id, id);
CREATE INDEX posts_thread ON posts (thread_root_id, id);
CREATE INDEX preview_cards_image ON preview_cards (image_media_id) WHERE image_media_id IS NOT NULL;
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
CREATE INDEX reports_open ON reports (resolved_at, id);
CREATE INDEX reports_target ON reports (target_account_id, id);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (account_id, scheduled_at);
CREATE UNIQUE INDEX scheduled_statuses_idempotency ON scheduled_statuses (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE UNIQUE INDEX users_email ON users (lower(email));
