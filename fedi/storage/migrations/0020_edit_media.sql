-- Edit media (issue 4, Mastodon 4.x): the attachments each earlier version of a post had, for
-- the edit history (StatusEdit `media_attachments`; Mastodon keeps `ordered_media_attachment_ids`
-- and `media_descriptions` per edit). One row per attachment of a `post_edits` row, in that
-- version's order, with the alt text and focal point it had then; a version without rows had
-- none. The current version's attachments are the `media` rows with its post_id.
-- An edit deletes the media rows it removes (a remote edit its cached copy too), so each row
-- also keeps what the MediaAttachment entity shows: the history uses the live `media` row while
-- it is still attached to the post, else this copy. A local file stays on disk while a row here
-- names its key (storage.media counts these keys as used; deleting the post frees them); a
-- removed remote attachment keeps no key and is shown by its original URL.
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
CREATE INDEX post_edit_media_post ON post_edit_media (post_id, edit_id);
-- Deleting a file asks whether any row still names its key.
CREATE INDEX post_edit_media_file_key ON post_edit_media (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX post_edit_media_preview_key ON post_edit_media (preview_key)
    WHERE preview_key IS NOT NULL;
