-- The remote-media cache (issue 5, federation): least recently used cached files first, with
-- their sizes, so the budget check (sum of sizes) and eviction (oldest access first) read only
-- this index instead of every media row.
CREATE INDEX media_remote_lru ON media (last_accessed_at, size)
    WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;
