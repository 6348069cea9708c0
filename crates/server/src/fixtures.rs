//! Test fixtures shared by the unit tests: people, teams, drafts and mutations.

use chrono::{DateTime, TimeZone, Utc};
use countersign_core::approval::Actor;
use countersign_core::{
    Decision, DecisionId, Draft, DraftId, DraftStatus, Mutation, MutationId, MutationKind, Network,
    Person, RequiredStep, Role, TeamId, Urgency, UserId, Verdict,
};
use uuid::Uuid;

/// A fixed "now".
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap()
}

/// Who the tests' writes are by: the console operator (see [`crate::trail::Trail`]).
pub fn trail() -> crate::trail::Trail {
    crate::trail::Trail::console()
}

/// A fresh team id.
pub fn team() -> TeamId {
    TeamId(Uuid::new_v4())
}

/// Someone with these roles and steps in these teams.
pub fn actor(username: &str, roles: &[Role], steps: &[&str], teams: &[TeamId]) -> Actor {
    Actor {
        person: Person {
            id: UserId(Uuid::new_v4()),
            username: username.to_owned(),
            display_name: username.to_owned(),
        },
        roles: roles.to_vec(),
        steps: steps.iter().map(|s| (*s).to_owned()).collect(),
        teams: teams.to_vec(),
        channels: countersign_core::ChannelAccess::AllOfTeams,
    }
}

/// A pending draft needing `review`, written by `author` for `team`.
pub fn draft(team: TeamId, author: &Person) -> Draft {
    Draft {
        id: DraftId(Uuid::now_v7()),
        version: 1,
        status: DraftStatus::Pending,
        network: Network::Bluesky,
        channel: "@example.bsky.social".to_owned(),
        channel_id: None,
        team,
        body: "Our spring range lands in stores on Friday.".to_owned(),
        author: author.clone(),
        owner: None,
        urgency: Urgency::Normal,
        requested_urgency: None,
        scheduled_at: None,
        required_steps: vec![RequiredStep::one("review")],
        approvals: vec![],
        in_reply_to: None,
        media: vec![],
        created_at: t0(),
        updated_at: t0(),
        history: vec![],
    }
}

/// Mutation `id`: `verdict` on `draft` at `version`.
pub fn decide(id: u64, draft: DraftId, version: u64, verdict: Verdict) -> Mutation {
    Mutation {
        mutation_id: MutationId(id),
        kind: MutationKind::Decide {
            decision: Decision {
                id: DecisionId(Uuid::now_v7()),
                draft_id: draft,
                draft_version: version,
                verdict,
                comment: "looks good".to_owned(),
                override_reason: None,
                client_time: None,
            },
        },
    }
}
