//! Crisis mode: while it is on for a channel, only the people authorised to speak for the
//! organisation may approve what goes out on it.
//!
//! An administrator turns it on, for every channel or some, with a reason. While it is on:
//! - every draft on a covered channel is a crisis draft, whatever its author said
//!   ([`start`] makes waiting drafts so; new drafts and edits get it from
//!   [`ChannelRules::urgency`](crate::channel::ChannelRules::urgency)), and only
//!   spokespeople approve crisis drafts ([`check_approval`](crate::approval::check_approval));
//! - a draft already approved whose scheduled time is still ahead is **held** and not handed
//!   to publishing.
//!
//! Turning it off ([`end`]) never sends anything straight out: a held draft goes back to
//! review with no approvals, on a new version (so a decision made before the crisis cannot
//! slip through), and drafts that were crisis drafts only because of crisis mode return to the
//! urgency their authors gave them.

use crate::draft::{Draft, DraftStatus, HistoryEntry, HistoryEvent, Person, Urgency};
use crate::ids::ChannelId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which channels crisis mode covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "channels")]
pub enum CrisisChannels {
    /// None: crisis mode is off.
    #[default]
    None,
    /// Every channel, including ones added while it lasts.
    All,
    /// These channels.
    Only(Vec<ChannelId>),
}

/// The organisation's crisis state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrisisState {
    /// What it covers; `none` when off.
    pub channels: CrisisChannels,
    /// Why, in the administrator's words (empty when off).
    #[serde(default)]
    pub reason: String,
    /// When it was turned on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Who turned it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_by: Option<Person>,
}

impl CrisisState {
    /// True while it covers at least one channel.
    pub fn is_on(&self) -> bool {
        match &self.channels {
            CrisisChannels::None => false,
            CrisisChannels::All => true,
            CrisisChannels::Only(list) => !list.is_empty(),
        }
    }

    /// True when it covers `channel`. Drafts that name no channel are covered only when every
    /// channel is.
    pub fn covers(&self, channel: Option<ChannelId>) -> bool {
        match (&self.channels, channel) {
            (CrisisChannels::None, _) => false,
            (CrisisChannels::All, _) => true,
            (CrisisChannels::Only(list), Some(c)) => list.contains(&c),
            (CrisisChannels::Only(_), None) => false,
        }
    }

    /// The state after turning crisis mode on for `channels` (`None`: every channel) with
    /// `reason`. Turning it on for more channels while it is on adds them (and takes the new
    /// reason); once it covers every channel it stays so until it is turned off.
    pub fn turned_on(
        &self,
        channels: Option<&[ChannelId]>,
        reason: &str,
        by: &Person,
        now: DateTime<Utc>,
    ) -> CrisisState {
        let covered = match (&self.channels, channels) {
            (CrisisChannels::All, _) | (_, None) => CrisisChannels::All,
            (CrisisChannels::Only(old), Some(new)) => CrisisChannels::Only(union(old, new)),
            (CrisisChannels::None, Some(new)) => CrisisChannels::Only(union(&[], new)),
        };
        CrisisState {
            channels: covered,
            reason: reason.trim().to_owned(),
            since: if self.is_on() { self.since } else { Some(now) },
            declared_by: Some(by.clone()),
        }
    }
}

/// `old` then the channels of `new` not in it, each once.
fn union(old: &[ChannelId], new: &[ChannelId]) -> Vec<ChannelId> {
    let mut list = old.to_vec();
    for channel in new {
        if !list.contains(channel) {
            list.push(*channel);
        }
    }
    list
}

/// What crisis mode starting on the draft's channel does to it, or `None` when nothing:
/// a draft still in review becomes a crisis draft; an approved one due later is held.
pub fn start(draft: &Draft, reason: &str, by: &Person, now: DateTime<Utc>) -> Option<Draft> {
    let mut next = draft.clone();
    match draft.status {
        DraftStatus::Pending | DraftStatus::ChangesRequested
            if draft.urgency != Urgency::Crisis =>
        {
            next.requested_urgency = Some(draft.requested_urgency());
            next.urgency = Urgency::Crisis;
            next.history.push(HistoryEntry::on(
                draft,
                by,
                now,
                HistoryEvent::Escalated {
                    reason: reason.to_owned(),
                },
            ));
        }
        DraftStatus::Approved if draft.scheduled_at.is_some_and(|at| at > now) => {
            next.status = DraftStatus::Held;
            next.history.push(HistoryEntry::on(
                draft,
                by,
                now,
                HistoryEvent::Held {
                    reason: reason.to_owned(),
                },
            ));
        }
        _ => return None,
    }
    next.updated_at = now;
    Some(next)
}

/// What crisis mode ending on the draft's channel does to it, or `None` when nothing: a
/// held draft goes back to review on a new version with no approvals; a draft that was a
/// crisis draft only because of crisis mode gets its author's urgency back.
pub fn end(draft: &Draft, by: &Person, now: DateTime<Utc>) -> Option<Draft> {
    let mut next = draft.clone();
    let requested = draft.requested_urgency();
    let restore = draft.urgency != requested && !draft.status.is_final();
    if draft.status == DraftStatus::Held {
        next.history.push(HistoryEntry::on(
            draft,
            by,
            now,
            HistoryEvent::ReturnedToReview,
        ));
        next.status = DraftStatus::Pending;
        next.approvals.clear();
        next.version += 1;
    } else if restore {
        next.history
            .push(HistoryEntry::on(draft, by, now, HistoryEvent::Deescalated));
    } else {
        return None;
    }
    next.urgency = requested;
    next.requested_urgency = None;
    next.updated_at = now;
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::RequiredStep;
    use crate::fixtures::{self, approval, now};
    use chrono::Duration;
    use uuid::Uuid;

    fn person(n: u128) -> Person {
        fixtures::person(n, &format!("p{n}"))
    }

    fn draft(status: DraftStatus, due_in_minutes: Option<i64>) -> Draft {
        let mut d = fixtures::draft(&person(1), vec![RequiredStep::one("review")]);
        d.version = 3;
        d.status = status;
        d.channel_id = Some(ChannelId(Uuid::from_u128(0xc)));
        d.scheduled_at = due_in_minutes.map(|m| now() + Duration::minutes(m));
        d
    }

    fn approved(due_in_minutes: Option<i64>) -> Draft {
        let mut d = draft(DraftStatus::Approved, due_in_minutes);
        d.approvals.push(approval("review", &person(2)));
        d
    }

    #[test]
    fn starting_escalates_waiting_drafts_and_holds_approved_ones_due_later() {
        let admin = person(9);
        let waiting = start(&draft(DraftStatus::Pending, None), "fire", &admin, now())
            .expect("a waiting draft changes");
        assert_eq!(waiting.urgency, Urgency::Crisis);
        assert_eq!(waiting.requested_urgency(), Urgency::Normal);
        assert_eq!(waiting.version, 3, "the text did not change");

        let held = start(&approved(Some(30)), "fire", &admin, now()).expect("held");
        assert_eq!(held.status, DraftStatus::Held);
        assert!(matches!(
            held.history.last().map(|h| &h.event),
            Some(HistoryEvent::Held { reason }) if reason == "fire"
        ));

        for (name, d) in [
            ("approved, due already", approved(Some(-5))),
            ("approved, unscheduled (already out)", approved(None)),
            ("rejected", draft(DraftStatus::Rejected, Some(30))),
            ("withdrawn", draft(DraftStatus::Withdrawn, Some(30))),
        ] {
            assert_eq!(start(&d, "fire", &admin, now()), None, "{name}");
        }
        let mut crisis = draft(DraftStatus::Pending, None);
        crisis.urgency = Urgency::Crisis;
        assert_eq!(
            start(&crisis, "fire", &admin, now()),
            None,
            "already a crisis draft"
        );
    }

    #[test]
    fn ending_sends_held_drafts_back_to_review_never_out() {
        let admin = person(9);
        let held = start(&approved(Some(30)), "fire", &admin, now()).expect("held");
        let back = end(&held, &admin, now()).expect("changes");
        assert_eq!(back.status, DraftStatus::Pending);
        assert!(back.approvals.is_empty(), "approvals are cleared");
        assert_eq!(
            back.version, 4,
            "decisions made before the crisis are stale"
        );
        assert_eq!(back.urgency, Urgency::Normal);

        let escalated =
            start(&draft(DraftStatus::Pending, None), "fire", &admin, now()).expect("escalated");
        let calm = end(&escalated, &admin, now()).expect("changes");
        assert_eq!(calm.urgency, Urgency::Normal);
        assert_eq!(calm.version, 3);
        assert!(matches!(
            calm.history.last().map(|h| &h.event),
            Some(HistoryEvent::Deescalated)
        ));

        let mut declared = draft(DraftStatus::Pending, None);
        declared.urgency = Urgency::Crisis;
        assert_eq!(
            end(&declared, &admin, now()),
            None,
            "a draft its author called a crisis stays one"
        );
    }

    #[test]
    fn the_state_covers_what_was_turned_on_and_grows() {
        let (a, b) = (ChannelId(Uuid::from_u128(1)), ChannelId(Uuid::from_u128(2)));
        let admin = person(9);
        let off = CrisisState::default();
        assert!(!off.is_on());
        assert!(!off.covers(Some(a)));

        let on_a = off.turned_on(Some(&[a, a]), " fire ", &admin, now());
        assert_eq!(on_a.channels, CrisisChannels::Only(vec![a]));
        assert_eq!(on_a.reason, "fire");
        assert!(on_a.covers(Some(a)) && !on_a.covers(Some(b)) && !on_a.covers(None));

        let later = now() + Duration::hours(1);
        let on_ab = on_a.turned_on(Some(&[b]), "fire and flood", &admin, later);
        assert_eq!(on_ab.channels, CrisisChannels::Only(vec![a, b]));
        assert_eq!(
            on_ab.since,
            Some(now()),
            "it has been on since the first time"
        );

        let everywhere = on_ab.turned_on(None, "fire", &admin, later);
        assert!(everywhere.covers(None));
        assert_eq!(
            everywhere
                .turned_on(Some(&[a]), "fire", &admin, later)
                .channels,
            CrisisChannels::All
        );
    }
}
