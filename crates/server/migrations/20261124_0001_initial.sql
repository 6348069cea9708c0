-- Countersign central service, schema 1.
--
-- Portable on purpose (SQLite today, PostgreSQL later): TEXT, INTEGER and BIGINT only,
-- ids as UUID text, timestamps as RFC 3339 UTC text with a fixed number of digits so
-- they also sort as text. Released migrations never change: add a new file instead.

-- The SHA-256 of every migration applied, so a released migration that was edited
-- afterwards is caught at start-up instead of silently diverging.
CREATE TABLE schema_checksums (
    version  INTEGER PRIMARY KEY,
    sha256   TEXT NOT NULL
);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    -- argon2id, PHC string format (algorithm, parameters and salt included).
    password_hash  TEXT NOT NULL,
    -- Space-separated wire names, e.g. 'reviewer spokesperson'.
    roles          TEXT NOT NULL,
    -- Space-separated approval steps the user is qualified for, e.g. 'review legal'.
    steps          TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    -- Set when the account is disabled (leaver, lost laptop); NULL while active.
    disabled_at    TEXT
);

CREATE TABLE memberships (
    user_id  TEXT NOT NULL REFERENCES users (id),
    team_id  TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (user_id, team_id)
);

CREATE INDEX memberships_by_team ON memberships (team_id);

-- Tokens are stored only as SHA-256 hashes (hex). The previous refresh token is kept so
-- that presenting it again (a stolen copy) revokes the whole session.
CREATE TABLE sessions (
    id                      TEXT PRIMARY KEY,
    user_id                 TEXT NOT NULL REFERENCES users (id),
    access_hash             TEXT NOT NULL UNIQUE,
    access_expires_at       TEXT NOT NULL,
    refresh_hash            TEXT NOT NULL UNIQUE,
    refresh_expires_at      TEXT NOT NULL,
    previous_refresh_hash   TEXT,
    created_at              TEXT NOT NULL,
    revoked_at              TEXT
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_previous_refresh ON sessions (previous_refresh_hash);

-- One row, the last change sequence number handed out. Every write to a draft takes the
-- next number in the same transaction, so the changes feed is in commit order.
CREATE TABLE change_counter (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq    BIGINT NOT NULL
);

INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

-- The queryable columns of a draft plus its canonical wire JSON, which the changes feed
-- sends as it is stored (no re-serialisation).
CREATE TABLE drafts (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams (id),
    author_id   TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    change_seq  BIGINT NOT NULL UNIQUE,
    draft_json  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- No (team_id, change_seq) index on purpose: the feed walks change_seq in order and filters
-- by team, which stops after one page; an index on team would make the planner sort.

-- One row per desktop installation, owned by the user who first used it.
CREATE TABLE clients (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id),
    last_mutation_id   BIGINT NOT NULL,
    created_at         TEXT NOT NULL
);

-- The first answer to every processed mutation, so a retried push gets the same answer.
CREATE TABLE mutation_results (
    client_id     TEXT NOT NULL REFERENCES clients (id),
    mutation_id   BIGINT NOT NULL,
    result_json   TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);
