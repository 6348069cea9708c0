//! The drafts export: every communication with its full life, for an administrator to
//! evaluate — `countersign-server drafts export` and `GET /api/v1/admin/drafts/export` call
//! the same [`Exporter`].
//!
//! A draft's life is in its stored history: each edit kept the text it replaced
//! (`Edited { previous_body }`), so every version's text, and the SHA-256 the audit log and
//! the reviewers' receipts name it by ([`countersign_audit::content_sha256`]), can be
//! rebuilt from the draft alone. Each exported draft carries:
//!
//! - its versions (text, hash, when and by whom written, and how: created, edited, or a new
//!   version when crisis mode sent a held draft back to review);
//! - the findings of its current version by the policy guard in force *at export time*,
//!   naming the pack version that judged it;
//! - every decision (who, verdict, step, comment, override reason, how late) and comment,
//!   each with the version and hash it was about;
//! - the rest of its history as recorded (creation, withdrawal, crisis, handovers, routing);
//! - who approved the final version, when its webhook deliveries handed it to the
//!   publishing tool, and when it was reported published.
//!
//! A draft whose history was folded by its cap ([`countersign_core::limits::trim_history`])
//! says so in `history_summarised`; its versions start at the first one the kept history
//! still proves.
//!
//! The export streams: drafts are read [`PAGE`] at a time ([`Storage::drafts_page`]) and
//! written out before the next page is read, so its memory does not grow with the table.
//! JSON is one array with one draft per line; CSV is one row per draft version (see
//! [`CSV_COLUMNS`]), every cell that a spreadsheet would read as a formula prefixed with `'`.
//! The export itself is an audit event (`drafts_exported`).
//!
//! [`Storage::drafts_page`]: crate::storage::Storage::drafts_page

use crate::error::ServerError;
use crate::policy::Review;
use crate::storage::DraftsPage;
use crate::trail::Trail;
use crate::webhooks::DeliveryStatus;
use crate::{Server, admin};
use chrono::{DateTime, NaiveDate, Utc};
use countersign_audit::{content_sha256, kinds};
use countersign_core::finding::Finding;
use countersign_core::mutation::{Annotation, Verdict};
use countersign_core::versions::VersionBody;
use countersign_core::{
    Approval, ChannelId, DecisionId, Draft, DraftId, DraftStatus, HistoryEntry, HistoryEvent,
    Network, Person, TeamId, Urgency,
};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Drafts read per page: a page of routine drafts is a few hundred kilobytes (one at every
/// cap — a 256 KiB body and 256 KiB of history — half a megabyte), and a year of drafts a
/// few thousand queries.
pub const PAGE: usize = 100;

/// Which drafts to export. Names are resolved when the export starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// Only drafts written at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only drafts written before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only this team's drafts (its name).
    pub team: Option<String>,
    /// Only this channel's drafts (its name).
    pub channel: Option<String>,
    /// Only drafts in this state.
    pub status: Option<DraftStatus>,
}

/// How to write the export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// A JSON array of [`ExportedDraft`], one per line.
    #[default]
    Json,
    /// CSV with a header row, one row per draft version ([`CSV_COLUMNS`]).
    Csv,
}

impl ExportFormat {
    /// Parses `json` or `csv`.
    pub fn parse(text: &str) -> Result<Self, ServerError> {
        match text {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(ServerError::Invalid(format!(
                "unknown export format {other:?}: use json or csv"
            ))),
        }
    }

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
        }
    }

    /// The media type of the body.
    pub const fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Reads a `--from`/`--to` bound: an RFC 3339 time, or a date (`2026-12-01`), which means
/// the start of that day (UTC) for `from` and the end of it for `to` — so `--from
/// 2026-12-01 --to 2026-12-31` is all of December.
pub fn parse_bound(text: &str, end_of_day: bool) -> Result<DateTime<Utc>, ServerError> {
    let text = text.trim();
    if let Ok(at) = crate::clock::from_text(text) {
        return Ok(at);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        ServerError::Invalid(format!(
            "{text:?} is not a date (2026-12-01) or an RFC 3339 time (2026-12-01T09:00:00Z)"
        ))
    })?;
    let day = if end_of_day {
        date.succ_opt()
            .ok_or_else(|| ServerError::Invalid(format!("{text:?} is out of range")))?
    } else {
        date
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Refuses an export that starts after it ends ([`ServerError::Invalid`]).
pub(crate) fn in_order(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<(), ServerError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(ServerError::Invalid(format!(
            "the export starts ({}) after it ends ({})",
            crate::clock::to_text(from),
            crate::clock::to_text(to)
        ))),
        _ => Ok(()),
    }
}

/// One draft with its full life: the JSON export's element.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ExportedDraft {
    /// Id.
    pub id: DraftId,
    /// The channel's name, when the draft was written for a channel record.
    pub channel: Option<String>,
    /// Its channel's id.
    pub channel_id: Option<ChannelId>,
    /// The account on the network, e.g. `@acme_help`.
    pub account: String,
    /// The network.
    pub network: Network,
    /// The team's name.
    pub team: String,
    /// The team's id.
    pub team_id: TeamId,
    /// Who wrote it.
    pub author: Person,
    /// Who owns it now, when not its author (a leaver's successor).
    pub owner: Option<Person>,
    /// Where it is in its life.
    pub status: DraftStatus,
    /// How soon it needed a decision.
    pub urgency: Urgency,
    /// When it was meant to go out.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Every version the history proves, oldest first; the last is the current one.
    pub versions: Vec<ExportedVersion>,
    /// Set when older history was folded into a summary by the history's cap: versions
    /// before `versions[0]` and the events folded are not in this export.
    pub history_summarised: Option<Summarised>,
    /// The policy guard's findings on the current version.
    pub findings: ExportedFindings,
    /// Every decision, oldest first.
    pub decisions: Vec<ExportedDecision>,
    /// Every comment, oldest first.
    pub comments: Vec<ExportedComment>,
    /// Everything else that happened to it, as recorded: creation, withdrawal, crisis
    /// escalation and holds, handovers, routing by the guard, publishing.
    pub events: Vec<HistoryEntry>,
    /// The approvals of the final version, when it was approved (also while crisis mode
    /// holds it, and once published).
    pub approved: Option<ExportedApproval>,
    /// The webhook deliveries that handed it to publishing once approved, oldest first.
    pub handed_to_publishing: Vec<Handoff>,
    /// When it was reported published, and by whom.
    pub published: Option<ExportedPublication>,
}

/// How a version came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionOrigin {
    /// The draft was written.
    Created,
    /// Its text was edited.
    Edited,
    /// Crisis mode ended while it was held: same text, a new version for a new review.
    ReturnedToReview,
    /// The entry that made it was folded into the history's summary.
    Unrecorded,
}

/// One version of a draft's text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportedVersion {
    /// The version number decisions name.
    pub version: u64,
    /// Hex SHA-256 of the text: the hash in the audit log and in reviewers' receipts.
    pub content_sha256: String,
    /// The text.
    pub body: String,
    /// How it came to be.
    pub origin: VersionOrigin,
    /// When it was written (unknown when its entry was folded away).
    pub written_at: Option<DateTime<Utc>>,
    /// Who wrote it (unknown when its entry was folded away).
    pub written_by: Option<Person>,
}

/// What the history's cap folded away.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Summarised {
    /// How many entries.
    pub entries: u64,
    /// Everyone who edited the text in them.
    pub editors: Vec<Person>,
    /// When the first of them happened.
    pub since: DateTime<Utc>,
    /// When the last of them happened.
    pub until: DateTime<Utc>,
}

/// The guard's findings on the current version.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ExportedFindings {
    /// The organisation's policy pack version that judged it (0: the built-in pack alone):
    /// the one in force when the export ran, which may be newer than the one the reviewers
    /// saw.
    pub pack_version: u64,
    /// The version judged (the current one).
    pub version: u64,
    /// The findings.
    pub items: Vec<Finding>,
}

/// One decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportedDecision {
    /// Its id.
    pub decision_id: DecisionId,
    /// When the server applied it.
    pub at: DateTime<Utc>,
    /// Who decided.
    pub by: Person,
    /// The version decided on.
    pub version: u64,
    /// Hex SHA-256 of that version's text (`None` when the version is before the history's
    /// summary).
    pub content_sha256: Option<String>,
    /// What they decided.
    pub verdict: Verdict,
    /// The step an approval satisfied.
    pub step: Option<String>,
    /// Their comment.
    pub comment: String,
    /// Why they approved over a blocking finding.
    pub override_reason: Option<String>,
    /// For an approval after the draft's scheduled time: how late, in seconds.
    pub late_secs: Option<u64>,
}

/// One comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportedComment {
    /// When the server recorded it.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub by: Person,
    /// The version it is about.
    pub version: u64,
    /// Hex SHA-256 of that version's text, when known.
    pub content_sha256: Option<String>,
    /// The comment, its suggestion and the text it points at.
    pub annotation: Annotation,
}

/// The approvals of a draft's final version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportedApproval {
    /// The version approved.
    pub version: u64,
    /// Hex SHA-256 of its text.
    pub content_sha256: String,
    /// Who approved it, for which step, when.
    pub approvals: Vec<Approval>,
}

/// A draft reported published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportedPublication {
    /// When the server recorded the report (`None` when only its status says so: the entry
    /// was folded into the history's summary).
    pub at: Option<DateTime<Utc>>,
    /// Who reported it (an administrator, or the publishing tool's webhook identity).
    pub by: Option<Person>,
    /// When the publishing tool says it went out.
    pub published_at: Option<DateTime<Utc>>,
    /// Where the post is, when the tool said.
    pub url: Option<String>,
}

/// A webhook delivery that handed an approved draft to the publishing tool (as
/// `Storage::handoffs` reads it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Handoff {
    /// The delivery (sent as `Countersign-Delivery`).
    pub delivery_id: Uuid,
    /// To which webhook (`webhook list` names it).
    pub webhook_id: Uuid,
    /// The draft.
    #[serde(skip)]
    pub draft_id: DraftId,
    /// The version approved and handed over.
    pub version: u64,
    /// Hex SHA-256 of its text.
    pub content_sha256: String,
    /// When it was queued: the final approval's time.
    pub enqueued_at: DateTime<Utc>,
    /// Pending, delivered or failed.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u64,
    /// When the publishing tool's receiver accepted it (a 2xx answer).
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Names of teams and channels, read once per export.
#[derive(Clone, Debug, Default)]
pub struct Names {
    teams: HashMap<TeamId, String>,
    channels: HashMap<ChannelId, String>,
}

impl Names {
    /// The organisation's teams and channels as they are now.
    pub async fn load(server: &Server) -> Result<Self, ServerError> {
        let storage = server.storage();
        Ok(Self {
            teams: storage
                .teams()
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
            channels: storage
                .channels()
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
        })
    }
}

/// The findings of `review` on `draft`'s current version.
pub fn judged(review: &Review, draft: &Draft) -> ExportedFindings {
    ExportedFindings {
        pack_version: review.pack_version(),
        version: draft.version,
        items: review.findings(draft),
    }
}

/// `draft` with its full life, `findings` on its current version ([`judged`]) and the
/// deliveries that handed it to publishing.
pub fn exported(
    draft: &Draft,
    findings: ExportedFindings,
    handoffs: Vec<Handoff>,
    names: &Names,
) -> ExportedDraft {
    let (versions, history_summarised) = versions(draft);
    let hash_of = |version: u64| {
        versions
            .iter()
            .find(|v| v.version == version)
            .map(|v| v.content_sha256.clone())
    };
    let mut decisions = vec![];
    let mut comments = vec![];
    let mut events = vec![];
    let mut published = None;
    for entry in &draft.history {
        match &entry.event {
            HistoryEvent::Decided {
                decision_id,
                verdict,
                step,
                comment,
                override_reason,
                late_secs,
            } => decisions.push(ExportedDecision {
                decision_id: *decision_id,
                at: entry.at,
                by: entry.by.clone(),
                version: entry.version,
                content_sha256: hash_of(entry.version),
                verdict: *verdict,
                step: step.clone(),
                comment: comment.clone(),
                override_reason: override_reason.clone(),
                late_secs: *late_secs,
            }),
            HistoryEvent::Annotated { annotation } => comments.push(ExportedComment {
                at: entry.at,
                by: entry.by.clone(),
                version: entry.version,
                content_sha256: hash_of(entry.version),
                annotation: annotation.clone(),
            }),
            // Edits are the versions; the summary is `history_summarised`.
            HistoryEvent::Edited { .. } | HistoryEvent::Summarised { .. } => {}
            HistoryEvent::Published { url, published_at } => {
                published = Some(ExportedPublication {
                    at: Some(entry.at),
                    by: Some(entry.by.clone()),
                    published_at: *published_at,
                    url: url.clone(),
                });
                events.push(entry.clone());
            }
            _ => events.push(entry.clone()),
        }
    }
    if published.is_none() && draft.status == DraftStatus::Published {
        published = Some(ExportedPublication {
            at: None,
            by: None,
            published_at: None,
            url: None,
        });
    }
    let approved = matches!(
        draft.status,
        DraftStatus::Approved | DraftStatus::Held | DraftStatus::Published
    )
    .then(|| ExportedApproval {
        version: draft.version,
        content_sha256: content_sha256(&draft.body),
        approvals: draft.approvals.clone(),
    });
    ExportedDraft {
        id: draft.id,
        channel: draft
            .channel_id
            .and_then(|c| names.channels.get(&c).cloned()),
        channel_id: draft.channel_id,
        account: draft.channel.clone(),
        network: draft.network,
        team: names
            .teams
            .get(&draft.team)
            .cloned()
            .unwrap_or_else(|| draft.team.to_string()),
        team_id: draft.team,
        author: draft.author.clone(),
        owner: draft.owner.clone(),
        status: draft.status,
        urgency: draft.urgency,
        scheduled_at: draft.scheduled_at,
        created_at: draft.created_at,
        updated_at: draft.updated_at,
        versions,
        history_summarised,
        findings,
        decisions,
        comments,
        events,
        approved,
        handed_to_publishing: handoffs,
        published,
    }
}

/// Every version of `draft`'s text the history proves, oldest first, and the summary of
/// what its cap folded away.
///
/// Version `v`'s text is the `previous_body` of the first edit made on a version `>= v`, or
/// the current text when none was. A crisis ending also makes a version (same text). When
/// the history was folded, an edit may be missing before the first entry kept, so versions
/// start at that entry's version — not at a route kept out of order, which may be older.
fn versions(draft: &Draft) -> (Vec<ExportedVersion>, Option<Summarised>) {
    let (summary, kept) = match draft.history.split_first() {
        Some((
            first @ HistoryEntry {
                event:
                    HistoryEvent::Summarised {
                        entries,
                        editors,
                        until,
                    },
                ..
            },
            rest,
        )) => (
            Some(Summarised {
                entries: *entries,
                editors: editors.clone(),
                since: first.at,
                until: *until,
            }),
            rest,
        ),
        _ => (None, draft.history.as_slice()),
    };
    // The texts come from the core, which knows which versions a folded history still
    // proves (a late comment on an older version proves nothing).
    let mut versions = vec![];
    for VersionBody { version, body } in countersign_core::versions::versions(draft) {
        let made = kept.iter().find_map(|e| match e.event {
            HistoryEvent::Edited { .. } if e.version + 1 == version => {
                Some((VersionOrigin::Edited, e))
            }
            HistoryEvent::ReturnedToReview if e.version + 1 == version => {
                Some((VersionOrigin::ReturnedToReview, e))
            }
            _ => None,
        });
        let (origin, written_at, written_by) = match made {
            Some((origin, e)) => (origin, Some(e.at), Some(e.by.clone())),
            None if version == 1 && summary.is_none() => (
                VersionOrigin::Created,
                Some(draft.created_at),
                Some(draft.author.clone()),
            ),
            None => (VersionOrigin::Unrecorded, None, None),
        };
        versions.push(ExportedVersion {
            version,
            content_sha256: content_sha256(&body),
            body,
            origin,
            written_at,
            written_by,
        });
    }
    (versions, summary)
}

/// The CSV export's columns: one row per version of each draft. Lists are joined with
/// ` | `; times are RFC 3339 UTC.
pub const CSV_COLUMNS: [&str; 20] = [
    "draft_id",
    "channel",
    "network",
    "team",
    "author",
    "status",
    "created_at",
    "scheduled_at",
    "version",
    "current",
    "written_at",
    "written_by",
    "content_sha256",
    "body",
    "decisions",
    "comments",
    "findings",
    "approved_by",
    "handed_to_publishing",
    "published_at",
];

/// The CSV rows of one exported draft, cells already made safe for spreadsheets.
pub fn csv_rows(draft: &ExportedDraft) -> Vec<[String; 20]> {
    let time = |t: Option<DateTime<Utc>>| t.map(crate::clock::to_text).unwrap_or_default();
    let current = draft.versions.last().map(|v| v.version);
    draft
        .versions
        .iter()
        .map(|v| {
            let is_current = Some(v.version) == current;
            let decisions: Vec<String> = draft
                .decisions
                .iter()
                .filter(|d| d.version == v.version)
                .map(|d| {
                    let mut text = format!(
                        "{} {} {}",
                        crate::clock::to_text(d.at),
                        d.by.username,
                        d.verdict.as_str()
                    );
                    if let Some(step) = &d.step {
                        text.push_str(&format!(" ({step})"));
                    }
                    if let Some(reason) = &d.override_reason {
                        text.push_str(&format!(" overriding: {reason}"));
                    }
                    if let Some(late) = d.late_secs {
                        text.push_str(&format!(" late by {late} s"));
                    }
                    if !d.comment.is_empty() {
                        text.push_str(&format!(": {}", d.comment));
                    }
                    text
                })
                .collect();
            let comments: Vec<String> = draft
                .comments
                .iter()
                .filter(|c| c.version == v.version)
                .map(|c| {
                    let mut text = format!(
                        "{} {}: {}",
                        crate::clock::to_text(c.at),
                        c.by.username,
                        c.annotation.body
                    );
                    if let Some(suggestion) = &c.annotation.suggestion {
                        text.push_str(&format!(" (suggests: {suggestion})"));
                    }
                    text
                })
                .collect();
            let findings = if is_current {
                let items: Vec<String> = draft
                    .findings
                    .items
                    .iter()
                    .map(|f| format!("{} ({})", f.rule, f.severity.as_str()))
                    .collect();
                format!(
                    "pack v{}: {}",
                    draft.findings.pack_version,
                    if items.is_empty() {
                        "none".to_owned()
                    } else {
                        items.join(" | ")
                    }
                )
            } else {
                String::new()
            };
            let approved_by = match &draft.approved {
                Some(a) if a.version == v.version => a
                    .approvals
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {} ({})",
                            crate::clock::to_text(a.at),
                            a.by.username,
                            a.step
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | "),
                _ => String::new(),
            };
            let handed: Vec<String> = draft
                .handed_to_publishing
                .iter()
                .filter(|h| h.version == v.version)
                .map(|h| match h.delivered_at {
                    Some(at) => format!("delivered {}", crate::clock::to_text(at)),
                    None => format!("{} after {} attempts", h.status.as_str(), h.attempts),
                })
                .collect();
            let published_at = match &draft.published {
                Some(p) if is_current => (p.published_at.or(p.at))
                    .map_or_else(|| "published".to_owned(), crate::clock::to_text),
                _ => String::new(),
            };
            [
                draft.id.to_string(),
                draft
                    .channel
                    .clone()
                    .unwrap_or_else(|| draft.account.clone()),
                draft.network.as_str().to_owned(),
                draft.team.clone(),
                draft.author.username.clone(),
                draft.status.as_str().to_owned(),
                crate::clock::to_text(draft.created_at),
                time(draft.scheduled_at),
                v.version.to_string(),
                if is_current { "yes" } else { "no" }.to_owned(),
                time(v.written_at),
                v.written_by
                    .as_ref()
                    .map(|p| p.username.clone())
                    .unwrap_or_default(),
                v.content_sha256.clone(),
                v.body.clone(),
                decisions.join(" | "),
                comments.join(" | "),
                findings,
                approved_by,
                handed.join(" | "),
                published_at,
            ]
            .map(|cell| spreadsheet_safe(&cell).into_owned())
        })
        .collect()
}

/// `cell`, with a `'` in front when a spreadsheet would run it as a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's CSV injection advice). The text
/// after the quote is unchanged; the JSON export carries it without the quote.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// What an export reads and how it writes one row: [`Framed`] does the rest (the JSON
/// array's brackets and commas, the CSV header, counting).
pub trait PageSource {
    /// One exported item: a JSON line, and one or more CSV records.
    type Row: Serialize;
    /// One CSV record.
    type Record: IntoIterator<Item = String>;
    /// The CSV header.
    const CSV_COLUMNS: &'static [&'static str];

    /// The next page of rows, empty once there are no more.
    fn next_page(&mut self) -> impl Future<Output = Result<Vec<Self::Row>, ServerError>> + Send;

    /// `row`'s CSV records, every cell already [`spreadsheet_safe`].
    fn csv_records(row: &Self::Row) -> impl IntoIterator<Item = Self::Record>;
}

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Rows,
    Done,
}

/// A running export: [`Framed::next_chunk`] hands out its bytes a page at a time, framed
/// as a JSON array with one row per line or as CSV with a header row.
#[derive(Debug)]
pub struct Framed<S> {
    source: S,
    format: ExportFormat,
    stage: Stage,
    exported: u64,
}

impl<S: PageSource> Framed<S> {
    /// An export of `source`'s rows in `format`, not yet begun.
    pub(crate) fn new(source: S, format: ExportFormat) -> Self {
        Self {
            source,
            format,
            stage: Stage::Start,
            exported: 0,
        }
    }

    /// How many rows (drafts, events) went out so far.
    pub fn exported(&self) -> u64 {
        self.exported
    }

    /// The next bytes of the export, `None` once it is complete. Each call reads at most
    /// one page.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ServerError> {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::Rows;
                match self.format {
                    ExportFormat::Json => Ok(Some(b"[".to_vec())),
                    ExportFormat::Csv => csv_bytes([S::CSV_COLUMNS]).map(Some),
                }
            }
            Stage::Rows => {
                let rows = self.source.next_page().await?;
                if rows.is_empty() {
                    self.stage = Stage::Done;
                    return Ok(match self.format {
                        ExportFormat::Json if self.exported == 0 => Some(b"]\n".to_vec()),
                        ExportFormat::Json => Some(b"\n]\n".to_vec()),
                        ExportFormat::Csv => None,
                    });
                }
                let out = match self.format {
                    ExportFormat::Json => {
                        let mut out = vec![];
                        for row in &rows {
                            out.extend_from_slice(if self.exported == 0 { b"\n" } else { b",\n" });
                            serde_json::to_writer(&mut out, row).map_err(|e| {
                                ServerError::Invalid(format!("cannot write JSON: {e}"))
                            })?;
                            self.exported += 1;
                        }
                        out
                    }
                    ExportFormat::Csv => {
                        let out = csv_bytes(rows.iter().flat_map(S::csv_records))?;
                        self.exported += rows.len() as u64;
                        out
                    }
                };
                Ok(Some(out))
            }
            Stage::Done => Ok(None),
        }
    }
}

/// `records` as CSV.
fn csv_bytes<R: IntoIterator<Item: AsRef<[u8]>>>(
    records: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, ServerError> {
    let csv_error = |e: String| ServerError::Invalid(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    for record in records {
        out.write_record(record)
            .map_err(|e| csv_error(e.to_string()))?;
    }
    out.into_inner().map_err(|e| csv_error(e.to_string()))
}

/// A running drafts export ([`Exporter::start`]).
pub type Exporter = Framed<DraftPages>;

/// The drafts an [`Exporter`] reads, a page at a time, with their full life.
pub struct DraftPages {
    server: Server,
    page: DraftsPage,
    review: Review,
    names: Names,
}

impl std::fmt::Debug for DraftPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DraftPages")
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// Resolves the filter's names, records the export in the audit log (who, through
    /// what, which filters and format) and gets ready to read. Fails with
    /// [`ServerError::NotFound`] for an unknown team or channel, [`ServerError::Invalid`]
    /// for `from` after `to`.
    pub async fn start(
        server: &Server,
        filter: ExportFilter,
        format: ExportFormat,
        trail: Trail,
    ) -> Result<Self, ServerError> {
        in_order(filter.from, filter.to)?;
        let team = match &filter.team {
            Some(name) => Some(admin::team_named(server, name).await?.id),
            None => None,
        };
        let channel = match &filter.channel {
            Some(name) => Some(admin::channel_named(server, name).await?.id),
            None => None,
        };
        let review = Review::load(server).await?;
        let names = Names::load(server).await?;
        let detail = serde_json::json!({
            "format": format.as_str(),
            "from": filter.from.map(crate::clock::to_text),
            "to": filter.to.map(crate::clock::to_text),
            "team": filter.team,
            "channel": filter.channel,
            "status": filter.status.map(DraftStatus::as_str),
            "pack_version": review.pack_version(),
        });
        // Recorded before the first byte goes out: an export cut short still read data.
        server
            .storage()
            .record(vec![trail.event(
                server.now(),
                kinds::DRAFTS_EXPORTED,
                None,
                detail,
            )])
            .await?;
        let source = DraftPages {
            server: server.clone(),
            page: DraftsPage {
                after: None,
                limit: PAGE,
                created_from: filter.from,
                created_before: filter.to,
                team,
                channel,
                status: filter.status,
            },
            review,
            names,
        };
        Ok(Framed::new(source, format))
    }
}

impl PageSource for DraftPages {
    type Row = ExportedDraft;
    type Record = [String; 20];
    const CSV_COLUMNS: &'static [&'static str] = &CSV_COLUMNS;

    async fn next_page(&mut self) -> Result<Vec<ExportedDraft>, ServerError> {
        let drafts = self.server.storage().drafts_page(self.page.clone()).await?;
        let Some(last) = drafts.last() else {
            return Ok(vec![]);
        };
        self.page.after = Some(last.id);
        let mut handoffs: HashMap<DraftId, Vec<Handoff>> = HashMap::new();
        for handoff in self
            .server
            .storage()
            .handoffs(drafts.iter().map(|d| d.id).collect())
            .await?
        {
            handoffs.entry(handoff.draft_id).or_default().push(handoff);
        }
        Ok(drafts
            .iter()
            .map(|draft| {
                exported(
                    draft,
                    judged(&self.review, draft),
                    handoffs.remove(&draft.id).unwrap_or_default(),
                    &self.names,
                )
            })
            .collect())
    }

    fn csv_records(row: &ExportedDraft) -> impl IntoIterator<Item = [String; 20]> {
        csv_rows(row)
    }
}

#[cfg(test)]
mod tests;
