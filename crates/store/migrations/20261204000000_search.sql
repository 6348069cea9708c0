-- Full-text search over the drafts the queue can list (the pending ones, and the pre-approved
-- replies that went out without review): the body, the customer post it answers, the channel
-- and the author's display name. FTS5 keeps its own copy of the text (contentful), so
-- highlight() can say where the words matched.
--
-- A row's rowid is its draft's rowid in `drafts` (stable: upserts update in place, and the
-- cache is never VACUUMed). Triggers keep it in step with `drafts` inside whatever
-- transaction changes a draft (a pulled page, a reset), so the two never disagree.
--
-- U+0001 and U+0002 are highlight()'s markers (search.rs); a draft's own become spaces here.
-- A space is one code point too, so positions in the index are positions in the draft, and
-- the tokenizer reads both as separators anyway.
CREATE VIRTUAL TABLE drafts_search USING fts5(
    body, post, channel, author,
    tokenize = 'unicode61 remove_diacritics 2',
    -- Prefixes of 1 to 3 characters have their own index: the last word is a prefix while
    -- it is typed, and a short one would otherwise merge the doclists of every word it
    -- starts.
    prefix = '1 2 3'
);

CREATE TRIGGER drafts_search_insert AFTER INSERT ON drafts
WHEN new.status = 'pending' OR (new.status = 'approved' AND new.pre_approved_reply IS NOT NULL)
BEGIN
    INSERT INTO drafts_search (rowid, body, post, channel, author) VALUES (
        new.rowid,
        replace(replace(new.body, char(1), ' '), char(2), ' '),
        replace(replace(coalesce(json_extract(new.draft, '$.in_reply_to.text'), ''), char(1), ' '), char(2), ' '),
        replace(replace(new.channel, char(1), ' '), char(2), ' '),
        replace(replace(new.author, char(1), ' '), char(2), ' '));
END;

CREATE TRIGGER drafts_search_delete AFTER DELETE ON drafts
BEGIN
    DELETE FROM drafts_search WHERE rowid = old.rowid;
END;

-- Not on a verdict (risk, findings): only when what is searched, or whether it is, changes.
CREATE TRIGGER drafts_search_update
AFTER UPDATE OF body, draft, channel, author, status, pre_approved_reply ON drafts
BEGIN
    DELETE FROM drafts_search WHERE rowid = old.rowid;
    INSERT INTO drafts_search (rowid, body, post, channel, author)
    SELECT
        new.rowid,
        replace(replace(new.body, char(1), ' '), char(2), ' '),
        replace(replace(coalesce(json_extract(new.draft, '$.in_reply_to.text'), ''), char(1), ' '), char(2), ' '),
        replace(replace(new.channel, char(1), ' '), char(2), ' '),
        replace(replace(new.author, char(1), ' '), char(2), ' ')
    WHERE new.status = 'pending' OR (new.status = 'approved' AND new.pre_approved_reply IS NOT NULL);
END;

-- The drafts already cached when this migration runs.
INSERT INTO drafts_search (rowid, body, post, channel, author)
SELECT
    rowid,
    replace(replace(body, char(1), ' '), char(2), ' '),
    replace(replace(coalesce(json_extract(draft, '$.in_reply_to.text'), ''), char(1), ' '), char(2), ' '),
    replace(replace(channel, char(1), ' '), char(2), ' '),
    replace(replace(author, char(1), ' '), char(2), ' ')
FROM drafts
WHERE status = 'pending' OR (status = 'approved' AND pre_approved_reply IS NOT NULL);

-- The filter menus' counts read every pending draft's facets from this index alone, never
-- the wide rows (whose JSON is most of the file).
CREATE INDEX drafts_facets ON drafts (network, channel, urgency, risk, next_step)
    WHERE status = 'pending';
-- A page of the queue: its order (as drafts_queue) and every column a filter reads, so
-- finding the page's rows never reads a wide row; only the rows returned are read.
CREATE INDEX drafts_page ON drafts (urgency, scheduled_at IS NULL, scheduled_at, created_at, id,
                                    network, channel, risk, next_step)
    WHERE status = 'pending';
