//! Reviewers' receipts over HTTP: signed when a push applies a decision, checked with the
//! key the server serves, the same on a retry, none for a comment, the key kept across a
//! restart; and `countersign-server receipt key|verify` on real files.

use crate::binary::cli;
use crate::support::{TestServer, client, decide, draft_by, org};
use countersign_audit::receipt::{PublicKey, ReceiptError, verify};
use countersign_core::Verdict;
use countersign_core::wire::{ReceiptKey, SignedReceipt};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `GET /api/v1/receipts/key` with no token at all.
async fn served_key(t: &TestServer) -> (ReceiptKey, PublicKey) {
    let response = t
        .http
        .get(t.at("/api/v1/receipts/key"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the key needs no token");
    let key: ReceiptKey = response.json().await.unwrap();
    let public = PublicKey::from_wire(&key).unwrap();
    (key, public)
}

fn receipt_of(result: &Value) -> SignedReceipt {
    serde_json::from_value(result["receipt"].clone())
        .unwrap_or_else(|e| panic!("no signed receipt in {result}: {e}"))
}

#[tokio::test]
async fn an_applied_decision_comes_back_with_a_receipt_the_served_key_verifies() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let body = "Sorry about the delay, Sam: your parcel leaves today.";
    let draft = draft_by(&t.server, org.alex, body).await;
    let rita = t.sign_in("rita").await.access;
    let (wire, key) = served_key(&t).await;
    assert_eq!(wire.algorithm, "ed25519");

    let desk = client();
    let approval = decide(1, draft.id, draft.version, "approve");
    let results = t.push(&rita, &desk, vec![approval.clone()]).await;
    assert_eq!(results[0]["status"], "applied", "{}", results[0]);
    let signed = receipt_of(&results[0]);
    assert_eq!(verify(&signed, &key), Ok(()));
    let r = &signed.receipt;
    assert_eq!(
        r.decision_id.to_string(),
        approval["decision"]["id"].as_str().unwrap()
    );
    assert_eq!((r.draft_id, r.draft_version), (draft.id, draft.version));
    assert_eq!(r.content_sha256, countersign_audit::content_sha256(body));
    assert_eq!(r.verdict, Verdict::Approve);
    assert_eq!(r.step.as_deref(), Some("review"));
    assert!(!r.override_reason);
    assert_eq!(r.reviewer.id, org.ids["rita"]);
    assert_eq!(r.reviewer.username, "rita");
    assert_eq!(r.key_id, wire.key_id);
    // The decision's own event is the newest in the log, and the receipt holds its head.
    let head = countersign_server::audit::head(&t.server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.audit.position, &r.audit.hash),
        (head.position, &head.hash)
    );

    // A retried push (the answer was lost): the very same receipt, not a second one.
    let again = t.push(&rita, &desk, vec![approval]).await;
    assert_eq!(again[0]["status"], "duplicate");
    assert_eq!(
        receipt_of(&again[0]),
        signed,
        "a retry answers the same receipt"
    );

    // Any field changed after signing fails, however plausible the change.
    let mut earlier = signed.clone();
    earlier.receipt.draft_version -= 1;
    assert_eq!(verify(&earlier, &key), Err(ReceiptError::BadSignature));
    let mut other_text = signed.clone();
    other_text.receipt.content_sha256 = countersign_audit::content_sha256("Free parcels!");
    assert_eq!(verify(&other_text, &key), Err(ReceiptError::BadSignature));
}

#[tokio::test]
async fn refusals_and_comments_carry_no_receipt_and_every_verdict_gets_one() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let first = draft_by(&t.server, org.alex, "We are on it.").await;
    let second = draft_by(&t.server, org.alex, "Thanks for waiting!").await;
    let rita = t.sign_in("rita").await.access;
    let (_, key) = served_key(&t).await;
    let comment = json!({"mutation_id": 1, "kind": "annotate", "annotation": {
        "id": uuid::Uuid::now_v7(), "draft_id": first.id, "draft_version": first.version,
        "body": "is the tone right?"}});
    let results = t
        .push(
            &rita,
            &client(),
            vec![
                comment,
                decide(2, first.id, first.version, "request_changes"),
                decide(3, second.id, second.version, "reject"),
                // The draft was decided a moment ago: a conflict, so nothing to vouch for.
                decide(4, second.id, second.version, "approve"),
            ],
        )
        .await;
    let statuses: Vec<_> = results.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, ["applied", "applied", "applied", "conflict"]);
    assert!(
        results[0].get("receipt").is_none(),
        "a comment: {}",
        results[0]
    );
    assert!(
        results[3].get("receipt").is_none(),
        "a conflict: {}",
        results[3]
    );
    for (result, verdict) in [
        (&results[1], Verdict::RequestChanges),
        (&results[2], Verdict::Reject),
    ] {
        let signed = receipt_of(result);
        assert_eq!(verify(&signed, &key), Ok(()));
        assert_eq!(signed.receipt.verdict, verdict);
        assert_eq!(
            signed.receipt.step, None,
            "only an approval satisfies a step"
        );
    }
    // Two decisions, two events: their receipts name different places in the log.
    let (a, b) = (receipt_of(&results[1]), receipt_of(&results[2]));
    assert!(a.receipt.audit.position < b.receipt.audit.position);
}

#[tokio::test]
async fn the_key_is_made_once_in_the_data_dir_and_kept_across_a_restart() {
    let t = TestServer::start().await;
    let (wire, _) = served_key(&t).await;
    let path = t.data_dir().join("receipt-signing.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the signing key is the service user's alone");
    }
    let reopened = countersign_server::open(countersign_server::ServerConfig::new(t.data_dir()))
        .await
        .unwrap();
    assert_eq!(
        reopened.receipt_key().to_wire(),
        wire,
        "a restart keeps the key"
    );

    // A damaged key stops the start instead of being replaced by a new one.
    let damaged = tempfile::tempdir().unwrap();
    std::fs::write(damaged.path().join("receipt-signing.key"), "not a key\n").unwrap();
    let error = countersign_server::open(countersign_server::ServerConfig::new(damaged.path()))
        .await
        .expect_err("a damaged key must stop the start");
    assert!(
        error.to_string().contains("restore it from a backup"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(damaged.path().join("receipt-signing.key")).unwrap(),
        "not a key\n"
    );
}

#[tokio::test]
async fn receipt_verify_checks_files_with_the_public_key_alone() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "Back in stock on Monday.").await;
    let rita = t.sign_in("rita").await.access;
    let results = t
        .push(
            &rita,
            &client(),
            vec![decide(1, draft.id, draft.version, "approve")],
        )
        .await;
    let signed = receipt_of(&results[0]);
    let (wire, _) = served_key(&t).await;
    let data = t.data_dir().to_str().unwrap();

    let (ok, out) = cli(&["receipt", "key", "--data-dir", data], None);
    assert!(ok, "{out}");
    let printed: ReceiptKey = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(printed, wire, "the CLI prints what the API serves");

    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, value: &Value| {
        let path = files.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let good = write("good.json", &serde_json::to_value(&signed).unwrap());
    let mut tampered = serde_json::to_value(&signed).unwrap();
    tampered["receipt"]["verdict"] = json!("reject");
    let tampered = write("tampered.json", &json!([signed, tampered]));
    let export = write(
        "decisions.json",
        &json!({"decisions": [
            {"confirmed": true, "decision_id": signed.receipt.decision_id, "receipt": signed},
            {"confirmed": false, "decision_id": uuid::Uuid::now_v7(),
             "status": "not yet confirmed by the server"},
        ]}),
    );
    let key_file = write("key.json", &serde_json::to_value(&wire).unwrap());

    let (ok, out) = cli(
        &["receipt", "verify", &good, "--public-key", &wire.public_key],
        None,
    );
    assert!(ok, "{out}");
    assert!(out.contains("1 verified, 0 failed"), "{out}");
    assert!(
        out.contains(&signed.receipt.decision_id.to_string()),
        "{out}"
    );

    let (ok, out) = cli(
        &["receipt", "verify", &tampered, "--key-file", &key_file],
        None,
    );
    assert!(!ok, "a tampered receipt must fail the command: {out}");
    assert!(out.contains("1 verified, 1 failed"), "{out}");
    assert!(out.contains("FAILED       #2"), "{out}");
    assert!(out.contains("changed after it was signed"), "{out}");

    let (ok, out) = cli(&["receipt", "verify", &export, "--data-dir", data], None);
    assert!(ok, "an unconfirmed decision is no failure: {out}");
    assert!(
        out.contains("1 verified, 0 failed, 1 not yet confirmed"),
        "{out}"
    );

    // Another server's key: refused, naming both keys.
    let other = tempfile::tempdir().unwrap();
    let (ok, _) = cli(
        &[
            "receipt",
            "key",
            "--data-dir",
            other.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(ok);
    let (ok, out) = cli(
        &[
            "receipt",
            "verify",
            &good,
            "--data-dir",
            other.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("signed by key {}", wire.key_id)),
        "{out}"
    );

    // No key given: clap refuses before anything is read.
    let (ok, out) = cli(&["receipt", "verify", &good], None);
    assert!(!ok, "{out}");
}
