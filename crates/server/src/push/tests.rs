use super::*;
use crate::fixtures::{actor, decide, draft, t0, team};
use countersign_core::wire::SkippedMutations;
use countersign_core::{DraftStatus, Role, Verdict};

#[test]
fn classify_follows_the_last_processed_id() {
    let last = MutationId(5);
    let cases = [
        (0, "refuse"),
        (1, "duplicate"),
        (5, "duplicate"),
        (6, "apply"),
        (7, "refuse"),
        (100, "refuse"),
    ];
    for (id, expected) in cases {
        let got = match classify(last, MutationId(id)) {
            Step::Duplicate => "duplicate",
            Step::Apply => "apply",
            Step::Refuse(result) => {
                assert_eq!(result.status, MutationStatus::Invalid);
                "refuse"
            }
        };
        assert_eq!(got, expected, "mutation {id} after last {last}");
    }
}

#[test]
fn skipping_ahead_is_a_mutation_gap_naming_the_expected_id() {
    let Step::Refuse(result) = classify(MutationId(2), MutationId(9)) else {
        panic!("a gap must be refused");
    };
    assert_eq!(result.message.as_deref(), Some("out of order, expected 3"));
    assert_eq!(
        result.code.as_deref(),
        Some(codes::MUTATION_GAP),
        "the desktop must be able to tell a gap from a refusal"
    );
    assert_eq!(result.expected_mutation_id, Some(MutationId(3)));
    let Step::Refuse(zero) = classify(MutationId(2), MutationId(0)) else {
        panic!("id 0 must be refused");
    };
    assert_eq!(zero.code, None, "id 0 is malformed, not a gap");
}

fn skip(from: u64, to: u64) -> SkippedMutations {
    SkippedMutations {
        from: MutationId(from),
        to: MutationId(to),
    }
}

#[test]
fn a_skip_moves_last_only_when_it_starts_at_the_expected_id() {
    let last = MutationId(4);
    let cases = [
        (None, 4, "no declaration"),
        (Some(skip(5, 9)), 9, "starts at the expected id"),
        (Some(skip(5, 5)), 5, "a single id"),
        (
            Some(skip(3, 9)),
            4,
            "overlaps processed ids: stale, ignored",
        ),
        (Some(skip(6, 9)), 4, "leaves a hole: ignored"),
        (
            Some(skip(2, 3)),
            4,
            "a retried push's old declaration: ignored",
        ),
    ];
    for (declared, expected, name) in cases {
        assert_eq!(
            skip_to(last, declared.as_ref()),
            MutationId(expected),
            "{name}"
        );
    }
}

#[test]
fn a_skip_that_makes_no_sense_is_refused_before_anything_is_stored() {
    let t = team();
    let author = actor("ana", &[Role::Author], &[], &[t]);
    let d = draft(t, &author.person);
    let batch = [
        decide(3, d.id, 1, Verdict::Approve),
        decide(8, d.id, 1, Verdict::Approve),
    ];
    assert_eq!(check_skip(None, &batch), Ok(()));
    assert_eq!(check_skip(Some(&skip(4, 7)), &batch), Ok(()));
    for bad in [skip(0, 2), skip(7, 5), skip(5, 8), skip(3, 3)] {
        assert!(
            check_skip(Some(&bad), &batch).is_err(),
            "{bad:?} must be refused"
        );
    }
}

#[test]
fn an_approval_by_a_qualified_reviewer_applies() {
    let t = team();
    let author = actor("ana", &[Role::Author], &[], &[t]);
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[t]);
    let d = draft(t, &author.person);
    let (result, next) = evaluate(
        &reviewer,
        &decide(1, d.id, 1, Verdict::Approve),
        Some(&d),
        t0(),
        None,
    );
    assert_eq!(result.status, MutationStatus::Applied);
    assert_eq!(next.map(|n| n.status), Some(DraftStatus::Approved));
}

#[test]
fn an_unknown_draft_is_invalid() {
    let t = team();
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[t]);
    let m = decide(
        1,
        countersign_core::DraftId(uuid::Uuid::nil()),
        1,
        Verdict::Approve,
    );
    let (result, next) = evaluate(&reviewer, &m, None, t0(), None);
    assert_eq!(result.status, MutationStatus::Invalid);
    assert!(next.is_none());
}

#[test]
fn a_draft_of_another_team_is_forbidden_and_not_shown() {
    let (mine, theirs) = (team(), team());
    let author = actor("ana", &[Role::Author], &[], &[theirs]);
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[mine]);
    let d = draft(theirs, &author.person);
    let (result, next) = evaluate(
        &reviewer,
        &decide(1, d.id, 1, Verdict::Approve),
        Some(&d),
        t0(),
        None,
    );
    assert_eq!(result.status, MutationStatus::Forbidden);
    assert!(
        result.draft.is_none(),
        "a forbidden answer must not carry the draft"
    );
    assert!(next.is_none());
}

#[test]
fn an_author_cannot_decide() {
    let t = team();
    let author = actor("ana", &[Role::Author], &[], &[t]);
    let d = draft(t, &author.person);
    let (result, _) = evaluate(
        &author,
        &decide(1, d.id, 1, Verdict::Approve),
        Some(&d),
        t0(),
        None,
    );
    assert_eq!(result.status, MutationStatus::Forbidden);
}

#[test]
fn a_decision_on_an_old_version_is_a_conflict_without_a_copy_of_the_draft() {
    let t = team();
    let author = actor("ana", &[Role::Author], &[], &[t]);
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[t]);
    let mut d = draft(t, &author.person);
    d.version = 2;
    let (result, next) = evaluate(
        &reviewer,
        &decide(1, d.id, 1, Verdict::Approve),
        Some(&d),
        t0(),
        None,
    );
    assert_eq!(result.status, MutationStatus::Conflict);
    assert_eq!(result.reason, Some(ConflictReason::StaleVersion));
    assert!(
        result.draft.is_none(),
        "a conflict result never copies the draft: the push answer carries it once"
    );
    assert!(next.is_none());
}

#[test]
fn a_mutation_over_a_cap_is_invalid_and_names_the_field() {
    let t = team();
    let author = actor("ana", &[Role::Author], &[], &[t]);
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[t]);
    let d = draft(t, &author.person);
    let mut m = decide(1, d.id, 1, Verdict::Approve);
    if let countersign_core::MutationKind::Decide { decision } = &mut m.kind {
        decision.override_reason =
            Some("x".repeat(countersign_core::limits::MAX_OVERRIDE_REASON_CHARS + 1));
    }
    let (result, next) = evaluate(&reviewer, &m, Some(&d), t0(), None);
    assert_eq!(result.status, MutationStatus::Invalid);
    let message = result.message.unwrap_or_default();
    assert!(
        message.starts_with("the override reason is too long") && message.contains("2000"),
        "the refusal names the field and the cap: {message}"
    );
    assert!(next.is_none(), "nothing applies");
}
