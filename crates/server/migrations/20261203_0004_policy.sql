-- The policy guard: the organisation's policy packs, channel routing by the guard's verdict,
-- and the library of pre-approved replies.

-- Every pack an administrator set, kept: the newest is in force, the rest are the record of
-- what was in force when.
CREATE TABLE policy_packs (
    version       INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    set_by_json   TEXT NOT NULL,
    set_at        TEXT NOT NULL
);

-- What a channel does with the guard's verdict (countersign_core::channel::Routing as JSON).
ALTER TABLE channels ADD COLUMN routing_json TEXT NOT NULL DEFAULT '{}';

CREATE TABLE replies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
