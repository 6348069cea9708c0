//! The app without a server: what it does signed out, and with a cache whose key is gone.

use super::*;
use countersign_keychain::{MemoryKeychain, SecretStore};
use countersign_store::CacheKey;
use std::path::Path;

fn config(dir: &Path) -> (AppConfig, Arc<MemoryKeychain>) {
    let store = Arc::new(MemoryKeychain::default());
    let keychain = Keychain::new(store.clone());
    (AppConfig::new(dir.join("data"), keychain), store)
}

#[tokio::test]
async fn a_new_install_opens_signed_out_and_refuses_work_politely() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    let app = App::open(config).await.expect("open");
    assert!(app.user().await.is_none());
    let status = app.status().await.expect("status");
    assert_eq!((status.pending, status.online), (0, None));
    let draft = DraftId(Uuid::nil());
    let refused = app
        .decide(draft, Verdict::Approve, "", None)
        .await
        .expect_err("signed out");
    assert_eq!(refused.code(), "not_signed_in");
    assert_eq!(
        app.sync_now().await.expect_err("signed out").code(),
        "not_signed_in"
    );
}

#[tokio::test]
async fn each_status_read_is_numbered_later_than_the_one_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    let app = App::open(config).await.expect("open");
    let first = app.status().await.expect("status").seq;
    let second = app.status().await.expect("status").seq;
    assert!(second > first, "{first} then {second}");
}

#[tokio::test]
async fn a_request_for_changes_without_a_comment_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    let app = App::open(config).await.expect("open");
    let error = app
        .decide(DraftId(Uuid::nil()), Verdict::RequestChanges, "  ", None)
        .await
        .expect_err("needs a comment");
    assert_eq!(error.code(), "invalid");
}

#[tokio::test]
async fn a_cache_whose_key_is_gone_is_removed_at_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    std::fs::create_dir_all(&config.data_dir).expect("mkdir");
    drop(Cache::open(&config.cache_path(), &CacheKey::generate()).expect("create cache"));
    assert!(config.cache_path().exists());

    let app = App::open(config.clone()).await.expect("open");
    assert!(app.user().await.is_none(), "no key, no session");
    assert!(
        !config.cache_path().exists(),
        "unreadable leftovers are deleted"
    );
}

#[tokio::test]
async fn signing_in_to_nowhere_is_an_offline_error_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    let app = App::open(config.clone()).await.expect("open");
    // Port 9 on loopback: nothing listens there.
    let error = app
        .sign_in("http://127.0.0.1:9", "rita", "secret", None)
        .await
        .expect_err("nobody there");
    assert_eq!(error.code(), "offline", "{error}");
    assert!(!config.cache_path().exists());
    assert!(keys.get(REFRESH_TOKEN).expect("keychain").is_none());
}
