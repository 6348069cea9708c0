//! The domain of Countersign, shared by the desktop and the central service.
//!
//! A **draft** is a post or reply someone wants to publish on one of the organisation's
//! social-media channels. Before it goes out it must collect the approvals each of its
//! **required steps** needs (for example one for `review`, then two for `legal`), from
//! different people allowed to take that step — never from whoever wrote or edited it. A **decision** (approve, reject, request changes) is made by a
//! reviewer on one exact **version** of a draft; an edit bumps the version, and approvals made
//! on an older version stop counting. An **annotation** is a comment on a draft.
//!
//! Each draft is written for a **channel** (an account on a network, owned by a team) whose
//! policy, set by administrators, gives its steps and how many people each needs
//! ([`channel`]). **Crisis mode** ([`crisis`]) makes every draft on its channels a crisis
//! draft that only spokespeople approve, and holds approved posts back. A **leaver's** open
//! work moves to a successor in one step ([`handover`]).
//!
//! The rules live in [`approval`], [`channel`], [`crisis`] and [`handover`] as pure
//! functions over these types, so the server enforces them and the desktop asks them what a
//! reviewer may do, both from one source.
//! [`wire`] holds the JSON shapes of the `/api/v1` protocol; they are the contract every
//! client and test relies on.
//!
//! Nothing here does I/O, reads a clock or makes random numbers: callers pass `now` and ids.
#![deny(missing_docs)]

pub mod anchor;
pub mod approval;
pub mod channel;
pub mod crisis;
pub mod draft;
pub mod finding;
pub mod handover;
pub mod ids;
pub mod limits;
pub mod mutation;
pub mod sensitive;
pub mod versions;
pub mod wire;

#[cfg(test)]
mod fixtures;

pub use approval::{Actor, Refusal};
pub use channel::{Channel, ChannelAccess, ChannelRules, PolicyError, Quorum, StepRule};
pub use crisis::{CrisisChannels, CrisisState};
pub use draft::{
    Approval, Draft, DraftStatus, HistoryEntry, HistoryEvent, InReplyTo, Media, Network, Person,
    RequiredStep, Role, Urgency,
};
pub use finding::{Category, Finding, Measure, Severity, Span};
pub use ids::{AnnotationId, ChannelId, ClientId, DecisionId, DraftId, MutationId, TeamId, UserId};
pub use mutation::{
    Annotation, ConflictReason, Decision, Mutation, MutationKind, MutationResult, MutationStatus,
    TextPositionSelector, TextQuoteSelector, TextSelector, Verdict,
};
pub use sensitive::Sensitive;
