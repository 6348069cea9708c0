//! Reviewer receipts: what the server signs when it applies a decision, so a reviewer can
//! later prove what they decided on ("I approved the version without the price") without
//! anyone trusting the server's database.
//!
//! The signature covers the receipt's canonical JSON (`countersign_audit::canonical`) after
//! the line `countersign-receipt/1`; `countersign_audit::receipt` signs and verifies. Every
//! field is a string, an integer, a boolean or null, and the time is written with exactly six
//! fractional digits, so the JSON a receipt is read from and the JSON it is written as are
//! the same text: anyone holding the public key can check it with any RFC 8785 (JCS)
//! implementation, not only this crate.

use crate::draft::Person;
use crate::ids::{DecisionId, DraftId};
use crate::mutation::Verdict;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where the server's audit log stood right after the decision's event: a log cut short
/// afterwards is caught by whoever holds a receipt with a later position.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditHead {
    /// The decision's event, by its place in the log (from 1).
    pub position: u64,
    /// That event's chain hash (hex SHA-256).
    pub hash: String,
}

/// What the server vouches for about one applied decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// The decision (made on the client).
    pub decision_id: DecisionId,
    /// The draft decided on.
    pub draft_id: DraftId,
    /// The version decided on.
    pub draft_version: u64,
    /// Hex SHA-256 of that version's body, its exact UTF-8 text.
    pub content_sha256: String,
    /// What was decided.
    pub verdict: Verdict,
    /// The approval step it satisfied, for an approval.
    pub step: Option<String>,
    /// Whether the reviewer approved over a blocking policy finding (the reason itself is
    /// in the audit log; a receipt says only that one was given).
    pub override_reason: bool,
    /// Who decided: the signed-in account that pushed the decision.
    pub reviewer: Person,
    /// When the server applied it (server time, to the microsecond).
    #[serde(with = "micros")]
    pub decided_at: DateTime<Utc>,
    /// The decision's audit event.
    pub audit: AuditHead,
    /// Which signing key signed it: the first 16 hex digits of the SHA-256 of the public key.
    pub key_id: String,
}

/// A receipt and the server's signature over it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedReceipt {
    /// What is vouched for.
    pub receipt: Receipt,
    /// Ed25519 signature, standard base64 (with padding).
    pub signature: String,
}

/// `GET /api/v1/receipts/key`: the public half of the server's receipt-signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptKey {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, standard base64 (with padding).
    pub public_key: String,
    /// The receipts' `key_id` for this key.
    pub key_id: String,
}

/// Times written `2026-12-03T15:20:00.000000Z` whatever their value, so the text read back
/// is the text that was signed.
mod micros {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn receipt() -> serde_json::Value {
        json!({
            "decision_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e10",
            "draft_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e11",
            "draft_version": 2,
            "content_sha256": "ab".repeat(32),
            "verdict": "approve",
            "step": "review",
            "override_reason": false,
            "reviewer": {
                "id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e12",
                "username": "rita",
                "display_name": "Rita Reviewer"
            },
            "decided_at": "2026-12-03T15:20:00.120000Z",
            "audit": {"position": 7, "hash": "cd".repeat(32)},
            "key_id": "0123456789abcdef"
        })
    }

    #[test]
    fn a_receipt_is_written_back_as_the_very_json_it_was_read_from() {
        let signed = json!({"receipt": receipt(), "signature": "c2ln"});
        let read: SignedReceipt = serde_json::from_value(signed.clone()).expect("reads");
        assert_eq!(
            serde_json::to_value(&read).expect("writes"),
            signed,
            "a signature over the written form must hold for the form read back"
        );
    }

    #[test]
    fn a_receipt_without_a_step_says_null_rather_than_leaving_the_field_out() {
        let mut value = receipt();
        value["step"] = serde_json::Value::Null;
        let read: Receipt = serde_json::from_value(value.clone()).expect("reads");
        assert_eq!(read.step, None);
        assert_eq!(serde_json::to_value(&read).expect("writes"), value);
    }
}
