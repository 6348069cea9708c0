//! What the window's status line shows.

use crate::rules::CrisisBanner;
use chrono::{DateTime, Utc};
use countersign_core::wire::SessionUser;
use serde::Serialize;

/// The state of the connection and the outbox.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyncStatus {
    /// Increases with every status read. Statuses reach the window by two roads (the
    /// `status` command's answer and the `status` event) that do not keep their order, so
    /// the window keeps the one with the highest number and never shows an older state.
    pub seq: u64,
    /// The signed-in reviewer, if any.
    pub user: Option<SessionUser>,
    /// The server signed in to.
    pub server_url: Option<String>,
    /// Whether the last attempt to reach the server worked; `None` before any attempt.
    pub online: Option<bool>,
    /// Decisions and comments not yet confirmed by the server.
    pub pending: u64,
    /// Decisions the server refused, waiting for the reviewer.
    pub conflicts: u64,
    /// When the last sync finished.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// What went wrong last time, in words.
    pub last_error: Option<String>,
    /// The server asked for the password again (`sign_in_required`) at the last attempt:
    /// the session, its cache and its outbox are kept, and signing in again as the same
    /// reviewer carries on where they were.
    pub sign_in_required: bool,
    /// Crisis mode on the reviewer's channels, as the server last confirmed it; `None`
    /// while it is off.
    pub crisis: Option<CrisisBanner>,
}
