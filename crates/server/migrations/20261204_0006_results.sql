-- Push results without the draft.
--
-- Each processed mutation's first answer is kept so a retried push gets it again. A conflict
-- used to keep a whole copy of the draft as it was then, so 1,000 refused comments on a
-- 1 MB draft wrote 1 GB. Now a result keeps only what was decided (status, reason, message,
-- code, findings) and the id of the draft it is about; the answer to a push, first or
-- repeated, reads the draft as it is now, once per draft.
ALTER TABLE mutation_results ADD COLUMN draft_id TEXT;

-- Results stored before keep their draft's id and lose the copy. SQLite's JSON functions,
-- on a file this server wrote: the copy is the result's `draft` member.
UPDATE mutation_results
   SET draft_id = json_extract(result_json, '$.draft.id'),
       result_json = json_remove(result_json, '$.draft')
 WHERE json_type(result_json, '$.draft') IS NOT NULL;
