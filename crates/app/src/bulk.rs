//! Bulk approval: which of a set of drafts may be approved together, with one confirmation,
//! and why each of the others may not.
//!
//! A draft goes into a bulk approval only when pressing `a` on it would record an approval
//! *without asking anything*: it is pending, the approval rules let this reviewer approve it
//! ([`rules::approval_view`], the same check as `a`), the policy guard finds nothing at
//! `warn` or `block` on it, no schedule warning would ask for the late confirmation
//! ([`rules::schedule_warning`]), and it has no decision waiting here already. Everything
//! else is left out with a sentence saying why, for the confirmation to show: a reviewer
//! who approves twenty at once has looked at none of them closely, so anything that would
//! have stopped a single approval stops the bulk one.
//!
//! [`App::decide_many`](crate::App::decide_many) runs the check again under the cache lock
//! and records each approval through `record_decision`, the path `a` takes: its own
//! outbox row, its own mutation id.

use crate::error::AppError;
use crate::guard::GuardSlot;
use crate::rules::{self, ApprovalView, ScheduleWarning};
use chrono::{DateTime, Utc};
use countersign_core::approval::Actor;
use countersign_core::finding::{Finding, Severity};
use countersign_core::limits;
use countersign_core::wire::Directory;
use countersign_core::{
    Decision, DecisionId, Draft, DraftId, DraftStatus, MutationId, MutationKind, Verdict,
};
use countersign_store::{Cache, StoreError};
use countersign_sync::engine::with_cache;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use uuid::Uuid;

/// Most drafts one bulk request may name: a reviewer's selection, not a table dump.
pub const MAX_BULK: usize = 1000;

/// What the rules know about one draft of a bulk request.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The draft as cached.
    pub draft: &'a Draft,
    /// Whether this reviewer may approve it (see [`rules::approval_view`]).
    pub approval: &'a ApprovalView,
    /// What the policy guard finds in it.
    pub findings: &'a [Finding],
    /// What `a` would ask to confirm first (see [`rules::schedule_warning`]).
    pub schedule_warning: Option<ScheduleWarning>,
    /// The outbox already holds a decision on it.
    pub decided_here: bool,
}

/// Why `candidate` may not be approved in bulk, as a sentence for the reviewer; `None` when
/// it may.
pub fn left_out_reason(candidate: &Candidate<'_>) -> Option<String> {
    let draft = candidate.draft;
    if draft.status != DraftStatus::Pending {
        return Some(format!(
            "It is no longer waiting for approval (it is {}).",
            status_words(draft.status)
        ));
    }
    if candidate.decided_here {
        return Some("You have already decided on it here.".to_owned());
    }
    if !candidate.approval.allowed {
        return Some(
            candidate
                .approval
                .reason
                .clone()
                .unwrap_or_else(|| "The approval rules do not let you approve it.".to_owned()),
        );
    }
    let serious: Vec<&Finding> = candidate
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .collect();
    if let Some(first) = serious.first() {
        let more = match serious.len() - 1 {
            0 => String::new(),
            1 => " and 1 more finding".to_owned(),
            n => format!(" and {n} more findings"),
        };
        return Some(format!(
            "The policy guard found something to look at: {}{more}. Open it and decide on it on its own.",
            first.message.trim_end_matches('.')
        ));
    }
    match candidate.schedule_warning {
        Some(ScheduleWarning::Passed { .. }) => Some(
            "Its scheduled time has passed: approve it on its own, to confirm it goes out late."
                .to_owned(),
        ),
        Some(ScheduleWarning::BeforeLikelySync { .. }) => Some(
            "It is due to publish before this laptop is likely to sync: approve it on its own."
                .to_owned(),
        ),
        None => None,
    }
}

fn status_words(status: DraftStatus) -> &'static str {
    match status {
        DraftStatus::Pending => "pending",
        DraftStatus::ChangesRequested => "waiting for the author's changes",
        DraftStatus::Rejected => "rejected",
        DraftStatus::Approved => "approved",
        DraftStatus::Withdrawn => "withdrawn",
        DraftStatus::Held => "held by crisis mode",
        DraftStatus::Published => "published",
        #[allow(unreachable_patterns)]
        _ => "decided",
    }
}

/// A draft a bulk approval leaves out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// The draft.
    pub draft_id: DraftId,
    /// Its channel, empty when the draft is not cached.
    pub channel: String,
    /// Its first line, as the queue shows it.
    pub preview: String,
    /// Why, in words the window shows as they are.
    pub reason: String,
}

/// What a bulk approval of a selection would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkCheck {
    /// The drafts it would approve, in the order asked.
    pub eligible: Vec<DraftId>,
    /// The others, in the order asked.
    pub left_out: Vec<LeftOut>,
}

/// One approval a bulk approval recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// The draft approved.
    pub draft_id: DraftId,
    /// Its outbox row.
    pub mutation_id: MutationId,
}

/// What a bulk approval did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkDecided {
    /// The approvals recorded, each its own outbox row, in the order asked.
    pub recorded: Vec<Recorded>,
    /// The drafts left out, and why (checked again when recording).
    pub left_out: Vec<LeftOut>,
}

/// Everything the rules need about the reviewer and the moment, gathered once by the
/// [`App`](crate::App) for [`record_decision`] and [`check`].
pub(crate) struct Reviewer {
    pub me: Actor,
    pub directory: Option<Arc<Directory>>,
    pub guard: Arc<GuardSlot>,
    pub now: DateTime<Utc>,
    /// False once a sync attempt failed (see [`rules::schedule_warning`]).
    pub online: bool,
    pub last_contact: Option<DateTime<Utc>>,
}

/// A decision as the reviewer asked for it.
pub(crate) struct Asked {
    pub draft_id: DraftId,
    pub verdict: Verdict,
    pub comment: String,
    pub override_reason: Option<String>,
}

/// Records one decision on the draft's cached version: the one path every decision takes,
/// `a` and bulk alike. The approval rules and the policy guard are asked first, so an
/// approval they refuse is never queued. `Ok(Err(_))` is a refusal for the reviewer.
pub(crate) fn record_decision(
    c: &mut Cache,
    asked: Asked,
    reviewer: &Reviewer,
) -> Result<Result<MutationId, AppError>, StoreError> {
    let Some(draft) = c.draft(asked.draft_id)? else {
        return Ok(Err(AppError::NotFound));
    };
    let directory = reviewer.directory.as_deref();
    if asked.verdict == Verdict::Approve {
        let view = rules::approval_view(&draft, &reviewer.me, directory);
        if !view.allowed {
            return Ok(Err(AppError::NotAllowed(view.reason.unwrap_or_default())));
        }
        // The server refuses an approval over a blocking finding without a reason;
        // asking here means an offline reviewer is never surprised by that later.
        if asked.override_reason.is_none() {
            let blocking: Vec<Finding> = reviewer
                .guard
                .findings_of(c, &draft, directory)?
                .into_iter()
                .filter(Finding::blocks)
                .collect();
            if !blocking.is_empty() {
                return Ok(Err(AppError::OverrideRequired(blocking)));
            }
        }
    }
    let kind = MutationKind::Decide {
        decision: Decision {
            id: DecisionId(Uuid::now_v7()),
            draft_id: asked.draft_id,
            draft_version: draft.version,
            verdict: asked.verdict,
            comment: asked.comment,
            override_reason: asked.override_reason,
            client_time: Some(reviewer.now),
        },
    };
    // The server's caps, asked here first: a text it would refuse is never queued.
    if let Err(over) = limits::check_mutation(&kind) {
        return Ok(Err(AppError::Invalid(over.to_string())));
    }
    c.enqueue(&kind, reviewer.now).map(Ok)
}

/// Refuses an empty or oversized selection; the ids once each, in the order given.
pub(crate) fn selection(ids: &[DraftId]) -> Result<Vec<DraftId>, AppError> {
    if ids.is_empty() {
        return Err(AppError::Invalid(
            "select the drafts to approve first (x selects one)".into(),
        ));
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::Invalid(format!(
            "select at most {MAX_BULK} drafts to approve at once ({} selected)",
            ids.len()
        )));
    }
    let mut seen = HashSet::new();
    Ok(ids.iter().copied().filter(|id| seen.insert(*id)).collect())
}

/// Sorts `ids` into those that may be approved in bulk now and those left out, from what the
/// cache holds.
pub(crate) fn check(
    c: &Cache,
    ids: &[DraftId],
    reviewer: &Reviewer,
) -> Result<BulkCheck, StoreError> {
    let directory = reviewer.directory.as_deref();
    let mut out = BulkCheck::default();
    for &id in ids {
        let Some(draft) = c.draft(id)? else {
            out.left_out.push(LeftOut {
                draft_id: id,
                channel: String::new(),
                preview: String::new(),
                reason: "It is not in your queue any more.".to_owned(),
            });
            continue;
        };
        let approval = rules::approval_view(&draft, &reviewer.me, directory);
        let findings = reviewer.guard.findings_of(c, &draft, directory)?;
        let candidate = Candidate {
            draft: &draft,
            approval: &approval,
            findings: &findings,
            schedule_warning: rules::schedule_warning(
                &draft,
                reviewer.now,
                reviewer.online,
                reviewer.last_contact,
            ),
            decided_here: c.decided_here(id)?,
        };
        match left_out_reason(&candidate) {
            None => out.eligible.push(id),
            Some(reason) => out.left_out.push(LeftOut {
                draft_id: id,
                channel: draft.channel.clone(),
                preview: countersign_store::preview(&draft.body),
                reason,
            }),
        }
    }
    Ok(out)
}

/// Checks `ids` again and approves each eligible one through [`record_decision`], all under
/// the one cache lock the caller holds, so nothing changes between the check and the rows.
pub(crate) fn decide_many(
    c: &mut Cache,
    ids: &[DraftId],
    reviewer: &Reviewer,
) -> Result<Result<BulkDecided, AppError>, StoreError> {
    let checked = check(c, ids, reviewer)?;
    let mut decided = BulkDecided {
        recorded: Vec::with_capacity(checked.eligible.len()),
        left_out: checked.left_out,
    };
    for draft_id in checked.eligible {
        let asked = Asked {
            draft_id,
            verdict: Verdict::Approve,
            comment: String::new(),
            override_reason: None,
        };
        match record_decision(c, asked, reviewer)? {
            Ok(mutation_id) => decided.recorded.push(Recorded {
                draft_id,
                mutation_id,
            }),
            // The check just passed under the same lock, so this is not expected; if it
            // happens the draft is left out with the refusal's words, not lost silently.
            Err(refusal) => decided.left_out.push(LeftOut {
                draft_id,
                channel: String::new(),
                preview: String::new(),
                reason: refusal.to_string(),
            }),
        }
    }
    Ok(Ok(decided))
}

impl crate::App {
    /// Which of `draft_ids` a bulk approval would approve now, and why each other one is left
    /// out: what the confirmation shows. Nothing is recorded.
    pub async fn bulk_check(&self, draft_ids: &[DraftId]) -> Result<BulkCheck, AppError> {
        let ids = selection(draft_ids)?;
        let (cache, reviewer) = self.reviewer().await?;
        Ok(with_cache(&cache, move |c| check(c, &ids, &reviewer)).await?)
    }

    /// Approves every one of `draft_ids` that may be approved in bulk, each as its own
    /// decision in the outbox; checked again here, whatever the window was told before.
    pub async fn decide_many(&self, draft_ids: &[DraftId]) -> Result<BulkDecided, AppError> {
        let ids = selection(draft_ids)?;
        let (cache, reviewer) = self.reviewer().await?;
        with_cache(&cache, move |c| decide_many(c, &ids, &reviewer)).await?
    }
}

#[cfg(test)]
mod tests {
    use super::{Candidate, left_out_reason};
    use crate::rules::{ApprovalView, ScheduleWarning};
    use chrono::TimeZone;
    use countersign_core::finding::Category;
    use countersign_core::finding::{Finding, Severity};
    use countersign_core::{
        Draft, DraftId, DraftStatus, Network, Person, RequiredStep, TeamId, Urgency, UserId,
    };
    use uuid::Uuid;

    fn draft() -> Draft {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        Draft {
            id: DraftId(Uuid::from_u128(0xd)),
            version: 1,
            status: DraftStatus::Pending,
            network: Network::X,
            channel: "@help".into(),
            channel_id: None,
            team: TeamId(Uuid::from_u128(0x7)),
            body: "Thanks, we have fixed it.".into(),
            author: Person {
                id: UserId(Uuid::from_u128(5)),
                username: "sam".into(),
                display_name: "Sam Patel".into(),
            },
            owner: None,
            urgency: Urgency::Normal,
            requested_urgency: None,
            scheduled_at: None,
            required_steps: vec![RequiredStep::one("review")],
            approvals: vec![],
            in_reply_to: None,
            media: vec![],
            created_at: now,
            updated_at: now,
            history: vec![],
        }
    }

    fn allowed() -> ApprovalView {
        ApprovalView {
            allowed: true,
            step: Some("review".into()),
            reason: None,
            who_may: vec![],
        }
    }

    fn finding(severity: Severity, message: &str) -> Finding {
        Finding {
            rule: "test".into(),
            category: Category::Confidential,
            severity,
            span: None,
            message: message.to_owned(),
            reason: "a test".into(),
        }
    }

    fn reason(
        draft: &Draft,
        approval: &ApprovalView,
        findings: &[Finding],
        warning: Option<ScheduleWarning>,
        decided_here: bool,
    ) -> Option<String> {
        left_out_reason(&Candidate {
            draft,
            approval,
            findings,
            schedule_warning: warning,
            decided_here,
        })
    }

    #[test]
    fn a_clean_pending_draft_i_may_approve_goes_in() {
        let d = draft();
        assert_eq!(reason(&d, &allowed(), &[], None, false), None);
        let info = [finding(Severity::Info, "a link")];
        assert_eq!(
            reason(&d, &allowed(), &info, None, false),
            None,
            "an info finding changes nothing, as for `a`"
        );
    }

    #[test]
    fn a_finding_at_warn_or_block_leaves_it_out_and_says_which() {
        let d = draft();
        let warn = [finding(Severity::Warn, "Mentions a competitor.")];
        let text = reason(&d, &allowed(), &warn, None, false).expect("left out");
        assert!(text.contains("Mentions a competitor"), "{text}");
        let two = [
            finding(Severity::Block, "A card number"),
            finding(Severity::Warn, "x"),
        ];
        let text = reason(&d, &allowed(), &two, None, false).expect("left out");
        assert!(
            text.contains("A card number") && text.contains("1 more finding"),
            "{text}"
        );
    }

    #[test]
    fn what_a_would_refuse_or_ask_about_leaves_it_out() {
        let d = draft();
        let refused = ApprovalView {
            allowed: false,
            step: None,
            reason: Some("Only a spokesperson may approve a crisis statement: Ana may.".into()),
            who_may: vec![],
        };
        assert_eq!(
            reason(&d, &refused, &[], None, false).as_deref(),
            Some("Only a spokesperson may approve a crisis statement: Ana may."),
            "the rules' own words"
        );
        let late = reason(
            &d,
            &allowed(),
            &[],
            Some(ScheduleWarning::Passed { by_secs: 60 }),
            false,
        )
        .expect("late");
        assert!(late.contains("scheduled time has passed"), "{late}");
        let soon = reason(
            &d,
            &allowed(),
            &[],
            Some(ScheduleWarning::BeforeLikelySync {
                publishes_in_secs: 60,
                offline_for_secs: 600,
            }),
            false,
        )
        .expect("offline");
        assert!(soon.contains("likely to sync"), "{soon}");
        let again = reason(&d, &allowed(), &[], None, true).expect("decided");
        assert!(again.contains("already decided"), "{again}");
    }

    #[test]
    fn a_draft_no_longer_pending_is_left_out_first() {
        let mut d = draft();
        d.status = DraftStatus::Withdrawn;
        let text = reason(&d, &allowed(), &[], None, true).expect("left out");
        assert_eq!(
            text,
            "It is no longer waiting for approval (it is withdrawn)."
        );
    }

    #[test]
    fn a_selection_is_deduplicated_and_bounded() {
        let a = countersign_core::DraftId(uuid::Uuid::now_v7());
        let b = countersign_core::DraftId(uuid::Uuid::now_v7());
        assert_eq!(super::selection(&[a, b, a]).unwrap(), vec![a, b]);
        assert_eq!(super::selection(&[]).unwrap_err().code(), "invalid");
        let many = vec![a; super::MAX_BULK + 1];
        assert_eq!(super::selection(&many).unwrap_err().code(), "invalid");
    }
}
