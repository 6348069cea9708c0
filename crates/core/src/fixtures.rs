//! People, teams and drafts for the rules' unit tests, so each test module states only what
//! it changes.

use crate::approval::Actor;
use crate::channel::ChannelAccess;
use crate::draft::{Approval, Draft, DraftStatus, Network, Person, RequiredStep, Role, Urgency};
use crate::ids::{DecisionId, DraftId, TeamId, UserId};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

/// A fixed "now".
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
        .single()
        .expect("a valid time")
}

/// The team everyone is in.
pub fn team() -> TeamId {
    TeamId(Uuid::from_u128(0x7ea))
}

/// Person `n`, called `name` (as username and display name).
pub fn person(n: u128, name: &str) -> Person {
    Person {
        id: UserId(Uuid::from_u128(n)),
        username: name.into(),
        display_name: name.into(),
    }
}

/// Person `n` of [`team`] with these roles and steps, seeing all its channels.
pub fn actor(n: u128, name: &str, roles: &[Role], steps: &[&str]) -> Actor {
    Actor {
        person: person(n, name),
        roles: roles.to_vec(),
        steps: steps.iter().map(|s| s.to_string()).collect(),
        teams: vec![team()],
        channels: ChannelAccess::AllOfTeams,
    }
}

/// A pending version-1 draft of [`team`] by `author`, needing `steps`.
pub fn draft(author: &Person, steps: Vec<RequiredStep>) -> Draft {
    Draft {
        id: DraftId(Uuid::from_u128(0xd)),
        version: 1,
        status: DraftStatus::Pending,
        network: Network::X,
        channel: "@acme".into(),
        channel_id: None,
        team: team(),
        body: "Thanks for your patience!".into(),
        author: author.clone(),
        owner: None,
        urgency: Urgency::Normal,
        requested_urgency: None,
        scheduled_at: None,
        required_steps: steps,
        approvals: vec![],
        in_reply_to: None,
        media: vec![],
        created_at: now(),
        updated_at: now(),
        history: vec![],
    }
}

/// `by`'s approval of `step`.
pub fn approval(step: &str, by: &Person) -> Approval {
    Approval {
        step: step.into(),
        by: by.clone(),
        decision_id: DecisionId(Uuid::from_u128(0xdec)),
        at: now(),
    }
}
