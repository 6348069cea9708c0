//! Sign-in throttling over real HTTP: the limit per account holds against attempts sent all
//! at once, the limit per source address holds across usernames, the counts survive a
//! restart on the same data directory, and credentials too long to be real are refused
//! before they are hashed or counted.

use crate::support::{PASSWORD, TestServer, error_code, org, read};
use countersign_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// `POST /api/v1/sessions` with `client`.
async fn sign_in_with(
    client: &reqwest::Client,
    url: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value, Option<String>) {
    let response = client
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("sign-in request: {e}"));
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = read(response).await;
    (status, body, retry_after)
}

/// A client whose connections come from `address` (any 127.0.0.0/8 address is loopback on
/// Linux and macOS needs an alias; the test machine is Linux).
fn client_from(address: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(address))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| panic!("client from {address}: {e}"))
}

#[tokio::test]
async fn fifty_wrong_attempts_at_once_get_at_most_the_limit_of_password_checks() {
    let t = TestServer::with(|c| c.login_attempts = 10).await;
    org(&t.server).await;
    let start = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (url, start) = (t.url.clone(), Arc::clone(&start));
            // Each on its own connection, so the server really has them all at once.
            let client = client_from(Ipv4Addr::LOCALHOST);
            tokio::spawn(async move {
                start.wait().await;
                sign_in_with(&client, &url, "rita", &format!("guess {i}")).await
            })
        })
        .collect();
    let mut checked = 0;
    let mut throttled = 0;
    for task in tasks {
        let (status, body, retry_after) = task.await.unwrap_or_else(|e| panic!("task: {e}"));
        match status {
            StatusCode::UNAUTHORIZED => {
                assert_eq!(error_code(&body), "bad_credentials");
                checked += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(error_code(&body), "too_many_attempts");
                assert!(retry_after.is_some(), "a 429 says when to retry: {body}");
                throttled += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(
        (checked, throttled),
        (10, 40),
        "the limit is 10, and attempts in flight hold their place before any password check"
    );
    let (status, body, _) = sign_in_with(&t.http, &t.url, "rita", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "now even the right password waits: {body}"
    );
}

#[tokio::test]
async fn the_limit_per_source_address_holds_across_usernames_and_a_success() {
    let t = TestServer::with(|c| {
        c.login_attempts = 100;
        c.login_attempts_per_source = 5;
    })
    .await;
    org(&t.server).await;
    let attacker = client_from(Ipv4Addr::new(127, 0, 0, 2));
    for (i, name) in ["rita", "rob", "alex", "bea"].iter().enumerate() {
        let (status, body, _) = sign_in_with(&attacker, &t.url, name, "spray").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}: {body}");
    }
    // The attacker's own account signs in fine and does not reset the address's count.
    let (status, body, _) = sign_in_with(&attacker, &t.url, "agency", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body, _) = sign_in_with(&attacker, &t.url, "root", "spray").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the fifth failure: {body}"
    );
    let (status, body, _) = sign_in_with(&attacker, &t.url, "agency", PASSWORD).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "five failures from one address, whatever the usernames"
    );
    let office = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let (status, body, _) = sign_in_with(&office, &t.url, "rita", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another address is not affected: {body}"
    );
}

/// A server on `dir` serving on loopback until `stop` is sent; awaiting `running` then
/// waits for it to finish.
struct Running {
    url: String,
    server: countersign_server::Server,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve_on(dir: &std::path::Path, configure: impl Fn(&mut ServerConfig)) -> Running {
    let mut config = ServerConfig::new(dir);
    configure(&mut config);
    let server = countersign_server::open(config)
        .await
        .unwrap_or_else(|e| panic!("open: {e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(countersign_server::serve(listener, server.clone(), async {
        let _ = stopped.await;
    }));
    Running {
        url,
        server,
        stop,
        running,
    }
}

#[tokio::test]
async fn a_restart_on_the_same_data_keeps_the_failed_sign_ins() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let configure = |c: &mut ServerConfig| {
        c.login_attempts = 3;
        c.login_attempts_per_source = 5;
    };
    let first = serve_on(dir.path(), configure).await;
    org(&first.server).await;
    // A fresh connection per request, so no connection outlives the first server.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    for name in ["rita", "rita", "rob", "bea"] {
        let (status, body, _) = sign_in_with(&http, &first.url, name, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let _ = first.stop.send(());
    first
        .running
        .await
        .unwrap_or_else(|e| panic!("the first server's task: {e}"))
        .unwrap_or_else(|e| panic!("the first server: {e}"));
    drop(first.server);

    let second = serve_on(dir.path(), configure).await;
    let url = second.url.clone();
    let (status, body, _) = sign_in_with(&http, &url, "rita", "guess").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "rita's third failure, counted on top of the two before the restart: {body}"
    );
    let (status, body, _) = sign_in_with(&http, &url, "rita", PASSWORD).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "the account's count survived the restart"
    );
    let (status, body, _) = sign_in_with(&http, &url, "alex", "guess").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        "and so did the address's: its sixth failure is refused"
    );
    let other = client_from(Ipv4Addr::new(127, 0, 0, 4));
    let (status, body, _) = sign_in_with(&other, &url, "rob", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a success clears the account, from an address still allowed: {body}"
    );
}

#[tokio::test]
async fn credentials_too_long_to_be_real_are_refused_before_they_are_hashed_or_counted() {
    let t = TestServer::with(|c| c.login_attempts = 2).await;
    org(&t.server).await;
    let long_name = "r".repeat(257);
    let long_password = "p".repeat(1025);
    let cases = [
        ("username", long_name.as_str(), PASSWORD, "username"),
        ("password", "rita", long_password.as_str(), "password"),
    ];
    for (case, username, password, named) in cases {
        for _ in 0..5 {
            let (status, body, _) = sign_in_with(&t.http, &t.url, username, password).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
            assert_eq!(error_code(&body), "invalid_request", "{case}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(named),
                "{case}: the message names it: {message}"
            );
        }
    }
    let (status, body) = t
        .call(
            reqwest::Method::POST,
            "/api/v1/sessions",
            None,
            Some(&json!({"username": "rita", "password": PASSWORD, "totp": "1".repeat(17)})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body, _) = sign_in_with(&t.http, &t.url, "rita", &"p".repeat(1024)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "1,024 bytes is still a password, just a wrong one: {body}"
    );
    let (status, body, _) = sign_in_with(&t.http, &t.url, "rita", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "none of the refused ones counted towards the limit of 2: {body}"
    );
}
