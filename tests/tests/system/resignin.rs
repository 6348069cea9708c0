//! Signing in again when the server asks for the password (`sign_in_required`): the
//! session's cache and outbox stay on the desktop meanwhile, the same reviewer signing in
//! gets them back and their decisions sync, and another person signing in inherits nothing.

use crate::support::{Desktop, Keys, TestServer, decided_count};
use chrono::TimeDelta;
use countersign_app::QueueFilter;
use countersign_core::{Draft, Verdict};
use countersign_server::Clock;
use std::sync::{Arc, Mutex};

/// A server whose clock the test moves, a draft by alex, and rita's desktop that decided
/// on it while the server was down, after which the server's clock passed the refresh
/// token's 30 days: the session has expired on the server.
async fn expired_with_a_decision_waiting() -> (TestServer, Desktop, Draft) {
    let ahead = Arc::new(Mutex::new(TimeDelta::zero()));
    let offset = Arc::clone(&ahead);
    let system = Clock::system();
    let clock = Clock::from_fn(move || system.now() + *offset.lock().expect("clock"));
    let mut server = TestServer::start_with_clock(clock).await;
    let draft = server
        .session("alex")
        .await
        .create_draft("The Leeds store opens at nine tomorrow.", &[])
        .await;
    let desktop = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    server.stop().await;
    desktop
        .app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("decided offline");
    *ahead.lock().expect("clock") = TimeDelta::days(31);
    server.restart().await;

    let error = desktop
        .app
        .sync_now()
        .await
        .expect_err("the session expired");
    assert_eq!(error.code(), "sign_in_required", "{error}");
    let status = desktop.app.status().await.expect("status");
    assert!(
        status.sign_in_required,
        "the window is told to ask for the password"
    );
    (server, desktop, draft)
}

#[tokio::test]
async fn the_same_reviewer_signing_in_again_keeps_the_cache_and_the_outbox_and_syncs_once() {
    let (server, desktop, draft) = expired_with_a_decision_waiting().await;

    // Asked for the password, the desktop keeps everything: the queue still reads from the
    // cache, the decision still waits, and the app is still signed in as rita.
    assert_eq!(
        desktop.pending().await,
        1,
        "the decision waits in the outbox"
    );
    let queue = desktop.queue_ids().await;
    assert!(queue.contains(&draft.id), "the cache is kept");
    assert_eq!(
        desktop.app.user().await.map(|u| u.person.username),
        Some("rita".to_owned())
    );
    assert!(
        desktop
            .keychain
            .get("cache-key")
            .expect("keychain")
            .is_some(),
        "the cache key stays in the keychain"
    );

    desktop.sign_in(&server.url(), "rita").await;
    assert_eq!(desktop.pending().await, 1, "signing in again loses nothing");
    assert!(!desktop.app.status().await.expect("status").sign_in_required);
    assert_eq!(desktop.queue_ids().await, queue, "the queue is as it was");
    desktop.app.sync_now().await.expect("sync after signing in");
    assert_eq!(desktop.pending().await, 0, "the outbox drained");
    assert_eq!(
        decided_count(&server.draft(draft.id).await),
        1,
        "the decision made before the sign-in reached the server exactly once"
    );
    desktop.app.sync_now().await.expect("a second sync");
    assert_eq!(decided_count(&server.draft(draft.id).await), 1);
}

#[tokio::test]
async fn someone_else_signing_in_instead_inherits_neither_the_outbox_nor_the_cache() {
    let (server, desktop, draft) = expired_with_a_decision_waiting().await;

    desktop.sign_in(&server.url(), "ravi").await;
    assert_eq!(
        desktop.pending().await,
        0,
        "rita's decision is not ravi's to send"
    );
    assert_eq!(
        desktop
            .app
            .queue(QueueFilter::default())
            .await
            .expect("queue")
            .len(),
        0,
        "rita's cache is gone before ravi's first sync"
    );
    desktop.app.sync_now().await.expect("ravi's first sync");
    assert!(
        desktop.queue_ids().await.contains(&draft.id),
        "ravi's own copy"
    );
    assert_eq!(
        decided_count(&server.draft(draft.id).await),
        0,
        "nothing was sent in rita's name"
    );
}
