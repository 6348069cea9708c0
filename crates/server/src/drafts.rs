//! What authors do to drafts — write, read, edit, withdraw — shared by the HTTP endpoints,
//! the [`admin`](crate::admin) functions and the [`demo`](crate::demo) seed.
//!
//! Edits and withdrawals run the approval rules (`countersign_core::approval`) on the draft
//! as stored, inside the transaction that stores the result, so they cannot cross a decision
//! committed a moment earlier.

use crate::Server;
use crate::error::ServerError;
use crate::storage::{DraftChange, DraftUpdate};
use chrono::{DateTime, Utc};
use countersign_core::approval::{self, Actor};
use countersign_core::wire::{EditDraft, NewDraft};
use countersign_core::{
    ConflictReason, Draft, DraftId, DraftStatus, HistoryEntry, HistoryEvent, Refusal, Role, TeamId,
};

/// Steps a draft needs when its author names none.
pub const DEFAULT_STEPS: &[&str] = &["review"];

/// Writes a new draft: version 1, pending, with a `created` history entry.
///
/// Authors and administrators only. The team must be one of the author's (administrators:
/// any existing team) and may be left out when the author has exactly one.
pub async fn create(server: &Server, actor: &Actor, new: NewDraft) -> Result<Draft, ServerError> {
    if !actor.has_role(Role::Author) && !actor.has_role(Role::Admin) {
        return Err(ServerError::Forbidden(
            "only authors and administrators can write drafts".into(),
        ));
    }
    let team = choose_team(server, actor, new.team).await?;
    let now = server.now();
    let draft = build(actor, team, new, new_id(now), now)?;
    server.storage().insert_drafts(vec![draft.clone()]).await?;
    Ok(draft)
}

/// A draft the actor may see: their teams' (administrators: all) and their own.
pub async fn get(server: &Server, actor: &Actor, id: DraftId) -> Result<Draft, ServerError> {
    let draft = server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if !actor.sees_team(draft.team) && draft.author.id != actor.person.id {
        return Err(ServerError::Forbidden(
            "this draft belongs to a team you are not in".into(),
        ));
    }
    Ok(draft)
}

/// Replaces the text of the draft, which must still be at `edit.version` (else a
/// `stale_version` conflict): the version goes up and earlier approvals stop counting.
pub async fn edit(
    server: &Server,
    actor: &Actor,
    id: DraftId,
    edit: EditDraft,
) -> Result<Draft, ServerError> {
    let (actor, now) = (actor.clone(), server.now());
    change(
        server,
        id,
        Box::new(move |current| {
            // The rules first, so a stranger learns nothing about the version and a
            // withdrawn draft says so rather than "stale".
            let next = approval::edit(current, &actor, edit.body, now)?;
            if current.version != edit.version {
                return Err(Refusal::Conflict(ConflictReason::StaleVersion));
            }
            Ok(next)
        }),
    )
    .await
}

/// Takes the draft back. Final; it leaves every reviewer's queue.
pub async fn withdraw(server: &Server, actor: &Actor, id: DraftId) -> Result<Draft, ServerError> {
    let (actor, now) = (actor.clone(), server.now());
    change(
        server,
        id,
        Box::new(move |current| approval::withdraw(current, &actor, now)),
    )
    .await
}

/// Runs `change` on the stored draft and stores the outcome, in one transaction.
async fn change(server: &Server, id: DraftId, change: DraftChange) -> Result<Draft, ServerError> {
    match server.storage().update_draft(id, change).await? {
        DraftUpdate::NotFound => Err(not_found(id)),
        DraftUpdate::Refused { refusal, .. } => Err(refusal.into()),
        DraftUpdate::Updated(draft) => Ok(*draft),
    }
}

/// A new draft from an author's request, checked for what the type cannot say.
pub fn build(
    actor: &Actor,
    team: TeamId,
    new: NewDraft,
    id: DraftId,
    now: DateTime<Utc>,
) -> Result<Draft, ServerError> {
    let invalid = |message: &str| Err(ServerError::Invalid(message.to_owned()));
    if new.body.trim().is_empty() {
        return invalid("a draft needs some text");
    }
    if new.channel.trim().is_empty() {
        return invalid("say which account the draft is for (channel)");
    }
    let required_steps = new
        .required_steps
        .unwrap_or_else(|| DEFAULT_STEPS.iter().map(|s| (*s).to_owned()).collect());
    if required_steps.is_empty() {
        return invalid("a draft needs at least one approval step");
    }
    for (i, step) in required_steps.iter().enumerate() {
        if step.is_empty() || step.chars().any(char::is_whitespace) {
            return invalid("approval steps are single words, like review or legal");
        }
        if required_steps[..i].contains(step) {
            return invalid("an approval step can only be required once");
        }
    }
    if new.media.iter().any(|m| m.url.trim().is_empty()) {
        return invalid("every attachment needs a URL");
    }
    Ok(Draft {
        id,
        version: 1,
        status: DraftStatus::Pending,
        network: new.network,
        channel: new.channel,
        team,
        body: new.body,
        author: actor.person.clone(),
        urgency: new.urgency,
        scheduled_at: new.scheduled_at,
        required_steps,
        approvals: vec![],
        in_reply_to: new.in_reply_to,
        media: new.media,
        created_at: now,
        updated_at: now,
        history: vec![HistoryEntry {
            at: now,
            by: actor.person.clone(),
            version: 1,
            event: HistoryEvent::Created,
        }],
    })
}

/// A UUIDv7 draft id stamped with `now` (the server's clock, not the system's).
pub fn new_id(now: DateTime<Utc>) -> DraftId {
    DraftId(crate::clock::uuid_v7(now))
}

async fn choose_team(
    server: &Server,
    actor: &Actor,
    requested: Option<TeamId>,
) -> Result<TeamId, ServerError> {
    match requested {
        Some(team) if actor.teams.contains(&team) => Ok(team),
        Some(team) if actor.has_role(Role::Admin) => {
            let teams = server.storage().teams().await?;
            if teams.iter().any(|t| t.id == team) {
                Ok(team)
            } else {
                Err(ServerError::Invalid(format!(
                    "there is no team with id {team}"
                )))
            }
        }
        Some(_) => Err(ServerError::Forbidden(
            "you can only write drafts for your own teams".into(),
        )),
        None => match actor.teams.as_slice() {
            [only] => Ok(*only),
            [] => Err(ServerError::Invalid(
                "you are in no team yet; ask an administrator to add you to one".into(),
            )),
            _ => Err(ServerError::Invalid(
                "you are in several teams: say which one the draft is for (team)".into(),
            )),
        },
    }
}

fn not_found(id: DraftId) -> ServerError {
    ServerError::NotFound(format!("there is no draft with id {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{actor, t0, team};
    use countersign_core::Network;

    fn request(body: &str) -> NewDraft {
        NewDraft {
            team: None,
            network: Network::X,
            channel: "@acme_help".into(),
            body: body.into(),
            urgency: countersign_core::Urgency::Normal,
            scheduled_at: None,
            required_steps: None,
            in_reply_to: None,
            media: vec![],
        }
    }

    #[test]
    fn a_new_draft_is_pending_version_one_needing_review() {
        let t = team();
        let author = actor("ana", &[Role::Author], &[], &[t]);
        let id = new_id(t0());
        let draft = build(&author, t, request("Hello"), id, t0()).unwrap();
        assert_eq!(draft.version, 1);
        assert_eq!(draft.status, DraftStatus::Pending);
        assert_eq!(draft.required_steps, vec!["review".to_owned()]);
        assert_eq!(draft.history.len(), 1);
        assert_eq!(draft.history[0].event, HistoryEvent::Created);
        assert_eq!(id.0.get_version_num(), 7, "draft ids are UUIDv7");
    }

    #[test]
    fn empty_text_and_odd_steps_are_refused() {
        let t = team();
        let author = actor("ana", &[Role::Author], &[], &[t]);
        let blank = build(&author, t, request("  "), new_id(t0()), t0());
        assert!(matches!(blank, Err(ServerError::Invalid(_))));
        for steps in [
            vec![],
            vec!["legal review".to_owned()],
            vec!["a".into(), "a".into()],
        ] {
            let mut r = request("Hello");
            r.required_steps = Some(steps.clone());
            let result = build(&author, t, r, new_id(t0()), t0());
            assert!(
                matches!(result, Err(ServerError::Invalid(_))),
                "{steps:?} must be refused"
            );
        }
    }
}
