//! A leaver's work, handed over to a successor in one step.
//!
//! When someone leaves, everything still open that is theirs moves to one successor: the
//! drafts they own (the successor may then edit and withdraw them) and their place in any
//! step that waits for them by name (an `all` step). [`hand_over`] says what that does to one
//! draft. A successor who could not take over a draft they would own — wrong role, team or
//! channel — is refused, so that the caller can refuse the whole handover and change
//! nothing. A place in a step the successor is not qualified for is dropped instead: the step
//! then waits for its other holders, as `all` means every *current* holder. Likewise a
//! successor who becomes a draft's owner leaves any step that waited for them by name (an
//! owner never approves their own draft).

use crate::approval::Actor;
use crate::draft::{Draft, DraftStatus, HistoryEntry, HistoryEvent, Person, Role};
use crate::ids::{ChannelId, TeamId};
use chrono::{DateTime, Utc};

/// Why a successor cannot take over a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandoverProblem {
    /// They would own drafts without being an author.
    NotAnAuthor,
    /// They are not in the draft's team.
    NotInTeam(TeamId),
    /// They may not see the draft's channel.
    NoChannelAccess(Option<ChannelId>),
    /// Dropping the leaver's place would leave a step waiting for nobody.
    NobodyLeft {
        /// The step.
        step: String,
    },
    /// The successor would own the draft, and one of its steps waits only for them: an
    /// owner never approves their own draft, so it could never be approved.
    OwnerAwaited {
        /// The step.
        step: String,
    },
}

/// What handing `draft` over from `leaver` to `successor` does, or `Ok(None)` when nothing
/// of it is the leaver's (or it is final). `by` is the administrator doing it; each change
/// is recorded in the draft's history.
pub fn hand_over(
    draft: &Draft,
    leaver: &Person,
    successor: &Actor,
    by: &Person,
    now: DateTime<Utc>,
) -> Result<Option<Draft>, HandoverProblem> {
    if draft.status.is_final() {
        return Ok(None);
    }
    let mut next = draft.clone();
    let mut changed = false;
    if draft.owner().id == leaver.id {
        if !successor.has_role(Role::Author) {
            return Err(HandoverProblem::NotAnAuthor);
        }
        if !successor.teams.contains(&draft.team) {
            return Err(HandoverProblem::NotInTeam(draft.team));
        }
        if !successor.channels.allows(draft.channel_id) {
            return Err(HandoverProblem::NoChannelAccess(draft.channel_id));
        }
        next.owner = (successor.person.id != draft.author.id).then(|| successor.person.clone());
        next.history.push(HistoryEntry::on(
            draft,
            by,
            now,
            HistoryEvent::HandedOver {
                from: leaver.clone(),
                to: successor.person.clone(),
                step: None,
            },
        ));
        // The new owner may never approve the draft (four eyes): an approval they gave before
        // stops counting, and no step may wait for them by name.
        let me = successor.person.id;
        next.approvals.retain(|a| a.by.id != me);
        for i in 0..next.required_steps.len() {
            let step = &next.required_steps[i];
            if !step.holders.iter().any(|h| h.id == me) {
                continue;
            }
            let name = step.step.clone();
            let holders = &mut next.required_steps[i].holders;
            holders.retain(|h| h.id != me);
            if holders.is_empty() {
                return Err(HandoverProblem::OwnerAwaited { step: name });
            }
            next.history.push(HistoryEntry::on(
                draft,
                by,
                now,
                HistoryEvent::LeftStep {
                    person: successor.person.clone(),
                    step: name,
                },
            ));
        }
        changed = true;
    }
    let writers = next.writers();
    let successor_approved = draft
        .approvals
        .iter()
        .any(|a| a.by.id == successor.person.id);
    for i in 0..next.required_steps.len() {
        let step = &next.required_steps[i];
        let waits_for_leaver = step.holders.iter().any(|h| h.id == leaver.id)
            && !step
                .approvals(&draft.approvals)
                .any(|a| a.by.id == leaver.id);
        if !waits_for_leaver {
            continue;
        }
        let name = step.step.clone();
        let can_replace = successor.decides_for(draft)
            && successor.may_take_step(&name)
            && !writers.contains(&successor.person.id)
            && !successor_approved
            && !step.holders.iter().any(|h| h.id == successor.person.id);
        let holders = &mut next.required_steps[i].holders;
        let event = if can_replace {
            for holder in holders.iter_mut().filter(|h| h.id == leaver.id) {
                *holder = successor.person.clone();
            }
            HistoryEvent::HandedOver {
                from: leaver.clone(),
                to: successor.person.clone(),
                step: Some(name),
            }
        } else {
            holders.retain(|h| h.id != leaver.id);
            if holders.is_empty() {
                return Err(HandoverProblem::NobodyLeft { step: name });
            }
            HistoryEvent::LeftStep {
                person: leaver.clone(),
                step: name,
            }
        };
        next.history.push(HistoryEntry::on(draft, by, now, event));
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    if next.status == DraftStatus::Pending && next.next_step().is_none() {
        // Every remaining holder had approved: the step is done, as for any approval.
        next.status = DraftStatus::Approved;
    }
    next.updated_at = now;
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{ChannelAccess, Quorum};
    use crate::draft::RequiredStep;
    use crate::fixtures::{self, approval, now, team};
    use crate::ids::UserId;
    use uuid::Uuid;

    fn actor(n: u128, roles: &[Role], steps: &[&str]) -> Actor {
        fixtures::actor(n, &format!("u{n}"), roles, steps)
    }

    fn draft_by(author: &Person, legal_holders: Vec<Person>) -> Draft {
        fixtures::draft(
            author,
            vec![RequiredStep {
                step: "legal".into(),
                quorum: Quorum::All,
                holders: legal_holders,
            }],
        )
    }

    #[test]
    fn the_successor_owns_the_leavers_drafts() {
        let (alice, bob, admin) = (
            actor(1, &[Role::Author], &[]),
            actor(2, &[Role::Author], &[]),
            actor(9, &[Role::Admin], &[]),
        );
        let lawyer = actor(3, &[Role::Reviewer], &["legal"]);
        let d = draft_by(&alice.person, vec![lawyer.person.clone()]);
        let moved = hand_over(&d, &alice.person, &bob, &admin.person, now())
            .expect("bob qualifies")
            .expect("the draft changed");
        assert_eq!(moved.owner().id, bob.person.id);
        assert_eq!(
            moved.author.id, alice.person.id,
            "the record of who wrote it stays"
        );
        assert!(
            moved.writers().contains(&bob.person.id),
            "the owner never approves it"
        );
        assert!(matches!(
            &moved.history.last().map(|h| &h.event),
            Some(HistoryEvent::HandedOver { step: None, .. })
        ));
    }

    #[test]
    fn a_successor_who_approved_before_owning_the_draft_no_longer_counts() {
        let (alice, admin) = (
            actor(1, &[Role::Author], &[]),
            actor(9, &[Role::Admin], &[]),
        );
        let bob = actor(2, &[Role::Author, Role::Reviewer], &["review"]);
        let mut d = draft_by(
            &alice.person,
            vec![actor(3, &[Role::Reviewer], &["legal"]).person],
        );
        d.required_steps.insert(0, RequiredStep::one("review"));
        d.approvals.push(approval("review", &bob.person));
        let moved = hand_over(&d, &alice.person, &bob, &admin.person, now())
            .expect("bob qualifies")
            .expect("changed");
        assert!(
            moved.approvals.is_empty(),
            "an owner's approval never counts"
        );
        assert_eq!(
            moved.next_step(),
            Some("review"),
            "review needs someone else now"
        );
    }

    #[test]
    fn a_successor_without_the_role_team_or_channel_is_refused() {
        let alice = actor(1, &[Role::Author], &[]);
        let d = draft_by(
            &alice.person,
            vec![actor(3, &[Role::Reviewer], &["legal"]).person],
        );
        let admin = actor(9, &[Role::Admin], &[]).person;
        let reviewer = actor(2, &[Role::Reviewer], &["review"]);
        assert_eq!(
            hand_over(&d, &alice.person, &reviewer, &admin, now()),
            Err(HandoverProblem::NotAnAuthor)
        );
        let mut elsewhere = actor(2, &[Role::Author], &[]);
        elsewhere.teams = vec![TeamId(Uuid::from_u128(0xbad))];
        assert_eq!(
            hand_over(&d, &alice.person, &elsewhere, &admin, now()),
            Err(HandoverProblem::NotInTeam(team()))
        );
        let mut limited = actor(2, &[Role::Author], &[]);
        limited.channels = ChannelAccess::Only(vec![]);
        assert!(matches!(
            hand_over(&d, &alice.person, &limited, &admin, now()),
            Err(HandoverProblem::NoChannelAccess(_))
        ));
    }

    #[test]
    fn a_place_in_an_all_step_moves_to_a_qualified_successor_or_is_dropped() {
        let author = actor(1, &[Role::Author], &[]);
        let (lena, liam) = (
            actor(3, &[Role::Reviewer], &["legal"]),
            actor(4, &[Role::Reviewer], &["legal"]),
        );
        let admin = actor(9, &[Role::Admin], &[]).person;
        let d = draft_by(
            &author.person,
            vec![lena.person.clone(), liam.person.clone()],
        );

        let lawyer = actor(5, &[Role::Reviewer], &["legal"]);
        let moved = hand_over(&d, &lena.person, &lawyer, &admin, now())
            .unwrap()
            .unwrap();
        let holders: Vec<UserId> = moved.required_steps[0]
            .holders
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(holders, vec![lawyer.person.id, liam.person.id]);

        let not_a_lawyer = actor(6, &[Role::Reviewer], &["review"]);
        let dropped = hand_over(&d, &lena.person, &not_a_lawyer, &admin, now())
            .unwrap()
            .unwrap();
        assert_eq!(dropped.required_steps[0].holders, vec![liam.person.clone()]);
        assert_eq!(
            dropped.status,
            DraftStatus::Pending,
            "liam still has to approve"
        );

        // Liam approved already: once Lena's place is gone the step is done.
        let mut liam_approved = d.clone();
        liam_approved
            .approvals
            .push(approval("legal", &liam.person));
        let done = hand_over(&liam_approved, &lena.person, &not_a_lawyer, &admin, now())
            .unwrap()
            .unwrap();
        assert_eq!(done.status, DraftStatus::Approved);

        let alone = draft_by(&author.person, vec![lena.person.clone()]);
        assert_eq!(
            hand_over(&alone, &lena.person, &not_a_lawyer, &admin, now()),
            Err(HandoverProblem::NobodyLeft {
                step: "legal".into()
            })
        );
    }

    #[test]
    fn drafts_that_are_not_the_leavers_or_are_final_are_left_alone() {
        let (author, other) = (
            actor(1, &[Role::Author], &[]),
            actor(2, &[Role::Author], &[]),
        );
        let admin = actor(9, &[Role::Admin], &[]).person;
        let lawyer = actor(3, &[Role::Reviewer], &["legal"]);
        let d = draft_by(&author.person, vec![lawyer.person.clone()]);
        assert_eq!(
            hand_over(&d, &other.person, &author, &admin, now()),
            Ok(None)
        );
        let mut rejected = d.clone();
        rejected.status = DraftStatus::Rejected;
        assert_eq!(
            hand_over(&rejected, &author.person, &other, &admin, now()),
            Ok(None)
        );
    }
}
