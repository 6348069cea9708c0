//! The server owns the rules: a channel's policy decides a draft's steps, whatever its author
//! asks for; quorums count distinct people; `all` waits for every holder it names.

use crate::support::{TestServer, add_user, client, decide, error_code, org};
use countersign_core::{Role, StepRule};
use countersign_server::admin::{self, AccountChange};
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sets `channel`'s policy, e.g. `["review:2"]`.
async fn policy(t: &TestServer, channel: &str, steps: &[&str]) {
    let rules = steps.iter().map(|s| StepRule::parse(s).unwrap()).collect();
    admin::set_channel_policy(&t.server, &Trail::console(), channel, rules)
        .await
        .unwrap();
}

/// alex writes `body` on care-x with `extra` fields merged into the request.
async fn write(t: &TestServer, token: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "network": "x",
        "channel": "@care_example",
        "body": "Hi Sam, your parcel is on its way.",
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    t.post("/api/v1/drafts", token, &body).await
}

/// Pushes one approval of `draft` (at its version) as `token` from a fresh client; the
/// result.
async fn approve(t: &TestServer, token: &str, draft: &Value) -> Value {
    let id = serde_json::from_value(draft["id"].clone()).unwrap();
    let version = draft["version"].as_u64().unwrap();
    let mut results = t
        .push(token, &client(), vec![decide(1, id, version, "approve")])
        .await;
    results.remove(0)
}

async fn read(t: &TestServer, token: &str, draft: &Value) -> Value {
    let (status, body) = t
        .get(
            &format!("/api/v1/drafts/{}", draft["id"].as_str().unwrap()),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn approvers(draft: &Value) -> Vec<&str> {
    draft["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["by"]["username"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_authors_empty_steps_and_normal_urgency_during_crisis_change_nothing() {
    let t = TestServer::start().await;
    org(&t.server).await;
    policy(&t, "care-x", &["review:2"]).await;
    let root = t.sign_in("root").await.access;
    let (status, body) = t
        .post(
            "/api/v1/admin/crisis/on",
            &root,
            &json!({"reason": "Fire at the Leeds store", "channels": ["care-x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let alex = t.sign_in("alex").await.access;
    for asked in [
        json!({"required_steps": [], "urgency": "normal"}),
        json!({"required_steps": [{"step": "review", "quorum": 1}], "urgency": "normal"}),
    ] {
        let (status, draft) = write(&t, &alex, asked.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        assert_eq!(
            draft["required_steps"],
            json!([{"step": "review", "quorum": 2}]),
            "asking for {asked} must not drop or lower the channel's steps"
        );
        assert_eq!(
            draft["urgency"], "crisis",
            "in crisis mode every draft on care-x is a crisis draft, whatever its author said"
        );
        assert_eq!(
            draft["requested_urgency"], "normal",
            "what the author asked for is kept"
        );
    }

    let agency = t.sign_in("agency").await.access;
    let (status, calm) = t
        .post(
            "/api/v1/drafts",
            &agency,
            &json!({"network": "x", "channel": "@brand_example", "body": "New range", "urgency": "normal"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{calm}");
    assert_eq!(
        calm["urgency"], "normal",
        "crisis mode for care-x leaves brand-x alone"
    );
}

#[tokio::test]
async fn a_quorum_of_two_needs_two_different_people() {
    let t = TestServer::start().await;
    org(&t.server).await;
    policy(&t, "care-x", &["review:2"]).await;
    let alex = t.sign_in("alex").await.access;
    let (_, draft) = write(&t, &alex, json!({})).await;
    let (rita, rob) = (
        t.sign_in("rita").await.access,
        t.sign_in("rob").await.access,
    );

    let id = serde_json::from_value(draft["id"].clone()).unwrap();
    let desk = client();
    let first = t
        .push(&rita, &desk, vec![decide(1, id, 1, "approve")])
        .await;
    assert_eq!(first[0]["status"], "applied", "{first:?}");
    let after_one = read(&t, &rita, &draft).await;
    assert_eq!(
        after_one["status"], "pending",
        "one approval of two leaves it waiting"
    );

    // The same person again, from the same desktop and from another one.
    let same_desk = t
        .push(&rita, &desk, vec![decide(2, id, 1, "approve")])
        .await;
    let other_desk = approve(&t, &rita, &draft).await;
    for again in [&same_desk[0], &other_desk] {
        assert_eq!(
            again["status"], "forbidden",
            "the same person twice is one approval: {again}"
        );
        assert!(
            again["message"]
                .as_str()
                .unwrap()
                .contains("already approved"),
            "{again}"
        );
    }
    assert_eq!(
        approvers(&read(&t, &rita, &draft).await),
        ["rita"],
        "a refused approval is not counted"
    );

    assert_eq!(approve(&t, &rob, &draft).await["status"], "applied");
    let done = read(&t, &rob, &draft).await;
    assert_eq!(done["status"], "approved", "two different people: {done}");
    assert_eq!(approvers(&done), ["rita", "rob"]);
}

#[tokio::test]
async fn an_all_step_needs_every_holder_it_names() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_user(&t.server, "ray", &[Role::Reviewer], &["review"], &["Care"]).await;
    policy(&t, "care-x", &["review:all"]).await;
    let alex = t.sign_in("alex").await.access;
    let (status, draft) = write(&t, &alex, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let holders: Vec<&str> = draft["required_steps"][0]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        holders,
        ["ray", "rita", "rob"],
        "an all step names every Care reviewer holding review"
    );

    // Someone qualified who joined after the draft was written is not one of its holders.
    add_user(&t.server, "rae", &[Role::Reviewer], &["review"], &["Care"]).await;
    let rae = t.sign_in("rae").await.access;
    let late = approve(&t, &rae, &draft).await;
    assert_eq!(
        late["status"], "forbidden",
        "all counts the holders it names: {late}"
    );
    assert!(
        late["message"]
            .as_str()
            .unwrap()
            .contains("waits for each of"),
        "{late}"
    );

    for (who, status_after) in [("rita", "pending"), ("rob", "pending"), ("ray", "approved")] {
        let token = t.sign_in(who).await.access;
        let result = approve(&t, &token, &draft).await;
        assert_eq!(result["status"], "applied", "{who}: {result}");
        assert_eq!(
            read(&t, &token, &draft).await["status"],
            status_after,
            "after {who}'s approval"
        );
    }
}

#[tokio::test]
async fn an_author_may_add_a_step_but_not_one_nobody_in_the_team_holds() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let alex = t.sign_in("alex").await.access;
    let (status, body) = write(&t, &alex, json!({"required_steps": ["legal"]})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "nobody in Care holds legal: {body}"
    );
    assert_eq!(error_code(&body), "invalid_request");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("legal step") && message.contains("Care has 0 qualified"),
        "the message must say which step and why: {message}"
    );
    assert!(
        message.contains("user step add"),
        "the message must say how to fix it: {message}"
    );

    add_user(&t.server, "lena", &[Role::Reviewer], &["legal"], &["Care"]).await;
    admin::change_account(
        &t.server,
        &Trail::console(),
        "rob",
        AccountChange::AddStep("legal".into()),
    )
    .await
    .unwrap();
    let (status, draft) = write(&t, &alex, json!({"required_steps": ["legal"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(
        draft["required_steps"],
        json!([{"step": "review", "quorum": 1}, {"step": "legal", "quorum": 1}]),
        "the channel's review first, then the step the author added"
    );

    // One person takes one step of a version: rob, qualified for both, takes review only.
    let (rob, lena) = (
        t.sign_in("rob").await.access,
        t.sign_in("lena").await.access,
    );
    assert_eq!(approve(&t, &rob, &draft).await["status"], "applied");
    let twice = approve(&t, &rob, &draft).await;
    assert_eq!(
        twice["status"], "forbidden",
        "rob may not take legal as well: {twice}"
    );
    assert_eq!(approve(&t, &lena, &draft).await["status"], "applied");
    let done = read(&t, &lena, &draft).await;
    assert_eq!(done["status"], "approved");
    let steps: Vec<(&str, &str)> = done["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["step"].as_str().unwrap(),
                a["by"]["username"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, [("review", "rob"), ("legal", "lena")]);
}

#[tokio::test]
async fn a_new_policy_reaches_drafts_already_written_only_when_they_are_edited() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let alex = t.sign_in("alex").await.access;
    let (_, draft) = write(&t, &alex, json!({})).await;
    policy(&t, "care-x", &["review:2"]).await;
    let kept = read(&t, &alex, &draft).await;
    assert_eq!(
        kept["required_steps"],
        json!([{"step": "review", "quorum": 1}]),
        "a draft already written keeps its steps"
    );
    let path = format!("/api/v1/drafts/{}", draft["id"].as_str().unwrap());
    let (status, edited) = t
        .send(
            Method::PATCH,
            &path,
            &alex,
            &json!({"version": 1, "body": "Hi Sam, it arrives today."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        edited["required_steps"],
        json!([{"step": "review", "quorum": 2}]),
        "an edit re-applies the channel's current policy"
    );
}

#[tokio::test]
async fn someone_an_all_step_waits_for_keeps_their_approval_for_that_step() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_user(&t.server, "lena", &[Role::Reviewer], &["legal"], &["Care"]).await;
    admin::change_account(
        &t.server,
        &Trail::console(),
        "rob",
        AccountChange::AddStep("legal".into()),
    )
    .await
    .unwrap();
    policy(&t, "care-x", &["review", "legal:all"]).await;
    let alex = t.sign_in("alex").await.access;
    let (status, draft) = write(&t, &alex, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let holders: Vec<&str> = draft["required_steps"][1]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(holders, ["lena", "rob"]);

    // One person approves one step of a version, and the legal step waits for rob by name:
    // were his approval spent on review, the draft could never be approved.
    let rob = t.sign_in("rob").await.access;
    let early = approve(&t, &rob, &draft).await;
    assert_eq!(
        early["status"], "forbidden",
        "rob must keep his approval for legal: {early}"
    );
    assert!(
        early["message"].as_str().unwrap().contains("legal"),
        "the message says which step waits for him: {early}"
    );
    assert_eq!(read(&t, &rob, &draft).await["approvals"], json!([]));

    let rita = t.sign_in("rita").await.access;
    let lena = t.sign_in("lena").await.access;
    for (who, token) in [("rita", &rita), ("rob", &rob), ("lena", &lena)] {
        let result = approve(&t, token, &draft).await;
        assert_eq!(result["status"], "applied", "{who}: {result}");
    }
    let done = read(&t, &rita, &draft).await;
    assert_eq!(done["status"], "approved", "{done}");
}
