//! The rules of `POST /api/v1/push`, as pure functions every storage backend runs inside
//! its push transaction.
//!
//! Each desktop installation numbers its mutations from 1. The server remembers the last
//! one it processed per client (`last_mutation_id`) and, for each mutation of a batch:
//! - at or below it: a **duplicate**, answered with the first result again;
//! - exactly the next one: **evaluated** against the draft as stored now, with
//!   `countersign_core::approval`, and whatever the outcome (`applied`, `conflict`,
//!   `forbidden`, `invalid`) it is permanent, stored, and advances `last_mutation_id`;
//! - further ahead: **invalid** ("out of order"), not stored, and `last_mutation_id` stays,
//!   because the client always sends its outbox in order and must resend the gap.

use crate::policy::Review;
use chrono::{DateTime, Utc};
use countersign_core::approval::{self, Actor};
use countersign_core::finding::Finding;
use countersign_core::wire::codes;
use countersign_core::{
    ConflictReason, Decision, Draft, Mutation, MutationId, MutationKind, MutationResult,
    MutationStatus, Refusal, Verdict,
};

/// The most mutations one push may carry.
pub const MAX_MUTATIONS: usize = 1000;

/// What to do with a mutation, judged by its id alone.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Seen before: repeat the stored first result.
    Duplicate,
    /// The next one: evaluate and store it.
    Apply,
    /// Refused without being stored (the client must resend it later, in order).
    Refuse(MutationResult),
}

/// Judges a mutation id against the client's `last` processed id.
pub fn classify(last: MutationId, id: MutationId) -> Step {
    if id.0 == 0 {
        Step::Refuse(invalid(id, "mutation ids count up from 1".to_owned()))
    } else if id <= last {
        Step::Duplicate
    } else if id == last.next() {
        Step::Apply
    } else {
        Step::Refuse(invalid(
            id,
            format!("out of order, expected {}", last.next()),
        ))
    }
}

/// Evaluates the next mutation against the draft as stored (`None`: no such draft).
///
/// Returns its result and, when it applied, the draft to store.
///
/// With `review`, an approval that the rules would apply is refused with
/// `override_required` (and the findings) when the version decided on has a `block` finding
/// and the decision gives no override reason.
pub fn evaluate(
    actor: &Actor,
    mutation: &Mutation,
    draft: Option<&Draft>,
    now: DateTime<Utc>,
    review: Option<&Review>,
) -> (MutationResult, Option<Draft>) {
    let id = mutation.mutation_id;
    let Some(draft) = draft else {
        let message = format!("there is no draft with id {}", mutation.kind.draft_id());
        return (invalid(id, message), None);
    };
    // Checked before the rules so a draft of another team is never described to the caller.
    if !actor.sees(draft) {
        let message = "this draft belongs to a team you do not review for".to_owned();
        return (refused(id, MutationStatus::Forbidden, message), None);
    }
    let outcome = match &mutation.kind {
        MutationKind::Decide { decision } => approval::decide(draft, actor, decision, now),
        MutationKind::Annotate { annotation } => approval::annotate(draft, actor, annotation, now),
    };
    if let (Ok(_), MutationKind::Decide { decision }, Some(review)) =
        (&outcome, &mutation.kind, review)
        && let Some(refusal) = override_check(id, decision, draft, review)
    {
        return (refusal, None);
    }
    match outcome {
        Ok(next) => (MutationResult::applied(id), Some(next)),
        Err(Refusal::Conflict(reason)) => (conflict(id, reason, draft), None),
        Err(Refusal::Forbidden(message)) => (refused(id, MutationStatus::Forbidden, message), None),
        Err(Refusal::Invalid(message)) => (invalid(id, message), None),
    }
}

/// The refusal of an approval over `block` findings that gives no reason. The decision
/// applies only to the version it names, which is the stored one here (else the rules
/// refused it as stale), so the guard reviews exactly the text decided on.
fn override_check(
    id: MutationId,
    decision: &Decision,
    draft: &Draft,
    review: &Review,
) -> Option<MutationResult> {
    let has_reason = decision
        .override_reason
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty());
    if decision.verdict != Verdict::Approve || has_reason {
        return None;
    }
    let findings: Vec<Finding> = review
        .findings(draft)
        .into_iter()
        .filter(Finding::blocks)
        .collect();
    if findings.is_empty() {
        return None;
    }
    let what: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    let message = format!(
        "approving this draft needs an override reason: the policy guard found {} ({})",
        if findings.len() == 1 {
            "something that blocks it".to_owned()
        } else {
            format!("{} things that block it", findings.len())
        },
        what.join("; ")
    );
    Some(MutationResult {
        code: Some(codes::OVERRIDE_REQUIRED.to_owned()),
        findings,
        ..refused(id, MutationStatus::Forbidden, message)
    })
}

/// The answer to a duplicate whose first result is not on record (cannot happen with the
/// schema as it is; kept so a pruned result table still answers sensibly).
pub fn unrecorded_duplicate(id: MutationId) -> MutationResult {
    MutationResult {
        status: MutationStatus::Duplicate,
        message: Some("already processed".to_owned()),
        ..MutationResult::applied(id)
    }
}

/// The answer to every mutation of a push whose account was disabled after the caller was
/// authenticated: refused, and (unlike other refusals) neither stored nor counted, since the
/// account's desktops are told to wipe their data at their next contact anyway.
pub fn account_disabled(id: MutationId) -> MutationResult {
    refused(
        id,
        MutationStatus::Forbidden,
        "this account is disabled".to_owned(),
    )
}

fn invalid(id: MutationId, message: String) -> MutationResult {
    refused(id, MutationStatus::Invalid, message)
}

fn refused(id: MutationId, status: MutationStatus, message: String) -> MutationResult {
    MutationResult {
        status,
        message: Some(message),
        ..MutationResult::applied(id)
    }
}

fn conflict(id: MutationId, reason: ConflictReason, current: &Draft) -> MutationResult {
    MutationResult {
        status: MutationStatus::Conflict,
        reason: Some(reason),
        message: None,
        draft: Some(Box::new(current.clone())),
        ..MutationResult::applied(id)
    }
}

#[cfg(test)]
mod tests;
