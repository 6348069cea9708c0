//! Background sync and the events the window listens to.
//!
//! One task per app runs [`BackgroundSync::run`]: while someone is signed in it syncs at
//! start-up, then every interval, and at once when [`BackgroundSync::wake`] is called
//! (after a sign-in or a decision). Its syncs leave the decisions and comments of the last
//! [`UNDO_WINDOW`](countersign_app::UNDO_WINDOW) in the outbox, still undoable, and the
//! next one runs when the first of them may go. The `sync_now` command uses
//! [`BackgroundSync::sync_now`], which sends everything; every attempt announces itself the
//! same way:
//!
//! | event | payload | when |
//! | --- | --- | --- |
//! | `status` | `SyncStatus` | after every sync attempt, and after sign-in, sign-out, decide and comment |
//! | `queue-changed` | `null` | after a sync that pushed or pulled anything |
//! | `crisis` | number of crisis drafts new to this device | after a sync that pulled some |
//! | `signed-out` | `{ "reason": "session_revoked" }` | when the server revoked the session (local data is gone) |
//!
//! An offline attempt is simply tried again at the next interval; the status line says
//! offline meanwhile.

use countersign_app::{App, AppError, QueueFilter, SyncReport};
use countersign_core::{DraftId, Urgency};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// Event names, shared with `ui/js/backend.js`.
pub mod events {
    /// The status line changed: payload `SyncStatus`.
    pub const STATUS: &str = "status";
    /// The queue's contents changed: payload `null`.
    pub const QUEUE_CHANGED: &str = "queue-changed";
    /// New crisis drafts arrived: payload their number.
    pub const CRISIS: &str = "crisis";
    /// The session ended without the reviewer asking: payload `{ reason }`.
    pub const SIGNED_OUT: &str = "signed-out";
}

/// Sends an event to the window. The app's is a Tauri `emit`; tests record.
pub type Emit = Arc<dyn Fn(&str, Value) + Send + Sync>;

/// What a sync does with the decisions made in the last
/// [`UNDO_WINDOW`](countersign_app::UNDO_WINDOW).
#[derive(Clone, Copy)]
enum Held {
    /// Leaves them in the outbox, still undoable (the background's own syncs).
    Back,
    /// Sends them (the reviewer asked for a sync).
    Sent,
}

/// Syncs in the background and tells the window what happened.
pub struct BackgroundSync {
    app: Arc<App>,
    emit: Emit,
    interval: Duration,
    wake: Notify,
    /// Crisis drafts already announced (or already cached at start-up); `None` until the
    /// first sync of a session reads them from the cache.
    seen_crisis: Mutex<Option<HashSet<DraftId>>>,
}

impl BackgroundSync {
    /// A background sync for `app`, every `interval`, announcing through `emit`.
    pub fn new(app: Arc<App>, emit: Emit, interval: Duration) -> Self {
        BackgroundSync {
            app,
            emit,
            interval,
            wake: Notify::new(),
            seen_crisis: Mutex::new(None),
        }
    }

    /// Runs forever: syncs while someone is signed in, then waits for the interval or a
    /// [`wake`](Self::wake).
    pub async fn run(self: Arc<Self>) {
        loop {
            let mut next = self.interval;
            if self.app.user().await.is_some() {
                // The outcome is announced as events; nobody waits for it here.
                if let Ok(report) = self.sync(Held::Back).await
                    && let Some(until) = report.held_until
                {
                    // As soon as the first one held back may go (a little after, so it is
                    // past the window when that sync reads the clock).
                    let wait = (until - self.app.now()).to_std().unwrap_or_default();
                    next = next.min(wait + Duration::from_millis(100));
                }
            }
            tokio::select! {
                () = tokio::time::sleep(next) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// Asks the loop to sync now instead of at the end of the interval.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Syncs once, sending everything in the outbox, announces the outcome, and returns it.
    pub async fn sync_now(&self) -> Result<SyncReport, AppError> {
        self.sync(Held::Sent).await
    }

    async fn sync(&self, held: Held) -> Result<SyncReport, AppError> {
        self.remember_cached_crisis().await;
        let result = match held {
            Held::Back => self.app.sync_in_background().await,
            Held::Sent => self.app.sync_now().await,
        };
        match &result {
            Ok(report) => {
                tracing::debug!(?report, "synced");
                if report.pushed + report.pulled > 0 {
                    (self.emit)(events::QUEUE_CHANGED, Value::Null);
                }
                if report.pulled > 0 {
                    self.announce_new_crisis().await;
                }
            }
            Err(AppError::SessionRevoked) => {
                tracing::warn!("the server revoked this session; local data was erased");
                self.forget_session().await;
                (self.emit)(events::SIGNED_OUT, json!({ "reason": "session_revoked" }));
            }
            Err(e) => tracing::info!(code = e.code(), %e, "sync failed"),
        }
        self.announce_status().await;
        result
    }

    /// Sends the current `status` event.
    pub async fn announce_status(&self) {
        match self.app.status().await {
            Ok(status) => match serde_json::to_value(status) {
                Ok(payload) => (self.emit)(events::STATUS, payload),
                Err(e) => tracing::warn!(%e, "cannot serialise the status"),
            },
            Err(e) => tracing::warn!(code = e.code(), %e, "cannot read the status"),
        }
    }

    /// Forgets what the previous session had seen; call after sign-in and sign-out.
    pub async fn forget_session(&self) {
        *self.seen_crisis.lock().await = None;
    }

    /// At the start of a session, crisis drafts already in the cache are not news.
    async fn remember_cached_crisis(&self) {
        let mut seen = self.seen_crisis.lock().await;
        if seen.is_none() {
            *seen = self.crisis_in_queue().await;
        }
    }

    async fn announce_new_crisis(&self) {
        let Some(now) = self.crisis_in_queue().await else {
            return;
        };
        let mut seen = self.seen_crisis.lock().await;
        let seen = seen.get_or_insert_with(HashSet::new);
        let new = now.iter().filter(|id| !seen.contains(id)).count();
        seen.extend(now);
        if new > 0 {
            tracing::info!(new, "crisis drafts arrived");
            (self.emit)(events::CRISIS, json!(new));
        }
    }

    async fn crisis_in_queue(&self) -> Option<HashSet<DraftId>> {
        let filter = QueueFilter {
            urgency: Some(Urgency::Crisis),
            ..QueueFilter::default()
        };
        let queue = self.app.queue(filter).await.ok()?;
        Some(queue.into_iter().map(|item| item.id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_app::AppConfig;
    use countersign_keychain::{Keychain, MemoryKeychain};

    type Recorded = Arc<std::sync::Mutex<Vec<(String, Value)>>>;

    async fn signed_out_app() -> (BackgroundSync, Recorded, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Keychain::new(Arc::new(MemoryKeychain::new()));
        let app = App::open(AppConfig::new(dir.path(), keychain))
            .await
            .unwrap();
        let recorded: Recorded = Arc::default();
        let sink = Arc::clone(&recorded);
        let emit: Emit = Arc::new(move |name, payload| {
            sink.lock().unwrap().push((name.to_string(), payload));
        });
        let sync = BackgroundSync::new(Arc::new(app), emit, Duration::from_secs(60));
        (sync, recorded, dir)
    }

    #[tokio::test]
    async fn a_sync_while_signed_out_fails_and_still_announces_the_status() {
        let (sync, recorded, _dir) = signed_out_app().await;
        let error = sync.sync_now().await.unwrap_err();
        assert_eq!(error.code(), "not_signed_in");
        let recorded = recorded.lock().unwrap();
        let names: Vec<&str> = recorded.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["status"],
            "a failed attempt still updates the status line"
        );
        assert_eq!(recorded[0].1["user"], Value::Null);
        assert_eq!(recorded[0].1["pending"], 0);
    }
}
