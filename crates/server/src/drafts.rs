//! What authors do to drafts — write, read, edit, withdraw — shared by the HTTP endpoints,
//! the [`admin`](crate::admin) functions and the [`demo`](crate::demo) seed.
//!
//! Edits and withdrawals run the approval rules (`countersign_core::approval`) on the draft
//! as stored, inside the transaction that stores the result, so they cannot cross a decision
//! committed a moment earlier.

use crate::Server;
use crate::error::{ServerError, SuggestionRefusal};
use crate::policy::{Review, Written};
use crate::storage::{DraftChange, DraftUpdate};
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use countersign_core::anchor;
use countersign_core::approval::{self, Actor};
use countersign_core::channel::Risk;
use countersign_core::limits;
use countersign_core::wire::{AcceptSuggestion, EditDraft, NewDraft};
use countersign_core::{
    AnnotationId, Channel, ChannelRules, ConflictReason, Draft, DraftId, DraftStatus, HistoryEntry,
    HistoryEvent, Network, Refusal, Role,
};

/// Writes a new draft: version 1, pending, with a `created` history entry.
///
/// Authors and administrators only, for a channel of one of the author's teams that they
/// may write for (administrators: any channel). The draft's steps come from the channel's
/// policy, made stricter by any the author asked for; while crisis mode covers the channel
/// it is a crisis draft whatever urgency the author gave.
pub async fn create(
    server: &Server,
    trail: &Trail,
    actor: &Actor,
    new: NewDraft,
) -> Result<Draft, ServerError> {
    if !actor.has_role(Role::Author) && !actor.has_role(Role::Admin) {
        return Err(ServerError::Forbidden(
            "only authors and administrators can write drafts".into(),
        ));
    }
    // Every field within its cap before anything reads or stores it.
    limits::check_new_draft(&new, countersign_policy::measure)?;
    let channel = channel_for(server, new.network, &new.channel).await?;
    if new.team.is_some_and(|t| t != channel.team) {
        return Err(ServerError::Invalid(format!(
            "{} belongs to another team; leave the team out or name that one",
            channel.account
        )));
    }
    let writes_for = actor.has_role(Role::Admin)
        || (actor.teams.contains(&channel.team) && actor.channels.allows(Some(channel.id)));
    if !writes_for {
        return Err(ServerError::Forbidden(format!(
            "you do not write for {} on {}",
            channel.account,
            channel.network.label()
        )));
    }
    let rules = rules_for(server, &channel).await?;
    let review = Review::load(server).await?;
    let findings = review.findings_of(&Written {
        body: &new.body,
        network: channel.network,
        media: &new.media,
        channel: Some(channel.id),
        author: actor.person.id,
        urgency: rules.urgency(new.urgency),
    });
    let risk = review.risk(&new.body, channel.network, &findings);
    let now = server.now();
    let draft = build(actor, &rules, new, new_id(now), now, &risk)?;
    server
        .storage()
        .insert_drafts(vec![draft.clone()], trail.clone())
        .await?;
    Ok(draft)
}

/// A draft the actor may see: their teams' on channels they may see (administrators: all),
/// and their own.
pub async fn get(server: &Server, actor: &Actor, id: DraftId) -> Result<Draft, ServerError> {
    let draft = server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if !actor.sees(&draft) {
        return Err(ServerError::Forbidden(
            "this draft belongs to a team or channel you are not in".into(),
        ));
    }
    Ok(draft)
}

/// Replaces the text of the draft, which must still be at `edit.version` (else a
/// `stale_version` conflict): the version goes up, earlier approvals stop counting, and the
/// channel's current policy and crisis state apply.
pub async fn edit(
    server: &Server,
    trail: &Trail,
    actor: &Actor,
    id: DraftId,
    edit: EditDraft,
) -> Result<Draft, ServerError> {
    let stored = server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    // The network never changes, so the cap checked here is the one that applies when the
    // edit is stored. Someone who may not see the draft learns nothing of it, not even its
    // network (the rules refuse them below); a body over the byte ceiling, which names no
    // network, is refused for everyone before the guard reads it.
    if actor.sees(&stored) || edit.body.len() > limits::MAX_BODY_BYTES {
        limits::check_body(stored.network, &edit.body, countersign_policy::measure)?;
    }
    let (rules, risk) = revision_rules(server, &stored, &edit.body).await?;
    let (actor, now) = (actor.clone(), server.now());
    change(
        server,
        trail,
        id,
        Box::new(move |current| {
            // The rules first, so a stranger learns nothing about the version and a
            // withdrawn draft says so rather than "stale".
            let routed = rules.as_ref().map(|r| (r, &risk));
            let next = approval::edit(current, &actor, edit.body, routed, now)?;
            if current.version != edit.version {
                return Err(Refusal::Conflict(ConflictReason::StaleVersion));
            }
            Ok(next)
        }),
    )
    .await
}

/// The author takes the replacement a reviewer suggested in annotation `annotation_id`: the
/// draft must still be at `accept.version` (else `stale_version`), the suggestion's words are
/// found in the current text by their quote and context ([`anchor`]), and the draft becomes
/// that text with the suggestion in their place — an edit like [`edit`] in every other way
/// (the same rules, the guard's verdict routes the new version, approvals stop counting),
/// whose history entry names the annotation.
///
/// Refused: by the rules as an edit is (not the owner, withdrawn, final); `not_found` for an
/// annotation the draft does not have or one without a suggestion on its words;
/// [`SuggestionRefusal::AlreadyAccepted`] the second time; [`SuggestionRefusal::Detached`]
/// when the words are gone.
pub async fn accept_suggestion(
    server: &Server,
    trail: &Trail,
    actor: &Actor,
    id: DraftId,
    annotation_id: AnnotationId,
    accept: AcceptSuggestion,
) -> Result<Draft, ServerError> {
    let stored = server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    // The rules before anything about the draft's comments or text: a stranger learns
    // nothing, and a withdrawn draft says so. The transaction asks them again.
    approval::may_change(&stored, actor)?;
    if stored.version != accept.version {
        return Err(Refusal::Conflict(ConflictReason::StaleVersion).into());
    }
    let no_suggestion = || {
        ServerError::NotFound(format!(
            "draft {id} has no suggestion {annotation_id} to accept"
        ))
    };
    let kept = server
        .storage()
        .annotation(id, annotation_id)
        .await?
        .ok_or_else(no_suggestion)?;
    if let Some(version) = kept.accepted_version {
        return Err(SuggestionRefusal::AlreadyAccepted { version }.into());
    }
    let (Some(suggestion), Some(target)) = (&kept.annotation.suggestion, &kept.annotation.target)
    else {
        return Err(no_suggestion());
    };
    let (start, end) = anchor::anchor(&stored.body, target)
        .range()
        .ok_or(SuggestionRefusal::Detached)?;
    let body =
        anchor::replace(&stored.body, start, end, suggestion).ok_or(SuggestionRefusal::Detached)?;
    // The new text within its network's cap, like any edit's.
    limits::check_body(stored.network, &body, countersign_policy::measure)?;
    let (rules, risk) = revision_rules(server, &stored, &body).await?;
    let (actor, now) = (actor.clone(), server.now());
    change(
        server,
        trail,
        id,
        Box::new(move |current| {
            let routed = rules.as_ref().map(|r| (r, &risk));
            let next =
                approval::accept_suggestion(current, &actor, annotation_id, body, routed, now)?;
            // The text was made from the version read above: any other is stale.
            if current.version != accept.version {
                return Err(Refusal::Conflict(ConflictReason::StaleVersion));
            }
            Ok(next)
        }),
    )
    .await
}

/// The channel's rules now and the policy guard's verdict on `body` as the next version of
/// `stored`: what an edit is routed by. The author is the stored draft's, whoever edits.
async fn revision_rules(
    server: &Server,
    stored: &Draft,
    body: &str,
) -> Result<(Option<ChannelRules>, Risk), ServerError> {
    let rules = match stored.channel_id {
        Some(channel_id) => {
            let channels = server.storage().channels().await?;
            match channels.into_iter().find(|c| c.id == channel_id) {
                Some(channel) => Some(rules_for(server, &channel).await?),
                None => None,
            }
        }
        None => None,
    };
    let review = Review::load(server).await?;
    let findings = review.findings_of(&Written {
        body,
        network: stored.network,
        media: &stored.media,
        channel: stored.channel_id,
        author: stored.author.id,
        urgency: stored.urgency,
    });
    Ok((rules, review.risk(body, stored.network, &findings)))
}

/// Takes the draft back. Final; it leaves every reviewer's queue.
pub async fn withdraw(
    server: &Server,
    trail: &Trail,
    actor: &Actor,
    id: DraftId,
) -> Result<Draft, ServerError> {
    let (actor, now) = (actor.clone(), server.now());
    change(
        server,
        trail,
        id,
        Box::new(move |current| approval::withdraw(current, &actor, now)),
    )
    .await
}

/// Runs `change` on the stored draft and stores the outcome, in one transaction.
async fn change(
    server: &Server,
    trail: &Trail,
    id: DraftId,
    change: DraftChange,
) -> Result<Draft, ServerError> {
    match server
        .storage()
        .update_draft(id, change, trail.clone())
        .await?
    {
        DraftUpdate::NotFound => Err(not_found(id)),
        DraftUpdate::Refused { refusal, .. } => Err(refusal.into()),
        DraftUpdate::Updated(draft) => Ok(*draft),
    }
}

/// The channels `user` may see and write for, with their policies and authorised
/// spokespeople (as their desktop's directory lists them).
pub async fn channels_for(
    server: &Server,
    user: &crate::storage::UserRecord,
) -> Result<Vec<countersign_core::wire::ChannelView>, ServerError> {
    let storage = server.storage();
    let (teams, channels, users, crisis) = (
        storage.teams().await?,
        storage.channels().await?,
        storage.users().await?,
        storage.crisis().await?,
    );
    let policy = crate::directory::PolicyFacts {
        version: 0,
        routings: storage.routings().await?,
    };
    Ok(crate::directory::build(user, &teams, &channels, &users, &crisis, &policy).channels)
}

/// The channel for `account` on `network`.
pub async fn channel_for(
    server: &Server,
    network: Network,
    account: &str,
) -> Result<Channel, ServerError> {
    let account = account.trim();
    if account.is_empty() {
        return Err(ServerError::Invalid(
            "say which account the draft is for (channel)".into(),
        ));
    }
    server
        .storage()
        .channels()
        .await?
        .into_iter()
        .find(|c| c.network == network && c.account == account)
        .ok_or_else(|| {
            ServerError::Invalid(format!(
                "{account} on {} is not one of the organisation's channels; an administrator \
                 adds it with `countersign-server channel add`",
                network.label()
            ))
        })
}

/// What `channel`'s rules say now: its policy, its team's name, whether crisis mode covers
/// it, and every active account that could decide its drafts.
pub async fn rules_for(server: &Server, channel: &Channel) -> Result<ChannelRules, ServerError> {
    let storage = server.storage();
    let team_name = storage
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id == channel.team)
        .map_or_else(String::new, |t| t.name);
    let deciders = storage
        .users()
        .await?
        .into_iter()
        .filter(|u| u.is_active())
        .map(|u| u.actor())
        .filter(|a| a.is_decider() && a.teams.contains(&channel.team))
        .collect();
    let routing = storage
        .routings()
        .await?
        .into_iter()
        .find(|(id, _)| *id == channel.id)
        .map(|(_, r)| r)
        .unwrap_or_default();
    Ok(ChannelRules {
        channel: channel.clone(),
        team_name,
        in_crisis: storage.crisis().await?.covers(Some(channel.id)),
        deciders,
        routing,
    })
}

/// A new draft from an author's request under `rules`, routed by the policy guard's
/// verdict `risk`, checked for what the type cannot say. A pre-approved reply on a channel
/// that allows them is approved at once.
pub fn build(
    actor: &Actor,
    rules: &ChannelRules,
    new: NewDraft,
    id: DraftId,
    now: DateTime<Utc>,
    risk: &Risk,
) -> Result<Draft, ServerError> {
    let invalid = |message: &str| Err(ServerError::Invalid(message.to_owned()));
    if new.body.trim().is_empty() {
        return invalid("a draft needs some text");
    }
    if new.media.iter().any(|m| m.url.trim().is_empty()) {
        return invalid("every attachment needs a URL");
    }
    let requested: Vec<_> = new
        .required_steps
        .iter()
        .flatten()
        .map(|s| s.rule())
        .collect();
    let urgency = rules.urgency(new.urgency);
    let mut draft = Draft {
        id,
        version: 1,
        status: DraftStatus::Pending,
        network: rules.channel.network,
        channel: rules.channel.account.clone(),
        channel_id: Some(rules.channel.id),
        team: rules.channel.team,
        body: new.body,
        author: actor.person.clone(),
        owner: None,
        urgency,
        requested_urgency: (urgency != new.urgency).then_some(new.urgency),
        scheduled_at: new.scheduled_at,
        required_steps: vec![],
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
    };
    let own = countersign_core::channel::beyond_policy(&rules.channel.policy, &requested);
    let (route_rules, route) = rules.route(&own, risk);
    let requested = if route.is_some() { &own } else { &requested };
    draft.required_steps = rules
        .steps_under(&route_rules, &draft, requested)
        .map_err(|e| ServerError::Invalid(e.to_string()))?;
    if let Some(route) = route {
        let event = HistoryEvent::Routed { route };
        draft
            .history
            .push(HistoryEntry::on(&draft, &actor.person, now, event));
    }
    if draft.required_steps.is_empty() {
        draft.status = DraftStatus::Approved;
    }
    Ok(draft)
}

/// A UUIDv7 draft id stamped with `now` (the server's clock, not the system's).
pub fn new_id(now: DateTime<Utc>) -> DraftId {
    DraftId(crate::clock::uuid_v7(now))
}

fn not_found(id: DraftId) -> ServerError {
    ServerError::NotFound(format!("there is no draft with id {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{actor, t0, team};
    use countersign_core::channel::StepRequest;
    use countersign_core::{ChannelId, Quorum, StepRule, Urgency};
    use uuid::Uuid;

    fn request(body: &str) -> NewDraft {
        NewDraft {
            team: None,
            network: Network::X,
            channel: "@acme_help".into(),
            body: body.into(),
            urgency: Urgency::Normal,
            scheduled_at: None,
            required_steps: None,
            in_reply_to: None,
            media: vec![],
        }
    }

    fn rules(policy: &[&str], in_crisis: bool, deciders: Vec<Actor>) -> ChannelRules {
        let team = deciders.first().map_or_else(team, |d| d.teams[0]);
        ChannelRules {
            channel: Channel {
                id: ChannelId(Uuid::new_v4()),
                name: "help".into(),
                network: Network::X,
                account: "@acme_help".into(),
                team,
                policy: policy.iter().map(|p| StepRule::parse(p).unwrap()).collect(),
            },
            team_name: "Care".into(),
            in_crisis,
            deciders,
            routing: Default::default(),
        }
    }

    fn reviewers(team: countersign_core::TeamId) -> Vec<Actor> {
        vec![
            actor("rita", &[Role::Reviewer], &["review"], &[team]),
            actor("rob", &[Role::Reviewer], &["review", "legal"], &[team]),
            actor("lena", &[Role::Reviewer], &["legal"], &[team]),
        ]
    }

    #[test]
    fn a_new_draft_is_pending_version_one_with_its_channels_steps() {
        let t = team();
        let author = actor("ana", &[Role::Author], &[], &[t]);
        let r = rules(&["review", "legal:all"], false, reviewers(t));
        let id = new_id(t0());
        let draft = build(&author, &r, request("Hello"), id, t0(), &Risk::Clean).unwrap();
        assert_eq!(draft.version, 1);
        assert_eq!(draft.status, DraftStatus::Pending);
        assert_eq!(draft.step_names(), ["review", "legal"]);
        let legal: Vec<&str> = draft.required_steps[1]
            .holders
            .iter()
            .map(|p| p.username.as_str())
            .collect();
        assert_eq!(legal, ["lena", "rob"], "an all step names every holder");
        assert_eq!(draft.channel_id, Some(r.channel.id));
        assert_eq!(draft.history[0].event, HistoryEvent::Created);
        assert_eq!(id.0.get_version_num(), 7, "draft ids are UUIDv7");
    }

    #[test]
    fn an_authors_request_for_fewer_steps_or_a_calm_urgency_in_a_crisis_changes_nothing() {
        let t = team();
        let author = actor("ana", &[Role::Author], &[], &[t]);
        let r = rules(&["review:2"], true, reviewers(t));
        let mut asked = request("All fine here");
        asked.required_steps = Some(vec![]);
        asked.urgency = Urgency::Normal;
        let draft = build(&author, &r, asked, new_id(t0()), t0(), &Risk::Clean).unwrap();
        assert_eq!(draft.required_steps[0].quorum, Quorum::Count(2));
        assert_eq!(draft.urgency, Urgency::Crisis, "crisis mode decides");
        assert_eq!(draft.requested_urgency, Some(Urgency::Normal));

        let mut more = request("Needs a lawyer");
        more.required_steps = Some(vec![StepRequest::Name("legal".into())]);
        let calm = rules(&["review"], false, reviewers(t));
        let draft = build(&author, &calm, more, new_id(t0()), t0(), &Risk::Clean).unwrap();
        assert_eq!(
            draft.step_names(),
            ["review", "legal"],
            "adding a step is allowed"
        );
        assert_eq!(draft.urgency, Urgency::Normal);
    }

    #[test]
    fn empty_text_odd_steps_and_unsatisfiable_quorums_are_refused() {
        let t = team();
        let author = actor("ana", &[Role::Author], &[], &[t]);
        let r = rules(&["review"], false, reviewers(t));
        let blank = build(&author, &r, request("  "), new_id(t0()), t0(), &Risk::Clean);
        assert!(matches!(blank, Err(ServerError::Invalid(_))));
        for steps in [
            vec![StepRequest::Name("legal review".into())],
            vec![StepRequest::Name("a".into()), StepRequest::Name("a".into())],
            vec![StepRequest::Name("brand".into())],
            vec![StepRequest::Rule(StepRule::parse("review:3").unwrap())],
        ] {
            let mut asked = request("Hello");
            asked.required_steps = Some(steps.clone());
            let result = build(&author, &r, asked, new_id(t0()), t0(), &Risk::Clean);
            assert!(
                matches!(result, Err(ServerError::Invalid(_))),
                "{steps:?} must be refused"
            );
        }
    }
}
