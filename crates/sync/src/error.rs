//! What can go wrong while talking to the server.

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
    /// The server answered something that is not the protocol (truncated or malformed JSON,
    /// or not JSON at all). Nothing from that answer was applied.
    #[error("the server sent an answer Countersign cannot read ({endpoint}): {detail}")]
    Malformed {
        /// Which call.
        endpoint: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The server refused the call with an error body.
    #[error("the server refused {endpoint} ({status}, {code}): {message}")]
    Refused {
        /// Which call.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// The machine-readable code from the error body.
        code: String,
        /// The server's sentence.
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
    /// that is overloaded or restarting. A malformed answer is not retried at once (it
    /// will not fix itself in a second) but the next sync tries again.
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
