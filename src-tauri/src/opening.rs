//! The app opens in the background: the window never waits on the keychain and the cache.
//!
//! Opening takes tens of milliseconds (Secret Service over D-Bus, then the encrypted
//! cache). Done on the main thread during Tauri's setup, it stalls WebKit's start-up
//! handshake with the window, which gives up waiting only after 500 ms — measured: a 90 ms
//! block in setup made the first screen appear ~550 ms later. So setup only starts the
//! opening, and every command waits for it; the first command arrives after the page has
//! loaded, when the app is long open.

use crate::background::BackgroundSync;
use crate::error::CommandError;
use countersign_app::App;
use std::sync::Arc;
use tokio::sync::watch;

/// The opened app and its background sync.
#[derive(Clone)]
pub struct Opened {
    /// The application layer.
    pub app: Arc<App>,
    /// The background sync over it.
    pub sync: Arc<BackgroundSync>,
}

/// Managed by Tauri from setup on: the app, once it is open.
pub struct Opening {
    state: watch::Receiver<Option<Result<Opened, CommandError>>>,
}

/// Where the opening task reports.
pub struct OpeningReport(watch::Sender<Option<Result<Opened, CommandError>>>);

impl Opening {
    /// A pending opening and the handle to report its outcome with.
    pub fn new() -> (Opening, OpeningReport) {
        let (tx, rx) = watch::channel(None);
        (Opening { state: rx }, OpeningReport(tx))
    }

    /// The opened app: at once when it is open, after the opening otherwise. When opening
    /// failed, every command says why (e.g. the keychain is locked).
    pub async fn wait(&self) -> Result<Opened, CommandError> {
        let mut state = self.state.clone();
        let outcome = state
            .wait_for(Option::is_some)
            .await
            .map_err(|_| cannot_start("the app stopped while it was opening"))?;
        outcome
            .clone()
            .unwrap_or_else(|| Err(cannot_start("the app is not open")))
    }
}

impl OpeningReport {
    /// Reports how the opening went.
    pub fn finish(self, outcome: Result<Opened, CommandError>) {
        // Nobody listening means the app is shutting down: nothing to tell.
        let _ = self.0.send(Some(outcome));
    }
}

/// The error of an app that could not open, with the reason for the reviewer.
pub fn cannot_start(reason: &str) -> CommandError {
    CommandError {
        code: "cannot_start".into(),
        message: format!("Countersign could not open its data: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_opening_is_every_command_s_answer() {
        let (opening, report) = Opening::new();
        let waiting = tokio::spawn(async move { opening.wait().await.err() });
        report.finish(Err(cannot_start("the keychain is locked")));
        let error = waiting.await.expect("joins").expect("an error");
        assert_eq!(error.code, "cannot_start");
        assert!(error.message.contains("keychain is locked"), "{error:?}");
    }

    #[tokio::test]
    async fn an_opening_abandoned_before_it_finished_is_an_error_not_a_hang() {
        let (opening, report) = Opening::new();
        drop(report);
        let error = opening.wait().await.err().expect("an error");
        assert_eq!(error.code, "cannot_start");
    }
}
