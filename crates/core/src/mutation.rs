//! What a reviewer does to a draft — decisions and annotations — and how the server answers.
//!
//! Every mutation is made on the desktop (offline or not), numbered in the client's outbox,
//! and pushed later. The server answers each with a [`MutationResult`].

use crate::draft::Draft;
use crate::finding::Finding;
use crate::ids::{AnnotationId, DecisionId, DraftId, MutationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A reviewer's verdict on one version of a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Satisfies the draft's next required step.
    Approve,
    /// Refuses the draft; ends the round for good.
    Reject,
    /// Sends it back to the author; ends the round until the author edits.
    RequestChanges,
}

impl Verdict {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
            Verdict::RequestChanges => "request_changes",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Verdict::Approve, Verdict::Reject, Verdict::RequestChanges]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A decision, made on the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Made by the client (UUIDv7).
    pub id: DecisionId,
    /// The draft decided on.
    pub draft_id: DraftId,
    /// The version the reviewer saw. The decision applies only to that version.
    pub draft_version: u64,
    /// What they decided.
    pub verdict: Verdict,
    /// Their comment (required when requesting changes).
    #[serde(default)]
    pub comment: String,
    /// Why they approved over a blocking policy finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The client's clock when it was made: shown to people, never used for ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_time: Option<DateTime<Utc>>,
}

/// W3C Web Annotation `TextQuoteSelector`: the quoted text and a little context either side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TextQuoteSelector {
    /// The exact text annotated.
    pub exact: String,
    /// Text just before it.
    #[serde(default)]
    pub prefix: String,
    /// Text just after it.
    #[serde(default)]
    pub suffix: String,
}

/// W3C Web Annotation `TextPositionSelector`, in Unicode code points, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TextPositionSelector {
    /// First code point.
    pub start: u32,
    /// One past the last code point.
    pub end: u32,
}

/// Where in the body an annotation points. Both selectors are kept so the annotation can be
/// re-anchored after an edit (quote first, position as a hint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TextSelector {
    /// The quoted text.
    pub quote: TextQuoteSelector,
    /// Its position when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<TextPositionSelector>,
}

/// A comment on a draft: on the whole draft now, on a text range later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    /// Made by the client (UUIDv7).
    pub id: AnnotationId,
    /// The draft commented on.
    pub draft_id: DraftId,
    /// The version the reviewer saw.
    pub draft_version: u64,
    /// The comment.
    pub body: String,
    /// A suggested replacement for the selected text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The text range; `None` for a comment on the whole draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TextSelector>,
}

/// One entry of a client's outbox, as pushed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Position in the client's outbox, from 1.
    pub mutation_id: MutationId,
    /// What it does.
    #[serde(flatten)]
    pub kind: MutationKind,
}

/// The kinds of [`Mutation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MutationKind {
    /// Approve, reject or request changes.
    Decide {
        /// The decision.
        decision: Decision,
    },
    /// Comment.
    Annotate {
        /// The annotation.
        annotation: Annotation,
    },
}

impl MutationKind {
    /// The draft the mutation is about.
    pub fn draft_id(&self) -> DraftId {
        match self {
            MutationKind::Decide { decision } => decision.draft_id,
            MutationKind::Annotate { annotation } => annotation.draft_id,
        }
    }

    /// The draft version the mutation was made on.
    pub fn draft_version(&self) -> u64 {
        match self {
            MutationKind::Decide { decision } => decision.draft_version,
            MutationKind::Annotate { annotation } => annotation.draft_version,
        }
    }
}

/// How the server answered one mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Done, now.
    Applied,
    /// Seen before; the result of the first time is repeated in `first_status`.
    Duplicate,
    /// Refused because the draft moved on; `reason` and `draft` say how.
    Conflict,
    /// The user may not do this (role, team or step).
    Forbidden,
    /// Not a well-formed mutation, or out of order (`code` `mutation_gap`: not processed,
    /// send again in order); `message` says why.
    Invalid,
}

impl MutationStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MutationStatus::Applied => "applied",
            MutationStatus::Duplicate => "duplicate",
            MutationStatus::Conflict => "conflict",
            MutationStatus::Forbidden => "forbidden",
            MutationStatus::Invalid => "invalid",
        }
    }
}

/// Why a mutation could not apply to the draft as it is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// The draft was edited after the reviewer saw it.
    StaleVersion,
    /// Someone else's decision got there first.
    AlreadyDecided,
    /// The author withdrew the draft.
    Withdrawn,
    /// Crisis mode holds the draft back; it returns to review when crisis mode ends.
    Held,
}

impl ConflictReason {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConflictReason::StaleVersion => "stale_version",
            ConflictReason::AlreadyDecided => "already_decided",
            ConflictReason::Withdrawn => "withdrawn",
            ConflictReason::Held => "held",
        }
    }

    /// A sentence for people.
    pub const fn describe(self) -> &'static str {
        match self {
            ConflictReason::StaleVersion => {
                "the draft changed since that version; reload it and try again"
            }
            ConflictReason::AlreadyDecided => "the draft has already been decided",
            ConflictReason::Withdrawn => "the author withdrew the draft",
            ConflictReason::Held => {
                "crisis mode holds the draft back; it comes back for review when crisis mode ends"
            }
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ConflictReason::StaleVersion,
            ConflictReason::AlreadyDecided,
            ConflictReason::Withdrawn,
            ConflictReason::Held,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// The server's answer to one mutation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    /// The mutation answered.
    pub mutation_id: MutationId,
    /// What happened.
    pub status: MutationStatus,
    /// For a duplicate: what happened the first time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_status: Option<MutationStatus>,
    /// For a conflict: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ConflictReason>,
    /// For forbidden or invalid: a sentence for the reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a conflict: the draft as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<Box<Draft>>,
    /// For a refusal clients act on: a machine-readable code from [`crate::wire::codes`]
    /// (`override_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For `override_required`: the policy guard's findings on the version decided on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For `mutation_gap`: the id the server expects next from this client (its
    /// `last_mutation_id` + 1). The mutation was not processed; the client re-sends from
    /// this id on (see [`crate::wire::codes::MUTATION_GAP`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_mutation_id: Option<MutationId>,
}

impl MutationResult {
    /// The mutation was applied.
    pub fn applied(mutation_id: MutationId) -> Self {
        Self {
            mutation_id,
            status: MutationStatus::Applied,
            first_status: None,
            reason: None,
            message: None,
            draft: None,
            code: None,
            findings: vec![],
            expected_mutation_id: None,
        }
    }

    /// A repeat of an earlier answer to the same mutation.
    pub fn duplicate_of(first: &MutationResult) -> Self {
        Self {
            status: MutationStatus::Duplicate,
            first_status: Some(first.effective_status()),
            ..first.clone()
        }
    }

    /// What actually happened to the mutation, looking through duplicates.
    pub fn effective_status(&self) -> MutationStatus {
        match (self.status, self.first_status) {
            (MutationStatus::Duplicate, Some(first)) => first,
            (status, _) => status,
        }
    }

    /// True when the mutation took effect on the server (now or the first time).
    pub fn took_effect(&self) -> bool {
        self.effective_status() == MutationStatus::Applied
    }
}
