//! Signing in again in place: a decision made offline waits while the server's session
//! runs out; the window then asks for the password over the queue (not the sign-in
//! screen), and once it is given the queue and its selection are as they were and the
//! decision reaches the server exactly once.

use crate::harness::{DEMO_PASSWORD, Desktop, assert_accessible, demo_server_with_clock, enabled};
use crate::{REVIEWER, decisions, only_clean_drafts, selected_id, server_draft};
use chrono::TimeDelta;
use countersign_server::Clock;
use serde_json::json;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_server_asks_for_the_password_again_the_window_asks_in_place_and_loses_nothing() {
    if !enabled() {
        return;
    }
    // The server's clock, moved by the test: past the refresh token's 30 days, the session
    // has expired and the server wants the password (`sign_in_required`).
    let ahead = Arc::new(Mutex::new(TimeDelta::zero()));
    let offset = Arc::clone(&ahead);
    let system = Clock::system();
    let clock = Clock::from_fn(move || system.now() + *offset.lock().expect("clock"));
    let mut server = demo_server_with_clock(clock).await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in(REVIEWER).await;
    let s = &desktop.session;
    only_clean_drafts(s).await;

    // Offline, one approval waits in the outbox; the selection moves on to the next draft.
    server.stop().await;
    let decided = selected_id(&desktop).await;
    s.press("a").await;
    let pending = s.find("[data-testid=status-pending]").await;
    s.wait_for("\"1 waiting\"", || async {
        s.text(&pending).await.contains("1 waiting").then_some(())
    })
    .await;
    let selected = selected_id(&desktop).await;
    assert_ne!(selected, decided, "the selection moved on");

    // A month later the server is back, and the session it knew has expired.
    *ahead.lock().expect("clock") = TimeDelta::days(31);
    server.restart().await;
    let overlay = s.find("[data-testid=resignin]").await;
    let screens = s
        .script(
            "return {signin: document.querySelector('#signin').hidden,
                     app: document.querySelector('#app').hidden};",
            json!([]),
        )
        .await;
    assert_eq!(
        screens,
        json!({"signin": true, "app": false}),
        "the password is asked over the queue, not on the sign-in screen"
    );
    assert_eq!(
        s.script(
            "return document.querySelector('[data-testid=resignin-username]').value;",
            json!([])
        )
        .await,
        json!(REVIEWER),
        "the overlay names whose password it asks for"
    );
    assert!(
        s.text(&overlay).await.contains("1 decision waits to sync"),
        "it says the waiting decision is kept"
    );
    assert_eq!(
        selected_id(&desktop).await,
        selected,
        "the selection is kept"
    );
    desktop.shot("resignin").await;
    // The approval's own toast goes first: this checks the overlay, not the toast.
    s.wait_for("the decision's toast to go", || async {
        s.find_all("[data-testid=toast]")
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    assert_accessible(s, "re-sign-in overlay").await;

    // A wrong password is refused in place; the right one signs in.
    let password = s.find("[data-testid=resignin-password]").await;
    s.type_into(&password, "not-the-password").await;
    s.click(&s.find("[data-testid=resignin-submit]").await)
        .await;
    let error = s.find("[data-testid=resignin-error]").await;
    s.wait_for("the refusal", || async {
        s.text(&error).await.contains("not right").then_some(())
    })
    .await;
    assert_eq!(
        decisions(&server_draft(&server, &decided).await),
        0,
        "nothing was sent without a session"
    );
    let password = s.find("[data-testid=resignin-password]").await;
    s.type_into(&password, DEMO_PASSWORD).await;
    s.click(&s.find("[data-testid=resignin-submit]").await)
        .await;
    s.wait_for("the overlay to close", || async {
        s.find_all("[data-testid=resignin]")
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    s.wait_for("the waiting decision to apply", || async {
        (decisions(&server_draft(&server, &decided).await) == 1).then_some(())
    })
    .await;
    s.wait_for("the waiting count to clear", || async {
        let text = s.text(&s.find("[data-testid=status-pending]").await).await;
        (!text.contains("waiting")).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await; // two more background syncs
    assert_eq!(
        decisions(&server_draft(&server, &decided).await),
        1,
        "applied exactly once"
    );
    assert_eq!(
        selected_id(&desktop).await,
        selected,
        "the queue carries on where it was"
    );
    desktop.close().await;
}
