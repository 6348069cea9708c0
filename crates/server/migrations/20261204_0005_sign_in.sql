-- Sign-in and refresh hardening.
--
-- Every spent refresh token of a session is remembered until it would have expired
-- (RFC 9700, section 4.14.2), so presenting any of them again revokes the session, not only
-- the last one. Only hashes are kept, as for the current tokens.
--
-- A refresh whose answer was lost is retried with the token it just spent: for a short grace
-- window that retry gets the same new pair. The pair is never stored: it is derived (HKDF)
-- from the spent token, which only the client holds, and a random salt kept here until the
-- window closes (then set to NULL). A copy of the database alone cannot rebuild it.
CREATE TABLE spent_refresh_tokens (
    refresh_hash        TEXT PRIMARY KEY,
    session_id          TEXT NOT NULL REFERENCES sessions (id),
    spent_at            TEXT NOT NULL,
    -- When the token would have expired: after that it is forgotten (it is refused anyway).
    expires_at          TEXT NOT NULL,
    -- Until when a retry with this token gets the pair it was spent for; NULL once over.
    grace_until         TEXT,
    -- The hex salt that pair was derived with, and the hash of its refresh token (a retry
    -- is answered only while that pair is still the session's current one); NULL once over.
    next_salt           TEXT,
    next_refresh_hash   TEXT
);

CREATE INDEX spent_refresh_tokens_by_session ON spent_refresh_tokens (session_id);
CREATE INDEX spent_refresh_tokens_by_expiry ON spent_refresh_tokens (expires_at);
CREATE INDEX spent_refresh_tokens_by_grace ON spent_refresh_tokens (grace_until);

-- The one spent token each session remembered so far moves to the new table; it would have
-- expired no later than the session's current token.
INSERT OR IGNORE INTO spent_refresh_tokens (refresh_hash, session_id, spent_at, expires_at)
SELECT previous_refresh_hash, id, created_at, refresh_expires_at
FROM sessions
WHERE previous_refresh_hash IS NOT NULL;

DROP INDEX sessions_by_previous_refresh;
ALTER TABLE sessions DROP COLUMN previous_refresh_hash;

-- Failed sign-ins, so the limits per account and per source address hold across a restart.
-- The key is the SHA-256 (hex) of 'account:<username>' or 'source:<address>': a username
-- typed into the wrong field may be someone's password, and is not kept in the clear. Rows
-- older than the counting window are deleted as new ones arrive.
CREATE TABLE sign_in_failures (
    key_hash    TEXT NOT NULL,
    failed_at   TEXT NOT NULL
);

CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key_hash, failed_at);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (failed_at);
