//! Countersign's sync: the HTTP client for `/api/v1` and the engine that moves a desktop's
//! outbox to the server and the server's changes into the desktop's cache.
//!
//! A sync is a short conversation: **push** the outbox (decisions and comments, in order,
//! each with its per-client `mutation_id`), then **pull** the changes feed page by page
//! until `has_more` is false. What to do next is decided by a pure function over the
//! progress so far ([`plan::next_action`]); [`engine::SyncEngine`] performs it. Transient
//! failures (no network, a 5xx, a cut-off response) are retried with backoff and then
//! reported, leaving the outbox as it was; permanent refusals of single mutations become
//! conflict records in the cache and never block the mutations behind them.
//!
//! Tokens are passed in by the caller and never logged; this crate does not know about the
//! keychain.
#![deny(missing_docs)]

pub mod client;
pub mod engine;
pub mod error;
pub mod plan;

pub use client::ApiClient;
pub use engine::{SyncConfig, SyncEngine, SyncReport};
pub use error::SyncError;
