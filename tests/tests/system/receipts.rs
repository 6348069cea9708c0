//! Reviewer receipts reaching a real desktop: the receipt of each applied decision is kept
//! in the encrypted cache, "Export my decisions" writes it together with the decisions
//! still waiting to sync, and the exported JSON verifies with the server's public key alone.

use crate::support::{Desktop, Keys, TestServer};
use countersign_audit::receipt;
use countersign_core::Verdict;
use countersign_core::wire::{ReceiptKey, SignedReceipt};

/// The server's public receipt key, as anyone can fetch it (no token).
async fn public_key(server: &TestServer) -> ReceiptKey {
    reqwest::get(format!("{}/api/v1/receipts/key", server.url()))
        .await
        .expect("fetch the key")
        .error_for_status()
        .expect("the key is served")
        .json()
        .await
        .expect("the key's JSON")
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("the export exists")).expect("JSON")
}

#[tokio::test]
async fn exported_decisions_verify_with_the_servers_public_key_and_waiting_ones_are_marked() {
    let mut server = TestServer::start().await;
    let drafts = server.session("alex").await.create_drafts(2).await;
    let mut rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    rita.app
        .decide(drafts[0].id, Verdict::Approve, "fine", None)
        .await
        .expect("approve");
    let synced = rita.app.sync_now().await.expect("sync");
    assert_eq!(
        (synced.receipts, synced.receipts_failed),
        (1, 0),
        "the approval came back with a receipt that checks out: {synced:?}"
    );

    // Offline, a second decision waits in the outbox.
    server.stop().await;
    rita.app
        .decide(drafts[1].id, Verdict::Reject, "=not this, @team", None)
        .await
        .expect("reject offline");
    let folder = tempfile::tempdir().expect("a folder");
    let report = rita
        .app
        .export_decisions(folder.path())
        .await
        .expect("export offline");
    assert_eq!(
        (
            report.decisions,
            report.confirmed,
            report.unconfirmed,
            report.failed_checks
        ),
        (2, 1, 1, 0),
        "{report:?}"
    );
    server.restart().await;

    let key = public_key(&server).await;
    let public = receipt::PublicKey::from_wire(&key).expect("a usable key");
    let json = read_json(&report.json);
    assert_eq!(
        json["public_key"],
        serde_json::to_value(&key).expect("key JSON"),
        "the desktop pinned the server's key at sign-in"
    );
    assert_eq!(json["reviewer"]["username"], "rita");
    let decisions = json["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 2);

    let confirmed = &decisions[0];
    assert_eq!(confirmed["confirmed"], true);
    let signed: SignedReceipt =
        serde_json::from_value(confirmed["receipt"].clone()).expect("a signed receipt");
    receipt::verify(&signed, &public).expect("the exported receipt verifies with the public key");
    let r = &signed.receipt;
    assert_eq!(r.draft_id, drafts[0].id);
    assert_eq!(r.verdict, Verdict::Approve);
    assert_eq!(r.reviewer.username, "rita");
    assert_eq!(
        r.content_sha256,
        countersign_audit::content_sha256(&drafts[0].body),
        "the receipt names the exact text approved"
    );
    assert!(r.audit.position > 0, "with its place in the audit log");
    let mut forged = signed.clone();
    forged.receipt.draft_version += 1;
    assert!(
        receipt::verify(&forged, &public).is_err(),
        "a receipt edited after export fails"
    );

    let waiting = &decisions[1];
    assert_eq!(waiting["confirmed"], false);
    assert_eq!(waiting["status"], "not yet confirmed by the server");
    assert_eq!(waiting["draft_id"], drafts[1].id.to_string());
    assert!(waiting.get("receipt").is_none());

    // The receipts are in the encrypted cache: after a restart and a sync, both decisions
    // are confirmed, the first with the very receipt exported before.
    rita.restart().await;
    rita.app.sync_now().await.expect("sync after the restart");
    let again = rita
        .app
        .export_decisions(folder.path())
        .await
        .expect("export again");
    assert_eq!((again.confirmed, again.unconfirmed), (2, 0), "{again:?}");
    let json = read_json(&again.json);
    let first: SignedReceipt =
        serde_json::from_value(json["decisions"][0]["receipt"].clone()).expect("receipt");
    assert_eq!(
        first, signed,
        "the receipt kept is the one the server signed"
    );
    for d in json["decisions"].as_array().expect("decisions") {
        let signed: SignedReceipt = serde_json::from_value(d["receipt"].clone()).expect("receipt");
        receipt::verify(&signed, &public).expect("every receipt verifies");
        assert_eq!(d["check"]["result"], "valid", "checked on arrival too: {d}");
    }
}
