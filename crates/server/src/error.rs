//! The crate's error type. Storage has its own ([`StorageError`]) because it is the seam
//! between backends; everything above it speaks [`ServerError`], and the HTTP layer turns
//! that into a status and a machine-readable code.

use crate::storage::StorageError;
use countersign_core::Refusal;

/// Why a sign-in or an authenticated request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Wrong username or wrong password: deliberately indistinguishable.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed sign-ins for this username recently.
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts {
        /// Seconds until the oldest counted failure leaves the window.
        retry_after_secs: u64,
    },
    /// The password was right, but the account also needs a code from its authenticator
    /// app and the sign-in had none.
    #[error("enter the 6-digit code from your authenticator app")]
    TotpRequired,
    /// No token, or one the server does not know.
    #[error("sign in first: the request has no valid access token")]
    Unauthenticated,
    /// A known access token past its expiry: refresh and retry.
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    /// The session was revoked (sign-out, leaver, stolen refresh token): sign in again.
    #[error("this session has been revoked; sign in again")]
    SessionRevoked,
    /// The refresh token is past its expiry: sign in again.
    #[error("the session has expired; sign in again")]
    SessionExpired,
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The storage backend failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing a password failed (bad parameters; should not happen).
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// The data directory or a database file could not be made private to the service's
    /// user (see [`crate::open`]).
    #[error("cannot make {} readable by this user only: {source}", path.display())]
    Permissions {
        /// The directory or file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The receipt-signing key could not be read or made (see [`crate::receipts`]).
    #[error(transparent)]
    ReceiptKey(#[from] crate::receipts::KeyFileError),
    /// A blocking task panicked or was cancelled.
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Authentication failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A stored or given TOTP secret is unusable.
    #[error(transparent)]
    Totp(#[from] crate::auth::totp::TotpError),
    /// The thing asked for does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this; the message says why.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself is wrong; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The password was right, but the two-factor policy covers one of the account's roles
    /// and it has no authenticator enrolled; the message names the enrol command.
    #[error("{0}")]
    EnrolmentRequired(String),
    /// The approval rules refused the action.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The stored policy pack cannot be used by this build (it was checked when set).
    #[error("{0}")]
    Policy(String),
    /// The server has no room for this request now (every password-hashing place taken, or
    /// the sign-in limiter full); the message says which. Worth retrying shortly.
    #[error("{0}")]
    Busy(String),
    /// A push with more mutations than the server accepts at once.
    #[error("a push may carry at most {max} mutations; this one has {got}: split it")]
    TooManyMutations {
        /// The most accepted.
        max: usize,
        /// How many were sent.
        got: usize,
    },
    /// A field over its cap (`countersign_core::limits`); the message names the field and
    /// the cap. Nothing was changed.
    #[error(transparent)]
    OverLimit(#[from] countersign_core::limits::LimitError),
    /// A suggestion that cannot be accepted as the draft is now. Nothing was changed.
    #[error(transparent)]
    Suggestion(#[from] SuggestionRefusal),
}

/// Why an author cannot accept a reviewer's suggestion (see
/// [`drafts::accept_suggestion`](crate::drafts::accept_suggestion)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SuggestionRefusal {
    /// The words it would replace are no longer in the draft.
    #[error(
        "the words this suggestion replaces are no longer in the draft (it was edited since); \
         edit the draft by hand instead"
    )]
    Detached,
    /// It was accepted already, at that version.
    #[error("this suggestion was accepted already, making version {version}")]
    AlreadyAccepted {
        /// The version accepting it made.
        version: u64,
    },
}

impl ServerError {
    /// True when trying again later may succeed (a busy database), false for permanent
    /// failures (bad input, refusals, corrupt data).
    pub fn is_retryable(&self) -> bool {
        match self {
            ServerError::Storage(e) => e.is_retryable(),
            _ => false,
        }
    }
}
