//! Desktops syncing with a real server: paging, offline decisions, exactly-once, conflicts.

use crate::support::{Desktop, Keys, PASSWORD, TestServer, decided_count};
use countersign_app::{AppError, QueueFilter};
use countersign_core::wire::{PushRequest, SessionRequest};
use countersign_core::{
    ClientId, ConflictReason, Decision, DecisionId, DraftStatus, Mutation, MutationId,
    MutationKind, MutationStatus, Verdict,
};
use countersign_server::trail::Trail;
use countersign_sync::ApiClient;
use uuid::Uuid;

#[tokio::test]
async fn sign_in_pulls_sixty_drafts_in_pages_of_seven() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(60).await;

    let desktop = Desktop::new_with(Keys::Memory, |c| c.sync.page_limit = 7).await;
    let user = desktop
        .app
        .sign_in(&server.url(), "rita", PASSWORD, None)
        .await
        .expect("sign in");
    assert_eq!(user.person.username, "rita");
    let report = desktop.app.sync_now().await.expect("sync");

    assert_eq!(report.pulled, 60, "each draft arrives exactly once");
    assert!(
        (9..=10).contains(&report.pages),
        "60 drafts in pages of 7 take 9 pages (10 if the last is empty), took {}",
        report.pages
    );
    let mut queued = desktop.queue_ids().await;
    let mut expected: Vec<_> = drafts.iter().map(|d| d.id).collect();
    queued.sort();
    expected.sort();
    assert_eq!(
        queued, expected,
        "the queue holds exactly the server's drafts"
    );

    let again = desktop.app.sync_now().await.expect("second sync");
    assert_eq!(
        (again.pulled, again.pages),
        (0, 1),
        "an unchanged queue is one empty page"
    );
}

#[tokio::test]
async fn decisions_made_offline_apply_exactly_once_when_the_server_is_back() {
    let mut server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(3).await;
    let desktop = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    server.stop().await;
    let app = &desktop.app;
    app.decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("decide offline");
    app.decide(drafts[1].id, Verdict::Reject, "Off-brand tone", None)
        .await
        .expect("decide offline");
    app.comment(drafts[2].id, "Check the store hours first")
        .await
        .expect("comment");

    let error = app.sync_now().await.expect_err("the server is down");
    assert_eq!(error.code(), "offline", "{error}");
    let status = app.status().await.expect("status");
    assert_eq!(status.pending, 3, "nothing leaves the outbox while offline");
    assert_eq!(status.online, Some(false));
    let queue = app.queue(QueueFilter::default()).await.expect("queue");
    let first = queue
        .iter()
        .find(|i| i.id == drafts[0].id)
        .expect("still queued");
    let local = first.local.as_ref().expect("the decision shows at once");
    assert_eq!(local.verdict, Verdict::Approve);
    assert!(!local.answered, "not yet synced");

    server.restart().await;
    let report = app.sync_now().await.expect("sync after the outage");
    assert_eq!((report.pushed, report.applied, report.refused), (3, 3, 0));
    let status = app.status().await.expect("status");
    assert_eq!((status.pending, status.online), (0, Some(true)));
    assert!(status.last_synced_at.is_some());

    let approved = server.draft(drafts[0].id).await;
    assert_eq!(approved.status, DraftStatus::Approved);
    assert_eq!(approved.approvals.len(), 1);
    assert_eq!(
        server.draft(drafts[1].id).await.status,
        DraftStatus::Rejected
    );
    let commented = server.draft(drafts[2].id).await;
    assert_eq!(
        commented.status,
        DraftStatus::Pending,
        "a comment decides nothing"
    );

    app.sync_now().await.expect("one more sync");
    assert_eq!(
        decided_count(&server.draft(drafts[0].id).await),
        1,
        "applied exactly once"
    );
    let queued = desktop.queue_ids().await;
    assert_eq!(
        queued,
        vec![drafts[2].id],
        "decided drafts leave the queue once synced"
    );
}

#[tokio::test]
async fn the_same_push_twice_is_answered_as_duplicates_and_applies_nothing_twice() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(2).await;
    let api = ApiClient::new(&server.url()).expect("client");
    let session = api
        .sign_in(&SessionRequest {
            username: "rita".into(),
            password: PASSWORD.into(),
            totp: None,
        })
        .await
        .expect("sign in");
    let token = countersign_core::Sensitive::new(session.access_token);
    let client_id = ClientId(Uuid::new_v4());
    let batch = PushRequest {
        client_id,
        mutations: drafts
            .iter()
            .enumerate()
            .map(|(i, d)| Mutation {
                mutation_id: MutationId(i as u64 + 1),
                kind: MutationKind::Decide {
                    decision: Decision {
                        id: DecisionId(Uuid::now_v7()),
                        draft_id: d.id,
                        draft_version: d.version,
                        verdict: Verdict::Approve,
                        comment: String::new(),
                        override_reason: None,
                        client_time: None,
                    },
                },
            })
            .collect(),
        skip: None,
    };

    let first = api.push(&token, &batch).await.expect("first push");
    assert!(
        first
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Applied)
    );
    let second = api.push(&token, &batch).await.expect("second push");
    for result in &second.results {
        assert_eq!(result.status, MutationStatus::Duplicate);
        assert_eq!(
            result.first_status,
            Some(MutationStatus::Applied),
            "the first answer again"
        );
    }
    for d in &drafts {
        let now = server.draft(d.id).await;
        assert_eq!(decided_count(&now), 1, "a retried push never applies twice");
    }

    let changes = api
        .changes(&token, client_id, None, 100)
        .await
        .expect("changes");
    assert_eq!(
        changes.last_mutation_id,
        MutationId(2),
        "the feed acknowledges the batch"
    );
}

#[tokio::test]
async fn two_reviewers_approve_the_same_draft_and_exactly_one_wins() {
    let server = TestServer::start().await;
    let draft = server
        .session("alex")
        .await
        .create_draft("Back in stock Friday!", &["review"])
        .await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let ravi = Desktop::signed_in(&server, "ravi", Keys::Memory).await;

    rita.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("rita decides");
    ravi.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("ravi decides");
    let first = rita.app.sync_now().await.expect("rita syncs");
    let second = ravi.app.sync_now().await.expect("ravi syncs");
    assert_eq!((first.applied, first.refused), (1, 0));
    assert_eq!((second.applied, second.refused), (0, 1));

    let conflicts = ravi.app.conflicts().await.expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].reason, Some(ConflictReason::AlreadyDecided));
    let current = conflicts[0]
        .current
        .as_ref()
        .expect("the conflict carries the draft");
    assert_eq!(current.status, DraftStatus::Approved);
    assert_eq!(
        ravi.pending().await,
        0,
        "a refused decision leaves the outbox"
    );

    let on_server = server.draft(draft.id).await;
    assert_eq!(on_server.approvals.len(), 1);
    assert_eq!(on_server.approvals[0].by.username, "rita");
}

#[tokio::test]
async fn a_decision_on_a_draft_edited_meanwhile_is_a_stale_version_conflict_with_both_texts() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let draft = alex
        .create_draft("Our store opens at 9.", &["review"])
        .await;
    let behind = alex
        .create_draft("Thanks, Jo! Your refund is on its way.", &["review"])
        .await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    alex.edit(&draft, "Our store opens at 10 on Sundays.").await;
    rita.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("decide on v1");
    rita.app
        .decide(behind.id, Verdict::Approve, "", None)
        .await
        .expect("decide");
    let report = rita.app.sync_now().await.expect("sync");
    assert_eq!(
        (report.applied, report.refused),
        (1, 1),
        "the conflict blocks nothing behind it"
    );

    let conflicts = rita.app.conflicts().await.expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.reason, Some(ConflictReason::StaleVersion));
    let decided_on = conflict.decided_on.as_ref().expect("the text decided on");
    let current = conflict.current.as_ref().expect("the current text");
    assert_eq!(decided_on.body, "Our store opens at 9.");
    assert_eq!(current.body, "Our store opens at 10 on Sundays.");
    assert_eq!(current.version, 2);

    // Deciding again, on the new version, works.
    let detail = rita.app.draft(draft.id).await.expect("draft");
    assert_eq!(detail.draft.version, 2, "the pull brought the edit");
    rita.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("decide again");
    rita.app
        .dismiss_conflict(conflict.mutation_id)
        .await
        .expect("dismiss");
    rita.app.sync_now().await.expect("sync");
    assert_eq!(server.draft(draft.id).await.status, DraftStatus::Approved);
    assert!(rita.app.conflicts().await.expect("conflicts").is_empty());
}

#[tokio::test]
async fn a_withdrawal_wins_over_a_late_approval() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let draft = alex
        .create_draft("Flash sale at midnight!", &["review"])
        .await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    alex.withdraw(&draft).await;
    rita.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("decide");
    rita.app.sync_now().await.expect("sync");

    let conflicts = rita.app.conflicts().await.expect("conflicts");
    assert_eq!(conflicts[0].reason, Some(ConflictReason::Withdrawn));
    assert!(
        rita.queue_ids().await.is_empty(),
        "a withdrawn draft leaves the queue"
    );
    let on_server = server.draft(draft.id).await;
    assert_eq!(on_server.status, DraftStatus::Withdrawn);
    assert!(on_server.approvals.is_empty());
}

#[tokio::test]
async fn two_steps_need_two_people_across_two_desktops() {
    let server = TestServer::start().await;
    let draft = server
        .session("alex")
        .await
        .create_draft(
            "We have recalled batch 42 of our trail mix.",
            &["review", "legal"],
        )
        .await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let lena = Desktop::signed_in(&server, "lena", Keys::Memory).await;

    rita.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("review");
    rita.app.sync_now().await.expect("sync");
    lena.app
        .sync_now()
        .await
        .expect("lena pulls the reviewed version");
    let detail = lena.app.draft(draft.id).await.expect("draft");
    assert_eq!(detail.next_step.as_deref(), Some("legal"));
    lena.app
        .decide(draft.id, Verdict::Approve, "", None)
        .await
        .expect("legal");
    lena.app.sync_now().await.expect("sync");
    assert_eq!(server.draft(draft.id).await.status, DraftStatus::Approved);
}

#[tokio::test]
async fn the_app_reopens_into_its_session_offline_and_syncs_later() {
    let mut server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(2).await;
    let mut desktop = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    server.stop().await;
    desktop.restart().await;
    assert_eq!(
        desktop.app.user().await.map(|u| u.person.username),
        Some("rita".into())
    );
    assert_eq!(
        desktop.queue_ids().await.len(),
        2,
        "the queue is there offline"
    );
    desktop
        .app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("decide");

    server.restart().await;
    // The access token lived only in memory: this sync must refresh from the keychain.
    let report = desktop.app.sync_now().await.expect("sync after restart");
    assert_eq!(report.applied, 1);
    assert_eq!(
        server.draft(drafts[0].id).await.status,
        DraftStatus::Approved
    );
}

#[tokio::test]
async fn a_disabled_account_is_wiped_from_the_desktop_at_the_next_sync() {
    let server = TestServer::start().await;
    server.session("alex").await.create_drafts(1).await;
    let desktop = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    assert!(desktop.data_dir().join("cache.db").exists());

    countersign_server::admin::disable_user(&server.server, &Trail::console(), "rita")
        .await
        .expect("disable");
    let error = desktop.app.sync_now().await.expect_err("revoked");
    assert!(matches!(error, AppError::SessionRevoked), "{error:?}");
    assert!(desktop.app.user().await.is_none());
    assert!(
        !desktop.data_dir().join("cache.db").exists(),
        "the cache is gone"
    );
    for account in ["refresh-token", "cache-key"] {
        assert!(
            desktop.keychain.get(account).expect("keychain").is_none(),
            "{account} is gone"
        );
    }
}
