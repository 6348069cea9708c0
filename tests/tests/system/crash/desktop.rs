//! The desktop killed with SIGKILL in the middle of syncs and decisions, over and over.
//!
//! `countersign-crash-driver` is the desktop's real logic (the app layer, its SQLCipher
//! cache, the OS keychain) with no window, approving, rejecting, commenting and syncing
//! against a real server on loopback as fast as it can. The test kills it at a seeded
//! moment — a few milliseconds into the n-th sync or decision, or during start-up — and,
//! before starting it again, checks a copy of the files it left: the cache passes
//! `PRAGMA integrity_check`, and every decision it printed as done is still in the outbox
//! or already on the server, with no gap in the mutation ids. At the end a clean sync
//! drains the outbox, and the server's history holds every decision shown as done exactly
//! once and nothing twice, and the desktop's cache agrees with the server on every draft.

use super::{
    Lines, ServerRecord, copy_database, count_from_env, kill9, pause, seeded_rng, server_drafts,
    server_record, token_in, tokens_on_server,
};
use crate::keychain_and_disk::keychain_available;
use crate::support::{PASSWORD, TestServer};
use countersign_core::{DraftId, DraftStatus, MutationKind};
use countersign_keychain::{OsKeychain, SecretStore};
use countersign_store::{Cache, CacheKey};
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DRIVER: &str = env!("CARGO_BIN_EXE_countersign-crash-driver");

/// The keychain account the app keeps the cache key under (`crates/app`'s `CACHE_KEY`).
const CACHE_KEY_ACCOUNT: &str = "cache-key";
/// The keychain account of the refresh token (`crates/app`'s `REFRESH_TOKEN`).
const REFRESH_TOKEN_ACCOUNT: &str = "refresh-token";

/// Set in the copy of this test that runs under its own keychain (see
/// [`run_under_own_keychain`]).
const OWN_KEYCHAIN: &str = "COUNTERSIGN_CRASH_OWN_KEYCHAIN";
/// This test's path inside the `system` test binary, to run it again by name.
const THIS_TEST: &str = "crash::desktop::a_desktop_killed_at_random_points_of_syncs_and_decisions_loses_nothing_and_doubles_nothing";

/// Runs this test again, in a child process with a D-Bus session and gnome-keyring of its
/// own (`scripts/with-keychain`), and fails if the child fails.
///
/// Why: gnome-keyring-daemon can abort when a client vanishes in the middle of a Secret
/// Service call (upstream GNOME/gnome-keyring work items 190, 196 and 199: a NULL client in
/// `gkd_secret_service_get_pkcs11_session`), and this test SIGKILLs a keychain client
/// hundreds of times. On the keychain every other test shares, one such abort made four
/// tests fail at once in CI (the bus then activated a new daemon whose keyring was locked
/// and which could not prompt without a display). Its own keychain keeps the damage here.
fn run_under_own_keychain() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let log = scratch.path().join("own-keychain.log");
    let out = std::fs::File::create(&log).expect("the child's log");
    let err = out.try_clone().expect("the child's log");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/with-keychain");
    // Output goes to a file, not a pipe: a daemon that outlives the child by a moment must
    // not keep this test waiting for the pipe to close.
    let status = Command::new(script)
        .arg(std::env::current_exe().expect("this test binary"))
        .args([THIS_TEST, "--exact", "--nocapture"])
        .env(OWN_KEYCHAIN, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .status()
        .expect("run the test under its own keychain");
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    eprintln!("{printed}");
    assert!(
        status.success() && printed.contains("1 passed"),
        "the test under its own keychain failed ({status})"
    );
}

/// Drafts kept waiting on the server, so the driver always has something to decide.
const KEEP_PENDING: usize = 60;
/// How many to write when the pile runs low.
const TOP_UP: usize = 60;

/// How often the author edits a draft between two lives of the driver.
const EDIT_CHANCE: f64 = 0.3;
/// Edits go to one of this many drafts at the top of the queue.
const EDITED_FROM_TOP: usize = 8;

/// How far into an operation a kill may land. A sync on loopback takes a few milliseconds
/// (refresh, push, pull, each a request and a transaction), a decision about one (an
/// fsync'd commit); the windows reach a little past both so some kills land just after.
const SYNC_WINDOW: Duration = Duration::from_millis(30);
const DECISION_WINDOW: Duration = Duration::from_micros(2500);
/// Start-up: opening the cache, reading the keychain, refreshing the token, the first sync.
const STARTUP_WINDOW: Duration = Duration::from_millis(150);
/// A driver that reaches none of its planned moments within this long has hung.
const LIFE_DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_killed_at_random_points_of_syncs_and_decisions_loses_nothing_and_doubles_nothing()
 {
    if !keychain_available() {
        return;
    }
    if std::env::var_os(OWN_KEYCHAIN).is_none() {
        run_under_own_keychain();
        return;
    }
    let started = Instant::now();
    let (seed, mut rng) = seeded_rng("desktop kills");
    let kills = count_from_env("COUNTERSIGN_KILLS", 100);
    let server = TestServer::start().await;
    let author = server.session("alex").await;
    author.create_drafts(KEEP_PENDING + TOP_UP).await;
    let server_db = server
        .server
        .config()
        .data_dir
        .join(countersign_server::config::DATABASE_FILE);

    let scratch = tempfile::tempdir().expect("scratch folder");
    let driver = Driver {
        server_url: server.url(),
        data_dir: scratch.path().join("desktop"),
        service: format!("countersign-crash-{}", uuid::Uuid::new_v4()),
        log: scratch.path().join("driver.log"),
    };
    let _forget = ForgetSecrets(driver.service.clone());

    let mut run = Run::default();
    for kill in 1..=kills {
        if pending_on_server(&server_db) < KEEP_PENDING {
            author.create_drafts(TOP_UP).await;
        }
        // The author keeps editing drafts at the top of the queue, so some decisions are
        // made on a version that is gone by the time they are pushed (stale_version).
        if rng.random_bool(EDIT_CHANCE) {
            let top = oldest_pending(&server_db, EDITED_FROM_TOP);
            if !top.is_empty() {
                let draft = &top[rng.random_range(0..top.len())];
                author
                    .edit(draft, &format!("{} (edited)", draft.body))
                    .await;
                run.edits += 1;
            }
        }
        let plan = Plan::draw(&mut rng);
        let life_seed = seed ^ (kill as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let life_started = Instant::now();
        let life = {
            let (driver, plan) = (driver.clone(), plan.clone());
            tokio::task::spawn_blocking(move || driver.live_until_kill(life_seed, &plan))
                .await
                .expect("the driver's life")
        };
        let at = format!("seed {seed}, kill {kill} ({plan:?})");
        assert!(
            life.killed,
            "{at}: the driver ended on its own instead of being killed: {:?}\n{}",
            life.lines.last(),
            driver.log_tail()
        );
        assert!(
            !life.late,
            "{at}: the driver made no progress for {LIFE_DEADLINE:?}: {:?}\n{}",
            life.lines.last(),
            driver.log_tail()
        );
        run.absorb(&at, &plan, &life);
        run.living += life_started.elapsed();
        let check_started = Instant::now();

        let view = {
            let driver = driver.clone();
            tokio::task::spawn_blocking(move || driver.observe_cache())
                .await
                .expect("observe the cache")
        };
        if let Some(view) = view {
            let record = server_record(&server_db, &view.client_id);
            run.check_after_kill(&at, &view, &record);
        } else {
            assert!(
                run.shown.is_empty(),
                "{at}: the cache is gone, with {} decisions shown as done",
                run.shown.len()
            );
        }
        run.checking += check_started.elapsed();
        if kill % 100 == 0 && kill < kills {
            eprintln!(
                "desktop kills: {kill} of {kills}, {} shown as done, {:.0} s",
                run.shown.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }

    // The faults stop: one clean sync must drain the outbox.
    let last = {
        let driver = driver.clone();
        tokio::task::spawn_blocking(move || driver.final_sync())
            .await
            .expect("the final sync")
    };
    let at = format!("seed {seed}, final sync");
    assert!(last.starts_with("final pending=0 "), "{at}: {last}");
    let view = {
        let driver = driver.clone();
        tokio::task::spawn_blocking(move || driver.observe_cache())
            .await
            .expect("observe the cache")
            .expect("the cache after the final sync")
    };
    let record = server_record(&server_db, &view.client_id);
    run.check_after_kill(&at, &view, &record);
    let drafts = server_drafts(&server_db);
    run.check_exactly_once(&at, &view, &record, &drafts);
    let agree = {
        let (driver, drafts) = (driver.clone(), drafts.clone());
        tokio::task::spawn_blocking(move || driver.disagreements(&drafts))
            .await
            .expect("compare")
    };
    assert!(
        agree.is_empty(),
        "{at}: desktop and server disagree on {} drafts: {:?}",
        agree.len(),
        &agree[..agree.len().min(5)]
    );
    let integrity = super::integrity_of(&copy_database(&server_db).1);
    assert_eq!(integrity, ["ok"], "{at}: the server's database");

    eprintln!(
        "desktop kills: seed {seed}: {kills} kills ({} in start-up, {} inside a sync, {} \
         inside a decision, {} between steps); {} decisions and comments shown as done, {} \
         more committed but killed before shown; {} mutations processed by the server ({} \
         refused as stale after {} author edits, each a conflict on the desktop): 0 lost, 0 \
         duplicated; cache integrity ok {}/{}; {} fresh sign-ins; {:.1} s ({:.1} s in the \
         driver's lives, {:.1} s checking after kills)",
        run.in_startup,
        run.inside_sync,
        run.inside_decision,
        run.between,
        run.shown.len(),
        record.last - run.shown.len() as u64,
        record.last,
        run.refused,
        run.edits,
        run.integrity_ok,
        run.integrity_checks,
        run.sign_ins,
        started.elapsed().as_secs_f64(),
        run.living.as_secs_f64(),
        run.checking.as_secs_f64()
    );
}

/// Removes the run's keychain entries when the test ends.
struct ForgetSecrets(String);

impl Drop for ForgetSecrets {
    fn drop(&mut self) {
        let keychain = OsKeychain::new(self.0.clone());
        let _ = keychain.delete(CACHE_KEY_ACCOUNT);
        let _ = keychain.delete(REFRESH_TOKEN_ACCOUNT);
    }
}

/// The pending drafts the queue shows first (it sorts by schedule, and drafts here are
/// scheduled in the order they are written).
fn oldest_pending(db: &Path, n: usize) -> Vec<countersign_core::Draft> {
    let mut pending: Vec<countersign_core::Draft> = server_drafts(db)
        .into_values()
        .filter(|d| d.status == DraftStatus::Pending)
        .collect();
    pending.sort_by_key(|d| (d.scheduled_at, d.created_at, d.id));
    pending.truncate(n);
    pending
}

fn pending_on_server(db: &Path) -> usize {
    let conn = rusqlite::Connection::open(db).expect("open the server's database");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM drafts WHERE status = 'pending'",
            [],
            |row| row.get(0),
        )
        .expect("count pending drafts");
    usize::try_from(n).unwrap_or(0)
}

/// Where and how long into the driver's life the kill comes.
#[derive(Clone, Debug)]
struct Plan {
    target: Target,
    /// Which occurrence of the target (0: the first).
    nth: usize,
    delay: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// Some time after the process starts: opening, the keychain, the refresh.
    Startup,
    /// Into a sync.
    Sync,
    /// Into a decision or a comment.
    Decision,
}

impl Plan {
    fn draw(rng: &mut StdRng) -> Plan {
        let within = |rng: &mut StdRng, window: Duration| {
            Duration::from_micros(rng.random_range(0..window.as_micros() as u64))
        };
        match rng.random_range(0..20) {
            0..=1 => Plan {
                target: Target::Startup,
                nth: 0,
                delay: within(rng, STARTUP_WINDOW),
            },
            2..=10 => Plan {
                target: Target::Sync,
                nth: rng.random_range(0..3),
                delay: within(rng, SYNC_WINDOW),
            },
            _ => Plan {
                target: Target::Decision,
                nth: rng.random_range(0..6),
                delay: within(rng, DECISION_WINDOW),
            },
        }
    }

    fn is_target(&self, line: &str) -> bool {
        match self.target {
            Target::Startup => false,
            Target::Sync => line == "begin sync",
            Target::Decision => {
                line.starts_with("begin decide ") || line.starts_with("begin comment ")
            }
        }
    }
}

/// What one life of the driver printed, and how it ended.
struct Life {
    lines: Vec<String>,
    /// The kill is what ended it (it was still running).
    killed: bool,
    /// It never reached the planned moment.
    late: bool,
}

/// How to start the driver on this run's data folder and keychain service.
#[derive(Clone)]
struct Driver {
    server_url: String,
    data_dir: PathBuf,
    service: String,
    log: PathBuf,
}

impl Driver {
    fn command(&self, seed: u64) -> Command {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the driver's log");
        let mut command = Command::new(DRIVER);
        command
            .arg("--server")
            .arg(&self.server_url)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--keychain-service", &self.service, "--username", "rita"])
            .args(["--seed", &seed.to_string()])
            .env("COUNTERSIGN_CRASH_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        command
    }

    /// Starts the driver, waits for the planned moment, kills it.
    fn live_until_kill(&self, seed: u64, plan: &Plan) -> Life {
        let mut child = self.command(seed).spawn().expect("start the driver");
        let lines = Lines::of(child.stdout.take().expect("piped stdout"));
        let deadline = Instant::now() + LIFE_DEADLINE;
        let mut seen = Vec::new();
        let mut late = false;
        if plan.target == Target::Startup {
            pause(plan.delay);
        } else {
            let mut count = 0;
            loop {
                let Some(line) = lines.next_before(deadline) else {
                    late = Instant::now() >= deadline;
                    break;
                };
                let hit = plan.is_target(&line);
                seen.push(line);
                if hit {
                    if count == plan.nth {
                        pause(plan.delay);
                        break;
                    }
                    count += 1;
                }
            }
        }
        let killed = kill9(&mut child);
        seen.extend(lines.rest());
        Life {
            lines: seen,
            killed,
            late,
        }
    }

    /// Runs `--final` to the end and returns its last line.
    fn final_sync(&self) -> String {
        let mut command = self.command(0);
        command.arg("--final");
        let output = command.output().expect("run the final sync");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "the final sync failed ({}): {stdout}\n{}",
            output.status,
            self.log_tail()
        );
        stdout.lines().last().unwrap_or_default().to_owned()
    }

    /// The end of the driver's stderr, for a failure message.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("driver log (last lines):\n{tail}")
    }

    fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.db")
    }

    /// Opens a copy of the cache the dead driver left (so the next life still recovers
    /// the original itself) with the key from the keychain, checks its integrity and
    /// reads the outbox. `None` when there is no cache yet.
    fn observe_cache(&self) -> Option<CacheView> {
        let (_scratch, copy) = self.open_copy()?;
        let cache = copy;
        let integrity = cache.integrity_check().expect("run the integrity check");
        let client_id = cache
            .client_id()
            .expect("read the client id")
            .map(|id| id.to_string());
        let unanswered = cache
            .unanswered(usize::MAX)
            .expect("read the outbox")
            .into_iter()
            .map(|m| {
                let text = match &m.kind {
                    MutationKind::Decide { decision } => decision.comment.clone(),
                    MutationKind::Annotate { annotation } => annotation.body.clone(),
                };
                (m.mutation_id.0, token_in(&text).map(str::to_owned))
            })
            .collect();
        Some(CacheView {
            integrity,
            // A cache is created with its client id in the same step; one without is a
            // cache whose first sign-in was killed before it finished.
            client_id: client_id.unwrap_or_default(),
            unanswered,
            pending: cache.pending_count().expect("pending count"),
            conflicts: cache
                .conflicts()
                .expect("read the conflicts")
                .into_iter()
                .map(|c| c.mutation_id.0)
                .collect(),
        })
    }

    fn open_copy(&self) -> Option<(tempfile::TempDir, Cache)> {
        let path = self.cache_path();
        if !path.exists() {
            return None;
        }
        let key = OsKeychain::new(self.service.clone())
            .get(CACHE_KEY_ACCOUNT)
            .expect("read the keychain")
            .unwrap_or_else(|| panic!("{} exists but its key is gone", path.display()));
        let key = CacheKey::from_hex(key.expose()).expect("a well-formed cache key");
        let (scratch, copy) = copy_database(&path);
        let cache = Cache::open(&copy, &key)
            .unwrap_or_else(|e| panic!("the killed desktop's cache does not open: {e}"));
        Some((scratch, cache))
    }

    /// Drafts on which the cache and the server differ, by version and status.
    fn disagreements(
        &self,
        drafts: &BTreeMap<DraftId, countersign_core::Draft>,
    ) -> Vec<Disagreement> {
        let (_scratch, cache) = self.open_copy().expect("the cache");
        let mut differ = Vec::new();
        for (id, draft) in drafts {
            let cached = cache
                .draft(*id)
                .expect("read a cached draft")
                .map(|d| (d.version, d.status));
            let on_server = (draft.version, draft.status);
            if cached != Some(on_server) {
                differ.push((*id, cached, on_server));
            }
        }
        let count = cache.draft_count().expect("count cached drafts");
        if count != drafts.len() as u64 {
            panic!(
                "the cache holds {count} drafts, the server {}",
                drafts.len()
            );
        }
        differ
    }
}

/// A draft as the cache has it (version and status; `None`: missing) next to the server's.
type Disagreement = (DraftId, Option<(u64, DraftStatus)>, (u64, DraftStatus));

/// What a copy of the dead driver's cache holds.
struct CacheView {
    integrity: Vec<String>,
    client_id: String,
    /// Unanswered outbox rows: mutation id and the crash token in its text.
    unanswered: BTreeMap<u64, Option<String>>,
    pending: u64,
    /// Mutation ids the server refused, as the desktop recorded them.
    conflicts: std::collections::BTreeSet<u64>,
}

/// One decision or comment the driver printed as done.
struct Shown {
    draft: String,
    token: String,
}

/// Everything learnt so far in the run.
#[derive(Default)]
struct Run {
    shown: BTreeMap<u64, Shown>,
    client_id: Option<String>,
    in_startup: usize,
    inside_sync: usize,
    inside_decision: usize,
    between: usize,
    sign_ins: usize,
    integrity_checks: usize,
    integrity_ok: usize,
    /// Edits the author made between lives.
    edits: usize,
    /// Decisions the server refused as stale, seen as conflicts on the desktop.
    refused: usize,
    /// Time spent running the driver until each kill, and checking what it left.
    living: Duration,
    checking: Duration,
}

impl Run {
    /// Takes in what one life printed.
    fn absorb(&mut self, at: &str, plan: &Plan, life: &Life) {
        let mut open: Option<&str> = None;
        for line in &life.lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["begin", what, ..] => open = Some(what),
                ["done", _, draft, id, .., token] => {
                    open = None;
                    let id: u64 = id
                        .parse()
                        .unwrap_or_else(|e| panic!("{at}: bad line {line:?}: {e}"));
                    let newest = self.shown.keys().next_back().copied().unwrap_or(0);
                    assert!(
                        id > newest,
                        "{at}: mutation id {id} shown after {newest}: ids must only grow"
                    );
                    self.shown.insert(
                        id,
                        Shown {
                            draft: (*draft).to_owned(),
                            token: (*token).to_owned(),
                        },
                    );
                }
                ["synced", ..] | ["sync-failed", ..] => open = None,
                ["signed-in"] => self.sign_ins += 1,
                _ => {}
            }
        }
        match (plan.target, open) {
            (Target::Startup, _) => self.in_startup += 1,
            (_, Some("sync")) => self.inside_sync += 1,
            (_, Some(_)) => self.inside_decision += 1,
            (_, None) => self.between += 1,
        }
    }

    /// After a kill: the cache is sound and nothing shown as done is missing.
    fn check_after_kill(&mut self, at: &str, view: &CacheView, record: &ServerRecord) {
        self.integrity_checks += 1;
        assert_eq!(
            view.integrity,
            ["ok"],
            "{at}: the cache fails its integrity check"
        );
        self.integrity_ok += 1;
        let anything_made = !self.shown.is_empty() || !view.unanswered.is_empty();
        if view.client_id.is_empty() {
            assert!(!anything_made, "{at}: the cache lost its client id");
            return;
        }
        // A first sign-in killed half-way may be redone with a new cache; once anything
        // was decided here the cache (and its client id) must be the same for good.
        match &self.client_id {
            Some(known) => assert_eq!(
                known, &view.client_id,
                "{at}: the cache was made anew: its outbox is gone"
            ),
            None if anything_made => self.client_id = Some(view.client_id.clone()),
            None => {}
        }
        for (id, shown) in &self.shown {
            if *id <= record.last {
                continue;
            }
            match view.unanswered.get(id) {
                Some(Some(token)) => assert_eq!(
                    token, &shown.token,
                    "{at}: outbox row {id} is not the decision shown as done on {}",
                    shown.draft
                ),
                Some(None) => panic!("{at}: outbox row {id} lost its text"),
                None => panic!(
                    "LOST: {at}: mutation {id} on {} was shown as done, is not in the outbox, \
                     and the server has processed only up to {}",
                    shown.draft, record.last
                ),
            }
        }
        // Above what the server processed, the outbox holds every id with no gap.
        let newest = view.unanswered.keys().next_back().copied().unwrap_or(0);
        for id in record.last + 1..=newest {
            assert!(
                view.unanswered.contains_key(&id),
                "{at}: mutation {id} is neither processed by the server nor in the outbox \
                 (server at {}, outbox up to {newest})",
                record.last
            );
        }
        assert!(
            view.pending >= view.unanswered.len() as u64,
            "{at}: the outbox counts {} rows but lists {} unanswered",
            view.pending,
            view.unanswered.len()
        );
        // The server processed every id up to its last once: applied, or refused because
        // the author edited the draft first.
        let ids: Vec<u64> = record.results.keys().copied().collect();
        assert_eq!(
            ids,
            (1..=record.last).collect::<Vec<_>>(),
            "{at}: the server's stored results and its last_mutation_id"
        );
        if let Some((id, status)) = record
            .results
            .iter()
            .find(|(_, s)| *s != "applied" && *s != "conflict")
        {
            panic!("{at}: the server answered mutation {id} {status}");
        }
        // A conflict on the desktop is one the server gave, and never also still queued.
        for id in &view.conflicts {
            assert_eq!(
                record.results.get(id).map(String::as_str),
                Some("conflict"),
                "{at}: mutation {id} is a conflict on the desktop only"
            );
            assert!(
                !view.unanswered.contains_key(id),
                "{at}: mutation {id} is both a conflict and waiting to be pushed"
            );
        }
    }

    /// After the final sync: each decision shown as done applied once or is a conflict the
    /// reviewer sees, and nothing is in the history twice.
    fn check_exactly_once(
        &mut self,
        at: &str,
        view: &CacheView,
        record: &ServerRecord,
        drafts: &BTreeMap<DraftId, countersign_core::Draft>,
    ) {
        assert!(
            view.unanswered.is_empty() && view.pending == 0,
            "{at}: the outbox still holds {} rows",
            view.pending
        );
        let newest = self.shown.keys().next_back().copied().unwrap_or(0);
        assert!(
            record.last >= newest,
            "{at}: the server processed up to {}, but {newest} was shown as done",
            record.last
        );
        let refused: std::collections::BTreeSet<u64> = record
            .results
            .iter()
            .filter(|(_, s)| *s == "conflict")
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            view.conflicts, refused,
            "{at}: the desktop's conflicts are exactly the server's refusals"
        );
        let tokens = tokens_on_server(drafts);
        for (id, shown) in &self.shown {
            let times = tokens.get(&shown.token).copied().unwrap_or(0);
            let expected = usize::from(!refused.contains(id));
            assert_eq!(
                times,
                expected,
                "{at}: mutation {id} on {} (shown as done, {}) is in the server's history \
                 {times} times",
                shown.draft,
                record.results.get(id).map_or("unknown", String::as_str)
            );
        }
        if let Some((token, times)) = tokens.iter().find(|(_, n)| **n > 1) {
            panic!("DUPLICATED: {at}: {token} is in the server's history {times} times");
        }
        assert_eq!(
            tokens.len() as u64,
            record.last - refused.len() as u64,
            "{at}: {} mutations processed, {} refused, {} in the history",
            record.last,
            refused.len(),
            tokens.len()
        );
        self.refused = refused.len();
    }
}
