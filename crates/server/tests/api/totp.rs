//! Two-factor sign-in: an enrolled user's second step over HTTP.

use crate::support::{PASSWORD, TestServer, error_code, org, read};
use countersign_server::admin;
use countersign_server::trail::Trail;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `POST /api/v1/sessions` with a TOTP code (or none).
async fn sign_in_with(t: &TestServer, username: &str, totp: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"username": username, "password": PASSWORD});
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    read(
        t.http
            .post(t.at("/api/v1/sessions"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn an_enrolled_user_needs_the_current_code_and_it_works_once() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let enrolment = admin::enroll_totp(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();

    let (status, body) = sign_in_with(&t, "rita", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "totp_required");
    assert_eq!(
        body["error"]["message"],
        "enter the 6-digit code from your authenticator app"
    );

    let code = admin::totp_code(enrolment.secret_base32.expose(), t.server.now()).unwrap();
    let (status, body) = sign_in_with(&t, "rita", Some(&code)).await;
    assert_eq!(status, StatusCode::OK, "the right code signs in: {body}");
    assert_eq!(body["user"]["username"], "rita");

    let (status, body) = sign_in_with(&t, "rita", Some(&code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        error_code(&body),
        "bad_credentials",
        "a code must not sign in twice"
    );
}

#[tokio::test]
async fn a_wrong_code_looks_like_a_wrong_password() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let enrolment = admin::enroll_totp(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();
    let right = admin::totp_code(enrolment.secret_base32.expose(), t.server.now()).unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let wrong_code = sign_in_with(&t, "rita", Some(wrong)).await;
    let wrong_password = t.sign_in_raw("rita", "not her password").await;
    assert_eq!(wrong_code.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_code, wrong_password,
        "a wrong code must get the same answer as a wrong password"
    );
}

#[tokio::test]
async fn users_without_enrolment_sign_in_as_before() {
    let t = TestServer::start().await;
    org(&t.server).await;
    admin::enroll_totp(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();
    let (status, body) = t.sign_in_raw("rob", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "rob is not enrolled: {body}");

    admin::remove_totp(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();
    let (status, body) = t.sign_in_raw("rita", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "rita is no longer enrolled: {body}");
}

#[tokio::test]
async fn the_openapi_document_describes_totp_required() {
    let t = TestServer::start().await;
    let (status, doc) = read(
        t.http
            .get(t.at("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let unauthorized = &doc["paths"]["/api/v1/sessions"]["post"]["responses"]["401"]["description"];
    assert!(
        unauthorized
            .as_str()
            .is_some_and(|d| d.contains("totp_required")),
        "{unauthorized}"
    );
}
