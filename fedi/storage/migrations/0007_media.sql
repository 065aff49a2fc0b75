-- Media attachments, avatars and headers: local uploads and (issue 5, federation) remote files.
-- Files live in the MediaStore (content-addressed keys); rows hold what clients are told.
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
);
CREATE INDEX media_post ON media (post_id, position);
CREATE INDEX media_account ON media (account_id, id);
CREATE INDEX media_unattached ON media (created_at) WHERE post_id IS NULL AND remote_url IS NULL;
CREATE UNIQUE INDEX media_remote_url ON media (remote_url) WHERE remote_url IS NOT NULL AND post_id IS NULL;  -- avatars/headers cache
CREATE INDEX media_file_key ON media (file_key) WHERE file_key IS NOT NULL;
CREATE INDEX media_preview_key ON media (preview_key) WHERE preview_key IS NOT NULL;
ALTER TABLE accounts ADD COLUMN avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN header_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN avatar_description TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN header_description TEXT NOT NULL DEFAULT '';
-- Deleting a media row looks up accounts using it (ON DELETE SET NULL), and expiry skips them.
CREATE INDEX accounts_avatar_media ON accounts (avatar_media_id) WHERE avatar_media_id IS NOT NULL;
CREATE INDEX accounts_header_media ON accounts (header_media_id) WHERE header_media_id IS NOT NULL;
