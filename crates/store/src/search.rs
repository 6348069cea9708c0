//! One page of the queue for the window: the rows it shows, found by words and filters, with
//! where the words matched, and the counts its menus and headings need.
//!
//! The rows are the queue's ([`crate::queue`]: same scope, same order), narrowed by an FTS5
//! search of the body, the customer post, the channel and the author (the `drafts_search`
//! table, kept in step with `drafts` by triggers). What the reviewer types is never FTS5
//! syntax: each word is quoted as a phrase ([`fts_query`]), and the last one matches as a
//! prefix, so results follow the typing.
//!
//! Match positions are code points — the unit of the finding spans and the annotation
//! selectors — so the window can split the text and wrap the matched pieces in `<mark>`
//! as text nodes.

use crate::columns::urgency_rank;
use crate::queue::{self, PREVIEW_CHARS, QueueFilter, QueueItem, scoped_steps};
use crate::queue_index::{Entry, QueueIndex};
use crate::{Cache, StoreError};
use countersign_core::finding::Span;
use countersign_core::{Network, Urgency};
use rusqlite::OptionalExtension;
use std::collections::{BTreeMap, HashMap};

/// The most rows one page returns, whatever is asked: the window asks for what it shows.
pub const MAX_PAGE: usize = 500;

/// highlight()'s markers around a matched token. The index holds no such character of its
/// own (the migration turns them into spaces), so they cannot be confused with the text.
const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// Code points of context kept before a match when a field is cut around it.
const CONTEXT_BEFORE: usize = 40;

/// What the window asks for: a slice of the queue matching a filter and some words.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueuePage {
    /// Which drafts (its `limit` and `offset` are ignored: this page's own count).
    pub filter: QueueFilter,
    /// Words to find, as typed; blank means no search.
    pub text: String,
    /// Rows to skip.
    pub offset: usize,
    /// Rows wanted, at most [`MAX_PAGE`].
    pub limit: usize,
}

/// One row of a page: the queue item and where the search words are in it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PageItem {
    /// The row, as the queue lists it.
    #[serde(flatten)]
    pub item: QueueItem,
    /// Where the words matched (all empty without a search).
    pub matches: Matches,
}

/// Where the search words matched in one row, as code-point spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Matches {
    /// In [`QueueItem::preview`].
    pub preview: Vec<Span>,
    /// The body around its first match, when the preview shows none of them near its start
    /// (where a row has room for them).
    pub body: Option<Excerpt>,
    /// In the customer post the draft answers: the post around its first match.
    pub post: Option<Excerpt>,
    /// In [`QueueItem::channel`].
    pub channel: Vec<Span>,
    /// In [`QueueItem::author`].
    pub author: Vec<Span>,
}

/// A piece of a longer text around a match, on one line (cut ends shown as `…`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Excerpt {
    /// The piece.
    pub text: String,
    /// The matches in it.
    pub matches: Vec<Span>,
}

/// A page of the queue and the counts around it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueuePageAnswer {
    /// The rows asked for, in queue order.
    pub items: Vec<PageItem>,
    /// Rows matching the filter and the words, across all pages.
    pub total: u64,
    /// For each filter menu, how many rows each choice would give with the other filters
    /// and the words as they are.
    pub counts: FilterCounts,
    /// Of the rows matching the filters and words (whatever `decided_by_me` says), those
    /// without a decision made here.
    pub to_review: u64,
    /// And those with one.
    pub decided: u64,
    /// Drafts in the whole queue (no filter, no words) without a decision made here: the
    /// number for the window title.
    pub all_to_review: u64,
}

/// How many rows each choice of a filter menu would give.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FilterCounts {
    /// By network wire name.
    pub network: BTreeMap<String, u64>,
    /// By channel (of the chosen network, if one is).
    pub channel: BTreeMap<String, u64>,
    /// By urgency wire name.
    pub urgency: BTreeMap<String, u64>,
    /// With and without findings worth a look.
    pub findings: Split,
    /// With and without a decision made here.
    pub decided_by_me: Split,
}

/// A count split in two by a yes/no filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Split {
    /// Rows for which it holds (`has_findings: true`, `decided_by_me: true`).
    pub yes: u64,
    /// The others.
    pub no: u64,
}

/// The reviewer's words as an FTS5 query that cannot be anything but words: each
/// whitespace-separated word becomes a quoted phrase (`"` doubled inside), all of them
/// required; the last one also matches longer words (`"outa"*` finds "outage") unless the
/// text ends in a space. Words without a letter or digit are dropped (the tokenizer would
/// find nothing in them). `None` when nothing is left to search for.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let last = words.len().checked_sub(1)?;
    let typing = !text.ends_with(char::is_whitespace);
    let phrases: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let quoted = format!("\"{}\"", word.replace('"', "\"\""));
            if i == last && typing {
                quoted + "*"
            } else {
                quoted
            }
        })
        .collect();
    Some(phrases.join(" "))
}

/// The page's filters in the index's terms. A channel no listed draft has is `Some(None)`:
/// nothing passes it.
struct Wanted {
    network: Option<Network>,
    channel: Option<Option<u32>>,
    urgency: Option<i64>,
    findings: Option<bool>,
    decided: Option<bool>,
}

impl Wanted {
    fn new(filter: &QueueFilter, index: &QueueIndex) -> Wanted {
        Wanted {
            network: filter.network,
            channel: filter.channel.as_deref().map(|c| index.channel_id(c)),
            urgency: filter.urgency.map(urgency_rank),
            findings: filter.has_findings,
            decided: filter.decided_by_me,
        }
    }

    /// Whether `entry` (with a decision made here or not) passes every filter but `skip`
    /// (a menu's own, for its counts).
    fn passes(&self, entry: &Entry, decided: bool, skip: Option<Facet>) -> bool {
        let on = |facet| skip != Some(facet);
        (!on(Facet::Network) || self.network.is_none_or(|n| n == entry.network))
            && (!on(Facet::Channel) || self.channel.is_none_or(|c| c == Some(entry.channel)))
            && (!on(Facet::Urgency) || self.urgency.is_none_or(|u| u == entry.urgency))
            && (!on(Facet::Findings) || self.findings.is_none_or(|f| f == entry.flagged))
            && (!on(Facet::Decided) || self.decided.is_none_or(|d| d == decided))
    }
}

/// The filter menus, each counted with the other filters applied.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Network,
    Channel,
    Urgency,
    Findings,
    Decided,
}

/// The counts one pass over a list gathers, before names are put on them.
#[derive(Default)]
struct Tally {
    network: BTreeMap<&'static str, u64>,
    channel: Vec<u64>,
    urgency: [u64; 3],
    findings: Split,
    decided_by_me: Split,
    total: u64,
}

impl Tally {
    fn add(&mut self, entry: &Entry, decided: bool, wanted: &Wanted) {
        if wanted.passes(entry, decided, Some(Facet::Network)) {
            *self.network.entry(entry.network.as_str()).or_default() += 1;
        }
        if wanted.passes(entry, decided, Some(Facet::Channel)) {
            let at = entry.channel as usize;
            if self.channel.len() <= at {
                self.channel.resize(at + 1, 0);
            }
            self.channel[at] += 1;
        }
        if wanted.passes(entry, decided, Some(Facet::Urgency))
            && let Some(n) = usize::try_from(entry.urgency)
                .ok()
                .and_then(|u| self.urgency.get_mut(u))
        {
            *n += 1;
        }
        if wanted.passes(entry, decided, Some(Facet::Findings)) {
            self.findings.add(entry.flagged);
        }
        if wanted.passes(entry, decided, Some(Facet::Decided)) {
            self.decided_by_me.add(decided);
        }
    }

    fn counts(self, index: &QueueIndex) -> FilterCounts {
        let urgency = [Urgency::Crisis, Urgency::Urgent, Urgency::Normal]
            .into_iter()
            .filter_map(|u| {
                let n = usize::try_from(urgency_rank(u))
                    .ok()
                    .and_then(|rank| self.urgency.get(rank))
                    .copied()
                    .unwrap_or(0);
                (n > 0).then(|| (u.as_str().to_owned(), n))
            })
            .collect();
        FilterCounts {
            network: self
                .network
                .into_iter()
                .map(|(name, n)| (name.to_owned(), n))
                .collect(),
            channel: self
                .channel
                .iter()
                .zip(&index.channels)
                .filter(|(n, _)| **n > 0)
                .map(|(n, name)| (name.clone(), *n))
                .collect(),
            urgency,
            findings: self.findings,
            decided_by_me: self.decided_by_me,
        }
    }
}

impl Split {
    fn add(&mut self, yes: bool) {
        if yes {
            self.yes += 1;
        } else {
            self.no += 1;
        }
    }
}

impl Cache {
    /// One page of the queue for `page`'s filter and words, with where the words matched
    /// in each row, the total, the filter menus' counts, and the to-review and decided
    /// counts. Text that finds nothing is an empty page, never an error.
    ///
    /// One pass over the queue's shape in memory (`queue_index.rs`) finds the page and
    /// every count; the words are one FTS5 query for the matching rowids; then only the
    /// page's rows are read whole.
    pub fn queue_page(&self, page: &QueuePage) -> Result<QueuePageAnswer, StoreError> {
        let query = fts_query(&page.text);
        let limit = page.limit.min(MAX_PAGE);
        let filter = &page.filter;
        let index = self.queue_index()?;
        let decided_here = self.decided_rowids()?;
        let list = if filter.pre_approved {
            &index.pre_approved
        } else {
            &index.pending
        };
        let decided = list.marks(&decided_here);
        let matched = match &query {
            Some(query) => Some(list.marks(&self.matching_rowids(query)?)),
            None => None,
        };
        // The reviewer's steps, as the index numbers them (a step no draft waits for
        // matches none). Decided ones are in scope whatever step they wait for.
        let steps: Option<Vec<u32>> = scoped_steps(filter)
            .map(|steps| steps.iter().filter_map(|s| index.step_id(s)).collect());
        let in_scope = |entry: &Entry, decided: bool| {
            decided
                || steps
                    .as_ref()
                    .is_none_or(|steps| entry.step.is_some_and(|s| steps.contains(&s)))
        };
        let wanted = Wanted::new(filter, &index);
        let mut tally = Tally::default();
        let mut rowids = Vec::with_capacity(limit);
        let mut whole_to_review = 0;
        for (at, entry) in list.entries.iter().enumerate() {
            let decided = decided[at];
            if !in_scope(entry, decided) {
                continue;
            }
            whole_to_review += u64::from(!decided);
            if matched.as_ref().is_some_and(|m| !m[at]) {
                continue;
            }
            tally.add(entry, decided, &wanted);
            if wanted.passes(entry, decided, None) {
                tally.total += 1;
                if tally.total > page.offset as u64 && rowids.len() < limit {
                    rowids.push(entry.rowid);
                }
            }
        }
        // The window title's number is the pending queue's, whichever list is paged.
        let all_to_review = if filter.pre_approved {
            let decided = index.pending.marks(&decided_here);
            index
                .pending
                .entries
                .iter()
                .zip(decided)
                .filter(|(entry, decided)| !decided && in_scope(entry, *decided))
                .count() as u64
        } else {
            whole_to_review
        };
        let total = tally.total;
        let counts = tally.counts(&index);
        drop(index);

        let mut items = Vec::with_capacity(rowids.len());
        let mut read = self
            .conn
            .prepare_cached(&format!("{} WHERE d.rowid = ?1", queue::ITEM_SELECT))?;
        let mut marked = match &query {
            Some(query) => self.marked(query, &rowids)?,
            None => HashMap::new(),
        };
        for rowid in rowids {
            let Some(item) = read.query_row([rowid], queue::item).optional()? else {
                continue;
            };
            let matches = marked.remove(&rowid).map(matches).unwrap_or_default();
            items.push(PageItem { item, matches });
        }
        Ok(QueuePageAnswer {
            items,
            total,
            to_review: counts.decided_by_me.no,
            decided: counts.decided_by_me.yes,
            counts,
            all_to_review,
        })
    }

    /// The rowids the search index matches for `query`, ascending.
    fn matching_rowids(&self, query: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid FROM drafts_search WHERE drafts_search MATCH ?1 ORDER BY rowid",
        )?;
        // FTS5 reads its doclists by rowid: the ORDER BY costs no sort.
        let rows = stmt.query_map([query], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The rowids of the drafts with a decision made here (a handful, from the outbox),
    /// ascending.
    fn decided_rowids(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.rowid FROM drafts d WHERE d.id IN {} ORDER BY d.rowid",
            queue::DECIDED_HERE
        ))?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The page's fields with `query`'s matches marked by highlight(), by rowid.
    ///
    /// One pass over the matches for all of them: `+rowid` keeps the page's rowids out of
    /// FTS5's plan, which would otherwise run the whole query again for each one (expanding
    /// a typed prefix each time); highlight() is only worked out for the rows kept.
    fn marked(&self, query: &str, rowids: &[i64]) -> Result<HashMap<i64, [String; 4]>, StoreError> {
        let wanted = format!(
            "[{}]",
            rowids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid,
                    highlight(drafts_search, 0, char(1), char(2)),
                    highlight(drafts_search, 1, char(1), char(2)),
                    highlight(drafts_search, 2, char(1), char(2)),
                    highlight(drafts_search, 3, char(1), char(2))
             FROM drafts_search
             WHERE drafts_search MATCH ?1 AND +rowid IN (SELECT value FROM json_each(?2))",
        )?;
        let rows = stmt.query_map(rusqlite::params![query, wanted], |row| {
            Ok((
                row.get(0)?,
                [row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?],
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Where the words matched in one row, from its fields as [`Cache::marked`] gives them.
fn matches([body, post, channel, author]: [String; 4]) -> Matches {
    // The index's copy of the body differs from the draft's only in the markers it
    // cannot hold (spaces instead, one code point each): same lines, same positions.
    let (body, body_spans) = unmark(&body);
    let (start, preview) = queue::preview_at(&body);
    // A cut preview ends in "…", which is not the body's.
    let shown = if preview.chars().count() == PREVIEW_CHARS && preview.ends_with('…') {
        PREVIEW_CHARS - 1
    } else {
        preview.chars().count()
    };
    let preview_spans = within(&body_spans, start, start + shown);
    // A row shows the start of its preview; words matched further on are shown where
    // they are, with the words around them.
    let hidden = preview_spans
        .first()
        .is_none_or(|s| s.start > CONTEXT_BEFORE);
    let body = match (hidden, body_spans.first()) {
        (true, Some(first)) => Some(excerpt(&body, &body_spans, *first)),
        _ => None,
    };
    let (post, post_spans) = unmark(&post);
    let post = post_spans
        .first()
        .map(|first| excerpt(&post, &post_spans, *first));
    Matches {
        preview: preview_spans,
        body,
        post,
        channel: unmark(&channel).1,
        author: unmark(&author).1,
    }
}

/// Text marked by highlight(), without its markers, and the marked spans in code points.
fn unmark(marked: &str) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(marked.len());
    let mut spans = Vec::new();
    let mut at = 0;
    let mut open = None;
    for c in marked.chars() {
        match c {
            OPEN => open = Some(at),
            CLOSE => {
                if let Some(start) = open.take()
                    && at > start
                {
                    spans.push(Span { start, end: at });
                }
            }
            _ => {
                text.push(c);
                at += 1;
            }
        }
    }
    (text, spans)
}

/// The parts of `spans` inside `[from, to)`, relative to `from`.
fn within(spans: &[Span], from: usize, to: usize) -> Vec<Span> {
    spans
        .iter()
        .filter_map(|s| {
            let (start, end) = (s.start.max(from), s.end.min(to));
            (start < end).then(|| Span {
                start: start - from,
                end: end - from,
            })
        })
        .collect()
}

/// `text` cut to about [`PREVIEW_CHARS`] code points around `first`, on one line, with the
/// spans that fall in it.
fn excerpt(text: &str, spans: &[Span], first: Span) -> Excerpt {
    let chars: Vec<char> = text.chars().collect();
    let from = first.start.saturating_sub(CONTEXT_BEFORE);
    let to = (from + PREVIEW_CHARS).min(chars.len());
    let lead = from > 0;
    let mut piece = String::new();
    if lead {
        piece.push('…');
    }
    // One line: line breaks and tabs read as spaces (one code point each, so spans hold).
    piece.extend(
        chars[from..to]
            .iter()
            .map(|c| if c.is_whitespace() { ' ' } else { *c }),
    );
    if to < chars.len() {
        piece.push('…');
    }
    let shift = usize::from(lead);
    let matches = within(spans, from, to)
        .into_iter()
        .map(|s| Span {
            start: s.start + shift,
            end: s.end + shift,
        })
        .collect();
    Excerpt {
        text: piece,
        matches,
    }
}

#[cfg(test)]
mod tests;
