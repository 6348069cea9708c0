-- The drafts export asks, for each page of drafts, which webhook deliveries handed them to
-- publishing: one lookup per draft instead of a scan of the whole delivery queue.
CREATE INDEX webhook_deliveries_by_draft ON webhook_deliveries (draft_id, created_at);
