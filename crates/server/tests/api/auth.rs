//! Signing in, tokens, refresh rotation, revocation and rate limiting.

use crate::support::{PASSWORD, TestServer, error_code, org};
use countersign_server::admin;
use countersign_server::trail::Trail;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn signing_in_returns_a_token_pair_and_the_user() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let (status, body) = t.sign_in_raw("rita", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "rita");
    assert_eq!(body["user"]["roles"], json!(["reviewer"]));
    assert_eq!(
        body["expires_in"], 900,
        "the default access TTL is 15 minutes"
    );
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(access.len(), 43, "32 random bytes, base64url");
    assert_ne!(access, body["refresh_token"].as_str().unwrap());

    let (status, me) = t.get("/api/v1/me", access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "rita");
    assert_eq!(me["steps"], json!(["review"]));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_identical_401() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let wrong_password = t.sign_in_raw("rita", "not her password").await;
    let unknown_user = t.sign_in_raw("nobody", PASSWORD).await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&wrong_password.1), "bad_credentials");
    assert_eq!(
        wrong_password, unknown_user,
        "the answer must not tell whether the account exists"
    );
}

#[tokio::test]
async fn a_missing_or_garbage_token_is_unauthenticated() {
    let t = TestServer::start().await;
    let response = t.http.get(t.at("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = crate::support::read(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");

    let (status, body) = t.get("/api/v1/changes", "garbage").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");
}

#[tokio::test]
async fn an_expired_access_token_says_so_and_a_refresh_rotates_both_tokens() {
    let t = TestServer::with(|c| c.access_ttl = Duration::from_secs(1)).await;
    org(&t.server).await;
    let first = t.sign_in("rita").await;

    // Wait for the expiry by polling, within a bound.
    let mut expired = None;
    for _ in 0..100 {
        let (status, body) = t.get("/api/v1/me", &first.access).await;
        if status == StatusCode::UNAUTHORIZED {
            expired = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let expired = expired.expect("the access token must expire within 5 seconds");
    assert_eq!(error_code(&expired), "token_expired");

    let (status, second) = t
        .post(
            "/api/v1/sessions/refresh",
            "",
            &json!({"refresh_token": first.refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let access = second["access_token"].as_str().unwrap();
    assert_ne!(access, first.access);
    assert_ne!(second["refresh_token"].as_str().unwrap(), first.refresh);
    let (status, _) = t.get("/api/v1/me", access).await;
    assert_eq!(status, StatusCode::OK, "the new access token works");
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_whole_session() {
    // No grace for a lost answer here (refresh.rs covers it): any replay is a theft.
    let t = TestServer::with(|c| c.refresh_grace = Duration::ZERO).await;
    org(&t.server).await;
    let first = t.sign_in("rita").await;
    let refresh = |token: String| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/sessions/refresh",
                "",
                &json!({"refresh_token": token}),
            )
            .await
        }
    };
    let (status, second) = refresh(first.refresh.clone()).await;
    assert_eq!(status, StatusCode::OK);

    // Someone replays the spent token: the session dies for everyone.
    let (status, body) = refresh(first.refresh.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_revoked");

    let (status, body) = t
        .get("/api/v1/me", second["access_token"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_revoked");
    let (status, body) = refresh(second["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_revoked");

    let (status, body) = refresh("never-issued".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");
}

#[tokio::test]
async fn signing_out_revokes_the_session() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let session = t.sign_in("rita").await;
    let response = t
        .http
        .delete(t.at("/api/v1/sessions/current"))
        .bearer_auth(&session.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, body) = t.get("/api/v1/me", &session.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_revoked");
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_everywhere_and_cannot_sign_in() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let session = t.sign_in("rita").await;
    admin::disable_user(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();

    let (status, body) = t.get("/api/v1/me", &session.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_revoked");
    let right = t.sign_in_raw("rita", PASSWORD).await;
    let wrong = t.sign_in_raw("rita", "wrong password").await;
    let unknown = t.sign_in_raw("nobody", PASSWORD).await;
    assert_eq!(right.0, StatusCode::UNAUTHORIZED, "{}", right.1);
    assert_eq!(error_code(&right.1), "bad_credentials");
    assert_eq!(
        right, wrong,
        "the right password of a disabled account must get the answer of a wrong one"
    );
    assert_eq!(right, unknown, "and of an account that does not exist");
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_username() {
    let t = TestServer::with(|c| c.login_attempts = 3).await;
    org(&t.server).await;
    for _ in 0..3 {
        let (status, _) = t.sign_in_raw("rita", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = t
        .http
        .post(t.at("/api/v1/sessions"))
        .json(&json!({"username": "RITA", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    let (status, body) = crate::support::read(response).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits: {body}"
    );
    assert_eq!(error_code(&body), "too_many_attempts");
    let (status, _) = t.sign_in_raw("rob", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "other accounts are unaffected");
}
