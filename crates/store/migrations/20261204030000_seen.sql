-- The version of each draft the reviewer last opened here, so the window can show what
-- changed since (the version diff). Kept past the draft leaving the cache: a draft that
-- comes back is compared with what was seen.
CREATE TABLE seen (
    draft_id TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,
    seen_at  INTEGER NOT NULL  -- microseconds since the epoch
);
