//! The OS notification, on its real path: the notification plugin sends
//! `org.freedesktop.Notifications.Notify` on the session bus (the private one of
//! `scripts/with-keychain`), and `dbus-monitor` on that bus records the call.

use crate::REVIEWER;
use crate::harness::{DEMO_PASSWORD, Desktop, demo_server, enabled};
use countersign_core::wire::SessionResponse;
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `dbus-monitor` on the session bus, writing the `Notify` calls it sees to `log`.
struct Monitor(Child);

impl Monitor {
    fn start(log: &Path) -> Monitor {
        let file = std::fs::File::create(log).expect("monitor log");
        let child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (dbus-bin) on the session bus");
        Monitor(child)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `Notify` calls in the monitor's log: the strings of each (app name, icon, summary,
/// body in the spec's order).
fn notify_calls(log: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut calls: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("method call") && line.contains("member=Notify") {
            calls.push(Vec::new());
        } else if let (Some(call), Some(rest)) =
            (calls.last_mut(), line.trim().strip_prefix("string \""))
        {
            call.push(rest.trim_end_matches('"').to_owned());
        }
    }
    calls
}

/// Writes a crisis draft as the demo author over the HTTP API.
async fn crisis_draft(url: &str, body: &str) {
    let http = reqwest::Client::new();
    let session: SessionResponse = http
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({"username": "sam.patel", "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in as the author")
        .json()
        .await
        .expect("session");
    http.post(format!("{url}/api/v1/drafts"))
        .bearer_auth(&session.access_token)
        .json(&json!({
            "network": "x",
            "channel": "@HartwellHelp",
            "body": body,
            "urgency": "crisis",
        }))
        .send()
        .await
        .expect("create the draft")
        .error_for_status()
        .expect("draft accepted");
}

/// Another X client's window under the pointer: with no window manager (Xvfb), the
/// keyboard focus follows the pointer, so the app's window loses the focus to it — as when
/// the reviewer works in another application.
struct OtherWindow(Child);

impl OtherWindow {
    fn open() -> OtherWindow {
        let child = Command::new("xmessage")
            .args(["-center", "-timeout", "120", "Another application"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xmessage (x11-utils, scripts/install-deps)");
        OtherWindow(child)
    }
}

impl Drop for OtherWindow {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn window_focused(s: &crate::webdriver::Session) -> bool {
    s.script("return document.hasFocus();", json!([])).await == json!(true)
}

/// Waits until the queue shows a row whose first line starts with `start`.
async fn row_shown(s: &crate::webdriver::Session, start: &str) {
    s.wait_for(&format!("the row of {start:?}"), || async {
        let found = s
            .script(
                "return [...document.querySelectorAll('[data-testid=queue-row]')]
                   .some((r) => r.textContent.includes(arguments[0]));",
                json!([start]),
            )
            .await;
        (found == json!(true)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisis_draft_arriving_while_the_window_is_not_focused_is_notified_once() {
    if !enabled() {
        return;
    }
    let logs = tempfile::tempdir().expect("temp dir");
    let log = logs.path().join("notify.log");
    let _monitor = Monitor::start(&log);
    let server = demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in(REVIEWER).await;
    let s = &desktop.session;

    // While the reviewer looks at the window, a crisis draft shows up in the queue and
    // nothing else; the demo's own crisis drafts, there at sign-in, are no news either.
    assert!(window_focused(s).await, "the window starts in front");
    crisis_draft(&server.url(), "Seen in the queue: the first statement.").await;
    crisis_draft_shown_then_quiet(s, &log).await;

    // In another application, the next one is announced: once, cut short.
    let other = OtherWindow::open();
    s.wait_for("the window to lose the focus", || async {
        (!window_focused(s).await).then_some(())
    })
    .await;
    let body = format!(
        "Statement on the Leeds store fire. {}",
        "More detail. ".repeat(40)
    );
    crisis_draft(&server.url(), &body).await;
    s.wait_for("the Notify call", || async {
        (!notify_calls(&log).is_empty()).then_some(())
    })
    .await;
    let calls = notify_calls(&log);
    assert_eq!(calls.len(), 1, "one notification: {calls:?}");
    let strings = &calls[0];
    assert!(
        strings
            .iter()
            .any(|s| s == "Crisis draft to review for @HartwellHelp"),
        "the summary names the urgency and the channel: {strings:?}"
    );
    let shown = strings
        .iter()
        .find(|s| s.starts_with("Statement on the Leeds store fire."))
        .unwrap_or_else(|| panic!("the body is the draft's first line: {strings:?}"));
    assert!(
        shown.chars().count() <= 100 && shown.ends_with('…'),
        "cut to 100 characters: {shown:?}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await; // three more background syncs
    assert_eq!(notify_calls(&log).len(), 1, "told once");
    drop(other);
    desktop.close().await;
}

/// The first crisis draft reaches the queue, and a few syncs later still nothing was sent.
async fn crisis_draft_shown_then_quiet(s: &crate::webdriver::Session, log: &Path) {
    row_shown(s, "Seen in the queue").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        notify_calls(log),
        Vec::<Vec<String>>::new(),
        "nothing is announced while the window is in front"
    );
}
