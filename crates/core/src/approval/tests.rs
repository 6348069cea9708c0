//! Table-driven tests of the approval rules.

use super::*;
use crate::draft::RequiredStep;
use crate::fixtures::{self, actor, now};
use crate::ids::DecisionId;
use uuid::Uuid;

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
    fixtures::draft(
        &author().person,
        steps.iter().map(|s| RequiredStep::one(s)).collect(),
    )
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
        Err(Refusal::Forbidden(
            "this draft waits for its review step first".into()
        )),
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
            "held by crisis mode",
            with(&|d| d.status = DraftStatus::Held),
            reviewer(),
            Conflict(ConflictReason::Held),
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
    let edited = edit(&reviewed, &author(), "New text".into(), None, now()).expect("author edits");
    assert_eq!(edited.version, 2);
    assert!(
        edited.approvals.is_empty(),
        "approvals on version 1 no longer count"
    );
    assert_eq!(edited.next_step(), Some("review"));
    assert!(
        matches!(approve(&edited, &lawyer()), Err(Refusal::Forbidden(_))),
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
    let edited = edit(&back, &author(), "Better text".into(), None, now()).expect("author edits");
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
        edit(&d, &reviewer(), "x".into(), None, now()),
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
        edit(&gone, &author(), "x".into(), None, now()),
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

fn with_steps(mut d: Draft, steps: Vec<RequiredStep>) -> Draft {
    d.required_steps = steps;
    d
}

fn counted(step: &str, n: u32) -> RequiredStep {
    RequiredStep {
        step: step.into(),
        quorum: crate::channel::Quorum::Count(n),
        holders: vec![],
    }
}

#[test]
fn a_quorum_of_two_needs_two_different_people() {
    let d = with_steps(draft(&[]), vec![counted("review", 2), counted("legal", 1)]);
    let once = approve(&d, &reviewer()).expect("first review");
    assert_eq!(once.status, DraftStatus::Pending);
    assert_eq!(
        once.next_step(),
        Some("review"),
        "review still needs a second person"
    );
    assert!(
        matches!(approve(&once, &reviewer()), Err(Refusal::Forbidden(_))),
        "the same person cannot count twice"
    );
    let twice = approve(&once, &second_reviewer()).expect("second review");
    assert_eq!(twice.next_step(), Some("legal"));
    assert_eq!(
        approve(&twice, &lawyer()).expect("legal").status,
        DraftStatus::Approved
    );
}

#[test]
fn an_all_step_needs_every_named_holder_and_nobody_else() {
    let (rita, ravi) = (reviewer(), second_reviewer());
    let d = with_steps(
        draft(&[]),
        vec![RequiredStep {
            step: "review".into(),
            quorum: crate::channel::Quorum::All,
            holders: vec![rita.person.clone(), ravi.person.clone()],
        }],
    );
    let outsider = actor(8, "olga", &[Role::Reviewer], &["review"]);
    assert!(
        matches!(approve(&d, &outsider), Err(Refusal::Forbidden(m)) if m.contains("RITA") || m.contains("rita")),
        "someone not named cannot stand in"
    );
    let one = approve(&d, &rita).expect("rita");
    assert_eq!(
        one.status,
        DraftStatus::Pending,
        "ravi has not approved yet"
    );
    assert_eq!(
        approve(&one, &ravi).expect("ravi").status,
        DraftStatus::Approved
    );
}

#[test]
fn nobody_approves_what_they_wrote_or_edited_whatever_roles_they_hold() {
    let author_reviewer = actor(9, "alex", &[Role::Author, Role::Reviewer], &["review"]);
    let d = draft(&["review"]);
    assert!(
        matches!(approve(&d, &author_reviewer), Err(Refusal::Forbidden(m)) if m.contains("wrote")),
        "an author who is also a reviewer cannot approve their own draft"
    );
    let admin_reviewer = actor(6, "ada", &[Role::Admin, Role::Reviewer], &["review"]);
    let edited =
        edit(&d, &admin_reviewer, "Fixed a typo".into(), None, now()).expect("admins edit");
    assert!(
        matches!(approve(&edited, &admin_reviewer), Err(Refusal::Forbidden(m)) if m.contains("edited")),
        "an admin who edited it cannot approve it"
    );
    assert!(
        approve(&edited, &reviewer()).is_ok(),
        "someone else still can"
    );
    // Reject is not approval: a reviewer who edited it may still send it back.
    assert!(
        decide(
            &edited,
            &admin_reviewer,
            &decision(&edited, Verdict::Reject),
            now()
        )
        .is_ok()
    );
}

#[test]
fn an_admin_approves_nothing_unless_a_reviewer_of_the_team() {
    let d = draft(&["review"]);
    let admin = actor(6, "ada", &[Role::Admin], &["review"]);
    assert!(
        matches!(approve(&d, &admin), Err(Refusal::Forbidden(m)) if m.contains("administrators")),
    );
    let mut elsewhere = actor(7, "eve", &[Role::Admin, Role::Reviewer], &["review"]);
    elsewhere.teams = vec![];
    assert!(
        matches!(approve(&d, &elsewhere), Err(Refusal::Forbidden(_))),
        "seeing every team as an admin is not reviewing for it"
    );
    let member = actor(7, "eve", &[Role::Admin, Role::Reviewer], &["review"]);
    assert!(approve(&d, &member).is_ok());
}

#[test]
fn a_channel_limit_keeps_a_reviewer_off_other_channels() {
    let mut d = draft(&["review"]);
    d.channel_id = Some(crate::ids::ChannelId(Uuid::from_u128(0xc1)));
    let mut limited = reviewer();
    limited.channels =
        crate::channel::ChannelAccess::Only(vec![crate::ids::ChannelId(Uuid::from_u128(0xc2))]);
    assert!(!limited.sees(&d));
    assert!(matches!(approve(&d, &limited), Err(Refusal::Forbidden(_))));
    limited.channels =
        crate::channel::ChannelAccess::Only(vec![crate::ids::ChannelId(Uuid::from_u128(0xc1))]);
    assert!(limited.sees(&d));
    assert!(approve(&d, &limited).is_ok());
}

#[test]
fn approvers_lists_who_may_approve_a_crisis_draft() {
    let mut d = draft(&["review"]);
    d.urgency = Urgency::Crisis;
    let candidates = vec![reviewer(), spokesperson(), lawyer()];
    let names: Vec<&str> = approvers(&d, &candidates)
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    assert_eq!(names, ["sam"]);
    assert_eq!(
        check_approval(&d, &reviewer()),
        Err(Refusal::Forbidden(SPOKESPERSON_ONLY.into()))
    );
}

#[test]
fn steps_cached_as_bare_names_still_read() {
    let json = serde_json::to_value(draft(&["review"])).expect("json");
    let mut old = json.clone();
    old["required_steps"] = serde_json::json!(["review", "legal"]);
    let back: Draft = serde_json::from_value(old).expect("an old cached draft");
    assert_eq!(back.step_names(), ["review", "legal"]);
    assert_eq!(back.required_steps[1], RequiredStep::one("legal"));
}

fn late_flag(d: &Draft) -> Option<u64> {
    d.history.iter().rev().find_map(|h| match &h.event {
        HistoryEvent::Decided { late_secs, .. } => Some(*late_secs),
        _ => None,
    })?
}

#[test]
fn an_approval_after_the_scheduled_time_still_applies_and_is_flagged_late() {
    let mut d = draft(&["review"]);
    d.scheduled_at = Some(now() - chrono::TimeDelta::minutes(125));
    let next = approve(&d, &reviewer()).expect("a late approval is not dropped");
    assert_eq!(next.status, DraftStatus::Approved);
    assert_eq!(next.approvals.len(), 1);
    assert_eq!(late_flag(&next), Some(125 * 60));
}

#[test]
fn approvals_on_time_and_other_verdicts_after_it_carry_no_late_flag() {
    let mut on_time = draft(&["review"]);
    on_time.scheduled_at = Some(now());
    assert_eq!(
        late_flag(&approve(&on_time, &reviewer()).expect("applies")),
        None
    );

    let unscheduled = draft(&["review"]);
    assert_eq!(
        late_flag(&approve(&unscheduled, &reviewer()).expect("applies")),
        None
    );

    let mut past = draft(&["review"]);
    past.scheduled_at = Some(now() - chrono::TimeDelta::hours(1));
    for verdict in [Verdict::Reject, Verdict::RequestChanges] {
        let next = decide(&past, &reviewer(), &decision(&past, verdict), now()).expect("applies");
        assert_eq!(late_flag(&next), None, "{verdict:?} is never late");
    }
}

#[test]
fn each_late_step_of_a_two_step_draft_records_its_own_lateness() {
    let mut d = draft(&["review", "legal"]);
    d.scheduled_at = Some(now() - chrono::TimeDelta::seconds(30));
    let reviewed = approve(&d, &reviewer()).expect("review applies");
    assert_eq!(reviewed.status, DraftStatus::Pending);
    assert_eq!(late_flag(&reviewed), Some(30));
    let later = now() + chrono::TimeDelta::seconds(60);
    let legal = decide(
        &reviewed,
        &lawyer(),
        &decision(&reviewed, Verdict::Approve),
        later,
    )
    .expect("legal applies");
    assert_eq!(legal.status, DraftStatus::Approved);
    assert_eq!(late_flag(&legal), Some(90));
}

#[test]
fn only_an_approved_draft_is_published_and_a_second_report_changes_nothing() {
    let tool = fixtures::person(7, "publisher");
    let url = Some("https://x.com/acme_help/status/1".to_owned());
    let approved = approve(&draft(&["review"]), &reviewer()).expect("approved");
    let published =
        publish(&approved, &tool, now(), url.clone(), None).expect("an approved draft publishes");
    let published = published.expect("it changed");
    assert_eq!(published.status, DraftStatus::Published);
    assert_eq!(published.version, approved.version);
    assert_eq!(
        published.history.last().map(|h| (&h.by, &h.event)),
        Some((
            &tool,
            &HistoryEvent::Published {
                url,
                published_at: None
            }
        ))
    );
    assert_eq!(
        publish(&published, &tool, now(), None, None),
        Ok(None),
        "published twice: nothing to store, no second entry"
    );

    let pending = draft(&["review"]);
    assert!(matches!(
        publish(&pending, &tool, now(), None, None),
        Err(Refusal::Invalid(m)) if m.contains("pending")
    ));
    let mut held = approved.clone();
    held.status = DraftStatus::Held;
    assert_eq!(
        publish(&held, &tool, now(), None, None),
        Err(Refusal::Conflict(ConflictReason::Held))
    );
    let withdrawn = withdraw(&pending, &author(), now()).expect("withdrawn");
    assert_eq!(
        publish(&withdrawn, &tool, now(), None, None),
        Err(Refusal::Conflict(ConflictReason::Withdrawn))
    );
}
