//! The Countersign central service.
//!
//! Authors and agencies write drafts; reviewers and spokespeople decide them from the
//! desktop, often offline, and push their decisions later. This crate is the server they all
//! talk to: an axum HTTP API under `/api/v1` (the wire format is in `countersign_core::wire`),
//! a storage trait with a SQLite backend, the session and token logic, an admin API used by
//! the CLI and the tests, and a demo organisation.
//!
//! The layers, top to bottom:
//! - [`api`]: HTTP handlers, thin; they extract, call one function below and map errors to
//!   `{"error": {"code", "message"}}`.
//! - [`sessions`], [`drafts`], [`sync`]: what each endpoint does, callable without HTTP
//!   (the [`admin`] functions and the [`demo`] seed use the same paths).
//! - [`push`]: the rules of a push as pure functions; [`storage`] runs them inside one
//!   transaction per batch.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = countersign_server::open(countersign_server::ServerConfig::new("/var/lib/countersign")).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! countersign_server::serve(listener, server, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod cursor;
mod data_dir;
pub mod demo;
pub mod directory;
pub mod drafts;
pub mod error;
pub mod export;
pub mod policy;
pub mod push;
pub mod receipts;
pub mod sessions;
pub mod storage;
pub mod sync;
pub mod tls;
pub mod trail;
mod transport;
pub mod webhooks;

#[cfg(test)]
mod fixtures;

pub use clock::Clock;
pub use config::ServerConfig;
pub use error::{AuthError, ServerError};
pub use storage::StorageError;

use auth::limiter::LoginLimiter;
use chrono::{DateTime, Utc};
use countersign_audit::receipt::ReceiptSigner;
use std::future::Future;
use std::sync::Arc;
use storage::Storage;
use storage::sqlite::SqliteStorage;

/// A running service's state: configuration, storage and the sign-in limiter. Cheap to
/// clone (all clones share one state).
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    storage: Arc<dyn Storage>,
    limiter: LoginLimiter,
    /// Places for password hashes (argon2id takes 19 MiB and a CPU each): sign-ins wait
    /// for one, so a flood of them cannot take every core and all the memory.
    hashing: tokio::sync::Semaphore,
    /// The compiled policy guard of the pack version last used.
    guard_cache: policy::GuardCache,
    /// A real argon2id hash of nothing in particular: unknown usernames are checked against
    /// it, so a sign-in takes as long whether or not the account exists.
    decoy_hash: String,
    /// Signs a receipt for every decision a push applies (see [`receipts`]).
    receipts: Arc<ReceiptSigner>,
    /// Rung after a push that may have enqueued webhook deliveries, so the deliverer sends
    /// them at once instead of at its next poll.
    deliveries: tokio::sync::Notify,
    /// True while a webhook deliverer runs for this server: a second listener (serving
    /// twice) must not start a second one, which would send the same deliveries.
    delivering: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server over an already opened storage backend, signing receipts with a new key
    /// that lives in memory only (tests; [`open`] reads the data directory's).
    pub async fn with_storage(
        config: ServerConfig,
        storage: Arc<dyn Storage>,
    ) -> Result<Self, ServerError> {
        let receipts = Arc::new(ReceiptSigner::from_secret_bytes(rand::random()));
        Self::with_storage_and_receipts(config, storage, receipts).await
    }

    /// A server over an already opened storage backend, signing receipts with `receipts`.
    pub async fn with_storage_and_receipts(
        config: ServerConfig,
        storage: Arc<dyn Storage>,
        receipts: Arc<ReceiptSigner>,
    ) -> Result<Self, ServerError> {
        let decoy_hash =
            tokio::task::spawn_blocking(|| auth::password::hash("countersign decoy password"))
                .await??;
        let limiter = LoginLimiter::new(sessions::limits(&config));
        // The failures of the last window, so a restart does not hand out fresh attempts.
        let window =
            chrono::TimeDelta::from_std(config.login_window).unwrap_or(chrono::TimeDelta::MAX);
        let since = config
            .clock
            .now()
            .checked_sub_signed(window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let most = config.login_tracked_keys.saturating_mul(
            usize::try_from(config.login_attempts.max(config.login_attempts_per_source))
                .unwrap_or(usize::MAX),
        );
        let failures = storage.sign_in_failures(since, most.min(1_000_000)).await?;
        limiter.load(failures.into_iter().filter_map(|f| {
            // A row this build cannot read is skipped: it can only make the limit milder.
            Some((auth::limiter::Key::from_stored(&f.key)?, f.at))
        }));
        let hashing = tokio::sync::Semaphore::new(config.hash_concurrency.max(1));
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                storage,
                limiter,
                hashing,
                guard_cache: policy::GuardCache::default(),
                decoy_hash,
                receipts,
                deliveries: tokio::sync::Notify::new(),
                delivering: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The HTTP API: every route, the JSON error fallbacks, the body limit and request
    /// tracing (which never records headers or bodies).
    pub fn router(&self) -> axum::Router {
        api::router(self.clone())
    }

    /// Now, by the configured clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.config.clock.now()
    }

    pub(crate) fn storage(&self) -> &dyn Storage {
        self.inner.storage.as_ref()
    }

    pub(crate) fn guard_cache(&self) -> &policy::GuardCache {
        &self.inner.guard_cache
    }

    pub(crate) fn limiter(&self) -> &LoginLimiter {
        &self.inner.limiter
    }

    pub(crate) fn hashing(&self) -> &tokio::sync::Semaphore {
        &self.inner.hashing
    }

    pub(crate) fn decoy_hash(&self) -> &str {
        &self.inner.decoy_hash
    }

    /// The public half of the key receipts are signed with.
    pub fn receipt_key(&self) -> countersign_audit::receipt::PublicKey {
        self.inner.receipts.public_key()
    }

    /// The key receipts are signed with, for the push's transaction.
    pub(crate) fn receipts(&self) -> &Arc<ReceiptSigner> {
        &self.inner.receipts
    }

    /// What the webhook deliverer waits on between looks at the queue.
    pub(crate) fn deliveries(&self) -> &tokio::sync::Notify {
        &self.inner.deliveries
    }

    /// Whether a webhook deliverer runs for this server (see [`webhooks::deliver`]).
    pub(crate) fn delivering(&self) -> &std::sync::atomic::AtomicBool {
        &self.inner.delivering
    }
}

/// Opens the service's storage: creates the data directory if needed, opens
/// `<data_dir>/countersign.db` and applies pending migrations, and reads the receipt-signing
/// key `<data_dir>/receipt-signing.key` (made on the first start; see [`receipts`]).
///
/// The data directory is made `0700` and the database files `0600` (on Unix) before
/// SQLite opens them, so only the service's user can read them; a looser directory or file
/// is tightened, with a warning.
///
/// Fails with [`StorageError::SchemaTooNew`] (inside [`ServerError::Storage`]) when the
/// database was written by a newer server, and with [`ServerError::ReceiptKey`] when the key
/// file is there but unusable (it is never replaced).
pub async fn open(config: ServerConfig) -> Result<Server, ServerError> {
    let dir = config.data_dir.clone();
    let path = config.database_path();
    let (storage, receipts) = tokio::task::spawn_blocking(move || -> Result<_, ServerError> {
        data_dir::prepare(&dir, &path)?;
        let receipts = receipts::load_or_create(&dir)?;
        Ok((SqliteStorage::open(&path)?, receipts))
    })
    .await??;
    tracing::debug!(path = %storage.path().display(), "storage open");
    Server::with_storage_and_receipts(config, Arc::new(storage), Arc::new(receipts)).await
}

/// Serves the API over plain HTTP on `listener` until `shutdown` completes, then stops
/// accepting connections and lets requests in flight finish.
///
/// Each request carries its peer's address (`ConnectInfo<SocketAddr>`), which the sign-in
/// throttle counts attempts by; a router used without it (tests calling
/// [`Server::router`] directly) simply has no source address to count.
///
/// The configuration's [`request_timeout`](ServerConfig::request_timeout),
/// [`header_read_timeout`](ServerConfig::header_read_timeout) and
/// [`max_connections`](ServerConfig::max_connections) apply (see the `transport` module).
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    transport::run(listener, server, None, shutdown).await
}

/// Serves the API over HTTPS with `tls` (see [`tls::Tls::load`]) on `listener` until
/// `shutdown` completes, as [`serve`] does over plain HTTP. A client that does not speak
/// TLS (plain HTTP to this port) is disconnected without an answer.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    server: Server,
    tls: tls::Tls,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    transport::run(listener, server, Some(tls), shutdown).await
}
