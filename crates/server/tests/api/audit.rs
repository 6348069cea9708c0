//! The audit log end to end: built through the real server (sign-ins, drafts, decisions),
//! exported over `GET /api/v1/admin/audit`, then tampered with the way someone holding the
//! database file would — the append-only triggers dropped, a row edited, one deleted, two
//! swapped, the tail cut — and checked by the real `countersign-server audit verify`.

use crate::support::{TestServer, client, decide, draft_by, error_code, org};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

/// A server with a log worth tampering with: the organisation's accounts and channels,
/// three drafts, sign-ins, and a reviewer's decisions on all three.
async fn busy_server() -> (TestServer, Vec<Value>) {
    let server = TestServer::start().await;
    let org = org(&server.server).await;
    let mut drafts = vec![];
    for body in ["Back at 9 tomorrow.", "Sorry for the wait!", "Fixed now."] {
        drafts.push(draft_by(&server.server, org.alex, body).await);
    }
    let rita = server.sign_in("rita").await;
    let mutations = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| decide(i as u64 + 1, d.id, d.version, "approve"))
        .collect();
    let results = server.push(&rita.access, &client(), mutations).await;
    server.sign_in("root").await;
    (server, results)
}

/// A consistent copy of the server's database in a fresh data directory (`VACUUM INTO`
/// reads one snapshot, so a running server's write-ahead log is folded in).
fn snapshot(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let db = rusqlite::Connection::open(from.join("countersign.db")).unwrap();
    let target = dir.path().join("countersign.db");
    db.execute("VACUUM INTO ?1", [target.to_str().unwrap()])
        .unwrap();
    dir
}

/// A copy of `base` with `sql` run on it as an attacker would: the triggers that refuse
/// changes to the log dropped first.
fn tampered(base: &Path, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        base.join("countersign.db"),
        dir.path().join("countersign.db"),
    )
    .unwrap();
    let db = rusqlite::Connection::open(dir.path().join("countersign.db")).unwrap();
    db.execute_batch("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;")
        .unwrap();
    db.execute_batch(sql).unwrap();
    dir
}

/// `countersign-server audit verify` on `dir` with these extra arguments: whether it
/// passed, and what it printed.
fn verify(dir: &Path, args: &[String]) -> (bool, String) {
    let output = Command::new(BIN)
        .args(["audit", "verify", "--data-dir"])
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() || output.status.code() == Some(1),
        "verify crashed: {stdout}{stderr}"
    );
    (output.status.success(), format!("{stdout}{stderr}"))
}

/// The head `audit verify` reports for an untouched log: (position, hash).
fn head_of(text: &str) -> (u64, String) {
    let rest = text
        .split("the last at position ")
        .nth(1)
        .unwrap_or_else(|| panic!("no head in {text:?}"));
    let position = rest.split_whitespace().next().unwrap().parse().unwrap();
    let hash = rest
        .split("with hash ")
        .nth(1)
        .and_then(|h| h.get(..64))
        .unwrap_or_else(|| panic!("no hash in {text:?}"))
        .to_owned();
    (position, hash)
}

#[tokio::test]
async fn verify_finds_every_kind_of_tampering_with_the_database_file() {
    let (server, _) = busy_server().await;
    let base = snapshot(server.data_dir());
    // Stopped: from here on, only the file and the binary.
    drop(server);

    // Through SQLite itself, the log refuses to change.
    let db = rusqlite::Connection::open(base.path().join("countersign.db")).unwrap();
    for sql in [
        "UPDATE audit_events SET kind = 'sign_out' WHERE position = 1",
        "DELETE FROM audit_events WHERE position = 1",
    ] {
        let refused = db.execute(sql, []).map_err(|e| e.to_string());
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("append-only")),
            "{sql}: {refused:?}"
        );
    }
    drop(db);

    let (ok, text) = verify(base.path(), &[]);
    assert!(ok, "the untouched log verifies: {text}");
    let (last, hash) = head_of(&text);
    assert!(
        last >= 10,
        "sign-ins, accounts, drafts and decisions: {text}"
    );
    let head = vec!["--head".to_owned(), format!("{last}:{hash}")];
    let (ok, text) = verify(base.path(), &head);
    assert!(ok, "the untouched log holds its own head: {text}");

    let k = last / 2;
    let mut cases: Vec<(String, String)> = vec![
        (
            format!(
                "UPDATE audit_events SET detail_json = '{{\"verdict\":\"reject\"}}' WHERE position = {k}"
            ),
            format!("event {k} was changed after it was written"),
        ),
        (
            // Backdated.
            "UPDATE audit_events SET at = '2020-01-01T00:00:00.000000Z' WHERE position = 1"
                .to_owned(),
            "event 1 was changed after it was written".to_owned(),
        ),
        (
            format!("DELETE FROM audit_events WHERE position = {k}"),
            format!("1 event(s) after position {} were deleted", k - 1),
        ),
        (
            // Exchanging two rows: each keeps its place in the table, the contents change.
            format!(
                "UPDATE audit_events SET position = -1 WHERE position = {k};
                 UPDATE audit_events SET position = {k} WHERE position = {b};
                 UPDATE audit_events SET position = {b} WHERE position = -1;",
                b = k + 2
            ),
            format!("event {k} is out of order"),
        ),
    ];
    cases.push((
        // Not even JSON any more: no hash can be checked, the row is named all the same.
        format!("UPDATE audit_events SET detail_json = '{{not json' WHERE position = {k}"),
        format!("the event after position {} cannot be read", k - 1),
    ));
    for (sql, expected) in &cases {
        let dir = tampered(base.path(), sql);
        let (ok, text) = verify(dir.path(), &[]);
        assert!(!ok, "{sql}: went unnoticed: {text}");
        assert!(
            text.contains(expected),
            "{sql}: expected {expected:?} in {text:?}"
        );
    }

    // The tail cut: invisible to the chain alone, caught by the head handed out before.
    let cut = tampered(
        base.path(),
        &format!("DELETE FROM audit_events WHERE position > {k}"),
    );
    let (ok, text) = verify(cut.path(), &[]);
    assert!(ok, "a clean cut leaves a chain that links: {text}");
    let (ok, text) = verify(cut.path(), &head);
    assert!(!ok, "the cut went unnoticed with the head: {text}");
    assert!(
        text.contains(&format!("truncated: it ends at position {k}"))
            && text.contains(&format!("vouches for event {last}")),
        "{text}"
    );

    // A head that names the wrong hash: the log was rewritten from there or before.
    let forged = vec!["--head".to_owned(), format!("{k}:{}", "ab".repeat(32))];
    let (ok, text) = verify(base.path(), &forged);
    assert!(!ok && text.contains("cut and written again"), "{text}");
}

#[tokio::test]
async fn heads_are_read_from_receipt_files() {
    let (server, _) = busy_server().await;
    let base = snapshot(server.data_dir());
    drop(server);
    let (_, text) = verify(base.path(), &[]);
    let (last, hash) = head_of(&text);

    // A decisions export of the desktop's shape, and a receipt-like file on its own.
    let files = tempfile::tempdir().unwrap();
    let export = files.path().join("my-decisions.json");
    let receipt = files.path().join("receipt.json");
    std::fs::write(
        &export,
        serde_json::json!({"decisions": [
            {"receipt": {"receipt": {"audit": {"position": 2, "hash": "00"}}}, "confirmed": true},
            {"receipt": {"receipt": {"audit": {"position": last, "hash": hash}}}}
        ]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        &receipt,
        serde_json::json!({"receipt": {"audit": {"position": last, "hash": hash}}}).to_string(),
    )
    .unwrap();
    let files_args = |paths: &[&PathBuf]| -> Vec<String> {
        paths
            .iter()
            .flat_map(|p| ["--receipts".to_owned(), p.display().to_string()])
            .collect()
    };
    let (ok, text) = verify(base.path(), &files_args(&[&receipt]));
    assert!(ok, "{text}");
    // The export names a head at position 2 with a hash the log does not hold.
    let (ok, text) = verify(base.path(), &files_args(&[&receipt, &export]));
    assert!(!ok && text.contains("event 2 is not the one"), "{text}");

    let cut = tampered(base.path(), "DELETE FROM audit_events WHERE position > 3");
    let (ok, text) = verify(cut.path(), &files_args(&[&receipt]));
    assert!(!ok && text.contains("ends at position 3"), "{text}");

    // A file with no head in it is an error, not a pass.
    let empty = files.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    let (ok, text) = verify(base.path(), &files_args(&[&empty]));
    assert!(!ok && text.contains("holds no audit head"), "{text}");
}

#[tokio::test]
async fn a_tail_cut_after_a_decision_is_caught_by_the_receipt_the_push_answered() {
    let (server, results) = busy_server().await;
    let base = snapshot(server.data_dir());
    drop(server);
    // The push answer as the desktop got it: each applied decision with its signed receipt.
    let files = tempfile::tempdir().unwrap();
    let answer = files.path().join("push-answer.json");
    std::fs::write(&answer, Value::Array(results.clone()).to_string()).unwrap();
    let heads = countersign_audit::heads_in(&Value::Array(results));
    assert_eq!(heads.len(), 3, "a receipt per decision");
    let first = heads[0].position;
    let args = ["--receipts".to_owned(), answer.display().to_string()];
    let (ok, text) = verify(base.path(), &args);
    assert!(ok && text.contains("all 3 heads"), "{text}");

    // Cut back to just before the first decision: the chain still links, the receipts do
    // not fit.
    let cut = tampered(
        base.path(),
        &format!("DELETE FROM audit_events WHERE position >= {first}"),
    );
    let (ok, text) = verify(cut.path(), &[]);
    assert!(ok, "{text}");
    let (ok, text) = verify(cut.path(), &args);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("truncated: it ends at position {}", first - 1)),
        "{text}"
    );
}

#[tokio::test]
async fn the_log_is_exported_to_administrators_only_and_streamed_whole() {
    let (server, _) = busy_server().await;
    let root = server.sign_in("root").await;
    let rita = server.sign_in("rita").await;

    let (status, body) = server.get("/api/v1/admin/audit", &root.access).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let events = body.as_array().unwrap();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in ["user_created", "draft_created", "sign_in", "decision"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    assert_eq!(
        kinds.last(),
        Some(&"audit_exported"),
        "the export is recorded"
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["position"], i as u64 + 1, "{event}");
    }
    let decision = events.iter().find(|e| e["kind"] == "decision").unwrap();
    assert_eq!(decision["actor"]["username"], "rita");
    assert_eq!(
        decision["draft"]["content_sha256"].as_str().map(str::len),
        Some(64)
    );

    let response = server
        .http
        .get(server.at("/api/v1/admin/audit?format=csv&from=2000-01-01&to=2999-12-31"))
        .bearer_auth(&root.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with("position,at,kind,actor_id,actor_username"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        events.len() + 2,
        "one more export, one header"
    );

    let (status, body) = server.get("/api/v1/admin/audit", &rita.access).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (status, _) = server
        .call(reqwest::Method::GET, "/api/v1/admin/audit", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for query in [
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-12-03&to=2026-12-01",
        "format=xml",
        "since=2026-12-01",
    ] {
        let (status, body) = server
            .get(&format!("/api/v1/admin/audit?{query}"), &root.access)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(
            ["invalid_request", "invalid_query"].contains(&error_code(&body)),
            "{query}: {body}"
        );
    }
}
