//! The async face of a [`SecretStore`]: off the runtime, with a deadline.

use crate::{KeychainError, SecretStore};
use countersign_core::Sensitive;
use std::sync::Arc;
use std::time::Duration;

/// What the application uses to reach the keychain from async code.
///
/// Each call runs the blocking [`SecretStore`] call on tokio's blocking pool and waits at most
/// [`Keychain::timeout`] for it. On a timeout the caller gets [`KeychainError::Timeout`] at
/// once; the platform call itself cannot be cancelled and finishes (or not) in the
/// background, so a `set` that timed out may still land later — callers treat a timed-out
/// write as unknown, not as failed.
///
/// Cloning is cheap and shares the store. Must be called from within a tokio runtime.
#[derive(Clone)]
pub struct Keychain {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl Keychain {
    /// How long a call may take unless [`Keychain::with_timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Wraps a store, with [`Keychain::DEFAULT_TIMEOUT`].
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// The same keychain with another deadline per call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The deadline per call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The store underneath, for code that is already off the async runtime.
    pub fn store(&self) -> &Arc<dyn SecretStore> {
        &self.store
    }

    /// The secret for `account`, or `None` when there is none. See [`SecretStore::get`].
    pub async fn get(&self, account: &str) -> Result<Option<Sensitive<String>>, KeychainError> {
        let account = account.to_owned();
        self.run(move |store| store.get(&account)).await
    }

    /// Stores `secret` for `account`. See [`SecretStore::set`].
    pub async fn set(
        &self,
        account: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), KeychainError> {
        let account = account.to_owned();
        let secret = secret.clone();
        self.run(move |store| store.set(&account, &secret)).await
    }

    /// Forgets the secret for `account`; a missing entry is not an error. See
    /// [`SecretStore::delete`].
    pub async fn delete(&self, account: &str) -> Result<(), KeychainError> {
        let account = account.to_owned();
        self.run(move |store| store.delete(&account)).await
    }

    async fn run<T, F>(&self, call: F) -> Result<T, KeychainError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn SecretStore) -> Result<T, KeychainError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(joined) => joined?,
            Err(_elapsed) => Err(KeychainError::Timeout {
                after: self.timeout,
            }),
        }
    }
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Keychain;
    use crate::{KeychainError, MemoryKeychain, OsKeychain, SecretStore};
    use countersign_core::Sensitive;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    /// A store whose every call blocks until the test releases it: a keychain waiting for
    /// the user to type their password.
    struct Stuck(Arc<Barrier>);

    impl SecretStore for Stuck {
        fn get(&self, _: &str) -> Result<Option<Sensitive<String>>, KeychainError> {
            self.0.wait();
            Ok(None)
        }
        fn set(&self, _: &str, _: &Sensitive<String>) -> Result<(), KeychainError> {
            self.0.wait();
            Ok(())
        }
        fn delete(&self, _: &str) -> Result<(), KeychainError> {
            self.0.wait();
            Ok(())
        }
    }

    struct Panics;

    impl SecretStore for Panics {
        fn get(&self, _: &str) -> Result<Option<Sensitive<String>>, KeychainError> {
            panic!("platform library crashed")
        }
        fn set(&self, _: &str, _: &Sensitive<String>) -> Result<(), KeychainError> {
            panic!("platform library crashed")
        }
        fn delete(&self, _: &str) -> Result<(), KeychainError> {
            panic!("platform library crashed")
        }
    }

    #[tokio::test]
    async fn async_calls_reach_the_store() {
        let memory = Arc::new(MemoryKeychain::new());
        let keychain = Keychain::new(memory.clone());
        assert!(keychain.get("refresh_token").await.unwrap().is_none());
        keychain
            .set("refresh_token", &Sensitive::new("tok".to_owned()))
            .await
            .unwrap();
        assert_eq!(memory.len(), 1, "the write must land in the shared store");
        let got = keychain.get("refresh_token").await.unwrap().unwrap();
        assert_eq!(got.expose(), "tok");
        keychain.delete("refresh_token").await.unwrap();
        keychain.delete("refresh_token").await.unwrap();
        assert!(memory.is_empty());
    }

    #[tokio::test]
    async fn a_keychain_that_does_not_answer_times_out() {
        let release = Arc::new(Barrier::new(2));
        let keychain =
            Keychain::new(Arc::new(Stuck(release.clone()))).with_timeout(Duration::from_millis(50));
        let err = keychain.get("cache_key").await.unwrap_err();
        assert!(
            matches!(err, KeychainError::Timeout { after } if after == Duration::from_millis(50)),
            "expected a timeout, got {err:?}"
        );
        assert!(err.is_retryable());
        // Let the stuck blocking thread finish so the runtime can shut down.
        release.wait();
    }

    #[tokio::test]
    async fn a_panicking_store_is_an_error_not_a_crash() {
        let keychain = Keychain::new(Arc::new(Panics));
        let err = keychain.get("cache_key").await.unwrap_err();
        assert!(matches!(err, KeychainError::Worker(_)), "{err:?}");
    }

    #[tokio::test]
    async fn errors_from_the_store_come_through() {
        let memory = Arc::new(MemoryKeychain::new());
        memory.set_unavailable(true);
        let keychain = Keychain::new(memory);
        let err = keychain.delete("cache_key").await.unwrap_err();
        assert!(matches!(err, KeychainError::Unavailable { .. }), "{err:?}");
    }

    /// Talks to the real OS keychain under a throw-away service name, so it never touches
    /// the user's own entries.
    ///
    /// Where no keychain can be reached (a headless machine without a Secret Service) the
    /// test prints a note and passes — unless `COUNTERSIGN_REQUIRE_KEYCHAIN` is set, as in
    /// CI, where not reaching the keychain fails it. To run it on a headless Linux machine,
    /// see "Secret Service without a desktop session" in PLATFORM.md.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_os_keychain_stores_gets_and_deletes_a_secret() {
        let required = std::env::var_os("COUNTERSIGN_REQUIRE_KEYCHAIN").is_some();
        let service = format!("countersign-test-{}", uuid::Uuid::new_v4());
        let keychain = Keychain::new(Arc::new(OsKeychain::new(service.clone())))
            .with_timeout(Duration::from_secs(10));
        let account = "refresh_token";

        match keychain.get(account).await {
            Ok(None) => {}
            Ok(Some(_)) => panic!("a fresh service {service} already has an entry"),
            Err(err) if !required && err.is_retryable() => {
                eprintln!(
                    "note: skipping the OS keychain test, no keychain is reachable ({err}); \
                     set COUNTERSIGN_REQUIRE_KEYCHAIN=1 to make this a failure"
                );
                return;
            }
            Err(err) => panic!("the OS keychain must be reachable here: {err}"),
        }

        let secret = Sensitive::new(format!("secret-{}", uuid::Uuid::new_v4()));
        keychain.set(account, &secret).await.expect("set");
        let got = keychain.get(account).await.expect("get after set");
        assert_eq!(got.as_ref().map(|s| s.expose()), Some(secret.expose()));

        let replacement = Sensitive::new("rotated".to_owned());
        keychain.set(account, &replacement).await.expect("replace");
        let got = keychain.get(account).await.expect("get after replace");
        assert_eq!(got.as_ref().map(|s| s.expose().as_str()), Some("rotated"));

        keychain.delete(account).await.expect("delete");
        assert!(
            keychain
                .get(account)
                .await
                .expect("get after delete")
                .is_none(),
            "a deleted entry must be gone"
        );
        keychain
            .delete(account)
            .await
            .expect("deleting a missing entry must succeed");
    }
}
