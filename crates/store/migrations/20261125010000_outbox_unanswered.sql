-- The rows a push sends and counts: those still waiting for the server's answer. Answered
-- rows stay in the outbox until a pull confirms them, and each carries a copy of the draft
-- it was decided on, so without this index every push batch would decrypt and skip them all.
CREATE INDEX outbox_unanswered ON outbox (mutation_id) WHERE answered_at IS NULL;
