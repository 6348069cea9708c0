//! The server's rules reaching real desktops: a leaver wiped at the next contact while the
//! successor sees their drafts, a reviewer taken off a team losing its drafts, crisis mode
//! and role changes arriving with the changes feed and holding offline, and the two-factor
//! policy refusing a sign-in with a message the window can show as it is.

use crate::support::{Desktop, Keys, PASSWORD, TestServer, decided_count};
use chrono::{DateTime, Duration, Utc};
use countersign_app::{AppError, QueueFilter};
use countersign_core::{DraftStatus, HistoryEvent, Role, Verdict};
use countersign_server::admin::{self, AccountChange};
use countersign_server::trail::Trail;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn a_leaver_is_wiped_at_the_next_contact_and_their_successor_sees_their_drafts() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let drafts = alex.create_drafts(3).await;
    let leaver = Desktop::signed_in(&server, "alex", Keys::Os).await;
    let successor = Desktop::signed_in(&server, "sam", Keys::Memory).await;

    // A successor who cannot own drafts is refused, and nothing changes.
    let refused = admin::leave(&server.server, &Trail::console(), "alex", "rita")
        .await
        .expect_err("rita is a reviewer, not an author");
    assert!(
        refused.to_string().contains("author role") && refused.to_string().contains("Nothing"),
        "{refused}"
    );
    leaver
        .app
        .sync_now()
        .await
        .expect("alex still works: the refused handover changed nothing");
    assert_eq!(server.draft(drafts[0].id).await.owner(), &drafts[0].author);

    let report = admin::leave(&server.server, &Trail::console(), "alex", "sam")
        .await
        .expect("sam takes over");
    assert_eq!(report.drafts_handed_over, 3);
    assert!(report.sessions_revoked >= 1, "{report:?}");

    // The leaver's desktop: wiped at its next contact.
    let error = leaver.app.sync_now().await.expect_err("revoked");
    assert!(matches!(error, AppError::SessionRevoked), "{error:?}");
    assert!(
        !leaver.data_dir().join("cache.db").exists(),
        "the cache is gone"
    );
    for account in ["refresh-token", "cache-key"] {
        assert!(
            leaver.keychain.get(account).expect("keychain").is_none(),
            "{account} is gone from the OS keychain"
        );
    }

    // The successor's desktop: the drafts, now theirs, after a sync.
    successor.app.sync_now().await.expect("sync");
    for draft in &drafts {
        let cached = successor.app.draft(draft.id).await.expect("cached").draft;
        assert_eq!(cached.owner().username, "sam", "sam owns it now");
        assert_eq!(cached.author.username, "alex", "who wrote it is kept");
        assert!(
            cached.history.iter().any(
                |h| matches!(&h.event, HistoryEvent::HandedOver { to, .. } if to.username == "sam")
            ),
            "the handover is in the history"
        );
    }
    let sam = server.session("sam").await;
    let edited = sam.edit(&drafts[0], "Sam's wording now.").await;
    assert_eq!(edited.version, 2, "the successor can edit");
    assert_eq!(
        sam.withdraw(&drafts[1]).await.status,
        DraftStatus::Withdrawn,
        "and withdraw"
    );
}

#[tokio::test]
async fn a_reviewer_taken_off_a_team_loses_its_drafts_at_the_next_sync_and_regains_them() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(3).await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    assert_eq!(rita.queue_ids().await.len(), 3);

    admin::change_account(
        &server.server,
        &Trail::console(),
        "rita",
        AccountChange::RemoveTeam("Customer Care".into()),
    )
    .await
    .expect("off the team");
    rita.app.sync_now().await.expect("sync");
    assert!(rita.queue_ids().await.is_empty(), "the team's drafts left");
    assert!(
        matches!(rita.app.draft(drafts[0].id).await, Err(AppError::NotFound)),
        "not even in the cache"
    );
    assert!(
        rita.app.user().await.expect("signed in").teams.is_empty(),
        "the desktop knows her teams changed"
    );

    admin::change_account(
        &server.server,
        &Trail::console(),
        "rita",
        AccountChange::AddTeam("Customer Care".into()),
    )
    .await
    .expect("back on the team");
    rita.app.sync_now().await.expect("sync");
    assert_eq!(rita.queue_ids().await.len(), 3, "the drafts came back");
}

/// A clock the test moves by hand.
fn manual_clock() -> (countersign_app::Clock, Arc<Mutex<DateTime<Utc>>>) {
    #[allow(clippy::disallowed_methods)] // the starting point only
    let now = Arc::new(Mutex::new(Utc::now()));
    let read = Arc::clone(&now);
    (Arc::new(move || *read.lock().expect("clock")), now)
}

#[tokio::test]
async fn crisis_mode_reaches_the_desktop_and_its_rules_hold_offline() {
    let mut server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(2).await;
    let (clock, now) = manual_clock();
    let rita = Desktop::new_with(Keys::Memory, |config| config.clock = clock).await;
    rita.sign_in(&server.url(), "rita").await;
    rita.app.sync_now().await.expect("first sync");
    assert_eq!(rita.app.status().await.expect("status").crisis, None);

    let status = admin::crisis_on(&server.server, &Trail::console(), "Store fire", &[])
        .await
        .expect("on");
    assert_eq!(status.effect.map(|e| e.escalated), Some(2));
    rita.app.sync_now().await.expect("sync");
    let banner = rita.app.status().await.expect("status").crisis.expect("on");
    assert_eq!(banner.reason, "Store fire");
    assert!(banner.all_channels);
    assert!(!banner.stale, "just confirmed");

    let detail = rita.app.draft(drafts[0].id).await.expect("draft");
    assert!(!detail.approval.allowed, "rita is not a spokesperson");
    assert!(
        detail
            .approval
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("spokesperson")),
        "{:?}",
        detail.approval
    );

    // Offline, an hour later: the desktop still knows, refuses the approval itself, and
    // says the state is not confirmed.
    server.stop().await;
    *now.lock().expect("clock") += Duration::hours(1);
    let refused = rita
        .app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect_err("not hers to approve");
    assert!(matches!(refused, AppError::NotAllowed(_)), "{refused:?}");
    assert_eq!(rita.pending().await, 0, "nothing was queued");
    let _ = rita.app.sync_now().await.expect_err("offline");
    let banner = rita
        .app
        .status()
        .await
        .expect("status")
        .crisis
        .expect("still on");
    assert!(banner.stale, "an hour unconfirmed is stale");
    assert_eq!(banner.unconfirmed_for_secs, Some(3600));

    // Rejecting stays possible offline, and applies once back.
    rita.app
        .decide(drafts[1].id, Verdict::Reject, "Not during a fire", None)
        .await
        .expect("reject is allowed");
    server.restart().await;
    rita.app.sync_now().await.expect("back online");
    assert_eq!(
        server.draft(drafts[1].id).await.status,
        DraftStatus::Rejected
    );
}

#[tokio::test]
async fn a_new_role_reaches_the_desktop_and_lets_the_reviewer_approve() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(1).await;
    admin::crisis_on(&server.server, &Trail::console(), "Recall", &[])
        .await
        .expect("on");
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    assert!(
        !rita
            .app
            .draft(drafts[0].id)
            .await
            .expect("draft")
            .approval
            .allowed
    );

    admin::change_account(
        &server.server,
        &Trail::console(),
        "rita",
        AccountChange::AddRole(Role::Spokesperson),
    )
    .await
    .expect("spokesperson now");
    rita.app.sync_now().await.expect("sync");
    assert!(
        rita.app
            .user()
            .await
            .expect("signed in")
            .roles
            .contains(&Role::Spokesperson),
        "the directory brought the new role"
    );
    let detail = rita.app.draft(drafts[0].id).await.expect("draft");
    assert!(detail.approval.allowed, "{:?}", detail.approval);
    rita.app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("queued");
    rita.app.sync_now().await.expect("sync");
    let stored = server.draft(drafts[0].id).await;
    assert_eq!(stored.status, DraftStatus::Approved);
    assert_eq!(decided_count(&stored), 1);
}

#[tokio::test]
async fn the_two_factor_policy_refuses_a_sign_in_with_the_enrol_command() {
    let server = TestServer::start().await;
    admin::require_two_factor(&server.server, &Trail::console(), Role::Reviewer, true)
        .await
        .expect("policy");
    let desktop = Desktop::new(Keys::Memory).await;
    let error = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, None)
        .await
        .expect_err("no authenticator yet");
    assert_eq!(error.code(), "totp_enrolment_required");
    assert!(
        error
            .to_string()
            .contains("countersign-server user totp enroll --username rita"),
        "{error}"
    );
    assert!(desktop.app.user().await.is_none());
    let queue = desktop.app.queue(QueueFilter::default()).await;
    assert!(matches!(queue, Err(AppError::NotSignedIn)));
}
