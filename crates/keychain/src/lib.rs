//! Credentials in the operating system's keychain.
//!
//! Countersign keeps two kinds of secret outside its own files: the sign-in tokens and the
//! random key that encrypts the desktop's offline cache. Both live in the OS keychain —
//! the Secret Service on Linux (gnome-keyring, KWallet), the login Keychain on macOS, the
//! Credential Manager on Windows — and nowhere else: never in the database, a file or a
//! log line. Deleting the cache key is how a cache is crypto-shredded on sign-out or wipe.
//!
//! Three layers, smallest first:
//!
//! - [`SecretStore`] is the whole contract: `get`, `set` and `delete` a secret by **account**
//!   name (for example `refresh_token` or `cache_key`) within one **service** name. It is
//!   blocking, because the platform APIs are. A missing entry is `Ok(None)` for `get` and
//!   `Ok(())` for `delete`, so callers never match on "not found" errors.
//! - [`OsKeychain`] is the real store (the `keyring` crate), [`MemoryKeychain`] its twin
//!   for tests and benchmarks, which can also pretend to be locked.
//! - [`Keychain`] is what async code uses: every call runs on tokio's blocking pool with a
//!   timeout, because a keychain may sit waiting for the user to unlock it and must never
//!   stall the runtime or the UI.
//!
//! Secrets travel as [`Sensitive<String>`](countersign_core::Sensitive), which prints as
//! `<redacted>`; no error of this crate ever contains a secret.
#![deny(missing_docs)]

mod error;
mod keychain;
mod memory;
mod os;
mod secret_store;

pub use error::KeychainError;
pub use keychain::Keychain;
pub use memory::MemoryKeychain;
pub use os::OsKeychain;
pub use secret_store::SecretStore;
