//! A hostile server at the desktop. A small loopback HTTP server stands where the desktop
//! thinks its server is: it passes sign-in through to the real server (so the desktop has
//! a real session, cache and outbox) and, on demand, speaks the protocol wrongly on
//! purpose — a field of the wrong type or missing, a 10 MB answer, an answer that never
//! ends, a cursor that goes back or stands still, a redirect, a draft of a team the
//! reviewer is not on, a draft listed twice, a push answer for a mutation never sent or
//! about another draft, an error body full of direction overrides.
//!
//! For each: the reviewer gets a clear error (naming the server and what was wrong, without
//! the parser's noise), the cache and the outbox are exactly as before, and once the server
//! behaves again the same desktop syncs and every decision applies exactly once.

use crate::support::{Desktop, Http, Keys, PASSWORD, TestServer, decided_count};
use countersign_app::AppError;
use countersign_core::{Draft, DraftId, TeamId, Verdict};
use countersign_store::{Cache, CacheKey};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const MIB: usize = 1024 * 1024;
/// Far more than any sync of these tests needs; a sync that hangs fails here instead.
const SYNC_DEADLINE: Duration = Duration::from_secs(60);
/// How much of an endless answer the hostile server writes before it gives up: far past
/// the desktop's limit, so a desktop that read without one would end with a parse error
/// (or run out of memory) rather than the size error the test expects.
const ENDLESS_GIVES_UP_AT: u64 = 256 * MIB as u64;

/// What the hostile server does to an answer.
#[derive(Clone, Debug)]
enum Trick {
    /// The first change's `draft.version` becomes a string.
    WrongType,
    /// The first change's draft loses its `id`.
    MissingField,
    /// A 10 MB answer, its length declared.
    TenMegabytes,
    /// An answer that never ends (chunked, no length).
    Endless,
    /// `next_cursor` one behind the cursor asked with.
    CursorBack,
    /// `has_more` with the cursor asked with: pulling again would loop for ever.
    CursorStuck,
    /// One more draft, of another team.
    ForeignDraft(TeamId),
    /// The first draft twice, the second time with another body.
    DuplicateDiffering,
    /// A 400 whose error sentence is 50 KB of script, direction overrides and newlines.
    NoisyRefusal,
    /// A 307 to another address.
    Redirect(String),
    /// The last push result answers a mutation id never sent.
    PushNeverSent,
    /// One more push result than mutations sent.
    PushExtraResult,
    /// The first push result becomes a conflict carrying another draft.
    PushOtherDraft(Value),
    /// The answer carries one more draft, which no mutation sent is about.
    PushStrayDraft(Value),
    /// A sign-in answer whose `expires_in` is a word and whose `user` lost its `roles`.
    SessionWrongType,
    /// The first push result's status becomes a number.
    PushWrongType,
    /// Answers over 9 MiB when the page asked for is larger than this many drafts (a
    /// legitimate server without a page budget, whose drafts are big).
    BigPagesAbove(u32),
    /// Answers over 9 MiB when the push has more than this many mutations.
    BigPushAbove(usize),
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    /// The trick and the path prefix it applies to.
    trick: Mutex<Option<(&'static str, Trick)>>,
    /// Body bytes the hostile server wrote for tricked answers.
    written: AtomicU64,
    /// The `limit` of every changes request and the size of every push, in order.
    seen: Mutex<Vec<String>>,
}

/// The hostile server; stops when dropped.
struct Hostile {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Hostile {
    async fn start(upstream: String) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Shared {
            upstream,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            trick: Mutex::new(None),
            written: AtomicU64::new(0),
            seen: Mutex::default(),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = Arc::clone(&serving);
                tokio::spawn(async move {
                    let _ = answer(stream, &shared).await;
                });
            }
        });
        Hostile { url, shared, task }
    }

    /// Plays `trick` on every answer to a path starting with `path` until cleared.
    fn set(&self, path: &'static str, trick: Trick) {
        *self.shared.trick.lock().expect("lock") = Some((path, trick));
        self.shared.written.store(0, Ordering::SeqCst);
        self.shared.seen.lock().expect("lock").clear();
    }

    fn clear(&self) {
        *self.shared.trick.lock().expect("lock") = None;
    }

    fn written(&self) -> u64 {
        self.shared.written.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<String> {
        self.shared.seen.lock().expect("lock").clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request: read it, forward it to the real server, play the trick on the answer.
async fn answer(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let Some((method, target, headers, body)) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let trick = shared
        .trick
        .lock()
        .expect("lock")
        .clone()
        .filter(|(path, _)| target.starts_with(path))
        .map(|(_, trick)| trick);
    note(shared, &target, &body);

    if let Some(Trick::Redirect(to)) = &trick {
        let head = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}{target}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        return stream.write_all(head.as_bytes()).await;
    }
    if let Some(Trick::Endless) = &trick {
        return endless(&mut stream, shared).await;
    }
    let (status, upstream_body) = forward(shared, &method, &target, &headers, body).await;
    let (status, bytes) = match trick {
        Some(trick) if status == 200 => play(trick, &target, upstream_body),
        _ => (status, upstream_body),
    };
    shared
        .written
        .fetch_add(bytes.len() as u64, Ordering::SeqCst);
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

fn note(shared: &Shared, target: &str, body: &[u8]) {
    let mut seen = shared.seen.lock().expect("lock");
    if target.starts_with("/api/v1/changes") {
        let limit = query_param(target, "limit").unwrap_or_default();
        seen.push(format!("changes {limit}"));
    } else if target.starts_with("/api/v1/push") {
        let pushed: Value = serde_json::from_slice(body).unwrap_or_default();
        let n = pushed["mutations"].as_array().map_or(0, Vec::len);
        seen.push(format!("push {n}"));
    }
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_string())
    })
}

/// The first upserted draft of a changes page.
fn first_draft(v: &mut Value) -> &mut Value {
    v["changes"]
        .as_array_mut()
        .and_then(|c| c.iter_mut().find(|c| c["kind"] == "upsert"))
        .map(|c| &mut c["draft"])
        .expect("the page has a draft to play with")
}

/// Rewrites a real answer. Returns the status and body to send.
fn play(trick: Trick, target: &str, real: Vec<u8>) -> (u16, Vec<u8>) {
    let mut v: Value = serde_json::from_slice(&real).expect("the real server answers JSON");
    match trick {
        Trick::WrongType => first_draft(&mut v)["version"] = json!("seven"),
        Trick::MissingField => {
            first_draft(&mut v)
                .as_object_mut()
                .expect("a draft object")
                .remove("id");
        }
        Trick::TenMegabytes => return (200, padded(&v, 10_000_000)),
        Trick::CursorBack => {
            let sent: u64 = query_param(target, "cursor")
                .and_then(|c| c.parse().ok())
                .expect("a cursor to go back from");
            v["next_cursor"] = json!((sent - 1).to_string());
        }
        Trick::CursorStuck => {
            v["next_cursor"] = json!(query_param(target, "cursor").expect("a cursor"));
            v["has_more"] = json!(true);
        }
        Trick::ForeignDraft(team) => {
            let mut foreign = first_draft(&mut v).clone();
            foreign["id"] = json!(uuid::Uuid::now_v7());
            foreign["team"] = json!(team);
            foreign["channel_id"] = Value::Null;
            foreign["body"] = json!("Investor update: results are out at 7am.");
            push_change(&mut v, json!({"kind": "upsert", "draft": foreign}));
        }
        Trick::DuplicateDiffering => {
            let mut twin = first_draft(&mut v).clone();
            twin["body"] = json!("The same draft, other words.");
            push_change(&mut v, json!({"kind": "upsert", "draft": twin}));
        }
        Trick::NoisyRefusal => {
            let message = format!(
                "<script>window.pwned=1</script>\u{202E}gnirts desrever\u{200B}\n{}",
                "x".repeat(50_000)
            );
            let body = json!({"error": {"code": "no\u{202E}pe", "message": message}});
            return (400, body.to_string().into_bytes());
        }
        Trick::PushNeverSent => {
            let results = v["results"].as_array_mut().expect("results");
            let last = results.last_mut().expect("a result");
            last["mutation_id"] = json!(last["mutation_id"].as_u64().unwrap_or(0) + 1000);
        }
        Trick::PushExtraResult => {
            let results = v["results"].as_array_mut().expect("results");
            let next = results.len() as u64 + 1000;
            results.push(json!({"mutation_id": next, "status": "applied"}));
        }
        Trick::PushOtherDraft(other) => {
            let first = &mut v["results"][0];
            first["status"] = json!("conflict");
            first["reason"] = json!("stale_version");
            first["draft"] = other;
        }
        Trick::PushStrayDraft(other) => v["drafts"] = json!([other]),
        Trick::PushWrongType => v["results"][0]["status"] = json!(5),
        Trick::SessionWrongType => {
            v["expires_in"] = json!("soon");
            if let Some(user) = v["user"].as_object_mut() {
                user.remove("roles");
            }
        }
        Trick::BigPagesAbove(max) => {
            let limit: u32 = query_param(target, "limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(u32::MAX);
            if limit > max {
                return (200, padded(&v, 9 * MIB));
            }
        }
        Trick::BigPushAbove(max) => {
            // The request is not at hand here; the answer has one result per mutation.
            if v["results"].as_array().map_or(0, Vec::len) > max {
                return (200, padded(&v, 9 * MIB));
            }
        }
        Trick::Endless | Trick::Redirect(_) => unreachable!("answered before forwarding"),
    }
    (200, v.to_string().into_bytes())
}

fn push_change(page: &mut Value, change: Value) {
    page["changes"]
        .as_array_mut()
        .expect("changes")
        .push(change);
}

/// `answer` with an unknown `padding` field (answers accept unknown fields) making it
/// exactly `size` bytes: valid, and too big.
fn padded(answer: &Value, size: usize) -> Vec<u8> {
    let mut v = answer.clone();
    v["padding"] = json!("");
    let bare = v.to_string().len();
    v["padding"] = json!("x".repeat(size.saturating_sub(bare)));
    v.to_string().into_bytes()
}

/// A 200 whose chunked body starts like a changes page and never ends (until
/// [`ENDLESS_GIVES_UP_AT`], then it ends as valid JSON).
async fn endless(stream: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await?;
    let start =
        br#"{"changes":[],"next_cursor":"1","has_more":false,"last_mutation_id":0,"padding":""#;
    let filler = vec![b'x'; 64 * 1024];
    let chunk = |data: &[u8]| {
        let mut out = format!("{:x}\r\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    };
    stream.write_all(&chunk(start)).await?;
    while shared.written.load(Ordering::SeqCst) < ENDLESS_GIVES_UP_AT {
        stream.write_all(&chunk(&filler)).await?;
        shared
            .written
            .fetch_add(filler.len() as u64, Ordering::SeqCst);
    }
    stream.write_all(&chunk(b"\"}")).await?;
    stream.write_all(b"0\r\n\r\n").await
}

type Request = (String, String, Vec<(String, String)>, Vec<u8>);

/// Reads one request: its method, target, the headers the server needs, and its body.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or_default().split(' ');
    let method = start.next().unwrap_or_default().to_string();
    let target = start.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    let mut length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
        if name == "content-length" {
            length = value.parse().unwrap_or(0);
        }
        if matches!(name.as_str(), "authorization" | "content-type") {
            headers.push((name, value));
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some((method, target, headers, body)))
}

async fn forward(
    shared: &Shared,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut call = shared
        .http
        .request(method, format!("{}{target}", shared.upstream))
        .body(body);
    for (name, value) in headers {
        call = call.header(name, value);
    }
    let response = call.send().await.expect("the real server answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("the real answer").to_vec();
    (status, bytes)
}

/// Counts connections to an address a redirect points at; nothing should ever arrive.
struct Elsewhere {
    url: String,
    hits: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Elsewhere {
    async fn start() -> Elsewhere {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let hits = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&hits);
        let task = tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        Elsewhere { url, hits, task }
    }
}

impl Drop for Elsewhere {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Everything a hostile answer must leave as it was, read from the cache file itself.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cursor: Option<String>,
    directory: Value,
    drafts: Vec<Value>,
    conflicts: Value,
    /// Outbox rows: unanswered plus answered-but-not-yet-confirmed.
    pending: u64,
    /// The outbox rows still waiting for the server's answer, as they would be pushed.
    unanswered: Value,
    policy_pack: Option<(u64, String)>,
}

impl Snapshot {
    async fn of(desktop: &Desktop, ids: &[DraftId]) -> Snapshot {
        let key = desktop
            .keychain
            .get("cache-key")
            .expect("keychain")
            .expect("a cache key");
        let key = CacheKey::from_hex(key.expose()).expect("a key");
        let path = desktop.data_dir().join("cache.db");
        let ids = ids.to_vec();
        tokio::task::spawn_blocking(move || {
            let cache = Cache::open(&path, &key).expect("open the cache beside the app");
            let drafts = ids
                .iter()
                .map(|id| json!(cache.draft(*id).expect("read a draft")))
                .collect();
            Snapshot {
                cursor: cache.cursor().expect("cursor"),
                directory: json!(cache.directory().expect("directory")),
                drafts,
                conflicts: json!(cache.conflicts().expect("conflicts")),
                pending: cache.pending_count().expect("pending"),
                unanswered: json!(cache.unanswered(1000).expect("outbox")),
                policy_pack: cache.policy_pack().expect("policy pack"),
            }
        })
        .await
        .expect("snapshot task")
    }

    /// As before a sync whose push went through (the real server answered it) and whose
    /// pull was refused: only the outbox's answered marks may differ.
    fn without_answers(&self) -> Snapshot {
        Snapshot {
            unanswered: Value::Null,
            cursor: self.cursor.clone(),
            directory: self.directory.clone(),
            drafts: self.drafts.clone(),
            conflicts: self.conflicts.clone(),
            pending: self.pending,
            policy_pack: self.policy_pack.clone(),
        }
    }
}

/// A reviewer's desktop signed in through the hostile server, its first sync done.
struct Scene {
    server: TestServer,
    hostile: Hostile,
    desktop: Desktop,
    author: Http,
    /// Every draft the author wrote, to look up in the cache.
    ids: Vec<DraftId>,
}

impl Scene {
    async fn new() -> Scene {
        let server = TestServer::start().await;
        let hostile = Hostile::start(server.url()).await;
        let desktop = Desktop::new(Keys::Memory).await;
        desktop.sign_in(&hostile.url, "rita").await;
        let author = server.session("alex").await;
        let mut scene = Scene {
            server,
            hostile,
            desktop,
            author,
            ids: vec![],
        };
        scene
            .write_draft("A first reply: thanks for getting in touch.")
            .await;
        scene
            .sync()
            .await
            .expect("the first sync, nothing hostile yet");
        scene
    }

    async fn write_draft(&mut self, body: &str) -> Draft {
        let draft = self.author.create_draft(body, &["review"]).await;
        self.ids.push(draft.id);
        draft
    }

    async fn sync(&self) -> Result<countersign_app::SyncReport, AppError> {
        tokio::time::timeout(SYNC_DEADLINE, self.desktop.app.sync_now())
            .await
            .expect("a sync ends, whatever the server does")
    }

    /// A decision waiting in the outbox on a draft just written and synced.
    async fn decision_waiting(&mut self, n: usize) -> DraftId {
        self.decisions_waiting(n, 1).await[0]
    }

    /// `count` decisions waiting in the outbox, on drafts just written and synced.
    async fn decisions_waiting(&mut self, n: usize, count: usize) -> Vec<DraftId> {
        let mut ids = Vec::new();
        for k in 0..count {
            let body = format!("Reply {n}.{k}: your refund is on its way.");
            ids.push(self.write_draft(&body).await.id);
        }
        self.sync().await.expect("a clean sync");
        for id in &ids {
            self.desktop
                .app
                .decide(*id, Verdict::Approve, "", None)
                .await
                .expect("approve");
        }
        ids
    }

    async fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.desktop, &self.ids).await
    }

    /// After the server behaves again: the sync goes through, the decisions each apply
    /// exactly once, and the cache holds every draft the author wrote.
    async fn recovers(&self, decided: &[DraftId], case: &str) {
        self.hostile.clear();
        self.sync()
            .await
            .unwrap_or_else(|e| panic!("{case}: syncs once the server behaves: {e}"));
        for id in decided {
            assert_eq!(
                decided_count(&self.server.draft(*id).await),
                1,
                "{case}: the decision on {id} applied exactly once"
            );
        }
        assert_eq!(
            self.desktop.pending().await,
            0,
            "{case}: the outbox drained"
        );
        let after = self.snapshot().await;
        assert!(
            after.drafts.iter().all(|d| !d.is_null()),
            "{case}: every draft the author wrote is in the cache"
        );
    }
}

/// The reviewer-facing error of a refused answer: the right code, the server named, the
/// expected words, and none of the parser's noise or the server's tricks.
async fn assert_clear_error(scene: &Scene, error: &AppError, code: &str, words: &str, case: &str) {
    let message = error.to_string();
    assert_eq!(error.code(), code, "{case}: code of {message:?}");
    assert!(
        message.contains(&scene.hostile.url),
        "{case}: names the server: {message}"
    );
    assert!(message.contains(words), "{case}: says {words:?}: {message}");
    for noise in [
        "line 1",
        "column",
        "invalid type",
        "expected",
        "\u{202E}",
        "\n",
    ] {
        assert!(
            !message.contains(noise),
            "{case}: no parser noise or control text ({noise:?}): {message}"
        );
    }
    assert!(
        message.chars().count() < 600,
        "{case}: a sentence, not a page ({} chars)",
        message.chars().count()
    );
    let status = scene.desktop.app.status().await.expect("status");
    assert_eq!(
        status.last_error.as_deref(),
        Some(message.as_str()),
        "{case}: the status line says the same"
    );
    assert_eq!(
        status.online,
        Some(true),
        "{case}: the server was reached: not shown as offline"
    );
}

#[tokio::test]
async fn a_hostile_changes_page_gets_a_clear_error_and_leaves_the_cache_and_outbox_as_they_were() {
    let mut scene = Scene::new().await;
    let other_team =
        countersign_server::admin::team_named(&scene.server.server, "Investor Relations")
            .await
            .expect("the other team")
            .id;
    let limit = format!(
        "more than {} MiB",
        countersign_sync::client::ANSWER_LIMIT / MIB
    );
    let cases: Vec<(&str, Trick, &str, &str)> = vec![
        (
            "wrong type",
            Trick::WrongType,
            "bad_server_answer",
            "`changes[0].draft.version` has the wrong type",
        ),
        (
            "missing field",
            Trick::MissingField,
            "bad_server_answer",
            "`changes[0].draft.id` is missing",
        ),
        (
            "10 MB answer",
            Trick::TenMegabytes,
            "bad_server_answer",
            &limit,
        ),
        (
            "endless answer",
            Trick::Endless,
            "bad_server_answer",
            &limit,
        ),
        (
            "cursor back",
            Trick::CursorBack,
            "bad_server_answer",
            "goes back",
        ),
        (
            "cursor stuck",
            Trick::CursorStuck,
            "bad_server_answer",
            "does not move on",
        ),
        (
            "another team's draft",
            Trick::ForeignDraft(other_team),
            "bad_server_answer",
            "do not review for",
        ),
        (
            "a draft twice",
            Trick::DuplicateDiffering,
            "bad_server_answer",
            "twice, with different contents",
        ),
        (
            "noisy refusal",
            Trick::NoisyRefusal,
            "server_error",
            "refused the request for changes (400, nope)",
        ),
    ];
    for (n, (case, trick, code, words)) in cases.into_iter().enumerate() {
        let decided = scene.decision_waiting(n).await;
        scene
            .write_draft(&format!("News {n}: the store opens at 9."))
            .await;
        let before = scene.snapshot().await;
        let endless = matches!(trick, Trick::Endless);
        scene.hostile.set("/api/v1/changes", trick);
        let error = scene.sync().await.expect_err(case);
        assert_clear_error(&scene, &error, code, words, case).await;
        if code == "bad_server_answer" {
            assert!(
                error.to_string().ends_with("nothing from it was saved"),
                "{case}: says nothing was saved: {error}"
            );
        }
        if endless {
            // Each of the four tries (the page asked for again at half the size three
            // times) reads at most the limit; socket buffers hold a few MiB more.
            let written = scene.hostile.written();
            assert!(
                written < 4 * (8 + 16) * MIB as u64,
                "{case}: the desktop stopped reading: the server wrote {written} bytes"
            );
        }
        let after = scene.snapshot().await;
        assert_eq!(
            after.without_answers(),
            before.without_answers(),
            "{case}: drafts, cursor, directory, conflicts and outbox rows as they were"
        );
        assert!(
            after.pending >= 1,
            "{case}: the decision is still in the outbox, waiting for a pull to confirm it"
        );
        scene.recovers(&[decided], case).await;
    }
}

#[tokio::test]
async fn a_hostile_push_answer_gets_a_clear_error_and_the_outbox_keeps_every_decision() {
    let mut scene = Scene::new().await;
    let other = scene.write_draft("Another draft altogether.").await;
    scene.sync().await.expect("a clean sync");
    let other = serde_json::to_value(scene.server.draft(other.id).await).expect("json");
    let limit = format!(
        "more than {} MiB",
        countersign_sync::client::ANSWER_LIMIT / MIB
    );
    let cases: Vec<(&str, Trick, &str)> = vec![
        (
            "a result for a mutation never sent",
            Trick::PushNeverSent,
            "was sent",
        ),
        ("one result too many", Trick::PushExtraResult, "were sent"),
        (
            "a conflict about another draft",
            Trick::PushOtherDraft(other.clone()),
            "not the draft decided on",
        ),
        (
            "a draft no mutation is about",
            Trick::PushStrayDraft(other),
            "no mutation sent is about",
        ),
        (
            "wrong type",
            Trick::PushWrongType,
            "`results[0].status` has the wrong type",
        ),
        ("endless answer", Trick::Endless, &limit),
    ];
    for (n, (case, trick, words)) in cases.into_iter().enumerate() {
        let decided = scene.decisions_waiting(n, 2).await;
        let before = scene.snapshot().await;
        assert_eq!(
            before.unanswered.as_array().map(Vec::len),
            Some(2),
            "{case}: two decisions wait to be pushed"
        );
        scene.hostile.set("/api/v1/push", trick);
        let error = scene.sync().await.expect_err(case);
        assert_clear_error(&scene, &error, "bad_server_answer", words, case).await;
        assert_eq!(
            scene.snapshot().await,
            before,
            "{case}: the cache and the outbox exactly as they were: no decision dropped, no conflict recorded"
        );
        scene.recovers(&decided, case).await;
    }
}

#[tokio::test]
async fn redirects_are_never_followed_for_sign_in_push_or_pull() {
    let elsewhere = Elsewhere::start().await;
    let mut scene = Scene::new().await;
    let origin = elsewhere.url.clone();
    for (case, path) in [("pull", "/api/v1/changes"), ("push", "/api/v1/push")] {
        let decided = scene.decision_waiting(0).await;
        let before = scene.snapshot().await;
        scene
            .hostile
            .set(path, Trick::Redirect(elsewhere.url.clone()));
        let error = scene.sync().await.expect_err(case);
        assert_clear_error(
            &scene,
            &error,
            "server_redirected",
            "does not follow redirects",
            case,
        )
        .await;
        assert!(
            error.to_string().contains(&format!("to {origin};")),
            "{case}: says where it pointed: {error}"
        );
        let after = scene.snapshot().await;
        if path == "/api/v1/push" {
            assert_eq!(after, before, "{case}: cache and outbox as they were");
        } else {
            assert_eq!(
                after.without_answers(),
                before.without_answers(),
                "{case}: cache and outbox as they were"
            );
        }
        scene.recovers(&[decided], case).await;
    }

    // Signing in through a server that redirects: refused, and no password went anywhere.
    scene
        .hostile
        .set("/api/v1/sessions", Trick::Redirect(elsewhere.url.clone()));
    let newcomer = Desktop::new(Keys::Memory).await;
    let error = newcomer
        .app
        .sign_in(&scene.hostile.url, "ravi", PASSWORD, None)
        .await
        .expect_err("a redirected sign-in");
    assert_eq!(error.code(), "server_redirected", "{error}");
    assert!(
        error.to_string().contains("sign in with its new address"),
        "{error}"
    );
    assert_eq!(
        elsewhere.hits.load(Ordering::SeqCst),
        0,
        "nothing (no token, no password, no decision) ever reached the address redirected to"
    );
}

#[tokio::test]
async fn a_server_whose_pages_and_push_answers_are_too_big_is_asked_in_halves_and_still_syncs() {
    let mut scene = Scene::new().await;
    let mut decided = Vec::new();
    for n in 0..4 {
        let draft = scene
            .write_draft(&format!("Reply {n}: we are on it."))
            .await;
        decided.push(draft.id);
    }
    scene.sync().await.expect("a clean sync");
    for id in &decided {
        scene
            .desktop
            .app
            .decide(*id, Verdict::Approve, "", None)
            .await
            .expect("approve");
    }
    scene.hostile.set("/api/v1/push", Trick::BigPushAbove(1));
    let report = scene.sync().await.expect("the push goes through in halves");
    assert_eq!(report.applied, 4, "every decision answered");
    let pushes: Vec<String> = scene
        .hostile
        .seen()
        .into_iter()
        .filter(|s| s.starts_with("push"))
        .collect();
    assert_eq!(
        pushes,
        [
            "push 4", "push 2", "push 1", "push 1", "push 2", "push 1", "push 1"
        ],
        "the batch is sent again in halves, in order, until each answer fits"
    );
    for id in &decided {
        assert_eq!(
            decided_count(&scene.server.draft(*id).await),
            1,
            "sent three times over, applied once"
        );
    }

    // A new desktop's first pull: pages of 1,000 drafts are too big, 250 fit.
    scene.write_draft("One more for the pull.").await;
    let fresh = Desktop::new(Keys::Memory).await;
    fresh.sign_in(&scene.hostile.url, "ravi").await;
    scene
        .hostile
        .set("/api/v1/changes", Trick::BigPagesAbove(300));
    tokio::time::timeout(SYNC_DEADLINE, fresh.app.sync_now())
        .await
        .expect("ends")
        .expect("the pull goes through in smaller pages");
    assert_eq!(
        scene.hostile.seen().first().map(String::as_str),
        Some("changes 1000"),
        "the first page asked for 1,000 drafts"
    );
    assert!(
        scene.hostile.seen().starts_with(&[
            "changes 1000".to_string(),
            "changes 500".to_string(),
            "changes 250".to_string()
        ]),
        "then half and half again: {:?}",
        scene.hostile.seen()
    );
    let mut queued = fresh.queue_ids().await;
    queued.sort();
    let mut expected: Vec<DraftId> = vec![scene.ids[0], *scene.ids.last().expect("a draft")];
    expected.sort();
    assert_eq!(
        queued, expected,
        "the queue holds the drafts still waiting (the four approved ones are done)"
    );
}

#[tokio::test]
async fn a_hostile_sign_in_answer_is_refused_and_stores_no_token_and_no_cache() {
    let server = TestServer::start().await;
    let hostile = Hostile::start(server.url()).await;
    hostile.set("/api/v1/sessions", Trick::SessionWrongType);
    let desktop = Desktop::new(Keys::Memory).await;
    let error = desktop
        .app
        .sign_in(&hostile.url, "rita", PASSWORD, None)
        .await
        .expect_err("a sign-in answer of the wrong shape");
    let message = error.to_string();
    assert_eq!(error.code(), "bad_server_answer", "{message}");
    assert!(
        message.contains(&hostile.url) && message.contains("`expires_in` has the wrong type"),
        "names the server and the field: {message}"
    );
    assert!(
        !message.contains("invalid type") && !message.contains("line 1"),
        "no parser noise: {message}"
    );
    for account in ["refresh-token", "cache-key"] {
        assert!(
            matches!(desktop.keychain.get(account), Ok(None)),
            "nothing in the keychain under {account}"
        );
    }
    assert!(
        !desktop.data_dir().join("cache.db").exists(),
        "no cache was created for a session that never began"
    );
    assert!(desktop.app.user().await.is_none(), "not signed in");

    hostile.clear();
    desktop.sign_in(&hostile.url, "rita").await;
    desktop
        .app
        .sync_now()
        .await
        .expect("signs in and syncs once the server behaves");
}
