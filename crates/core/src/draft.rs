//! Drafts and the people and events around them.

use crate::ids::{DecisionId, DraftId, TeamId, UserId};
use crate::mutation::{Annotation, Verdict};
use chrono::{DateTime, Utc};
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
    /// Paused by an administrator (for example during a crisis); not decidable.
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
    },
    /// Someone commented.
    Annotated {
        /// The annotation.
        annotation: Annotation,
    },
    /// The author took the draft back.
    Withdrawn,
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
    /// The team whose reviewers decide it.
    pub team: TeamId,
    /// The text to publish.
    pub body: String,
    /// Who wrote it.
    pub author: Person,
    /// How soon it needs a decision.
    pub urgency: Urgency,
    /// When it is meant to go out, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The approval steps it needs, in order.
    pub required_steps: Vec<String>,
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
    /// What happened to it, oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

impl Draft {
    /// The first required step that has no approval on the current version yet.
    pub fn next_step(&self) -> Option<&str> {
        self.required_steps
            .iter()
            .find(|step| !self.approvals.iter().any(|a| &a.step == *step))
            .map(String::as_str)
    }
}
