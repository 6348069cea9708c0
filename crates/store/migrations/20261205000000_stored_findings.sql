-- The guard's findings themselves, beside the verdict they sum up (`risk`, `findings`), as
-- JSON: the draft pane, an approval and a bulk check read them instead of running the
-- guard again, so the compiled guard (~18 MiB of patterns) need only be in memory while
-- new drafts are reviewed. NULL whenever the verdict is (not reviewed as the draft is now).
ALTER TABLE drafts ADD COLUMN findings_json TEXT;

