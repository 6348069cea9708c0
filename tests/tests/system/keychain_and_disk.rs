//! Secrets in the OS keychain and nowhere else; nothing readable in the cache files.
//!
//! These use the real OS keychain (Secret Service; `scripts/test` starts gnome-keyring in a
//! private D-Bus session) under a unique test-only service name.

use crate::support::{Desktop, Keys, TestServer};
use countersign_core::Verdict;
use std::path::Path;

/// True when these tests can run: a keychain is reachable, or CI demands one (then a
/// missing keychain fails the test rather than skipping it).
pub(crate) fn keychain_available() -> bool {
    if std::env::var_os("COUNTERSIGN_REQUIRE_KEYCHAIN").is_some() {
        return true;
    }
    let probe = countersign_keychain::OsKeychain::new("countersign-test-probe");
    let reachable = countersign_keychain::SecretStore::get(&probe, "probe").is_ok();
    if !reachable {
        eprintln!("skipped: no Secret Service here; run through scripts/test");
    }
    reachable
}

/// Every byte of every file under `dir`.
fn all_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
        } else {
            out.push((
                path.display().to_string(),
                std::fs::read(&path).expect("read"),
            ));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_token_lives_in_the_keychain_and_no_draft_text_is_readable_on_disk() {
    if !keychain_available() {
        return;
    }
    let server = TestServer::start().await;
    let secret_body = "Meet the Sorrel 88 boots: waterproof to the ankle";
    let alex = server.session("alex").await;
    let draft = alex.create_draft(secret_body, &["review"]).await;
    alex.create_drafts(20).await;
    let desktop = Desktop::signed_in(&server, "rita", Keys::Os).await;
    desktop
        .app
        .decide(draft.id, Verdict::Approve, "ok", None)
        .await
        .expect("decide");
    desktop
        .app
        .comment(draft.id, "Lovely photo of the boots")
        .await
        .expect("comment");

    let refresh = desktop
        .keychain
        .get("refresh-token")
        .expect("keychain readable")
        .expect("the refresh token is in the keychain");
    let key = desktop
        .keychain
        .get("cache-key")
        .expect("keychain")
        .expect("the cache key too");

    let files = all_bytes(&desktop.data_dir());
    assert!(
        files.iter().any(|(p, _)| p.ends_with("cache.db")),
        "the cache exists: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        for (what, needle) in [
            ("refresh token", refresh.expose().as_bytes()),
            ("cache key", key.expose().as_bytes()),
            ("draft text", secret_body.as_bytes()),
            ("comment text", b"Lovely photo".as_slice()),
            ("SQLite header", b"SQLite format 3".as_slice()),
            ("username", b"rita".as_slice()),
        ] {
            assert!(!contains(bytes, needle), "{what} is readable in {path}");
        }
    }
}

#[tokio::test]
async fn sign_out_revokes_the_session_and_leaves_no_token_and_no_cache() {
    if !keychain_available() {
        return;
    }
    let server = TestServer::start().await;
    server.session("alex").await.create_drafts(3).await;
    let desktop = Desktop::signed_in(&server, "rita", Keys::Os).await;
    let refresh = desktop
        .keychain
        .get("refresh-token")
        .expect("keychain")
        .expect("token");

    let report = desktop.app.sign_out().await.expect("sign out");
    assert!(report.revoked_on_server);
    for account in ["refresh-token", "cache-key"] {
        assert!(
            desktop.keychain.get(account).expect("keychain").is_none(),
            "{account} left behind"
        );
    }
    let leftovers = all_bytes(&desktop.data_dir());
    assert!(
        leftovers.is_empty(),
        "files left behind: {:?}",
        leftovers.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(desktop.app.user().await.is_none());

    let reuse = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions/refresh", server.url()))
        .json(&serde_json::json!({"refresh_token": refresh.expose()}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        reuse.status(),
        401,
        "the revoked session's refresh token is dead"
    );
}

#[tokio::test]
async fn sign_out_after_a_restart_revokes_the_session_with_the_refresh_token() {
    let server = TestServer::start().await;
    let mut desktop = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let refresh = desktop
        .keychain
        .get("refresh-token")
        .expect("keychain")
        .expect("token");
    // The access token lived in memory only: after a restart the desktop has none until
    // its next refresh, and signs out with the refresh token instead.
    desktop.restart().await;
    let report = desktop.app.sign_out().await.expect("sign out");
    assert!(
        report.revoked_on_server,
        "with no access token at hand, the refresh token must still end the session"
    );
    let reuse = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions/refresh", server.url()))
        .json(&serde_json::json!({"refresh_token": refresh.expose()}))
        .send()
        .await
        .expect("request");
    assert_eq!(reuse.status(), 401, "the session is revoked on the server");
    let body: serde_json::Value = reuse.json().await.expect("an error body");
    assert_eq!(body["error"]["code"], "session_revoked", "{body}");
}
