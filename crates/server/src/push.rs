//! The rules of `POST /api/v1/push`, as pure functions every storage backend runs inside
//! its push transaction.
//!
//! Each desktop installation numbers its mutations from 1. The server remembers the last
//! one it processed per client (`last_mutation_id`) and, for each mutation of a batch:
//! - at or below it: a **duplicate**, answered with the first result again;
//! - exactly the next one: **evaluated** against the draft as stored now, with
//!   `countersign_core::approval`, and whatever the outcome (`applied`, `conflict`,
//!   `forbidden`, `invalid`) it is permanent, stored (what was decided, never a copy of the
//!   draft), and advances `last_mutation_id`;
//! - further ahead: **invalid** with the code `mutation_gap` and the id expected, not
//!   stored, and `last_mutation_id` stays. A client sends its outbox in order, so this
//!   happens only when the server lost what it had processed — it was restored from a
//!   backup. The client re-sends what it holds from the expected id on; for ids it no longer
//!   holds (dropped after a pull confirmed them) it declares a **skip** `{from, to}`, which
//!   [`skip_to`] accepts only when `from` is exactly the expected id. Ids above
//!   `last_mutation_id` were never processed by this database, so stepping over them can
//!   never apply anything twice.

use crate::policy::Review;
use chrono::{DateTime, Utc};
use countersign_core::approval::{self, Actor};
use countersign_core::wire::{SkippedMutations, codes};
use countersign_core::{
    ConflictReason, Decision, Draft, Mutation, MutationId, MutationKind, MutationResult,
    MutationStatus, Refusal, Verdict,
};

/// The most mutations one push may carry (a larger push is refused whole, 413).
pub const MAX_MUTATIONS: usize = countersign_core::limits::MAX_MUTATIONS_PER_PUSH;

/// The most findings an `override_required` refusal carries. The reviewer needs to know
/// why, and the desktop's own guard lists every finding; a draft full of findings refused a
/// thousand times must not store and send them a thousand times.
pub const MAX_RESULT_FINDINGS: usize = 5;

/// The most distinct finding messages an `override_required` refusal's sentence names.
const MAX_MESSAGE_FINDINGS: usize = 3;

/// What to do with a mutation, judged by its id alone.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Seen before: repeat the stored first result.
    Duplicate,
    /// The next one: evaluate and store it.
    Apply,
    /// Refused without being stored (the client must resend it later, in order). Boxed: a
    /// result with room for a receipt is large, and the other two steps are nothing.
    Refuse(Box<MutationResult>),
}

/// Judges a mutation id against the client's `last` processed id.
pub fn classify(last: MutationId, id: MutationId) -> Step {
    if id.0 == 0 {
        Step::Refuse(Box::new(invalid(
            id,
            "mutation ids count up from 1".to_owned(),
        )))
    } else if id <= last {
        Step::Duplicate
    } else if id == last.next() {
        Step::Apply
    } else {
        Step::Refuse(Box::new(gap(id, last.next())))
    }
}

/// The answer to a mutation that skips ahead of `expected`: not processed, not stored.
fn gap(id: MutationId, expected: MutationId) -> MutationResult {
    MutationResult {
        code: Some(codes::MUTATION_GAP.to_owned()),
        expected_mutation_id: Some(expected),
        ..invalid(id, format!("out of order, expected {expected}"))
    }
}

/// Checks a push's `skip` declaration for sense, before any storage is touched: a range
/// that is not empty, starts at 1 or later, and holds none of the push's own mutations
/// (a client cannot both hold and not hold an id). The error is a sentence for a 400.
pub fn check_skip(skip: Option<&SkippedMutations>, mutations: &[Mutation]) -> Result<(), String> {
    let Some(skip) = skip else { return Ok(()) };
    if skip.from.0 == 0 || skip.from > skip.to {
        return Err(format!(
            "skip must name ids from 1 up, from <= to (got {} to {})",
            skip.from, skip.to
        ));
    }
    if let Some(m) = mutations
        .iter()
        .find(|m| (skip.from..=skip.to).contains(&m.mutation_id))
    {
        return Err(format!(
            "skip {} to {} covers mutation {}, which the push carries",
            skip.from, skip.to, m.mutation_id
        ));
    }
    Ok(())
}

/// Where the client's `last` processed id stands once its `skip` declaration (checked by
/// [`check_skip`]) is taken into account: moved to `skip.to` when the declaration starts
/// exactly at the id expected next, unchanged otherwise — a stale declaration (a retried
/// push whose first attempt already moved `last` on) or one that would step back is simply
/// ignored, and the mutations are classified as they stand. Never below `last`.
pub fn skip_to(last: MutationId, skip: Option<&SkippedMutations>) -> MutationId {
    match skip {
        Some(skip) if skip.from == last.next() && skip.to >= skip.from => skip.to,
        _ => last,
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
    // Over a cap, the mutation can never apply: refused for good, and nothing of it stored
    // but the refusal.
    if let Err(over) = countersign_core::limits::check_mutation(&mutation.kind) {
        return (invalid(id, over.to_string()), None);
    }
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
        Err(Refusal::Conflict(reason)) => (conflict(id, reason), None),
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
    let (found, findings) = review.blocking(draft, MAX_RESULT_FINDINGS);
    if found == 0 {
        return None;
    }
    let mut what: Vec<&str> = Vec::new();
    for finding in &findings {
        if !what.contains(&finding.message.as_str()) {
            what.push(&finding.message);
        }
    }
    let more = if what.len() > MAX_MESSAGE_FINDINGS || found > findings.len() {
        what.truncate(MAX_MESSAGE_FINDINGS);
        "; and more"
    } else {
        ""
    };
    let message = format!(
        "approving this draft needs an override reason: the policy guard found {} ({}{more})",
        if found == 1 {
            "something that blocks it".to_owned()
        } else {
            format!("{found} things that block it")
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

/// A conflict, without the draft: the answer to the push carries each draft its conflicts
/// are about once ([`crate::storage::PushOutcome`]), and the stored result never copies it.
fn conflict(id: MutationId, reason: ConflictReason) -> MutationResult {
    MutationResult {
        status: MutationStatus::Conflict,
        reason: Some(reason),
        message: None,
        ..MutationResult::applied(id)
    }
}

#[cfg(test)]
mod tests;
