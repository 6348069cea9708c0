//! The admin API's refusals: each says what is wrong, with the status and code clients
//! branch on, and changes nothing.

use crate::support::{TestServer, error_code, org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn impossible_account_and_channel_changes_are_refused_with_a_reason() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let (_, before) = t.get("/api/v1/admin/access", &root).await;
    let (_, channels_before) = t.get("/api/v1/admin/channels", &root).await;

    let put = Method::PUT;
    let delete = Method::DELETE;
    let post = Method::POST;
    let patch = Method::PATCH;
    let none = Value::Null;
    let cases: Vec<(Method, &str, Value, u16, &str, &str)> = vec![
        (
            put.clone(),
            "/api/v1/admin/users/nobody/roles/reviewer",
            none.clone(),
            404,
            "not_found",
            "no user named",
        ),
        (
            put.clone(),
            "/api/v1/admin/users/rita/roles/boss",
            none.clone(),
            400,
            "invalid_request",
            "unknown role",
        ),
        (
            delete.clone(),
            "/api/v1/admin/users/alex/roles/author",
            none.clone(),
            400,
            "invalid_request",
            "no role left",
        ),
        (
            put.clone(),
            "/api/v1/admin/users/rita/teams/Nowhere",
            none.clone(),
            404,
            "not_found",
            "no team named",
        ),
        (
            put.clone(),
            "/api/v1/admin/users/rita/steps/two%20words",
            none.clone(),
            400,
            "invalid_request",
            "single words",
        ),
        (
            put.clone(),
            "/api/v1/admin/users/rita/channels/brand-x",
            none.clone(),
            400,
            "invalid_request",
            "not in the team that owns brand-x",
        ),
        (
            put.clone(),
            "/api/v1/admin/users/rita/channels/nowhere",
            none.clone(),
            404,
            "not_found",
            "no channel named",
        ),
        (
            post.clone(),
            "/api/v1/admin/users/alex/leave",
            json!({"handover": "alex"}),
            400,
            "invalid_request",
            "to themselves",
        ),
        (
            post.clone(),
            "/api/v1/admin/users/alex/leave",
            json!({"handover": "nobody"}),
            404,
            "not_found",
            "no user named",
        ),
        (
            post.clone(),
            "/api/v1/admin/users/nobody/disable",
            none.clone(),
            404,
            "not_found",
            "no user named",
        ),
        (
            post.clone(),
            "/api/v1/admin/channels",
            json!({"name": "care-x", "network": "x", "account": "@other", "team": "Care"}),
            409,
            "already_exists",
            "care-x",
        ),
        (
            post.clone(),
            "/api/v1/admin/channels",
            json!({"name": "new", "network": "x", "account": "@care_example", "team": "Care"}),
            409,
            "already_exists",
            "@care_example",
        ),
        (
            post.clone(),
            "/api/v1/admin/channels",
            json!({"name": "new", "network": "x", "account": "@new", "team": "Nowhere"}),
            404,
            "not_found",
            "no team named",
        ),
        (
            post.clone(),
            "/api/v1/admin/channels",
            json!({"name": "new", "network": "x", "account": "@new", "team": "Care", "policy": [{"step": "review"}, {"step": "review", "quorum": 2}]}),
            400,
            "invalid_request",
            "appears twice",
        ),
        (
            post.clone(),
            "/api/v1/admin/channels",
            json!({"name": "new", "network": "x", "account": "@new", "team": "Care", "policy": [{"step": "review", "quorum": 0}]}),
            400,
            "invalid_json",
            "quorum",
        ),
        (
            patch.clone(),
            "/api/v1/admin/channels/nowhere",
            json!({"policy": [{"step": "review"}]}),
            404,
            "not_found",
            "no channel named",
        ),
        (
            patch.clone(),
            "/api/v1/admin/channels/care-x",
            json!({"policy": []}),
            400,
            "invalid_request",
            "at least one approval step",
        ),
        (
            put.clone(),
            "/api/v1/admin/policy/two-factor",
            json!({"roles": ["boss"]}),
            400,
            "invalid_json",
            "boss",
        ),
        (
            Method::GET,
            "/api/v1/admin/access?user=nobody",
            none.clone(),
            404,
            "not_found",
            "no user named",
        ),
    ];
    for (method, path, body, status, code, says) in cases {
        let (got, answer) = t.send(method.clone(), path, &root, &body).await;
        assert_eq!(got.as_u16(), status, "{method} {path} {body}: {answer}");
        assert_eq!(error_code(&answer), code, "{method} {path} {body}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(says),
            "{method} {path} {body}: the message must say {says:?}: {message}"
        );
    }
    let (_, after) = t.get("/api/v1/admin/access", &root).await;
    assert_eq!(after, before, "refused account changes change no account");
    let (_, channels_after) = t.get("/api/v1/admin/channels", &root).await;
    assert_eq!(
        channels_after, channels_before,
        "refused channel changes change no channel"
    );
}

#[tokio::test]
async fn granting_or_removing_what_an_account_already_has_or_lacks_changes_nothing() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let (_, before) = t.get("/api/v1/admin/access?user=rita", &root).await;
    for (method, path) in [
        (Method::PUT, "/api/v1/admin/users/rita/roles/reviewer"),
        (
            Method::DELETE,
            "/api/v1/admin/users/rita/roles/spokesperson",
        ),
        (Method::PUT, "/api/v1/admin/users/rita/teams/Care"),
        (Method::DELETE, "/api/v1/admin/users/rita/teams/Brand"),
        (Method::PUT, "/api/v1/admin/users/rita/steps/review"),
        (Method::DELETE, "/api/v1/admin/users/rita/steps/legal"),
        (Method::DELETE, "/api/v1/admin/users/rita/channel-limit"),
    ] {
        let (status, entry) = t.send(method.clone(), path, &root, &Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {entry}");
        assert_eq!(
            entry, before[0],
            "{method} {path} answers the account, unchanged"
        );
    }
    let (_, after) = t.get("/api/v1/admin/access?user=rita", &root).await;
    assert_eq!(after, before);
}
