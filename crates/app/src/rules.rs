//! What the rules say about the signed-in reviewer, asked of `countersign_core` with what the
//! cache knows — the same functions the server runs, so the window never keeps its own copy
//! of a rule. Pure: the [`App`](crate::App) passes in the draft, the directory and `now`.

use chrono::{DateTime, Utc};
use countersign_core::approval::{self, Actor, SPOKESPERSON_ONLY};
use countersign_core::wire::{Directory, SessionUser};
use countersign_core::{
    ChannelAccess, CrisisChannels, Draft, Network, Person, Refusal, Role, Urgency,
};
use serde::Serialize;
use std::time::Duration;

/// How long the desktop shows cached drafts without contact when the server has not said.
pub const DEFAULT_OFFLINE_LEASE: Duration = Duration::from_secs(14 * 24 * 3600);

/// The offline lease the server set in `directory`, else [`DEFAULT_OFFLINE_LEASE`].
pub fn offline_lease(directory: Option<&Directory>) -> Duration {
    directory
        .and_then(|d| d.offline_lease_secs)
        .map_or(DEFAULT_OFFLINE_LEASE, Duration::from_secs)
}

/// True when the cached drafts may no longer be shown: the last contact with the server is
/// longer ago than `lease`, or was never recorded. A lost laptop kept offline stops showing
/// its drafts; a sign-in (which needs the password) renews the lease.
///
/// The local clock is all an offline desktop has: a last contact in the future (the clock
/// was wrong then, or has been set back) counts as no time offline yet. Once the app has
/// seen a lease expire it remembers that until a sign-in, so setting the clock back after
/// the expiry changes nothing.
pub fn lease_expired(
    last_contact: Option<DateTime<Utc>>,
    lease: Duration,
    now: DateTime<Utc>,
) -> bool {
    let Some(contact) = last_contact else {
        return true;
    };
    let offline = (now - contact).to_std().unwrap_or(Duration::ZERO);
    offline > lease
}

/// Why the console asks before an approval: the post's time has passed, or it will pass
/// before this laptop's approval is likely to reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleWarning {
    /// The scheduled time is `by_secs` past: an approval now still counts, and is marked
    /// late in the history and the publishing hand-off.
    Passed {
        /// Seconds since the scheduled time, rounded up.
        by_secs: u64,
    },
    /// Offline, and the draft publishes before the laptop is likely to sync (see
    /// [`schedule_warning`]).
    BeforeLikelySync {
        /// Seconds until the scheduled time.
        publishes_in_secs: u64,
        /// Seconds since the server last answered.
        offline_for_secs: u64,
    },
}

/// What the console should warn about before `draft` is approved at `now`, if anything.
///
/// Only a draft still waiting for approval is warned about. [`ScheduleWarning::Passed`]
/// when its scheduled time is past (the same rule the server uses to mark the approval
/// late, [`Draft::late_by`]).
///
/// When `online` is false, [`ScheduleWarning::BeforeLikelySync`] when it publishes before
/// the laptop is *likely* to sync. "Likely" is plain: nothing tells the desktop when the
/// network comes back, so an outage that has lasted `offline_for` (since `last_contact`,
/// the last time the server answered) is assumed to last at least as long again. A draft
/// whose time is within `offline_for` of `now` will probably go out before the approval
/// reaches the server. With no recorded contact (or one in the future: the clock moved)
/// there is no outage to measure and no such warning.
pub fn schedule_warning(
    draft: &Draft,
    now: DateTime<Utc>,
    online: bool,
    last_contact: Option<DateTime<Utc>>,
) -> Option<ScheduleWarning> {
    if draft.status != countersign_core::DraftStatus::Pending {
        return None;
    }
    if let Some(by) = draft.late_by(now) {
        return Some(ScheduleWarning::Passed {
            by_secs: countersign_core::draft::late_secs(by),
        });
    }
    if online {
        return None;
    }
    let publishes_in = draft.scheduled_at? - now;
    let offline_for = now - last_contact?;
    (offline_for > chrono::TimeDelta::zero() && publishes_in <= offline_for).then(|| {
        ScheduleWarning::BeforeLikelySync {
            publishes_in_secs: publishes_in.num_seconds().unsigned_abs(),
            offline_for_secs: offline_for.num_seconds().unsigned_abs(),
        }
    })
}

/// Seconds a queue row is past its scheduled time at `now` (the rule of
/// [`Draft::late_by`]), for its "late" badge.
pub fn late_by_secs(scheduled_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<u64> {
    countersign_core::draft::late_after(scheduled_at, now).map(countersign_core::draft::late_secs)
}

/// Whether the signed-in reviewer may approve a draft now, and if not, why and who may.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApprovalView {
    /// True when pressing `a` would record an approval.
    pub allowed: bool,
    /// The step their approval would take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Why not, in words the window shows as they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a crisis draft: the spokespeople who may approve it.
    pub who_may: Vec<Person>,
}

/// One required step as the window shows it: how far it got, computed by the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    /// The step, e.g. `review`.
    pub step: String,
    /// Approvals it needs in all.
    pub needed: usize,
    /// True for an `all` step (every holder named in `waiting_for` and `approved_by`).
    pub all_holders: bool,
    /// Who approved it on this version, in order.
    pub approved_by: Vec<Person>,
    /// For an `all` step: who has still to approve.
    pub waiting_for: Vec<Person>,
    /// True once satisfied.
    pub done: bool,
    /// True for the step the next approval goes to.
    pub next: bool,
}

/// The draft's steps as the rules see them now.
pub fn step_progress(draft: &Draft) -> Vec<StepProgress> {
    let next = draft.next_step().map(str::to_owned);
    draft
        .required_steps
        .iter()
        .map(|step| {
            let approved_by: Vec<Person> = step
                .approvals(&draft.approvals)
                .map(|a| a.by.clone())
                .collect();
            let waiting_for = step
                .holders
                .iter()
                .filter(|h| !approved_by.iter().any(|p| p.id == h.id))
                .cloned()
                .collect();
            StepProgress {
                step: step.step.clone(),
                needed: step.approvals_needed(),
                all_holders: step.quorum == countersign_core::Quorum::All,
                done: step.is_satisfied(&draft.approvals),
                next: next.as_deref() == Some(step.step.as_str()),
                approved_by,
                waiting_for,
            }
        })
        .collect()
}

/// The reviewer as the approval rules see them: their roles, steps and teams as the server
/// last described them, limited to the channels it said they can see.
pub fn local_actor(user: &SessionUser, directory: Option<&Directory>) -> Actor {
    Actor {
        person: user.person.clone(),
        roles: user.roles.clone(),
        steps: user.steps.clone(),
        teams: user.teams.clone(),
        channels: match directory {
            Some(d) if !user.roles.contains(&Role::Admin) => {
                ChannelAccess::Only(d.channels.iter().map(|c| c.channel.id).collect())
            }
            _ => ChannelAccess::AllOfTeams,
        },
    }
}

/// The spokespeople the directory lists for the draft's channel, as the rules see them.
fn spokespeople(draft: &Draft, directory: Option<&Directory>) -> Vec<Actor> {
    let Some(channel) = directory.and_then(|d| {
        d.channels
            .iter()
            .find(|c| Some(c.channel.id) == draft.channel_id)
    }) else {
        return vec![];
    };
    channel
        .spokespeople
        .iter()
        .map(|s| Actor {
            person: s.person.clone(),
            roles: vec![Role::Spokesperson],
            steps: s.steps.clone(),
            teams: vec![channel.channel.team],
            channels: ChannelAccess::Only(vec![channel.channel.id]),
        })
        .collect()
}

/// What [`approval::check_approval`] says about `me` approving `draft`, with the people who
/// may when it is a crisis draft they may not approve.
pub fn approval_view(draft: &Draft, me: &Actor, directory: Option<&Directory>) -> ApprovalView {
    match approval::check_approval(draft, me) {
        Ok(step) => ApprovalView {
            allowed: true,
            step: Some(step),
            reason: None,
            who_may: vec![],
        },
        Err(refusal) => {
            let who_may: Vec<Person> = if draft.urgency == Urgency::Crisis {
                approval::approvers(draft, &spokespeople(draft, directory))
                    .into_iter()
                    .cloned()
                    .collect()
            } else {
                vec![]
            };
            ApprovalView {
                allowed: false,
                step: None,
                reason: Some(reason_text(&refusal, &who_may)),
                who_may,
            }
        }
    }
}

/// The refusal as a sentence for the reviewer, naming who may approve a crisis draft.
fn reason_text(refusal: &Refusal, who_may: &[Person]) -> String {
    let message = refusal.message();
    let mut text = capitalise(&message);
    if matches!(refusal, Refusal::Forbidden(m) if m == SPOKESPERSON_ONLY) {
        let names: Vec<&str> = who_may.iter().map(|p| p.display_name.as_str()).collect();
        text = match names.as_slice() {
            [] => format!(
                "{text}, and no spokesperson is authorised for this channel: ask an \
                 administrator"
            ),
            [one] => format!("{text}: {one} may."),
            [init @ .., last] => format!("{text}: {} or {last} may.", init.join(", ")),
        };
    } else {
        text.push('.');
    }
    text
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What the crisis banner shows: crisis mode as the server last confirmed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrisisBanner {
    /// Why, in the administrator's words.
    pub reason: String,
    /// Since when.
    pub since: Option<DateTime<Utc>>,
    /// Who turned it on.
    pub declared_by: Option<String>,
    /// True when it covers every channel.
    pub all_channels: bool,
    /// The reviewer's channels it covers, with who may approve on each.
    pub channels: Vec<CrisisChannelView>,
    /// When the server last confirmed this state (the last complete sync).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// True when that is longer ago than the app's staleness limit: the state may have
    /// changed since, and the banner says so.
    pub stale: bool,
    /// Seconds since `confirmed_at`, for "you have been offline for 3 h".
    pub unconfirmed_for_secs: Option<u64>,
}

/// One channel under crisis mode, as the banner lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrisisChannelView {
    /// The channel's name.
    pub name: String,
    /// Its network.
    pub network: Network,
    /// Its account.
    pub account: String,
    /// Display names of the spokespeople authorised for it.
    pub spokespeople: Vec<String>,
}

/// The banner for `directory`'s crisis state, or `None` when crisis mode is off for every
/// channel the reviewer sees. Stale when `confirmed_at` is more than `stale_after` before
/// `now` (or unknown).
pub fn crisis_banner(
    directory: Option<&Directory>,
    confirmed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    stale_after: Duration,
) -> Option<CrisisBanner> {
    let directory = directory?;
    let crisis = &directory.crisis;
    if !crisis.is_on() {
        return None;
    }
    let channels = directory
        .channels
        .iter()
        .filter(|c| c.in_crisis)
        .map(|c| CrisisChannelView {
            name: c.channel.name.clone(),
            network: c.channel.network,
            account: c.channel.account.clone(),
            spokespeople: c
                .spokespeople
                .iter()
                .map(|s| s.person.display_name.clone())
                .collect(),
        })
        .collect();
    let unconfirmed_for = confirmed_at.map(|at| (now - at).num_seconds().max(0).unsigned_abs());
    let stale = unconfirmed_for.is_none_or(|secs| secs > stale_after.as_secs());
    Some(CrisisBanner {
        reason: crisis.reason.clone(),
        since: crisis.since,
        declared_by: crisis.declared_by.as_ref().map(|p| p.display_name.clone()),
        all_channels: crisis.channels == CrisisChannels::All,
        channels,
        confirmed_at,
        stale,
        unconfirmed_for_secs: unconfirmed_for,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use countersign_core::wire::{ChannelView, Spokesperson};
    use countersign_core::{
        Channel, ChannelId, CrisisState, DraftId, DraftStatus, RequiredStep, StepRule, TeamId,
        UserId,
    };
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0)
            .single()
            .expect("time")
    }

    fn person(n: u128, name: &str) -> Person {
        Person {
            id: UserId(Uuid::from_u128(n)),
            username: name.to_lowercase(),
            display_name: name.into(),
        }
    }

    const TEAM: TeamId = TeamId(Uuid::from_u128(0x7));
    const CHANNEL: ChannelId = ChannelId(Uuid::from_u128(0xc));

    fn user(n: u128, name: &str, roles: &[Role]) -> SessionUser {
        SessionUser {
            person: person(n, name),
            roles: roles.to_vec(),
            steps: vec!["review".into()],
            teams: vec![TEAM],
        }
    }

    fn directory(on: bool) -> Directory {
        Directory {
            me: user(1, "Rita", &[Role::Reviewer]),
            channels: vec![ChannelView {
                channel: Channel {
                    id: CHANNEL,
                    name: "care-x".into(),
                    network: Network::X,
                    account: "@help".into(),
                    team: TEAM,
                    policy: vec![StepRule::one("review")],
                },
                team_name: "Care".into(),
                in_crisis: on,
                spokespeople: ["David Chen", "Margaret Lewis"]
                    .iter()
                    .enumerate()
                    .map(|(i, name)| Spokesperson {
                        person: person(10 + i as u128, name),
                        steps: vec!["review".into()],
                    })
                    .collect(),
                routing: Default::default(),
            }],
            policy_version: 0,
            offline_lease_secs: None,
            crisis: if on {
                CrisisState {
                    channels: CrisisChannels::Only(vec![CHANNEL]),
                    reason: "Fire at the Leeds store".into(),
                    since: Some(now()),
                    declared_by: Some(person(99, "Priya Raman")),
                }
            } else {
                CrisisState::default()
            },
        }
    }

    fn crisis_draft() -> Draft {
        Draft {
            id: DraftId(Uuid::from_u128(0xd)),
            version: 1,
            status: DraftStatus::Pending,
            network: Network::X,
            channel: "@help".into(),
            channel_id: Some(CHANNEL),
            team: TEAM,
            body: "Our Leeds store is closed today.".into(),
            author: person(5, "Sam Patel"),
            owner: None,
            urgency: Urgency::Crisis,
            requested_urgency: Some(Urgency::Normal),
            scheduled_at: None,
            required_steps: vec![RequiredStep::one("review")],
            approvals: vec![],
            in_reply_to: None,
            media: vec![],
            created_at: now(),
            updated_at: now(),
            history: vec![],
        }
    }

    #[test]
    fn a_reviewer_who_is_not_a_spokesperson_is_told_who_may_approve_a_crisis_draft() {
        let dir = directory(true);
        let me = local_actor(&dir.me, Some(&dir));
        let view = approval_view(&crisis_draft(), &me, Some(&dir));
        assert!(!view.allowed);
        assert_eq!(
            view.reason.as_deref(),
            Some(
                "Only a spokesperson may approve a crisis draft: David Chen or Margaret Lewis may."
            )
        );
        let names: Vec<&str> = view
            .who_may
            .iter()
            .map(|p| p.display_name.as_str())
            .collect();
        assert_eq!(names, ["David Chen", "Margaret Lewis"]);

        let spokesperson = user(10, "David Chen", &[Role::Reviewer, Role::Spokesperson]);
        let view = approval_view(
            &crisis_draft(),
            &local_actor(&spokesperson, Some(&dir)),
            Some(&dir),
        );
        assert!(view.allowed, "{view:?}");
        assert_eq!(view.step.as_deref(), Some("review"));
    }

    #[test]
    fn an_author_reviewer_is_told_four_eyes_apply() {
        let dir = directory(false);
        let mut draft = crisis_draft();
        draft.urgency = Urgency::Normal;
        let author = user(5, "Sam Patel", &[Role::Author, Role::Reviewer]);
        let view = approval_view(&draft, &local_actor(&author, Some(&dir)), Some(&dir));
        assert!(!view.allowed);
        assert_eq!(
            view.reason.as_deref(),
            Some("You wrote this draft: someone else must approve it (four eyes).")
        );
        assert!(view.who_may.is_empty());
    }

    #[test]
    fn step_progress_counts_quorums_and_names_who_an_all_step_waits_for() {
        let mut draft = crisis_draft();
        let (lena, liam) = (person(3, "Lena"), person(4, "Liam"));
        draft.required_steps = vec![
            RequiredStep {
                step: "review".into(),
                quorum: countersign_core::Quorum::Count(2),
                holders: vec![],
            },
            RequiredStep {
                step: "legal".into(),
                quorum: countersign_core::Quorum::All,
                holders: vec![lena.clone(), liam.clone()],
            },
        ];
        draft.approvals.push(countersign_core::Approval {
            step: "review".into(),
            by: person(1, "Rita"),
            decision_id: countersign_core::DecisionId(Uuid::from_u128(0xdec)),
            at: now(),
        });
        let steps = step_progress(&draft);
        assert_eq!(
            (steps[0].needed, steps[0].done, steps[0].next),
            (2, false, true)
        );
        assert_eq!(steps[0].approved_by.len(), 1);
        assert_eq!(
            (steps[1].needed, steps[1].all_holders, steps[1].next),
            (2, true, false)
        );
        assert_eq!(steps[1].waiting_for, vec![lena, liam]);
    }

    fn scheduled_in(minutes: i64) -> Draft {
        let mut draft = crisis_draft();
        draft.urgency = Urgency::Normal;
        draft.scheduled_at = Some(now() + chrono::TimeDelta::minutes(minutes));
        draft
    }

    #[test]
    fn a_draft_whose_time_has_passed_warns_online_and_offline() {
        let draft = scheduled_in(-125);
        let passed = Some(ScheduleWarning::Passed { by_secs: 125 * 60 });
        assert_eq!(schedule_warning(&draft, now(), true, Some(now())), passed);
        assert_eq!(schedule_warning(&draft, now(), false, None), passed);
        assert_eq!(
            schedule_warning(&scheduled_in(0), now(), true, Some(now())),
            None,
            "exactly on time is not late"
        );
        let mut approved = draft.clone();
        approved.status = countersign_core::DraftStatus::Approved;
        assert_eq!(
            schedule_warning(&approved, now(), true, Some(now())),
            None,
            "nothing left to approve"
        );
        let json = serde_json::to_value(passed).expect("json");
        assert_eq!(json, serde_json::json!({"kind": "passed", "by_secs": 7500}));
    }

    #[test]
    fn offline_a_draft_due_within_the_outage_so_far_warns_and_a_later_one_does_not() {
        let three_hours_ago = Some(now() - chrono::TimeDelta::hours(3));
        let soon = scheduled_in(40);
        assert_eq!(
            schedule_warning(&soon, now(), false, three_hours_ago),
            Some(ScheduleWarning::BeforeLikelySync {
                publishes_in_secs: 40 * 60,
                offline_for_secs: 3 * 3600,
            })
        );
        assert_eq!(
            schedule_warning(&soon, now(), true, three_hours_ago),
            None,
            "online: the approval goes out at the next sync"
        );
        assert_eq!(
            schedule_warning(&scheduled_in(4 * 60), now(), false, three_hours_ago),
            None,
            "publishes after as long again as the outage so far"
        );
        assert!(schedule_warning(&scheduled_in(180), now(), false, three_hours_ago).is_some());
        assert_eq!(
            schedule_warning(&soon, now(), false, None),
            None,
            "no contact to measure from"
        );
        assert_eq!(
            schedule_warning(
                &soon,
                now(),
                false,
                Some(now() + chrono::TimeDelta::hours(1))
            ),
            None,
            "a contact in the future (the clock moved) measures no outage"
        );
        let mut unscheduled = soon.clone();
        unscheduled.scheduled_at = None;
        assert_eq!(
            schedule_warning(&unscheduled, now(), false, three_hours_ago),
            None
        );
    }

    #[test]
    fn a_queue_row_is_late_by_the_same_rule() {
        let at = now() - chrono::TimeDelta::minutes(5);
        assert_eq!(late_by_secs(Some(at), now()), Some(300));
        assert_eq!(late_by_secs(Some(now()), now()), None);
        assert_eq!(late_by_secs(None, now()), None);
    }

    #[test]
    fn the_banner_shows_the_crisis_and_goes_stale_when_unconfirmed() {
        let dir = directory(true);
        let limit = Duration::from_secs(300);
        let fresh = crisis_banner(Some(&dir), Some(now()), now(), limit).expect("on");
        assert_eq!(fresh.reason, "Fire at the Leeds store");
        assert!(!fresh.stale);
        assert_eq!(
            fresh.channels[0].spokespeople,
            ["David Chen", "Margaret Lewis"]
        );
        assert_eq!(fresh.declared_by.as_deref(), Some("Priya Raman"));

        let later = now() + chrono::Duration::hours(3);
        let stale = crisis_banner(Some(&dir), Some(now()), later, limit).expect("on");
        assert!(stale.stale);
        assert_eq!(stale.unconfirmed_for_secs, Some(3 * 3600));
        assert!(crisis_banner(Some(&dir), None, now(), limit).is_some_and(|b| b.stale));

        assert_eq!(
            crisis_banner(Some(&directory(false)), Some(now()), now(), limit),
            None
        );
        assert_eq!(crisis_banner(None, Some(now()), now(), limit), None);
    }

    #[test]
    fn the_lease_runs_from_the_last_contact_and_is_the_servers_when_it_says() {
        let day = chrono::TimeDelta::days(1);
        let mut d = directory(false);
        assert_eq!(
            offline_lease(Some(&d)),
            DEFAULT_OFFLINE_LEASE,
            "old servers say nothing"
        );
        assert_eq!(offline_lease(None), DEFAULT_OFFLINE_LEASE);
        d.offline_lease_secs = Some(3 * 24 * 3600);
        let three_days = offline_lease(Some(&d));
        assert_eq!(three_days, Duration::from_secs(3 * 24 * 3600));
        assert!(
            !lease_expired(Some(now() - day * 3), three_days, now()),
            "exactly 3 days: still in"
        );
        assert!(lease_expired(
            Some(now() - day * 3 - chrono::TimeDelta::seconds(1)),
            three_days,
            now()
        ));
        assert!(!lease_expired(
            Some(now() - day * 13),
            DEFAULT_OFFLINE_LEASE,
            now()
        ));
        assert!(lease_expired(
            Some(now() - day * 15),
            DEFAULT_OFFLINE_LEASE,
            now()
        ));
    }

    #[test]
    fn no_recorded_contact_means_the_lease_is_over_and_a_future_contact_counts_from_now() {
        assert!(
            lease_expired(None, DEFAULT_OFFLINE_LEASE, now()),
            "never in contact"
        );
        let later = now() + chrono::TimeDelta::days(400);
        assert!(
            !lease_expired(Some(later), DEFAULT_OFFLINE_LEASE, now()),
            "clock set back: offline for 0 s, not negative"
        );
    }
}
