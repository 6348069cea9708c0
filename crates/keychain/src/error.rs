//! What can go wrong talking to a keychain, phrased so a person knows what to do.

use std::time::Duration;

/// A keychain failure. No variant ever holds a secret, so these are safe to log and show.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// The keychain service is missing, locked, or refused access.
    #[error(
        "no keychain is available: on Linux a Secret Service provider such as gnome-keyring \
         must be running and unlocked in this session; on macOS and Windows the user's \
         keychain must be unlocked ({source})"
    )]
    Unavailable {
        /// What the platform said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The keychain failed the request. On Linux this is also how a missing D-Bus session
    /// or Secret Service shows up.
    #[error(
        "the keychain failed the request: on Linux a Secret Service provider such as \
         gnome-keyring must be running and unlocked in this session's D-Bus; on macOS and \
         Windows the user's keychain must be unlocked ({source})"
    )]
    Platform {
        /// What the platform said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The stored secret is not UTF-8 text: something other than Countersign wrote it.
    #[error(
        "the keychain entry for {account:?} does not hold text: delete the entry and sign in \
         again"
    )]
    NotText {
        /// The account name.
        account: String,
    },

    /// Several entries match one account, which Countersign never creates.
    #[error(
        "the keychain holds {count} entries for {account:?}: delete the duplicates in the \
         keychain manager and sign in again"
    )]
    Ambiguous {
        /// The account name.
        account: String,
        /// How many entries matched.
        count: usize,
    },

    /// The keychain refused the service or account name (too long, or not allowed).
    #[error("the keychain refused the entry name: {reason}")]
    BadName {
        /// The platform's reason.
        reason: String,
    },

    /// The keychain did not answer in time; it may be waiting for the user to unlock it.
    #[error(
        "the keychain did not answer within {after:?}: it may be waiting for you to unlock \
         it; unlock it and try again"
    )]
    Timeout {
        /// How long we waited.
        after: Duration,
    },

    /// The worker thread that called the keychain panicked or was cancelled.
    #[error("the keychain worker stopped unexpectedly")]
    Worker(#[from] tokio::task::JoinError),
}

impl KeychainError {
    /// True for failures that may go away by themselves or once the user acts (an unlocked
    /// keychain, a started service): worth retrying later. False for ones that will not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            KeychainError::Unavailable { .. }
                | KeychainError::Platform { .. }
                | KeychainError::Timeout { .. }
        )
    }

    /// Converts a `keyring` error about `account`.
    ///
    /// Hand-written rather than `#[from]` because `keyring::Error::BadEncoding` carries the
    /// secret's bytes, which must not survive into an error that may be logged.
    pub(crate) fn from_keyring(err: keyring::Error, account: &str) -> Self {
        match err {
            keyring::Error::NoStorageAccess(source) => KeychainError::Unavailable { source },
            keyring::Error::PlatformFailure(source) => KeychainError::Platform { source },
            keyring::Error::BadEncoding(_secret_bytes) => KeychainError::NotText {
                account: account.to_owned(),
            },
            keyring::Error::Ambiguous(entries) => KeychainError::Ambiguous {
                account: account.to_owned(),
                count: entries.len(),
            },
            keyring::Error::TooLong(name, limit) => KeychainError::BadName {
                reason: format!("{name} is longer than the platform limit of {limit}"),
            },
            keyring::Error::Invalid(name, reason) => KeychainError::BadName {
                reason: format!("{name} is invalid: {reason}"),
            },
            // NoEntry is handled by callers; any future variant is reported without its
            // payload, which might hold secret material.
            other => KeychainError::Platform {
                source: other_message(&other).into(),
            },
        }
    }
}

fn other_message(err: &keyring::Error) -> String {
    match err {
        keyring::Error::NoEntry => "no matching entry".to_owned(),
        _ => "an unexpected keychain error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::KeychainError;

    #[test]
    fn a_badly_encoded_secret_never_reaches_the_error() {
        let err = KeychainError::from_keyring(
            keyring::Error::BadEncoding(b"hunter2\xff".to_vec()),
            "refresh_token",
        );
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "secret leaked: {shown}");
        assert!(!shown.contains("104, 117"), "secret bytes leaked: {shown}");
        assert!(!err.is_retryable(), "a non-text entry will not fix itself");
    }

    #[test]
    fn no_storage_access_says_what_to_do() {
        let err = KeychainError::from_keyring(
            keyring::Error::NoStorageAccess("locked".into()),
            "cache_key",
        );
        assert!(err.to_string().contains("gnome-keyring"), "{err}");
        assert!(err.is_retryable());
    }
}
