-- Every comment a push applied, kept whole: a draft's history folds old entries away
-- (countersign_core::limits::trim_history), and accepting a suggestion must still find the
-- comment it came with. accepted_version is the version the accepted suggestion made.
CREATE TABLE annotations (
    draft_id          TEXT NOT NULL REFERENCES drafts (id),
    id                TEXT NOT NULL,
    annotation_json   TEXT NOT NULL,
    accepted_version  BIGINT,
    PRIMARY KEY (draft_id, id)
);

-- The comments already in the drafts' histories.
INSERT OR IGNORE INTO annotations (draft_id, id, annotation_json)
SELECT d.id, json_extract(h.value, '$.annotation.id'), json_extract(h.value, '$.annotation')
FROM drafts AS d, json_each(d.draft_json, '$.history') AS h
WHERE json_extract(h.value, '$.event') = 'annotated'
  AND json_extract(h.value, '$.annotation.id') IS NOT NULL;
