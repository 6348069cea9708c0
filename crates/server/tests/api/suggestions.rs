//! Accepting a reviewer's suggestion: `POST /api/v1/drafts/{id}/suggestions/{annotation_id}/accept`.

use crate::support::{TestServer, client, draft_by, error_code, org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BODY: &str = "Hi Sam, your parcel is on its way and should arrive on Tuesday.";

/// A comment by the pusher on the first copy of `exact` in `body`, suggesting `suggestion`.
fn suggest(
    mutation_id: u64,
    draft: &Value,
    exact: &str,
    suggestion: Option<&str>,
) -> (Value, String) {
    let body = draft["body"].as_str().unwrap();
    let byte = body.find(exact).unwrap();
    let start = body[..byte].chars().count();
    let end = start + exact.chars().count();
    let prefix: String = body[..byte]
        .chars()
        .rev()
        .take(32)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let suffix: String = body[byte + exact.len()..].chars().take(32).collect();
    let id = uuid::Uuid::now_v7().to_string();
    let mutation = json!({
        "mutation_id": mutation_id,
        "kind": "annotate",
        "annotation": {
            "id": id,
            "draft_id": draft["id"],
            "draft_version": draft["version"],
            "body": "Say it more simply",
            "suggestion": suggestion,
            "target": {
                "quote": {"exact": exact, "prefix": prefix, "suffix": suffix},
                "position": {"start": start, "end": end}
            }
        }
    });
    (mutation, id)
}

fn accept_path(draft: &Value, annotation: &str) -> String {
    format!(
        "/api/v1/drafts/{}/suggestions/{annotation}/accept",
        draft["id"].as_str().unwrap()
    )
}

/// Alex's draft, with rita's suggestions on the words given, pushed and applied.
async fn with_suggestions(t: &TestServer, words: &[(&str, Option<&str>)]) -> (Value, Vec<String>) {
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, BODY).await;
    let draft = serde_json::to_value(&draft).unwrap();
    let rita = t.sign_in("rita").await.access;
    let (mutations, ids): (Vec<Value>, Vec<String>) = words
        .iter()
        .enumerate()
        .map(|(i, (exact, suggestion))| suggest(i as u64 + 1, &draft, exact, *suggestion))
        .unzip();
    let results = t.push(&rita, &client(), mutations).await;
    assert!(
        results.iter().all(|r| r["status"] == "applied"),
        "{results:?}"
    );
    (draft, ids)
}

#[tokio::test]
async fn the_author_accepts_a_suggestion_and_gets_a_new_version_that_names_it() {
    let t = TestServer::start().await;
    let (draft, ids) = with_suggestions(&t, &[("should arrive on", Some("arrives"))]).await;
    let alex = t.sign_in("alex").await.access;
    let (status, next) = t
        .post(&accept_path(&draft, &ids[0]), &alex, &json!({"version": 1}))
        .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(next["version"], 2);
    assert_eq!(
        next["body"],
        "Hi Sam, your parcel is on its way and arrives Tuesday."
    );
    assert_eq!(next["status"], "pending", "a new round, as after an edit");
    let edited = next["history"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event"] == "edited")
        .expect("an edited entry");
    assert_eq!(edited["accepted_suggestion"], json!(ids[0]));
    assert_eq!(edited["previous_body"], BODY);
    assert_eq!(edited["version"], 1);
    assert_eq!(edited["by"]["username"], "alex");

    // The reviewers' feed carries the new version.
    let rita = t.sign_in("rita").await.access;
    let id = draft["id"].as_str().unwrap();
    let (_, read) = t.get(&format!("/api/v1/drafts/{id}"), &rita).await;
    assert_eq!(read, next);

    // The audit log's edit says which suggestion it took.
    let root = t.sign_in("root").await.access;
    let (status, events) = t.get("/api/v1/admin/audit", &root).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let edit = events
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == "draft_edited")
        .expect("the edit is audited");
    assert_eq!(edit["detail"]["accepted_suggestion"], json!(ids[0]));
    assert_eq!(edit["detail"]["before"]["version"], 1);

    // Twice: refused, nothing changes.
    let (status, body) = t
        .post(&accept_path(&draft, &ids[0]), &alex, &json!({"version": 2}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "suggestion_accepted");
    let (_, read) = t.get(&format!("/api/v1/drafts/{id}"), &alex).await;
    assert_eq!(read["version"], 2);
}

#[tokio::test]
async fn words_moved_by_an_edit_are_found_and_words_that_are_gone_are_detached() {
    let t = TestServer::start().await;
    let (draft, ids) = with_suggestions(
        &t,
        &[("parcel", Some("order")), ("Tuesday", Some("Wednesday"))],
    )
    .await;
    let alex = t.sign_in("alex").await.access;
    let id = draft["id"].as_str().unwrap();
    let edit = json!({
        "version": 1,
        "body": "Hello again Sam! Hi Sam, your parcel is on its way and should arrive soon."
    });
    let (status, edited) = t
        .send(Method::PATCH, &format!("/api/v1/drafts/{id}"), &alex, &edit)
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");

    let (status, body) = t
        .post(&accept_path(&draft, &ids[1]), &alex, &json!({"version": 2}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "suggestion_detached");
    let (_, read) = t.get(&format!("/api/v1/drafts/{id}"), &alex).await;
    assert_eq!(read, edited, "nothing changed");

    let (status, next) = t
        .post(&accept_path(&draft, &ids[0]), &alex, &json!({"version": 2}))
        .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(
        next["body"],
        "Hello again Sam! Hi Sam, your order is on its way and should arrive soon."
    );
    assert_eq!(next["version"], 3);
}

#[tokio::test]
async fn only_the_author_accepts_at_the_current_version_and_strangers_learn_nothing() {
    let t = TestServer::start().await;
    let (draft, ids) = with_suggestions(&t, &[("parcel", Some("order")), ("Tuesday", None)]).await;
    let path = accept_path(&draft, &ids[0]);
    let v1 = json!({"version": 1});
    for (who, status, code) in [
        ("rita", StatusCode::FORBIDDEN, "forbidden"),
        ("bea", StatusCode::FORBIDDEN, "forbidden"),
        ("agency", StatusCode::FORBIDDEN, "forbidden"),
    ] {
        let token = t.sign_in(who).await.access;
        let (got, body) = t.post(&path, &token, &v1).await;
        assert_eq!((got, error_code(&body)), (status, code), "{who}: {body}");
    }
    // Another team's author asking about an annotation that does not exist learns the same.
    let agency = t.sign_in("agency").await.access;
    let unknown = accept_path(&draft, &uuid::Uuid::now_v7().to_string());
    let (status, _) = t.post(&unknown, &agency, &v1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let alex = t.sign_in("alex").await.access;
    let (status, body) = t.post(&path, &alex, &json!({"version": 7})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "stale_version")
    );
    let (status, body) = t.post(&unknown, &alex, &v1).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let no_suggestion = accept_path(&draft, &ids[1]);
    let (status, body) = t.post(&no_suggestion, &alex, &v1).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found"),
        "a comment without a suggestion"
    );
    let nowhere = format!(
        "/api/v1/drafts/{}/suggestions/{}/accept",
        uuid::Uuid::now_v7(),
        ids[0]
    );
    let (status, _) = t.post(&nowhere, &alex, &v1).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown draft");
    let (status, _) = t
        .post("/api/v1/drafts/not-a-uuid/suggestions/x/accept", &alex, &v1)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a path that names nothing");
    for malformed in [
        json!({}),
        json!({"version": "1"}),
        json!({"version": -1}),
        json!({"version": 1, "body": "sneaked in"}),
        json!([1]),
    ] {
        let (status, body) = t.post(&path, &alex, &malformed).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{malformed}: {body}");
    }
    let (status, _) = t.call(Method::POST, &path, None, Some(&v1)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let id = draft["id"].as_str().unwrap();
    let (_, read) = t.get(&format!("/api/v1/drafts/{id}"), &alex).await;
    assert_eq!(read["version"], 1, "nothing was accepted");
    assert_eq!(read["body"], BODY);
}

#[tokio::test]
async fn a_suggestion_that_would_make_the_draft_too_long_is_refused_with_its_cap() {
    let t = TestServer::start().await;
    let long = "much longer ".repeat(200);
    let (draft, ids) = with_suggestions(&t, &[("parcel", Some(long.as_str()))]).await;
    let alex = t.sign_in("alex").await.access;
    let (status, body) = t
        .post(&accept_path(&draft, &ids[0]), &alex, &json!({"version": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "over_limit");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too long"),
        "{body}"
    );
}

#[tokio::test]
async fn a_suggestion_over_its_cap_is_refused_at_the_push_and_cannot_be_accepted() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = serde_json::to_value(draft_by(&t.server, org.alex, BODY).await).unwrap();
    let huge = "s".repeat(countersign_core::limits::MAX_SUGGESTION_CHARS + 1);
    let (mutation, id) = suggest(1, &draft, "parcel", Some(&huge));
    let rita = t.sign_in("rita").await.access;
    let results = t.push(&rita, &client(), vec![mutation]).await;
    assert_eq!(results[0]["status"], "invalid", "{results:?}");
    let said = results[0]["message"].as_str().unwrap_or_default();
    assert!(said.starts_with("the suggestion is too long"), "{said}");
    let alex = t.sign_in("alex").await.access;
    let (status, body) = t
        .post(&accept_path(&draft, &id), &alex, &json!({"version": 1}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found"),
        "nothing was kept"
    );
}
