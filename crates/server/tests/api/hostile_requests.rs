//! Malformed and hostile requests: each gets the right 4xx in the uniform error shape and
//! changes nothing. "Nothing" is checked on the database itself: every row of every table,
//! read before and after, must be the same.

use crate::support::{PASSWORD, TestServer, client, decide, draft_by, error_code, org, read};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every row of every table, as text, sorted: the server's whole state. `except` names
/// tables a call may change by design (the sessions a token replay revokes).
fn snapshot(t: &TestServer, except: &[&str]) -> BTreeMap<String, Vec<String>> {
    let db = t.server.config().database_path();
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("opening {}: {e}", db.display()));
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut state = BTreeMap::new();
    for table in tables.into_iter().filter(|t| !except.contains(&t.as_str())) {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |row| {
                Ok((0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        state.insert(table, rows);
    }
    state
}

/// Asserts nothing differs, naming the first table that does.
fn assert_unchanged(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
    what: &str,
) {
    for (table, rows) in before {
        assert_eq!(
            Some(rows),
            after.get(table),
            "{what} changed table {table}; a refused request must change nothing"
        );
    }
    assert_eq!(
        before.len(),
        after.len(),
        "{what} changed the set of tables"
    );
}

/// Asserts a 4xx with this code in the uniform shape, and nothing else in the body.
fn assert_refused(status: StatusCode, body: &Value, expected: StatusCode, code: &str, what: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    assert_eq!(error_code(body), code, "{what}: {body}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "{what}: an error body holds `error` alone: {body}"
    );
}

/// A POST with these raw bytes and content type.
async fn post_bytes(
    t: &TestServer,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = t.http.post(t.at(path)).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    read(request.send().await.unwrap()).await
}

/// One HTTP/1.1 request written by hand on a fresh connection (for what reqwest will not
/// send: a chunked body of unannounced length); the answer's status and JSON body.
async fn raw_http(t: &TestServer, head: &str, body: &[u8]) -> (u16, Value) {
    let address = t.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before taking the whole body: a failed write is fine,
    // the answer is what counts.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

/// JSON pointers to every object in `value`, the root included.
fn objects(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(at.clone());
            for (key, child) in map {
                objects(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                objects(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn an_unknown_field_at_any_depth_of_any_body_is_400_and_changes_nothing() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "Thanks for waiting, we are on it.").await;
    let rita = t.sign_in("rita").await;
    let alex = t.sign_in("alex").await.access;
    let root = t.sign_in("root").await.access;
    let id = draft.id;
    // Another draft for the edit: the push below approves the first.
    let to_edit = draft_by(&t.server, org.alex, "Thanks for waiting.").await;
    let edit_path = format!("/api/v1/drafts/{}", to_edit.id);
    let pack = "format = 1\nname = \"Test\"\n\n[organisation]\ncode_names = [\"Project Fir\"]\n";

    // Each endpoint with a body: who sends it, and a body that is accepted as it is, with
    // every optional object filled in so each nested type is reached.
    let cases: Vec<(&str, &str, Option<&str>, Value, StatusCode)> = vec![
        (
            "POST",
            "/api/v1/push",
            Some(&rita.access),
            json!({"client_id": client(), "mutations": [
                {"mutation_id": 1, "kind": "annotate", "annotation": {
                    "id": uuid::Uuid::now_v7(), "draft_id": id, "draft_version": 1,
                    "body": "say when", "suggestion": "waiting patiently",
                    "target": {"quote": {"exact": "waiting", "prefix": "for ", "suffix": ","},
                               "position": {"start": 11, "end": 18}}}},
                {"mutation_id": 2, "kind": "decide", "decision": {
                    "id": uuid::Uuid::now_v7(), "draft_id": id, "draft_version": 1,
                    "verdict": "approve", "comment": "fine",
                    "client_time": "2026-12-01T10:00:00Z"}}
            ]}),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/drafts",
            Some(&alex),
            json!({"network": "x", "channel": "@care_example", "body": "On its way today.",
                   "urgency": "urgent", "scheduled_at": "2030-01-01T09:00:00Z",
                   "required_steps": [{"step": "review", "quorum": 2}],
                   "in_reply_to": {"author": "@cust", "text": "where is my parcel",
                                   "url": "https://x.com/cust/status/1"},
                   "media": [{"kind": "image", "url": "https://example.org/a.png",
                              "alt_text": "a parcel on a doorstep"}]}),
            StatusCode::CREATED,
        ),
        (
            "POST",
            "/api/v1/admin/channels",
            Some(&root),
            json!({"name": "care-threads", "network": "threads", "account": "@care_threads",
                   "team": "Care", "policy": [{"step": "review", "quorum": 1}]}),
            StatusCode::CREATED,
        ),
        (
            "PATCH",
            "/api/v1/admin/channels/brand-x",
            Some(&root),
            json!({"policy": [{"step": "review", "quorum": 1}, {"step": "legal"}]}),
            StatusCode::OK,
        ),
        (
            "PUT",
            "/api/v1/admin/channels/care-bluesky/routing",
            Some(&root),
            json!({"on_block": {"step": "review", "quorum": 2},
                   "fast_lane": [{"step": "review"}], "pre_approved_replies": true}),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/admin/crisis/on",
            Some(&root),
            json!({"reason": "Fire at the Leeds store", "channels": ["brand-x"]}),
            StatusCode::OK,
        ),
        (
            "PUT",
            "/api/v1/admin/policy/two-factor",
            Some(&root),
            json!({"roles": ["spokesperson"]}),
            StatusCode::OK,
        ),
        (
            "PUT",
            "/api/v1/admin/policy",
            Some(&root),
            json!({ "source": pack }),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/admin/replies",
            Some(&root),
            json!({"name": "on-its-way", "text": "Sorry {first_name}, it is on its way."}),
            StatusCode::CREATED,
        ),
        (
            "PATCH",
            &edit_path,
            Some(&alex),
            json!({"version": 1, "body": "Thanks for waiting: on its way."}),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/admin/users/rob/leave",
            Some(&root),
            json!({"handover": "rita"}),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/sessions/refresh",
            None,
            json!({"refresh_token": rita.refresh}),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/sessions",
            None,
            json!({"username": "rita", "password": PASSWORD}),
            StatusCode::OK,
        ),
    ];

    let mut refused = 0;
    for (method, path, token, body, accepted) in cases {
        let method: reqwest::Method = method.parse().unwrap();
        let mut pointers = vec![];
        objects(&body, String::new(), &mut pointers);
        let before = snapshot(&t, &[]);
        for pointer in &pointers {
            let mut bad = body.clone();
            bad.pointer_mut(pointer)
                .and_then(Value::as_object_mut)
                .unwrap()
                .insert("zz_unknown".into(), json!(1));
            let (status, answer) = t.call(method.clone(), path, token, Some(&bad)).await;
            let what = format!("{method} {path} with an unknown field at '{pointer}'");
            assert_refused(
                status,
                &answer,
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &what,
            );
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("zz_unknown")),
                "{what}: the message names the field: {answer}"
            );
            refused += 1;
        }
        assert_unchanged(&before, &snapshot(&t, &[]), &format!("{method} {path}"));
        // The same body without the unknown field is taken: the refusals were for that field.
        let (status, answer) = t.call(method.clone(), path, token, Some(&body)).await;
        assert_eq!(
            status, accepted,
            "{method} {path} as sent is valid: {answer}"
        );
    }
    assert_eq!(refused, 28, "every object of every body had a field added");
}

#[tokio::test]
async fn oversized_bodies_are_413_body_too_large_announced_or_chunked() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    draft_by(&t.server, org.alex, "A draft").await;
    let token = t.sign_in("rita").await.access;
    let limit = t.server.config().body_limit;
    let before = snapshot(&t, &[]);

    // A valid push padded past the limit.
    let comment = "a".repeat(limit);
    let body = json!({"client_id": client(), "mutations": [{"mutation_id": 1, "kind": "annotate",
        "annotation": {"id": uuid::Uuid::now_v7(), "draft_id": uuid::Uuid::now_v7(),
        "draft_version": 1, "body": comment}}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    for path in ["/api/v1/push", "/api/v1/drafts", "/api/v1/sessions"] {
        let (status, json) = post_bytes(
            &t,
            path,
            Some(&token),
            Some("application/json"),
            bytes.clone(),
        )
        .await;
        assert_refused(
            status,
            &json,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            path,
        );
    }

    // The same with no Content-Length: chunks until the limit is passed.
    let head = format!(
        "POST /api/v1/push HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    let mut chunked = Vec::new();
    for piece in bytes.chunks(64 * 1024) {
        chunked.extend(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend(piece);
        chunked.extend(b"\r\n");
    }
    chunked.extend(b"0\r\n\r\n");
    let (status, json) = raw_http(&t, &head, &chunked).await;
    assert_eq!(status, 413, "a chunked body past the limit: {json}");
    assert_eq!(error_code(&json), "body_too_large");

    assert_unchanged(&before, &snapshot(&t, &[]), "oversized bodies");
}

#[tokio::test]
async fn deep_invalid_or_ambiguous_json_is_400_invalid_json_and_changes_nothing() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "A draft").await;
    let token = t.sign_in("rita").await.access;
    let before = snapshot(&t, &[]);

    let deep = |levels: usize| {
        let mut body = format!("{{\"client_id\": \"{}\", \"mutations\": ", client()).into_bytes();
        body.extend(std::iter::repeat_n(b'[', levels));
        body.extend(std::iter::repeat_n(b']', levels));
        body.push(b'}');
        body
    };
    let decision = |version: &str, mutation_id: &str| {
        format!(
            "{{\"client_id\": \"{}\", \"mutations\": [{{\"mutation_id\": {mutation_id}, \
             \"kind\": \"decide\", \"decision\": {{\"id\": \"{}\", \"draft_id\": \"{}\", \
             \"draft_version\": {version}, \"verdict\": \"approve\"}}}}]}}",
            client(),
            uuid::Uuid::now_v7(),
            draft.id
        )
        .into_bytes()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("nested 200 deep", deep(200)),
        ("nested 500,000 deep", deep(500_000)),
        ("invalid UTF-8 in a string", {
            let mut b = decision("1", "1");
            let at = b.windows(7).position(|w| w == b"approve").unwrap();
            b.splice(at..at + 7, [0xff, 0xfe, b'a']);
            b
        }),
        ("an overlong UTF-8 encoding", {
            let mut b = decision("1", "1");
            let at = b.windows(7).position(|w| w == b"approve").unwrap();
            b.splice(at..at + 1, [0xc0, 0xaf]);
            b
        }),
        ("a lone surrogate escape", {
            let text = String::from_utf8(decision("1", "1")).unwrap();
            text.replace("approve", "appr\\ud800ove").into_bytes()
        }),
        ("a version past u64", decision("18446744073709551616", "1")),
        (
            "a version past i64::MAX",
            decision("9223372036854775808", "1"),
        ),
        (
            "a mutation id past i64::MAX",
            decision("1", "9223372036854775808"),
        ),
        ("a negative version", decision("-1", "1")),
        ("a fractional version", decision("1.5", "1")),
        ("two bodies in one", {
            let mut b = decision("1", "1");
            b.extend(decision("1", "2"));
            b
        }),
        ("a duplicated key", {
            let text = String::from_utf8(decision("1", "1")).unwrap();
            text.replacen(
                "\"mutation_id\": 1,",
                "\"mutation_id\": 1, \"mutation_id\": 1,",
                1,
            )
            .into_bytes()
        }),
        ("an empty body", vec![]),
        ("JSON null", b"null".to_vec()),
        ("a bare array", b"[]".to_vec()),
    ];
    for (what, body) in cases {
        let (status, json) = post_bytes(
            &t,
            "/api/v1/push",
            Some(&token),
            Some("application/json"),
            body,
        )
        .await;
        assert_refused(status, &json, StatusCode::BAD_REQUEST, "invalid_json", what);
    }
    assert_unchanged(&before, &snapshot(&t, &[]), "malformed JSON");

    // The control: the same decision, well-formed, applies.
    let (status, json) = post_bytes(
        &t,
        "/api/v1/push",
        Some(&token),
        Some("application/json"),
        decision("1", "1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["results"][0]["status"], "applied", "{json}");
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415_and_changes_nothing() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "A draft").await;
    let token = t.sign_in("rita").await.access;
    let body = serde_json::to_vec(&json!({"client_id": client(),
        "mutations": [decide(1, draft.id, 1, "approve")]}))
    .unwrap();
    let before = snapshot(&t, &[]);
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
        Some("application/json-seq"),
        Some("text/json"),
        Some("json"),
        Some(""),
    ] {
        let (status, json) =
            post_bytes(&t, "/api/v1/push", Some(&token), content_type, body.clone()).await;
        assert_refused(
            status,
            &json,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!("content type {content_type:?}"),
        );
    }
    assert_unchanged(&before, &snapshot(&t, &[]), "bodies that are not JSON");

    // JSON under its other spellings is taken: each push answers 200 (the first applies the
    // approval, the others are answered already_decided).
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.countersign+json",
    ] {
        let (status, json) = post_bytes(
            &t,
            "/api/v1/push",
            Some(&token),
            Some(content_type),
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{content_type} is JSON: {json}");
    }
}

#[tokio::test]
async fn a_huge_limit_is_clamped_and_a_cursor_past_i64_max_is_400() {
    let t = TestServer::start().await;
    countersign_server::demo::seed(&t.server, t.server.now())
        .await
        .unwrap();
    let token = t.sign_in_demo("hannah.okafor").await;
    let page = |query: String| {
        let (t, token) = (&t, &token);
        async move { t.get(&format!("/api/v1/changes?{query}"), token).await }
    };
    let (status, all) = page("limit=5000".into()).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let total = all["changes"].as_array().unwrap().len();
    assert!(total > 1, "the demo has drafts");
    for huge in [
        "5001",
        "4294967296",
        "18446744073709551615",
        "99999999999999999999999999999",
    ] {
        let (status, body) = page(format!("limit={huge}")).await;
        assert_eq!(status, StatusCode::OK, "limit={huge}: {body}");
        assert_eq!(
            body["changes"].as_array().unwrap().len(),
            total,
            "limit={huge} reads as 5000, like any limit above it"
        );
    }
    let (status, one) = page("limit=0".into()).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        one["changes"].as_array().unwrap().len(),
        1,
        "limit=0 reads as 1"
    );

    let before = snapshot(&t, &[]);
    for bad in ["-1", "1.5", "1e3", "abc", "", "+5", " 5", "0x10"] {
        let (status, body) = page(format!("limit={}", urlencode(bad))).await;
        assert_refused(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            &format!("limit={bad:?}"),
        );
    }
    for past in [
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
    ] {
        let (status, body) = page(format!("cursor={past}")).await;
        assert_refused(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            &format!("cursor={past}"),
        );
    }
    let (status, body) = page("cursor=1&cursor=2".into()).await;
    assert_refused(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "two cursors",
    );
    assert_unchanged(&before, &snapshot(&t, &[]), "bad queries");
}

/// Percent-encodes what a query value needs for these tests.
fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(' ', "%20")
}

#[tokio::test]
async fn forged_and_replayed_tokens_are_401_and_change_no_data() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let draft = draft_by(&t.server, org.alex, "A draft").await;
    let rita = t.sign_in("rita").await;
    let push = json!({"client_id": client(), "mutations": [decide(1, draft.id, 1, "approve")]});
    // Sessions and spent refresh tokens may change: a replay revokes the session by design,
    // and the audit log records it (`session_reused`).
    let auth_tables = [
        "sessions",
        "spent_refresh_tokens",
        "sign_in_failures",
        "audit_events",
    ];
    let before = snapshot(&t, &[]);

    // Forged access tokens: random, malformed, another scheme, a refresh token used as one.
    let forged = base64_like(43);
    for (what, header) in [
        ("a random token", format!("Bearer {forged}")),
        (
            "a token with a changed character",
            format!("Bearer {}x", &rita.access[..rita.access.len() - 1]),
        ),
        (
            "a refresh token as an access token",
            format!("Bearer {}", rita.refresh),
        ),
        ("basic auth", "Basic cml0YTpwYXNzd29yZA==".to_owned()),
        ("an empty bearer", "Bearer ".to_owned()),
        ("a huge token", format!("Bearer {}", "A".repeat(8 * 1024))),
    ] {
        let response = t
            .http
            .post(t.at("/api/v1/push"))
            .header("authorization", header)
            .json(&push)
            .send()
            .await
            .unwrap();
        let (status, json) = read(response).await;
        assert_refused(
            status,
            &json,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            what,
        );
    }
    assert_unchanged(&before, &snapshot(&t, &[]), "forged access tokens");

    // A forged refresh token.
    let (status, json) = t.refresh(&base64_like(43)).await;
    assert_refused(
        status,
        &json,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "a forged refresh token",
    );
    assert_unchanged(&before, &snapshot(&t, &[]), "a forged refresh token");

    // A replayed refresh token: spent, its successor spent too, then presented again. (Not
    // within the grace for a lost answer: that holds only while its pair is the current one.)
    let (status, first) = t.refresh(&rita.refresh).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, second) = t.refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let data = snapshot(&t, &auth_tables);
    let (status, json) = t.refresh(&rita.refresh).await;
    assert_refused(
        status,
        &json,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        "a replayed refresh token",
    );
    // The replay revoked the session: its newest access token pushes nothing.
    let newest = second["access_token"].as_str().unwrap();
    let (status, json) = t.post("/api/v1/push", newest, &push).await;
    assert_refused(
        status,
        &json,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        "the replayed session's token",
    );
    assert_unchanged(
        &data,
        &snapshot(&t, &auth_tables),
        "a replayed refresh token",
    );

    // An access token of a session signed out, and its refresh token.
    let bea = t.sign_in("bea").await;
    let (status, _) = t
        .call(
            reqwest::Method::DELETE,
            "/api/v1/sessions/current",
            Some(&bea.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let data = snapshot(&t, &auth_tables);
    let (status, json) = t.post("/api/v1/push", &bea.access, &push).await;
    assert_refused(
        status,
        &json,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        "a signed-out token",
    );
    let (status, json) = t.refresh(&bea.refresh).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a signed-out refresh token: {json}"
    );
    error_code(&json);
    assert_unchanged(
        &data,
        &snapshot(&t, &auth_tables),
        "a signed-out session's tokens",
    );

    // Nothing of the draft moved: the push refused each time was never applied.
    let stored = countersign_server::admin::draft(&t.server, draft.id)
        .await
        .unwrap();
    assert!(
        stored.approvals.is_empty(),
        "no approval may come from a refused token"
    );
}

/// `n` characters from the URL-safe base64 alphabet, not a token the server made.
fn base64_like(n: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..n)
        .map(|i| alphabet[(i * 37 + 11) % alphabet.len()] as char)
        .collect()
}

/// Found by the fuzz run: serde reads a struct from an array of its fields in order, so
/// `[null, null]` cleared a channel's routing and `["rita", password]` signed in.
#[tokio::test]
async fn a_body_that_is_an_array_where_an_object_belongs_is_400_and_changes_nothing() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let (status, routing) = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/channels/care-x/routing",
            &root,
            &json!({"fast_lane": [{"step": "review"}], "pre_approved_replies": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{routing}");
    let before = snapshot(&t, &[]);
    for (method, path, token, body) in [
        (
            reqwest::Method::PUT,
            "/api/v1/admin/channels/care-x/routing",
            Some(root.as_str()),
            json!([null, null]),
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/admin/channels/care-x/routing",
            Some(&root),
            json!({"on_block": ["legal", 1]}),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/sessions",
            None,
            json!(["rita", PASSWORD]),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/crisis/on",
            Some(&root),
            json!(["a fire", []]),
        ),
    ] {
        let (status, answer) = t.call(method.clone(), path, token, Some(&body)).await;
        let what = format!("{method} {path} with {body}");
        assert_refused(
            status,
            &answer,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            &what,
        );
    }
    assert_unchanged(&before, &snapshot(&t, &[]), "bodies that are arrays");
}

/// The other direction: the answers a desktop reads take a field a newer server adds, at any
/// depth, so only requests are strict. Each answer is a real one, with every optional
/// object filled in (media, the customer post, steps, approvals, an annotation with its
/// selectors, the directory, a conflict's draft).
#[tokio::test]
async fn every_answer_a_desktop_reads_takes_a_new_field_at_any_depth() {
    let t = TestServer::start().await;
    org(&t.server).await;
    crate::support::add_channel(
        &t.server,
        "care-threads",
        countersign_core::Network::Threads,
        "@care_threads",
        "Care",
        &["review:2"],
    )
    .await;
    let alex = t.sign_in("alex").await.access;
    let (status, draft) = t
        .post(
            "/api/v1/drafts",
            &alex,
            &json!({"network": "threads", "channel": "@care_threads",
                    "body": "Thanks for waiting, it ships today.",
                    "in_reply_to": {"author": "@cust", "text": "where is it", "url": "https://threads.net/@cust/1"},
                    "media": [{"kind": "image", "url": "https://example.org/a.png", "alt_text": "a parcel"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id: countersign_core::DraftId = draft["id"].as_str().unwrap().parse().unwrap();
    let rita = t.sign_in("rita").await.access;
    let client = client();
    let (status, page) = t
        .get(&format!("/api/v1/changes?client_id={client}"), &rita)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let results = t
        .push(
            &rita,
            &client,
            vec![
                json!({"mutation_id": 1, "kind": "annotate", "annotation": {
                    "id": uuid::Uuid::now_v7(), "draft_id": id, "draft_version": 1,
                    "body": "fine", "suggestion": "patience",
                    "target": {"quote": {"exact": "waiting", "prefix": "for ", "suffix": ","},
                               "position": {"start": 11, "end": 18}}}}),
                decide(2, id, 1, "approve"),
                decide(3, id, 7, "approve"),
            ],
        )
        .await;
    assert_eq!(results[1]["status"], "applied", "{results:?}");
    assert_eq!(results[2]["status"], "conflict", "{results:?}");
    let (_, push_answer) = t
        .post(
            "/api/v1/push",
            &rita,
            &json!({"client_id": client, "mutations": [decide(3, id, 7, "approve")]}),
        )
        .await;
    let (_, full) = t.get(&format!("/api/v1/drafts/{id}"), &rita).await;
    let (_, me) = t.get("/api/v1/me", &rita).await;
    let (_, channels) = t.get("/api/v1/channels", &rita).await;
    let (_, session) = t.sign_in_raw("rita", PASSWORD).await;
    assert!(
        page["directory"].is_object(),
        "the first page carries the directory: {page}"
    );
    assert!(
        !full["approvals"].as_array().unwrap().is_empty(),
        "an approval: {full}"
    );

    fn tolerant<T: serde::de::DeserializeOwned>(answer: &Value, what: &str) -> usize {
        serde_json::from_value::<T>(answer.clone())
            .unwrap_or_else(|e| panic!("{what} as the server sent it: {e}"));
        let mut pointers = vec![];
        objects(answer, String::new(), &mut pointers);
        for pointer in &pointers {
            let mut newer = answer.clone();
            newer
                .pointer_mut(pointer)
                .and_then(Value::as_object_mut)
                .unwrap()
                .insert("added_by_a_newer_server".into(), json!({"any": [1]}));
            if let Err(e) = serde_json::from_value::<T>(newer) {
                panic!("{what} with a new field at '{pointer}' must still read: {e}");
            }
        }
        pointers.len()
    }
    use countersign_core::wire::{ChangesResponse, ChannelView, PushResponse, SessionResponse};
    let objects_tried = tolerant::<ChangesResponse>(&page, "a changes page")
        + tolerant::<PushResponse>(&push_answer, "a push answer")
        + tolerant::<countersign_core::Draft>(&full, "a draft")
        + tolerant::<countersign_core::wire::SessionUser>(&me, "me")
        + tolerant::<Vec<ChannelView>>(&channels, "channels")
        + tolerant::<SessionResponse>(&session, "a sign-in");
    assert!(objects_tried > 40, "{objects_tried} objects tried");
}
