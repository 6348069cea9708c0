//! Errors the window shows. Each has a stable `code` the UI branches on.

use countersign_keychain::KeychainError;
use countersign_store::StoreError;
use countersign_sync::SyncError;

/// Something the reviewer asked for did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nobody is signed in.
    #[error("sign in first")]
    NotSignedIn,
    /// The saved session can no longer be refreshed; the cache and its outbox are kept.
    #[error("your session has ended: sign in again (nothing waiting to sync is lost)")]
    SignInRequired,
    /// The desktop has been out of contact with the server for longer than its offline
    /// lease: the window asks for a sign-in before it shows anything (the cache and its
    /// outbox are kept for the same reviewer).
    #[error(
        "you have been offline for more than {days} days: sign in again to see your drafts \
         (nothing waiting to sync is lost)"
    )]
    LeaseExpired {
        /// The lease, in whole days.
        days: u64,
    },
    /// Wrong username, password or two-factor code — or a disabled account, which the
    /// server refuses with the same answer so it never tells that a guess was right.
    #[error(
        "the username, password or code is not right (or the account is disabled: ask an \
         administrator)"
    )]
    BadCredentials,
    /// The account has two-factor sign-in: ask for the authenticator app's code.
    #[error("enter the 6-digit code from your authenticator app")]
    TotpRequired,
    /// The organisation requires two-factor sign-in for one of the account's roles and it
    /// has no authenticator yet; the server's message says how an administrator enrols it.
    #[error("{0}")]
    TotpEnrolmentRequired(String),
    /// The rules do not let the reviewer do this (an approval they may not give); the
    /// message says why and, for a crisis draft, who may.
    #[error("{0}")]
    NotAllowed(String),
    /// The policy guard found something that blocks the draft, and the approval gave no
    /// override reason: ask the reviewer why they approve it anyway.
    #[error("{}", override_message(.0))]
    OverrideRequired(Vec<countersign_core::Finding>),
    /// The server revoked the session (signed out elsewhere, account disabled, lost
    /// laptop); local data has been wiped.
    #[error("this device was signed out by the server; its local data has been erased")]
    SessionRevoked,
    /// The address is plain `http://` to another machine, and the reviewer has not allowed
    /// an unencrypted connection to it: nothing was sent. The window offers the allowance
    /// (see [`App::allow_unencrypted`](crate::App::allow_unencrypted)).
    #[error(
        "{host} would be reached over plain http://, unencrypted: your password, your \
         session and every draft could be read and changed by anyone on the network in \
         between. Use its https:// address, or allow an unencrypted connection to {host} \
         only if you trust every network between you and it"
    )]
    InsecureServer {
        /// The host (and port) as typed.
        host: String,
    },
    /// The server cannot be reached; decisions wait in the outbox.
    #[error("offline: {0}")]
    Offline(#[source] SyncError),
    /// No such draft in the cache.
    #[error("that draft is not in your queue any more")]
    NotFound,
    /// The request does not make sense as it stands.
    #[error("{0}")]
    Invalid(String),
    /// The server or the sync failed in another way. An answer that broke the protocol
    /// (code `bad_server_answer`, or `server_redirected`) names the server and what was
    /// wrong with it; nothing from it reached the cache and the outbox keeps every decision.
    #[error(transparent)]
    Sync(SyncError),
    /// Erasing this device's data did not finish: some steps failed (named in the message).
    /// The cache key goes first, so what is left cannot be read, and a mark in the data
    /// folder makes the next start finish the job before it shows anything.
    #[error(
        "this device's local data could not all be erased ({0}); Countersign will finish \
         erasing it when it next starts"
    )]
    WipeIncomplete(String),
    /// An export file could not be written (the folder is read-only, the disk is full).
    #[error("could not write {}: {source}", path.display())]
    Export {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The OS keychain failed.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// The local cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// A stable, machine-readable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => "not_signed_in",
            AppError::SignInRequired => "sign_in_required",
            AppError::LeaseExpired { .. } => "lease_expired",
            AppError::BadCredentials => "bad_credentials",
            AppError::TotpRequired => "totp_required",
            AppError::TotpEnrolmentRequired(_) => "totp_enrolment_required",
            AppError::NotAllowed(_) => "not_allowed",
            AppError::OverrideRequired(_) => countersign_core::wire::codes::OVERRIDE_REQUIRED,
            AppError::SessionRevoked => "session_revoked",
            AppError::InsecureServer { .. } => "insecure_server",
            AppError::Offline(_) => "offline",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Sync(SyncError::Redirected { .. }) => "server_redirected",
            AppError::Sync(e) if e.is_bad_answer() => "bad_server_answer",
            AppError::Sync(_) => "server_error",
            AppError::WipeIncomplete(_) => "wipe_incomplete",
            AppError::Export { .. } => "export_failed",
            AppError::Keychain(_) => "keychain",
            AppError::Store(_) => "storage",
        }
    }
}

impl From<SyncError> for AppError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::Store(e) => AppError::Store(e),
            e if e.is_retryable() && !matches!(e, SyncError::Refused { .. }) => {
                AppError::Offline(e)
            }
            e if e.is_session_revoked() => AppError::SessionRevoked,
            e => AppError::Sync(e),
        }
    }
}

fn override_message(findings: &[countersign_core::Finding]) -> String {
    let what: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    format!(
        "say why you approve it anyway: the policy guard found {}",
        what.join("; ")
    )
}
