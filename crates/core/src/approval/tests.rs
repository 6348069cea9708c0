//! Table-driven tests of the approval rules.

use super::*;
use crate::draft::Network;
use crate::ids::{DecisionId, DraftId, UserId};
use chrono::TimeZone;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn team() -> TeamId {
    TeamId(Uuid::from_u128(0x7ea))
}

fn person(n: u128, name: &str) -> Person {
    Person {
        id: UserId(Uuid::from_u128(n)),
        username: name.into(),
        display_name: name.into(),
    }
}

fn actor(n: u128, name: &str, roles: &[Role], steps: &[&str]) -> Actor {
    Actor {
        person: person(n, name),
        roles: roles.to_vec(),
        steps: steps.iter().map(|s| s.to_string()).collect(),
        teams: vec![team()],
    }
}

fn reviewer() -> Actor {
    actor(1, "rita", &[Role::Reviewer], &["review"])
}
fn second_reviewer() -> Actor {
    actor(2, "ravi", &[Role::Reviewer], &["review"])
}
fn lawyer() -> Actor {
    actor(3, "lena", &[Role::Reviewer], &["legal"])
}
fn both_steps() -> Actor {
    actor(4, "bo", &[Role::Reviewer], &["review", "legal"])
}
fn spokesperson() -> Actor {
    actor(5, "sam", &[Role::Spokesperson], &["review", "legal"])
}
fn author() -> Actor {
    actor(9, "alex", &[Role::Author], &[])
}

fn draft(steps: &[&str]) -> Draft {
    Draft {
        id: DraftId(Uuid::from_u128(0xd)),
        version: 1,
        status: DraftStatus::Pending,
        network: Network::X,
        channel: "@acme".into(),
        team: team(),
        body: "Thanks for your patience!".into(),
        author: author().person,
        urgency: Urgency::Normal,
        scheduled_at: None,
        required_steps: steps.iter().map(|s| s.to_string()).collect(),
        approvals: vec![],
        in_reply_to: None,
        media: vec![],
        created_at: now(),
        updated_at: now(),
        history: vec![],
    }
}

fn decision(d: &Draft, verdict: Verdict) -> Decision {
    Decision {
        id: DecisionId(Uuid::from_u128(0xdec + d.history.len() as u128)),
        draft_id: d.id,
        draft_version: d.version,
        verdict,
        comment: "please soften the second sentence".into(),
        override_reason: None,
        client_time: None,
    }
}

fn approve(d: &Draft, who: &Actor) -> Result<Draft, Refusal> {
    decide(d, who, &decision(d, Verdict::Approve), now())
}

#[test]
fn verdicts_move_a_single_step_draft_to_the_right_status() {
    let cases = [
        (Verdict::Approve, DraftStatus::Approved),
        (Verdict::Reject, DraftStatus::Rejected),
        (Verdict::RequestChanges, DraftStatus::ChangesRequested),
    ];
    for (verdict, expected) in cases {
        let d = draft(&["review"]);
        let next = decide(&d, &reviewer(), &decision(&d, verdict), now())
            .unwrap_or_else(|e| panic!("{verdict:?} should apply: {e}"));
        assert_eq!(next.status, expected, "{verdict:?}");
        assert_eq!(
            next.version, d.version,
            "a decision never changes the version"
        );
        assert_eq!(
            next.history.len(),
            1,
            "every decision is recorded in the history"
        );
    }
}

#[test]
fn steps_are_satisfied_in_order_by_qualified_people() {
    let d = draft(&["review", "legal"]);
    assert_eq!(d.next_step(), Some("review"));

    // The lawyer cannot jump the queue: the next step is review.
    assert_eq!(
        approve(&d, &lawyer()),
        Err(Refusal::Conflict(ConflictReason::AlreadyDecided)),
        "a lawyer's approval before review does not count as review"
    );

    let reviewed = approve(&d, &reviewer()).expect("review applies");
    assert_eq!(
        reviewed.status,
        DraftStatus::Pending,
        "legal is still needed"
    );
    assert_eq!(reviewed.next_step(), Some("legal"));

    let done = approve(&reviewed, &lawyer()).expect("legal applies");
    assert_eq!(done.status, DraftStatus::Approved);
    assert_eq!(done.approvals.len(), 2);
}

#[test]
fn the_same_step_taken_twice_is_already_decided() {
    let d = draft(&["review", "legal"]);
    let reviewed = approve(&d, &reviewer()).expect("first review applies");
    assert_eq!(
        approve(&reviewed, &second_reviewer()),
        Err(Refusal::Conflict(ConflictReason::AlreadyDecided))
    );
}

#[test]
fn one_person_cannot_satisfy_two_steps_of_one_version() {
    let d = draft(&["review", "legal"]);
    let reviewed = approve(&d, &both_steps()).expect("review applies");
    assert!(matches!(
        approve(&reviewed, &both_steps()),
        Err(Refusal::Forbidden(_))
    ));
}

/// What a refused decision must come back as.
#[derive(Debug)]
enum Expect {
    Conflict(ConflictReason),
    Forbidden,
}

#[test]
fn refusals_table() {
    let with = |f: &dyn Fn(&mut Draft)| {
        let mut d = draft(&["review"]);
        f(&mut d);
        d
    };
    let pending = draft(&["review"]);
    let stale = decision(&pending, Verdict::Approve); // made on version 1

    use Expect::*;
    let cases: Vec<(&str, Draft, Actor, Expect)> = vec![
        (
            "withdrawn wins",
            with(&|d| d.status = DraftStatus::Withdrawn),
            reviewer(),
            Conflict(ConflictReason::Withdrawn),
        ),
        (
            "withdrawn wins even over a stale version",
            with(&|d| {
                d.status = DraftStatus::Withdrawn;
                d.version = 2;
            }),
            reviewer(),
            Conflict(ConflictReason::Withdrawn),
        ),
        (
            "edited meanwhile",
            with(&|d| d.version = 2),
            reviewer(),
            Conflict(ConflictReason::StaleVersion),
        ),
        (
            "already approved",
            with(&|d| d.status = DraftStatus::Approved),
            reviewer(),
            Conflict(ConflictReason::AlreadyDecided),
        ),
        (
            "already rejected",
            with(&|d| d.status = DraftStatus::Rejected),
            reviewer(),
            Conflict(ConflictReason::AlreadyDecided),
        ),
        (
            "changes requested",
            with(&|d| d.status = DraftStatus::ChangesRequested),
            reviewer(),
            Conflict(ConflictReason::AlreadyDecided),
        ),
        (
            "held",
            with(&|d| d.status = DraftStatus::Held),
            reviewer(),
            Conflict(ConflictReason::AlreadyDecided),
        ),
        (
            "an author never decides",
            pending.clone(),
            author(),
            Forbidden,
        ),
        (
            "another team's draft",
            with(&|d| d.team = TeamId(Uuid::from_u128(0xbad))),
            reviewer(),
            Forbidden,
        ),
        (
            "not qualified for any step",
            pending.clone(),
            lawyer(),
            Forbidden,
        ),
        (
            "a crisis needs a spokesperson",
            with(&|d| d.urgency = Urgency::Crisis),
            reviewer(),
            Forbidden,
        ),
    ];
    for (name, d, who, expected) in cases {
        let got = decide(&d, &who, &stale, now());
        match expected {
            Forbidden => assert!(
                matches!(got, Err(Refusal::Forbidden(_))),
                "{name}: expected forbidden, got {got:?}"
            ),
            Conflict(reason) => {
                assert_eq!(got.err(), Some(Refusal::Conflict(reason)), "{name}")
            }
        }
    }
}

#[test]
fn a_spokesperson_approves_a_crisis_statement_and_a_reviewer_may_still_send_it_back() {
    let mut d = draft(&["review"]);
    d.urgency = Urgency::Crisis;
    assert_eq!(
        approve(&d, &spokesperson()).expect("applies").status,
        DraftStatus::Approved
    );
    let back = decide(
        &d,
        &reviewer(),
        &decision(&d, Verdict::RequestChanges),
        now(),
    );
    assert_eq!(back.expect("applies").status, DraftStatus::ChangesRequested);
}

#[test]
fn a_request_for_changes_needs_a_comment() {
    let d = draft(&["review"]);
    let mut dec = decision(&d, Verdict::RequestChanges);
    dec.comment = "  ".into();
    assert!(matches!(
        decide(&d, &reviewer(), &dec, now()),
        Err(Refusal::Invalid(_))
    ));
}

#[test]
fn an_edit_bumps_the_version_and_drops_old_approvals() {
    let d = draft(&["review", "legal"]);
    let reviewed = approve(&d, &reviewer()).expect("review applies");
    let edited = edit(&reviewed, &author(), "New text".into(), now()).expect("author edits");
    assert_eq!(edited.version, 2);
    assert!(
        edited.approvals.is_empty(),
        "approvals on version 1 no longer count"
    );
    assert_eq!(edited.next_step(), Some("review"));
    assert_eq!(
        approve(&edited, &lawyer()),
        Err(Refusal::Conflict(ConflictReason::AlreadyDecided)),
        "legal cannot approve before the new version is reviewed"
    );
    // A decision still aimed at version 1 is stale.
    let late = decide(
        &edited,
        &lawyer(),
        &decision(&reviewed, Verdict::Approve),
        now(),
    );
    assert_eq!(late, Err(Refusal::Conflict(ConflictReason::StaleVersion)));
}

#[test]
fn an_edit_after_changes_requested_starts_a_new_round() {
    let d = draft(&["review"]);
    let back = decide(
        &d,
        &reviewer(),
        &decision(&d, Verdict::RequestChanges),
        now(),
    )
    .expect("ok");
    let edited = edit(&back, &author(), "Better text".into(), now()).expect("author edits");
    assert_eq!(edited.status, DraftStatus::Pending);
    assert_eq!(
        approve(&edited, &reviewer()).expect("ok").status,
        DraftStatus::Approved
    );
}

#[test]
fn only_the_author_or_an_admin_edits_or_withdraws_and_never_a_final_draft() {
    let d = draft(&["review"]);
    assert!(matches!(
        edit(&d, &reviewer(), "x".into(), now()),
        Err(Refusal::Forbidden(_))
    ));
    assert!(matches!(
        withdraw(&d, &reviewer(), now()),
        Err(Refusal::Forbidden(_))
    ));
    let admin = actor(7, "ada", &[Role::Admin], &[]);
    assert!(withdraw(&d, &admin, now()).is_ok());

    let approved = approve(&d, &reviewer()).expect("ok");
    assert_eq!(
        withdraw(&approved, &author(), now()),
        Err(Refusal::Conflict(ConflictReason::AlreadyDecided))
    );
    let gone = withdraw(&d, &author(), now()).expect("ok");
    assert_eq!(
        edit(&gone, &author(), "x".into(), now()),
        Err(Refusal::Conflict(ConflictReason::Withdrawn))
    );
}

#[test]
fn comments_need_text_and_a_live_draft() {
    let d = draft(&["review"]);
    let note = |body: &str| Annotation {
        id: crate::ids::AnnotationId(Uuid::from_u128(0xa)),
        draft_id: d.id,
        draft_version: 1,
        body: body.into(),
        suggestion: None,
        target: None,
    };
    assert!(annotate(&d, &reviewer(), &note("Good"), now()).is_ok());
    assert!(
        annotate(&d, &author(), &note("Replying"), now()).is_ok(),
        "authors may comment"
    );
    assert!(matches!(
        annotate(&d, &reviewer(), &note(" "), now()),
        Err(Refusal::Invalid(_))
    ));
    let gone = withdraw(&d, &author(), now()).expect("ok");
    assert_eq!(
        annotate(&gone, &reviewer(), &note("Too late"), now()),
        Err(Refusal::Conflict(ConflictReason::Withdrawn))
    );
}
