-- Polls (issue 4 SHOULD tier, issue 3 Question): one poll per post, local or remote.
-- `votes` caches the count per option: for local polls it is recounted from `poll_votes` in the
-- transaction that adds a vote; for remote polls it is what their last Question said (plus our
-- own votes, counted at once, until the next Update tells the real figures).
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

-- One row per chosen option; a multiple-choice vote is several rows. `uri` is the vote Note's id
-- (ours for votes we send, theirs for votes received), so a redelivered vote counts once.
CREATE TABLE poll_votes (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice      INTEGER NOT NULL,
    uri         TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    UNIQUE (post_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id, post_id);
