//! The blocking contract every keychain implements.

use crate::KeychainError;
use countersign_core::Sensitive;

/// A place that keeps secrets by account name, within one service name chosen when the store
/// is made.
///
/// Calls block (the platform APIs do): async code goes through [`crate::Keychain`].
pub trait SecretStore: Send + Sync + 'static {
    /// The secret stored for `account`, or `Ok(None)` when there is none.
    ///
    /// Fails when the keychain cannot be reached or refuses the request.
    fn get(&self, account: &str) -> Result<Option<Sensitive<String>>, KeychainError>;

    /// Stores `secret` for `account`, replacing any previous one.
    ///
    /// Fails when the keychain cannot be reached or refuses the request; nothing is stored
    /// then.
    fn set(&self, account: &str, secret: &Sensitive<String>) -> Result<(), KeychainError>;

    /// Forgets the secret for `account`. Deleting an entry that does not exist succeeds, so
    /// a wipe can always be repeated.
    fn delete(&self, account: &str) -> Result<(), KeychainError>;
}
