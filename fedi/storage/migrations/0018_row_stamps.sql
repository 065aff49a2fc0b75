-- Row stamps: a counter per post and per account that changes whenever anything a Status or
-- Account entity shows of it changes, so readers can keep what they built (post rows, related
-- rows, account rows: fedi.storage.read_cache) and check it with one integer instead of
-- reloading it.
--
-- A post's stamp moves when the post row or its likes, boosts, replies, mentions, hashtags,
-- app, attachments, poll or preview card change; an account's on every update of its row or
-- its counts. No row: stamp 0. The stamps live in narrow rows (a table of
-- their own for posts, account_stats for accounts): bumping one never rewrites a wide post or
-- account row, and reading one never walks a row's overflow pages. Stamps of deleted posts are
-- left (ids are never reused).
CREATE TABLE post_stamps (
    post_id  INTEGER PRIMARY KEY,
    stamp    INTEGER NOT NULL
);
ALTER TABLE account_stats ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER accounts_stamp AFTER UPDATE ON accounts
BEGIN
    INSERT INTO account_stats (account_id, stamp) VALUES (NEW.id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
-- The counts too, so one integer tells a reader whether anything it shows moved.
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

-- Likes, boosts and replies (the counts).
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
CREATE TRIGGER posts_stamp_child_added AFTER INSERT ON posts
WHEN NEW.reblog_of_id IS NOT NULL OR NEW.in_reply_to_id IS NOT NULL
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT id, 1 FROM (SELECT NEW.reblog_of_id AS id
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

-- Mentions, hashtags and the app a post was written with.
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

-- Attachments (touching a cached remote file's last use changes nothing shown).
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

-- Polls and their votes.
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

-- Preview cards: the link between a post and its card, and the card itself.
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
CREATE TRIGGER posts_stamp_card_changed AFTER UPDATE ON preview_cards
BEGIN
    INSERT INTO post_stamps (post_id, stamp)
        SELECT post_id, 1 FROM post_cards WHERE card_id = NEW.id
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;


-- The post's own columns (an edit, a deletion): readers keep post rows by stamp too.
CREATE TRIGGER posts_stamp_self AFTER UPDATE ON posts
BEGIN
    INSERT INTO post_stamps (post_id, stamp) VALUES (NEW.id, 1)
        ON CONFLICT (post_id) DO UPDATE SET stamp = stamp + 1;
END;

-- A viewer's own marks on posts (likes, boosts, bookmarks, muted threads, pins) and follows:
-- the viewer's state of a page is kept by this stamp (no foreign key: rows deleted with an
-- account's cascade must not fail on it).
CREATE TABLE viewer_stamps (
    account_id  INTEGER PRIMARY KEY,
    stamp       INTEGER NOT NULL
);
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
CREATE TRIGGER viewer_stamp_pinned AFTER INSERT ON featured_posts
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET stamp = stamp + 1;
END;
CREATE TRIGGER viewer_stamp_unpinned AFTER DELETE ON featured_posts
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (OLD.account_id, 1)
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
CREATE TRIGGER viewer_stamp_boosted AFTER INSERT ON posts
WHEN NEW.reblog_of_id IS NOT NULL
BEGIN
    INSERT INTO viewer_stamps (account_id, stamp) VALUES (NEW.account_id, 1)
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
