//! "Export my decisions" in the real window: after an approval reaches the server, the
//! button writes the reviewer's decisions to the Downloads folder, the panel says where and
//! how many wait for the server, and the JSON file's receipts verify with the server's
//! public key alone — the key anyone can fetch, not the server's database.

use crate::harness::{self, enabled};
use crate::{decisions, only_clean_drafts, selected_id, server_draft, signed_in};
use countersign_audit::receipt;
use countersign_core::wire::{ReceiptKey, SignedReceipt};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exported_decisions_verify_with_the_servers_public_key() {
    if !enabled() {
        return;
    }
    let (mut server, desktop) = signed_in().await;
    let s = &desktop.session;
    only_clean_drafts(s).await;

    // One approval the server confirms, one that waits offline.
    let confirmed = selected_id(&desktop).await;
    s.press("a").await;
    s.wait_for("the server to apply the approval", || async {
        (decisions(&server_draft(&server, &confirmed).await) == 1).then_some(())
    })
    .await;
    let pending = s.find("[data-testid=status-pending]").await;
    s.wait_for("the approval to be synced", || async {
        (!s.text(&pending).await.contains("waiting")).then_some(())
    })
    .await;
    server.stop().await;
    let waiting = selected_id(&desktop).await;
    assert_ne!(waiting, confirmed);
    s.press("a").await;
    s.wait_for("\"1 waiting\"", || async {
        s.text(&pending).await.contains("1 waiting").then_some(())
    })
    .await;

    s.click(&s.find("[data-testid=export-decisions]").await)
        .await;
    let unconfirmed = s.find("[data-testid=export-unconfirmed]").await;
    let note = s.text(&unconfirmed).await;
    assert!(
        note.starts_with("1 decision is not yet confirmed by the server"),
        "the panel says what waits: {note}"
    );
    let downloads = desktop.home.path().join("Downloads");
    let folder = s.text(&s.find("[data-testid=export-folder]").await).await;
    assert_eq!(folder, format!("Saved in {}", downloads.display()));
    let files = s.text(&s.find("[data-testid=export-files]").await).await;
    assert!(files.contains(".csv") && files.contains(".json"), "{files}");
    desktop.shot("export-decisions").await;
    server.restart().await;

    let json_file = std::fs::read_dir(&downloads)
        .expect("the Downloads folder")
        .map(|e| e.expect("an entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a JSON file in Downloads");
    let export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_file).expect("read")).expect("JSON");
    let key: ReceiptKey = reqwest::get(format!("{}/api/v1/receipts/key", server.url()))
        .await
        .expect("fetch the key")
        .json()
        .await
        .expect("the key");
    let public = receipt::PublicKey::from_wire(&key).expect("a usable key");
    let rows = export["decisions"].as_array().expect("decisions");
    assert_eq!(rows.len(), 2, "{export}");
    let mine: Vec<_> = rows
        .iter()
        .map(|d| (d["draft_id"].clone(), d["confirmed"].clone()))
        .collect();
    assert_eq!(
        mine,
        vec![
            (json!(confirmed), json!(true)),
            (json!(waiting), json!(false))
        ]
    );
    let signed: SignedReceipt =
        serde_json::from_value(rows[0]["receipt"].clone()).expect("a signed receipt");
    receipt::verify(&signed, &public).expect("the receipt verifies with the public key");
    assert_eq!(signed.receipt.reviewer.username, crate::REVIEWER);

    // The operator's check: the server's command line, given only the public key.
    let key_file = desktop.home.path().join("receipt-key.json");
    std::fs::write(&key_file, serde_json::to_vec(&key).expect("key JSON")).expect("key file");
    let verify = |file: &std::path::Path| {
        std::process::Command::new(harness::server_binary())
            .args(["receipt", "verify", "--key-file"])
            .arg(&key_file)
            .arg(file)
            .output()
            .expect("run countersign-server receipt verify")
    };
    let checked = verify(&json_file);
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "receipt verify refused the export: {said}"
    );
    assert!(
        said.contains("1 verified, 0 failed, 1 not yet confirmed"),
        "one receipt checked, one decision waiting: {said}"
    );
    let mut tampered = export.clone();
    tampered["decisions"][0]["receipt"]["receipt"]["verdict"] = json!("reject");
    let tampered_file = desktop.home.path().join("tampered.json");
    std::fs::write(&tampered_file, tampered.to_string()).expect("write");
    assert!(
        !verify(&tampered_file).status.success(),
        "an export whose receipt was edited fails the check"
    );
    desktop.close().await;
}
