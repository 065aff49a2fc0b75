-- Blocks and mutes between accounts (local or remote on either side).
--
-- A block row's `account_id` is the blocker: a local user, or a remote actor whose Block reached
-- us (then `uri` is that activity's id, so its Undo finds the row). For our own blocks `uri` is
-- the id of the Block we sent. A mute is local only and never federated; `expires_at` NULL means
-- until lifted; expired rows are ignored on read and deleted lazily.

CREATE TABLE blocks (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                TEXT,
    created_at         TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id, account_id);
CREATE INDEX blocks_uri ON blocks (uri) WHERE uri IS NOT NULL;

CREATE TABLE mutes (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications  INTEGER NOT NULL DEFAULT 1,
    expires_at          TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);

-- Nothing crosses a block, whichever path writes it (local posts, likes, boosts, follows, or the
-- inbox): no notification between the two accounts, no post of one in the other's home feed.
-- RAISE(IGNORE) skips just that row, so multi-row inserts carry on for everyone else.
CREATE TRIGGER notifications_not_across_blocks BEFORE INSERT ON notifications
WHEN EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.account_id AND target_account_id = NEW.from_account_id
) OR EXISTS (
    SELECT 1 FROM blocks WHERE account_id = NEW.from_account_id AND target_account_id = NEW.account_id
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
