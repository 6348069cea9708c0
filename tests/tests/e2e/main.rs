//! End-to-end tests: the real desktop app in real WebKit (tauri-driver + WebKitWebDriver
//! under Xvfb), the real OS keychain, and the real demo server on loopback.
//!
//! Run them with `scripts/e2e` (which `scripts/test` calls); without its environment they
//! report that they were skipped.

mod a11y;
mod annotations;
mod bulk;
mod crisis;
mod harness;
mod instance;
mod late;
mod notify;
mod policy;
mod receipts;
mod resignin;
mod search;
mod transport;
mod undo;
mod versions;
mod webdriver;
mod xss;

use countersign_core::wire::EditDraft;
use countersign_core::{Draft, DraftId, HistoryEvent};
use countersign_server::admin;
use countersign_server::trail::Trail;
use countersign_tests::LoopbackServer as DemoServer;
use harness::{Desktop, demo_server, enabled};
use serde_json::json;
use webdriver::Session;

/// A reviewer and crisis spokesperson of both demo teams: every demo draft is theirs to
/// approve at its review step.
const REVIEWER: &str = "david.chen";

async fn server_draft(server: &DemoServer, id: &str) -> Draft {
    let id: DraftId = id.parse().expect("draft id");
    admin::draft(&server.server, id)
        .await
        .expect("draft on the server")
}

/// The demo server and the app on it, signed in as [`REVIEWER`].
async fn signed_in() -> (DemoServer, Desktop) {
    signed_in_with(&[]).await
}

/// [`signed_in`], with more environment for the app.
async fn signed_in_with(env: &[(&str, &str)]) -> (DemoServer, Desktop) {
    let server = demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), env).await;
    desktop.sign_in(REVIEWER).await;
    (server, desktop)
}

/// The id of the demo draft whose body contains `needle`, read from the changes feed as
/// the administrator.
async fn demo_draft_containing(server: &DemoServer, needle: &str) -> Draft {
    use countersign_core::wire::{Change, ChangesResponse, SessionResponse};
    let http = reqwest::Client::new();
    let session: SessionResponse = http
        .post(format!("{}/api/v1/sessions", server.url()))
        .json(&json!({"username": "admin", "password": harness::DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in as admin")
        .json()
        .await
        .expect("session");
    let page: ChangesResponse = http
        .get(format!("{}/api/v1/changes?limit=500", server.url()))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .expect("changes")
        .json()
        .await
        .expect("changes page");
    page.changes
        .into_iter()
        .find_map(|change| match change {
            Change::Upsert { draft } if draft.body.contains(needle) => Some(*draft),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no demo draft contains {needle:?}"))
}

/// Chooses `value` in the queue's filter menu `name` (`network`, `channel`, `urgency`,
/// `findings`), as a person picking from the menu would.
async fn choose_filter(s: &Session, name: &str, value: &str) {
    s.script(
        "const select = document.querySelector(`[data-testid=filter-${arguments[0]}]`);
         select.value = arguments[1];
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([name, value]),
    )
    .await;
}

/// Narrows the queue to drafts the policy guard found nothing in, and waits until every
/// row on screen is one it has checked and found clean. Tests about the keyboard, the
/// outbox and conflicts use these drafts: approving them takes one key, while a draft
/// with a blocking finding asks for a reason first (tested in `policy`).
async fn only_clean_drafts(s: &Session) {
    choose_filter(s, "findings", "none").await;
    s.wait_for("only checked, clean drafts in the queue", || async {
        let rows = s
            .script(
                "const rows = [...document.querySelectorAll('[data-testid=queue-row]')];
                 const flagged = rows.filter((r) => r.querySelector('[data-testid=risk-badge]'));
                 return {rows: rows.length, flagged: flagged.length};",
                json!([]),
            )
            .await;
        (rows["rows"].as_u64() >= Some(2) && rows["flagged"] == json!(0)).then_some(())
    })
    .await;
}

fn decisions(draft: &Draft) -> usize {
    draft
        .history
        .iter()
        .filter(|h| matches!(h.event, HistoryEvent::Decided { .. }))
        .count()
}

async fn row_state(desktop: &Desktop, id: &str) -> Option<String> {
    let rows = desktop
        .session
        .find_all(&format!("[data-testid=queue-row][data-id=\"{id}\"]"))
        .await;
    match rows.first() {
        Some(row) => desktop.session.attribute(row, "data-state").await,
        None => Some("gone".to_string()),
    }
}

/// The queue heading's count, as shown ("12 to review · 1 decided").
async fn queue_count(s: &Session) -> String {
    let text = s
        .script(
            "return document.getElementById('queue-count')?.textContent ?? '';",
            json!([]),
        )
        .await;
    text.as_str().unwrap_or_default().to_owned()
}

async fn selected_id(desktop: &Desktop) -> String {
    let value = desktop
        .session
        .script(
            "const r = document.querySelector('[data-testid=queue-row][aria-selected=true]'); \
             return r ? r.dataset.id : null;",
            json!([]),
        )
        .await;
    value.as_str().expect("a selected row").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_from_the_keyboard_offline_and_it_applies_exactly_once() {
    if !enabled() {
        return;
    }
    let (mut server, desktop) = signed_in().await;
    let s = &desktop.session;

    desktop.shot("queue").await;
    let rows = s.find_all("[data-testid=queue-row]").await;
    assert!(
        rows.len() >= 8,
        "the queue shows the demo drafts ({} rows)",
        rows.len()
    );
    let title = s.script("return document.title;", json!([])).await;
    assert!(
        title.as_str().unwrap_or_default().contains("to review"),
        "title: {title}"
    );

    // Approve the first draft with one keystroke. The background sync may confirm it within
    // milliseconds, so record every state the row goes through rather than poll for one.
    // Clean drafts only: over a blocking finding `a` asks for a reason first (see policy.rs).
    only_clean_drafts(s).await;
    let first = selected_id(&desktop).await;
    s.script(
        "const id = arguments[0]; window.__seen = [];
         const note = () => {
           const row = document.querySelector(`[data-testid=queue-row][data-id=\"${id}\"]`);
           window.__seen.push(row ? row.dataset.state : 'gone');
         };
         new MutationObserver(note).observe(document.body,
           {subtree: true, childList: true, attributes: true, attributeFilter: ['data-state']});",
        json!([first]),
    )
    .await;
    s.press("a").await;
    s.wait_for("the decision to show as done", || async {
        let seen = s.script("return window.__seen;", json!([])).await;
        let states: Vec<String> = serde_json::from_value(seen).unwrap_or_default();
        states
            .iter()
            .any(|state| state.starts_with("decided"))
            .then_some(())
    })
    .await;
    s.wait_for("the server to apply it", || async {
        (decisions(&server_draft(&server, &first).await) == 1).then_some(())
    })
    .await;
    s.wait_for(
        "the decided draft to leave the queue once synced",
        || async { (row_state(&desktop, &first).await? == "gone").then_some(()) },
    )
    .await;

    // The server goes away: two more decisions wait.
    server.stop().await;
    let mut offline = Vec::new();
    for _ in 0..2 {
        let id = selected_id(&desktop).await;
        assert_ne!(id, first, "the synced draft is not offered again");
        offline.push(id);
        s.press("a").await;
    }
    assert_ne!(
        offline[0], offline[1],
        "the selection moves on after a decision"
    );
    let pending = s.find("[data-testid=status-pending]").await;
    s.wait_for("\"2 waiting\"", || async {
        s.text(&pending).await.contains("2 waiting").then_some(())
    })
    .await;
    desktop.shot("offline").await;

    // Back online: both apply, once each.
    server.restart().await;
    for id in &offline {
        s.wait_for("the offline decisions to apply", || async {
            (decisions(&server_draft(&server, id).await) == 1).then_some(())
        })
        .await;
    }
    s.wait_for("the waiting count to clear", || async {
        let text = s.text(&s.find("[data-testid=status-pending]").await).await;
        (!text.contains("waiting")).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await; // two more background syncs
    for id in offline.iter().chain([&first]) {
        assert_eq!(
            decisions(&server_draft(&server, id).await),
            1,
            "{id} applied exactly once"
        );
    }
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_quick_presses_of_a_approve_two_drafts_not_one_twice() {
    if !enabled() {
        return;
    }
    let (mut server, desktop) = signed_in().await;
    let s = &desktop.session;
    // Two drafts `a` approves outright (no blocking finding to give a reason for).
    only_clean_drafts(s).await;
    // Offline, so the rows stay where they are and both decisions wait in the outbox.
    server.stop().await;
    let ids = s
        .script(
            "return [...document.querySelectorAll('[data-testid=queue-row]')] \
                .slice(0, 2).map((r) => r.dataset.id);",
            json!([]),
        )
        .await;
    let ids: Vec<String> = serde_json::from_value(ids).expect("two row ids");
    assert_eq!(
        ids[0],
        selected_id(&desktop).await,
        "the first row is selected"
    );
    // In one burst: the second press lands while the pane is still loading the next draft.
    s.press_keys(&["a", "a"]).await;
    let pending = s.find("[data-testid=status-pending]").await;
    s.wait_for("\"2 waiting\"", || async {
        s.text(&pending).await.contains("2 waiting").then_some(())
    })
    .await;
    server.restart().await;
    for id in &ids {
        s.wait_for("each of the two drafts to be approved once", || async {
            (decisions(&server_draft(&server, id).await) == 1).then_some(())
        })
        .await;
    }
    let conflicts = s.text(&s.find("[data-testid=conflicts-open]").await).await;
    assert_eq!(
        conflicts, "No conflicts",
        "no approval went to the same draft twice"
    );
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_shows_the_text_decided_on_next_to_the_current_text() {
    if !enabled() {
        return;
    }
    let (mut server, desktop) = signed_in().await;
    let s = &desktop.session;
    only_clean_drafts(s).await;

    server.stop().await;
    let id = selected_id(&desktop).await;
    let before = server_draft(&server, &id).await;
    s.press("a").await;
    let admin_user = admin::user_named(&server.server, "admin")
        .await
        .expect("admin");
    let new_body = "Edited while you were offline: opening hours are now 9 to 5.";
    admin::edit_draft(
        &server.server,
        &Trail::console(),
        admin_user.id,
        before.id,
        EditDraft {
            version: before.version,
            body: new_body.to_string(),
        },
    )
    .await
    .expect("edit the draft on the server");
    server.restart().await;

    let open = s.find("[data-testid=conflicts-open]").await;
    s.wait_for("the conflict to be counted", || async {
        let text = s.text(&open).await;
        text.chars()
            .any(|c| c.is_ascii_digit() && c != '0')
            .then_some(())
    })
    .await;
    s.click(&open).await;
    desktop.shot("conflict").await;
    let decided_on = s
        .text(&s.find("[data-testid=conflict-decided-on]").await)
        .await;
    let current = s
        .text(&s.find("[data-testid=conflict-current]").await)
        .await;
    let first_line = before.body.lines().next().unwrap_or_default();
    assert!(
        decided_on.contains(first_line.trim()),
        "decided on: {decided_on}"
    );
    assert!(
        current.contains("Edited while you were offline"),
        "current: {current}"
    );
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_html_in_a_draft_is_shown_as_text_and_runs_nothing() {
    if !enabled() {
        return;
    }
    let (server, desktop) = signed_in().await;
    let s = &desktop.session;

    // Find it on the server, then scroll the queue to it and open it, as a person would.
    let hostile = demo_draft_containing(&server, "onerror").await;
    // Narrow the queue to its channel with the filter bar, so its row is on screen.
    s.script(
        "const select = document.querySelector('[data-testid=filter-channel]');
         select.value = arguments[0];
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([hostile.channel]),
    )
    .await;
    let hostile = hostile.id.to_string();
    let row = harness::queue_row(s, &hostile, "the hostile draft's row", false, 300).await;
    s.click(&row).await;
    let body = s.find("[data-testid=draft-body]").await;
    let text = s
        .wait_for("the hostile draft to open", || async {
            let text = s.text(&body).await;
            text.contains("onerror").then_some(text)
        })
        .await;
    desktop.shot("hostile-draft").await;
    assert!(text.contains('<'), "shown literally: {text}");
    let injected = s
        .script(
            "return document.querySelectorAll('[data-testid=draft-detail] img, \
             [data-testid=draft-detail] script, [data-testid=draft-detail] iframe').length;",
            json!([]),
        )
        .await;
    assert_eq!(injected, json!(0), "no element was created from draft text");
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_leaves_no_token_in_the_keychain_and_no_cache_on_disk() {
    if !enabled() {
        return;
    }
    let (_server, desktop) = signed_in().await;
    let s = &desktop.session;
    assert!(
        matches!(desktop.keychain("refresh-token"), Ok(Some(_))),
        "signed in: the token is in the keychain"
    );
    assert!(desktop.data_dir().join("cache.db").exists());

    s.click(&s.find("[data-testid=sign-out]").await).await;
    s.click(&s.find("[data-testid=confirm-sign-out]").await)
        .await;
    s.find("[data-testid=signin-form]").await;
    s.wait_for("the keychain entries to go", || async {
        let gone = |account| matches!(desktop.keychain(account), Ok(None));
        (gone("refresh-token") && gone("cache-key")).then_some(())
    })
    .await;
    assert!(
        !desktop.data_dir().join("cache.db").exists(),
        "the cache is gone"
    );
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_follows_a_dark_system_theme() {
    if !enabled() {
        return;
    }
    // What a GNOME user's dark preference looks like to a GTK app.
    let (_server, desktop) = signed_in_with(&[("GTK_THEME", "Adwaita:dark")]).await;
    let s = &desktop.session;
    let page = s
        .script(
            "const rgb = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
             return {dark: matchMedia('(prefers-color-scheme: dark)').matches,
                     lightness: (rgb[0] + rgb[1] + rgb[2]) / 3};",
            json!([]),
        )
        .await;
    assert_eq!(
        page["dark"],
        json!(true),
        "WebKit reports the dark preference"
    );
    let lightness = page["lightness"].as_f64().expect("a background colour");
    assert!(lightness < 64.0, "the page is dark: {page}");
    desktop.shot("queue-dark").await;
    // Findings and their marks in the dark theme too.
    choose_filter(s, "findings", "has").await;
    s.wait_for("a draft with findings", || async {
        (!s.find_all("[data-testid=finding]").await.is_empty()).then_some(())
    })
    .await;
    desktop.shot("draft-findings-dark").await;
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_line_reports_the_sync_that_signing_in_starts() {
    if !enabled() {
        return;
    }
    // No periodic sync to paper over a lost report: only the one signing in starts.
    let (_server, desktop) = signed_in_with(&[("COUNTERSIGN_SYNC_INTERVAL_SECS", "600")]).await;
    let s = &desktop.session;
    let line = s.find("[data-testid=status-line]").await;
    s.wait_for("the status line to report the first sync", || async {
        s.text(&line)
            .await
            .contains("synced just now")
            .then_some(())
    })
    .await;
    desktop.close().await;
}
