//! Drafts, mutations and pages for the tests of this crate.

use crate::{Cache, CacheKey};
use chrono::{DateTime, Duration, Utc};
use countersign_core::wire::{Change, ChangesResponse};
use countersign_core::{
    Annotation, AnnotationId, Decision, DecisionId, Draft, DraftId, DraftStatus, MutationId,
    MutationKind, Network, Person, TeamId, Urgency, UserId, Verdict,
};
use uuid::Uuid;

/// A fixed "now" for tests.
pub(crate) fn t0() -> DateTime<Utc> {
    "2026-11-25T09:00:00Z".parse().expect("valid time")
}

pub(crate) fn cache() -> Cache {
    Cache::open_in_memory(&CacheKey::generate()).expect("in-memory cache")
}

/// A pending normal draft, created `n` minutes after [`t0`], with id derived from `n`.
pub(crate) fn draft(n: u32, body: &str) -> Draft {
    let created = t0() + Duration::minutes(i64::from(n));
    Draft {
        id: DraftId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n),
        )),
        version: 1,
        status: DraftStatus::Pending,
        network: Network::X,
        channel: "@acme_help".to_owned(),
        channel_id: None,
        team: TeamId(Uuid::from_u128(1)),
        body: body.to_owned(),
        author: Person {
            id: UserId(Uuid::from_u128(2)),
            username: "agency_ann".to_owned(),
            display_name: "Ann (Agency)".to_owned(),
        },
        urgency: Urgency::Normal,
        owner: None,
        requested_urgency: None,
        scheduled_at: None,
        required_steps: vec![countersign_core::RequiredStep::one("review")],
        approvals: vec![],
        in_reply_to: None,
        media: vec![],
        created_at: created,
        updated_at: created,
        history: vec![],
    }
}

pub(crate) fn page(changes: Vec<Change>, cursor: &str, last_mutation_id: u64) -> ChangesResponse {
    ChangesResponse {
        changes,
        next_cursor: cursor.to_owned(),
        has_more: false,
        last_mutation_id: MutationId(last_mutation_id),
        directory: None,
    }
}

pub(crate) fn upserts(drafts: &[Draft]) -> Vec<Change> {
    drafts
        .iter()
        .map(|d| Change::Upsert {
            draft: Box::new(d.clone()),
        })
        .collect()
}

/// Stores `drafts` through a pull.
pub(crate) fn seed(cache: &mut Cache, drafts: &[Draft]) {
    cache
        .apply_changes(&page(upserts(drafts), "seed", 0))
        .expect("seed drafts");
}

pub(crate) fn decide(draft: &Draft, verdict: Verdict) -> MutationKind {
    MutationKind::Decide {
        decision: Decision {
            id: DecisionId(Uuid::now_v7()),
            draft_id: draft.id,
            draft_version: draft.version,
            verdict,
            comment: String::new(),
            override_reason: None,
            client_time: Some(t0()),
        },
    }
}

pub(crate) fn annotate(draft: &Draft, body: &str) -> MutationKind {
    MutationKind::Annotate {
        annotation: Annotation {
            id: AnnotationId(Uuid::now_v7()),
            draft_id: draft.id,
            draft_version: draft.version,
            body: body.to_owned(),
            suggestion: None,
            target: None,
        },
    }
}

/// A finding of `severity`, as the guard would make one.
pub(crate) fn finding(severity: countersign_core::finding::Severity) -> countersign_core::Finding {
    countersign_core::Finding {
        rule: "personal_data.email".into(),
        category: countersign_core::finding::Category::PersonalData,
        severity,
        span: Some(countersign_core::finding::Span { start: 4, end: 21 }),
        message: "An e-mail address.".into(),
        reason: "Customers' contact details are never posted.".into(),
    }
}
