//! "Who has access to what": `GET /api/v1/admin/access`.

use crate::support::{TestServer, add_channel, org};
use countersign_core::Network;
use countersign_server::admin::{self, AccountChange};
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn entry<'a>(entries: &'a Value, username: &str) -> &'a Value {
    entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["username"] == username)
        .unwrap_or_else(|| panic!("{username} is missing from {entries}"))
}

#[tokio::test]
async fn the_access_report_shows_every_accounts_roles_teams_channels_steps_2fa_and_sessions() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_channel(
        &t.server,
        "brand-bluesky",
        Network::Bluesky,
        "@brand.example",
        "Brand",
        &[],
    )
    .await;
    admin::change_account(
        &t.server,
        &Trail::console(),
        "agency",
        AccountChange::AddChannel("brand-x".into()),
    )
    .await
    .unwrap();
    admin::require_two_factor(
        &t.server,
        &Trail::console(),
        countersign_core::Role::Reviewer,
        true,
    )
    .await
    .unwrap();
    admin::enroll_totp(&t.server, &Trail::console(), "bea")
        .await
        .unwrap();
    let root = t.sign_in("root").await.access;
    t.sign_in("alex").await;
    let alex = t.sign_in("alex").await.access;
    let (status, _) = t
        .send(
            Method::DELETE,
            "/api/v1/sessions/current",
            &alex,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    admin::disable_user(&t.server, &Trail::console(), "rob")
        .await
        .unwrap();

    let (status, all) = t.get("/api/v1/admin/access", &root).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["agency", "alex", "bea", "rita", "rob", "root"],
        "every account, by username"
    );

    let rita = entry(&all, "rita");
    assert_eq!(rita["roles"], json!(["reviewer"]));
    assert_eq!(rita["teams"], json!(["Care"]));
    assert_eq!(rita["channels"], json!(["care-bluesky", "care-x"]));
    assert_eq!(rita["channels_limited"], false);
    assert_eq!(rita["steps"], json!(["review"]));
    assert_eq!(
        rita["two_factor"],
        json!({"enrolled": false, "required": true}),
        "the policy covers reviewers and rita has no authenticator"
    );
    assert!(
        rita.get("last_sign_in_at").is_none(),
        "never signed in: {rita}"
    );
    assert_eq!(
        (&rita["live_sessions"], &rita["disabled"]),
        (&json!(0), &json!(false))
    );

    let agency = entry(&all, "agency");
    assert_eq!(agency["channels"], json!(["brand-x"]));
    assert_eq!(
        agency["channels_limited"], true,
        "the agency serves only brand-x: {agency}"
    );
    assert_eq!(
        agency["two_factor"],
        json!({"enrolled": false, "required": false})
    );

    assert_eq!(
        entry(&all, "bea")["two_factor"],
        json!({"enrolled": true, "required": true})
    );
    let alex = entry(&all, "alex");
    assert!(
        alex["last_sign_in_at"].as_str().is_some(),
        "alex signed in: {alex}"
    );
    assert_eq!(
        alex["live_sessions"], 1,
        "two sign-ins, one signed out: {alex}"
    );
    let rob = entry(&all, "rob");
    assert_eq!(
        (&rob["disabled"], &rob["live_sessions"]),
        (&json!(true), &json!(0))
    );
    let root_entry = entry(&all, "root");
    assert_eq!(root_entry["roles"], json!(["admin"]));
    assert_eq!(
        root_entry["channels"],
        json!(["brand-bluesky", "brand-x", "care-bluesky", "care-x"]),
        "an administrator sees every channel"
    );
    assert_eq!(root_entry["live_sessions"], 1);

    let (status, one) = t.get("/api/v1/admin/access?user=Rita", &root).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one, json!([rita]), "one account, found by its sign-in name");
    let (status, _) = t.get("/api/v1/admin/access?user=nobody", &root).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
