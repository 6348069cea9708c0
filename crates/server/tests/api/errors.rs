//! Every failure answers `{"error": {"code", "message"}}` with a fitting status, including
//! the ones axum produces itself; and the OpenAPI document.

use crate::support::{TestServer, error_code, org, read};
use reqwest::StatusCode;
use serde_json::Value;

async fn post_raw(
    t: &TestServer,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = t
        .http
        .post(t.at(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    read(response).await
}

#[tokio::test]
async fn malformed_json_and_unknown_fields_are_400_invalid_json() {
    let t = TestServer::start().await;
    for body in [
        &b"{\"username\": \"rita\","[..],
        b"{\"username\": \"rita\", \"password\": \"x\", \"admin\": true}",
        b"{\"username\": 5, \"password\": \"x\"}",
    ] {
        let (status, json) =
            post_raw(&t, "/api/v1/sessions", "application/json", body.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert_eq!(error_code(&json), "invalid_json");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let t = TestServer::start().await;
    let (status, json) = post_raw(&t, "/api/v1/sessions", "text/plain", b"hello".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&json), "unsupported_media_type");
}

#[tokio::test]
async fn a_2_mib_body_is_413_body_too_large() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let token = t.sign_in("rita").await.access;
    let mut body = b"{\"client_id\": \"".to_vec();
    body.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    body.extend(b"\", \"mutations\": []}");
    let response = t
        .http
        .post(t.at("/api/v1/push"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, json) = read(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    assert_eq!(error_code(&json), "body_too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_404_and_405() {
    let t = TestServer::start().await;
    let (status, json) = read(t.http.get(t.at("/api/v2/nothing")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&json), "not_found");
    let (status, json) = read(t.http.put(t.at("/api/v1/push")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&json), "method_not_allowed");
}

#[tokio::test]
async fn health_answers_without_a_token() {
    let t = TestServer::start().await;
    let (status, json) = read(t.http.get(t.at("/healthz")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint_and_the_bearer_scheme() {
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
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/sessions",
        "/api/v1/sessions/refresh",
        "/api/v1/sessions/current",
        "/api/v1/me",
        "/api/v1/changes",
        "/api/v1/push",
        "/api/v1/drafts",
        "/api/v1/drafts/{id}",
        "/api/v1/drafts/{id}/withdraw",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    assert!(paths["/api/v1/drafts/{id}"].get("patch").is_some());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "Draft",
        "PushRequest",
        "ChangesResponse",
        "ErrorBody",
        "MutationResult",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} is not in the document"
        );
    }
}
