//! What can go wrong while talking to the server.
//!
//! Errors about the server's answer name the server (its address as signed in to) and say
//! in words what was wrong with the answer. They never quote what the server sent beyond a
//! short, cleaned sentence of its own error body: a hostile or broken server must not be able
//! to fill the window's status line with its text, control characters or megabytes.

use countersign_core::wire::codes;
use countersign_store::StoreError;

/// A failed call or sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server address is not a usable `http(s)://` URL.
    #[error("{0:?} is not a server address: use http://host:port or https://host")]
    InvalidServerUrl(String),
    /// The server could not be reached (no network, refused, timed out).
    #[error("cannot reach the server: {0}")]
    Offline(#[source] reqwest::Error),
    /// The connection broke while the answer was arriving.
    #[error("the connection to the server broke mid-answer: {0}")]
    Interrupted(#[source] reqwest::Error),
    /// The server answered something that is not the protocol: not JSON, a field missing or
    /// of the wrong type, more than Countersign reads, a cursor that goes back, a draft or a
    /// result it did not ask for. Nothing from that answer was applied.
    #[error("the server at {server} answered {} with something Countersign cannot read: {detail}; nothing from it was saved", call_name(.endpoint))]
    Malformed {
        /// Which call.
        endpoint: &'static str,
        /// The server's address.
        server: String,
        /// What was wrong with it, in words (never the server's own text).
        detail: String,
    },
    /// The server answered with a redirect. Countersign never follows one: the bearer token
    /// and the reviewer's decisions go only to the address they signed in to.
    #[error("the server at {server} redirected {} to {location}; Countersign does not follow redirects: if the server has moved, sign in with its new address", call_name(.endpoint))]
    Redirected {
        /// Which call.
        endpoint: &'static str,
        /// The server's address.
        server: String,
        /// Where it pointed, as scheme, host and port only (or "another address").
        location: String,
    },
    /// The server's answer was longer than Countersign reads for that call. It stopped
    /// reading there: a broken or hostile server cannot make the desktop hold an answer of
    /// any size in memory.
    #[error("the server at {server} answered {} with more than {limit_mib} MiB, more than Countersign reads; nothing from it was saved", call_name(.endpoint))]
    TooLarge {
        /// Which call.
        endpoint: &'static str,
        /// The server's address.
        server: String,
        /// The limit, in MiB.
        limit_mib: usize,
    },
    /// The server refused the call with an error body.
    #[error("the server at {server} refused {} ({status}, {code}): {message}", call_name(.endpoint))]
    Refused {
        /// Which call.
        endpoint: &'static str,
        /// The server's address.
        server: String,
        /// HTTP status.
        status: u16,
        /// The machine-readable code from the error body (cleaned and shortened).
        code: String,
        /// The server's sentence (cleaned and shortened).
        message: String,
    },
    /// The local cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking task was lost (the runtime is shutting down).
    #[error("a background task stopped unexpectedly: {0}")]
    Task(String),
}

impl SyncError {
    /// True for failures worth trying again soon: the network, a cut-off answer, a server
    /// that is overloaded or restarting. A malformed answer or a redirect is not retried at
    /// once (it will not fix itself in a second) but the next sync tries again.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Offline(_) | SyncError::Interrupted(_) => true,
            SyncError::Refused { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// True when the server could not be reached at all.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Offline(_))
    }

    /// True when the server's answer broke the protocol (see [`SyncError::Malformed`],
    /// [`SyncError::TooLarge`] and [`SyncError::Redirected`]): the server, or something pretending to be it, is at
    /// fault, not the network.
    pub fn is_bad_answer(&self) -> bool {
        matches!(
            self,
            SyncError::Malformed { .. } | SyncError::Redirected { .. } | SyncError::TooLarge { .. }
        )
    }

    /// The server's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            SyncError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The access token expired: refresh and try again.
    pub fn is_token_expired(&self) -> bool {
        self.code() == Some(codes::TOKEN_EXPIRED)
    }

    /// The session is gone for good (revoked, user disabled): local data must be wiped.
    pub fn is_session_revoked(&self) -> bool {
        self.code() == Some(codes::SESSION_REVOKED)
    }

    /// The server does not know the token at all: sign in again.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, SyncError::Refused { status: 401, .. })
            && !self.is_token_expired()
            && !self.is_session_revoked()
    }
}

/// A call as the reviewer would say it, for messages.
fn call_name(endpoint: &str) -> &str {
    match endpoint {
        "changes" => "the request for changes",
        "push" => "the decisions sent",
        "sign-in" => "the sign-in",
        "refresh" => "the session refresh",
        "sign-out" => "the sign-out",
        "policy" => "the request for the policy pack",
        "access" => "the request for the access list",
        "crisis on" => "turning crisis mode on",
        "crisis off" => "turning crisis mode off",
        other => other,
    }
}
