//! The approval rules: who may do what to a draft, and what a draft becomes.
//!
//! Each function takes the draft as it is, the acting user and `now`, and returns the draft
//! as it must be stored — or a [`Refusal`] saying why not. The server runs these inside the
//! transaction that stores the result, so the first committed decision wins and every later
//! one meets the new state.

use crate::channel::{ChannelAccess, ChannelRules, Quorum, Risk};
use crate::draft::{
    Approval, Draft, DraftStatus, HistoryEntry, HistoryEvent, Person, Role, Urgency,
};
use crate::ids::{AnnotationId, TeamId};
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
    /// Which of those teams' channels they may see.
    pub channels: ChannelAccess,
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

    /// True when the actor may read `draft`: administrators every draft; others the drafts
    /// of their teams on channels they may see, and drafts they wrote or own.
    pub fn sees(&self, draft: &Draft) -> bool {
        self.has_role(Role::Admin)
            || draft.author.id == self.person.id
            || draft.owner().id == self.person.id
            || (self.teams.contains(&draft.team) && self.channels.allows(draft.channel_id))
    }

    /// True when the actor may decide drafts at all (authors, agencies and administrators
    /// who are nothing else never may).
    pub fn is_decider(&self) -> bool {
        self.has_role(Role::Reviewer) || self.has_role(Role::Spokesperson)
    }

    /// True when the actor decides for `draft`'s team and channel. Membership counts, not
    /// an administrator's view of every team: an administrator who is also a reviewer
    /// decides only for their own teams.
    pub fn decides_for(&self, draft: &Draft) -> bool {
        self.is_decider()
            && self.teams.contains(&draft.team)
            && self.channels.allows(draft.channel_id)
    }

    /// True when the actor is qualified for `step`.
    pub fn may_take_step(&self, step: &str) -> bool {
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

impl Refusal {
    /// The sentence for people, without the kind in front.
    pub fn message(&self) -> String {
        match self {
            Refusal::Conflict(reason) => reason.describe().to_owned(),
            Refusal::Forbidden(message) | Refusal::Invalid(message) => message.clone(),
        }
    }
}

/// The message of the refusal a reviewer meets on a crisis draft they may not approve.
pub const SPOKESPERSON_ONLY: &str = "only a spokesperson may approve a crisis draft";

fn forbidden(message: impl Into<String>) -> Refusal {
    Refusal::Forbidden(message.into())
}

fn history(actor: &Actor, draft: &Draft, now: DateTime<Utc>, event: HistoryEvent) -> HistoryEntry {
    HistoryEntry::on(draft, &actor.person, now, event)
}

/// Checks that the actor may act on the draft's team and channel as a decider.
fn check_decider(draft: &Draft, actor: &Actor) -> Result<(), Refusal> {
    if !actor.is_decider() {
        return Err(forbidden(if actor.has_role(Role::Admin) {
            "administrators approve nothing unless they are also reviewers"
        } else {
            "only reviewers and spokespeople can decide drafts"
        }));
    }
    if !actor.decides_for(draft) {
        return Err(forbidden(
            "this draft belongs to a team or channel you do not review for",
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

/// Checks that the draft is waiting for a decision.
fn check_open(draft: &Draft) -> Result<(), Refusal> {
    match draft.status {
        DraftStatus::Pending => Ok(()),
        DraftStatus::Held => Err(Refusal::Conflict(ConflictReason::Held)),
        _ => Err(Refusal::Conflict(ConflictReason::AlreadyDecided)),
    }
}

/// The step `actor`'s approval of `draft`, as it is now, would satisfy — or why they may not
/// approve it. One function for the server (inside the push transaction) and the desktop
/// (before a key press is accepted), so both give the same answer.
///
/// Four eyes, whatever roles someone holds: the author, the owner and anyone who edited the
/// draft never approve it, and one person counts once per version (one step, one place in a
/// quorum). Administrators approve only if they are also reviewers, for their own teams. An
/// `all` step counts only the people it names, and someone it names keeps their approval for
/// it (spent on an earlier step, the `all` step could never be satisfied). A crisis draft
/// needs a spokesperson.
pub fn check_approval(draft: &Draft, actor: &Actor) -> Result<String, Refusal> {
    check_decider(draft, actor)?;
    if draft.status == DraftStatus::Withdrawn {
        return Err(Refusal::Conflict(ConflictReason::Withdrawn));
    }
    check_open(draft)?;
    let me = actor.person.id;
    if draft.author.id == me || draft.owner().id == me {
        return Err(forbidden(
            "you wrote this draft: someone else must approve it (four eyes)",
        ));
    }
    if draft.writers().contains(&me) {
        return Err(forbidden(
            "you edited this draft: someone else must approve it (four eyes)",
        ));
    }
    if draft.approvals.iter().any(|a| a.by.id == me) {
        return Err(forbidden(
            "you already approved this version; the rest needs other people",
        ));
    }
    let Some(next) = draft.next_required_step() else {
        return Err(Refusal::Conflict(ConflictReason::AlreadyDecided));
    };
    if !actor.may_take_step(&next.step) {
        let took_earlier = draft
            .required_steps
            .iter()
            .take_while(|s| s.step != next.step)
            .any(|s| actor.may_take_step(&s.step));
        return Err(if took_earlier {
            // Their step was taken by someone else first: the offline race.
            Refusal::Conflict(ConflictReason::AlreadyDecided)
        } else if draft.step_names().iter().any(|s| actor.may_take_step(s)) {
            forbidden(format!("this draft waits for its {} step first", next.step))
        } else {
            forbidden(format!(
                "this draft needs {}, and you are not qualified for any of those steps",
                draft.step_names().join(" and ")
            ))
        });
    }
    if !next.counts(me) {
        let names: Vec<&str> = next
            .holders
            .iter()
            .map(|p| p.display_name.as_str())
            .collect();
        return Err(forbidden(format!(
            "the {} step waits for each of {}",
            next.step,
            names.join(", ")
        )));
    }
    // One person takes one step of a version: spent here, the approval of someone a later
    // `all` step waits for by name would leave that step waiting for ever.
    if let Some(later) = draft.required_steps.iter().find(|s| {
        s.step != next.step
            && s.quorum == Quorum::All
            && s.holders.iter().any(|h| h.id == me)
            && !s.is_satisfied(&draft.approvals)
    }) {
        return Err(forbidden(format!(
            "the {} step waits for you by name; leave the {} step to someone else",
            later.step, next.step
        )));
    }
    if draft.urgency == Urgency::Crisis && !actor.has_role(Role::Spokesperson) {
        return Err(forbidden(SPOKESPERSON_ONLY));
    }
    Ok(next.step.clone())
}

/// Applies a reviewer's decision.
///
/// Approve satisfies (or counts towards) the draft's next required step, if
/// [`check_approval`] allows. Reject and request changes end the round; any decider of the
/// draft's team qualified for one of its steps may take them, a spokesperson or not (sending
/// a crisis statement back is always safe). A decision made on an older version is a
/// `stale_version` conflict; one on a draft whose round already ended is `already_decided`;
/// one on a held draft `held`; one on a withdrawn draft `withdrawn`.
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
    check_open(draft)?;
    if decision.verdict == Verdict::RequestChanges && decision.comment.trim().is_empty() {
        return Err(Refusal::Invalid(
            "say what should change: a request for changes needs a comment".into(),
        ));
    }
    if !draft.step_names().iter().any(|s| actor.may_take_step(s)) {
        return Err(forbidden(format!(
            "this draft needs {}, and you are not qualified for any of those steps",
            draft.step_names().join(" and ")
        )));
    }

    let mut next = draft.clone();
    // Only an approval can be late: a rejection or a request for changes after the time is
    // the safe direction and needs no flag.
    let late_secs = match decision.verdict {
        Verdict::Approve => draft.late_by(now).map(crate::draft::late_secs),
        Verdict::Reject | Verdict::RequestChanges => None,
    };
    let step = match decision.verdict {
        Verdict::Approve => {
            let step = check_approval(draft, actor)?;
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
            late_secs,
        },
    ));
    next.updated_at = now;
    Ok(next)
}

/// The people among `candidates` who may approve `draft` as it is now, by
/// [`check_approval`]: what the window shows when someone may not ("David Chen may").
pub fn approvers<'a>(draft: &Draft, candidates: &'a [Actor]) -> Vec<&'a Person> {
    candidates
        .iter()
        .filter(|c| check_approval(draft, c).is_ok())
        .map(|c| &c.person)
        .collect()
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
    let writes_it = draft.author.id == actor.person.id || draft.owner().id == actor.person.id;
    if !writes_it {
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

/// The author (or the draft's owner, or an administrator) changes the text. The version
/// goes up, approvals on the old version stop counting, and a draft sent back for changes
/// (or held by crisis mode) is pending again.
///
/// With the channel's `rules` (drafts from before channels existed have none) the edit
/// re-applies the current policy: its steps and quorums apply, nothing the draft already
/// needed is dropped, `all` steps name the holders again (never the editor), and the draft is
/// a crisis draft if its channel is in crisis now.
pub fn edit(
    draft: &Draft,
    actor: &Actor,
    body: String,
    rules: Option<(&ChannelRules, &Risk)>,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    revise(draft, actor, body, None, rules, now)
}

/// The author accepts the replacement `annotation` suggested: an [`edit`] to `body` (the
/// draft's text with the suggestion applied where its words are now), under the same rules,
/// whose history entry names the annotation.
pub fn accept_suggestion(
    draft: &Draft,
    actor: &Actor,
    annotation: AnnotationId,
    body: String,
    rules: Option<(&ChannelRules, &Risk)>,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    revise(draft, actor, body, Some(annotation), rules, now)
}

fn revise(
    draft: &Draft,
    actor: &Actor,
    body: String,
    accepted_suggestion: Option<AnnotationId>,
    rules: Option<(&ChannelRules, &Risk)>,
    now: DateTime<Utc>,
) -> Result<Draft, Refusal> {
    may_change(draft, actor)?;
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
            accepted_suggestion,
        },
    ));
    let mut status = DraftStatus::Pending;
    let mut routed = None;
    if let Some((rules, risk)) = rules {
        let policy = &rules.channel.policy;
        let last_route = draft.history.iter().rev().find_map(|h| match &h.event {
            HistoryEvent::Routed { route } => Some(route),
            _ => None,
        });
        // What the draft needed before, less what routing added: an edit routes afresh.
        let previous: Vec<_> = draft
            .required_steps
            .iter()
            .map(|s| s.rule())
            .filter(|r| !rules.routing.added(policy, last_route, &r.step))
            .collect();
        // The author's own additions, for a route that replaces the policy.
        let own = crate::channel::beyond_policy(policy, &previous);
        let (route_rules, route) = rules.route(&own, risk);
        let requested = if route.is_some() { &own } else { &previous };
        next.required_steps = rules
            .steps_under(&route_rules, &next, requested)
            .map_err(|e| Refusal::Invalid(e.to_string()))?;
        next.urgency = rules.urgency(draft.requested_urgency());
        next.requested_urgency = Some(draft.requested_urgency()).filter(|u| *u != next.urgency);
        routed = route;
        if next.required_steps.is_empty() {
            status = DraftStatus::Approved;
        }
    }
    next.body = body;
    next.version += 1;
    next.approvals.clear();
    next.status = status;
    next.updated_at = now;
    if let Some(route) = routed {
        let event = HistoryEvent::Routed { route };
        next.history
            .push(HistoryEntry::on(&next, &actor.person, now, event));
    }
    Ok(next)
}

/// The author takes the draft back. Final: any later decision meets a `withdrawn` conflict.
pub fn withdraw(draft: &Draft, actor: &Actor, now: DateTime<Utc>) -> Result<Draft, Refusal> {
    may_change(draft, actor)?;
    let mut next = draft.clone();
    next.status = DraftStatus::Withdrawn;
    next.history
        .push(history(actor, draft, now, HistoryEvent::Withdrawn));
    next.updated_at = now;
    Ok(next)
}

/// The publishing tool reports that `draft` went out: an approved draft becomes
/// `published`, with a [`HistoryEvent::Published`] entry by `by` at `now` (the server's time;
/// `published_at` is the tool's word for when).
///
/// `Ok(None)` when it is already published: a report sent twice (its answer lost, or two
/// tools) changes nothing and records nothing the second time. A held draft is a `held`
/// conflict and a withdrawn one `withdrawn`; one that was never approved (pending, sent back,
/// rejected) cannot have been published by the hand-off, so the report is invalid. Who may
/// report is the server's business (an administrator, or the webhook the draft was handed to).
pub fn publish(
    draft: &Draft,
    by: &Person,
    now: DateTime<Utc>,
    url: Option<String>,
    published_at: Option<DateTime<Utc>>,
) -> Result<Option<Draft>, Refusal> {
    match draft.status {
        DraftStatus::Approved => {}
        DraftStatus::Published => return Ok(None),
        DraftStatus::Held => return Err(Refusal::Conflict(ConflictReason::Held)),
        DraftStatus::Withdrawn => return Err(Refusal::Conflict(ConflictReason::Withdrawn)),
        status @ (DraftStatus::Pending | DraftStatus::ChangesRequested | DraftStatus::Rejected) => {
            return Err(Refusal::Invalid(format!(
                "only an approved draft can be published; this one is {}",
                status.as_str()
            )));
        }
    }
    let mut next = draft.clone();
    next.status = DraftStatus::Published;
    next.history.push(HistoryEntry::on(
        draft,
        by,
        now,
        HistoryEvent::Published { url, published_at },
    ));
    next.updated_at = now;
    Ok(Some(next))
}

/// Whether `actor` may change `draft` now (edit it, withdraw it, accept a suggestion): its
/// owner (or an administrator), while it is not final.
pub fn may_change(draft: &Draft, actor: &Actor) -> Result<(), Refusal> {
    let owns_it = draft.owner().id == actor.person.id;
    if !owns_it && !actor.has_role(Role::Admin) {
        return Err(forbidden(if draft.author.id == actor.person.id {
            "this draft was handed over to someone else; they can change it now"
        } else {
            "only the draft's author can change it"
        }));
    }
    match draft.status {
        DraftStatus::Withdrawn => Err(Refusal::Conflict(ConflictReason::Withdrawn)),
        status if status.is_final() => Err(Refusal::Conflict(ConflictReason::AlreadyDecided)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
