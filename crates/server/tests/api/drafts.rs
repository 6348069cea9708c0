//! Authors' endpoints: write, read, edit, withdraw.

use crate::support::{TestServer, draft_by, error_code, org};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn new_draft() -> serde_json::Value {
    json!({
        "network": "x",
        "channel": "@care_example",
        "body": "Hi Sam, your parcel is on its way.",
        "urgency": "urgent",
        "in_reply_to": {"author": "@sam", "text": "Where is my parcel?"},
        "media": [{"kind": "image", "url": "https://example.com/a.png"}]
    })
}

#[tokio::test]
async fn an_author_writes_a_pending_version_one_draft_in_their_team() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let alex = t.sign_in("alex").await.access;
    let (status, draft) = t.post("/api/v1/drafts", &alex, &new_draft()).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["status"], "pending");
    assert_eq!(draft["team"], json!(org.care));
    assert_eq!(
        draft["required_steps"],
        json!([{"step": "review", "quorum": 1}]),
        "the channel's policy"
    );
    assert_eq!(draft["author"]["username"], "alex");
    assert_eq!(draft["history"][0]["event"], "created");
    let id = draft["id"].as_str().unwrap();
    assert_eq!(&id[14..15], "7", "draft ids are UUIDv7: {id}");

    let rita = t.sign_in("rita").await.access;
    let (status, read) = t.get(&format!("/api/v1/drafts/{id}"), &rita).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, draft, "what was stored is what is read");

    let (_, page) = t.get("/api/v1/changes", &rita).await;
    assert_eq!(
        page["changes"][0]["draft"], draft,
        "the feed carries it as is"
    );
}

#[tokio::test]
async fn reviewers_cannot_write_and_authors_only_for_their_teams() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let rita = t.sign_in("rita").await.access;
    let (status, body) = t.post("/api/v1/drafts", &rita, &new_draft()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");

    let alex = t.sign_in("alex").await.access;
    let mut other_team = new_draft();
    other_team["channel"] = json!("@brand_example");
    let (status, _) = t.post("/api/v1/drafts", &alex, &other_team).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "brand-x is not Care's channel"
    );
    let mut mismatch = new_draft();
    mismatch["team"] = json!(org.brand);
    let (status, body) = t.post("/api/v1/drafts", &alex, &mismatch).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the team is the channel's: {body}"
    );
    let mut unknown = new_draft();
    unknown["channel"] = json!("@nobody");
    let (status, body) = t.post("/api/v1/drafts", &alex, &unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("channel add"),
        "{body}"
    );

    let mut blank = new_draft();
    blank["body"] = json!("   ");
    let (status, body) = t.post("/api/v1/drafts", &alex, &blank).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_request");

    let root = t.sign_in("root").await.access;
    let mut for_brand = new_draft();
    for_brand["channel"] = json!("@brand_example");
    let (status, draft) = t.post("/api/v1/drafts", &root, &for_brand).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an admin writes for any channel"
    );
    assert_eq!(draft["team"], json!(org.brand));
}

#[tokio::test]
async fn reading_is_scoped_404_for_unknown_403_for_other_teams() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "care only").await;
    let bea = t.sign_in("bea").await.access;
    let (status, body) = t.get(&format!("/api/v1/drafts/{}", d.id), &bea).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "forbidden");
    assert!(!body.to_string().contains("care only"), "nothing leaks");
    let unknown = uuid::Uuid::now_v7();
    let (status, body) = t.get(&format!("/api/v1/drafts/{unknown}"), &bea).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let (status, _) = t.get("/api/v1/drafts/not-a-uuid", &bea).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_edit_needs_the_current_version_and_the_author() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "v1").await;
    let path = format!("/api/v1/drafts/{}", d.id);
    let alex = t.sign_in("alex").await.access;
    let edit = |version: u64, body: &str| json!({"version": version, "body": body});

    let (status, v2) = t.send(Method::PATCH, &path, &alex, &edit(1, "v2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (v2["version"].clone(), v2["body"].clone()),
        (json!(2), json!("v2"))
    );
    assert_eq!(v2["history"][1]["event"], "edited");
    assert_eq!(v2["history"][1]["previous_body"], "v1");

    let (status, body) = t.send(Method::PATCH, &path, &alex, &edit(1, "v3")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "stale_version");

    let agency = t.sign_in("agency").await.access;
    let (status, _) = t.send(Method::PATCH, &path, &agency, &edit(2, "v3")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _) = t
        .post(&format!("{path}/withdraw"), &alex, &json!(null))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.send(Method::PATCH, &path, &alex, &edit(2, "v3")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "withdrawn");
    let (status, body) = t
        .post(&format!("{path}/withdraw"), &alex, &json!(null))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "withdrawn");
}
