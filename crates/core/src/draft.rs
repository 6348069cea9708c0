//! Drafts and the people and events around them.

use crate::channel::Quorum;
use crate::ids::{AnnotationId, ChannelId, DecisionId, DraftId, TeamId, UserId};
use crate::mutation::{Annotation, Verdict};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A social network a channel publishes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// X (formerly Twitter).
    X,
    /// Bluesky.
    Bluesky,
    /// Mastodon (the organisation's instance).
    Mastodon,
    /// LinkedIn.
    Linkedin,
    /// Facebook.
    Facebook,
    /// Instagram.
    Instagram,
    /// Threads.
    Threads,
}

impl Network {
    /// Every network, in the order the UI lists them.
    pub const ALL: [Network; 7] = [
        Network::X,
        Network::Bluesky,
        Network::Mastodon,
        Network::Linkedin,
        Network::Facebook,
        Network::Instagram,
        Network::Threads,
    ];

    /// The wire name (`"x"`, `"bluesky"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Network::X => "x",
            Network::Bluesky => "bluesky",
            Network::Mastodon => "mastodon",
            Network::Linkedin => "linkedin",
            Network::Facebook => "facebook",
            Network::Instagram => "instagram",
            Network::Threads => "threads",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The network's name as people write it.
    pub const fn label(self) -> &'static str {
        match self {
            Network::X => "X",
            Network::Bluesky => "Bluesky",
            Network::Mastodon => "Mastodon",
            Network::Linkedin => "LinkedIn",
            Network::Facebook => "Facebook",
            Network::Instagram => "Instagram",
            Network::Threads => "Threads",
        }
    }

    /// The longest post the network accepts, in its own unit of length.
    pub const fn length_limit(self) -> usize {
        match self {
            Network::X => 280,
            Network::Bluesky => 300,
            Network::Mastodon | Network::Threads => 500,
            Network::Linkedin => 3000,
            Network::Instagram => 2200,
            Network::Facebook => 63_206,
        }
    }
}

/// How soon a draft needs a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// The usual queue.
    Normal,
    /// Goes to the top of the queue.
    Urgent,
    /// A crisis statement: first in the queue, and only a spokesperson may approve it.
    Crisis,
}

impl Urgency {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Crisis => "crisis",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Urgency::Normal, Urgency::Urgent, Urgency::Crisis]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}

/// Where a draft is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// Waiting for its next required approval.
    Pending,
    /// A reviewer asked the author for changes; an edit starts a new round.
    ChangesRequested,
    /// Refused; final.
    Rejected,
    /// Every required step approved; ready to publish.
    Approved,
    /// Taken back by its author; final, and it wins over any late decision.
    Withdrawn,
    /// Approved, but held back from publishing by crisis mode; not decidable. When crisis
    /// mode ends it goes back to review (pending, approvals cleared), never straight out.
    Held,
    /// Published to the network; final.
    Published,
}

impl DraftStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Pending => "pending",
            DraftStatus::ChangesRequested => "changes_requested",
            DraftStatus::Rejected => "rejected",
            DraftStatus::Approved => "approved",
            DraftStatus::Withdrawn => "withdrawn",
            DraftStatus::Held => "held",
            DraftStatus::Published => "published",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            DraftStatus::Pending,
            DraftStatus::ChangesRequested,
            DraftStatus::Rejected,
            DraftStatus::Approved,
            DraftStatus::Withdrawn,
            DraftStatus::Held,
            DraftStatus::Published,
        ]
        .into_iter()
        .find(|s2| s2.as_str() == s)
    }

    /// True when nothing can change the draft any more.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            DraftStatus::Rejected
                | DraftStatus::Approved
                | DraftStatus::Withdrawn
                | DraftStatus::Published
        )
    }
}

/// What a user may do. A user can hold several roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes drafts (staff and agency accounts). Never approves.
    Author,
    /// Decides drafts of their teams, for the approval steps they are qualified for.
    Reviewer,
    /// May approve crisis drafts: the people authorised to speak for the organisation.
    Spokesperson,
    /// Manages users and sees every team.
    Admin,
}

impl Role {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Reviewer => "reviewer",
            Role::Spokesperson => "spokesperson",
            Role::Admin => "admin",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Role::Author,
            Role::Reviewer,
            Role::Spokesperson,
            Role::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A user as other users see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Account id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Name to show.
    pub display_name: String,
}

/// The customer post a draft answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InReplyTo {
    /// The customer's handle on the network.
    pub author: String,
    /// What they wrote.
    pub text: String,
    /// Link to the post, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An image or video attached to a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Media {
    /// `image` or `video`.
    pub kind: String,
    /// Where the file is.
    pub url: String,
    /// Text alternative; missing alt text is a policy finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// One approval that counts towards the draft's current version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The required step it satisfies.
    pub step: String,
    /// Who approved.
    pub by: Person,
    /// The decision that recorded it.
    pub decision_id: DecisionId,
    /// When the server applied it.
    pub at: DateTime<Utc>,
}

/// Something that happened to a draft, for its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// When the server recorded it.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub by: Person,
    /// The draft version it happened on.
    pub version: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: HistoryEvent,
}

impl HistoryEntry {
    /// `event`, done by `by` at `at`, on the draft's current version.
    pub fn on(draft: &Draft, by: &Person, at: DateTime<Utc>, event: HistoryEvent) -> Self {
        Self {
            at,
            by: by.clone(),
            version: draft.version,
            event,
        }
    }
}

/// The kinds of [`HistoryEntry`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HistoryEvent {
    /// The draft was written.
    Created,
    /// The author changed the text; the version went up.
    Edited {
        /// The body before the edit, so reviewers can see what changed.
        previous_body: String,
        /// The annotation whose suggested replacement the author accepted to make this
        /// version; absent for an edit typed by the author (and from entries written before
        /// suggestions could be accepted).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accepted_suggestion: Option<AnnotationId>,
    },
    /// A reviewer decided.
    Decided {
        /// The decision's id.
        decision_id: DecisionId,
        /// What they decided.
        verdict: Verdict,
        /// The step an approval satisfied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        /// Their comment.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        comment: String,
        /// Why they approved over a blocking policy finding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// For an approval applied after the draft's scheduled time: how late, in whole
        /// seconds rounded up ([`Draft::late_by`]). The approval still counts; this is a flag
        /// for the history, the console and the publishing hand-off. Absent from entries
        /// written before lateness was recorded and from approvals on time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late_secs: Option<u64>,
    },
    /// Someone commented.
    Annotated {
        /// The annotation.
        annotation: Annotation,
    },
    /// The author took the draft back.
    Withdrawn,
    /// Crisis mode began on the draft's channel: it is a crisis draft now, whatever its
    /// author said, and only spokespeople approve it.
    Escalated {
        /// The crisis, in the administrator's words.
        reason: String,
    },
    /// Crisis mode began while the draft was approved and due later: it is held back from
    /// publishing.
    Held {
        /// The crisis, in the administrator's words.
        reason: String,
    },
    /// Crisis mode ended: a held draft is back in review with no approvals (a new version, so
    /// decisions made before the crisis no longer apply).
    ReturnedToReview,
    /// Crisis mode ended: the draft is back at the urgency its author gave it.
    Deescalated,
    /// Its owner left; the draft, or their place in one of its steps, went to someone else.
    HandedOver {
        /// Who left.
        from: Person,
        /// Who took over.
        to: Person,
        /// The step whose place moved, when it was a reviewer's place rather than ownership.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
    },
    /// Someone left, and the step no longer waits for them (their successor could not take
    /// their place).
    LeftStep {
        /// Who left.
        person: Person,
        /// The step.
        step: String,
    },
    /// The policy guard's verdict routed the draft away from the channel's usual steps.
    Routed {
        /// How.
        route: crate::channel::Route,
    },
    /// Older entries folded into one, so a draft's history stays bounded
    /// ([`crate::limits::trim_history`]). It takes the time, person and version of the first
    /// entry it stands for.
    Summarised {
        /// How many entries it stands for.
        entries: u64,
        /// Everyone who edited the text in them: they still may not approve the draft.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        editors: Vec<Person>,
        /// When the last of them happened.
        until: DateTime<Utc>,
    },
    /// The publishing tool reported that the approved draft went out.
    Published {
        /// Where the post is, when the tool said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// When the tool says it went out (the entry's own time is the server's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        published_at: Option<DateTime<Utc>>,
    },
    /// Something a newer server records; shown by name only.
    #[serde(other)]
    Other,
}

/// A post or reply waiting for (or past) approval. This is the wire shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draft {
    /// Id (UUIDv7).
    pub id: DraftId,
    /// Bumped by the server on every edit; decisions name the version they were made on.
    pub version: u64,
    /// Where the draft is in its life.
    pub status: DraftStatus,
    /// The network it will be published on.
    pub network: Network,
    /// The account on that network, e.g. `@acme_help`.
    pub channel: String,
    /// The channel record it was written for (drafts from before channels existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// The team whose reviewers decide it.
    pub team: TeamId,
    /// The text to publish.
    pub body: String,
    /// Who wrote it.
    pub author: Person,
    /// Who may edit and withdraw it now, when not its author (their successor, after the
    /// author left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Person>,
    /// How soon it needs a decision, as the server decided: crisis mode makes every draft
    /// on its channels a crisis draft.
    pub urgency: Urgency,
    /// The urgency its author asked for, when the server decided otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_urgency: Option<Urgency>,
    /// When it is meant to go out, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The approval steps it needs, in order, with their quorums.
    pub required_steps: Vec<RequiredStep>,
    /// Approvals that count towards the current version.
    pub approvals: Vec<Approval>,
    /// The customer post it answers, if it is a reply.
    pub in_reply_to: Option<InReplyTo>,
    /// Attached images and videos.
    pub media: Vec<Media>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// What happened to it, oldest first. The server keeps the newest entries inline and
    /// folds older ones into one `summarised` entry ([`crate::limits::trim_history`]).
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// One approval step a draft needs: from its channel's policy (and its author's additions)
/// when it was written or last edited.
///
/// Drafts cached before quorums existed carry steps as bare names; they read back as a step
/// needing one approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "RequiredStepWire")]
pub struct RequiredStep {
    /// The qualification that takes it (`review`, `legal`, …).
    pub step: String,
    /// How many distinct people must approve it: a number, or `all`.
    pub quorum: Quorum,
    /// For an `all` step: each of these people must approve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<Person>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RequiredStepWire {
    Name(String),
    Full {
        step: String,
        #[serde(default)]
        quorum: Quorum,
        #[serde(default)]
        holders: Vec<Person>,
    },
}

impl From<RequiredStepWire> for RequiredStep {
    fn from(wire: RequiredStepWire) -> Self {
        match wire {
            RequiredStepWire::Name(step) => RequiredStep::one(&step),
            RequiredStepWire::Full {
                step,
                quorum,
                holders,
            } => RequiredStep {
                step,
                quorum,
                holders,
            },
        }
    }
}

impl RequiredStep {
    /// A step needing one approval.
    pub fn one(step: &str) -> Self {
        Self {
            step: step.to_owned(),
            quorum: Quorum::Count(1),
            holders: vec![],
        }
    }

    /// The rule it was made from.
    pub fn rule(&self) -> crate::channel::StepRule {
        crate::channel::StepRule {
            step: self.step.clone(),
            quorum: self.quorum,
        }
    }

    /// How many approvals it takes in all.
    pub fn approvals_needed(&self) -> usize {
        match self.quorum {
            Quorum::Count(n) => n as usize,
            Quorum::All => self.holders.len(),
        }
    }

    /// The approvals given for this step.
    pub fn approvals<'a>(
        &'a self,
        approvals: &'a [Approval],
    ) -> impl Iterator<Item = &'a Approval> {
        approvals.iter().filter(move |a| a.step == self.step)
    }

    /// True once enough distinct people (for `all`: every holder) approved it.
    pub fn is_satisfied(&self, approvals: &[Approval]) -> bool {
        match self.quorum {
            Quorum::Count(n) => self.approvals(approvals).count() >= n as usize,
            Quorum::All => self
                .holders
                .iter()
                .all(|h| self.approvals(approvals).any(|a| a.by.id == h.id)),
        }
    }

    /// True when `person` may count towards it: anyone qualified for a counted step, only the
    /// named holders for an `all` step.
    pub fn counts(&self, person: UserId) -> bool {
        match self.quorum {
            Quorum::Count(_) => true,
            Quorum::All => self.holders.iter().any(|h| h.id == person),
        }
    }
}

impl Draft {
    /// The first required step not yet satisfied on the current version.
    pub fn next_required_step(&self) -> Option<&RequiredStep> {
        self.required_steps
            .iter()
            .find(|step| !step.is_satisfied(&self.approvals))
    }

    /// How the server routed the current version, when not the channel's usual way (the
    /// latest `Routed` history entry of this version).
    pub fn route(&self) -> Option<&crate::channel::Route> {
        self.history
            .iter()
            .rev()
            .find_map(|entry| match &entry.event {
                HistoryEvent::Routed { route } if entry.version == self.version => Some(route),
                _ => None,
            })
    }

    /// The reply a pre-approved draft matched, by name.
    pub fn pre_approved_reply(&self) -> Option<&str> {
        match self.route() {
            Some(crate::channel::Route::PreApproved { reply, .. }) => Some(reply),
            _ => None,
        }
    }

    /// The name of [`next_required_step`](Self::next_required_step).
    pub fn next_step(&self) -> Option<&str> {
        self.next_required_step().map(|s| s.step.as_str())
    }

    /// The names of the required steps, in order.
    pub fn step_names(&self) -> Vec<&str> {
        self.required_steps
            .iter()
            .map(|s| s.step.as_str())
            .collect()
    }

    /// Who may edit and withdraw it: its owner when it was handed over, else its author.
    pub fn owner(&self) -> &Person {
        self.owner.as_ref().unwrap_or(&self.author)
    }

    /// Everyone who shaped its text: the author, the owner and every editor. None of them
    /// may ever approve it (four eyes).
    pub fn writers(&self) -> Vec<UserId> {
        let mut ids = vec![self.author.id, self.owner().id];
        for entry in &self.history {
            match &entry.event {
                HistoryEvent::Edited { .. } if !ids.contains(&entry.by.id) => {
                    ids.push(entry.by.id);
                }
                // Edits folded away by the history's cap still count.
                HistoryEvent::Summarised { editors, .. } => {
                    for editor in editors {
                        if !ids.contains(&editor.id) {
                            ids.push(editor.id);
                        }
                    }
                }
                _ => {}
            }
        }
        ids.dedup();
        ids
    }

    /// The urgency its author asked for.
    pub fn requested_urgency(&self) -> Urgency {
        self.requested_urgency.unwrap_or(self.urgency)
    }

    /// How far `at` is past the draft's scheduled time: `None` when it is not scheduled or
    /// `at` is not after the time (exactly on time is on time).
    ///
    /// An approval that lands late is flagged, never dropped: the post may still be worth
    /// publishing, and the publishing tool decides what to do with a late one.
    pub fn late_by(&self, at: DateTime<Utc>) -> Option<TimeDelta> {
        late_after(self.scheduled_at, at)
    }
}

/// [`Draft::late_by`] for a draft known only by its scheduled time (a queue row).
pub fn late_after(scheduled_at: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<TimeDelta> {
    let by = at.signed_duration_since(scheduled_at?);
    (by > TimeDelta::zero()).then_some(by)
}

/// Whole seconds of `by`, rounded up so that any lateness reads as at least one second.
pub fn late_secs(by: TimeDelta) -> u64 {
    let secs = by.num_seconds();
    let rounded = if by > TimeDelta::seconds(secs) {
        secs.saturating_add(1)
    } else {
        secs
    };
    u64::try_from(rounded).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, now};

    fn scheduled(at: Option<DateTime<Utc>>) -> Draft {
        let mut d = fixtures::draft(&fixtures::person(9, "alex"), vec![]);
        d.scheduled_at = at;
        d
    }

    #[test]
    fn a_draft_is_late_only_after_its_scheduled_time() {
        let t = now();
        assert_eq!(
            scheduled(None).late_by(t),
            None,
            "not scheduled, never late"
        );
        let d = scheduled(Some(t));
        assert_eq!(d.late_by(t), None, "exactly on time is on time");
        assert_eq!(d.late_by(t - TimeDelta::minutes(5)), None, "early");
        assert_eq!(
            d.late_by(t + TimeDelta::minutes(125)),
            Some(TimeDelta::minutes(125))
        );
        assert_eq!(
            d.late_by(t + TimeDelta::milliseconds(1)),
            Some(TimeDelta::milliseconds(1))
        );
    }

    #[test]
    fn late_seconds_round_up_so_any_lateness_shows() {
        assert_eq!(late_secs(TimeDelta::milliseconds(1)), 1);
        assert_eq!(late_secs(TimeDelta::seconds(7500)), 7500);
        assert_eq!(late_secs(TimeDelta::milliseconds(7_500_001)), 7501);
        assert_eq!(late_secs(TimeDelta::zero()), 0);
        assert_eq!(late_secs(-TimeDelta::seconds(3)), 0, "never negative");
    }

    #[test]
    fn decided_entries_without_late_secs_still_read_and_on_time_ones_write_none() {
        let old = r#"{"at":"2026-12-02T09:00:00Z","by":{"id":"00000000-0000-0000-0000-000000000001","username":"rita","display_name":"Rita"},"version":1,"event":"decided","decision_id":"00000000-0000-0000-0000-000000000dec","verdict":"approve","step":"review"}"#;
        let entry: HistoryEntry = serde_json::from_str(old).expect("an older entry reads");
        let HistoryEvent::Decided { late_secs, .. } = &entry.event else {
            panic!("a decided entry: {entry:?}");
        };
        assert_eq!(*late_secs, None);
        let written = serde_json::to_string(&entry).expect("serialises");
        assert!(!written.contains("late_secs"), "{written}");
    }
}
