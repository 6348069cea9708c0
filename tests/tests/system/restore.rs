//! A server restored from yesterday's backup: the real server's SQLite file copied while it
//! was stopped, more decisions and syncs, then the copy put back and the server started
//! again on the same port and data directory. The desktops' mutation ids now skip ahead of
//! what the server remembers and their cursors point past its feed; every decision they
//! still hold must apply exactly once, none may turn into a conflict that is not one, and
//! desktop and server must agree on every draft.
//!
//! Rita's desktop is the sync stack under the app — the encrypted cache and the sync
//! engine — so the test can push without pulling and leave a decision answered by the lost
//! server but not yet confirmed. Ravi's is the whole app.

use crate::support::{Desktop, Http, Keys, PASSWORD, TestServer, decided_count};
use chrono::Utc;
use countersign_core::wire::SessionRequest;
use countersign_core::{
    ClientId, Decision, DecisionId, Draft, DraftStatus, MutationId, MutationKind, Sensitive,
    Verdict,
};
use countersign_store::{Cache, CacheKey};
use countersign_sync::engine::SharedCache;
use countersign_sync::{ApiClient, SyncConfig, SyncEngine};
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const DATABASE: &str = "countersign.db";

/// A desktop's sync stack: its cache, engine and access token.
struct Stack {
    cache: SharedCache,
    engine: SyncEngine,
    token: Sensitive<String>,
}

// The desktop's own clock, as the app passes it to the cache and the engine.
#[allow(clippy::disallowed_methods)]
impl Stack {
    async fn signed_in(server: &TestServer, username: &str) -> Stack {
        let api = ApiClient::new(&server.url()).expect("client");
        let session = api
            .sign_in(&SessionRequest {
                username: username.into(),
                password: PASSWORD.into(),
                totp: None,
            })
            .await
            .expect("sign in");
        let cache = Cache::open_in_memory(&CacheKey::generate()).expect("cache");
        cache
            .set_client_id(ClientId(Uuid::now_v7()))
            .expect("client id");
        let config = SyncConfig {
            base_backoff: std::time::Duration::from_millis(10),
            max_backoff: std::time::Duration::from_millis(50),
            ..SyncConfig::default()
        };
        Stack {
            cache: Arc::new(Mutex::new(cache)),
            engine: SyncEngine::new(api, config),
            token: Sensitive::new(session.access_token),
        }
    }

    /// Decides on the draft as this desktop has it cached; returns the mutation id.
    fn decide(&self, draft: &Draft, verdict: Verdict) -> MutationId {
        let mut cache = self.cache.lock().expect("cache lock");
        let seen = cache
            .draft(draft.id)
            .expect("read cache")
            .expect("the draft is cached");
        let kind = MutationKind::Decide {
            decision: Decision {
                id: DecisionId(Uuid::now_v7()),
                draft_id: seen.id,
                draft_version: seen.version,
                verdict,
                comment: String::new(),
                override_reason: None,
                client_time: None,
            },
        };
        cache.enqueue(&kind, Utc::now()).expect("enqueue")
    }

    async fn sync(&self) -> countersign_sync::SyncReport {
        self.engine
            .sync(&self.cache, &self.token, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("sync: {e}"))
    }

    async fn push_only(&self) {
        self.engine
            .push_outbox(&self.cache, &self.token, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("push: {e}"));
    }

    fn with<T>(&self, f: impl FnOnce(&Cache) -> T) -> T {
        f(&self.cache.lock().expect("cache lock"))
    }
}

/// Copies the database file of a closed server (no WAL left beside it).
fn copy_database(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let side = from.with_file_name(format!("{DATABASE}{suffix}"));
        assert!(
            !side.exists() || std::fs::metadata(&side).map(|m| m.len()).unwrap_or(0) == 0,
            "the server must be closed, its WAL folded in: {} exists",
            side.display()
        );
    }
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

#[tokio::test]
async fn a_server_restored_from_a_backup_gets_every_decision_still_held_exactly_once() {
    let mut server = TestServer::start().await;
    let alex = server.session("alex").await;
    let drafts = alex.create_drafts(8).await;
    // Both desktops sign in before the backup, so their sessions survive the restore.
    let rita = Stack::signed_in(&server, "rita").await;
    let ravi = Desktop::signed_in(&server, "ravi", Keys::Memory).await;
    rita.sync().await;

    // Yesterday: two decisions, synced and confirmed.
    rita.decide(&drafts[0], Verdict::Approve);
    rita.decide(&drafts[1], Verdict::Reject);
    rita.sync().await;
    let backup_dir = tempfile::TempDir::new().expect("temp dir");
    let backup = backup_dir.path().join(DATABASE);
    server
        .restart_after(|data| copy_database(&data.join(DATABASE), &backup))
        .await;

    // Today, after the backup.
    rita.decide(&drafts[2], Verdict::Approve); // 3: confirmed by a pull, then dropped
    rita.decide(&drafts[3], Verdict::Approve); // 4: the same
    rita.sync().await;
    ravi.app
        .decide(drafts[5].id, Verdict::Approve, "", None)
        .await
        .expect("ravi decides");
    ravi.app.sync_now().await.expect("ravi syncs");
    rita.sync().await; // rita's cache learns of ravi's approval
    rita.decide(&drafts[4], Verdict::Approve); // 5: answered, not yet confirmed
    rita.push_only().await;
    let late = rita.decide(&drafts[5], Verdict::Approve); // 6: a real conflict, then
    rita.push_only().await;
    assert_eq!(
        rita.with(|c| c.conflict_count().expect("conflicts")),
        1,
        "ravi got there first: {late} is refused"
    );
    rita.decide(&drafts[6], Verdict::Approve); // 7: made offline, never pushed
    assert_eq!(rita.with(|c| c.unanswered_count().expect("count")), 1);

    // The server is restored from yesterday's copy, on the same port and data directory.
    server
        .restart_after(|data| {
            for side in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(data.join(format!("{DATABASE}{side}")));
            }
            std::fs::copy(&backup, data.join(DATABASE)).expect("restore the backup");
        })
        .await;

    let report = rita.sync().await;
    assert_eq!(
        report.refused, 0,
        "nothing the restored server applies is shown as a conflict: {report:?}"
    );
    assert_eq!(
        rita.with(|c| c.conflict_count().expect("conflicts")),
        0,
        "the refusal came from a server that no longer remembers ravi's approval"
    );
    assert_eq!(
        rita.with(|c| c.pending_count().expect("pending")),
        0,
        "every decision still held was sent and confirmed"
    );
    assert_eq!(
        rita.with(|c| c.server_last_mutation_id().expect("last")),
        MutationId(7)
    );
    ravi.app
        .sync_now()
        .await
        .expect("ravi syncs after the restore");
    assert!(
        ravi.app.conflicts().await.expect("conflicts").is_empty(),
        "ravi's approval was lost with the server's data, and rita's took its place"
    );

    let ada = server.session("ada").await;
    let on_server = |d: &Draft| {
        let ada = &ada;
        let id = d.id;
        async move { ada.get_draft(id).await }
    };
    for (i, expected) in [
        (0, 1),
        (1, 1),
        (2, 0),
        (3, 0),
        (4, 1),
        (5, 1),
        (6, 1),
        (7, 0),
    ] {
        let now = on_server(&drafts[i]).await;
        assert_eq!(
            decided_count(&now),
            expected,
            "draft {i}: decided {expected} time(s) on the restored server"
        );
    }
    for i in [2, 3] {
        assert_eq!(
            on_server(&drafts[i]).await.status,
            DraftStatus::Pending,
            "draft {i}: its decision was confirmed and dropped before the restore, so it is \
             lost with the server's data and waits for a decision again"
        );
    }
    agree(&server, &ada, &rita, &ravi, &drafts).await;

    // Lost decisions are made again and apply once; a further sync has nothing to do.
    rita.decide(&drafts[2], Verdict::Approve);
    rita.sync().await;
    assert_eq!(decided_count(&on_server(&drafts[2]).await), 1);
    let idle = rita.sync().await;
    assert_eq!((idle.pushed, idle.pulled), (0, 0), "{idle:?}");
    ravi.app.sync_now().await.expect("ravi syncs");
    agree(&server, &ada, &rita, &ravi, &drafts).await;
}

/// Desktop caches and the server hold the same version and status of every draft.
async fn agree(_server: &TestServer, ada: &Http, rita: &Stack, ravi: &Desktop, drafts: &[Draft]) {
    let ravi_queue = ravi.queue_ids().await;
    for (i, d) in drafts.iter().enumerate() {
        let truth = ada.get_draft(d.id).await;
        let cached = rita
            .with(|c| c.draft(d.id).expect("read cache"))
            .unwrap_or_else(|| panic!("draft {i} is missing from rita's cache"));
        assert_eq!(
            (cached.version, cached.status),
            (truth.version, truth.status),
            "draft {i}: rita's cache and the server disagree"
        );
        assert_eq!(
            ravi_queue.contains(&d.id),
            truth.status == DraftStatus::Pending,
            "draft {i}: ravi's queue and the server disagree ({:?})",
            truth.status
        );
    }
}
