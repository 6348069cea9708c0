//! Who a change comes from, for the audit log: every write to storage carries a [`Trail`],
//! and the backend turns it into the change's event in the same transaction.

use crate::directory::console_operator;
use crate::sessions::Authenticated;
use chrono::{DateTime, Utc};
use countersign_audit::{ActorRef, DraftRef, NewEvent, Via, content_sha256};
use countersign_core::{Draft, Person};
use serde_json::Value;
use uuid::Uuid;

/// Who did it, from which session, through what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trail {
    /// The person acting: the signed-in user, the console operator, or nobody (the server
    /// itself, or a sign-in whose account is not known yet).
    pub by: Option<Person>,
    /// Their session, when it came through the API.
    pub session: Option<Uuid>,
    /// Through what.
    pub via: Via,
}

impl Trail {
    /// A request of a signed-in caller.
    pub fn api(caller: &Authenticated) -> Self {
        Self {
            by: Some(caller.user.person()),
            session: Some(caller.session_id),
            via: Via::Api,
        }
    }

    /// An administrator at the server's console (the CLI), where nobody is signed in: the
    /// [`console_operator`].
    pub fn console() -> Self {
        Self {
            by: Some(console_operator()),
            session: None,
            via: Via::Cli,
        }
    }

    /// The server itself (the demo seed, the webhook deliverer).
    pub fn server() -> Self {
        Self {
            by: None,
            session: None,
            via: Via::Server,
        }
    }

    /// An API request before anyone is known to have made it (a sign-in, a refresh): the
    /// backend or the caller names the person once it is found.
    pub fn anonymous_api() -> Self {
        Self {
            by: None,
            session: None,
            via: Via::Api,
        }
    }

    /// The person a draft's history names for what this trail does: the server acting on
    /// its own (the demo seed) is written as the console operator there.
    pub fn person(&self) -> Person {
        self.by.clone().unwrap_or_else(console_operator)
    }

    /// The same trail, by `person` in `session`.
    pub fn as_person(self, person: Person, session: Option<Uuid>) -> Self {
        Self {
            by: Some(person),
            session: session.or(self.session),
            via: self.via,
        }
    }

    /// The event of `kind` this trail leaves at `at`, about `draft`, with `detail` (a JSON
    /// object; never a password, token or secret).
    pub fn event(
        &self,
        at: DateTime<Utc>,
        kind: &str,
        draft: Option<DraftRef>,
        detail: Value,
    ) -> NewEvent {
        NewEvent {
            actor: self.by.as_ref().map(actor_ref),
            session: self.session,
            draft,
            detail,
            ..NewEvent::new(at, kind, self.via)
        }
    }
}

/// A person as the log names them.
pub fn actor_ref(person: &Person) -> ActorRef {
    ActorRef {
        id: person.id.0,
        username: person.username.clone(),
    }
}

/// The draft as it is now: its version and the SHA-256 of its body.
pub fn draft_ref(draft: &Draft) -> DraftRef {
    DraftRef {
        id: draft.id.0,
        version: draft.version,
        content_sha256: content_sha256(&draft.body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_audit::kinds;
    use countersign_core::UserId;
    use serde_json::json;

    #[test]
    fn an_event_names_the_trail_s_person_session_and_way_in() {
        let person = Person {
            id: UserId(Uuid::from_u128(4)),
            username: "ana".into(),
            display_name: "Ana".into(),
        };
        let session = Uuid::from_u128(5);
        let trail = Trail::anonymous_api().as_person(person, Some(session));
        let at = crate::fixtures::t0();
        let event = trail.event(at, kinds::SIGN_IN, None, json!({"two_factor": false}));
        assert_eq!(
            event.actor,
            Some(ActorRef {
                id: Uuid::from_u128(4),
                username: "ana".into()
            })
        );
        assert_eq!(event.session, Some(session));
        assert_eq!(event.via, Via::Api);
        assert_eq!(event.kind, kinds::SIGN_IN);
        assert_eq!(event.at, at);

        let console = Trail::console().event(at, kinds::TEAM_CREATED, None, json!({}));
        assert_eq!(console.via, Via::Cli);
        assert_eq!(
            console.actor.map(|a| a.username),
            Some(console_operator().username)
        );
        let server = Trail::server().event(at, kinds::TEAM_CREATED, None, json!({}));
        assert_eq!(
            (server.via, server.actor, server.session),
            (Via::Server, None, None)
        );
    }
}
