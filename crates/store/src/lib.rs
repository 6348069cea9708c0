//! The desktop's local cache: one encrypted SQLite file that lets a reviewer work offline.
//!
//! # What is in it
//!
//! - **Drafts**: the drafts in the reviewer's scope, exactly as the last pull from the server
//!   left them. The server is the source of truth; the cache only mirrors it. The
//!   [queue](Cache::queue) lists the pending ones, most urgent first.
//! - **The outbox**: every decision or annotation the reviewer made here, numbered from 1
//!   (the [`MutationId`](countersign_core::MutationId)), committed to disk *before* the UI
//!   shows it as done. Each row keeps a snapshot of the draft as the reviewer saw it.
//! - **Conflicts**: mutations the server refused (the draft changed, someone else decided
//!   first, not allowed), with the text the reviewer decided on and the current text, until
//!   the reviewer dismisses them.
//! - **Receipts**: the server's signed receipt for each decision made here that it applied,
//!   checked on arrival; the reviewer's proof of what they decided, exported on request.
//! - **Sync state and settings**: the client id, the pull cursor, the last sync time, and a
//!   few strings the application keeps (server URL, signed-in user).
//!
//! # The life of a mutation
//!
//! 1. [`Cache::enqueue`] stores it, *unanswered*.
//! 2. The sync engine pushes [`Cache::unanswered`] in order and hands the server's answers to
//!    [`Cache::record_results`]: one that took effect becomes *answered*; one that was
//!    refused moves to the conflicts. An unanswered row is pushed again — the server answers
//!    repeats as duplicates — so a lost response costs nothing.
//! 3. A pull ([`Cache::apply_changes`]) brings the drafts as they now are, together with the
//!    server's `last_mutation_id`; in the same transaction it drops the answered rows the
//!    server has seen. Until then the queue keeps showing the local decision, so a decision
//!    never flickers out of view between the push and the pull.
//!
//! # Encryption and durability
//!
//! The file is encrypted with SQLCipher under a random 256-bit [`CacheKey`] that lives in the
//! OS keychain; no page, journal or WAL frame is written in the clear, and deleting the key
//! destroys the cache. The database runs in WAL mode with `synchronous = FULL`, so a decision
//! that [`Cache::enqueue`] has returned survives a power cut. Every write transaction is
//! `BEGIN IMMEDIATE`. The schema comes from append-only SQL files in `migrations/`; a cache
//! written by a newer Countersign is refused rather than misread.
//!
//! A [`Cache`] is one SQLite connection: `Send` but not `Sync`. The application keeps one
//! and wraps it in a mutex.
#![deny(missing_docs)]

mod cache;
mod columns;
mod conflicts;
mod drafts;
mod error;
#[cfg(test)]
mod fixtures;
mod key;
mod migrations;
mod outbox;
mod private;
mod queue;
mod queue_index;
mod receipts;
mod search;
mod seen;
mod sync_state;
mod undo;
mod verdicts;

pub use cache::Cache;
pub use conflicts::Conflict;
pub use drafts::AppliedPage;
pub use error::StoreError;
pub use key::CacheKey;
pub use migrations::SCHEMA_VERSION;
pub use outbox::{RecordedResults, preview};
pub use private::private_folder;
pub use queue::{LocalDecision, PREVIEW_CHARS, QueueFilter, QueueItem};
pub use receipts::{ReceiptCheck, StoredReceipt, UnconfirmedDecision};
pub use search::{
    Excerpt, FilterCounts, MAX_PAGE, Matches, PageItem, QueuePage, QueuePageAnswer, Split,
    fts_query,
};
pub use undo::{Claimed, HeldBack, TooLate, Undone};
pub use verdicts::Verdict as GuardVerdict;
