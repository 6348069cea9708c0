//! The changes feed and push, over HTTP.

use crate::support::{TestServer, client, decide, draft_by, error_code, org};
use countersign_server::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// Pulls the whole feed in pages of `limit`; returns the pages.
async fn pull_all(t: &TestServer, token: &str, client: &str, limit: usize) -> Vec<Value> {
    let mut pages = vec![];
    let mut cursor = String::new();
    for _ in 0..1000 {
        let (status, page) = t
            .get(
                &format!("/api/v1/changes?client_id={client}&cursor={cursor}&limit={limit}"),
                token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let more = page["has_more"].as_bool().unwrap();
        pages.push(page);
        if !more {
            return pages;
        }
    }
    panic!("the feed never ended");
}

#[tokio::test]
async fn the_feed_pages_through_every_draft_exactly_once() {
    let t = TestServer::start().await;
    demo::seed(&t.server, t.server.now()).await.unwrap();
    let token = t.sign_in_demo("hannah.okafor").await;
    let client = client();
    let pages = pull_all(&t, &token, &client, 7).await;

    let mut seen = HashSet::new();
    let mut count = 0;
    for (i, page) in pages.iter().enumerate() {
        let changes = page["changes"].as_array().unwrap();
        let last = i == pages.len() - 1;
        assert!(changes.len() <= 7);
        if !last {
            assert_eq!(changes.len(), 7, "only the last page may be short");
            assert_eq!(page["has_more"], true);
        }
        for change in changes {
            assert_eq!(change["kind"], "upsert");
            let id = change["draft"]["id"].as_str().unwrap().to_owned();
            assert!(seen.insert(id), "a draft came twice");
            count += 1;
        }
        assert_eq!(page["last_mutation_id"], 0);
    }
    assert!(count >= 60, "the demo has at least 60 drafts, got {count}");

    // Nothing changed since: one small request, an empty page, the same cursor.
    let cursor = pages.last().unwrap()["next_cursor"].as_str().unwrap();
    let (status, page) = t
        .get(
            &format!("/api/v1/changes?client_id={client}&cursor={cursor}"),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["next_cursor"], cursor);
    assert_eq!(page["has_more"], false);
}

#[tokio::test]
async fn the_feed_is_scoped_to_the_callers_teams() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    draft_by(&t.server, org.alex, "care draft").await;
    draft_by(&t.server, org.agency, "brand draft").await;
    let count = |who: &'static str| {
        let t = &t;
        async move {
            let token = t.sign_in(who).await.access;
            let (_, page) = t.get("/api/v1/changes", &token).await;
            page["changes"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("rita").await, 1);
    assert_eq!(count("bea").await, 1);
    assert_eq!(count("root").await, 2, "administrators see every team");
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_a_400_and_a_foreign_client_a_403() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let rita = t.sign_in("rita").await.access;
    let (status, body) = t.get("/api/v1/changes?cursor=abc", &rita).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_cursor");
    let (status, body) = t.get("/api/v1/changes?limit=lots", &rita).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_query");

    let client = client();
    let (status, _) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(status, StatusCode::OK);
    let rob = t.sign_in("rob").await.access;
    let (status, body) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rob)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "client_taken");
    let (status, _) = t
        .post(
            "/api/v1/push",
            &rob,
            &json!({"client_id": client, "mutations": []}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_push_applies_once_and_a_retry_repeats_the_first_results() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let a = draft_by(&t.server, org.alex, "first").await;
    let b = draft_by(&t.server, org.alex, "second").await;
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let batch = vec![decide(1, a.id, 1, "approve"), decide(2, b.id, 1, "reject")];

    let first = t.push(&rita, &client, batch.clone()).await;
    assert_eq!(first[0]["status"], "applied");
    assert_eq!(first[1]["status"], "applied");

    let again = t.push(&rita, &client, batch).await;
    for (i, result) in again.iter().enumerate() {
        assert_eq!(result["status"], "duplicate");
        assert_eq!(result["first_status"], "applied");
        assert_eq!(result["mutation_id"], i + 1);
    }

    let (_, draft) = t.get(&format!("/api/v1/drafts/{}", a.id), &rita).await;
    assert_eq!(draft["status"], "approved");
    let decisions = draft["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"] == "decided")
        .count();
    assert_eq!(decisions, 1, "a retried push must not decide twice");

    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(page["last_mutation_id"], 2);
}

#[tokio::test]
async fn a_mutation_that_skips_ahead_is_invalid_and_does_not_advance() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let a = draft_by(&t.server, org.alex, "first").await;
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let results = t
        .push(&rita, &client, vec![decide(3, a.id, 1, "approve")])
        .await;
    assert_eq!(results[0]["status"], "invalid");
    assert_eq!(results[0]["message"], "out of order, expected 1");
    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(page["last_mutation_id"], 0);

    // Once the gap is filled the same id applies.
    let results = t
        .push(
            &rita,
            &client,
            vec![
                json!({"mutation_id": 1, "kind": "annotate", "annotation": {
                    "id": uuid::Uuid::now_v7(), "draft_id": a.id, "draft_version": 1,
                    "body": "nice"}}),
                decide(2, a.id, 1, "request_changes"),
                decide(3, a.id, 1, "approve"),
            ],
        )
        .await;
    let statuses: Vec<_> = results.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, vec!["applied", "applied", "conflict"]);
    assert_eq!(results[2]["reason"], "already_decided");
}

#[tokio::test]
async fn two_reviewers_approving_one_draft_get_one_applied_and_one_already_decided() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "contested").await;
    let rita = t.sign_in("rita").await.access;
    let rob = t.sign_in("rob").await.access;
    let (rita_client, rob_client) = (client(), client());
    let (first, second) = tokio::join!(
        push_answer(&t, &rita, &rita_client, vec![decide(1, d.id, 1, "approve")]),
        push_answer(&t, &rob, &rob_client, vec![decide(1, d.id, 1, "approve")]),
    );
    let mut statuses = vec![
        first["results"][0]["status"].as_str().unwrap(),
        second["results"][0]["status"].as_str().unwrap(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, vec!["applied", "conflict"]);
    let conflict = if first["results"][0]["status"] == "conflict" {
        &first
    } else {
        &second
    };
    assert_eq!(conflict["results"][0]["reason"], "already_decided");
    assert_eq!(
        conflict["drafts"][0]["status"], "approved",
        "the answer carries the current draft once: {conflict}"
    );
}

/// `POST /api/v1/push`, expecting 200: the whole answer (results and drafts).
async fn push_answer(t: &TestServer, token: &str, client: &str, mutations: Vec<Value>) -> Value {
    let (status, body) = t
        .post(
            "/api/v1/push",
            token,
            &json!({"client_id": client, "mutations": mutations}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "push: {body}");
    body
}

#[tokio::test]
async fn an_approval_of_an_edited_draft_is_stale_and_carries_the_current_draft() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "before").await;
    let alex = t.sign_in("alex").await.access;
    let (status, edited) = t
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/drafts/{}", d.id),
            &alex,
            &json!({"version": 1, "body": "after"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);

    let rita = t.sign_in("rita").await.access;
    let answer = push_answer(&t, &rita, &client(), vec![decide(1, d.id, 1, "approve")]).await;
    let results = &answer["results"];
    assert_eq!(results[0]["status"], "conflict");
    assert_eq!(results[0]["reason"], "stale_version");
    assert_eq!(answer["drafts"][0]["id"], d.id.to_string());
    assert_eq!(answer["drafts"][0]["version"], 2);
    assert_eq!(answer["drafts"][0]["body"], "after");
}

#[tokio::test]
async fn a_withdrawal_wins_and_the_feed_then_carries_a_removal() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "regret").await;
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();

    let alex = t.sign_in("alex").await.access;
    let (status, body) = t
        .post(
            &format!("/api/v1/drafts/{}/withdraw", d.id),
            &alex,
            &json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "withdrawn");

    let results = t
        .push(&rita, &client, vec![decide(1, d.id, 1, "approve")])
        .await;
    assert_eq!(results[0]["status"], "conflict");
    assert_eq!(results[0]["reason"], "withdrawn");

    let (_, page) = t
        .get(
            &format!("/api/v1/changes?client_id={client}&cursor={cursor}"),
            &rita,
        )
        .await;
    assert_eq!(
        page["changes"],
        json!([{"kind": "remove", "draft_id": d.id}])
    );
    assert_eq!(page["last_mutation_id"], 1);
}

#[tokio::test]
async fn authors_and_other_teams_reviewers_may_not_decide() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "care draft").await;
    for who in ["alex", "agency", "bea"] {
        let token = t.sign_in(who).await.access;
        let results = t
            .push(&token, &client(), vec![decide(1, d.id, 1, "approve")])
            .await;
        assert_eq!(results[0]["status"], "forbidden", "{who}");
        assert!(results[0].get("draft").is_none(), "{who} must not see it");
    }
    let rita = t.sign_in("rita").await.access;
    let unknown = countersign_core::DraftId(uuid::Uuid::now_v7());
    let results = t
        .push(&rita, &client(), vec![decide(1, unknown, 1, "approve")])
        .await;
    assert_eq!(results[0]["status"], "invalid");
    let (_, draft) = t.get(&format!("/api/v1/drafts/{}", d.id), &rita).await;
    assert_eq!(draft["status"], "pending");
}

#[tokio::test]
async fn a_push_of_more_than_1000_mutations_is_refused() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "x").await;
    let rita = t.sign_in("rita").await.access;
    let mutations: Vec<_> = (1..=1001).map(|i| decide(i, d.id, 1, "approve")).collect();
    let (status, body) = t
        .post(
            "/api/v1/push",
            &rita,
            &json!({"client_id": client(), "mutations": mutations}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "too_many_mutations");
}

#[tokio::test]
async fn a_thousand_decisions_apply_in_one_push() {
    let t = TestServer::start().await;
    org(&t.server).await;
    // Bulk drafts go to the first team by name with an author: Brand, reviewed by bea.
    let ids = demo::bulk_drafts(&t.server, 1000, 200).await.unwrap();
    let bea = t.sign_in("bea").await.access;
    let mutations: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| decide(i as u64 + 1, *id, 1, "approve"))
        .collect();
    // How fast is the benchmark's business (`countersign-bench`'s "push N queued decisions"
    // row), not this test's: a time limit here failed whenever the machine was busy.
    let results = t.push(&bea, &client(), mutations).await;
    assert_eq!(results.len(), 1000);
    assert!(results.iter().all(|r| r["status"] == "applied"));
}

#[tokio::test]
async fn the_directory_carries_the_servers_offline_lease() {
    let t = TestServer::with(|config| {
        config.offline_lease = std::time::Duration::from_secs(3 * 24 * 3600);
    })
    .await;
    org(&t.server).await;
    let token = t.sign_in("rita").await.access;
    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={}", client()), &token)
        .await;
    assert_eq!(
        page["directory"]["offline_lease_secs"],
        json!(3 * 24 * 3600),
        "desktops learn the lease with the directory: {page}"
    );
}

#[tokio::test]
async fn a_gap_is_a_mutation_gap_and_only_a_skip_from_the_expected_id_resumes_it_once() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let a = draft_by(&t.server, org.alex, "first").await;
    let b = draft_by(&t.server, org.alex, "second").await;
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let results = t
        .push(&rita, &client, vec![decide(1, a.id, 1, "approve")])
        .await;
    assert_eq!(results[0]["status"], "applied");

    // As after a restore: the desktop's next id is 5, the server expects 2.
    let results = t
        .push(&rita, &client, vec![decide(5, b.id, 1, "approve")])
        .await;
    assert_eq!(results[0]["status"], "invalid");
    assert_eq!(results[0]["code"], "mutation_gap");
    assert_eq!(results[0]["expected_mutation_id"], 2);

    // `POST /api/v1/push` of the decision with id 5 and a `skip` declaration.
    let push_with_skip = async |skip: Value| {
        t.post(
            "/api/v1/push",
            &rita,
            &json!({
                "client_id": client,
                "skip": skip,
                "mutations": [decide(5, b.id, 1, "approve")],
            }),
        )
        .await
    };

    // A declaration that does not start at the expected id changes nothing.
    let (status, body) = push_with_skip(json!({"from": 3, "to": 4})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["code"], "mutation_gap", "{body}");
    assert_eq!(body["results"][0]["expected_mutation_id"], 2);

    // Nonsense is a 400 and stores nothing.
    for bad in [
        json!({"from": 2, "to": 5}),
        json!({"from": 4, "to": 2}),
        json!({"from": 0, "to": 4}),
        json!({"from": 2, "to": 4, "extra": true}),
    ] {
        let (status, body) = push_with_skip(bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            ["invalid_request", "invalid_json"].contains(&error_code(&body)),
            "{bad}: {body}"
        );
    }
    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(page["last_mutation_id"], 1, "nothing moved the client on");

    // The right declaration resumes; a retry of the same push is a duplicate.
    for expected in ["applied", "duplicate"] {
        let (status, body) = push_with_skip(json!({"from": 2, "to": 4})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["results"][0]["status"], expected, "{body}");
    }
    let (_, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(page["last_mutation_id"], 5);
    let decided = countersign_server::admin::draft(&t.server, b.id)
        .await
        .unwrap();
    let decisions = decided
        .history
        .iter()
        .filter(|h| matches!(h.event, countersign_core::HistoryEvent::Decided { .. }))
        .count();
    assert_eq!(decisions, 1, "the resumed decision applied exactly once");
}

#[tokio::test]
async fn a_cursor_past_the_end_of_the_feed_is_a_409_cursor_ahead() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    draft_by(&t.server, org.alex, "first").await;
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let pages = pull_all(&t, &rita, &client, 50).await;
    let end = pages.last().unwrap()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, page) = t
        .get(
            &format!("/api/v1/changes?client_id={client}&cursor={end}"),
            &rita,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the end itself is fine: {page}");
    let ahead = end.parse::<u64>().unwrap() + 1;
    let (status, body) = t
        .get(
            &format!("/api/v1/changes?client_id={client}&cursor={ahead}"),
            &rita,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "cursor_ahead");
}
