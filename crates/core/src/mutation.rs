//! What a reviewer does to a draft — decisions and annotations — and how the server answers.
//!
//! Every mutation is made on the desktop (offline or not), numbered in the client's outbox,
//! and pushed later. The server answers each with a [`MutationResult`].

use crate::draft::Draft;
use crate::finding::Finding;
use crate::ids::{AnnotationId, DecisionId, DraftId, MutationId};
use crate::wire::SignedReceipt;
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
/// (Read in both directions — a push, and the history of every draft a desktop pulls — so it
/// accepts unknown fields: a desktop keeps working when a newer server adds one. The server
/// refuses them in requests at its boundary, `countersign_server::api::extract`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
/// (Read in both directions — a push, and the history of every draft a desktop pulls — so it
/// accepts unknown fields: a desktop keeps working when a newer server adds one. The server
/// refuses them in requests at its boundary, `countersign_server::api::extract`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextPositionSelector {
    /// First code point.
    pub start: u32,
    /// One past the last code point.
    pub end: u32,
}

/// Where in the body an annotation points. Both selectors are kept so the annotation can be
/// re-anchored after an edit (quote first, position as a hint).
/// (Read in both directions — a push, and the history of every draft a desktop pulls — so it
/// accepts unknown fields: a desktop keeps working when a newer server adds one. The server
/// refuses them in requests at its boundary, `countersign_server::api::extract`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextSelector {
    /// The quoted text.
    pub quote: TextQuoteSelector,
    /// Its position when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<TextPositionSelector>,
}

/// A comment on a draft: on the whole draft now, on a text range later.
/// (Read in both directions — a push, and the history of every draft a desktop pulls — so it
/// accepts unknown fields: a desktop keeps working when a newer server adds one. The server
/// refuses them in requests at its boundary, `countersign_server::api::extract`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
///
/// Its `Deserialize` is written by hand and refuses unknown fields. A derive over
/// `#[serde(flatten)]` of an internally tagged enum would buffer the whole body first, and
/// from that buffer neither `deny_unknown_fields` (which flatten does not support) nor the
/// server's boundary check can see an unknown field, in the mutation or inside its decision
/// or annotation. The payload's key names the kind (`decision` for `decide`, `annotation` for
/// `annotate`), so one pass reads the keys in any order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Position in the client's outbox, from 1.
    pub mutation_id: MutationId,
    /// What it does.
    #[serde(flatten)]
    pub kind: MutationKind,
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["mutation_id", "kind", "decision", "annotation"];

        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "snake_case")]
        enum Field {
            MutationId,
            Kind,
            Decision,
            Annotation,
        }

        #[derive(Clone, Copy, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Decide,
            Annotate,
        }

        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Mutation;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mutation: {mutation_id, kind, decision | annotation}")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Mutation, A::Error> {
                use serde::de::Error;
                let (mut mutation_id, mut kind) = (None, None);
                let (mut decision, mut annotation) = (None, None);
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::MutationId if mutation_id.is_none() => {
                            mutation_id = Some(map.next_value::<MutationId>()?);
                        }
                        Field::Kind if kind.is_none() => kind = Some(map.next_value::<Kind>()?),
                        Field::Decision if decision.is_none() => {
                            decision = Some(map.next_value::<Decision>()?);
                        }
                        Field::Annotation if annotation.is_none() => {
                            annotation = Some(map.next_value::<Annotation>()?);
                        }
                        Field::MutationId => return Err(A::Error::duplicate_field("mutation_id")),
                        Field::Kind => return Err(A::Error::duplicate_field("kind")),
                        Field::Decision => return Err(A::Error::duplicate_field("decision")),
                        Field::Annotation => return Err(A::Error::duplicate_field("annotation")),
                    }
                }
                let mutation_id =
                    mutation_id.ok_or_else(|| A::Error::missing_field("mutation_id"))?;
                let kind = match (kind, decision, annotation) {
                    (None, _, _) => return Err(A::Error::missing_field("kind")),
                    (Some(Kind::Decide), Some(decision), None) => MutationKind::Decide { decision },
                    (Some(Kind::Annotate), None, Some(annotation)) => {
                        MutationKind::Annotate { annotation }
                    }
                    (Some(Kind::Decide), None, _) => {
                        return Err(A::Error::missing_field("decision"));
                    }
                    (Some(Kind::Annotate), _, None) => {
                        return Err(A::Error::missing_field("annotation"));
                    }
                    // The other kind's payload beside this one's: not a field of this kind.
                    (Some(Kind::Decide), Some(_), Some(_)) => {
                        return Err(A::Error::unknown_field("annotation", FIELDS));
                    }
                    (Some(Kind::Annotate), Some(_), Some(_)) => {
                        return Err(A::Error::unknown_field("decision", FIELDS));
                    }
                };
                Ok(Mutation { mutation_id, kind })
            }
        }
        deserializer.deserialize_struct("Mutation", FIELDS, Visit)
    }
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
    /// For an applied decision: the server's signed receipt for it (repeated, the same, in
    /// the answer to a duplicate). Annotations and refusals carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<SignedReceipt>,
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
            receipt: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decision() -> serde_json::Value {
        json!({
            "id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e10",
            "draft_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e11",
            "draft_version": 2,
            "verdict": "approve",
            "comment": ""
        })
    }

    #[test]
    fn a_mutation_reads_back_what_it_writes_with_its_keys_in_any_order() {
        let first = json!({"mutation_id": 3, "kind": "decide", "decision": decision()});
        let last = json!({"decision": decision(), "mutation_id": 3, "kind": "decide"});
        let a: Mutation = serde_json::from_value(first.clone()).expect("kind first reads");
        let b: Mutation = serde_json::from_value(last).expect("kind last reads");
        assert_eq!(a, b, "the order of the keys must not matter");
        assert_eq!(
            serde_json::to_value(&a).expect("writes"),
            first,
            "the wire form is unchanged"
        );
        let note = json!({"mutation_id": 4, "kind": "annotate", "annotation": {
            "id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e12",
            "draft_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e11",
            "draft_version": 2, "body": "why?"}});
        let c: Mutation = serde_json::from_value(note).expect("an annotation reads");
        assert!(matches!(c.kind, MutationKind::Annotate { .. }));
    }

    #[test]
    fn a_mutation_refuses_unknown_missing_and_mismatched_fields() {
        let cases = [
            (
                json!({"mutation_id": 1, "kind": "decide", "decision": decision(), "x": 1}),
                "unknown field `x`",
            ),
            (
                json!({"mutation_id": 1, "kind": "decide"}),
                "missing field `decision`",
            ),
            (
                json!({"kind": "decide", "decision": decision()}),
                "missing field `mutation_id`",
            ),
            (
                json!({"mutation_id": 1, "decision": decision()}),
                "missing field `kind`",
            ),
            (
                json!({"mutation_id": 1, "kind": "annotate", "decision": decision()}),
                "missing field `annotation`",
            ),
            (
                json!({"mutation_id": 1, "kind": "erase", "decision": decision()}),
                "unknown variant `erase`",
            ),
        ];
        for (body, expected) in cases {
            let error = serde_json::from_value::<Mutation>(body.clone())
                .expect_err("a malformed mutation must not read");
            assert!(error.to_string().contains(expected), "{body}: {error}");
        }
        let mut inner = decision();
        inner["typo"] = json!(true);
        let body = json!({"mutation_id": 1, "kind": "decide", "decision": inner});
        assert!(
            serde_json::from_value::<Mutation>(body).is_err(),
            "a decision is a request-only type and refuses unknown fields itself"
        );
    }

    #[test]
    fn types_that_come_back_in_answers_accept_fields_a_newer_server_adds() {
        let annotation = json!({
            "id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e12",
            "draft_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e11",
            "draft_version": 2, "body": "why?", "colour": "red",
            "target": {"quote": {"exact": "a", "since": 2}, "position": {"start": 0, "end": 1, "unit": "cp"}, "new": 1}
        });
        serde_json::from_value::<Annotation>(annotation)
            .expect("an annotation in a draft's history must tolerate new fields");
    }
}
