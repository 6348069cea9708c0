-- Countersign central service, schema 3: the server owns the rules. Channels and their
-- approval policies, channel limits per account, crisis mode, the two-factor policy, and the
-- scope changes the changes feed turns into removals and arrivals.
--
-- Released migrations never change: add a new file instead.

-- One of the organisation's accounts on a network, owned by a team. `policy_json` is the
-- ordered list of steps its drafts need: [{"step": "review", "quorum": 1}, ...], where a
-- quorum is a number or "all".
CREATE TABLE channels (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    network      TEXT NOT NULL,
    account      TEXT NOT NULL,
    team_id      TEXT NOT NULL REFERENCES teams (id),
    policy_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (network, account)
);

-- Drafts written before channels existed: one channel per account they were written for,
-- owned by the team of its first draft, needing one review (the rule until now). Ids are
-- random UUIDs (version 4) spelled out by hand, since SQLite has no UUID function.
INSERT INTO channels (id, name, network, account, team_id, policy_json, created_at, updated_at)
SELECT
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) ||
        '-' || lower(hex(randomblob(6))),
    network || ':' || account,
    network,
    account,
    team_id,
    '[{"step":"review","quorum":1}]',
    first_at,
    first_at
FROM (
    SELECT json_extract(draft_json, '$.network') AS network,
           json_extract(draft_json, '$.channel') AS account,
           team_id,
           min(created_at) AS first_at
    FROM drafts
    GROUP BY json_extract(draft_json, '$.network'), json_extract(draft_json, '$.channel')
);

-- Which channel a draft is for, and who owns it now (its author, until a leaver's handover).
ALTER TABLE drafts ADD COLUMN channel_id TEXT REFERENCES channels (id);
ALTER TABLE drafts ADD COLUMN owner_id TEXT REFERENCES users (id);

UPDATE drafts SET
    channel_id = (SELECT c.id FROM channels c
                  WHERE c.network = json_extract(drafts.draft_json, '$.network')
                    AND c.account = json_extract(drafts.draft_json, '$.channel')),
    owner_id = author_id;
UPDATE drafts SET draft_json = json_set(draft_json, '$.channel_id', channel_id);

CREATE INDEX drafts_by_channel ON drafts (channel_id);
CREATE INDEX drafts_by_owner ON drafts (owner_id);
-- Crisis mode and handovers look at the drafts that are not final yet.
CREATE INDEX drafts_open ON drafts (status) WHERE status IN ('pending', 'changes_requested', 'approved', 'held');

-- An account limited to some of its teams' channels (an agency that serves some accounts):
-- channels_limited = 1 and the channels in user_channels. 0: every channel of its teams.
ALTER TABLE users ADD COLUMN channels_limited INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_channels (
    user_id     TEXT NOT NULL REFERENCES users (id),
    channel_id  TEXT NOT NULL REFERENCES channels (id),
    PRIMARY KEY (user_id, channel_id)
);

-- Crisis mode, one row. scope: 'none' (off), 'all' (every channel) or 'only' (the channels
-- in crisis_channels). declared_by_json is the administrator as a Person.
CREATE TABLE crisis (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    scope             TEXT NOT NULL CHECK (scope IN ('none', 'all', 'only')),
    reason            TEXT NOT NULL,
    since             TEXT,
    declared_by_json  TEXT
);

INSERT INTO crisis (id, scope, reason) VALUES (1, 'none', '');

CREATE TABLE crisis_channels (
    channel_id  TEXT PRIMARY KEY REFERENCES channels (id)
);

-- The roles whose accounts must sign in with an authenticator app.
CREATE TABLE two_factor_roles (
    role  TEXT PRIMARY KEY
);

-- The change sequence number of the last change to what desktops are told about the
-- organisation (accounts, channels, crisis mode): the changes feed sends a fresh directory
-- to a client whose cursor is behind it.
ALTER TABLE change_counter ADD COLUMN directory_seq BIGINT NOT NULL DEFAULT 0;

-- Someone's scope (teams, channels, the administrator's view of everything) changed at
-- `seq`. `old_scope_json` is what it was: the feed sends a client behind `seq` a removal
-- for every draft it could see then and cannot now, and every draft it can see now and
-- could not then.
CREATE TABLE scope_changes (
    seq             BIGINT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    old_scope_json  TEXT NOT NULL
);

CREATE INDEX scope_changes_by_user ON scope_changes (user_id, seq);
