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
use crate::queue::{self, PREVIEW_CHARS, QueueFilter, QueueItem, placeholders, scoped_steps};
use crate::{Cache, StoreError};
use countersign_core::Urgency;
use countersign_core::finding::Span;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use std::collections::BTreeMap;

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

/// One combination of facet values and how many rows have it.
#[derive(Clone, Debug)]
struct Group {
    network: String,
    channel: String,
    urgency: i64,
    flagged: bool,
    decided: bool,
    rows: u64,
}

/// Which of the page's filters a group passes; `skip` names the one left out (a menu's own).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Network,
    Channel,
    Urgency,
    Findings,
    Decided,
}

fn passes(group: &Group, filter: &QueueFilter, skip: Option<Facet>) -> bool {
    let on = |facet| skip != Some(facet);
    (!on(Facet::Network) || filter.network.is_none_or(|n| n.as_str() == group.network))
        && (!on(Facet::Channel) || filter.channel.as_ref().is_none_or(|c| *c == group.channel))
        && (!on(Facet::Urgency)
            || filter
                .urgency
                .is_none_or(|u| urgency_rank(u) == group.urgency))
        && (!on(Facet::Findings) || filter.has_findings.is_none_or(|f| f == group.flagged))
        && (!on(Facet::Decided) || filter.decided_by_me.is_none_or(|d| d == group.decided))
}

fn sum(groups: &[Group], filter: &QueueFilter, skip: Option<Facet>) -> u64 {
    groups
        .iter()
        .filter(|g| passes(g, filter, skip))
        .map(|g| g.rows)
        .sum()
}

fn urgency_name(rank: i64) -> &'static str {
    [Urgency::Crisis, Urgency::Urgent, Urgency::Normal]
        .into_iter()
        .find(|u| urgency_rank(*u) == rank)
        .map_or("normal", Urgency::as_str)
}

impl Cache {
    /// One page of the queue for `page`'s filter and words, with where the words matched
    /// in each row, the total, the filter menus' counts, and the to-review and decided
    /// counts. Text that finds nothing is an empty page, never an error.
    pub fn queue_page(&self, page: &QueuePage) -> Result<QueuePageAnswer, StoreError> {
        let query = fts_query(&page.text);
        let limit = page.limit.min(MAX_PAGE);
        // The page's rows from the narrow index first, then only those rows read whole.
        let (sql, params) = queue::queue_sql(
            &page.filter,
            query.as_deref(),
            Some(limit),
            page.offset,
            true,
        );
        let rowids: Vec<i64> = {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut items = Vec::with_capacity(rowids.len());
        let mut read = self
            .conn
            .prepare_cached(&format!("{} WHERE d.rowid = ?1", queue::ITEM_SELECT))?;
        for rowid in rowids {
            let Some(item) = read.query_row([rowid], queue::item).optional()? else {
                continue;
            };
            let matches = match &query {
                Some(query) => self.matches(query, rowid)?,
                None => Matches::default(),
            };
            items.push(PageItem { item, matches });
        }

        let groups = self.groups(&page.filter, query.as_deref())?;
        let filter = &page.filter;
        let mut counts = FilterCounts::default();
        for group in &groups {
            if passes(group, filter, Some(Facet::Network)) {
                *counts.network.entry(group.network.clone()).or_default() += group.rows;
            }
            if passes(group, filter, Some(Facet::Channel)) {
                *counts.channel.entry(group.channel.clone()).or_default() += group.rows;
            }
            if passes(group, filter, Some(Facet::Urgency)) {
                let name = urgency_name(group.urgency).to_owned();
                *counts.urgency.entry(name).or_default() += group.rows;
            }
            if passes(group, filter, Some(Facet::Findings)) {
                let side = if group.flagged {
                    &mut counts.findings.yes
                } else {
                    &mut counts.findings.no
                };
                *side += group.rows;
            }
            if passes(group, filter, Some(Facet::Decided)) {
                let side = if group.decided {
                    &mut counts.decided_by_me.yes
                } else {
                    &mut counts.decided_by_me.no
                };
                *side += group.rows;
            }
        }
        let all_to_review = if query.is_none() && !filter.pre_approved {
            groups.iter().filter(|g| !g.decided).map(|g| g.rows).sum()
        } else {
            let whole = QueueFilter {
                next_steps: filter.next_steps.clone(),
                ..QueueFilter::default()
            };
            self.groups(&whole, None)?
                .iter()
                .filter(|g| !g.decided)
                .map(|g| g.rows)
                .sum()
        };
        Ok(QueuePageAnswer {
            items,
            total: sum(&groups, filter, None),
            to_review: counts.decided_by_me.no,
            decided: counts.decided_by_me.yes,
            counts,
            all_to_review,
        })
    }

    /// The rows in `filter`'s scope (pending or pre-approved, the reviewer's steps) matching
    /// `query`, counted by their facets — whatever the facet filters say, so that every
    /// menu's counts come from one pass.
    ///
    /// Two passes over small things rather than one probe of the outbox per draft: the
    /// drafts waiting for the reviewer's steps (from the `drafts_facets` index alone), and
    /// the drafts decided here (from the outbox, a handful). Decided ones are in scope
    /// whatever step they wait for.
    fn groups(&self, filter: &QueueFilter, query: Option<&str>) -> Result<Vec<Group>, StoreError> {
        let base = if filter.pre_approved {
            "d.status = 'approved' AND d.pre_approved_reply IS NOT NULL"
        } else {
            "d.status = 'pending'"
        };
        let mut params: Vec<Value> = Vec::new();
        let mut text = String::new();
        if let Some(query) = query {
            params.push(Value::Text(query.to_owned()));
            text = format!(
                " AND +d.rowid IN (SELECT rowid FROM drafts_search WHERE drafts_search MATCH ?{})",
                params.len()
            );
        }
        let steps = scoped_steps(filter);
        let (step_clause, in_steps) = match steps {
            Some(steps) => {
                let marks = placeholders(steps, &mut params);
                (
                    format!(" AND d.next_step IN ({marks})"),
                    format!("d.next_step IN ({marks})"),
                )
            }
            None => (String::new(), "1".to_owned()),
        };
        let scope_sql = format!(
            "SELECT d.network, d.channel, d.urgency, d.risk, count(*) FROM drafts d
             WHERE {base}{text}{step_clause}
             GROUP BY d.network, d.channel, d.urgency, d.risk"
        );
        let decided_sql = format!(
            "SELECT d.network, d.channel, d.urgency, d.risk, {in_steps}, count(*) FROM drafts d
             WHERE {base}{text}
               AND d.id IN (SELECT draft_id FROM outbox WHERE verdict IS NOT NULL)
             GROUP BY d.network, d.channel, d.urgency, d.risk, 5"
        );
        let flagged = |risk: Option<i64>| risk.is_some_and(|r| r >= 2);
        let mut by_key: BTreeMap<(String, String, i64, bool, bool), u64> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&scope_sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
            while let Some(row) = rows.next()? {
                let key = (
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    flagged(row.get(3)?),
                    false,
                );
                *by_key.entry(key).or_default() += row.get::<_, u64>(4)?;
            }
        }
        let mut stmt = self.conn.prepare_cached(&decided_sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            let (network, channel, urgency): (String, String, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            let flag = flagged(row.get(3)?);
            let counted_as_waiting: bool = row.get(4)?;
            let n: u64 = row.get(5)?;
            if counted_as_waiting {
                // The first pass counted these as waiting; they are decided.
                let waiting = (network.clone(), channel.clone(), urgency, flag, false);
                if let Some(count) = by_key.get_mut(&waiting) {
                    *count = count.saturating_sub(n);
                }
            }
            *by_key
                .entry((network, channel, urgency, flag, true))
                .or_default() += n;
        }
        Ok(by_key
            .into_iter()
            .filter(|(_, rows)| *rows > 0)
            .map(
                |((network, channel, urgency, flagged, decided), rows)| Group {
                    network,
                    channel,
                    urgency,
                    flagged,
                    decided,
                    rows,
                },
            )
            .collect())
    }

    /// Where `query` matched in the draft at search-index row `rowid`.
    fn matches(&self, query: &str, rowid: i64) -> Result<Matches, StoreError> {
        let marked: Option<[String; 4]> = self
            .conn
            .prepare_cached(
                "SELECT highlight(drafts_search, 0, char(1), char(2)),
                        highlight(drafts_search, 1, char(1), char(2)),
                        highlight(drafts_search, 2, char(1), char(2)),
                        highlight(drafts_search, 3, char(1), char(2))
                 FROM drafts_search WHERE drafts_search MATCH ?1 AND rowid = ?2",
            )?
            .query_row(rusqlite::params![query, rowid], |row| {
                Ok([row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?])
            })
            .optional()?;
        let Some([body, post, channel, author]) = marked else {
            return Ok(Matches::default());
        };
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
        Ok(Matches {
            preview: preview_spans,
            body,
            post,
            channel: unmark(&channel).1,
            author: unmark(&author).1,
        })
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
