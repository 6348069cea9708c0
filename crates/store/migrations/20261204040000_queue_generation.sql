-- A counter that moves whenever a draft's place in the queue or one of its filtered facets
-- changes (or a draft comes or goes), so the in-memory copy of the queue's shape
-- (queue_index.rs) knows when to read it again, whichever connection made the change.
-- Text-only edits (body, post) leave it: the search index answers for the words.
CREATE TABLE drafts_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO drafts_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER drafts_generation_insert AFTER INSERT ON drafts
BEGIN
    UPDATE drafts_generation SET generation = generation + 1;
END;

CREATE TRIGGER drafts_generation_delete AFTER DELETE ON drafts
BEGIN
    UPDATE drafts_generation SET generation = generation + 1;
END;

CREATE TRIGGER drafts_generation_update AFTER UPDATE ON drafts
WHEN old.id IS NOT new.id
  OR old.status IS NOT new.status
  OR old.pre_approved_reply IS NOT new.pre_approved_reply
  OR old.network IS NOT new.network
  OR old.channel IS NOT new.channel
  OR old.urgency IS NOT new.urgency
  OR old.scheduled_at IS NOT new.scheduled_at
  OR old.created_at IS NOT new.created_at
  OR old.risk IS NOT new.risk
  OR old.next_step IS NOT new.next_step
BEGIN
    UPDATE drafts_generation SET generation = generation + 1;
END;

-- The pre-approved replies in their list's order (newest first) with every column the
-- filters read, as drafts_page is for the pending queue: read from the index alone (the
-- reply's id is there too, or SQLite would read the row to check it is not NULL).
CREATE INDEX drafts_pre_approved ON drafts (created_at DESC, id, network, channel, urgency, risk,
                                            next_step, pre_approved_reply)
    WHERE status = 'approved' AND pre_approved_reply IS NOT NULL;

-- The menus' counts come from the in-memory copy now, not from this index: one less index
-- for every pulled draft to update.
DROP INDEX drafts_facets;
