//! A leaver over the admin API: refused with a clear message and no change when the
//! successor cannot take over, and otherwise everything in one step.

use crate::support::{TestServer, add_user, client, decide, draft_on, error_code, org};
use countersign_core::Role;
use countersign_server::admin::{self, AccountChange};
use countersign_server::trail::Trail;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn leave(t: &TestServer, admin: &str, leaver: &str, successor: &str) -> (StatusCode, Value) {
    t.post(
        &format!("/api/v1/admin/users/{leaver}/leave"),
        admin,
        &json!({"handover": successor}),
    )
    .await
}

async fn access(t: &TestServer, admin: &str, username: &str) -> Value {
    let (status, body) = t
        .get(&format!("/api/v1/admin/access?user={username}"), admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body[0].clone()
}

#[tokio::test]
async fn a_successor_without_the_role_or_the_team_is_refused_and_nothing_changes() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let drafts = [
        draft_on(&t.server, org.alex, "care-x", "Parcel on its way").await,
        draft_on(&t.server, org.alex, "care-bluesky", "Store open late").await,
    ];
    let root = t.sign_in("root").await.access;
    let alex = t.sign_in("alex").await.access;
    let before: Vec<Value> = {
        let mut all = vec![];
        for d in &drafts {
            all.push(t.get(&format!("/api/v1/drafts/{}", d.id), &root).await.1);
        }
        all
    };

    for (successor, says) in [
        ("rita", "without the author role"),
        ("agency", "is not in Care"),
    ] {
        let (status, body) = leave(&t, &root, "alex", successor).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{successor} cannot take over: {body}"
        );
        assert_eq!(error_code(&body), "invalid_request");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(says) && message.contains("Nothing was changed"),
            "the message must say what {successor} lacks and that nothing changed: {message}"
        );
        assert!(
            message.contains(&format!("--username {successor}")),
            "the message must name the command that fixes it: {message}"
        );
    }

    let entry = access(&t, &root, "alex").await;
    assert_eq!(entry["disabled"], false, "alex is still enabled: {entry}");
    assert_eq!(entry["live_sessions"], 1, "alex's session is not revoked");
    let (status, _) = t.get("/api/v1/me", &alex).await;
    assert_eq!(status, StatusCode::OK, "alex's token still works");
    for (d, was) in drafts.iter().zip(&before) {
        let (_, now) = t.get(&format!("/api/v1/drafts/{}", d.id), &root).await;
        assert_eq!(
            &now, was,
            "a refused handover must leave the draft as it was"
        );
    }
}

#[tokio::test]
async fn a_leaver_is_disabled_and_their_drafts_go_to_a_qualified_successor_in_one_step() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    add_user(&t.server, "amy", &[Role::Author], &[], &["Care"]).await;
    let first = draft_on(&t.server, org.alex, "care-x", "Parcel on its way").await;
    let second = draft_on(&t.server, org.alex, "care-bluesky", "Store open late").await;
    let root = t.sign_in("root").await.access;
    let alex = t.sign_in("alex").await.access;

    let (status, report) = leave(&t, &root, "alex", "amy").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["leaver"], "alex");
    assert_eq!(report["successor"], "amy");
    assert_eq!(report["drafts_handed_over"], 2, "{report}");
    assert_eq!(report["sessions_revoked"], 1, "{report}");

    let (status, body) = t.get("/api/v1/me", &alex).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        error_code(&body),
        "session_revoked",
        "the leaver's desktop must wipe its cache at its next contact"
    );
    let (status, body) = t.sign_in_raw("alex", crate::support::PASSWORD).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "bad_credentials"),
        "a leaver's right password is refused like a wrong one"
    );
    let entry = access(&t, &root, "alex").await;
    assert_eq!(
        (&entry["disabled"], &entry["live_sessions"]),
        (&json!(true), &json!(0))
    );

    let amy = t.sign_in("amy").await.access;
    for d in [&first, &second] {
        let (status, draft) = t.get(&format!("/api/v1/drafts/{}", d.id), &amy).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!(draft["owner"]["username"], "amy", "{draft}");
        assert_eq!(
            draft["author"]["username"], "alex",
            "the author stays on record"
        );
        let last = draft["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (
                &last["event"],
                &last["from"]["username"],
                &last["to"]["username"]
            ),
            (&json!("handed_over"), &json!("alex"), &json!("amy")),
            "the handover is in the draft's history: {last}"
        );
        assert_eq!(last["by"]["username"], "root");
    }
    let (_, feed) = t.get("/api/v1/changes", &amy).await;
    assert_eq!(
        feed["changes"].as_array().unwrap().len(),
        2,
        "the successor's desktop gets the drafts at its next sync: {feed}"
    );

    let path = format!("/api/v1/drafts/{}", first.id);
    let (status, edited) = t
        .send(
            Method::PATCH,
            &path,
            &amy,
            &json!({"version": 1, "body": "Parcel arrives today"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the successor edits: {edited}");
    let (status, withdrawn) = t
        .post(
            &format!("/api/v1/drafts/{}/withdraw", second.id),
            &amy,
            &Value::Null,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the successor withdraws: {withdrawn}"
    );
    assert_eq!(withdrawn["status"], "withdrawn");

    let rita = t.sign_in("rita").await.access;
    let result = t
        .push(&rita, &client(), vec![decide(1, first.id, 2, "approve")])
        .await;
    assert_eq!(
        result[0]["status"], "applied",
        "a reviewer approves the handed-over draft as any other: {result:?}"
    );
}

#[tokio::test]
async fn a_leavers_place_in_an_all_step_moves_to_a_qualified_successor() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    admin::set_channel_policy(
        &t.server,
        &Trail::console(),
        "care-x",
        vec![countersign_core::StepRule::parse("review:all").unwrap()],
    )
    .await
    .unwrap();
    add_user(&t.server, "ray", &[Role::Reviewer], &["review"], &["Brand"]).await;
    let draft = draft_on(&t.server, org.alex, "care-x", "Parcel on its way").await;
    let root = t.sign_in("root").await.access;

    let (status, body) = leave(&t, &root, "rita", "ray").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "rita owns no drafts, so ray needs no author role; he cannot take her place in Care \
         and it is dropped: {body}"
    );
    assert_eq!(body["places_dropped"], 1, "{body}");
    let (_, now) = t.get(&format!("/api/v1/drafts/{}", draft.id), &root).await;
    let holders: Vec<&str> = now["required_steps"][0]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(holders, ["rob"], "the step waits for its other holder now");

    // A qualified successor takes the place instead.
    let draft = draft_on(&t.server, org.alex, "care-x", "Store open late").await;
    add_user(&t.server, "rosa", &[Role::Reviewer], &["review"], &["Care"]).await;
    let named: Vec<&str> = draft.required_steps[0]
        .holders
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    assert_eq!(named, ["rob"], "rosa joined later: not a holder yet");
    let (status, body) = leave(&t, &root, "rob", "rosa").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["places_moved"], 2, "both of rob's places: {body}");
    let (_, now) = t.get(&format!("/api/v1/drafts/{}", draft.id), &root).await;
    assert_eq!(now["required_steps"][0]["holders"][0]["username"], "rosa");
    let last = now["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["event"], &last["step"], &last["to"]["username"]),
        (&json!("handed_over"), &json!("review"), &json!("rosa")),
        "{last}"
    );
    let rosa = t.sign_in("rosa").await.access;
    let result = t
        .push(&rosa, &client(), vec![decide(1, draft.id, 1, "approve")])
        .await;
    assert_eq!(result[0]["status"], "applied", "{result:?}");
    let (_, done) = t.get(&format!("/api/v1/drafts/{}", draft.id), &root).await;
    assert_eq!(done["status"], "approved", "every holder has approved");
}

#[tokio::test]
async fn a_successor_named_in_an_all_step_of_a_draft_they_take_over_leaves_that_step() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    admin::set_channel_policy(
        &t.server,
        &Trail::console(),
        "care-x",
        vec![countersign_core::StepRule::parse("review:all").unwrap()],
    )
    .await
    .unwrap();
    add_user(
        &t.server,
        "avery",
        &[Role::Author, Role::Reviewer],
        &["review"],
        &["Care"],
    )
    .await;
    let draft = draft_on(&t.server, org.alex, "care-x", "Parcel on its way").await;
    let named: Vec<&str> = draft.required_steps[0]
        .holders
        .iter()
        .map(|p| p.username.as_str())
        .collect();
    assert_eq!(named, ["avery", "rita", "rob"]);

    // Where the step waits for her alone, she cannot take the draft over at all.
    admin::set_channel_policy(
        &t.server,
        &Trail::console(),
        "care-bluesky",
        vec![countersign_core::StepRule::parse("legal:all").unwrap()],
    )
    .await
    .unwrap();
    admin::change_account(
        &t.server,
        &Trail::console(),
        "avery",
        AccountChange::AddStep("legal".into()),
    )
    .await
    .unwrap();
    let only_avery = draft_on(&t.server, org.alex, "care-bluesky", "Refund sent").await;
    let root = t.sign_in("root").await.access;
    let (status, body) = leave(&t, &root, "alex", "avery").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("waits only for avery") && message.contains("Nothing was changed"),
        "{message}"
    );
    assert_eq!(access(&t, &root, "alex").await["disabled"], false);
    admin::withdraw_draft(&t.server, &Trail::console(), org.alex, only_avery.id)
        .await
        .unwrap();

    let (status, body) = leave(&t, &root, "alex", "avery").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["places_dropped"], 0,
        "no place of alex's was dropped: {body}"
    );
    let (_, now) = t.get(&format!("/api/v1/drafts/{}", draft.id), &root).await;
    assert_eq!(now["owner"]["username"], "avery");
    let holders: Vec<&str> = now["required_steps"][0]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        holders,
        ["rita", "rob"],
        "avery owns the draft now and may never approve it, so the step cannot wait for her"
    );
    for who in ["rita", "rob"] {
        let token = t.sign_in(who).await.access;
        let result = t
            .push(&token, &client(), vec![decide(1, draft.id, 1, "approve")])
            .await;
        assert_eq!(result[0]["status"], "applied", "{who}: {result:?}");
    }
    let (_, done) = t.get(&format!("/api/v1/drafts/{}", draft.id), &root).await;
    assert_eq!(done["status"], "approved", "{done}");
}
