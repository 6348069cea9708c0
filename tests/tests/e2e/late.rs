//! A late approval in the real window: a draft whose scheduled time has passed shows a
//! "late" badge; `a` asks first, in words, and Escape changes nothing; confirming from the
//! keyboard records the approval, which the server applies and flags late; the draft's
//! history then says how late it was.

use crate::harness::{DEMO_PASSWORD, Desktop, demo_server, enabled, open_row};
use crate::server_draft;
use crate::webdriver::Session;
use countersign_core::wire::SessionResponse;
use countersign_core::{Draft, HistoryEvent};
use serde_json::json;

/// W3C WebDriver key values.
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// Sam Patel, a Customer Care author, writes a draft for the care X account that was due
/// to go out 2 h 5 min ago and needs review then legal (so after the review approval it is
/// still pending, in the legal reviewer's queue, and its history can be read there).
async fn a_draft_due_two_hours_ago(server: &countersign_tests::LoopbackServer) -> Draft {
    let http = reqwest::Client::new();
    let session: SessionResponse = http
        .post(format!("{}/api/v1/sessions", server.url()))
        .json(&json!({"username": "sam.patel", "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in as the author")
        .json()
        .await
        .expect("session");
    let due = server.server.now() - chrono::TimeDelta::minutes(125);
    let answer = http
        .post(format!("{}/api/v1/drafts", server.url()))
        .bearer_auth(&session.access_token)
        .json(&json!({
            "network": "x",
            "channel": "@HartwellHelp",
            "body": "Our Leeds Briggate store opens late today, after the stock count. Thanks for bearing with us!",
            "scheduled_at": due,
            "required_steps": ["legal"],
        }))
        .send()
        .await
        .expect("create the draft");
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.expect("the draft")
}

async fn dialog_open(s: &Session) -> bool {
    !s.find_all("[data-testid=confirm-late]").await.is_empty()
}

/// The `late_secs` of the draft's decisions on the server.
fn late_flags(draft: &Draft) -> Vec<Option<u64>> {
    draft
        .history
        .iter()
        .filter_map(|h| match &h.event {
            HistoryEvent::Decided { late_secs, .. } => Some(*late_secs),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_a_draft_whose_time_has_passed_asks_first_and_the_history_shows_it_late() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let draft = a_draft_due_two_hours_ago(&server).await;
    let id = draft.id.to_string();
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("david.chen").await;
    let s = &desktop.session;

    open_row(s, &id, "the late draft").await;
    let row_badge = s
        .script(
            "const row = document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);
             return row?.querySelector('[data-testid=late-badge]')?.title ?? null;",
            json!([id]),
        )
        .await;
    assert_eq!(
        row_badge,
        json!("Due 2 h 5 min ago: an approval now is marked late")
    );
    let pane_badge = s
        .find("[data-testid=draft-detail] [data-testid=late-badge]")
        .await;
    assert_eq!(s.text(&pane_badge).await.to_lowercase(), "late");

    // `a` asks, and Escape leaves everything as it was.
    s.press("a").await;
    let text = s.find("[data-testid=late-text]").await;
    assert_eq!(
        s.text(&text).await,
        "This draft was due to go out 2 h 5 min ago. Approve it anyway? It will be marked late."
    );
    desktop.shot("late-approval").await;
    s.press(ESCAPE).await;
    s.wait_for("the question to close", || async {
        (!dialog_open(s).await).then_some(())
    })
    .await;
    let state = s
        .script(
            "return document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`)?.dataset.state ?? null;",
            json!([id]),
        )
        .await;
    assert_eq!(state, json!("pending"), "Escape records nothing");

    // Asked again, Tab moves from Cancel to "Approve anyway" and Enter confirms.
    open_row(s, &id, "the late draft").await;
    s.press("a").await;
    s.find("[data-testid=late-confirm]").await;
    s.press_keys(&[TAB, ENTER]).await;
    let late = s
        .wait_for("the server to apply the approval, flagged late", || async {
            let on_server = server_draft(&server, &id).await;
            match late_flags(&on_server).as_slice() {
                [Some(secs)] => Some(*secs),
                [None] => panic!("the approval was applied without the late flag"),
                _ => None,
            }
        })
        .await;
    assert!(
        (125 * 60..130 * 60).contains(&late),
        "late by about 2 h 5 min: {late} s"
    );
    let on_server = server_draft(&server, &id).await;
    assert_eq!(on_server.approvals.len(), 1, "the late approval counts");

    // Approved at review, the draft left David's queue and waits for legal: Margaret, who
    // takes that step, reads in its history how late his approval was.
    desktop.close().await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("margaret.lewis").await;
    let s = &desktop.session;
    open_row(s, &id, "the late draft").await;
    let line = s
        .wait_for("the history's late line", || async {
            let text = s
                .script(
                    "const badge = document.querySelector('[data-testid=history-late]');
                     return badge ? badge.closest('.history-line').textContent : null;",
                    json!([]),
                )
                .await;
            text.as_str().map(str::to_owned)
        })
        .await;
    assert!(
        line.starts_with("David Chen approved 2 h 5 min after its scheduled time (review)"),
        "{line:?}"
    );
    desktop.shot("late-history").await;
    desktop.close().await;
}
