-- The audit log: one row per event, hash-chained (countersign-audit).
--
-- Each row stores the hash of its canonical form and the previous row's hash, so an edited,
-- deleted, inserted or re-ordered row is found by walking the chain. `position` is the last
-- one plus one, taken inside the writing transaction: the writer is serialised, so the chain
-- order is the commit order and there are no gaps.
CREATE TABLE audit_events (
    position        INTEGER PRIMARY KEY,
    -- Server time, RFC 3339 UTC with microseconds (text order is time order).
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    actor_id        TEXT,
    -- The actor's sign-in name as it was then.
    actor_username  TEXT,
    -- api | cli | server
    via             TEXT NOT NULL,
    session_id      TEXT,
    draft_id        TEXT,
    draft_version   BIGINT,
    -- Hex SHA-256 of the exact text of that draft version.
    content_sha256  TEXT,
    -- A JSON object: what else an auditor needs. Never a password, token or secret.
    detail_json     TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE INDEX audit_events_by_draft ON audit_events (draft_id);

-- Append-only: the server never changes or removes an event. These refuse it from any
-- connection (the CLI, a script, a mistaken migration); someone editing the file with
-- another tool is what the hash chain is for.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
