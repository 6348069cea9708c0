//! The offline lease: a desktop out of contact with the server for longer than the server
//! allows shows nothing until its reviewer signs in again, and loses nothing meanwhile.

use crate::support::{Desktop, Keys, TestServer, decided_count};
use chrono::{DateTime, TimeDelta, Utc};
use countersign_app::QueueFilter;
use countersign_core::Verdict;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn past_the_servers_lease_the_desktop_asks_for_a_sign_in_and_then_syncs_what_waited() {
    let mut server = TestServer::start().await;
    let alex = server.session("alex").await;
    let draft = alex
        .create_draft("We have reopened the Leeds store.", &[])
        .await;
    let clock = Arc::new(Mutex::new(server.server.now()));
    let shared = Arc::clone(&clock);
    let desktop = Desktop::new_with(Keys::Memory, move |config| {
        config.clock = Arc::new(move || *shared.lock().expect("clock"));
    })
    .await;
    desktop.sign_in(&server.url(), "rita").await;
    desktop.app.sync_now().await.expect("first sync");

    // A decision made offline, then two weeks and a day without contact.
    server.stop().await;
    desktop
        .app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("decided offline");
    let advance = |by: TimeDelta| {
        let mut now = clock.lock().expect("clock");
        *now += by;
        *now
    };
    advance(TimeDelta::days(13));
    desktop
        .app
        .queue(QueueFilter::default())
        .await
        .expect("13 days: still shown");
    let later: DateTime<Utc> = advance(TimeDelta::days(2));
    let error = desktop
        .app
        .queue(QueueFilter::default())
        .await
        .expect_err("15 days offline");
    assert_eq!(error.code(), "lease_expired", "{error} at {later}");
    assert_eq!(
        desktop.pending().await,
        1,
        "the decision still waits in the outbox"
    );

    // The server is back: the refresh token alone is not enough, a sign-in is.
    server.restart().await;
    let refused = desktop.app.sync_now().await.expect_err("a sign-in first");
    assert_eq!(refused.code(), "lease_expired");
    desktop.sign_in(&server.url(), "rita").await;
    desktop.app.sync_now().await.expect("sync after signing in");
    assert_eq!(desktop.pending().await, 0, "the outbox drained");
    assert_eq!(
        decided_count(&server.draft(draft.id).await),
        1,
        "the offline decision reached the server once"
    );
    desktop
        .app
        .queue(QueueFilter::default())
        .await
        .expect("shown again");
}
