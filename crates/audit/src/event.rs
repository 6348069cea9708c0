//! One audit event, how it is linked to the one before it, and its hash.

use crate::canonical::canonical;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What every event hash starts with, so a hash of this format can never be mistaken for
/// (or collide by construction with) a hash of anything else, and a later format can say so.
const DOMAIN: &str = "countersign-audit/1\n";

/// Who did it: their account id and sign-in name as they were at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    /// Account id.
    pub id: Uuid,
    /// Sign-in name then.
    pub username: String,
}

/// Which draft it concerned: the version, and the SHA-256 of that version's exact text
/// ([`content_sha256`]), so "I approved the version without the price" can be checked
/// against the text itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRef {
    /// Draft id.
    pub id: Uuid,
    /// The version it concerned.
    pub version: u64,
    /// Hex SHA-256 of that version's body.
    pub content_sha256: String,
}

/// Through what it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The HTTP API, from a signed-in session (the desktop, the admin API).
    Api,
    /// The server's console (`countersign-server …` on the server's machine).
    Cli,
    /// The server itself (the demo seed, the webhook deliverer).
    Server,
}

impl Via {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Cli => "cli",
            Via::Server => "server",
        }
    }

    /// The value of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "api" => Some(Via::Api),
            "cli" => Some(Via::Cli),
            "server" => Some(Via::Server),
            _ => None,
        }
    }
}

/// An event as its writer describes it; the log gives it a position and links it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Server time.
    pub at: DateTime<Utc>,
    /// One of [`crate::kinds`].
    pub kind: String,
    /// Who, when someone signed in (or the console operator) did it.
    pub actor: Option<ActorRef>,
    /// Through what.
    pub via: Via,
    /// From which session, when it came through the API.
    pub session: Option<Uuid>,
    /// The draft it concerned.
    pub draft: Option<DraftRef>,
    /// What else an auditor needs, as a JSON object. Never a password, token or secret.
    pub detail: Value,
}

impl NewEvent {
    /// An event of `kind` at `at`, with nobody, no draft and an empty detail.
    pub fn new(at: DateTime<Utc>, kind: &str, via: Via) -> Self {
        Self {
            at,
            kind: kind.to_owned(),
            actor: None,
            via,
            session: None,
            draft: None,
            detail: Value::Object(serde_json::Map::new()),
        }
    }

    /// The event at `position`, after the event whose hash is `prev_hash` ([`GENESIS`] for
    /// the first), with its hash. Its time is cut to whole microseconds: the stored text
    /// holds no more, and the hash must be of what is stored.
    pub fn link(self, position: u64, prev_hash: String) -> Event {
        let mut event = Event {
            position,
            at: self.at.trunc_subsecs(6),
            kind: self.kind,
            actor: self.actor,
            via: self.via,
            session: self.session,
            draft: self.draft,
            detail: match self.detail {
                Value::Null => Value::Object(serde_json::Map::new()),
                detail => detail,
            },
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.computed_hash();
        event
    }
}

/// An event as the log holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its place in the log, from 1, without gaps.
    pub position: u64,
    /// Server time, to the microsecond.
    #[serde(with = "micros")]
    pub at: DateTime<Utc>,
    /// One of [`crate::kinds`] (or a kind of a newer server).
    pub kind: String,
    /// Who.
    pub actor: Option<ActorRef>,
    /// Through what.
    pub via: Via,
    /// From which session.
    pub session: Option<Uuid>,
    /// The draft it concerned.
    pub draft: Option<DraftRef>,
    /// The rest, a JSON object.
    pub detail: Value,
    /// The hash of the event before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// The hash of this event as it was written.
    pub hash: String,
}

impl Event {
    /// What the hash covers: every field but the hash itself.
    fn hashed(&self) -> Value {
        json!({
            "position": self.position,
            "at": text_of(self.at),
            "kind": self.kind,
            "actor": self.actor,
            "via": self.via,
            "session": self.session,
            "draft": self.draft,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        })
    }

    /// The hex SHA-256 of this event's canonical form as it is now: equal to [`Event::hash`]
    /// unless something was changed after it was written.
    pub fn computed_hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(DOMAIN.as_bytes());
        hasher.update(canonical(&self.hashed()).as_bytes());
        hex(&hasher.finalize())
    }

    /// Where the log stood after this event.
    pub fn head(&self) -> Head {
        Head {
            position: self.position,
            hash: self.hash.clone(),
        }
    }
}

/// The log as it stood after one event: handed out in receipts and webhook deliveries, so
/// a log cut short afterwards is caught by whoever holds one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Head {
    /// The event's position.
    pub position: u64,
    /// Its hash.
    pub hash: String,
}

/// The hex SHA-256 of a text's UTF-8 bytes: how the log, receipts and exports name the exact
/// content of a draft version.
pub fn content_sha256(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()))
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The time as the log writes it: `2026-12-03T15:20:00.000000Z`.
fn text_of(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Times as the log writes them, in exports too.
mod micros {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::text_of(*at))
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
    use crate::kinds;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        // A time with nanoseconds, which the log cuts to microseconds.
        Utc.with_ymd_and_hms(2026, 12, 3, 15, 20, 0)
            .single()
            .map(|t| t + chrono::TimeDelta::nanoseconds(123_456_789))
            .unwrap_or_default()
    }

    fn decision() -> NewEvent {
        NewEvent {
            actor: Some(ActorRef {
                id: Uuid::from_u128(7),
                username: "ana".into(),
            }),
            session: Some(Uuid::from_u128(9)),
            draft: Some(DraftRef {
                id: Uuid::from_u128(3),
                version: 2,
                content_sha256: content_sha256("Back at 9 tomorrow."),
            }),
            detail: json!({"verdict": "approve", "step": "review"}),
            ..NewEvent::new(at(), kinds::DECISION, Via::Api)
        }
    }

    #[test]
    fn a_linked_event_hashes_to_its_hash_and_survives_a_json_round_trip() {
        let event = decision().link(1, GENESIS.to_owned());
        assert_eq!(event.computed_hash(), event.hash);
        assert_eq!(event.at.timestamp_subsec_nanos(), 123_456_000);
        let text = serde_json::to_string(&event).unwrap_or_default();
        let back: Event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(back, event);
        assert_eq!(back.computed_hash(), event.hash);
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let event = decision().link(5, GENESIS.to_owned());
        type Edit = Box<dyn Fn(&mut Event)>;
        let edits: Vec<Edit> = vec![
            Box::new(|e| e.position += 1),
            Box::new(|e| e.at += chrono::TimeDelta::microseconds(1)),
            Box::new(|e| e.kind = kinds::OVERRIDE.into()),
            Box::new(|e| e.actor = None),
            Box::new(|e| e.via = Via::Cli),
            Box::new(|e| e.session = None),
            Box::new(|e| {
                if let Some(d) = e.draft.as_mut() {
                    d.version = 1;
                }
            }),
            Box::new(|e| {
                if let Some(d) = e.draft.as_mut() {
                    d.content_sha256 = content_sha256("Back at 9 tomorrow, for £5.");
                }
            }),
            Box::new(|e| e.detail = json!({"verdict": "reject", "step": "review"})),
            Box::new(|e| e.prev_hash = "1".repeat(64)),
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut changed = event.clone();
            edit(&mut changed);
            assert_ne!(
                changed.computed_hash(),
                event.hash,
                "edit {i} went unnoticed"
            );
        }
    }

    #[test]
    fn the_hash_of_a_known_event_never_changes() {
        // Pinned: a change of the canonical form would orphan every log already written.
        let event = NewEvent::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            kinds::TEAM_CREATED,
            Via::Cli,
        )
        .link(1, GENESIS.to_owned());
        assert_eq!(
            canonical(&event.hashed()),
            r#"{"actor":null,"at":"2026-01-01T00:00:00.000000Z","detail":{},"draft":null,"kind":"team_created","position":1,"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","session":null,"via":"cli"}"#
        );
        assert_eq!(event.hash.len(), 64);
    }

    #[test]
    fn content_hashes_are_of_the_exact_text() {
        assert_eq!(
            content_sha256(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(content_sha256("a"), content_sha256("a "));
    }
}
