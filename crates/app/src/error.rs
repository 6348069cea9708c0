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
    /// An undo came too late: a push holding the decision has started, or the server has
    /// answered it; the message says which. The decision stands (see `App::undo`).
    #[error("{0}")]
    UndoTooLate(String),
    /// The OS keychain failed.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// The local cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The codes [`AppError::code`] returns, by name. The window's list (`ui/js/error-codes.js`,
/// `APP_CODES`) mirrors [`ERROR_CODES`]; a test checks that the two agree both ways.
pub mod codes {
    /// [`AppError::NotSignedIn`](super::AppError::NotSignedIn).
    pub const NOT_SIGNED_IN: &str = "not_signed_in";
    /// [`AppError::SignInRequired`](super::AppError::SignInRequired).
    pub const SIGN_IN_REQUIRED: &str = "sign_in_required";
    /// [`AppError::LeaseExpired`](super::AppError::LeaseExpired).
    pub const LEASE_EXPIRED: &str = "lease_expired";
    /// [`AppError::BadCredentials`](super::AppError::BadCredentials).
    pub const BAD_CREDENTIALS: &str = "bad_credentials";
    /// [`AppError::TotpRequired`](super::AppError::TotpRequired).
    pub const TOTP_REQUIRED: &str = "totp_required";
    /// [`AppError::TotpEnrolmentRequired`](super::AppError::TotpEnrolmentRequired).
    pub const TOTP_ENROLMENT_REQUIRED: &str = "totp_enrolment_required";
    /// [`AppError::NotAllowed`](super::AppError::NotAllowed).
    pub const NOT_ALLOWED: &str = "not_allowed";
    /// [`AppError::OverrideRequired`](super::AppError::OverrideRequired): the wire's code.
    pub const OVERRIDE_REQUIRED: &str = countersign_core::wire::codes::OVERRIDE_REQUIRED;
    /// [`AppError::SessionRevoked`](super::AppError::SessionRevoked).
    pub const SESSION_REVOKED: &str = "session_revoked";
    /// [`AppError::InsecureServer`](super::AppError::InsecureServer).
    pub const INSECURE_SERVER: &str = "insecure_server";
    /// [`AppError::Offline`](super::AppError::Offline).
    pub const OFFLINE: &str = "offline";
    /// [`AppError::NotFound`](super::AppError::NotFound).
    pub const NOT_FOUND: &str = "not_found";
    /// [`AppError::Invalid`](super::AppError::Invalid).
    pub const INVALID: &str = "invalid";
    /// [`AppError::Sync`](super::AppError::Sync) for a redirect.
    pub const SERVER_REDIRECTED: &str = "server_redirected";
    /// [`AppError::Sync`](super::AppError::Sync) for an answer that broke the protocol.
    pub const BAD_SERVER_ANSWER: &str = "bad_server_answer";
    /// [`AppError::Sync`](super::AppError::Sync) otherwise.
    pub const SERVER_ERROR: &str = "server_error";
    /// [`AppError::WipeIncomplete`](super::AppError::WipeIncomplete).
    pub const WIPE_INCOMPLETE: &str = "wipe_incomplete";
    /// [`AppError::Export`](super::AppError::Export).
    pub const EXPORT_FAILED: &str = "export_failed";
    /// [`AppError::UndoTooLate`](super::AppError::UndoTooLate).
    pub const UNDO_TOO_LATE: &str = "undo_too_late";
    /// [`AppError::Keychain`](super::AppError::Keychain).
    pub const KEYCHAIN: &str = "keychain";
    /// [`AppError::Store`](super::AppError::Store).
    pub const STORAGE: &str = "storage";
}

/// Every value [`AppError::code`] can return, mirrored by the window's `ui/js/error-codes.js`.
/// A new variant adds its code to [`codes`] and here, and the same `NAME: "code"` line there.
pub const ERROR_CODES: &[&str] = &[
    codes::NOT_SIGNED_IN,
    codes::SIGN_IN_REQUIRED,
    codes::LEASE_EXPIRED,
    codes::BAD_CREDENTIALS,
    codes::TOTP_REQUIRED,
    codes::TOTP_ENROLMENT_REQUIRED,
    codes::NOT_ALLOWED,
    codes::OVERRIDE_REQUIRED,
    codes::SESSION_REVOKED,
    codes::INSECURE_SERVER,
    codes::OFFLINE,
    codes::NOT_FOUND,
    codes::INVALID,
    codes::SERVER_REDIRECTED,
    codes::BAD_SERVER_ANSWER,
    codes::SERVER_ERROR,
    codes::WIPE_INCOMPLETE,
    codes::EXPORT_FAILED,
    codes::UNDO_TOO_LATE,
    codes::KEYCHAIN,
    codes::STORAGE,
];

impl AppError {
    /// A stable, machine-readable code for the UI: one of [`ERROR_CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => codes::NOT_SIGNED_IN,
            AppError::SignInRequired => codes::SIGN_IN_REQUIRED,
            AppError::LeaseExpired { .. } => codes::LEASE_EXPIRED,
            AppError::BadCredentials => codes::BAD_CREDENTIALS,
            AppError::TotpRequired => codes::TOTP_REQUIRED,
            AppError::TotpEnrolmentRequired(_) => codes::TOTP_ENROLMENT_REQUIRED,
            AppError::NotAllowed(_) => codes::NOT_ALLOWED,
            AppError::OverrideRequired(_) => codes::OVERRIDE_REQUIRED,
            AppError::SessionRevoked => codes::SESSION_REVOKED,
            AppError::InsecureServer { .. } => codes::INSECURE_SERVER,
            AppError::Offline(_) => codes::OFFLINE,
            AppError::NotFound => codes::NOT_FOUND,
            AppError::Invalid(_) => codes::INVALID,
            AppError::Sync(SyncError::Redirected { .. }) => codes::SERVER_REDIRECTED,
            AppError::Sync(e) if e.is_bad_answer() => codes::BAD_SERVER_ANSWER,
            AppError::Sync(_) => codes::SERVER_ERROR,
            AppError::WipeIncomplete(_) => codes::WIPE_INCOMPLETE,
            AppError::Export { .. } => codes::EXPORT_FAILED,
            AppError::UndoTooLate(_) => codes::UNDO_TOO_LATE,
            AppError::Keychain(_) => codes::KEYCHAIN,
            AppError::Store(_) => codes::STORAGE,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `NAME: "code",` lines between the BEGIN/END marks of `ui/js/error-codes.js`.
    fn window_codes() -> Vec<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/js/error-codes.js");
        let text = std::fs::read_to_string(path).expect("ui/js/error-codes.js is readable");
        let begin = text.find("// BEGIN app codes").expect("BEGIN mark");
        let end = text.find("// END app codes").expect("END mark");
        text[begin..end]
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(|line| {
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("not NAME: \"code\": {line}"));
                let value = value.trim().trim_end_matches(',').trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("not a quoted code: {line}"));
                (name.trim().to_owned(), value.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_window_lists_exactly_the_codes_the_app_returns() {
        let rust: BTreeSet<&str> = ERROR_CODES.iter().copied().collect();
        assert_eq!(rust.len(), ERROR_CODES.len(), "ERROR_CODES has a duplicate");
        let listed = window_codes();
        let js: BTreeSet<&str> = listed.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(js.len(), listed.len(), "error-codes.js lists a code twice");
        let missing_in_js: Vec<_> = rust.difference(&js).collect();
        let unknown_in_rust: Vec<_> = js.difference(&rust).collect();
        assert!(
            missing_in_js.is_empty() && unknown_in_rust.is_empty(),
            "ui/js/error-codes.js APP_CODES and ERROR_CODES differ: missing in JS {missing_in_js:?}, \
             not returned by AppError::code {unknown_in_rust:?}"
        );
        for (name, value) in &listed {
            assert_eq!(
                name,
                &value.to_uppercase(),
                "the JS name of {value} is its code in capitals"
            );
        }
    }

    #[test]
    fn every_code_the_app_returns_is_listed() {
        let samples = [
            AppError::NotSignedIn,
            AppError::SignInRequired,
            AppError::LeaseExpired { days: 14 },
            AppError::BadCredentials,
            AppError::TotpRequired,
            AppError::TotpEnrolmentRequired("enrol".into()),
            AppError::NotAllowed("no".into()),
            AppError::OverrideRequired(Vec::new()),
            AppError::SessionRevoked,
            AppError::InsecureServer { host: "h:1".into() },
            AppError::Offline(SyncError::InvalidServerUrl("x".into())),
            AppError::NotFound,
            AppError::Invalid("bad".into()),
            AppError::Sync(SyncError::InvalidServerUrl("x".into())),
            AppError::WipeIncomplete("left".into()),
            AppError::Export {
                path: "/nowhere".into(),
                source: std::io::Error::other("full"),
            },
            AppError::UndoTooLate("sent".into()),
        ];
        for e in &samples {
            assert!(
                ERROR_CODES.contains(&e.code()),
                "{} is not in ERROR_CODES",
                e.code()
            );
        }
    }
}
