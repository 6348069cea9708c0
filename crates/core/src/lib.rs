//! The domain of Countersign, shared by the desktop and the central service.
//!
//! A **draft** is a post or reply someone wants to publish on one of the organisation's
//! social-media channels. Before it goes out it must collect one approval for each of its
//! **required steps** (for example `review`, then `legal`), each from a different person
//! allowed to take that step. A **decision** (approve, reject, request changes) is made by a
//! reviewer on one exact **version** of a draft; an edit bumps the version, and approvals made
//! on an older version stop counting. An **annotation** is a comment on a draft.
//!
//! The rules live in [`approval`] as pure functions over these types, so the server can
//! enforce them and the desktop can show what the next step needs, both from one source.
//! [`wire`] holds the JSON shapes of the `/api/v1` protocol; they are the contract every
//! client and test relies on.
//!
//! Nothing here does I/O, reads a clock or makes random numbers: callers pass `now` and ids.
#![deny(missing_docs)]

pub mod approval;
pub mod draft;
pub mod ids;
pub mod mutation;
pub mod sensitive;
pub mod wire;

pub use approval::{Actor, Refusal};
pub use draft::{
    Approval, Draft, DraftStatus, HistoryEntry, HistoryEvent, InReplyTo, Media, Network, Person,
    Role, Urgency,
};
pub use ids::{AnnotationId, ClientId, DecisionId, DraftId, MutationId, TeamId, UserId};
pub use mutation::{
    Annotation, ConflictReason, Decision, Mutation, MutationKind, MutationResult, MutationStatus,
    TextPositionSelector, TextQuoteSelector, TextSelector, Verdict,
};
pub use sensitive::Sensitive;
