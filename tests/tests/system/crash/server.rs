//! The real `countersign-server` binary killed with SIGKILL in the middle of a push, over
//! and over, on the same data folder.
//!
//! One client pushes batches of decisions and comments in order, each carrying a unique
//! token in its text. The kill lands a seeded moment after the n-th push of a life was
//! sent. On a copy of the files the dead server left: `PRAGMA integrity_check` is `ok`;
//! every mutation whose push was answered (a 200 arrived) is applied; the batch whose
//! answer never came is applied whole or not at all, never half; no token is in the
//! history twice. After the restart the cut-off batch is sent again and answered
//! `duplicate` (it had committed) or `applied` (it had not) — all of it the same way — and
//! at the end a resend of everything is answered `duplicate` of `applied` throughout.

use super::{
    Lines, ServerRecord, copy_database, count_from_env, integrity_of, kill9, pause, seeded_rng,
    server_drafts, server_record, tokens_on_server,
};
use countersign_core::{
    Annotation, AnnotationId, ClientId, Decision, DecisionId, DraftId, Mutation, MutationId,
    MutationKind, Network, Role, Sensitive, Verdict,
};
use countersign_server::admin::{self, NewUser};
use countersign_server::trail::Trail;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASSWORD: &str = "crash test passphrase";
const ACCOUNT: &str = "@crash_help";
/// Mutations per push: a few decisions on fresh drafts, the rest comments.
const BATCH: usize = 25;
const DECISIONS_PER_BATCH: usize = 5;
/// Fresh drafts kept ready for decisions.
const KEEP_FRESH: usize = 40;
const TOP_UP: usize = 60;
/// What a push is taken to last before any was timed.
const FIRST_PUSH_GUESS: Duration = Duration::from_millis(15);
/// Kills during the first start, on an empty data folder.
const FIRST_START_KILLS: usize = 3;
/// How often a restart is itself killed before the real one.
const RESTART_KILL_CHANCE: f64 = 0.25;
/// Start-up (opening the database, migrations, binding) takes a few tens of milliseconds.
const STARTUP_WINDOW: Duration = Duration::from_millis(80);
/// Resends go in batches this big.
const RESEND_BATCH: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_applies_every_acknowledged_mutation_once_and_never_half_a_batch()
{
    let started = Instant::now();
    let (seed, mut rng) = seeded_rng("server kills");
    let kills = count_from_env("COUNTERSIGN_SERVER_KILLS", 20);
    let data = tempfile::tempdir().expect("data folder");
    let mut figures = Figures::default();
    // Killed while it creates its database on the very first start: the folder must
    // still open, and then be seeded as if nothing had happened.
    for _ in 0..FIRST_START_KILLS {
        kill_during_startup(data.path(), &mut rng, &mut figures);
    }
    seed_org(data.path()).await;
    let db = data.path().join(countersign_server::config::DATABASE_FILE);

    let mut world = World {
        client_id: ClientId(Uuid::new_v4()),
        sent: Vec::new(),
        acknowledged: 0,
        fresh: Vec::new(),
        commented: Vec::new(),
    };
    let mut push_time = PushTime::default();
    let mut running = Some(ServerProcess::start(data.path()));
    let mut http = Session::new(running.as_ref().expect("running").url.clone()).await;

    for kill in 1..=kills {
        let at = format!("seed {seed}, kill {kill}");
        let mut server = running.take().expect("a running server");
        if world.fresh.len() < KEEP_FRESH {
            let drafts = http.create_drafts(TOP_UP).await;
            world.fresh.extend(drafts);
        }
        // Some pushes that are answered, then one the kill cuts into.
        let before = rng.random_range(0..4);
        for _ in 0..before {
            let batch = world.next_batch(&mut rng);
            let sent = Instant::now();
            let answer = http.push(world.client_id, &batch).await;
            push_time.record(sent.elapsed());
            let results = answer.unwrap_or_else(|e| panic!("{at}: push failed: {e}"));
            expect_all(&at, &results, &batch, "applied");
            world.acknowledged = batch.last().map_or(0, |m| m.mutation_id.0);
        }
        let batch = world.next_batch(&mut rng);
        // Somewhere in the push, as long as pushes take now; the latest part of it (the
        // commit, then the answer on its way) as often as the rest.
        let delay = push_time.typical().mul_f64(rng.random_range(0.2..1.2));
        let killer = tokio::task::spawn_blocking(move || {
            pause(delay);
            let killed = kill9(&mut server.child);
            (server, killed)
        });
        let answer = http.push(world.client_id, &batch).await;
        let (server, killed) = killer.await.expect("the killer");
        assert!(killed, "{at}: the server had exited before the kill");
        drop(server);
        let cut_off = match answer {
            Ok(results) => {
                expect_all(&at, &results, &batch, "applied");
                world.acknowledged = batch.last().map_or(0, |m| m.mutation_id.0);
                figures.answered_before_kill += 1;
                false
            }
            Err(_) => true,
        };

        let record = check_dead_server(&at, &db, &world, &batch, &mut figures);
        let batch_committed = batch
            .first()
            .is_some_and(|m| m.mutation_id.0 <= record.last);

        if rng.random_bool(RESTART_KILL_CHANCE) {
            kill_during_startup(data.path(), &mut rng, &mut figures);
        }
        running = Some(ServerProcess::start(data.path()));
        http.base = running.as_ref().expect("running").url.clone();
        if cut_off {
            // The client never heard back, so it sends the batch again.
            let results = http
                .push(world.client_id, &batch)
                .await
                .unwrap_or_else(|e| panic!("{at}: resend after restart failed: {e}"));
            if batch_committed {
                expect_all(&at, &results, &batch, "duplicate");
                figures.cut_off_committed += 1;
            } else {
                expect_all(&at, &results, &batch, "applied");
                figures.cut_off_lost += 1;
            }
            world.acknowledged = batch.last().map_or(0, |m| m.mutation_id.0);
        }
        // And an earlier stretch again, as a client that lost its answers would.
        if world.sent.len() > BATCH {
            let from = rng.random_range(0..world.sent.len() - BATCH);
            let again = world.sent[from..from + BATCH].to_vec();
            let results = http
                .push(world.client_id, &again)
                .await
                .unwrap_or_else(|e| panic!("{at}: resend failed: {e}"));
            expect_all(&at, &results, &again, "duplicate");
        }
        figures.kills += 1;
        if kill % 50 == 0 && kill < kills {
            eprintln!(
                "server kills: {kill} of {kills}, {} mutations sent, {:.0} s",
                world.sent.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }

    // The faults stop: everything sent is answered as a duplicate of an applied mutation.
    let at = format!("seed {seed}, final resend");
    for chunk in world.sent.chunks(RESEND_BATCH) {
        let results = http
            .push(world.client_id, chunk)
            .await
            .unwrap_or_else(|e| panic!("{at}: {e}"));
        expect_all(&at, &results, chunk, "duplicate");
    }
    let mut server = running.take().expect("a running server");
    kill9(&mut server.child);
    let (_copy_dir, copy) = copy_database(&db);
    assert_eq!(integrity_of(&copy), ["ok"], "{at}: the database");
    let record = server_record(&copy, &world.client_id.to_string());
    let total = world.sent.len() as u64;
    assert_eq!(record.last, total, "{at}: last_mutation_id");
    check_record(&at, &record);
    let tokens = tokens_on_server(&server_drafts(&copy));
    assert_eq!(
        tokens.len() as u64,
        total,
        "{at}: every mutation sent is in the history"
    );
    if let Some((token, times)) = tokens.iter().find(|(_, n)| **n != 1) {
        panic!("DUPLICATED: {at}: {token} is in the history {times} times");
    }
    eprintln!(
        "server kills: seed {seed}: {} kills mid-push; {} mutations pushed, every \
         acknowledged one applied, none twice; the cut-off batch had committed {} times and \
         not {} times (never half), {} answers arrived just before the kill; {} more kills \
         during start-up; integrity ok {}/{}; {:.1} s",
        figures.kills,
        total,
        figures.cut_off_committed,
        figures.cut_off_lost,
        figures.answered_before_kill,
        figures.startup_kills,
        figures.integrity_ok,
        figures.kills,
        started.elapsed().as_secs_f64()
    );
}

/// What the run has sent and what it may still decide on.
struct World {
    client_id: ClientId,
    /// Every mutation sent, in order (ids 1, 2, …).
    sent: Vec<Mutation>,
    /// The highest id whose push was answered.
    acknowledged: u64,
    /// Pending drafts nobody decided yet.
    fresh: Vec<DraftId>,
    /// Drafts decided already, which may still take comments.
    commented: Vec<DraftId>,
}

impl World {
    /// The next batch: new ids after the last sent, decisions on fresh drafts, comments
    /// on any.
    fn next_batch(&mut self, rng: &mut StdRng) -> Vec<Mutation> {
        let mut batch = Vec::with_capacity(BATCH);
        for n in 0..BATCH {
            let mutation_id = MutationId(self.sent.len() as u64 + 1);
            let token = format!("crash-{}", Uuid::new_v4().simple());
            let decide = n < DECISIONS_PER_BATCH && !self.fresh.is_empty();
            let kind = if decide {
                let draft_id = self
                    .fresh
                    .swap_remove(rng.random_range(0..self.fresh.len()));
                self.commented.push(draft_id);
                let verdict = match rng.random_range(0..3) {
                    0 => Verdict::Reject,
                    1 => Verdict::RequestChanges,
                    _ => Verdict::Approve,
                };
                MutationKind::Decide {
                    decision: Decision {
                        id: DecisionId(Uuid::now_v7()),
                        draft_id,
                        draft_version: 1,
                        verdict,
                        comment: format!("checked {token}"),
                        override_reason: None,
                        client_time: None,
                    },
                }
            } else {
                let pool: Vec<DraftId> =
                    self.fresh.iter().chain(&self.commented).copied().collect();
                let draft_id = pool[rng.random_range(0..pool.len())];
                MutationKind::Annotate {
                    annotation: Annotation {
                        id: AnnotationId(Uuid::now_v7()),
                        draft_id,
                        draft_version: 1,
                        body: format!("note {token}"),
                        suggestion: None,
                        target: None,
                    },
                }
            };
            let mutation = Mutation { mutation_id, kind };
            self.sent.push(mutation.clone());
            batch.push(mutation);
        }
        batch
    }
}

/// How long answered pushes took, so a kill can be aimed into one.
#[derive(Default)]
struct PushTime {
    recent: Vec<Duration>,
}

impl PushTime {
    const KEPT: usize = 16;

    fn record(&mut self, took: Duration) {
        if self.recent.len() == Self::KEPT {
            self.recent.remove(0);
        }
        self.recent.push(took);
    }

    /// The median of the recent pushes.
    fn typical(&self) -> Duration {
        let mut sorted = self.recent.clone();
        sorted.sort();
        sorted
            .get(sorted.len() / 2)
            .copied()
            .unwrap_or(FIRST_PUSH_GUESS)
    }
}

/// Starts the binary on `dir` and kills it a random moment into its start-up.
fn kill_during_startup(dir: &Path, rng: &mut StdRng, figures: &mut Figures) {
    let delay = Duration::from_micros(rng.random_range(0..STARTUP_WINDOW.as_micros() as u64));
    let mut child = ServerProcess::spawn(dir);
    pause(delay);
    if kill9(&mut child) {
        figures.startup_kills += 1;
    }
}

#[derive(Default)]
struct Figures {
    kills: usize,
    startup_kills: usize,
    cut_off_committed: usize,
    cut_off_lost: usize,
    answered_before_kill: usize,
    integrity_ok: usize,
}

/// The files a killed server left, checked on a copy so its restart recovers the original.
fn check_dead_server(
    at: &str,
    db: &Path,
    world: &World,
    batch: &[Mutation],
    figures: &mut Figures,
) -> ServerRecord {
    let (_copy_dir, copy) = copy_database(db);
    assert_eq!(
        integrity_of(&copy),
        ["ok"],
        "{at}: the database after the kill"
    );
    figures.integrity_ok += 1;
    let record = server_record(&copy, &world.client_id.to_string());
    assert!(
        record.last >= world.acknowledged,
        "LOST: {at}: pushes up to {} were answered, the database has only up to {}",
        world.acknowledged,
        record.last
    );
    check_record(at, &record);
    let committed = batch
        .iter()
        .filter(|m| m.mutation_id.0 <= record.last)
        .count();
    assert!(
        committed == 0 || committed == batch.len(),
        "HALF A BATCH: {at}: {committed} of the {} mutations of the cut-off push are applied",
        batch.len()
    );
    let tokens = tokens_on_server(&server_drafts(&copy));
    assert_eq!(
        tokens.len() as u64,
        record.last,
        "{at}: {} mutations processed, {} in the history",
        record.last,
        tokens.len()
    );
    if let Some((token, times)) = tokens.iter().find(|(_, n)| **n != 1) {
        panic!("DUPLICATED: {at}: {token} is in the history {times} times");
    }
    record
}

/// Every processed id from 1 to `last` has a stored result, and it is `applied`.
fn check_record(at: &str, record: &ServerRecord) {
    let ids: Vec<u64> = record.results.keys().copied().collect();
    let expected: Vec<u64> = (1..=record.last).collect();
    assert_eq!(ids, expected, "{at}: stored results and last_mutation_id");
    if let Some((id, status)) = record.results.iter().find(|(_, s)| *s != "applied") {
        panic!("{at}: mutation {id} was answered {status}");
    }
}

/// Each result answers its mutation, in order, with `status` (a `duplicate` must repeat an
/// `applied`).
fn expect_all(at: &str, results: &[Value], batch: &[Mutation], status: &str) {
    assert_eq!(results.len(), batch.len(), "{at}: one result per mutation");
    for (result, mutation) in results.iter().zip(batch) {
        assert_eq!(
            result["mutation_id"].as_u64(),
            Some(mutation.mutation_id.0),
            "{at}: results in order"
        );
        assert_eq!(
            result["status"].as_str(),
            Some(status),
            "{at}: mutation {}: {result}",
            mutation.mutation_id.0
        );
        if status == "duplicate" {
            assert_eq!(
                result["first_status"].as_str(),
                Some("applied"),
                "{at}: mutation {} repeats its first answer: {result}",
                mutation.mutation_id.0
            );
        }
    }
}

/// A team, a channel on X, a reviewer (`rita`) and an author (`alex`), written straight to
/// the data folder before the binary serves it.
async fn seed_org(dir: &Path) {
    let server = countersign_server::open(countersign_server::ServerConfig::new(dir.to_path_buf()))
        .await
        .expect("open the data folder");
    let team = admin::create_team(&server, &Trail::console(), "Care")
        .await
        .expect("team");
    admin::add_channel(
        &server,
        &Trail::console(),
        countersign_core::wire::admin::NewChannel {
            name: Some("crash-x".to_owned()),
            network: Network::X,
            account: ACCOUNT.to_owned(),
            team: "Care".to_owned(),
            policy: vec![],
        },
    )
    .await
    .expect("channel");
    for (username, roles, steps) in [
        ("rita", vec![Role::Reviewer], vec!["review".to_owned()]),
        ("alex", vec![Role::Author], vec![]),
    ] {
        admin::add_user(
            &server,
            &Trail::console(),
            NewUser {
                username: username.to_owned(),
                display_name: username.to_uppercase(),
                password: Sensitive::new(PASSWORD.to_owned()),
                roles,
                steps,
                teams: vec![team],
            },
        )
        .await
        .expect("user");
    }
}

/// The `countersign-server` binary built next to this test (`cargo build -p
/// countersign-server`, which a workspace build does), or `COUNTERSIGN_SERVER_BIN`.
fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("COUNTERSIGN_SERVER_BIN") {
        return PathBuf::from(path);
    }
    // This test runs from target/<profile>/deps/; the binaries sit one folder up.
    let exe = std::env::current_exe().expect("the test's path");
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("countersign-server"))
        .expect("a target folder");
    assert!(
        binary.exists(),
        "build the server first: cargo build -p countersign-server ({})",
        binary.display()
    );
    binary
}

/// A running `countersign-server serve`.
struct ServerProcess {
    child: Child,
    url: String,
    /// Keeps reading its log so the pipe never fills.
    _log: Lines,
}

impl ServerProcess {
    /// Starts the binary on `dir`, on a free port, and waits for its "serving" line.
    fn start(dir: &Path) -> ServerProcess {
        ServerProcess::wait_until_serving(ServerProcess::spawn(dir))
    }

    /// Starts the binary on `dir`, on a free port, without waiting.
    fn spawn(dir: &Path) -> Child {
        Command::new(server_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start countersign-server")
    }

    /// Reads the log until the "serving" line and its address; a server that exits or
    /// says nothing for 30 s fails the test with what it did say.
    fn wait_until_serving(mut child: Child) -> ServerProcess {
        let log = Lines::of(child.stderr.take().expect("piped stderr"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        let url = loop {
            let Some(line) = log.next_before(deadline) else {
                let _ = kill9(&mut child);
                panic!("the server never said it was serving: {seen:?}");
            };
            if line.contains("serving")
                && let Some(url) = url_in(&line)
            {
                break url;
            }
            seen.push(line);
        };
        ServerProcess {
            child,
            url,
            _log: log,
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = kill9(&mut self.child);
    }
}

/// `http://127.0.0.1:PORT` in a log line.
fn url_in(line: &str) -> Option<String> {
    let start = line.find("http://127.0.0.1:")?;
    let rest = &line[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || ":/.".contains(c)))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Raw HTTP to the server, signed in as the reviewer and the author.
struct Session {
    http: reqwest::Client,
    base: String,
    reviewer: String,
    author: String,
}

impl Session {
    async fn new(base: String) -> Session {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let mut session = Session {
            http,
            base,
            reviewer: String::new(),
            author: String::new(),
        };
        session.reviewer = session.sign_in("rita").await;
        session.author = session.sign_in("alex").await;
        session
    }

    async fn sign_in(&self, username: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .error_for_status()
            .expect("sign-in accepted")
            .json()
            .await
            .expect("session body");
        answer["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    async fn create_drafts(&mut self, n: usize) -> Vec<DraftId> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let body = json!({
                "network": "x",
                "channel": ACCOUNT,
                "body": format!("Reply {i}: thanks for getting in touch, we are on it."),
                "required_steps": ["review"],
            });
            let draft: Value = self
                .http
                .post(format!("{}/api/v1/drafts", self.base))
                .bearer_auth(&self.author)
                .json(&body)
                .send()
                .await
                .expect("create a draft")
                .error_for_status()
                .expect("draft accepted")
                .json()
                .await
                .expect("draft body");
            let id = draft["id"].as_str().expect("a draft id");
            ids.push(id.parse().expect("a draft id"));
        }
        ids
    }

    async fn send_push(&self, body: &Value) -> Result<reqwest::Response, String> {
        self.http
            .post(format!("{}/api/v1/push", self.base))
            .bearer_auth(&self.reviewer)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))
    }

    /// One push. `Err` when no complete answer arrived (the connection broke); any
    /// answer other than 200 fails the test.
    async fn push(
        &mut self,
        client_id: ClientId,
        batch: &[Mutation],
    ) -> Result<Vec<Value>, String> {
        let body = json!({"client_id": client_id, "mutations": batch});
        let mut response = self.send_push(&body).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            // A long soak outlives the access token: sign in again, as a desktop would.
            self.reviewer = self.sign_in("rita").await;
            response = self.send_push(&body).await?;
        }
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("the answer broke off: {e}"))?;
        assert_eq!(status, StatusCode::OK, "push answered {status}: {text}");
        let answer: Value = serde_json::from_str(&text).expect("a push answer");
        Ok(answer["results"].as_array().expect("results").to_vec())
    }
}
