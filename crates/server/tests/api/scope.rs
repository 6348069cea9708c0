//! Scope changes in the changes feed: a reviewer taken off a team loses its drafts at the
//! next sync (as removals), and gets them back (as upserts) when added again.

use crate::support::{TestServer, draft_on, org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Pulls pages after `cursor` until the feed has no more; the pages.
async fn pull(t: &TestServer, token: &str, cursor: &str) -> Vec<Value> {
    let mut cursor = cursor.to_owned();
    let mut pages = vec![];
    for _ in 0..20 {
        let (status, page) = t
            .get(&format!("/api/v1/changes?cursor={cursor}"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let more = page["has_more"] == true;
        pages.push(page);
        if !more {
            return pages;
        }
    }
    panic!("the feed never ended");
}

fn next_cursor(pages: &[Value]) -> String {
    pages.last().unwrap()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The ids of the changes of `kind` on these pages.
fn ids(pages: &[Value], kind: &str) -> BTreeSet<String> {
    pages
        .iter()
        .flat_map(|p| p["changes"].as_array().unwrap())
        .filter(|c| c["kind"] == kind)
        .map(|c| match kind {
            "upsert" => c["draft"]["id"].as_str().unwrap().to_owned(),
            _ => c["draft_id"].as_str().unwrap().to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn a_reviewer_taken_off_a_team_loses_its_drafts_at_the_next_sync_and_regains_them() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let mut care = BTreeSet::new();
    for (channel, body) in [
        ("care-x", "Parcel on its way"),
        ("care-x", "Store open late"),
        ("care-bluesky", "Refund sent"),
    ] {
        care.insert(
            draft_on(&t.server, org.alex, channel, body)
                .await
                .id
                .to_string(),
        );
    }
    let gone = draft_on(&t.server, org.alex, "care-x", "Never mind").await;
    let alex = t.sign_in("alex").await.access;
    let (status, _) = t
        .post(
            &format!("/api/v1/drafts/{}/withdraw", gone.id),
            &alex,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let brand = draft_on(&t.server, org.agency, "brand-x", "New range")
        .await
        .id
        .to_string();

    let rita = t.sign_in("rita").await.access;
    let start = pull(&t, &rita, "").await;
    assert_eq!(ids(&start, "upsert"), care, "rita holds Care's open drafts");
    let cursor = next_cursor(&start);

    let root = t.sign_in("root").await.access;
    let (status, entry) = t
        .send(
            Method::DELETE,
            "/api/v1/admin/users/rita/teams/Care",
            &root,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    assert_eq!(entry["teams"], json!([]), "{entry}");

    let off = pull(&t, &rita, &cursor).await;
    let mut care_and_withdrawn = care.clone();
    care_and_withdrawn.insert(gone.id.to_string());
    assert_eq!(
        ids(&off, "remove"),
        care_and_withdrawn,
        "every Care draft leaves rita's desktop: {off:?}"
    );
    assert!(ids(&off, "upsert").is_empty(), "nothing arrives: {off:?}");
    let directory = &off[0]["directory"];
    assert_eq!(
        directory["me"]["teams"],
        json!([]),
        "the directory on the same page says why: {off:?}"
    );
    assert_eq!(directory["channels"], json!([]));
    let (status, _) = t
        .get(&format!("/api/v1/drafts/{}", care.first().unwrap()), &rita)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "she can no longer read them");
    let cursor = next_cursor(&off);
    let quiet = pull(&t, &rita, &cursor).await;
    assert_eq!(
        quiet[0]["changes"],
        json!([]),
        "the removals come once: {quiet:?}"
    );

    let (status, entry) = t
        .send(
            Method::PUT,
            "/api/v1/admin/users/rita/teams/Care",
            &root,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    let back = pull(&t, &rita, &cursor).await;
    assert_eq!(
        ids(&back, "upsert"),
        care,
        "Care's open drafts come back as upserts: {back:?}"
    );
    assert_eq!(
        ids(&back, "remove"),
        BTreeSet::from([gone.id.to_string()]),
        "a withdrawn draft arrives as a removal, never as a draft to decide"
    );
    assert!(
        !ids(&back, "upsert").contains(&brand),
        "Brand's drafts are not rita's"
    );
    assert_eq!(back[0]["directory"]["me"]["teams"], json!([org.care]));
}

#[tokio::test]
async fn limiting_an_account_to_some_channels_removes_the_others_drafts() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let on_x = draft_on(&t.server, org.alex, "care-x", "On X").await;
    let on_bluesky = draft_on(&t.server, org.alex, "care-bluesky", "On Bluesky").await;
    let rita = t.sign_in("rita").await.access;
    let cursor = next_cursor(&pull(&t, &rita, "").await);

    let root = t.sign_in("root").await.access;
    let (status, entry) = t
        .send(
            Method::PUT,
            "/api/v1/admin/users/rita/channels/care-x",
            &root,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entry}");
    assert_eq!(
        (&entry["channels"], &entry["channels_limited"]),
        (&json!(["care-x"]), &json!(true))
    );
    let limited = pull(&t, &rita, &cursor).await;
    assert_eq!(
        ids(&limited, "remove"),
        BTreeSet::from([on_bluesky.id.to_string()]),
        "{limited:?}"
    );
    assert!(!ids(&limited, "remove").contains(&on_x.id.to_string()));

    let cursor = next_cursor(&limited);
    let (status, _) = t
        .send(
            Method::DELETE,
            "/api/v1/admin/users/rita/channel-limit",
            &root,
            &Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let all = pull(&t, &rita, &cursor).await;
    assert_eq!(
        ids(&all, "upsert"),
        BTreeSet::from([on_bluesky.id.to_string()]),
        "lifting the limit brings the other channel's draft back: {all:?}"
    );
}
