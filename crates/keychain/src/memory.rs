//! An in-memory keychain for tests and benchmarks.

use crate::{KeychainError, SecretStore};
use countersign_core::Sensitive;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A [`SecretStore`] that keeps secrets in a map in this process. Nothing is persisted.
///
/// [`MemoryKeychain::set_unavailable`] makes every call fail as a locked keychain would, so
/// callers can test how they handle that; [`MemoryKeychain::fail_deletes_of`] makes
/// deleting one entry fail, as a keychain that locks or crashes in the middle of a wipe does.
#[derive(Default)]
pub struct MemoryKeychain {
    entries: Mutex<HashMap<String, Sensitive<String>>>,
    unavailable: AtomicBool,
    undeletable: Mutex<HashSet<String>>,
}

impl MemoryKeychain {
    /// An empty keychain.
    pub fn new() -> Self {
        Self::default()
    }

    /// While `true`, every call fails with [`KeychainError::Unavailable`], as a locked or
    /// missing keychain does. Entries are kept and come back when set to `false`.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// While `fail` is `true`, deleting `account` fails with [`KeychainError::Unavailable`]
    /// (and keeps the entry); every other call works.
    pub fn fail_deletes_of(&self, account: &str, fail: bool) {
        let mut undeletable = self
            .undeletable
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if fail {
            undeletable.insert(account.to_owned());
        } else {
            undeletable.remove(account);
        }
    }

    /// How many entries are stored.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    fn check_available(&self) -> Result<(), KeychainError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(KeychainError::Unavailable {
                source: "the in-memory keychain is set to be unavailable".into(),
            });
        }
        Ok(())
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Sensitive<String>>> {
        // A panic while holding the lock cannot leave a HashMap half-updated in a way that
        // matters here, so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryKeychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryKeychain")
            .field("entries", &self.len())
            .field("unavailable", &self.unavailable.load(Ordering::SeqCst))
            .finish()
    }
}

impl SecretStore for MemoryKeychain {
    fn get(&self, account: &str) -> Result<Option<Sensitive<String>>, KeychainError> {
        self.check_available()?;
        Ok(self.entries().get(account).cloned())
    }

    fn set(&self, account: &str, secret: &Sensitive<String>) -> Result<(), KeychainError> {
        self.check_available()?;
        self.entries().insert(account.to_owned(), secret.clone());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        self.check_available()?;
        let undeletable = self
            .undeletable
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if undeletable.contains(account) {
            return Err(KeychainError::Unavailable {
                source: format!("the in-memory keychain is set to fail deleting {account}").into(),
            });
        }
        drop(undeletable);
        self.entries().remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryKeychain;
    use crate::{KeychainError, SecretStore};
    use countersign_core::Sensitive;

    fn secret(s: &str) -> Sensitive<String> {
        Sensitive::new(s.to_owned())
    }

    #[test]
    fn a_missing_entry_is_none_not_an_error() {
        let keychain = MemoryKeychain::new();
        assert!(keychain.get("refresh_token").unwrap().is_none());
    }

    #[test]
    fn set_then_get_returns_the_secret_and_set_replaces_it() {
        let keychain = MemoryKeychain::new();
        keychain.set("refresh_token", &secret("first")).unwrap();
        keychain.set("refresh_token", &secret("second")).unwrap();
        let got = keychain.get("refresh_token").unwrap().expect("just stored");
        assert_eq!(
            got.expose(),
            "second",
            "set must replace the previous secret"
        );
        assert_eq!(keychain.len(), 1);
    }

    #[test]
    fn accounts_are_independent() {
        let keychain = MemoryKeychain::new();
        keychain.set("access_token", &secret("a")).unwrap();
        keychain.set("cache_key", &secret("k")).unwrap();
        keychain.delete("access_token").unwrap();
        assert!(keychain.get("access_token").unwrap().is_none());
        assert_eq!(keychain.get("cache_key").unwrap().unwrap().expose(), "k");
    }

    #[test]
    fn deleting_a_missing_entry_succeeds_so_a_wipe_can_repeat() {
        let keychain = MemoryKeychain::new();
        keychain.delete("cache_key").unwrap();
        keychain.set("cache_key", &secret("k")).unwrap();
        keychain.delete("cache_key").unwrap();
        keychain.delete("cache_key").unwrap();
        assert!(keychain.is_empty());
    }

    #[test]
    fn an_unavailable_keychain_fails_every_call_and_keeps_its_entries() {
        let keychain = MemoryKeychain::new();
        keychain.set("cache_key", &secret("k")).unwrap();
        keychain.set_unavailable(true);
        assert!(matches!(
            keychain.get("cache_key"),
            Err(KeychainError::Unavailable { .. })
        ));
        assert!(keychain.set("x", &secret("y")).is_err());
        assert!(keychain.delete("cache_key").is_err());
        keychain.set_unavailable(false);
        assert_eq!(keychain.get("cache_key").unwrap().unwrap().expose(), "k");
    }

    #[test]
    fn a_delete_set_to_fail_keeps_its_entry_and_spares_the_others() {
        let keychain = MemoryKeychain::new();
        keychain.set("cache_key", &secret("k")).unwrap();
        keychain.set("refresh_token", &secret("r")).unwrap();
        keychain.fail_deletes_of("refresh_token", true);
        assert!(keychain.delete("refresh_token").is_err());
        keychain.delete("cache_key").unwrap();
        assert!(keychain.get("refresh_token").unwrap().is_some(), "kept");
        keychain.fail_deletes_of("refresh_token", false);
        keychain.delete("refresh_token").unwrap();
        assert!(keychain.is_empty());
    }

    #[test]
    fn debug_shows_no_secret() {
        let keychain = MemoryKeychain::new();
        keychain
            .set("refresh_token", &secret("tok_live_123"))
            .unwrap();
        let shown = format!("{keychain:?}");
        assert!(!shown.contains("tok_live_123"), "{shown}");
    }
}
