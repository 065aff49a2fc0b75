-- Endorsements (issue 4, Mastodon's "featured accounts": `POST /api/v1/accounts/:id/pin`,
-- `GET /api/v1/endorsements`): a local account features accounts it follows on its profile.
-- One row per (account, featured account); `id` is time-sortable and pages the lists, newest
-- first.
CREATE TABLE endorsements (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at         TEXT NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX endorsements_account ON endorsements (account_id, id);
CREATE INDEX endorsements_target ON endorsements (target_account_id);

-- Only followed accounts can be featured, and Mastodon drops the endorsement with the follow:
-- an unfollow, a block (which ends follows both ways), a removed follower or a remote Undo takes
-- the account off the profile, whichever path deletes the follow.
CREATE TRIGGER endorsements_follow_gone AFTER DELETE ON follows
BEGIN
    DELETE FROM endorsements
    WHERE account_id = OLD.account_id AND target_account_id = OLD.target_account_id;
END;
