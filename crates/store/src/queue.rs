//! The reviewer's queue: pending drafts in the order they should be decided.
//!
//! Most urgent first (crisis, urgent, normal); within an urgency, the soonest scheduled
//! first and unscheduled ones after them; then the oldest. Each item carries the newest
//! decision made here on that draft, if any, so the UI can show it as done — "not yet
//! synced" while unanswered — before the server has heard of it.

use crate::columns::{self, urgency_rank};
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::finding::Severity;
use countersign_core::{DraftId, MutationId, Network, Urgency, Verdict};
use rusqlite::types::Value;

/// The longest [`QueueItem::preview`], in characters.
pub const PREVIEW_CHARS: usize = 140;

/// Which part of the queue to list. The default is all of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueFilter {
    /// Only drafts for this network.
    pub network: Option<Network>,
    /// Only drafts for this channel (exact match, e.g. `@acme_help`).
    pub channel: Option<String>,
    /// Only drafts of this urgency.
    pub urgency: Option<Urgency>,
    /// Only drafts with (true) or without (false) findings worth a look (warn or block).
    #[serde(default)]
    pub has_findings: Option<bool>,
    /// Instead of the pending queue: the drafts the server approved without review because
    /// they are pre-approved replies, newest first.
    #[serde(default)]
    pub pre_approved: bool,
    /// Only drafts with (true) or without (false) a decision made here.
    #[serde(default)]
    pub decided_by_me: Option<bool>,
    /// At most this many items.
    pub limit: Option<usize>,
    /// Skip this many items first (for paging).
    pub offset: usize,
    /// Only drafts whose next step is one of these (the steps the reviewer may take), plus
    /// any with a decision made here. Set by the application from the signed-in user, never
    /// by the window.
    #[serde(skip)]
    pub next_steps: Option<Vec<String>>,
}

/// One line of the queue: enough to list and sort it without loading the whole draft.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QueueItem {
    /// The draft.
    pub id: DraftId,
    /// Its version.
    pub version: u64,
    /// Where it will be published.
    pub network: Network,
    /// The account on that network.
    pub channel: String,
    /// Its author's display name.
    pub author: String,
    /// How soon it needs a decision.
    pub urgency: Urgency,
    /// When it is meant to go out.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// The first line of the body, at most [`PREVIEW_CHARS`] characters (cut ones end in
    /// `…`).
    pub preview: String,
    /// The approval step it waits for.
    pub next_step: Option<String>,
    /// The newest decision made here on this draft, if any.
    pub local: Option<LocalDecision>,
    /// The policy guard's most serious finding on this version, if any.
    pub risk: Option<Severity>,
    /// How many findings it has.
    pub findings: u32,
    /// False until the guard has reviewed this version (just after a sync brought it).
    pub reviewed: bool,
    /// The pre-approved reply it matched, when the server approved it without review.
    pub pre_approved_reply: Option<String>,
    /// Seconds past its scheduled time when the queue was read: an approval now would be
    /// late. The cache keeps no clock, so it leaves this `None` and the app fills it in.
    pub late_by_secs: Option<u64>,
}

/// A decision in the outbox, as the queue shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LocalDecision {
    /// Its outbox id.
    pub mutation_id: MutationId,
    /// What was decided.
    pub verdict: Verdict,
    /// True once the server said it took effect; false while it is "not yet synced".
    pub answered: bool,
}

impl Cache {
    /// The pending drafts matching `filter`, in queue order, each with its local decision.
    pub fn queue(&self, filter: &QueueFilter) -> Result<Vec<QueueItem>, StoreError> {
        let (sql, params) = queue_sql(filter);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), item)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The columns of a queue row ([`item`] reads them), before its `WHERE`. Column 16 is the
/// draft's rowid, which is the search index's rowid.
pub(crate) const ITEM_SELECT: &str =
    "SELECT d.id, d.version, d.network, d.channel, d.author, d.urgency,
            d.scheduled_at, d.created_at, d.body, d.next_step,
            o.mutation_id, o.verdict, o.answered_at IS NOT NULL,
            d.risk, d.findings, d.pre_approved_reply, d.rowid
     FROM drafts d
     LEFT JOIN outbox o ON o.mutation_id = (
         SELECT max(mutation_id) FROM outbox
         WHERE draft_id = d.id AND verdict IS NOT NULL)";

/// The drafts with a decision made here, for `IN`: a handful, looked up once per query.
pub(crate) const DECIDED_HERE: &str = "(SELECT draft_id FROM outbox WHERE verdict IS NOT NULL)";

/// The rows of the queue matching `filter`, in queue order, with [`ITEM_SELECT`]'s columns.
/// The parameters go with the SQL, in order.
fn queue_sql(filter: &QueueFilter) -> (String, Vec<Value>) {
    let mut sql = String::from(ITEM_SELECT);
    let mut params: Vec<Value> = Vec::new();
    sql.push_str(&where_clause(filter, &mut params));
    match filter.decided_by_me {
        Some(true) => sql.push_str(&format!(" AND d.id IN {DECIDED_HERE}")),
        Some(false) => sql.push_str(&format!(" AND d.id NOT IN {DECIDED_HERE}")),
        None => {}
    }
    if filter.pre_approved {
        sql.push_str(" ORDER BY d.created_at DESC, d.id");
    } else {
        // The same columns, in the same order, as the drafts_queue index.
        sql.push_str(
            " ORDER BY d.urgency, d.scheduled_at IS NULL, d.scheduled_at, d.created_at, d.id",
        );
    }
    let limit = filter
        .limit
        .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    params.push(Value::Integer(limit));
    sql.push_str(&format!(" LIMIT ?{}", params.len()));
    params.push(Value::Integer(
        i64::try_from(filter.offset).unwrap_or(i64::MAX),
    ));
    sql.push_str(&format!(" OFFSET ?{}", params.len()));
    (sql, params)
}

/// `WHERE` and the filters over `drafts d` (the queue's scope, network, channel, urgency,
/// findings), appending their parameters to `params`.
fn where_clause(filter: &QueueFilter, params: &mut Vec<Value>) -> String {
    let mut sql = String::from(if filter.pre_approved {
        " WHERE d.status = 'approved' AND d.pre_approved_reply IS NOT NULL"
    } else {
        " WHERE d.status = 'pending'"
    });
    // Only the filters in use appear in the SQL, so each combination gets a plan that
    // can use the indexes (an `?1 IS NULL OR ...` clause would defeat them).
    if let Some(network) = filter.network {
        params.push(Value::Text(network.as_str().to_owned()));
        sql.push_str(&format!(" AND d.network = ?{}", params.len()));
    }
    if let Some(channel) = &filter.channel {
        params.push(Value::Text(channel.clone()));
        sql.push_str(&format!(" AND d.channel = ?{}", params.len()));
    }
    if let Some(urgency) = filter.urgency {
        params.push(Value::Integer(urgency_rank(urgency)));
        sql.push_str(&format!(" AND d.urgency = ?{}", params.len()));
    }
    match filter.has_findings {
        Some(true) => sql.push_str(" AND d.risk >= 2"),
        Some(false) => sql.push_str(" AND (d.risk IS NULL OR d.risk < 2)"),
        None => {}
    }
    if let Some(steps) = scoped_steps(filter) {
        sql.push_str(&format!(
            " AND (d.next_step IN ({}) OR d.id IN {DECIDED_HERE})",
            placeholders(steps, params)
        ));
    }
    sql
}

/// The steps the queue is narrowed to, if any. Pre-approved drafts wait for no step: every
/// reviewer may look at what went out.
pub(crate) fn scoped_steps(filter: &QueueFilter) -> Option<&[String]> {
    filter
        .next_steps
        .as_deref()
        .filter(|s| !s.is_empty() && !filter.pre_approved)
}

/// `?n, ?n+1, …` for `values`, appended to `params`.
pub(crate) fn placeholders(values: &[String], params: &mut Vec<Value>) -> String {
    let mut marks = Vec::with_capacity(values.len());
    for value in values {
        params.push(Value::Text(value.clone()));
        marks.push(format!("?{}", params.len()));
    }
    marks.join(", ")
}

/// One row of [`queue_sql`].
pub(crate) fn item(row: &rusqlite::Row<'_>) -> rusqlite::Result<QueueItem> {
    let local = match row.get::<_, Option<u64>>(10)? {
        None => None,
        Some(id) => Some(LocalDecision {
            mutation_id: MutationId(id),
            verdict: columns::named(row, 11, Verdict::parse)?,
            answered: row.get(12)?,
        }),
    };
    Ok(QueueItem {
        id: columns::parsed(row, 0)?,
        version: row.get(1)?,
        network: columns::named(row, 2, Network::parse)?,
        channel: row.get(3)?,
        author: row.get(4)?,
        urgency: columns::urgency(row, 5)?,
        scheduled_at: columns::opt_time(row, 6)?,
        created_at: columns::time(row, 7)?,
        preview: preview(&row.get::<_, String>(8)?),
        next_step: row.get(9)?,
        local,
        risk: row
            .get::<_, Option<i64>>(13)?
            .and_then(crate::verdicts::severity),
        findings: row.get(14)?,
        reviewed: row.get::<_, Option<i64>>(13)?.is_some(),
        pre_approved_reply: row.get(15)?,
        late_by_secs: None,
    })
}

/// The first non-blank line of `body`, trimmed, cut to [`PREVIEW_CHARS`] characters.
fn preview(body: &str) -> String {
    preview_at(body).1
}

/// [`preview`], and the code point of `body` it starts at (where search matches in the body
/// land in it).
pub(crate) fn preview_at(body: &str) -> (usize, String) {
    let mut line_start = 0;
    let mut found = None;
    for line in body.split('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            found = Some((line_start + (line.len() - line.trim_start().len()), trimmed));
            break;
        }
        line_start += line.len() + 1;
    }
    let Some((start_byte, line)) = found else {
        return (0, String::new());
    };
    let start = body[..start_byte].chars().count();
    if line.chars().count() <= PREVIEW_CHARS {
        return (start, line.to_owned());
    }
    let mut cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    (start, cut)
}

#[cfg(test)]
mod preview_tests {
    use super::{PREVIEW_CHARS, preview};

    #[test]
    fn the_preview_is_the_first_line() {
        assert_eq!(preview("\n  Hello there \nsecond line"), "Hello there");
        assert_eq!(preview(""), "");
    }

    #[test]
    fn a_long_line_is_cut_to_the_limit_with_an_ellipsis() {
        let long = "é".repeat(300);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(PREVIEW_CHARS);
        assert_eq!(preview(&exact), exact, "a line at the limit is kept whole");
    }

    #[test]
    fn the_preview_knows_where_it_starts_in_the_body() {
        assert_eq!(
            super::preview_at("\r\n  \n  é Hello \nmore"),
            (7, "é Hello".to_owned())
        );
        assert_eq!(super::preview_at("Hi"), (0, "Hi".to_owned()));
        assert_eq!(super::preview_at(" \n\t"), (0, String::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::{LocalDecision, QueueFilter};
    use crate::fixtures::{annotate, cache, decide, draft, seed, t0};
    use chrono::Duration;
    use countersign_core::{
        Draft, DraftStatus, MutationId, MutationResult, Network, Urgency, Verdict,
    };

    fn order(cache: &crate::Cache, filter: &QueueFilter) -> Vec<String> {
        cache
            .queue(filter)
            .unwrap()
            .into_iter()
            .map(|item| item.preview)
            .collect()
    }

    fn with(mut d: Draft, urgency: Urgency, scheduled_in_minutes: Option<i64>) -> Draft {
        d.urgency = urgency;
        d.scheduled_at = scheduled_in_minutes.map(|m| t0() + Duration::minutes(m));
        d
    }

    /// Drafts created in the order of their numbers, deliberately stored shuffled.
    fn mixed_queue() -> Vec<Draft> {
        vec![
            with(
                draft(1, "normal, unscheduled, oldest"),
                Urgency::Normal,
                None,
            ),
            with(draft(2, "urgent, in 60 min"), Urgency::Urgent, Some(60)),
            with(draft(3, "crisis, unscheduled"), Urgency::Crisis, None),
            with(draft(4, "normal, in 30 min"), Urgency::Normal, Some(30)),
            with(draft(5, "urgent, in 10 min"), Urgency::Urgent, Some(10)),
            with(
                draft(6, "normal, unscheduled, newer"),
                Urgency::Normal,
                None,
            ),
            with(draft(7, "crisis, in 120 min"), Urgency::Crisis, Some(120)),
        ]
    }

    #[test]
    fn the_queue_is_ordered_by_urgency_then_schedule_then_age() {
        let mut cache = cache();
        seed(&mut cache, &mixed_queue());
        assert_eq!(
            order(&cache, &QueueFilter::default()),
            vec![
                "crisis, in 120 min",
                "crisis, unscheduled",
                "urgent, in 10 min",
                "urgent, in 60 min",
                "normal, in 30 min",
                "normal, unscheduled, oldest",
                "normal, unscheduled, newer",
            ]
        );
    }

    #[test]
    fn a_reviewer_sees_the_drafts_waiting_for_their_steps_and_what_they_decided() {
        let mut cache = cache();
        let mut reviewed = draft(1, "reviewed, waits for legal");
        reviewed.required_steps = vec![
            countersign_core::RequiredStep::one("review"),
            countersign_core::RequiredStep::one("legal"),
        ];
        reviewed.approvals.push(countersign_core::Approval {
            step: "review".into(),
            by: reviewed.author.clone(),
            decision_id: countersign_core::DecisionId(uuid::Uuid::from_u128(9)),
            at: t0(),
        });
        let fresh = draft(2, "waits for review");
        let decided_here = draft(3, "decided here, still pending");
        seed(&mut cache, &[reviewed, fresh, decided_here.clone()]);
        cache
            .enqueue(&decide(&decided_here, Verdict::Approve), t0())
            .unwrap();
        let reviewer = |steps: &[&str]| QueueFilter {
            next_steps: Some(steps.iter().map(|s| s.to_string()).collect()),
            ..QueueFilter::default()
        };
        let mut review = order(&cache, &reviewer(&["review"]));
        review.sort();
        assert_eq!(
            review,
            vec!["decided here, still pending", "waits for review"]
        );
        assert_eq!(
            order(&cache, &reviewer(&["legal"])),
            vec!["reviewed, waits for legal", "decided here, still pending"]
        );
        assert_eq!(
            order(&cache, &QueueFilter::default()).len(),
            3,
            "no steps, no narrowing"
        );
    }

    #[test]
    fn only_pending_drafts_are_in_the_queue() {
        let mut cache = cache();
        let mut decided = draft(1, "approved already");
        decided.status = DraftStatus::Approved;
        let mut held = draft(2, "held");
        held.status = DraftStatus::Held;
        seed(&mut cache, &[decided, held, draft(3, "waiting")]);
        assert_eq!(order(&cache, &QueueFilter::default()), vec!["waiting"]);
    }

    #[test]
    fn filters_and_paging_narrow_the_queue() {
        let mut cache = cache();
        let mut drafts = mixed_queue();
        drafts[1].network = Network::Bluesky;
        drafts[1].channel = "@acme.bsky.social".to_owned();
        drafts[3].network = Network::Bluesky;
        drafts[3].channel = "@acme.bsky.social".to_owned();
        drafts[6].channel = "@acme_news".to_owned();
        seed(&mut cache, &drafts);

        let bluesky = QueueFilter {
            network: Some(Network::Bluesky),
            ..QueueFilter::default()
        };
        assert_eq!(
            order(&cache, &bluesky),
            vec!["urgent, in 60 min", "normal, in 30 min"]
        );

        let news = QueueFilter {
            channel: Some("@acme_news".to_owned()),
            ..QueueFilter::default()
        };
        assert_eq!(order(&cache, &news), vec!["crisis, in 120 min"]);

        let x_normal = QueueFilter {
            network: Some(Network::X),
            urgency: Some(Urgency::Normal),
            ..QueueFilter::default()
        };
        assert_eq!(
            order(&cache, &x_normal),
            vec!["normal, unscheduled, oldest", "normal, unscheduled, newer"]
        );

        let page_two = QueueFilter {
            limit: Some(2),
            offset: 2,
            ..QueueFilter::default()
        };
        assert_eq!(
            order(&cache, &page_two),
            vec!["urgent, in 10 min", "urgent, in 60 min"]
        );
        let past_the_end = QueueFilter {
            offset: 50,
            ..QueueFilter::default()
        };
        assert!(order(&cache, &past_the_end).is_empty());
    }

    #[test]
    fn items_carry_what_the_list_shows() {
        let mut cache = cache();
        let d = with(
            draft(1, "First line\nSecond line"),
            Urgency::Urgent,
            Some(5),
        );
        seed(&mut cache, std::slice::from_ref(&d));
        let item = cache.queue(&QueueFilter::default()).unwrap().remove(0);
        assert_eq!(item.id, d.id);
        assert_eq!(item.version, 1);
        assert_eq!(item.network, Network::X);
        assert_eq!(item.channel, "@acme_help");
        assert_eq!(item.author, "Ann (Agency)");
        assert_eq!(item.urgency, Urgency::Urgent);
        assert_eq!(item.scheduled_at, d.scheduled_at);
        assert_eq!(item.created_at, d.created_at);
        assert_eq!(item.preview, "First line");
        assert_eq!(item.next_step.as_deref(), Some("review"));
        assert_eq!(item.local, None);
    }

    #[test]
    fn the_newest_local_decision_shows_on_its_queue_item() {
        let mut cache = cache();
        let (a, b) = (draft(1, "a"), draft(2, "b"));
        seed(&mut cache, &[a.clone(), b.clone()]);
        cache
            .enqueue(&decide(&a, Verdict::RequestChanges), t0())
            .unwrap();
        let newest = cache.enqueue(&decide(&a, Verdict::Approve), t0()).unwrap();
        cache
            .enqueue(&annotate(&a, "a comment is not a decision"), t0())
            .unwrap();
        cache.enqueue(&annotate(&b, "nor here"), t0()).unwrap();

        let queue = cache.queue(&QueueFilter::default()).unwrap();
        assert_eq!(
            queue[0].local,
            Some(LocalDecision {
                mutation_id: newest,
                verdict: Verdict::Approve,
                answered: false
            }),
            "the decision shows at once, not yet synced"
        );
        assert_eq!(queue[1].local, None, "annotations are not decisions");

        cache
            .record_results(&[MutationResult::applied(newest)], t0())
            .unwrap();
        let queue = cache.queue(&QueueFilter::default()).unwrap();
        assert_eq!(queue[0].local.map(|l| l.answered), Some(true));
        assert_eq!(queue[0].local.map(|l| l.mutation_id), Some(MutationId(2)));
    }

    #[test]
    fn the_unfiltered_queue_reads_the_index_in_order_without_sorting() {
        let cache = cache();
        let sql_plan: Vec<String> = cache
            .conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT d.id FROM drafts d WHERE d.status = 'pending'
                 ORDER BY d.urgency, d.scheduled_at IS NULL, d.scheduled_at, d.created_at, d.id",
            )
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = sql_plan.join("\n");
        assert!(plan.contains("drafts_queue"), "{plan}");
        assert!(
            !plan.contains("TEMP B-TREE"),
            "the queue must not need a sort: {plan}"
        );
    }
}
