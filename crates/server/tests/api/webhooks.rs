//! The hand-off to publishing: a receiver on loopback that checks every signature with the
//! secret the server showed once, answers 500 for a while, and sees each final approval
//! delivered once — after its retries, across a restart — and the publishing tool's report.

use crate::support::{TestServer, add_channel, decide, draft_on, error_code, org};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use countersign_audit::signature;
use countersign_core::Network;
use countersign_server::ServerConfig;
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The wall clock: the receiver is another program, with no clock but the system's; the
/// late-approval test builds its server's moved clock on it.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// What the receiver saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    delivery: String,
    event: String,
    body: Value,
    raw: Bytes,
    /// What it answered.
    answered: u16,
}

#[derive(Default)]
struct Receiver {
    /// The webhook's secret, once the test has it.
    secret: Mutex<Option<String>>,
    /// Answer 500 to this many requests first.
    fail_first: Mutex<usize>,
    seen: Mutex<Vec<Seen>>,
    /// Requests whose signature did not check out, with why.
    bad: Mutex<Vec<String>>,
    /// Seconds the sending server's clock is ahead of the real one.
    skew: AtomicI64,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    raw: Bytes,
) -> AxumStatus {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let secret = receiver.secret.lock().unwrap().clone().unwrap_or_default();
    let now = wall_clock().timestamp() + receiver.skew.load(Ordering::SeqCst);
    if let Err(e) = signature::verify(
        secret.as_bytes(),
        &header("countersign-signature"),
        &raw,
        now,
        signature::DEFAULT_TOLERANCE_SECS,
    ) {
        receiver.bad.lock().unwrap().push(e.to_string());
        return AxumStatus::UNAUTHORIZED;
    }
    let answered = {
        let mut fail = receiver.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            AxumStatus::INTERNAL_SERVER_ERROR
        } else {
            AxumStatus::OK
        }
    };
    receiver.seen.lock().unwrap().push(Seen {
        delivery: header("countersign-delivery"),
        event: header("countersign-event"),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
        answered: answered.as_u16(),
    });
    answered
}

/// A receiver on `127.0.0.1:0` answering 500 to the first `fail_first` requests; its URL.
async fn receiver(fail_first: usize) -> (Arc<Receiver>, String) {
    let state = Arc::new(Receiver {
        fail_first: Mutex::new(fail_first),
        ..Receiver::default()
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (state, url)
}

/// Retries within milliseconds, so a test sees several without waiting for minutes.
fn quick(config: &mut ServerConfig) {
    config.webhooks.retry_base = Duration::from_millis(40);
    config.webhooks.retry_cap = Duration::from_millis(200);
    config.webhooks.poll = Duration::from_millis(100);
}

/// Registers a webhook as root through the admin API; its id and secret.
async fn add_webhook(t: &TestServer, url: &str, channel: Option<&str>) -> (String, String) {
    let root = t.sign_in("root").await;
    let mut body = json!({ "url": url });
    if let Some(channel) = channel {
        body["channel"] = json!(channel);
    }
    let (status, added) = t.post("/api/v1/admin/webhooks", &root.access, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let secret = added["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "32 bytes, base64url without padding");
    let (_, listed) = t.get("/api/v1/admin/webhooks", &root.access).await;
    assert!(
        !listed.to_string().contains(&secret),
        "the list never shows a secret: {listed}"
    );
    (added["id"].as_str().unwrap().to_owned(), secret)
}

/// Approves `draft` as rita; the push's one result.
async fn approve(t: &TestServer, draft: &countersign_core::Draft) -> Value {
    let rita = t.sign_in("rita").await;
    let results = t
        .push(
            &rita.access,
            &crate::support::client(),
            vec![decide(1, draft.id, draft.version, "approve")],
        )
        .await;
    assert_eq!(results[0]["status"], "applied", "{results:?}");
    results[0].clone()
}

/// Waits (at most 20 s) until `done` holds of what the receiver saw.
async fn until(receiver: &Receiver, what: &str, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    for _ in 0..1000 {
        let seen = receiver.seen.lock().unwrap().clone();
        if done(&seen) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the receiver never saw {what}; it saw {:?}",
        receiver.seen.lock().unwrap()
    );
}

/// The deliveries the admin API lists, newest first.
async fn deliveries(t: &TestServer, query: &str) -> Vec<Value> {
    let root = t.sign_in("root").await;
    let (status, body) = t
        .get(
            &format!("/api/v1/admin/webhooks/deliveries{query}"),
            &root.access,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_final_approval_is_delivered_once_after_retries_with_one_id_and_body() {
    let t = TestServer::with(quick).await;
    let org = org(&t.server).await;
    let (hook, url) = receiver(2).await;
    let (id, secret) = add_webhook(&t, &url, Some("care-x")).await;
    *hook.secret.lock().unwrap() = Some(secret);

    let draft = draft_on(
        &t.server,
        org.alex,
        "care-x",
        "We are open until 8 tonight.",
    )
    .await;
    approve(&t, &draft).await;
    let seen = until(&hook, "a 200", |s| s.iter().any(|s| s.answered == 200)).await;

    assert!(
        hook.bad.lock().unwrap().is_empty(),
        "{:?}",
        hook.bad.lock().unwrap()
    );
    assert_eq!(
        seen.iter().map(|s| s.answered).collect::<Vec<_>>(),
        vec![500, 500, 200],
        "two failures, then the delivery"
    );
    assert!(
        seen.iter()
            .all(|s| s.delivery == seen[0].delivery && s.raw == seen[0].raw),
        "every attempt carries the same delivery id and the same bytes"
    );
    let body = &seen[0].body;
    assert_eq!(seen[0].event, "draft.approved");
    assert_eq!(body["event"], "draft.approved");
    assert_eq!(body["delivery_id"], seen[0].delivery);
    assert_eq!(body["draft"]["id"], json!(draft.id));
    assert_eq!(body["draft"]["status"], "approved");
    assert_eq!(body["draft"]["body"], "We are open until 8 tonight.");
    assert_eq!(body["approved_by"][0]["username"], "rita");
    assert_eq!(body["late"], Value::Null, "not scheduled, so never late");
    assert!(body["audit"]["position"].as_u64().is_some_and(|p| p > 0));
    assert_eq!(body["audit"]["hash"].as_str().map(str::len), Some(64));

    let listed = deliveries(&t, &format!("?webhook={id}")).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "delivered");
    assert_eq!(listed[0]["attempts"], 3);
    let codes: Vec<&Value> = listed[0]["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, vec![&json!(500), &json!(500), &json!(200)]);

    // Several polls later, nothing more came: delivered is delivered.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hook.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_pending_delivery_survives_a_restart() {
    let t = TestServer::with(quick).await;
    let org = org(&t.server).await;
    let (hook, url) = receiver(usize::MAX).await;
    let (_, secret) = add_webhook(&t, &url, None).await;
    *hook.secret.lock().unwrap() = Some(secret);
    let draft = draft_on(&t.server, org.alex, "care-x", "Back online shortly.").await;
    approve(&t, &draft).await;
    until(&hook, "a first attempt", |s| !s.is_empty()).await;

    let t = t.restart().await;
    *hook.fail_first.lock().unwrap() = 0;
    let seen = until(&hook, "a 200 after the restart", |s| {
        s.iter().any(|s| s.answered == 200)
    })
    .await;
    let delivered: Vec<&Seen> = seen.iter().filter(|s| s.answered == 200).collect();
    assert_eq!(delivered.len(), 1);
    assert!(seen.iter().all(|s| s.delivery == seen[0].delivery));
    assert_eq!(delivered[0].body["draft"]["id"], json!(draft.id));
    let listed = deliveries(&t, "?status=delivered").await;
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn only_final_approvals_of_a_webhook_s_channel_are_delivered() {
    let t = TestServer::with(quick).await;
    let org = org(&t.server).await;
    add_channel(
        &t.server,
        "care-two",
        Network::Mastodon,
        "@care_two",
        "Care",
        &["review:2"],
    )
    .await;
    let (hook, url) = receiver(0).await;
    let (brand_hook, brand_url) = receiver(0).await;
    let (care, secret) = add_webhook(&t, &url, Some("care-two")).await;
    *hook.secret.lock().unwrap() = Some(secret);
    let (brand, brand_secret) = add_webhook(&t, &brand_url, Some("brand-x")).await;
    *brand_hook.secret.lock().unwrap() = Some(brand_secret);

    let draft = draft_on(&t.server, org.alex, "care-two", "Two reviews, please.").await;
    approve(&t, &draft).await;
    let alex = t.sign_in("alex").await;
    let (_, first) = t
        .get(&format!("/api/v1/drafts/{}", draft.id), &alex.access)
        .await;
    assert_eq!(first["status"], "pending", "one of two reviews: {first}");
    assert!(deliveries(&t, &format!("?webhook={care}")).await.is_empty());

    let rob = t.sign_in("rob").await;
    let results = t
        .push(
            &rob.access,
            &crate::support::client(),
            vec![decide(1, draft.id, draft.version, "approve")],
        )
        .await;
    assert_eq!(results[0]["status"], "applied");
    let seen = until(&hook, "the final approval", |s| !s.is_empty()).await;
    assert_eq!(seen.len(), 1);
    let approvers: Vec<&Value> = seen[0].body["approved_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["username"])
        .collect();
    assert_eq!(approvers, vec![&json!("rita"), &json!("rob")]);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        brand_hook.seen.lock().unwrap().is_empty(),
        "brand-x's webhook got nothing"
    );
    assert!(
        deliveries(&t, &format!("?webhook={brand}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_approval_after_the_scheduled_time_is_delivered_flagged_late() {
    // A clock the test moves: the draft is due in an hour, approved two hours on.
    let offset = Arc::new(AtomicI64::new(0));
    let clock_offset = Arc::clone(&offset);
    let t = TestServer::with(move |config| {
        quick(config);
        config.clock = countersign_server::Clock::from_fn(move || {
            wall_clock() + chrono::TimeDelta::seconds(clock_offset.load(Ordering::SeqCst))
        });
    })
    .await;
    let org = org(&t.server).await;
    let (hook, url) = receiver(0).await;
    hook.skew.store(2 * 3600, Ordering::SeqCst);
    let (_, secret) = add_webhook(&t, &url, None).await;
    *hook.secret.lock().unwrap() = Some(secret);
    let channel = countersign_server::admin::channel_named(&t.server, "care-x")
        .await
        .unwrap();
    let mut new = crate::support::new_draft(&channel, "The sale starts at noon.");
    new.scheduled_at = Some(t.server.now() + chrono::TimeDelta::hours(1));
    let draft =
        countersign_server::admin::create_draft(&t.server, &Trail::console(), org.alex, new)
            .await
            .unwrap();
    offset.store(2 * 3600, Ordering::SeqCst);
    approve(&t, &draft).await;
    let seen = until(&hook, "the late approval", |s| !s.is_empty()).await;
    let by = seen[0].body["late"]["by_secs"].as_u64().unwrap();
    assert!((3599..=3700).contains(&by), "about an hour late: {by}");
    assert!(hook.bad.lock().unwrap().is_empty());
}

/// Sends a `published` report for `draft`, signed as webhook `id` with `secret`.
async fn report_signed(
    t: &TestServer,
    draft: &str,
    id: &str,
    secret: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let raw = serde_json::to_vec(body).unwrap();
    let header = signature::sign(secret.as_bytes(), wall_clock().timestamp(), &raw);
    let response = t
        .http
        .post(t.at(&format!("/api/v1/drafts/{draft}/published")))
        .header("content-type", "application/json")
        .header("Countersign-Webhook", id)
        .header("Countersign-Signature", header)
        .body(raw)
        .send()
        .await
        .unwrap();
    crate::support::read(response).await
}

#[tokio::test]
async fn the_publishing_tool_reports_a_post_went_out_by_signature_or_as_an_admin() {
    let t = TestServer::with(quick).await;
    let org = org(&t.server).await;
    let (hook, url) = receiver(0).await;
    let (care, secret) = add_webhook(&t, &url, Some("care-x")).await;
    *hook.secret.lock().unwrap() = Some(secret.clone());
    let (brand, brand_secret) = add_webhook(&t, &url, Some("brand-x")).await;

    let draft = draft_on(&t.server, org.alex, "care-x", "Published soon.").await;
    let path = format!("/api/v1/drafts/{}/published", draft.id);
    let report = json!({"draft_id": draft.id, "url": "https://x.com/care_example/status/1"});
    let id = draft.id.to_string();

    let (status, body) = report_signed(&t, &id, &care, &secret, &report).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a pending draft: {body}");
    approve(&t, &draft).await;

    let (status, body) = report_signed(&t, &id, &care, "not the secret", &report).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "bad_signature")
    );
    let (status, body) = report_signed(&t, &id, &brand, &brand_secret, &report).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "brand-x's webhook may not report a care-x draft"
    );
    let rita = t.sign_in("rita").await;
    let (status, body) = t.post(&path, &rita.access, &report).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let (status, body) = t.call(Method::POST, &path, None, Some(&report)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // The signature covers the body, not the address: a report that does not name the
    // draft, or names another (a captured report replayed elsewhere), is refused.
    let unnamed = json!({"url": "https://x.com/care_example/status/1"});
    let (status, body) = report_signed(&t, &id, &care, &secret, &unnamed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no draft_id: {body}");
    let elsewhere = draft_on(&t.server, org.alex, "care-x", "Not this one.").await;
    approve(&t, &elsewhere).await;
    let (status, body) =
        report_signed(&t, &elsewhere.id.to_string(), &care, &secret, &report).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "replayed elsewhere: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not")),
        "{body}"
    );

    let (status, body) = report_signed(&t, &id, &care, &secret, &report).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");
    let entry = body["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["event"], "published");
    assert_eq!(entry["url"], "https://x.com/care_example/status/1");

    // Told again (as an administrator this time): the same answer, no second entry.
    let root = t.sign_in("root").await;
    let (status, again) = t.post(&path, &root.access, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let published = |d: &Value| {
        d["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["event"] == "published")
            .count()
    };
    assert_eq!(published(&again), 1);

    // An administrator reports another draft without a signature.
    let other = draft_on(&t.server, org.alex, "care-x", "Another one.").await;
    approve(&t, &other).await;
    let (status, body) = t
        .post(
            &format!("/api/v1/drafts/{}/published", other.id),
            &root.access,
            &json!({"published_at": "2026-12-03T15:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");
}

/// `countersign-server ARGS --data-dir DATA`: whether it succeeded, and stdout and stderr.
fn cli(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_cli_shows_the_secret_once_and_refuses_plain_http_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(cli(data, &["team", "add", "--name", "Care"]).0);
    let channel = [
        "channel",
        "add",
        "--name",
        "care-x",
        "--network",
        "x",
        "--account",
        "@care",
        "--team",
        "Care",
    ];
    assert!(cli(data, &channel).0);

    let (ok, out) = cli(
        data,
        &["webhook", "add", "--url", "http://publish.example.org/hook"],
    );
    assert!(
        !ok && out.contains("https"),
        "plain http to another machine: {out}"
    );
    let (ok, out) = cli(
        data,
        &[
            "webhook",
            "add",
            "--url",
            "https://publish.example.org/hook",
            "--channel",
            "nowhere",
        ],
    );
    assert!(!ok, "an unknown channel: {out}");

    let (ok, out) = cli(
        data,
        &[
            "webhook",
            "add",
            "--url",
            "https://publish.example.org/hook",
            "--channel",
            "care-x",
        ],
    );
    assert!(ok, "{out}");
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("Secret (shown once; give it to the receiver): "))
        .unwrap_or_else(|| panic!("no secret in {out}"))
        .to_owned();
    assert_eq!(secret.len(), 43);
    let id = out
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no id in {out}"))
        .to_owned();

    let (ok, list) = cli(data, &["webhook", "list"]);
    assert!(
        ok && list.contains(&id) && list.contains("care-x") && list.contains("live"),
        "{list}"
    );
    assert!(
        !list.contains(&secret),
        "the list never shows the secret: {list}"
    );
    let (ok, none) = cli(data, &["webhook", "deliveries", "--status", "pending"]);
    assert!(ok && none.trim().is_empty(), "{none}");

    assert!(cli(data, &["webhook", "remove", &id]).0);
    let (ok, again) = cli(data, &["webhook", "remove", &id]);
    assert!(!ok, "removed already: {again}");
    let (_, list) = cli(data, &["webhook", "list"]);
    assert!(list.contains("removed"), "{list}");
}

#[tokio::test]
async fn a_pre_approved_reply_is_handed_over_as_it_is_written() {
    let t = TestServer::with(quick).await;
    org(&t.server).await;
    let (hook, url) = receiver(0).await;
    let (_, secret) = add_webhook(&t, &url, Some("care-x")).await;
    *hook.secret.lock().unwrap() = Some(secret);
    let root = t.sign_in("root").await;
    let text = "Sorry to hear that, {first_name}: DM us your order number.";
    let (status, body) = t
        .post(
            "/api/v1/admin/replies",
            &root.access,
            &json!({"name": "sorry", "text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = t
        .send(
            Method::PUT,
            "/api/v1/admin/channels/care-x/routing",
            &root.access,
            &json!({"pre_approved_replies": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let alex = t.sign_in("alex").await;
    let request = json!({
        "network": "x",
        "channel": "@care_example",
        "body": text.replace("{first_name}", "Zoë"),
    });
    let (status, draft) = t.post("/api/v1/drafts", &alex.access, &request).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "approved", "{draft}");

    let seen = until(&hook, "the pre-approved reply", |s| !s.is_empty()).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body["draft"]["id"], draft["id"]);
    assert_eq!(
        seen[0].body["approved_by"],
        json!([]),
        "nobody had to approve it"
    );
}

#[tokio::test]
async fn crisis_mode_tells_the_publishing_tool_to_hold_an_approved_post_due_later() {
    let t = TestServer::with(quick).await;
    let org = org(&t.server).await;
    let (hook, url) = receiver(0).await;
    let (_, secret) = add_webhook(&t, &url, Some("care-x")).await;
    *hook.secret.lock().unwrap() = Some(secret);
    let channel = countersign_server::admin::channel_named(&t.server, "care-x")
        .await
        .unwrap();
    let mut new = crate::support::new_draft(&channel, "Our summer sale starts tomorrow.");
    new.scheduled_at = Some(t.server.now() + chrono::TimeDelta::days(1));
    let draft =
        countersign_server::admin::create_draft(&t.server, &Trail::console(), org.alex, new)
            .await
            .unwrap();
    approve(&t, &draft).await;
    until(&hook, "the approval", |s| !s.is_empty()).await;

    let root = t.sign_in("root").await;
    let (status, body) = t
        .post(
            "/api/v1/admin/crisis/on",
            &root.access,
            &json!({"reason": "Fire at the Leeds store", "channels": ["care-x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = until(&hook, "the hold", |s| s.len() == 2).await;
    assert_eq!(
        seen.iter().map(|s| s.event.as_str()).collect::<Vec<_>>(),
        ["draft.approved", "draft.held"]
    );
    let held = &seen[1].body;
    assert_eq!(held["event"], "draft.held");
    assert_eq!(held["draft"]["id"], json!(draft.id));
    assert_eq!(held["draft"]["status"], "held");
    assert_eq!(held["reason"], "Fire at the Leeds store");
    assert_ne!(seen[0].delivery, seen[1].delivery, "another delivery");
    assert!(
        held["audit"]["position"].as_u64() > seen[0].body["audit"]["position"].as_u64(),
        "the head after crisis mode was turned on"
    );
}

#[tokio::test]
async fn a_report_s_body_is_optional_but_json_when_sent() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_on(&t.server, org.alex, "care-x", "Out soon.").await;
    approve(&t, &draft).await;
    let root = t.sign_in("root").await;
    let url = t.at(&format!("/api/v1/drafts/{}/published", draft.id));
    let sent = t
        .http
        .post(&url)
        .bearer_auth(&root.access)
        .header("content-type", "text/plain")
        .body("it went out")
        .send()
        .await
        .unwrap();
    let (status, body) = crate::support::read(sent).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let (status, body) = t
        .post(&url.replace(&t.url, ""), &root.access, &json!({"url": 5}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_json")
    );
    let (status, body) = t
        .post(
            &url.replace(&t.url, ""),
            &root.access,
            &json!({"at": "now"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown field: {body}");
    let (status, body) = t
        .call(
            Method::POST,
            &url.replace(&t.url, ""),
            Some(&root.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "no body at all: {body}");
    assert_eq!(body["status"], "published");
}
