//! The two-factor policy by role, over the admin API: an account holding a covered role and
//! no authenticator cannot sign in or refresh until an administrator enrols it.

use crate::support::{PASSWORD, TestServer, error_code, org, read};
use countersign_server::admin;
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn set_policy(t: &TestServer, root: &str, roles: Value) {
    let (status, body) = t
        .send(
            Method::PUT,
            "/api/v1/admin/policy/two-factor",
            root,
            &json!({ "roles": roles }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], roles, "the policy answers what it is now");
}

#[tokio::test]
async fn a_reviewer_without_an_authenticator_is_refused_until_enrolled_and_keeps_her_refresh_token()
{
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let before = t.sign_in("rita").await;
    set_policy(&t, &root, json!(["reviewer"])).await;
    let (status, policy) = t.get("/api/v1/admin/policy/two-factor", &root).await;
    assert_eq!(
        (status, &policy["roles"]),
        (StatusCode::OK, &json!(["reviewer"]))
    );

    let (status, body) = t.sign_in_raw("rita", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "totp_enrolment_required");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("countersign-server user totp enroll --username rita"),
        "the message must name the enrol command: {message}"
    );
    let (status, body) = t.sign_in_raw("rita", "not her password").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "bad_credentials"),
        "the policy is only told to someone who knows the password"
    );
    let (status, _) = t.sign_in_raw("alex", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "authors are not covered");

    for attempt in 1..=2 {
        let (status, body) = t.refresh(&before.refresh).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::FORBIDDEN, "totp_enrolment_required"),
            "refresh attempt {attempt}: {body}"
        );
    }

    let enrolment = admin::enroll_totp(&t.server, &Trail::console(), "rita")
        .await
        .unwrap();
    let code = admin::totp_code(enrolment.secret_base32.expose(), t.server.now()).unwrap();
    let (status, body) = read(
        t.http
            .post(t.at("/api/v1/sessions"))
            .json(&json!({"username": "rita", "password": PASSWORD, "totp": code}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an enrolled reviewer signs in with a code: {body}"
    );
    let (_, access) = t.get("/api/v1/admin/access?user=rita", &root).await;
    assert_eq!(
        access[0]["two_factor"],
        json!({"enrolled": true, "required": true})
    );

    set_policy(&t, &root, json!([])).await;
    let (status, body) = t.refresh(&before.refresh).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refresh token refused earlier was not spent (nor taken for a stolen copy): {body}"
    );
    let (status, _) = t
        .get("/api/v1/me", body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
}
