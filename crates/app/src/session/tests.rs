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

/// A session as a previous run left it: a cache with its key in the keychain, the server and
/// the user recorded, a refresh token saved.
fn a_saved_session(config: &AppConfig, keys: &MemoryKeychain) {
    std::fs::create_dir_all(&config.data_dir).expect("mkdir");
    let key = CacheKey::generate();
    keys.set(CACHE_KEY, &key.to_hex()).expect("store the key");
    keys.set(REFRESH_TOKEN, &Sensitive::new("refresh-secret".to_owned()))
        .expect("store the token");
    let user = SessionUser {
        person: countersign_core::Person {
            id: countersign_core::UserId(Uuid::new_v4()),
            username: "rita".to_owned(),
            display_name: "Rita Okafor".to_owned(),
        },
        roles: vec![countersign_core::Role::Reviewer],
        steps: vec![],
        teams: vec![],
    };
    let user = serde_json::to_string(&user).expect("a user record");
    let cache = Cache::open(&config.cache_path(), &key).expect("create cache");
    cache
        .set_setting(SERVER_URL, "http://127.0.0.1:9")
        .expect("server");
    cache.set_setting(USER, &user).expect("user");
    let contact = (config.clock)() - chrono::TimeDelta::days(1);
    cache
        .set_setting(LAST_CONTACT, &contact.to_rfc3339())
        .expect("last contact");
}

fn at(config: &AppConfig, when: DateTime<Utc>) -> AppConfig {
    AppConfig {
        clock: Arc::new(move || when),
        ..config.clone()
    }
}

#[tokio::test]
async fn past_the_offline_lease_nothing_is_shown_and_setting_the_clock_back_does_not_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    let now = (config.clock)();

    let app = App::open(at(&config, now)).await.expect("open");
    app.queue(QueueFilter::default())
        .await
        .expect("a day offline: the queue shows");

    let app = App::open(at(&config, now + chrono::TimeDelta::days(14)))
        .await
        .expect("open");
    let error = app
        .queue(QueueFilter::default())
        .await
        .expect_err("15 days offline");
    assert_eq!(error.code(), "lease_expired", "{error}");
    assert!(error.to_string().contains("more than 14 days"), "{error}");
    for refused in [
        app.draft(DraftId(Uuid::nil())).await.map(drop),
        app.conflicts().await.map(drop),
        app.decide(DraftId(Uuid::nil()), Verdict::Approve, "", None)
            .await
            .map(drop),
        app.sync_now().await.map(drop),
    ] {
        assert_eq!(
            refused.expect_err("nothing past the lease").code(),
            "lease_expired"
        );
    }
    drop(app);

    let app = App::open(at(&config, now)).await.expect("open");
    let error = app
        .queue(QueueFilter::default())
        .await
        .expect_err("remembered");
    assert_eq!(
        error.code(),
        "lease_expired",
        "the clock set back changes nothing"
    );
    assert!(
        keys.get(CACHE_KEY).expect("keychain").is_some(),
        "the cache is kept"
    );
    assert!(
        config.cache_path().exists(),
        "with its outbox, for the same reviewer"
    );
}

#[tokio::test]
async fn a_saved_session_reopens_so_the_wipe_tests_below_mean_something() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    let app = App::open(config).await.expect("open");
    assert!(
        app.user().await.is_some(),
        "the saved session opens offline"
    );
}

#[tokio::test]
async fn a_wipe_whose_keychain_fails_midway_deletes_the_key_first_tries_every_step_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    keys.fail_deletes_of(REFRESH_TOKEN, true);

    let error = wipe_local(&config).await.expect_err("one step failed");
    assert_eq!(error.code(), "wipe_incomplete", "{error}");
    assert!(error.to_string().contains("refresh token"), "{error}");
    assert!(
        keys.get(CACHE_KEY).expect("keychain").is_none(),
        "the key went first"
    );
    assert!(!config.cache_path().exists(), "the cache was still deleted");
    assert!(config.data_dir.join(WIPE_MARK).exists(), "the mark stays");
    assert!(keys.get(REFRESH_TOKEN).expect("keychain").is_some());

    // The next start, with a working keychain, finishes the wipe before anything else.
    keys.fail_deletes_of(REFRESH_TOKEN, false);
    let app = App::open(config.clone()).await.expect("open");
    assert!(app.user().await.is_none());
    assert!(keys.is_empty(), "the refresh token is gone too");
    assert!(
        !config.data_dir.join(WIPE_MARK).exists(),
        "done, so unmarked"
    );
    assert_eq!(app.status().await.expect("status").last_error, None);
}

#[tokio::test]
async fn a_wipe_interrupted_before_its_first_step_is_finished_at_the_next_start() {
    // A process killed right after the mark was written: the cache, its key and the token
    // are all still there and would reopen the session without the mark.
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    std::fs::write(config.data_dir.join(WIPE_MARK), b"").expect("mark");

    let app = App::open(config.clone()).await.expect("open");
    assert!(
        app.user().await.is_none(),
        "a marked folder never reopens its session"
    );
    assert!(keys.is_empty());
    assert!(!config.cache_path().exists());
    assert!(!config.data_dir.join(WIPE_MARK).exists());
}

#[tokio::test]
async fn a_start_whose_wipe_fails_again_opens_signed_out_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    std::fs::write(config.data_dir.join(WIPE_MARK), b"").expect("mark");
    keys.fail_deletes_of(CACHE_KEY, true);
    // A companion the wipe cannot remove (a directory where the WAL file would be).
    let wal = std::path::PathBuf::from(format!("{}-wal", config.cache_path().display()));
    let _ = std::fs::remove_file(&wal);
    std::fs::create_dir_all(wal.join("stuck")).expect("a directory in the way");

    let app = App::open(config.clone()).await.expect("open");
    assert!(
        app.user().await.is_none(),
        "never reopens a session marked for wiping"
    );
    let status = app.status().await.expect("status");
    let said = status.last_error.unwrap_or_default();
    assert!(
        said.contains("could not all be erased") && said.contains("cache key"),
        "{said}"
    );
    assert!(
        keys.get(REFRESH_TOKEN).expect("keychain").is_none(),
        "the other steps ran"
    );
    assert!(!config.cache_path().exists(), "the main file went");
    assert!(
        config.data_dir.join(WIPE_MARK).exists(),
        "still marked for the next start"
    );
}

/// A TCP listener on loopback that counts who connected: the stand-in for "the network".
/// `0.0.0.0` as a destination is this machine on Linux and macOS, yet its address is no
/// loopback address: the app must treat it as another machine, and the test's traffic stays
/// on this one.
async fn watched_port() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    (listener, format!("http://0.0.0.0:{port}"))
}

/// The first request head that reaches `listener` within a few seconds, if any.
async fn request_reaching(listener: &tokio::net::TcpListener) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let accepted = tokio::time::timeout(Duration::from_secs(5), listener.accept()).await;
    let (mut stream, _) = accepted.ok()?.ok()?;
    let mut head = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut head))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&head[..n]).into_owned())
}

#[tokio::test]
async fn plain_http_to_another_machine_is_refused_before_the_password_leaves_and_allowed_only_when_asked()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    let app = App::open(config.clone()).await.expect("open");
    let (listener, url) = watched_port().await;

    let error = app
        .sign_in(&url, "rita", "secret", None)
        .await
        .expect_err("http to a non-loopback address needs an allowance");
    assert_eq!(error.code(), "insecure_server", "{error}");
    let message = error.to_string();
    assert!(
        message.contains("0.0.0.0:") && message.contains("unencrypted"),
        "the refusal names the host and the risk: {message}"
    );
    let early = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(
        early.is_err(),
        "nothing may be sent to a refused server, not even a connection"
    );
    assert!(!config.cache_path().exists(), "a refusal writes nothing");
    assert!(keys.get(REFRESH_TOKEN).expect("keychain").is_none());

    // Allowing another port of the same host allows nothing here.
    // (Port 1: the listener's port is an ephemeral one, never 1.)
    app.allow_unencrypted("http://0.0.0.0:1")
        .await
        .expect("allow another");
    let error = app
        .sign_in(&url, "rita", "secret", None)
        .await
        .expect_err("an allowance is for one origin");
    assert_eq!(error.code(), "insecure_server", "{error}");

    app.allow_unencrypted(&url)
        .await
        .expect("allow this server");
    let (request, signed_in) = tokio::join!(
        request_reaching(&listener),
        app.sign_in(&url, "rita", "secret", None)
    );
    let request = request.expect("once allowed, the sign-in is sent");
    assert!(
        request.starts_with("POST /api/v1/sessions "),
        "the allowed request is the sign-in: {request}"
    );
    // The stand-in hung up without answering: an error, but not the refusal.
    let error = signed_in.expect_err("the stand-in gives no answer");
    assert_ne!(error.code(), "insecure_server", "{error}");

    // Signing out forgets the allowance with the session.
    app.sign_out().await.expect("sign out");
    let error = app
        .sign_in(&url, "rita", "secret", None)
        .await
        .expect_err("after sign-out the allowance is gone");
    assert_eq!(error.code(), "insecure_server", "{error}");
}

#[tokio::test]
async fn https_and_loopback_addresses_need_no_allowance() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    let app = App::open(config).await.expect("open");
    // Nothing listens on port 9: reaching the network at all is the proof.
    for url in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://127.0.0.1:9",
    ] {
        let error = app
            .sign_in(url, "rita", "secret", None)
            .await
            .expect_err("nobody there");
        assert_eq!(
            error.code(),
            "offline",
            "{url} was tried, not refused: {error}"
        );
    }
    let error = app
        .allow_unencrypted("not a url")
        .await
        .expect_err("not an address");
    assert_eq!(error.code(), "invalid", "{error}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_is_the_users_alone_from_the_first_start() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("the data folder")
            .permissions()
            .mode()
            & 0o777
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _) = config(dir.path());
    assert!(!config.data_dir.exists(), "a new install has no folder yet");
    drop(App::open(config.clone()).await.expect("open"));
    assert_eq!(mode(&config.data_dir), 0o700, "created private at start");

    std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o755))
        .expect("loosen it");
    drop(App::open(config.clone()).await.expect("open again"));
    assert_eq!(
        mode(&config.data_dir),
        0o700,
        "a loosened folder is tightened at start"
    );
}

/// Puts one pending X draft into the cache `a_saved_session` left, as a pull would.
fn a_cached_draft(config: &AppConfig, keys: &MemoryKeychain) -> DraftId {
    a_cached_draft_saying(config, keys, "Thanks for waiting")
}

/// [`a_cached_draft`] with `body`.
fn a_cached_draft_saying(config: &AppConfig, keys: &MemoryKeychain, body: &str) -> DraftId {
    let key = keys.get(CACHE_KEY).expect("keychain").expect("a saved key");
    let key = CacheKey::from_hex(key.expose()).expect("a key");
    let mut cache = Cache::open(&config.cache_path(), &key).expect("open cache");
    let id = DraftId(Uuid::now_v7());
    let draft: Draft = serde_json::from_value(serde_json::json!({
        "id": id, "version": 1, "status": "pending", "network": "x", "channel": "@care",
        "team": Uuid::now_v7(), "body": body,
        "author": {"id": Uuid::now_v7(), "username": "sam", "display_name": "Sam"},
        "urgency": "normal", "scheduled_at": null, "required_steps": ["review"],
        "approvals": [], "in_reply_to": null, "media": [],
        "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z"
    }))
    .expect("a draft");
    cache
        .apply_changes(&countersign_core::wire::ChangesResponse {
            changes: vec![countersign_core::wire::Change::Upsert {
                draft: Box::new(draft),
            }],
            next_cursor: "1".into(),
            has_more: false,
            last_mutation_id: MutationId(0),
            directory: None,
        })
        .expect("apply");
    id
}

#[tokio::test]
async fn a_comment_or_reason_over_the_servers_cap_is_refused_before_it_is_queued() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    let draft = a_cached_draft(&config, &keys);
    let app = App::open(config).await.expect("open");
    let long = "x".repeat(limits::MAX_COMMENT_CHARS + 1);
    let refused = [
        app.comment(draft, &long).await,
        app.decide(draft, Verdict::Reject, &long, None).await,
        app.decide(
            draft,
            Verdict::Reject,
            "too loud",
            Some("r".repeat(limits::MAX_OVERRIDE_REASON_CHARS + 1)),
        )
        .await,
    ];
    let fields = ["the comment", "the comment", "the override reason"];
    for (result, field) in refused.into_iter().zip(fields) {
        let error = result.expect_err("over the server's cap");
        assert_eq!(error.code(), "invalid", "{error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{field} is too long")),
            "the refusal names {field}: {error}"
        );
    }
    assert_eq!(
        app.status().await.expect("status").pending,
        0,
        "nothing over a cap is queued"
    );
    app.comment(draft, "A fair point")
        .await
        .expect("a comment within the cap is queued");
    assert_eq!(app.status().await.expect("status").pending, 1);
}

/// A pending draft for the review step, due at `scheduled_at`.
fn scheduled_draft(n: u128, scheduled_at: DateTime<Utc>) -> countersign_core::Draft {
    let author = countersign_core::Person {
        id: countersign_core::UserId(Uuid::from_u128(0xa17)),
        username: "alex".to_owned(),
        display_name: "Alex".to_owned(),
    };
    countersign_core::Draft {
        id: DraftId(Uuid::from_u128(n)),
        version: 1,
        status: countersign_core::DraftStatus::Pending,
        network: countersign_core::Network::X,
        channel: "@acme".to_owned(),
        channel_id: None,
        team: countersign_core::TeamId(Uuid::from_u128(0x7ea)),
        body: "Our winter sale starts today".to_owned(),
        author,
        owner: None,
        urgency: countersign_core::Urgency::Normal,
        requested_urgency: None,
        scheduled_at: Some(scheduled_at),
        required_steps: vec![countersign_core::RequiredStep::one("review")],
        approvals: vec![],
        in_reply_to: None,
        media: vec![],
        created_at: scheduled_at - chrono::TimeDelta::days(1),
        updated_at: scheduled_at - chrono::TimeDelta::days(1),
        history: vec![],
    }
}

#[tokio::test]
async fn the_window_is_told_which_drafts_are_late_and_offline_which_will_be() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    // Whole seconds, as the cache keeps times: the spans below come out exact.
    let now = chrono::DateTime::from_timestamp((config.clock)().timestamp(), 0).expect("now");
    let config = at(&config, now);
    a_saved_session(&config, &keys);
    let late = scheduled_draft(1, now - chrono::TimeDelta::minutes(125));
    let soon = scheduled_draft(2, now + chrono::TimeDelta::minutes(40));
    {
        let key = CacheKey::from_hex(
            keys.get(CACHE_KEY)
                .expect("keychain")
                .expect("a key")
                .expose(),
        )
        .expect("the key");
        let mut cache = Cache::open(&config.cache_path(), &key).expect("the cache");
        let changes = [&late, &soon]
            .into_iter()
            .map(|d| countersign_core::wire::Change::Upsert {
                draft: Box::new(d.clone()),
            })
            .collect();
        cache
            .apply_changes(&countersign_core::wire::ChangesResponse {
                changes,
                next_cursor: "1".to_owned(),
                has_more: false,
                last_mutation_id: MutationId(0),
                directory: None,
            })
            .expect("the drafts");
    }
    let app = App::open(at(&config, now)).await.expect("open");

    let queue = app.queue(QueueFilter::default()).await.expect("queue");
    let late_by: Vec<(DraftId, Option<u64>)> =
        queue.iter().map(|i| (i.id, i.late_by_secs)).collect();
    assert_eq!(late_by, [(late.id, Some(125 * 60)), (soon.id, None)]);
    let page = app
        .queue_page(countersign_store::QueuePage {
            limit: 10,
            ..countersign_store::QueuePage::default()
        })
        .await
        .expect("a page");
    let paged: Vec<(DraftId, Option<u64>)> = page
        .items
        .iter()
        .map(|i| (i.item.id, i.item.late_by_secs))
        .collect();
    assert_eq!(paged, late_by, "a page is the queue, late badges and all");
    assert_eq!((page.total, page.all_to_review), (2, 2));

    let passed = Some(rules::ScheduleWarning::Passed { by_secs: 125 * 60 });
    assert_eq!(
        app.draft(late.id).await.expect("draft").schedule_warning,
        passed
    );
    assert_eq!(
        app.draft(soon.id).await.expect("draft").schedule_warning,
        None,
        "no sync has failed yet: not known to be offline"
    );

    // Nothing listens at the saved server: the sync fails and the app knows it is offline,
    // a day after its last contact.
    let offline = app.sync_now().await.expect_err("nobody there");
    assert_eq!(offline.code(), "offline", "{offline}");
    assert_eq!(
        app.draft(soon.id).await.expect("draft").schedule_warning,
        Some(rules::ScheduleWarning::BeforeLikelySync {
            publishes_in_secs: 40 * 60,
            offline_for_secs: 24 * 3600,
        })
    );
    assert_eq!(
        app.draft(late.id).await.expect("draft").schedule_warning,
        passed
    );
}

#[tokio::test]
async fn a_comment_on_selected_words_is_queued_anchored_and_opening_records_the_version_seen() {
    use crate::annotations::{NewComment, Selection};
    use countersign_core::anchor::Anchor;
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    let draft = a_cached_draft(&config, &keys);
    let app = App::open(config).await.expect("open");
    let first = app.draft(draft).await.expect("the draft");
    assert_eq!(first.seen_version, None, "never opened before");
    assert_eq!(first.versions.len(), 1);
    assert_eq!(first.versions[0].body, "Thanks for waiting");
    assert!(first.annotations.is_empty());

    // "Thanks for waiting": code points 11..18 are "waiting".
    let on_words = |start, end, suggestion: Option<&str>| NewComment {
        body: "Warmer, please".into(),
        target: Some(Selection { start, end }),
        suggestion: suggestion.map(str::to_owned),
    };
    for (start, end) in [(11, 19), (4, 4)] {
        let error = app
            .annotate(draft, on_words(start, end, None))
            .await
            .expect_err("outside the text, or nothing selected");
        assert_eq!(error.code(), "invalid", "{error}");
    }
    let long = "x".repeat(limits::MAX_SUGGESTION_CHARS + 1);
    let error = app
        .annotate(draft, on_words(11, 18, Some(&long)))
        .await
        .expect_err("a suggestion over its cap");
    assert!(error.to_string().contains("too long"), "{error}");
    assert_eq!(
        app.status().await.expect("status").pending,
        0,
        "nothing queued"
    );

    app.annotate(draft, on_words(11, 18, Some("your patience")))
        .await
        .expect("queued");
    let again = app.draft(draft).await.expect("the draft");
    assert_eq!(again.seen_version, Some(1), "opened before, at version 1");
    let [mine] = again.annotations.as_slice() else {
        panic!("one comment: {:?}", again.annotations);
    };
    assert!(mine.pending);
    assert_eq!(mine.suggestion.as_deref(), Some("your patience"));
    assert_eq!(mine.anchor, Some(Anchor::Exact { start: 11, end: 18 }));
    let quote = &mine.target.as_ref().expect("a target").quote;
    assert_eq!(
        (quote.exact.as_str(), quote.prefix.as_str()),
        ("waiting", "Thanks for ")
    );
}

#[tokio::test]
async fn a_reviewed_draft_opens_from_its_stored_findings_and_the_guard_is_let_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    let leaky = a_cached_draft_saying(&config, &keys, "Hi Raj, we sent it to raj.k82@gmail.com");
    let app = App::open(config).await.expect("open");
    // Offline: the sync fails, and the drafts it would have brought are reviewed anyway.
    let _offline = app.sync_now().await;
    let session = app.leased_session().await.expect("session");
    assert!(
        !session.guard.is_compiled(),
        "the compiled guard is let go once the reviews are done"
    );
    let detail = app.draft(leaky).await.expect("the draft");
    assert!(
        !session.guard.is_compiled(),
        "a reviewed draft opens from its stored findings, without compiling the guard"
    );
    let guard = countersign_policy::Guard::builtin();
    let fresh = crate::guard::findings(&guard, &detail.draft, None);
    assert!(fresh.iter().any(|f| f.rule == "personal_data.email"));
    assert_eq!(
        detail.findings, fresh,
        "the stored findings are the guard's"
    );
}

#[tokio::test]
async fn the_trays_number_and_the_pressing_drafts_are_read_without_the_whole_queue() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, keys) = config(dir.path());
    a_saved_session(&config, &keys);
    a_cached_draft(&config, &keys);
    let app = App::open(config).await.expect("open");
    assert_eq!(app.to_review().await.expect("count"), 1);
    assert!(
        app.pressing().await.expect("pressing").is_empty(),
        "a normal draft is not news"
    );
}
