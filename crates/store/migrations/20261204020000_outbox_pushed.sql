-- When a push holding the row was first started. From then on the server may have the
-- mutation (the answer can be lost on the way back), so it can no longer be undone, and the
-- ids after it can no longer be renumbered. Rows already queued when this column arrived
-- may have been sent by the older build: they count as pushed.
ALTER TABLE outbox ADD COLUMN pushed_at INTEGER;
UPDATE outbox SET pushed_at = created_at;
