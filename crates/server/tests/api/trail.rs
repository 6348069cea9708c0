//! What the audit log holds after real requests: sign-ins (and failed ones), decisions and
//! sign-outs, each by whom, from which session and about which text — read back from the
//! database through the storage trait, as `countersign-server audit` does.

use crate::support::{PASSWORD, TestServer, client, decide, draft_by, org};
use countersign_audit::{ActorRef, Event, content_sha256, kinds};
use countersign_server::storage::sqlite::SqliteStorage;
use countersign_server::storage::{AuditQuery, Storage};
use reqwest::StatusCode;

/// Every event in the server's log, oldest first.
async fn events(t: &TestServer) -> Vec<Event> {
    let storage = SqliteStorage::open(&t.data_dir().join("countersign.db")).unwrap();
    storage
        .audit_events(AuditQuery {
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

fn of_kind<'a>(events: &'a [Event], kind: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.kind == kind).collect()
}

fn actor(t: &crate::support::Org, name: &str) -> Option<ActorRef> {
    Some(ActorRef {
        id: t.ids[name].0,
        username: name.to_owned(),
    })
}

#[tokio::test]
async fn a_sign_in_a_decision_and_a_sign_out_are_recorded_in_their_session() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let body = "Back at 9 tomorrow.";
    let draft = draft_by(&t.server, org.alex, body).await;
    let before = events(&t).await.len();

    let rita = t.sign_in("rita").await;
    let results = t
        .push(
            &rita.access,
            &client(),
            vec![decide(1, draft.id, 1, "approve")],
        )
        .await;
    assert_eq!(results[0]["status"], "applied", "{results:?}");
    let (status, _) = t
        .call(
            reqwest::Method::DELETE,
            "/api/v1/sessions/current",
            Some(&rita.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let all = events(&t).await;
    let added = &all[before..];
    let found: Vec<&str> = added.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        found,
        vec![kinds::SIGN_IN, kinds::DECISION, kinds::SIGN_OUT],
        "in commit order"
    );
    let session = added[0].session;
    assert!(session.is_some(), "a sign-in names its session");
    for event in added {
        assert_eq!(event.actor, actor(&org, "rita"), "{}", event.kind);
        assert_eq!(event.session, session, "{} in rita's session", event.kind);
        assert_eq!(event.via, countersign_audit::Via::Api);
        assert_eq!(event.hash, event.computed_hash());
    }
    let decided = &added[1];
    let reference = decided.draft.as_ref().unwrap();
    assert_eq!(
        (
            reference.id,
            reference.version,
            reference.content_sha256.as_str()
        ),
        (draft.id.0, 1, content_sha256(body).as_str()),
        "the version decided on and the SHA-256 of its exact text"
    );
    assert_eq!(decided.detail["verdict"], "approve");
    assert_eq!(decided.detail["comment"], "checked");
    // The draft's creation was recorded too, through the console that wrote it.
    let created = of_kind(&all, kinds::DRAFT_CREATED);
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].draft.as_ref().unwrap().content_sha256,
        content_sha256(body)
    );
    assert_eq!(created[0].via, countersign_audit::Via::Cli);
}

#[tokio::test]
async fn failed_sign_ins_are_recorded_without_the_text_of_an_unknown_name() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    // Someone typed their password into the username field.
    let typed = "Hunter2-Typed-Here";
    let (status, _) = t.sign_in_raw(typed, PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = t.sign_in_raw("rita", "not the password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let all = events(&t).await;
    let failed = of_kind(&all, kinds::SIGN_IN_FAILED);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(
        failed[0].actor, None,
        "nobody is named for an unknown account"
    );
    assert_eq!(failed[0].detail["reason"], "unknown_account");
    assert_eq!(
        failed[0].detail["username_sha256"],
        content_sha256(&typed.to_lowercase()),
        "the name as the server compares it, hashed"
    );
    assert_eq!(failed[1].actor, actor(&org, "rita"));
    assert_eq!(failed[1].detail["reason"], "password");
    let text = serde_json::to_string(&all).unwrap().to_lowercase();
    assert!(
        !text.contains("hunter2"),
        "the typed name is not in the log"
    );
    assert!(!text.contains(PASSWORD), "nor any password");
}

#[tokio::test]
async fn a_flood_the_limiter_refuses_does_not_grow_the_log() {
    let t = TestServer::with(|c| c.login_attempts = 3).await;
    org(&t.server).await;
    let before = of_kind(&events(&t).await, kinds::SIGN_IN_FAILED).len();
    let mut refused = 0;
    for _ in 0..20 {
        let (status, _) = t.sign_in_raw("rob", "guess").await;
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 17, "the limiter lets three through");
    let failed = of_kind(&events(&t).await, kinds::SIGN_IN_FAILED).len() - before;
    assert_eq!(
        failed, 3,
        "only the attempts that reached the password check"
    );
}
