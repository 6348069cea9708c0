//! Broken answers and dead networks: a clear error, an intact outbox, nothing applied twice.

use crate::fault_proxy::{Fault, FaultProxy};
use crate::support::{Desktop, Keys, PASSWORD, TestServer, decided_count};
use countersign_core::{DraftStatus, Verdict};
use countersign_server::trail::Trail;

async fn desktop_behind_proxy(proxy: &FaultProxy) -> Desktop {
    let desktop = Desktop::new(Keys::Memory).await;
    desktop
        .app
        .sign_in(proxy.url(), "rita", PASSWORD, None)
        .await
        .expect("sign in through the proxy");
    desktop.app.sync_now().await.expect("first sync");
    desktop
}

#[tokio::test]
async fn a_cut_off_push_answer_keeps_the_outbox_and_the_retry_applies_nothing_twice() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(2).await;
    let proxy = FaultProxy::start(server.url()).await;
    let desktop = desktop_behind_proxy(&proxy).await;
    for d in &drafts {
        desktop
            .app
            .decide(d.id, Verdict::Approve, "", None)
            .await
            .expect("decide");
    }

    proxy.set(Fault::Truncate);
    let error = desktop
        .app
        .sync_now()
        .await
        .expect_err("the answer was cut off");
    assert!(
        error.to_string().contains("broke mid-answer"),
        "the reviewer is told what happened: {error}"
    );
    assert_eq!(
        desktop.pending().await,
        2,
        "the outbox keeps both decisions"
    );
    // The server did apply them: only the answer was lost.
    assert_eq!(
        server.draft(drafts[0].id).await.status,
        DraftStatus::Approved
    );

    proxy.set(Fault::None);
    let report = desktop.app.sync_now().await.expect("sync");
    assert_eq!(
        (report.applied, report.refused),
        (2, 0),
        "re-sent as duplicates of applied"
    );
    assert_eq!(desktop.pending().await, 0);
    for d in &drafts {
        assert_eq!(
            decided_count(&server.draft(d.id).await),
            1,
            "applied exactly once"
        );
    }
}

#[tokio::test]
async fn a_malformed_answer_is_a_clear_error_and_changes_nothing_locally() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(3).await;
    let proxy = FaultProxy::start(server.url()).await;
    let desktop = desktop_behind_proxy(&proxy).await;
    desktop
        .app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("decide");
    let queue_before = desktop.queue_ids().await;

    proxy.set(Fault::Malformed);
    let error = desktop.app.sync_now().await.expect_err("garbage answer");
    assert_eq!(error.code(), "bad_server_answer", "{error}");
    assert!(error.to_string().contains("cannot read"), "{error}");
    assert_eq!(desktop.pending().await, 1, "the outbox is intact");
    assert_eq!(
        desktop.queue_ids().await,
        queue_before,
        "the cache is unchanged"
    );
    let status = desktop.app.status().await.expect("status");
    assert!(
        status.last_error.is_some(),
        "the status line says what went wrong"
    );

    proxy.set(Fault::None);
    desktop.app.sync_now().await.expect("recovers");
    assert_eq!(desktop.pending().await, 0);
    assert_eq!(decided_count(&server.draft(drafts[0].id).await), 1);
}

#[tokio::test]
async fn a_broken_gateway_is_retried_then_reported_and_the_outbox_waits() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(1).await;
    let proxy = FaultProxy::start(server.url()).await;
    let desktop = desktop_behind_proxy(&proxy).await;
    desktop
        .app
        .decide(drafts[0].id, Verdict::Reject, "Wrong price", None)
        .await
        .expect("decide");

    proxy.set(Fault::BadGateway);
    let error = desktop.app.sync_now().await.expect_err("gateway down");
    assert!(error.to_string().contains("502"), "{error}");
    assert_eq!(
        desktop.pending().await,
        1,
        "the outbox waits for a real answer"
    );

    // The gateway passed the push on before failing, as real ones can: the server has
    // already applied it, and the retry must not apply it again.
    proxy.set(Fault::None);
    let report = desktop.app.sync_now().await.expect("sync");
    assert_eq!((report.applied, report.refused), (1, 0));
    let on_server = server.draft(drafts[0].id).await;
    assert_eq!(on_server.status, DraftStatus::Rejected);
    assert_eq!(decided_count(&on_server), 1, "applied exactly once");
}

#[tokio::test]
async fn a_pull_cut_off_mid_feed_resumes_where_it_stopped() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    alex.create_drafts(5).await;
    let proxy = FaultProxy::start(server.url()).await;
    let desktop = Desktop::new_with(Keys::Memory, |c| c.sync.page_limit = 2).await;
    desktop
        .app
        .sign_in(proxy.url(), "rita", PASSWORD, None)
        .await
        .expect("sign in");
    desktop.app.sync_now().await.expect("first sync");
    assert_eq!(desktop.queue_ids().await.len(), 5);

    alex.create_drafts(4).await;
    proxy.set(Fault::Truncate);
    desktop.app.sync_now().await.expect_err("cut off");
    assert_eq!(
        desktop.queue_ids().await.len(),
        5,
        "a broken page applies nothing"
    );

    proxy.set(Fault::None);
    desktop.app.sync_now().await.expect("resume");
    assert_eq!(desktop.queue_ids().await.len(), 9, "every draft, once");
}

#[tokio::test]
async fn a_wrong_password_and_an_unreachable_server_are_told_apart() {
    let mut server = TestServer::start().await;
    let desktop = Desktop::new(Keys::Memory).await;
    let wrong = desktop
        .app
        .sign_in(&server.url(), "rita", "nope", None)
        .await
        .expect_err("refused");
    assert_eq!(wrong.code(), "bad_credentials");
    let unknown = desktop
        .app
        .sign_in(&server.url(), "nobody", "nope", None)
        .await
        .expect_err("refused");
    assert_eq!(
        unknown.to_string(),
        wrong.to_string(),
        "no hint which one was wrong"
    );
    server.stop().await;
    let offline = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, None)
        .await
        .expect_err("down");
    assert_eq!(offline.code(), "offline");
    let garbage = desktop
        .app
        .sign_in("not a url", "rita", PASSWORD, None)
        .await
        .expect_err("bad url");
    assert_eq!(garbage.code(), "invalid");
}

#[tokio::test]
#[allow(clippy::disallowed_methods)] // the code must match the server's real clock
async fn two_factor_sign_in_asks_for_the_code_and_refuses_a_replay() {
    use countersign_server::admin;
    let server = TestServer::start().await;
    let enrolment = admin::enroll_totp(&server.server, &Trail::console(), "rita")
        .await
        .expect("enrol");
    let desktop = Desktop::new(Keys::Memory).await;

    let ask = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, None)
        .await
        .expect_err("a code is needed");
    assert_eq!(ask.code(), "totp_required", "{ask}");
    assert!(desktop.app.user().await.is_none());

    let code =
        admin::totp_code(enrolment.secret_base32.expose(), chrono::Utc::now()).expect("code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, Some(wrong))
        .await
        .expect_err("wrong code");
    assert_eq!(refused.code(), "bad_credentials");

    let user = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, Some(&code))
        .await
        .expect("the right code signs in");
    assert_eq!(user.person.username, "rita");

    let other = Desktop::new(Keys::Memory).await;
    let replay = other
        .app
        .sign_in(&server.url(), "rita", PASSWORD, Some(&code))
        .await
        .expect_err("a code works once");
    assert_eq!(replay.code(), "bad_credentials");
}
