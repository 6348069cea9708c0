-- The hand-off to publishing: webhooks an administrator registered, and a delivery queue
-- kept in the database, so an approval enqueued in the decision's own transaction is
-- delivered even across a restart.

CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    -- Where deliveries are POSTed: an administrator's choice, https (or http to loopback).
    url         TEXT NOT NULL,
    -- Only drafts of this channel; NULL: every channel.
    channel_id  TEXT REFERENCES channels (id),
    -- The HMAC-SHA256 key of the signatures, base64url. Shown once when added, never again;
    -- the database file is 0600.
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    -- Set when removed: the row stays, so its deliveries keep naming it.
    removed_at  TEXT
);

CREATE TABLE webhook_deliveries (
    -- UUIDv7; sent as Countersign-Delivery, so a receiver can drop a repeat.
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id),
    draft_id         TEXT NOT NULL,
    draft_version    BIGINT NOT NULL,
    -- Hex SHA-256 of the approved text, for the attempts' audit events.
    content_sha256   TEXT NOT NULL,
    -- draft.approved
    event            TEXT NOT NULL,
    -- The body, fixed when enqueued: every attempt sends these exact bytes.
    payload_json     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    -- When the deliverer tries next (for a pending delivery).
    next_attempt_at  TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    -- pending | delivered | failed
    status           TEXT NOT NULL DEFAULT 'pending',
    delivered_at     TEXT,
    last_error       TEXT
);

-- What the deliverer asks for: the pending deliveries that are due, soonest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id),
    -- 1, 2, ...
    attempt      BIGINT NOT NULL,
    at           TEXT NOT NULL,
    -- The receiver's answer; NULL when there was none (refused, timed out).
    status_code  BIGINT,
    error        TEXT,
    duration_ms  BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
