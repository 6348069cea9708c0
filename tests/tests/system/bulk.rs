//! Bulk approval and undo between a real desktop and the real server: the approvals a bulk
//! approval records reach the server one by one; an undone decision never does, and the
//! renumbered outbox after it is accepted whole; an undo is refused once a push holding the
//! decision has started (in flight, failed half-way) or the server has it.

use crate::support::{Desktop, Keys, TestServer, decided_count};
use countersign_app::AppError;
use countersign_core::{DraftStatus, HistoryEvent, Verdict};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const LEAKY: &str = "Hi Raj, we've sent a replacement voucher to raj.khanna82@gmail.com today.";

#[tokio::test]
async fn a_bulk_approval_reaches_the_server_as_exactly_the_approvals_it_recorded() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let clean = alex.create_drafts(3).await;
    let leaky = alex.create_draft(LEAKY, &["review"]).await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    let asked = [clean[0].id, leaky.id, clean[1].id, clean[2].id, clean[0].id];
    let check = rita.app.bulk_check(&asked).await.expect("check");
    assert_eq!(check.eligible, [clean[0].id, clean[1].id, clean[2].id]);
    assert_eq!(check.left_out.len(), 1, "{check:?}");
    let out = &check.left_out[0];
    assert_eq!(out.draft_id, leaky.id);
    assert_eq!(out.channel, "@northwind_help");
    assert!(out.preview.starts_with("Hi Raj"), "{out:?}");
    assert!(out.reason.contains("policy guard"), "{out:?}");
    assert_eq!(rita.pending().await, 0, "a check records nothing");

    let decided = rita.app.decide_many(&asked).await.expect("bulk approve");
    let ids: Vec<u64> = decided.recorded.iter().map(|r| r.mutation_id.0).collect();
    assert_eq!(ids, [1, 2, 3], "each approval its own outbox row");
    assert_eq!(decided.left_out, check.left_out);
    let again = rita.app.decide_many(&asked).await.expect("again");
    assert!(again.recorded.is_empty(), "checked again: {again:?}");
    assert!(
        again.left_out[0].reason.contains("already decided"),
        "{again:?}"
    );

    let report = rita.app.sync_now().await.expect("sync");
    assert_eq!((report.pushed, report.applied, report.refused), (3, 3, 0));
    for draft in &clean {
        let now = server.draft(draft.id).await;
        assert_eq!(now.status, DraftStatus::Approved);
        assert_eq!(decided_count(&now), 1, "applied exactly once");
    }
    let leaky_now = server.draft(leaky.id).await;
    assert_eq!(leaky_now.status, DraftStatus::Pending);
    assert_eq!(
        decided_count(&leaky_now),
        0,
        "the left-out one is untouched"
    );
    assert_eq!(rita.pending().await, 0);
}

#[tokio::test]
async fn an_undone_decision_never_reaches_the_server_and_the_rest_is_accepted() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let drafts = alex.create_drafts(3).await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let app = &rita.app;

    let mistake = app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    let comment = app
        .comment(drafts[1].id, "The second sentence reads well.")
        .await
        .expect("comment");
    app.decide(drafts[1].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    let last = app
        .decide(drafts[2].id, Verdict::Reject, "Not on this channel.", None)
        .await
        .expect("reject");
    assert_eq!((mistake.0, comment.0, last.0), (1, 2, 4));

    let undone = app.undo(mistake).await.expect("undo");
    assert_eq!(undone.draft_id, drafts[0].id);
    assert_eq!(
        undone.renumbered, 3,
        "the comment and two decisions moved down"
    );
    let queue = app.queue(Default::default()).await.expect("queue");
    let row = queue.iter().find(|r| r.id == drafts[0].id).expect("row");
    assert_eq!(row.local, None, "undecided again");
    assert_eq!(rita.pending().await, 3);

    let report = app.sync_now().await.expect("sync");
    assert_eq!(
        (report.pushed, report.applied, report.refused),
        (3, 3, 0),
        "1-3 accepted: no gap where the undone one was"
    );
    let first = server.draft(drafts[0].id).await;
    assert_eq!(first.status, DraftStatus::Pending);
    assert_eq!(
        decided_count(&first),
        0,
        "the undone approval never arrived"
    );
    let second = server.draft(drafts[1].id).await;
    assert_eq!(second.status, DraftStatus::Approved);
    assert!(
        second
            .history
            .iter()
            .any(|h| matches!(&h.event, HistoryEvent::Annotated { .. })),
        "the comment after it arrived too"
    );
    assert_eq!(
        server.draft(drafts[2].id).await.status,
        DraftStatus::Rejected
    );

    let refused = app.undo(mistake).await.expect_err("synced");
    assert!(matches!(refused, AppError::UndoTooLate(_)), "{refused:?}");
    assert_eq!(refused.code(), "undo_too_late");
    assert!(
        refused.to_string().contains("reached the server"),
        "{refused}"
    );

    // The next mutation takes the next id the server expects.
    app.decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("approve after all");
    let report = app.sync_now().await.expect("sync");
    assert_eq!((report.applied, report.refused), (1, 0));
    assert_eq!(decided_count(&server.draft(drafts[0].id).await), 1);
}

/// What the relay does with what the desktop sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gate {
    Pass,
    /// Reads the desktop's bytes and keeps them: a push stuck on a slow network.
    Hold,
    /// Closes every connection: the network went away mid-push.
    Drop,
}

/// A TCP relay to the server whose client-to-server direction a test can hold and cut.
struct Relay {
    url: String,
    gate: watch::Sender<Gate>,
    /// Bytes read while holding.
    held: Arc<std::sync::atomic::AtomicUsize>,
}

impl Relay {
    async fn start(upstream: &str) -> Relay {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (gate, watching) = watch::channel(Gate::Pass);
        let held = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&held);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(&upstream).await.expect("upstream");
                tokio::spawn(relay(
                    client,
                    server,
                    watching.clone(),
                    Arc::clone(&counter),
                ));
            }
        });
        Relay { url, gate, held }
    }

    fn set(&self, gate: Gate) {
        self.gate.send_replace(gate);
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    mut gate: watch::Receiver<Gate>,
    held: Arc<std::sync::atomic::AtomicUsize>,
) {
    let (mut from_client, mut to_server) = (client, server);
    let (mut server_read, mut server_write) = to_server.split();
    let (mut client_read, mut client_write) = from_client.split();
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if *gate.borrow() == Gate::Drop {
                return;
            }
            let Ok(n) = client_read.read(&mut buf).await else {
                return;
            };
            if n == 0 {
                return;
            }
            loop {
                let now = *gate.borrow_and_update();
                match now {
                    Gate::Pass => break,
                    Gate::Drop => return,
                    Gate::Hold => {
                        held.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                        if gate.changed().await.is_err() {
                            return;
                        }
                    }
                }
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let Ok(n) = server_read.read(&mut buf).await else {
                return;
            };
            if n == 0 || client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either direction ending ends the connection (a dropped gate closes both sockets).
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

#[tokio::test]
async fn an_undo_is_refused_while_a_push_holds_the_decision_and_after_it_failed() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let drafts = alex.create_drafts(2).await;
    let relay = Relay::start(&server.url()).await;
    let rita = Desktop::new(Keys::Memory).await;
    rita.sign_in(&relay.url, "rita").await;
    rita.app.sync_now().await.expect("first sync");
    let app = Arc::new(rita.app);

    let sent = app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    relay.set(Gate::Hold);
    let syncing = tokio::spawn({
        let app = Arc::clone(&app);
        async move { app.sync_now().await }
    });
    // Wait until the push's bytes are on the wire (held by the relay).
    let mut waited = Duration::ZERO;
    while relay.held.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(waited < Duration::from_secs(10), "the push never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += Duration::from_millis(10);
    }
    let refused = app.undo(sent).await.expect_err("in flight");
    assert_eq!(refused.code(), "undo_too_late", "{refused:?}");
    assert!(refused.to_string().contains("on its way"), "{refused}");

    // A decision made while the push is in flight is not in it: it may still be undone.
    let after = app
        .decide(drafts[1].id, Verdict::Approve, "", None)
        .await
        .expect("approve while pushing");
    assert_eq!(after.0, 2);
    app.undo(after).await.expect("not sent yet");

    // The network goes away mid-push: the sync fails, the server may or may not have the
    // decision — so it still cannot be undone, and it is sent again later.
    relay.set(Gate::Drop);
    let failed = syncing.await.expect("sync task");
    assert!(failed.is_err(), "{failed:?}");
    let refused = app.undo(sent).await.expect_err("failed half-way");
    assert_eq!(refused.code(), "undo_too_late");

    relay.set(Gate::Pass);
    let report = app.sync_now().await.expect("sync");
    assert_eq!((report.applied, report.refused), (1, 0), "{report:?}");
    assert_eq!(decided_count(&server.draft(drafts[0].id).await), 1);
    assert_eq!(decided_count(&server.draft(drafts[1].id).await), 0);
    let refused = app.undo(sent).await.expect_err("synced");
    assert!(
        refused.to_string().contains("reached the server"),
        "{refused}"
    );
}

#[tokio::test]
async fn offline_a_failed_sync_leaves_the_decision_undoable() {
    let mut server = TestServer::start().await;
    let alex = server.session("alex").await;
    let drafts = alex.create_drafts(1).await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let id = rita
        .app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    // No connection can be made: the push never left, so nothing may have arrived.
    server.stop().await;
    let error = rita.app.sync_now().await.expect_err("offline");
    assert_eq!(error.code(), "offline", "{error:?}");
    rita.app.undo(id).await.expect("still only on this laptop");
    server.restart().await;
    let report = rita.app.sync_now().await.expect("sync");
    assert_eq!(report.pushed, 0, "{report:?}");
    assert_eq!(decided_count(&server.draft(drafts[0].id).await), 0);
}

/// Online, the background sync would send a decision within a second, leaving undo nothing
/// to take back. It holds the decisions of the last ten seconds (and what follows them) in
/// the outbox instead, says until when, and sends them once that has passed; a sync the
/// reviewer asks for sends everything at once.
#[tokio::test]
async fn the_background_sync_holds_a_fresh_decision_until_the_undo_window_has_passed() {
    let server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(3).await;
    #[allow(clippy::disallowed_methods)] // the starting point only
    let now = Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
    let read = Arc::clone(&now);
    let rita = Desktop::new_with(Keys::Memory, |config| {
        config.clock = Arc::new(move || *read.lock().expect("clock"));
    })
    .await;
    rita.sign_in(&server.url(), "rita").await;
    rita.app.sync_now().await.expect("first sync");
    let app = &rita.app;
    let tick = |seconds: i64| *now.lock().expect("clock") += chrono::Duration::seconds(seconds);

    let early = app
        .decide(drafts[0].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    tick(4);
    let fresh = app
        .decide(drafts[1].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    tick(7);
    // The outbox keeps microseconds.
    let decided_at = chrono::SubsecRound::trunc_subsecs(
        *now.lock().expect("clock") - chrono::Duration::seconds(7),
        6,
    );
    let report = app.sync_in_background().await.expect("background sync");
    assert_eq!(
        (report.pushed, report.held),
        (1, 1),
        "the one made 11 s ago went, the one made 7 s ago waits"
    );
    assert_eq!(
        report.held_until,
        Some(decided_at + chrono::Duration::from_std(countersign_app::UNDO_WINDOW).unwrap())
    );
    let refused = app.undo(early).await.expect_err("sent");
    assert_eq!(refused.code(), "undo_too_late");
    app.undo(fresh)
        .await
        .expect("still undoable, though online");
    assert_eq!(decided_count(&server.draft(drafts[1].id).await), 0);

    // Decided again; once the window has passed, the background sends it.
    let again = app
        .decide(drafts[1].id, Verdict::Reject, "Not this week.", None)
        .await
        .expect("reject");
    assert_eq!(again, fresh, "it took the undone one's id");
    assert_eq!(app.sync_in_background().await.expect("sync").held, 1);
    tick(11);
    let report = app.sync_in_background().await.expect("sync");
    assert_eq!(
        (report.pushed, report.held, report.held_until),
        (1, 0, None)
    );
    assert_eq!(
        server.draft(drafts[1].id).await.status,
        DraftStatus::Rejected
    );

    // "Sync now" does not wait.
    app.decide(drafts[2].id, Verdict::Approve, "", None)
        .await
        .expect("approve");
    let report = app.sync_now().await.expect("sync");
    assert_eq!((report.pushed, report.held), (1, 0));
    assert_eq!(
        server.draft(drafts[2].id).await.status,
        DraftStatus::Approved
    );
}
