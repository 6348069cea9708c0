//! The queue's shape in memory: every listable draft's place in its list and the facets the
//! filters read, copied once from the narrow indexes and kept until a draft changes.
//!
//! A page of the queue, its total and every filter menu's counts then come from one pass
//! over this copy (and, with words, one FTS5 query for the matching rowids), where SQL needed
//! a query per count, each repeating the full-text match: at 50,000 drafts that is a few
//! milliseconds against a hundred. The `drafts_generation` counter, moved by triggers when a
//! draft comes, goes or changes a facet or its place, says when the copy is stale — whichever
//! connection changed it. Decisions made here are not in the copy: they are read per page
//! (a handful of outbox rows), so deciding does not make the next page read everything again.
//!
//! About 24 bytes a draft, plus each distinct channel and step name once.

use crate::{Cache, StoreError};
use countersign_core::Network;
use std::collections::HashMap;

/// One draft as the queue's filters see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its rowid in `drafts`, which is its rowid in the search index.
    pub rowid: i64,
    pub network: Network,
    /// Index into [`QueueIndex::channels`].
    pub channel: u32,
    /// 0 crisis, 1 urgent, 2 normal (the column's ranks).
    pub urgency: i64,
    /// The guard found something worth a look (warn or block).
    pub flagged: bool,
    /// The approval step it waits for: an index into [`QueueIndex::steps`].
    pub step: Option<u32>,
}

/// One list the window pages through, in its order.
#[derive(Debug, Default)]
pub(crate) struct List {
    /// The drafts, in the list's order.
    pub entries: Vec<Entry>,
    /// `(rowid, place in entries)`, by rowid: the order FTS5 gives its matches in, so marking
    /// the matches is one merge, no hashing.
    by_rowid: Vec<(i64, u32)>,
}

impl List {
    fn new(entries: Vec<Entry>) -> List {
        let mut by_rowid: Vec<(i64, u32)> = entries
            .iter()
            .zip(0u32..)
            .map(|(entry, at)| (entry.rowid, at))
            .collect();
        by_rowid.sort_unstable();
        List { entries, by_rowid }
    }

    /// For each entry, whether its rowid is in `rowids` (ascending).
    pub fn marks(&self, rowids: &[i64]) -> Vec<bool> {
        let mut marks = vec![false; self.entries.len()];
        let mut wanted = rowids.iter().peekable();
        for (rowid, at) in &self.by_rowid {
            while wanted.next_if(|w| **w < *rowid).is_some() {}
            if wanted.peek() == Some(&rowid)
                && let Some(mark) = marks.get_mut(*at as usize)
            {
                *mark = true;
            }
        }
        marks
    }
}

/// Both lists the window pages through.
#[derive(Debug, Default)]
pub(crate) struct QueueIndex {
    /// The `drafts_generation` it was read at; `None` until it has been read.
    generation: Option<i64>,
    /// Pending drafts in queue order (as `drafts_page`).
    pub pending: List,
    /// Pre-approved replies, newest first (as `drafts_pre_approved`).
    pub pre_approved: List,
    /// Channel names, each once.
    pub channels: Vec<String>,
    /// Step names, each once.
    pub steps: Vec<String>,
}

impl QueueIndex {
    /// The id of channel `name`, if any listed draft has it.
    pub fn channel_id(&self, name: &str) -> Option<u32> {
        position(&self.channels, name)
    }

    /// The id of step `name`, if any listed draft waits for it.
    pub fn step_id(&self, name: &str) -> Option<u32> {
        position(&self.steps, name)
    }
}

fn position(names: &[String], name: &str) -> Option<u32> {
    names
        .iter()
        .position(|n| n == name)
        .and_then(|i| u32::try_from(i).ok())
}

/// Interns names while the lists are read.
#[derive(Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    /// Borrowed from the row, so a name seen before costs no allocation.
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        // More distinct names than u32 holds cannot fit in memory anyway.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }
}

/// The pending queue's order: the same columns as `drafts_page` (and `queue.rs`'s ORDER BY),
/// so the list is read from that index in order, no sort.
const PENDING: &str = "SELECT d.rowid, d.network, d.channel, d.urgency, d.risk, d.next_step
     FROM drafts d WHERE d.status = 'pending'
     ORDER BY d.urgency, d.scheduled_at IS NULL, d.scheduled_at, d.created_at, d.id";

/// The pre-approved list's order, from `drafts_pre_approved`.
const PRE_APPROVED: &str = "SELECT d.rowid, d.network, d.channel, d.urgency, d.risk, d.next_step
     FROM drafts d WHERE d.status = 'approved' AND d.pre_approved_reply IS NOT NULL
     ORDER BY d.created_at DESC, d.id";

impl Cache {
    /// The queue's shape, read again only if a draft changed since it was last read.
    pub(crate) fn queue_index(&self) -> Result<std::cell::Ref<'_, QueueIndex>, StoreError> {
        let generation: i64 = self
            .conn
            .prepare_cached("SELECT generation FROM drafts_generation")?
            .query_row([], |row| row.get(0))?;
        if self.queue_index.borrow().generation != Some(generation) {
            let index = self.read_queue_index()?;
            *self.queue_index.borrow_mut() = index;
        }
        Ok(self.queue_index.borrow())
    }

    /// Reads both lists and the generation they are at in one read transaction.
    fn read_queue_index(&self) -> Result<QueueIndex, StoreError> {
        // Deferred: a read, which must not hold up a pull's writes on another connection.
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Deferred,
        )?;
        // The number read with the lists: a change between the caller's read and here is
        // then in the copy and under its own number.
        let generation: i64 = tx
            .prepare_cached("SELECT generation FROM drafts_generation")?
            .query_row([], |row| row.get(0))?;
        let mut channels = Names::default();
        let mut steps = Names::default();
        let mut list = |sql: &str| -> Result<Vec<Entry>, StoreError> {
            let mut stmt = tx.prepare_cached(sql)?;
            let mut rows = stmt.query([])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                let network = crate::columns::named(row, 1, Network::parse)?;
                let channel = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
                let step = row
                    .get_ref(5)?
                    .as_str_or_null()
                    .map_err(rusqlite::Error::from)?;
                entries.push(Entry {
                    rowid: row.get(0)?,
                    network,
                    channel: channels.id(channel),
                    urgency: row.get(3)?,
                    flagged: row.get::<_, Option<i64>>(4)?.is_some_and(|r| r >= 2),
                    step: step.map(|s| steps.id(s)),
                });
            }
            Ok(entries)
        };
        let pending = List::new(list(PENDING)?);
        let pre_approved = List::new(list(PRE_APPROVED)?);
        tx.finish()?;
        Ok(QueueIndex {
            generation: Some(generation),
            pending,
            pre_approved,
            channels: channels.names,
            steps: steps.names,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{cache, draft, seed};

    fn plan(cache: &crate::Cache, sql: &str) -> String {
        let rows: Vec<String> = cache
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.join("\n")
    }

    #[test]
    fn both_lists_are_read_from_narrow_indexes_in_order() {
        let cache = cache();
        for (sql, index) in [
            (super::PENDING, "COVERING INDEX drafts_page"),
            (super::PRE_APPROVED, "COVERING INDEX drafts_pre_approved"),
        ] {
            let plan = plan(&cache, sql);
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
        }
    }

    #[test]
    fn the_copy_is_read_again_only_when_a_draft_changes_its_place_or_facets() {
        let mut cache = cache();
        seed(&mut cache, &[draft(1, "one"), draft(2, "two")]);
        let first = cache.queue_index().unwrap().generation;
        assert_eq!(cache.queue_index().unwrap().pending.entries.len(), 2);

        let mut edited = draft(1, "one, reworded");
        edited.version = 2;
        seed(&mut cache, &[edited.clone()]);
        assert_eq!(
            cache.queue_index().unwrap().generation,
            first,
            "new words alone leave the copy as it is"
        );

        edited.version = 3;
        edited.urgency = countersign_core::Urgency::Crisis;
        seed(&mut cache, &[edited]);
        let index = cache.queue_index().unwrap();
        assert_ne!(index.generation, first);
        assert_eq!(
            index.pending.entries[0].urgency, 0,
            "the crisis comes first now"
        );
    }

    #[test]
    fn matches_are_marked_by_rowid_whatever_the_lists_order() {
        let entry = |rowid| super::Entry {
            rowid,
            network: countersign_core::Network::X,
            channel: 0,
            urgency: 2,
            flagged: false,
            step: None,
        };
        let list = super::List::new(vec![entry(7), entry(3), entry(9), entry(1)]);
        assert_eq!(list.marks(&[1, 2, 9, 12]), vec![false, false, true, true]);
        assert_eq!(list.marks(&[]), vec![false; 4]);
    }

    #[test]
    fn a_change_through_another_connection_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = crate::CacheKey::generate();
        let mut writer = crate::Cache::open(&path, &key).unwrap();
        let reader = crate::Cache::open(&path, &key).unwrap();
        seed(&mut writer, &[draft(1, "one")]);
        assert_eq!(reader.queue_index().unwrap().pending.entries.len(), 1);
        seed(&mut writer, &[draft(2, "two")]);
        assert_eq!(reader.queue_index().unwrap().pending.entries.len(), 2);
    }
}
