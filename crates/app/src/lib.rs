//! The application layer of the Countersign desktop: everything the window does, without
//! the window.
//!
//! An [`App`] is either signed out or holds a **session**: the server it talks to, the
//! signed-in reviewer, their encrypted cache and a sync engine. Secrets live in the OS
//! keychain under two accounts — the refresh token and the cache key — and the short-lived
//! access token only in memory. Deleting the cache key destroys the cache
//! (crypto-shredding), which is what sign-out and a remote wipe do.
//!
//! Reading the queue and recording a decision never touch the network: a decision is in
//! the cache's outbox, fsync'd, before [`App::decide`] returns, and [`App::sync_now`] (or
//! the shell's background loop) sends it when the server can be reached. The server answers
//! each applied decision with a signed receipt, kept in the cache and written out with
//! the reviewer's other decisions by [`App::export_decisions`].
#![deny(missing_docs)]

pub mod annotations;
pub mod bulk;
mod decisions;
mod error;
pub mod guard;
pub mod notify;
pub mod rules;
pub mod server_address;
mod session;
mod status;
mod undo;

pub use countersign_store::{
    Conflict, LocalDecision, PageItem, QueueFilter, QueueItem, QueuePage, QueuePageAnswer,
};
pub use countersign_sync::{SyncConfig, SyncReport};
pub use decisions::ExportReport;
pub use error::{AppError, ERROR_CODES, codes as error_codes};
pub use rules::{ApprovalView, CrisisBanner};
pub use session::{
    App, AppConfig, CRISIS_STALE_AFTER, Clock, DraftDetail, SignOutReport, system_clock,
};
pub use status::SyncStatus;
pub use undo::{UNDO_WINDOW, UndoneDecision};
