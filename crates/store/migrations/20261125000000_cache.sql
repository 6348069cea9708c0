-- The desktop's offline cache. Released migrations never change: add a new file instead.
-- Times are Unix microseconds (UTC) in INTEGER columns, so they sort and compare as numbers.

-- Every migration applied to this cache, with its exact text, so that opening a cache whose
-- migrations differ from the binary's fails instead of running on a half-known schema.
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY NOT NULL,
    name    TEXT NOT NULL,
    sql     TEXT NOT NULL
);

-- Where the sync engine is: client_id, cursor, last_synced_at.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Small application settings: server URL, the signed-in user.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The drafts in the reviewer's scope, as the last pull left them. `draft` is the full JSON
-- (the source of truth); the other columns are copies for listing, sorting and filtering.
CREATE TABLE drafts (
    id           TEXT PRIMARY KEY NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    network      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    urgency      INTEGER NOT NULL CHECK (urgency IN (0, 1, 2)), -- 0 crisis, 1 urgent, 2 normal
    scheduled_at INTEGER,
    created_at   INTEGER NOT NULL,
    author       TEXT NOT NULL,  -- display name
    next_step    TEXT,
    body         TEXT NOT NULL,
    draft        TEXT NOT NULL
);

-- The queue: pending drafts, most urgent first, then soonest scheduled (unscheduled last),
-- then oldest. Matches the ORDER BY in queue.rs exactly so no sort step is needed.
CREATE INDEX drafts_queue ON drafts (urgency, scheduled_at IS NULL, scheduled_at, created_at, id)
    WHERE status = 'pending';
-- The queue filtered to one channel (networks are too few for an index to beat the scan).
CREATE INDEX drafts_channel ON drafts (channel) WHERE status = 'pending';

-- Mutations made here and not yet known to be reflected in a pull. AUTOINCREMENT: a
-- mutation id is never reused, even after its row is deleted, because the server treats
-- any id at or below the last one it saw as a duplicate.
CREATE TABLE outbox (
    mutation_id INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id    TEXT NOT NULL,
    verdict     TEXT,            -- for decisions; NULL for annotations
    mutation    TEXT NOT NULL,   -- the MutationKind as JSON
    decided_on  TEXT,            -- the draft JSON as the reviewer saw it; NULL if not cached
    created_at  INTEGER NOT NULL,
    answered_at INTEGER          -- when the server said it took effect; NULL while unknown
);

-- The newest local decision per draft, for the queue.
CREATE INDEX outbox_decisions ON outbox (draft_id, mutation_id) WHERE verdict IS NOT NULL;

-- Mutations the server refused (conflict, forbidden, invalid), kept for the reviewer.
CREATE TABLE conflicts (
    mutation_id INTEGER PRIMARY KEY NOT NULL,
    draft_id    TEXT NOT NULL,
    mutation    TEXT NOT NULL,
    status      TEXT NOT NULL,   -- conflict | forbidden | invalid
    reason      TEXT,            -- stale_version | already_decided | withdrawn
    message     TEXT,
    decided_on  TEXT,            -- the draft JSON the reviewer decided on
    current     TEXT,            -- the draft JSON as the server has it now
    at          INTEGER NOT NULL
);
