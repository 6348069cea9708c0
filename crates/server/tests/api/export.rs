//! `GET /api/v1/admin/drafts/export`: every draft with its full life, for administrators
//! only, streamed — versions with the hashes reviewers' receipts name, decisions, comments,
//! routing, who approved; CSV safe to open in a spreadsheet.

use crate::support::{TestServer, add_user, client, error_code, org};
use countersign_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A customer's e-mail address in a public reply: `personal_data.email`, which blocks.
const EMAIL: &str = "Hi Zoë, we’ve emailed you at zoe.jones@example.com with the details.";
/// Quotes, a comma and a newline: CSV must quote it and give it back exactly.
const QUOTED: &str = "Second try: \"soon\", we said.\nAnd a second line.";
/// A formula a spreadsheet would run (OWASP's CSV injection example).
const FORMULA: &str = "=cmd|' /C calc'!A0";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The export's body as text, with its status and content type.
async fn export(t: &TestServer, token: Option<&str>, query: &str) -> (StatusCode, String, String) {
    let mut request = t
        .http
        .get(t.at(&format!("/api/v1/admin/drafts/export{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

/// The JSON export as root.
async fn drafts(t: &TestServer, root: &str, query: &str) -> Vec<Value> {
    let (status, kind, body) = export(t, Some(root), query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(kind, "application/json");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("a JSON array ({e}): {body}"))
}

/// A decision as pushed: on `(draft, version)`, `verdict` with `comment` and
/// `override_reason`.
fn decision(
    (draft, version): (&str, u64),
    verdict: &str,
    comment: &str,
    override_reason: Option<&str>,
) -> Value {
    json!({"id": uuid::Uuid::now_v7(), "draft_id": draft, "draft_version": version,
        "verdict": verdict, "comment": comment, "override_reason": override_reason})
}

/// `token` pushes `decision` as mutation `id` from `desk`; it must apply.
async fn decide(t: &TestServer, token: &str, desk: &str, id: u64, decision: Value) {
    let mutation = json!({"mutation_id": id, "kind": "decide", "decision": decision});
    let results = t.push(token, desk, vec![mutation]).await;
    assert_eq!(results[0]["status"], "applied", "{results:?}");
}

async fn write(t: &TestServer, alex: &str, body: &str) -> Value {
    let request = json!({"network": "x", "channel": "@care_example", "body": body});
    let (status, draft) = t.post("/api/v1/drafts", alex, &request).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    draft
}

async fn edit(t: &TestServer, alex: &str, id: &str, version: u64, body: &str) {
    let path = format!("/api/v1/drafts/{id}");
    let (status, edited) = t
        .send(
            Method::PATCH,
            &path,
            alex,
            &json!({"version": version, "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
}

#[tokio::test]
async fn a_draft_edited_twice_decided_commented_routed_and_approved_shows_its_whole_life() {
    let t = TestServer::start().await;
    org(&t.server).await;
    add_user(&t.server, "lena", &[Role::Reviewer], &["legal"], &["Care"]).await;
    let root = t.sign_in("root").await.access;
    let alex = t.sign_in("alex").await.access;
    let rita = t.sign_in("rita").await.access;
    let rob = t.sign_in("rob").await.access;
    let lena = t.sign_in("lena").await.access;
    let route = json!({"on_block": {"step": "legal"}});
    let (status, body) = t
        .send(
            Method::PUT,
            "/api/v1/admin/channels/care-x/routing",
            &root,
            &route,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let first = "Our first text";
    let draft = write(&t, &alex, first).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let desk = client();
    let changes = decision((&id, 1), "request_changes", "too vague", None);
    decide(&t, &rita, &desk, 1, changes).await;
    let comment = json!({"mutation_id": 2, "kind": "annotate", "annotation": {
        "id": uuid::Uuid::now_v7(), "draft_id": id, "draft_version": 1, "body": "say when"}});
    t.push(&rita, &desk, vec![comment]).await;
    edit(&t, &alex, &id, 1, QUOTED).await;
    let changes = decision((&id, 2), "request_changes", "no address?", None);
    decide(&t, &rob, &client(), 1, changes).await;
    // The third text blocks (an e-mail address): the channel's routing adds a legal step.
    edit(&t, &alex, &id, 2, EMAIL).await;
    let reason = "The customer asked us to confirm the address in public";
    let review = decision((&id, 3), "approve", "", Some(reason));
    decide(&t, &rita, &desk, 3, review).await;
    let legal = decision((&id, 3), "approve", "ok", Some(reason));
    decide(&t, &lena, &client(), 1, legal).await;
    let withdrawn = write(&t, &alex, "Taken back").await;
    let withdrawn_id = withdrawn["id"].as_str().unwrap().to_owned();
    let (status, _) = t
        .post(
            &format!("/api/v1/drafts/{withdrawn_id}/withdraw"),
            &alex,
            &json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let all = drafts(&t, &root, "").await;
    assert_eq!(all.len(), 2, "both drafts: {all:?}");
    let life = all.iter().find(|d| d["id"] == json!(id)).unwrap();
    assert_eq!(life["status"], "approved");
    assert_eq!(
        (&life["channel"], &life["team"]),
        (&json!("care-x"), &json!("Care"))
    );
    let versions: Vec<(u64, String, String)> = life["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["body"].as_str().unwrap().to_owned(),
                v["content_sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, first.to_owned(), sha256(first)),
            (2, QUOTED.to_owned(), sha256(QUOTED)),
            (3, EMAIL.to_owned(), sha256(EMAIL)),
        ],
        "every version, its exact text and the SHA-256 of it"
    );
    assert_eq!(life["versions"][0]["origin"], "created");
    assert_eq!(life["versions"][2]["origin"], "edited");
    assert_eq!(life["versions"][2]["written_by"]["username"], "alex");
    let decisions: Vec<(String, u64, String, String, Value)> = life["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["by"]["username"].as_str().unwrap().to_owned(),
                d["version"].as_u64().unwrap(),
                d["verdict"].as_str().unwrap().to_owned(),
                d["content_sha256"].as_str().unwrap().to_owned(),
                d["override_reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        decisions,
        vec![
            (
                "rita".into(),
                1,
                "request_changes".into(),
                sha256(first),
                Value::Null
            ),
            (
                "rob".into(),
                2,
                "request_changes".into(),
                sha256(QUOTED),
                Value::Null
            ),
            (
                "rita".into(),
                3,
                "approve".into(),
                sha256(EMAIL),
                json!(reason)
            ),
            (
                "lena".into(),
                3,
                "approve".into(),
                sha256(EMAIL),
                json!(reason)
            ),
        ],
        "every decision, on the text it was made on"
    );
    assert_eq!(life["decisions"][0]["comment"], "too vague");
    assert_eq!(life["comments"].as_array().unwrap().len(), 1);
    assert_eq!(life["comments"][0]["annotation"]["body"], "say when");
    assert_eq!(life["comments"][0]["content_sha256"], json!(sha256(first)));
    let routed: Vec<&Value> = life["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "routed")
        .collect();
    assert!(
        routed
            .iter()
            .any(|e| e["version"] == 3
                && e["route"] == json!({"kind": "escalated", "step": "legal"})),
        "the routing of the blocking version is in the events: {routed:?}"
    );
    let approvers: Vec<(&str, &str)> = life["approved"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["by"]["username"].as_str().unwrap(),
                a["step"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(approvers, vec![("rita", "review"), ("lena", "legal")]);
    assert_eq!(life["approved"]["version"], 3);
    assert_eq!(life["approved"]["content_sha256"], json!(sha256(EMAIL)));
    assert_eq!(
        life["findings"]["pack_version"], 0,
        "the built-in pack judged it"
    );
    assert!(
        life["findings"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "personal_data.email" && f["severity"] == "block"),
        "the current version's findings: {}",
        life["findings"]
    );
    let gone = all.iter().find(|d| d["id"] == json!(withdrawn_id)).unwrap();
    assert_eq!(gone["status"], "withdrawn");
    assert!(
        gone["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "withdrawn"),
        "the withdrawal is in its events: {gone}"
    );
    assert_eq!(gone["approved"], Value::Null);

    let only = drafts(&t, &root, "?status=withdrawn").await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["id"], json!(withdrawn_id));
    assert!(drafts(&t, &root, "?channel=care-bluesky").await.is_empty());
    assert_eq!(
        drafts(&t, &root, "?team=Care&from=2000-01-01").await.len(),
        2
    );
    assert!(drafts(&t, &root, "?to=2000-01-01").await.is_empty());
}

#[tokio::test]
async fn csv_has_a_row_per_version_keeps_hostile_text_intact_and_defuses_formulas() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let root = t.sign_in("root").await.access;
    let alex = t.sign_in("alex").await.access;
    let draft = write(&t, &alex, FORMULA).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    edit(&t, &alex, &id, 1, QUOTED).await;
    edit(&t, &alex, &id, 2, "@everyone +1 -1").await;

    let (status, kind, body) = export(&t, Some(&root), "?format=csv").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cells: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                &r[column("version")],
                &r[column("body")],
                &r[column("content_sha256")],
            )
        })
        .collect();
    let (h1, h2, h3) = (sha256(FORMULA), sha256(QUOTED), sha256("@everyone +1 -1"));
    assert_eq!(
        cells,
        vec![
            ("1", &*format!("'{FORMULA}"), &*h1),
            ("2", QUOTED, &*h2),
            ("3", "'@everyone +1 -1", &*h3),
        ],
        "one row per version; a formula gets a leading quote, quotes and newlines survive, \
         and the hash is of the text as written"
    );
    assert!(
        rows.iter()
            .flat_map(|r| r.iter())
            .all(|cell| !cell.starts_with(['=', '+', '-', '@'])),
        "no cell starts a formula"
    );

    // The JSON export carries the text exactly as written.
    let json = drafts(&t, &root, "?format=json").await;
    assert_eq!(json[0]["versions"][0]["body"], FORMULA);
}

#[tokio::test]
async fn only_administrators_export_and_bad_filters_are_refused() {
    let t = TestServer::start().await;
    org(&t.server).await;
    let rita = t.sign_in("rita").await.access;
    let root = t.sign_in("root").await.access;
    let (status, _, body) = export(&t, Some(&rita), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error_code(&body), "forbidden");
    let (status, _, _) = export(&t, None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (query, status) in [
        ("?from=yesterday", StatusCode::BAD_REQUEST),
        ("?from=2026-12-03&to=2026-12-01", StatusCode::BAD_REQUEST),
        ("?format=xlsx", StatusCode::BAD_REQUEST),
        ("?status=lost", StatusCode::BAD_REQUEST),
        ("?everything=1", StatusCode::BAD_REQUEST),
        ("?team=Nobody", StatusCode::NOT_FOUND),
        ("?channel=nowhere", StatusCode::NOT_FOUND),
    ] {
        let (got, kind, body) = export(&t, Some(&root), query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(kind, "application/json", "{query}: the JSON error shape");
    }

    // Only the export that ran is on the record: by root, through the API, from root's
    // session, with its filters.
    let (status, _, _) = export(&t, Some(&root), "?status=approved&format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = t.get("/api/v1/admin/audit", &root).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let exports: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "drafts_exported")
        .collect();
    assert_eq!(
        exports.len(),
        1,
        "refused exports are not exports: {exports:?}"
    );
    let event = exports[0];
    assert_eq!(event["actor"]["username"], "root");
    assert_eq!(event["via"], "api");
    assert!(event["session"].is_string(), "{event}");
    assert_eq!(
        (&event["detail"]["format"], &event["detail"]["status"]),
        (&json!("csv"), &json!("approved"))
    );
}

#[tokio::test]
async fn an_export_of_many_drafts_streams_every_one_of_them_once() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    // More than two pages of the export's page size.
    let count = countersign_server::export::PAGE * 2 + 37;
    let mut written = std::collections::BTreeSet::new();
    for i in 0..count {
        let draft =
            crate::support::draft_on(&t.server, org.alex, "care-x", &format!("No. {i}")).await;
        written.insert(draft.id.to_string());
    }
    let root = t.sign_in("root").await.access;
    let all = drafts(&t, &root, "").await;
    let ids: Vec<String> = all
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), count, "every draft, none twice");
    assert_eq!(
        ids.iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        written
    );
    let (status, _, csv) = export(&t, Some(&root), "?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(rows, count, "one row per draft (each has one version)");
}

#[tokio::test]
async fn the_cli_exports_to_a_private_file_or_stdout_and_refuses_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let server = countersign_server::open(countersign_server::ServerConfig::new(dir.path()))
        .await
        .unwrap();
    let org = org(&server).await;
    let draft = crate::support::draft_on(&server, org.alex, "care-x", FORMULA).await;
    let data = dir.path().to_str().unwrap();
    let file = dir.path().join("drafts.csv");
    let (ok, out) = crate::binary::cli(
        &[
            "drafts",
            "export",
            "--format",
            "csv",
            "--team",
            "Care",
            "--out",
            file.to_str().unwrap(),
            "--data-dir",
            data,
        ],
        None,
    );
    assert!(ok, "{out}");
    let csv = std::fs::read_to_string(&file).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert_eq!(&rows[0][0], draft.id.to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "every communication, readable by the operator only"
        );
    }

    let (ok, out) = crate::binary::cli(&["drafts", "export", "--data-dir", data], None);
    assert!(ok, "{out}");
    let json: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(json[0]["versions"][0]["body"], FORMULA);

    let (ok, out) = crate::binary::cli(
        &[
            "drafts",
            "export",
            "--channel",
            "nowhere",
            "--data-dir",
            data,
        ],
        None,
    );
    assert!(!ok, "an unknown channel fails: {out}");
    assert!(out.contains("nowhere"), "and says which: {out}");
    let (ok, out) = crate::binary::cli(
        &[
            "drafts",
            "export",
            "--from",
            "last week",
            "--data-dir",
            data,
        ],
        None,
    );
    assert!(!ok && out.contains("--from"), "{out}");
}

#[tokio::test]
async fn an_approved_draft_shows_when_its_webhook_handed_it_over_and_when_it_went_out() {
    let t = TestServer::with(|config| {
        // The first attempt goes out at once; the queue is looked at often.
        config.webhooks.poll = std::time::Duration::from_millis(50);
    })
    .await;
    let org = org(&t.server).await;
    // A publishing tool that takes every delivery.
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let root = t.sign_in("root").await.access;
    let (status, added) = t
        .post("/api/v1/admin/webhooks", &root, &json!({"url": url}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");

    let body = "Out of the door today.";
    let draft = crate::support::draft_on(&t.server, org.alex, "care-x", body).await;
    let id = draft.id.to_string();
    let rita = t.sign_in("rita").await.access;
    decide(
        &t,
        &rita,
        &client(),
        1,
        decision((&id, 1), "approve", "", None),
    )
    .await;

    let mut handed = Value::Null;
    for _ in 0..400 {
        let all = drafts(&t, &root, "").await;
        handed = all[0]["handed_to_publishing"].clone();
        if handed[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(handed.as_array().map(Vec::len), Some(1), "{handed}");
    assert_eq!(handed[0]["status"], "delivered", "{handed}");
    assert_eq!(handed[0]["version"], 1);
    assert_eq!(handed[0]["content_sha256"], json!(sha256(body)));
    assert_eq!(handed[0]["webhook_id"], added["id"]);
    assert!(handed[0]["delivered_at"].is_string(), "{handed}");

    let report = json!({"url": "https://x.com/care_example/status/1"});
    let (status, reported) = t
        .post(&format!("/api/v1/drafts/{id}/published"), &root, &report)
        .await;
    assert_eq!(status, StatusCode::OK, "{reported}");
    let all = drafts(&t, &root, "?format=json").await;
    assert_eq!(all[0]["status"], "published");
    assert_eq!(all[0]["published"]["by"]["username"], "root");
    assert_eq!(all[0]["published"]["url"], report["url"]);
    assert_eq!(
        all[0]["approved"]["approvals"][0]["by"]["username"], "rita",
        "a published draft still says who approved it"
    );
    let (_, _, csv) = export(&t, Some(&root), "?format=csv").await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_owned();
    assert!(
        cell("handed_to_publishing").starts_with("delivered 20"),
        "{csv}"
    );
    assert!(!cell("published_at").is_empty(), "{csv}");
}
