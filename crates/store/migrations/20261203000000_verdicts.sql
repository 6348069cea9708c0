-- The policy guard's verdict on each cached draft. The application runs the guard (with the
-- organisation's pack, cached in sync_state) and writes the verdict here, so the queue can
-- show a badge and filter on findings without reviewing thousands of drafts per listing.
-- NULL risk: not reviewed yet (new or changed since, or the pack or directory changed).
ALTER TABLE drafts ADD COLUMN risk INTEGER CHECK (risk IN (0, 1, 2, 3)); -- none, info, warn, block
ALTER TABLE drafts ADD COLUMN findings INTEGER NOT NULL DEFAULT 0;      -- how many findings

-- The drafts still to review, found without a scan.
CREATE INDEX drafts_unreviewed ON drafts (id) WHERE risk IS NULL AND status = 'pending';

-- The pre-approved reply a draft matched (the server approved it without review), so the
-- console can list what went out that way.
ALTER TABLE drafts ADD COLUMN pre_approved_reply TEXT;
