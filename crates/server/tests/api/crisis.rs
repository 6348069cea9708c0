//! Crisis mode over the admin API: on, what it does to drafts and approvals, what desktops
//! are told, and off again — never straight to publishing.

use crate::support::{TestServer, add_user, client, decide, org};
use countersign_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const REASON: &str = "Fire at the Leeds store";

/// One page of rita's feed after `cursor`.
async fn page(t: &TestServer, token: &str, cursor: &str) -> Value {
    let (status, page) = t
        .get(&format!("/api/v1/changes?cursor={cursor}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["has_more"], false, "one page holds these few changes");
    page
}

fn upserted(page: &Value) -> BTreeSet<String> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "upsert")
        .map(|c| c["draft"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn id(draft: &Value) -> String {
    draft["id"].as_str().unwrap().to_owned()
}

fn usernames(people: &Value) -> Vec<&str> {
    people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect()
}

async fn push_one(t: &TestServer, token: &str, draft: &Value, version: u64) -> Value {
    let draft_id = serde_json::from_value(draft["id"].clone()).unwrap();
    t.push(
        token,
        &client(),
        vec![decide(1, draft_id, version, "approve")],
    )
    .await
    .remove(0)
}

#[tokio::test]
async fn crisis_mode_holds_future_posts_lets_only_spokespeople_approve_and_ends_in_review() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_user(
        &t.server,
        "sam",
        &[Role::Spokesperson],
        &["review"],
        &["Care"],
    )
    .await;
    let alex = t.sign_in("alex").await.access;
    let rita = t.sign_in("rita").await.access;
    let rob = t.sign_in("rob").await.access;
    let sam = t.sign_in("sam").await.access;
    let root = t.sign_in("root").await.access;
    let agency = t.sign_in("agency").await.access;
    let write = |token: &str, channel: &str, extra: Value| {
        let mut body = json!({"network": "x", "channel": channel, "body": "We are open as usual."});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (t, token) = (&t, token.to_owned());
        async move {
            let (status, draft) = t.post("/api/v1/drafts", &token, &body).await;
            assert_eq!(status, StatusCode::CREATED, "{draft}");
            draft
        }
    };
    let tomorrow = t.server.now() + chrono::Duration::days(1);

    let due_later = write(&alex, "@care_example", json!({"scheduled_at": tomorrow})).await;
    assert_eq!(
        push_one(&t, &rita, &due_later, 1).await["status"],
        "applied"
    );
    let already_out = write(&alex, "@care_example", json!({})).await;
    assert_eq!(
        push_one(&t, &rob, &already_out, 1).await["status"],
        "applied"
    );
    let waiting = write(&alex, "@care_example", json!({})).await;
    let brand = write(&agency, "@brand_example", json!({})).await;

    let before = page(&t, &rita, "").await;
    assert_eq!(
        before["directory"]["crisis"]["channels"]["kind"], "none",
        "{before}"
    );
    let cursor = before["next_cursor"].as_str().unwrap().to_owned();
    let quiet = page(&t, &rita, &cursor).await;
    assert!(
        quiet.get("directory").is_none(),
        "nothing changed: no directory: {quiet}"
    );

    // On, for care-x.
    let (status, on) = t
        .post(
            "/api/v1/admin/crisis/on",
            &root,
            &json!({"reason": REASON, "channels": ["care-x"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(
        on["effect"],
        json!({"escalated": 1, "held": 1, "returned_to_review": 0, "deescalated": 0}),
        "the waiting draft escalates, the approved one due later is held"
    );
    let (status, state) = t.get("/api/v1/admin/crisis", &root).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["state"]["reason"], REASON);
    assert_eq!(state["state"]["declared_by"]["username"], "root");
    let covered = state["channels"].as_array().unwrap();
    assert_eq!(covered.len(), 1, "only care-x is covered: {state}");
    assert_eq!(covered[0]["channel"]["name"], "care-x");
    assert_eq!(
        usernames(&covered[0]["spokespeople"]),
        ["sam"],
        "the spokespeople authorised for care-x are listed"
    );

    let read = |token: &str, draft: &Value| {
        let (t, token, path) = (
            &t,
            token.to_owned(),
            format!("/api/v1/drafts/{}", id(draft)),
        );
        async move {
            let (status, body) = t.get(&path, &token).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    assert_eq!(read(&rita, &due_later).await["status"], "held");
    assert_eq!(
        read(&rita, &already_out).await["status"],
        "approved",
        "an approved post that is not scheduled later has gone out and is left alone"
    );
    let escalated = read(&rita, &waiting).await;
    assert_eq!(
        (&escalated["urgency"], &escalated["requested_urgency"]),
        (&json!("crisis"), &json!("normal"))
    );
    assert_eq!(
        read(&agency, &brand).await["urgency"],
        "normal",
        "brand-x is not covered"
    );

    // Desktops learn it through the feed, with the drafts it changed.
    let after_on = page(&t, &rita, &cursor).await;
    assert_eq!(
        upserted(&after_on),
        BTreeSet::from([id(&due_later), id(&waiting)]),
        "{after_on}"
    );
    let directory = &after_on["directory"];
    assert_eq!(directory["crisis"]["reason"], REASON, "{after_on}");
    assert_eq!(directory["crisis"]["channels"]["kind"], "only");
    let care_x = directory["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "care-x")
        .unwrap();
    assert_eq!(care_x["in_crisis"], true);
    assert_eq!(usernames(&care_x["spokespeople"]), ["sam"]);
    let cursor = after_on["next_cursor"].as_str().unwrap().to_owned();
    let quiet = page(&t, &rita, &cursor).await;
    assert!(
        quiet.get("directory").is_none() && quiet["changes"] == json!([]),
        "a page with no change carries no directory: {quiet}"
    );
    let (_, channels) = t.get("/api/v1/channels", &rita).await;
    assert_eq!(
        channels
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "care-x")
            .map(|c| usernames(&c["spokespeople"])),
        Some(vec!["sam"])
    );

    // Only spokespeople approve; a held draft is not decidable.
    let refused = push_one(&t, &rita, &waiting, 1).await;
    assert_eq!(refused["status"], "forbidden", "{refused}");
    assert_eq!(
        refused["message"],
        "only a spokesperson may approve a crisis draft"
    );
    let held = push_one(&t, &rob, &due_later, 1).await;
    assert_eq!(
        (&held["status"], &held["reason"]),
        (&json!("conflict"), &json!("held")),
        "{held}"
    );
    assert_eq!(push_one(&t, &sam, &waiting, 1).await["status"], "applied");
    assert_eq!(read(&sam, &waiting).await["status"], "approved");
    let during = write(&alex, "@care_example", json!({"urgency": "normal"})).await;
    assert_eq!(during["urgency"], "crisis");

    // Off: the held draft is back in review, with no approvals, on a new version.
    let (status, off) = t
        .post("/api/v1/admin/crisis/off", &root, &Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(
        off["effect"],
        json!({"escalated": 0, "held": 0, "returned_to_review": 1, "deescalated": 1}),
        "{off}"
    );
    let back = read(&rita, &due_later).await;
    assert_eq!(back["status"], "pending", "never straight to publishing");
    assert_eq!(back["approvals"], json!([]), "approvals are cleared");
    assert_eq!(
        back["version"], 2,
        "a decision made before the crisis is stale"
    );
    assert_eq!(
        back["history"].as_array().unwrap().last().unwrap()["event"],
        "returned_to_review"
    );
    assert_eq!(
        read(&alex, &during).await["urgency"],
        "normal",
        "a draft that was a crisis draft only because of crisis mode is back at its author's urgency"
    );
    let after_off = page(&t, &rita, &cursor).await;
    assert_eq!(after_off["directory"]["crisis"]["channels"]["kind"], "none");
    assert!(
        upserted(&after_off).contains(&id(&due_later)),
        "{after_off}"
    );
    let (_, state) = t.get("/api/v1/admin/crisis", &root).await;
    assert_eq!(state["channels"], json!([]), "{state}");

    let stale = push_one(&t, &rob, &due_later, 1).await;
    assert_eq!(stale["reason"], "stale_version", "{stale}");
    assert_eq!(push_one(&t, &rob, &due_later, 2).await["status"], "applied");
}

#[tokio::test]
async fn turning_crisis_mode_on_needs_a_reason_and_off_needs_it_on() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let (status, body) = t
        .post("/api/v1/admin/crisis/on", &root, &json!({"reason": "  "}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = t
        .post(
            "/api/v1/admin/crisis/on",
            &root,
            &json!({"reason": REASON, "channels": ["no-such-channel"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = t
        .post("/api/v1/admin/crisis/off", &root, &Value::Null)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "it was not on: {body}");
    let (_, state) = t.get("/api/v1/admin/crisis", &root).await;
    assert_eq!(
        state["state"]["channels"]["kind"], "none",
        "refused calls change nothing: {state}"
    );
}
