//! Undo in the real window: offline, `a` then `u` takes the approval back (the row is
//! undecided again) and after the server is back the server never gets it; online, the
//! background sync (every second here) holds a fresh approval back for the undo window, so
//! `u` seconds later still takes it back; the next decision — which takes the undone ones'
//! place in the outbox — is accepted once the window has passed; once a decision has reached
//! the server, `u` says it can no longer be undone.

use crate::bulk::{a_draft, selected_row};
use crate::harness::{Desktop, assert_accessible, demo_server, enabled, open_row};
use crate::webdriver::Session;
use crate::{decisions, queue_count, row_state, server_draft};
use countersign_core::DraftStatus;
use serde_json::json;

/// The texts of the toasts on screen.
async fn toasts(s: &Session) -> Vec<String> {
    let texts = s
        .script(
            "return [...document.querySelectorAll('[data-testid=toast]')].map((t) => t.textContent);",
            json!([]),
        )
        .await;
    texts
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The queue's "N to review".
async fn to_review(s: &Session) -> u64 {
    let text = queue_count(s).await;
    text.split(" to review")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("the queue's count reads {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_before_the_sync_takes_a_decision_back_and_after_it_says_it_is_too_late() {
    if !enabled() {
        return;
    }
    let mut server = demo_server().await;
    let mistake = a_draft(&server, "Undo test: thanks, we have re-sent your order.").await;
    let next = a_draft(&server, "Undo test: sorry about the wait, it ships today.").await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("david.chen").await;
    let s = &desktop.session;
    let (mistake_id, next_id) = (mistake.id.to_string(), next.id.to_string());
    // Both in the cache before the server goes away.
    open_row(s, &next_id, "the second draft").await;
    open_row(s, &mistake_id, "the draft approved by mistake").await;

    // Offline: the approval stays in the outbox.
    server.stop().await;
    s.press("a").await;
    s.wait_for("the approval shown", || async {
        (row_state(&desktop, &mistake_id).await.as_deref() != Some("pending")).then_some(())
    })
    .await;
    s.find("[data-testid=toast-undo]").await;
    assert_accessible(s, "a decision's toast with Undo").await;
    desktop.shot("undo-offered").await;
    s.press("u").await;
    s.wait_for("the row undecided again", || async {
        (row_state(&desktop, &mistake_id).await.as_deref() == Some("pending")).then_some(())
    })
    .await;
    assert!(
        toasts(s).await.iter().any(|t| t.contains("Undone")),
        "{:?}",
        toasts(s).await
    );

    // Back online: three background syncs later, the approval is still only here, and `u`
    // takes it back.
    server.restart().await;
    open_row(s, &mistake_id, "the draft approved by mistake").await;
    let before = to_review(s).await;
    s.press("a").await;
    s.wait_for("the approval shown", || async {
        (row_state(&desktop, &mistake_id).await.as_deref() != Some("pending")).then_some(())
    })
    .await;
    // Waiting for something not to happen: there is no event to wait for instead.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        decisions(&server_draft(&server, &mistake_id).await),
        0,
        "held back while it can be undone"
    );
    assert_eq!(
        to_review(s).await,
        before - 1,
        "the count follows the decision at once, not when the sync sends it"
    );
    s.press("u").await;
    s.wait_for("the row undecided again, online", || async {
        (row_state(&desktop, &mistake_id).await.as_deref() == Some("pending")).then_some(())
    })
    .await;

    // The next decision takes the undone ones' place and is accepted.
    open_row(s, &next_id, "the second draft").await;
    assert_eq!(selected_row(s).await, next_id);
    s.press("a").await;
    s.wait_for("the server to apply the second approval", || async {
        (server_draft(&server, &next_id).await.status == DraftStatus::Approved).then_some(())
    })
    .await;
    let undone = server_draft(&server, &mistake_id).await;
    assert_eq!(undone.status, DraftStatus::Pending);
    assert_eq!(
        decisions(&undone),
        0,
        "the server never got the undone approval"
    );

    // It has reached the server: `u` says so, and nothing changes.
    s.press("u").await;
    let said = s
        .wait_for("the too-late message", || async {
            toasts(s)
                .await
                .into_iter()
                .find(|t| t.contains("can no longer be undone"))
        })
        .await;
    assert!(said.contains("server"), "{said}");
    desktop.shot("undo-too-late").await;
    assert_eq!(decisions(&server_draft(&server, &next_id).await), 1);
    desktop.close().await;
}
