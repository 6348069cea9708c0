//! The operating system's keychain, through the `keyring` crate.

use crate::{KeychainError, SecretStore};
use countersign_core::Sensitive;

/// The OS keychain: Secret Service on Linux, the login Keychain on macOS, the Credential
/// Manager on Windows. Entries are named by a service (for example `countersign`, one per
/// installation or profile) and an account (for example `refresh_token`).
///
/// Every call blocks, possibly for as long as the user takes to unlock the keychain: use it
/// through [`crate::Keychain`] from async code.
#[derive(Clone, Debug)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// A keychain whose entries all belong to `service`.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, account)
            .map_err(|err| KeychainError::from_keyring(err, account))
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<Sensitive<String>>, KeychainError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(KeychainError::from_keyring(err, account)),
        }
    }

    fn set(&self, account: &str, secret: &Sensitive<String>) -> Result<(), KeychainError> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(|err| KeychainError::from_keyring(err, account))
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(KeychainError::from_keyring(err, account)),
        }
    }
}
