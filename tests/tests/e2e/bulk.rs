//! Bulk approval in the real window: `x` checks rows (a visible checkmark), Shift+J extends
//! the selection, `A` asks Rust which may be approved and shows how many and which are left
//! out and why (a draft with a finding among them), Enter confirms, and after the sync the
//! server has exactly those approvals, each its own decision.

use crate::harness::{DEMO_PASSWORD, Desktop, assert_accessible, demo_server, enabled, open_row};
use crate::webdriver::Session;
use crate::{decisions, server_draft};
use countersign_core::wire::SessionResponse;
use countersign_core::{Draft, DraftStatus};
use serde_json::json;

const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";

/// A draft for the care X account, needing only the review step, written by Sam Patel.
pub(crate) async fn a_draft(server: &countersign_tests::LoopbackServer, body: &str) -> Draft {
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
    let answer = http
        .post(format!("{}/api/v1/drafts", server.url()))
        .bearer_auth(&session.access_token)
        .json(&json!({
            "network": "x",
            "channel": "@HartwellHelp",
            "body": body,
            "required_steps": ["review"],
        }))
        .send()
        .await
        .expect("create the draft");
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.expect("the draft")
}

/// True when the row of `id` is shown checked, with its checkmark.
pub(crate) async fn checked(s: &Session, id: &str) -> bool {
    s.script(
        "const row = document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);
         const mark = row?.querySelector('[data-testid=row-check]');
         return !!row && row.dataset.checked === 'true' && !!mark && mark.offsetParent !== null;",
        json!([id]),
    )
    .await
        == json!(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_approval_names_what_it_leaves_out_and_the_server_gets_each_approval() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let mut clean = Vec::new();
    for n in 1..=3 {
        let body = format!("Bulk reply {n}: thanks for your patience, your refund is on its way.");
        clean.push(a_draft(&server, &body).await);
    }
    let leaky = a_draft(
        &server,
        "Bulk reply 4: we've sent the voucher to raj.khanna82@gmail.com today.",
    )
    .await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("david.chen").await;
    let s = &desktop.session;

    // Shift+J checks the focused row and the next one, and moves to it; x unchecks that one.
    let first = clean[0].id.to_string();
    open_row(s, &first, "the first draft").await;
    s.press_holding(&[SHIFT], &["J"]).await;
    let below = s
        .wait_for("Shift+J to move and check", || async {
            let now = selected_row(s).await;
            (now != first && checked(s, &now).await && checked(s, &first).await).then_some(now)
        })
        .await;
    s.press("x").await;
    s.wait_for("x to uncheck the row below", || async {
        (!checked(s, &below).await).then_some(())
    })
    .await;
    // x on the others, the leaky one among them (wherever they are in the queue).
    for draft in [&leaky, &clean[1], &clean[2]] {
        let id = draft.id.to_string();
        open_row(s, &id, "a draft to select").await;
        s.press("x").await;
        s.wait_for("the checkmark", || async {
            checked(s, &id).await.then_some(())
        })
        .await;
    }
    // x again unchecks, and once more checks.
    let last = clean[2].id.to_string();
    s.press("x").await;
    s.wait_for("x to uncheck", || async {
        (!checked(s, &last).await).then_some(())
    })
    .await;
    s.press("x").await;
    s.wait_for("x to check again", || async {
        checked(s, &last).await.then_some(())
    })
    .await;
    assert!(checked(s, &first).await || !row_rendered(s, &first).await);
    desktop.shot("bulk-selection").await;

    s.press("A").await;
    let title = s.find("[data-testid=bulk-title]").await;
    assert_eq!(s.text(&title).await, "Approve 3 drafts?");
    let left_out = s
        .script(
            "return [...document.querySelectorAll('[data-testid=bulk-left-out]')].map((li) => ({
               id: li.dataset.draftId, text: li.textContent }));",
            json!([]),
        )
        .await;
    let left_out = left_out.as_array().expect("a list");
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0]["id"], json!(leaky.id.to_string()));
    let text = left_out[0]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("@HartwellHelp")
            && text.contains("Bulk reply 4")
            && text.contains("policy guard"),
        "the confirmation names the left-out draft and why: {text:?}"
    );
    assert_accessible(s, "the bulk approval confirmation").await;
    desktop.shot("bulk-confirm").await;
    s.press(ENTER).await;

    // Each approval reaches the server (the window asks for a sync at once).
    for draft in &clean {
        let id = draft.id.to_string();
        s.wait_for("the server to apply the bulk approval", || async {
            let now = server_draft(&server, &id).await;
            (now.status == DraftStatus::Approved).then_some(())
        })
        .await;
        assert_eq!(decisions(&server_draft(&server, &id).await), 1);
    }
    let leaky_now = server_draft(&server, &leaky.id.to_string()).await;
    assert_eq!(leaky_now.status, DraftStatus::Pending);
    assert_eq!(decisions(&leaky_now), 0, "the left-out one is untouched");
    desktop.shot("bulk-done").await;
    desktop.close().await;
}

pub(crate) async fn selected_row(s: &Session) -> String {
    s.script(
        "return document.querySelector('[data-testid=queue-row][aria-selected=true]')?.dataset.id ?? '';",
        json!([]),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

async fn row_rendered(s: &Session, id: &str) -> bool {
    s.script(
        "return !!document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);",
        json!([id]),
    )
    .await
        == json!(true)
}
