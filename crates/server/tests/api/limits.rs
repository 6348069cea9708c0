//! Caps on what one request may make the server store or send: conflict answers that do not
//! copy the draft, a cap on every field (each refusal names the field and its cap and
//! changes nothing), a cap on mutations per push, a bounded history, and a byte budget per
//! page of the changes feed.

use crate::support::{
    TestServer, add_channel, add_user, client, decide, draft_by, draft_on, error_code, org,
};
use countersign_core::limits;
use countersign_core::{Network, Role};
use countersign_server::trail::Trail;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;

/// An `annotate` mutation on `draft` at `version`.
fn annotate(mutation_id: u64, draft: &str, version: u64, body: &str) -> Value {
    json!({
        "mutation_id": mutation_id,
        "kind": "annotate",
        "annotation": {
            "id": uuid::Uuid::now_v7(),
            "draft_id": draft,
            "draft_version": version,
            "body": body
        }
    })
}

fn open(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn
}

/// Folds the write-ahead log into the database file and returns the file's size, so two
/// figures taken either side of a write compare what it left on disk.
fn settled_size(db: &Path) -> u64 {
    let conn = open(db);
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        .unwrap();
    assert_eq!(busy, 0, "the checkpoint must not be blocked by a writer");
    drop(conn);
    std::fs::metadata(db).unwrap().len()
}

/// Makes a stored draft's body `bytes` long behind the API's back: a draft stored before
/// the caps existed (or by an older server) must not turn into an amplifier either.
fn enlarge_stored_body(db: &Path, draft: &str, bytes: usize) {
    let changed = open(db)
        .execute(
            "UPDATE drafts SET draft_json = json_set(draft_json, '$.body', ?1) WHERE id = ?2",
            rusqlite::params!["a".repeat(bytes), draft],
        )
        .unwrap();
    assert_eq!(changed, 1, "the draft to enlarge must exist");
}

/// What every write leaves a trace in: drafts (count, total JSON, change sequence), stored
/// results, clients' last mutation ids. Equal before and after means nothing changed.
fn fingerprint(db: &Path) -> Vec<i64> {
    let conn = open(db);
    let one = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    vec![
        one("SELECT count(*) FROM drafts"),
        one("SELECT coalesce(sum(length(draft_json)), 0) FROM drafts"),
        one("SELECT last_seq FROM change_counter"),
        one("SELECT count(*) FROM mutation_results"),
        one("SELECT coalesce(sum(last_mutation_id), 0) FROM clients"),
    ]
}

/// `POST /api/v1/push`: status and whole answer.
async fn push_raw(
    t: &TestServer,
    token: &str,
    client: &str,
    mutations: Vec<Value>,
) -> (StatusCode, Value) {
    t.post(
        "/api/v1/push",
        token,
        &json!({"client_id": client, "mutations": mutations}),
    )
    .await
}

/// Adds the Facebook channel `care-fb` (account "Care on Facebook") for the Care team.
async fn add_care_fb(server: &countersign_server::Server) {
    add_channel(
        server,
        "care-fb",
        Network::Facebook,
        "Care on Facebook",
        "Care",
        &[],
    )
    .await;
}

#[tokio::test]
async fn a_thousand_comments_on_a_withdrawn_megabyte_draft_store_no_copies_of_it() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "A reply to enlarge").await;
    let id = draft.id.to_string();
    let db = t.server.config().database_path();
    countersign_server::admin::withdraw_draft(&t.server, &Trail::console(), org.alex, draft.id)
        .await
        .unwrap();
    enlarge_stored_body(&db, &id, 1_000_000);
    let token = t.sign_in("rita").await.access;
    let pusher = client();
    let before = settled_size(&db);

    let mutations: Vec<Value> = (1..=1000)
        .map(|n| annotate(n, &id, draft.version, "a comment"))
        .collect();
    let started = std::time::Instant::now();
    let (status, answer) = push_raw(&t, &token, &pusher, mutations.clone()).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer_bytes = serde_json::to_vec(&answer).unwrap().len();
    let grew = settled_size(&db).saturating_sub(before);
    eprintln!(
        "1,000 comments on a withdrawn 1 MB draft: the database grew {grew} bytes, the answer \
         was {answer_bytes} bytes, in {took:?}"
    );
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 1000, "one result per mutation");
    assert!(
        results.iter().all(|r| r["status"] == "conflict"
            && r["reason"] == "withdrawn"
            && r.get("draft").is_none()),
        "every comment is a withdrawn conflict, none carrying the draft"
    );
    assert_eq!(
        answer["drafts"].as_array().map(Vec::len),
        Some(1),
        "the answer carries the draft once"
    );
    assert_eq!(answer["drafts"][0]["id"], id);
    assert!(
        grew < 1_000_000,
        "1,000 refused comments must store a few hundred bytes each, never the draft: grew {grew}"
    );
    assert!(
        answer_bytes < 2_000_000,
        "the answer must carry the draft once, not 1,000 times: {answer_bytes} bytes"
    );

    // The same push again (its answer was lost): every result is a repeat, the draft is read
    // once as it is now, and nothing more is stored.
    let before = settled_size(&db);
    let (status, again) = push_raw(&t, &token, &pusher, mutations).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let repeats = again["results"].as_array().unwrap();
    assert!(
        repeats
            .iter()
            .all(|r| r["status"] == "duplicate" && r["first_status"] == "conflict"),
        "every repeat answers with its first result"
    );
    assert_eq!(again["drafts"].as_array().map(Vec::len), Some(1));
    assert_eq!(again["drafts"][0]["status"], "withdrawn");
    let grew_again = settled_size(&db).saturating_sub(before);
    assert!(
        grew_again < 100_000,
        "a repeat stores nothing: grew {grew_again}"
    );
}

#[tokio::test]
async fn each_cap_on_a_new_draft_is_refused_naming_the_field_and_changes_nothing() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_care_fb(&t.server).await;
    let db = t.server.config().database_path();
    let alex = t.sign_in("alex").await.access;
    let x = |body: Value| {
        let mut draft = json!({"network": "x", "channel": "@care_example", "body": "Hello"});
        for (k, v) in body.as_object().unwrap() {
            draft[k] = v.clone();
        }
        draft
    };
    let image = |url: &str| json!({"kind": "image", "url": url, "alt_text": "A shop"});
    let long = |n: usize| "x".repeat(n + 1);
    let cases = [
        (
            x(json!({"body": long(4 * 280)})),
            "over_limit",
            "the body is too long: 1121",
        ),
        (
            json!({"network": "facebook", "channel": "Care on Facebook", "body": long(limits::MAX_BODY_BYTES)}),
            "over_limit",
            "the body is too long: 262145 bytes",
        ),
        (
            x(json!({"channel": long(limits::MAX_CHANNEL_CHARS)})),
            "over_limit",
            "the channel is too long",
        ),
        (
            x(json!({"media": vec![image("https://example.org/a.jpg"); limits::MAX_MEDIA + 1]})),
            "over_limit",
            "media has 21 entries, and at most 20",
        ),
        (
            x(json!({"media": [image("javascript:alert(1)")]})),
            "invalid_request",
            "attachment 1's URL must be an https://",
        ),
        (
            x(
                json!({"media": [image(&format!("https://example.org/{}", long(limits::MAX_URL_BYTES)))]}),
            ),
            "over_limit",
            "attachment 1's URL is too long",
        ),
        (
            x(
                json!({"media": [{"kind": "image", "url": "https://example.org/a.jpg", "alt_text": long(limits::MAX_ALT_TEXT_CHARS)}]}),
            ),
            "over_limit",
            "attachment 1's alt text is too long",
        ),
        (
            x(json!({"media": [{"kind": "applet", "url": "https://example.org/a.jpg"}]})),
            "invalid_request",
            "attachment 1's kind must be image or video",
        ),
        (
            x(
                json!({"in_reply_to": {"author": "@sam", "text": long(limits::MAX_CUSTOMER_POST_CHARS)}}),
            ),
            "over_limit",
            "the customer post is too long",
        ),
        (
            x(
                json!({"in_reply_to": {"author": long(limits::MAX_CUSTOMER_HANDLE_CHARS), "text": "hi"}}),
            ),
            "over_limit",
            "the customer's handle is too long",
        ),
        (
            x(json!({"in_reply_to": {"author": "@sam", "text": "hi", "url": "data:text/html,hi"}})),
            "invalid_request",
            "the customer post's URL must be",
        ),
        (
            x(
                json!({"required_steps": (0..=limits::MAX_REQUESTED_STEPS).map(|i| format!("s{i}")).collect::<Vec<_>>()}),
            ),
            "over_limit",
            "required_steps has 11 entries",
        ),
        (
            x(json!({"required_steps": [long(limits::MAX_STEP_NAME_CHARS)]})),
            "over_limit",
            "a step's name is too long",
        ),
    ];
    let before = fingerprint(&db);
    for (request, code, message) in cases {
        let (status, body) = t.post("/api/v1/drafts", &alex, &request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}: {body}");
        assert_eq!(error_code(&body), code, "{body}");
        let said = body["error"]["message"].as_str().unwrap();
        assert!(said.contains(message), "{said:?} must say {message:?}");
        assert_eq!(
            fingerprint(&db),
            before,
            "a refused draft changes nothing ({message})"
        );
    }
    // At the caps exactly, the same draft is written.
    let (status, body) = t
        .post(
            "/api/v1/drafts",
            &alex,
            &x(json!({"body": "x".repeat(4 * 280), "media": vec![image("https://example.org/a.jpg"); limits::MAX_MEDIA]})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a draft at its caps is accepted: {body}"
    );
}

#[tokio::test]
async fn an_edit_over_the_body_cap_is_refused_and_the_draft_keeps_its_text() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_on(&t.server, org.alex, "care-x", "Short and sweet").await;
    let db = t.server.config().database_path();
    let alex = t.sign_in("alex").await.access;
    let before = fingerprint(&db);
    let (status, body) = t
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/drafts/{}", d.id),
            &alex,
            &json!({"version": 1, "body": "y".repeat(4 * 280 + 1)}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "over_limit");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("4 times X's limit of 280"),
        "{body}"
    );
    assert_eq!(fingerprint(&db), before, "a refused edit changes nothing");

    // Someone who may not see the draft learns nothing of its network from the refusal.
    let agency = t.sign_in("agency").await.access;
    let (status, body) = t
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/drafts/{}", d.id),
            &agency,
            &json!({"version": 1, "body": "y".repeat(4 * 280 + 1)}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(fingerprint(&db), before);
}

#[tokio::test]
async fn a_push_over_the_mutation_cap_is_refused_whole_and_applies_nothing() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "One of many").await;
    let db = t.server.config().database_path();
    let rita = t.sign_in("rita").await.access;
    let pusher = client();
    let mut mutations = vec![decide(1, d.id, 1, "approve")];
    mutations.extend(
        (2..=limits::MAX_MUTATIONS_PER_PUSH as u64 + 1)
            .map(|n| annotate(n, &d.id.to_string(), 1, "more")),
    );
    let before = fingerprint(&db);
    let (status, body) = push_raw(&t, &rita, &pusher, mutations).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), "too_many_mutations");
    let said = body["error"]["message"].as_str().unwrap();
    assert!(
        said.contains("at most 1000") && said.contains("1001"),
        "{said}"
    );
    assert_eq!(fingerprint(&db), before, "nothing of the push applied");
    assert_eq!(
        countersign_server::admin::draft(&t.server, d.id)
            .await
            .unwrap()
            .status,
        countersign_core::DraftStatus::Pending,
        "the approval in it did not apply"
    );
}

#[tokio::test]
async fn a_comment_or_reason_over_its_cap_is_an_invalid_result_and_the_next_still_applies() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let d = draft_by(&t.server, org.alex, "Thanks for waiting").await;
    let rita = t.sign_in("rita").await.access;
    let id = d.id.to_string();
    let mut long_reason = decide(2, d.id, 1, "approve");
    long_reason["decision"]["override_reason"] =
        json!("r".repeat(limits::MAX_OVERRIDE_REASON_CHARS + 1));
    let mut long_comment = decide(3, d.id, 1, "reject");
    long_comment["decision"]["comment"] = json!("c".repeat(limits::MAX_COMMENT_CHARS + 1));
    let mutations = vec![
        annotate(1, &id, 1, &"a".repeat(limits::MAX_COMMENT_CHARS + 1)),
        long_reason,
        long_comment,
        annotate(4, &id, 1, "A fair comment"),
    ];
    let (status, answer) = push_raw(&t, &rita, &client(), mutations).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    let expect = [
        "the comment is too long: 10001 characters, and at most 10000",
        "the override reason is too long: 2001 characters, and at most 2000",
        "the comment is too long: 10001 characters, and at most 10000",
    ];
    for (result, message) in results.iter().zip(expect) {
        assert_eq!(result["status"], "invalid", "{result}");
        let said = result["message"].as_str().unwrap_or_default();
        assert!(said.starts_with(message), "{said:?} must say {message:?}");
    }
    assert_eq!(
        results[3]["status"], "applied",
        "a refusal never blocks what follows"
    );
    let stored = countersign_server::admin::draft(&t.server, d.id)
        .await
        .unwrap();
    assert_eq!(
        stored.status,
        countersign_core::DraftStatus::Pending,
        "nothing was decided"
    );
    assert_eq!(
        stored.history.len(),
        2,
        "only the created entry and the fair comment: {:?}",
        stored.history
    );
}

#[tokio::test]
async fn a_long_history_is_summarised_and_its_editor_still_may_not_approve() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let editor = add_user(
        &t.server,
        "ed",
        &[Role::Admin, Role::Reviewer],
        &["review"],
        &["Care"],
    )
    .await;
    let d = draft_by(&t.server, org.alex, "First words").await;
    countersign_server::admin::edit_draft(
        &t.server,
        &Trail::console(),
        editor,
        d.id,
        countersign_core::wire::EditDraft {
            version: 1,
            body: "Better words".into(),
        },
    )
    .await
    .unwrap();
    let rita = t.sign_in("rita").await.access;
    let id = d.id.to_string();
    let pusher = client();
    let comments: Vec<Value> = (1..=300)
        .map(|n| annotate(n, &id, 2, &format!("note {n}")))
        .collect();
    let results = t.push(&rita, &pusher, comments).await;
    assert!(results.iter().all(|r| r["status"] == "applied"));

    let stored = countersign_server::admin::draft(&t.server, d.id)
        .await
        .unwrap();
    assert_eq!(
        stored.history.len(),
        limits::MAX_HISTORY_ENTRIES,
        "the history is kept to its cap"
    );
    let countersign_core::HistoryEvent::Summarised {
        entries, editors, ..
    } = &stored.history[0].event
    else {
        panic!("the oldest entries are summarised: {:?}", stored.history[0]);
    };
    assert_eq!(
        *entries as usize + stored.history.len() - 1,
        302,
        "created + edit + 300 comments"
    );
    assert_eq!(
        editors
            .iter()
            .map(|p| p.username.as_str())
            .collect::<Vec<_>>(),
        ["ed"]
    );
    let last = stored.history.last().unwrap();
    assert!(
        matches!(&last.event, countersign_core::HistoryEvent::Annotated { annotation } if annotation.body == "note 300"),
        "the newest entry stays: {last:?}"
    );

    // The edit itself was folded away, and the editor still may not approve.
    let ed = t.sign_in("ed").await.access;
    let results = t
        .push(&ed, &client(), vec![decide(1, d.id, 2, "approve")])
        .await;
    assert_eq!(results[0]["status"], "forbidden", "{:?}", results[0]);
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("you edited this draft"),
        "{:?}",
        results[0]
    );
}

/// Pulls the whole feed as `token` in pages of up to `limit`; the pages.
async fn pull_all(t: &TestServer, token: &str, limit: usize) -> Vec<(Value, usize)> {
    let mut pages = vec![];
    let mut cursor = String::new();
    let client = client();
    for _ in 0..100 {
        let response = t
            .http
            .get(t.at(&format!(
                "/api/v1/changes?client_id={client}&cursor={cursor}&limit={limit}"
            )))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.bytes().await.unwrap();
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let more = page["has_more"].as_bool().unwrap();
        pages.push((page, bytes.len()));
        if !more {
            return pages;
        }
    }
    panic!("the feed never ended");
}

#[tokio::test]
async fn the_feed_stops_a_page_at_its_byte_budget_with_has_more() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let db = t.server.config().database_path();
    // Twenty drafts of 300 KB each (stored behind the API's back, as an older server could
    // have): 6 MB, more than one page's budget of 4 MiB, though far below `limit`.
    let mut ids = vec![];
    for n in 0..20 {
        let d = draft_by(&t.server, org.alex, &format!("draft {n}")).await;
        enlarge_stored_body(&db, &d.id.to_string(), 300_000);
        ids.push(d.id.to_string());
    }
    // And one larger than the whole budget: it travels alone.
    let huge = draft_by(&t.server, org.alex, "huge").await;
    enlarge_stored_body(&db, &huge.id.to_string(), limits::MAX_PAGE_BYTES + 1000);
    ids.push(huge.id.to_string());

    let rita = t.sign_in("rita").await.access;
    let pages = pull_all(&t, &rita, 500).await;
    let mut seen = vec![];
    for (i, (page, bytes)) in pages.iter().enumerate() {
        let changes = page["changes"].as_array().unwrap();
        let last = i == pages.len() - 1;
        assert!(
            !changes.is_empty(),
            "a page with more after it is never empty"
        );
        assert_eq!(
            page["has_more"], !last,
            "has_more on every page but the last"
        );
        let alone = changes.len() == 1;
        assert!(
            *bytes <= limits::MAX_PAGE_BYTES + 64 * 1024 || alone,
            "page {i} is {bytes} bytes with {} drafts: over the budget",
            changes.len()
        );
        seen.extend(
            changes
                .iter()
                .map(|c| c["draft"]["id"].as_str().unwrap().to_owned()),
        );
    }
    assert!(
        pages.len() >= 3,
        "6 MB and a 4 MiB draft take at least three pages, got {}",
        pages.len()
    );
    assert_eq!(seen, ids, "every draft exactly once, in commit order");
}

#[tokio::test]
async fn administrators_names_are_capped_too() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let long = "n".repeat(limits::MAX_NAME_CHARS + 1);
    let team = countersign_server::admin::create_team(&t.server, &Trail::console(), &long)
        .await
        .unwrap_err();
    assert!(
        team.to_string().starts_with("the team's name is too long"),
        "{team}"
    );
    let user = countersign_server::admin::add_user(
        &t.server,
        &Trail::console(),
        countersign_server::admin::NewUser {
            username: "u".repeat(limits::MAX_USERNAME_CHARS + 1),
            display_name: "U".into(),
            password: countersign_core::Sensitive::new(crate::support::PASSWORD.into()),
            roles: vec![Role::Author],
            steps: vec![],
            teams: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(
        user.to_string().starts_with("the username is too long"),
        "{user}"
    );
    let channel = countersign_server::admin::add_channel(
        &t.server,
        &Trail::console(),
        countersign_core::wire::admin::NewChannel {
            name: None,
            network: Network::X,
            account: "@".repeat(limits::MAX_CHANNEL_CHARS + 1),
            team: "Care".into(),
            policy: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(
        channel
            .to_string()
            .starts_with("the channel's account is too long"),
        "{channel}"
    );
}

#[tokio::test]
async fn approvals_refused_over_many_findings_carry_a_bounded_few() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    add_care_fb(&t.server).await;
    // Two thousand e-mail addresses: as many blocking findings.
    let body: String = (0..2000).map(|n| format!("mail{n}@example.org ")).collect();
    let d = crate::support::draft_on(&t.server, org.alex, "care-fb", &body).await;
    let db = t.server.config().database_path();
    let rita = t.sign_in("rita").await.access;
    let approvals: Vec<Value> = (1..=1000).map(|n| decide(n, d.id, 1, "approve")).collect();
    let before = settled_size(&db);
    let started = std::time::Instant::now();
    let (status, answer) = push_raw(&t, &rita, &client(), approvals).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{answer}");
    let grew = settled_size(&db).saturating_sub(before);
    let answer_bytes = serde_json::to_vec(&answer).unwrap().len();
    eprintln!(
        "1,000 approvals refused over 2,000 findings: the database grew {grew} bytes, the answer \
         was {answer_bytes} bytes, in {took:?}"
    );
    for result in answer["results"].as_array().unwrap() {
        assert_eq!(result["code"], "override_required", "{result}");
        let findings = result["findings"].as_array().map_or(0, Vec::len);
        assert!(
            (1..=countersign_server::push::MAX_RESULT_FINDINGS).contains(&findings),
            "a refusal carries a few findings, not 2,000: {findings}"
        );
        let message = result["message"].as_str().unwrap();
        assert!(message.contains("2000 things that block it"), "{message}");
        assert!(
            message.len() < 2_000,
            "the sentence stays short: {} bytes",
            message.len()
        );
    }
    assert!(
        grew < 8_000_000,
        "1,000 refusals store a few KB each: grew {grew}"
    );
}
