-- The server's signed receipts for the decisions made here: the reviewer's proof of what
-- they decided, on which version and which exact text (its SHA-256), and where the server's
-- audit log recorded it. Kept while the cache exists; "Export my decisions" writes them out.
-- One row per receipt: the same receipt answered again (a retried push) is the same row; a
-- decision applied again by a server restored from a backup gets a second receipt at
-- another audit position, and both are kept (the first shows what the lost log held).
CREATE TABLE receipts (
    decision_id    TEXT NOT NULL,
    audit_position INTEGER NOT NULL,
    mutation_id    INTEGER NOT NULL,
    draft_id       TEXT NOT NULL,
    draft_version  INTEGER NOT NULL,
    decision       TEXT NOT NULL,    -- the Decision as it was pushed (JSON), with the comment
    receipt        TEXT NOT NULL,    -- the SignedReceipt (JSON)
    decided_at     INTEGER NOT NULL, -- the server's time of the decision, from the receipt
    received_at    INTEGER NOT NULL,
    -- NULL: not checked (no server key pinned); 'valid'; else why the check failed.
    checked        TEXT,
    PRIMARY KEY (decision_id, audit_position)
) WITHOUT ROWID;

-- The export lists receipts in the order the server decided.
CREATE INDEX receipts_decided ON receipts (decided_at, decision_id);
