-- Poll edits (issue 4, Mastodon 4.x): the poll each earlier version of a post had, for the
-- edit history (StatusEdit `poll`). One row per `post_edits` row whose version had a poll; a
-- version without a row had none. The current version's poll is the `polls` row.
CREATE TABLE post_edit_polls (
    edit_id  INTEGER PRIMARY KEY REFERENCES post_edits (id) ON DELETE CASCADE,
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    options  TEXT NOT NULL,               -- JSON array of that version's option titles, in order
    multiple INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX post_edit_polls_post ON post_edit_polls (post_id, edit_id);
