//! The approval rules: who may do what to a draft, and what a draft becomes.
//!
//! Each function takes the draft as it is, the acting user and `now`, and returns the draft
//! as it must be stored — or a [`Refusal`] saying why not. The server runs these inside the
//! transaction that stores the result, so the first committed decision wins and every later
//! one meets the new state.

use crate::draft::{
    Approval, Draft, DraftStatus, HistoryEntry, HistoryEvent, Person, Role, Urgency,
};
use crate::ids::TeamId;
use crate::mutation::{Annotation, ConflictReason, Decision, Verdict};
use chrono::{DateTime, Utc};

/// The user doing something, with what they are allowed to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// Who they are.
    pub person: Person,
    /// Their roles.
    pub roles: Vec<Role>,
    /// The approval steps they are qualified for (e.g. `review`, `legal`).
    pub steps: Vec<String>,
    /// The teams whose drafts they may see and decide.
    pub teams: Vec<TeamId>,
}

impl Actor {
    /// True when the actor holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// True when the actor may see drafts of `team`. Admins see every team.
    pub fn sees_team(&self, team: TeamId) -> bool {
        self.has_role(Role::Admin) || self.teams.contains(&team)
    }

    /// True when the actor may decide drafts at all (authors and agencies never may).
    pub fn is_decider(&self) -> bool {
        self.has_role(Role::Reviewer) || self.has_role(Role::Spokesperson)
    }

    fn may_take_step(&self, step: &str) -> bool {
        self.steps.iter().any(|s| s == step)
    }
}

/// Why the rules refused an action.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The draft moved on; the action no longer fits it.
    #[error("conflict: {}", .0.as_str())]
    Conflict(ConflictReason),
    /// The actor may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The action itself is malformed.
    #[error("invalid: {0}")]
    Invalid(String),
}

fn forbidden(message: impl Into<String>) -> Refusal {
    Refusal::Forbidden(message.into())
}

fn history(actor: &Actor, draft: &Draft, now: DateTime<Utc>, event: HistoryEvent) -> HistoryEntry {
    HistoryEntry {
        at: now,
        by: actor.person.clone(),
        version: draft.version,
        event,
    }
}

/// Checks that the actor may act on the draft's team as a decider.
fn check_decider(draft: &Draft, actor: &Actor) -> Result<(), Refusal> {
    if !actor.is_decider() {
        return Err(forbidden(
            "only reviewers and spokespeople can decide drafts",
        ));
    }
    if !actor.sees_team(draft.team) {
        return Err(forbidden(
            "this draft belongs to a team you do not review for",
        ));
    }
    Ok(())
}

/// Checks that a decision or annotation made on `version` still fits the draft.
///
/// Order matters: a withdrawal wins over everything, then an edit (stale version), then a
/// decision that already ended the round.
fn check_current(draft: &Draft, version: u64) -> Result<(), Refusal> {
    if draft.status == DraftStatus::Withdrawn {
        return Err(Refusal::Conflict(ConflictReason::Withdrawn));
    }
    if version != draft.version {
        return Err(Refusal::Conflict(ConflictReason::StaleVersion));
    }
    Ok(())
}

/// Applies a reviewer's decision.
///
/// Approve satisfies the draft's next required step; the actor must be qualified for that
/// step, must not have approved another step of this version (four eyes), and a crisis draft
/// needs a spokesperson. Reject and request changes end the round. A decision made on an
/// older version is a `stale_version` conflict; one on a draft whose round already ended is
/// `already_decided`; one on a withdrawn draft is `withdrawn`.
pub fn decide(
    draft: &Draft,
    actor: &Actor,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    if decision.draft_id != draft.id {
        return Err(Refusal::Invalid("the decision names another draft".into()));
    }
    check_decider(draft, actor)?;
    check_current(draft, decision.draft_version)?;
    if draft.status != DraftStatus::Pending {
        return Err(Refusal::Conflict(ConflictReason::AlreadyDecided));
    }
    if decision.verdict == Verdict::RequestChanges && decision.comment.trim().is_empty() {
        return Err(Refusal::Invalid(
            "say what should change: a request for changes needs a comment".into(),
        ));
    }
    let qualified_for_any = draft.required_steps.iter().any(|s| actor.may_take_step(s));
    if !qualified_for_any {
        return Err(forbidden(format!(
            "this draft needs {}, and you are not qualified for any of those steps",
            draft.required_steps.join(" and ")
        )));
    }
    if draft.urgency == Urgency::Crisis
        && decision.verdict == Verdict::Approve
        && !actor.has_role(Role::Spokesperson)
    {
        return Err(forbidden(
            "only a spokesperson may approve a crisis statement",
        ));
    }

    let mut next = draft.clone();
    let step = match decision.verdict {
        Verdict::Approve => {
            let Some(step) = draft.next_step().map(str::to_owned) else {
                return Err(Refusal::Conflict(ConflictReason::AlreadyDecided));
            };
            if !actor.may_take_step(&step) {
                // They are qualified for a step that someone else has already taken.
                return Err(Refusal::Conflict(ConflictReason::AlreadyDecided));
            }
            if draft.approvals.iter().any(|a| a.by.id == actor.person.id) {
                return Err(forbidden(
                    "you already approved another step of this version; it needs a second person",
                ));
            }
            next.approvals.push(Approval {
                step: step.clone(),
                by: actor.person.clone(),
                decision_id: decision.id,
                at: now,
            });
            if next.next_step().is_none() {
                next.status = DraftStatus::Approved;
            }
            Some(step)
        }
        Verdict::Reject => {
            next.status = DraftStatus::Rejected;
            None
        }
        Verdict::RequestChanges => {
            next.status = DraftStatus::ChangesRequested;
            None
        }
    };
    next.history.push(history(
        actor,
        draft,
        now,
        HistoryEvent::Decided {
            decision_id: decision.id,
            verdict: decision.verdict,
            step,
            comment: decision.comment.clone(),
            override_reason: decision.override_reason.clone(),
        },
    ));
    next.updated_at = now;
    Ok(next)
}

/// Adds a comment. Anyone who may decide the draft, and its author, may comment while the
/// draft is not withdrawn; a comment on an older version is kept (it is still worth reading)
/// but a comment on a withdrawn draft is a conflict.
pub fn annotate(
    draft: &Draft,
    actor: &Actor,
    annotation: &Annotation,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    if annotation.draft_id != draft.id {
        return Err(Refusal::Invalid("the comment names another draft".into()));
    }
    if annotation.body.trim().is_empty() {
        return Err(Refusal::Invalid("a comment needs some text".into()));
    }
    let is_author = draft.author.id == actor.person.id;
    if !is_author {
        check_decider(draft, actor)?;
    }
    if draft.status == DraftStatus::Withdrawn {
        return Err(Refusal::Conflict(ConflictReason::Withdrawn));
    }
    if annotation.draft_version > draft.version {
        return Err(Refusal::Invalid(
            "the comment names a version that does not exist".into(),
        ));
    }
    let mut next = draft.clone();
    let mut entry = history(
        actor,
        draft,
        now,
        HistoryEvent::Annotated {
            annotation: annotation.clone(),
        },
    );
    entry.version = annotation.draft_version;
    next.history.push(entry);
    next.updated_at = now;
    Ok(next)
}

/// The author changes the text. The version goes up, approvals on the old version stop
/// counting, and a draft sent back for changes is pending again.
pub fn edit(
    draft: &Draft,
    actor: &Actor,
    body: String,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    check_may_change(draft, actor)?;
    if body.trim().is_empty() {
        return Err(Refusal::Invalid("a draft needs some text".into()));
    }
    let mut next = draft.clone();
    next.history.push(history(
        actor,
        draft,
        now,
        HistoryEvent::Edited {
            previous_body: draft.body.clone(),
        },
    ));
    next.body = body;
    next.version += 1;
    next.approvals.clear();
    next.status = DraftStatus::Pending;
    next.updated_at = now;
    Ok(next)
}

/// The author takes the draft back. Final: any later decision meets a `withdrawn` conflict.
pub fn withdraw(draft: &Draft, actor: &Actor, now: DateTime<Utc>) -> Result<Draft, Refusal> {
    check_may_change(draft, actor)?;
    let mut next = draft.clone();
    next.status = DraftStatus::Withdrawn;
    next.history
        .push(history(actor, draft, now, HistoryEvent::Withdrawn));
    next.updated_at = now;
    Ok(next)
}

fn check_may_change(draft: &Draft, actor: &Actor) -> Result<(), Refusal> {
    let is_author = draft.author.id == actor.person.id;
    if !is_author && !actor.has_role(Role::Admin) {
        return Err(forbidden("only the draft's author can change it"));
    }
    match draft.status {
        DraftStatus::Withdrawn => Err(Refusal::Conflict(ConflictReason::Withdrawn)),
        status if status.is_final() => Err(Refusal::Conflict(ConflictReason::AlreadyDecided)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
