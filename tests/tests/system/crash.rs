//! `kill -9` at random moments: the desktop in the middle of syncs and decisions
//! ([`desktop`]), the server in the middle of pushes ([`server`]). After every kill the
//! files pass SQLite's integrity check and nothing acknowledged is missing; at the end
//! everything shown as done, or answered by the server, was applied exactly once.
//!
//! Each run prints its seed; `COUNTERSIGN_SEED=<seed>` replays the same plan of kills (the
//! same offsets, or fractions of a push's measured time, after the same events; what the
//! process had reached by then depends on the machine). `COUNTERSIGN_KILLS` (desktop, default 100) and
//! `COUNTERSIGN_SERVER_KILLS` (default 20) raise the counts for `scripts/soak`.

mod desktop;
mod server;

use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The run's seed: `COUNTERSIGN_SEED`, or a fresh one, printed either way.
fn seeded_rng(test: &str) -> (u64, StdRng) {
    let seed = std::env::var("COUNTERSIGN_SEED")
        .ok()
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .unwrap_or_else(|e| panic!("COUNTERSIGN_SEED={s:?} is not a number: {e}"))
        })
        .unwrap_or_else(rand::random);
    eprintln!("{test}: seed {seed} (COUNTERSIGN_SEED={seed} replays it)");
    (seed, StdRng::seed_from_u64(seed))
}

/// A count from the environment (for the soak), else `default`.
fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().map_or(default, |v| {
        v.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v:?} is not a count: {e}"))
    })
}

/// The lines a child writes to stdout (or stderr), as they arrive, read on a thread of their
/// own so the test can wait for a line with a deadline.
struct Lines {
    rx: mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Lines {
    fn of(stream: impl Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            reader: Some(reader),
        }
    }

    /// The next line, `None` at the deadline or when the child closed its stdout.
    fn next_before(&self, deadline: Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(left).ok()
    }

    /// Every line still to come; call once the child is dead.
    fn rest(mut self) -> Vec<String> {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.rx.try_iter().collect()
    }
}

/// Sends SIGKILL (what `Child::kill` sends on Unix) and reaps the child. Returns whether it
/// was still running, i.e. whether the kill is what ended it.
fn kill9(child: &mut Child) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let alive = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("cannot reap the child: {e}"));
    alive && status.signal() == Some(9)
}

/// Waits `delay` before the kill. The wait is the fault being injected (when the process
/// dies), not a wait for something to happen, and needs finer steps than Tokio's timer.
#[allow(clippy::disallowed_methods)]
fn pause(delay: Duration) {
    std::thread::sleep(delay);
}

/// Copies a SQLite file and its WAL into a fresh folder, so it can be opened and checked
/// without recovering (and so changing) the original the next process will open. The
/// `-shm` index is left behind: SQLite rebuilds it from the WAL.
fn copy_database(path: &Path) -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let name = path.file_name().expect("a file name");
    let copy = scratch.path().join(name);
    std::fs::copy(path, &copy).unwrap_or_else(|e| panic!("cannot copy {}: {e}", path.display()));
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    if wal.exists() {
        let mut target = copy.as_os_str().to_owned();
        target.push("-wal");
        std::fs::copy(&wal, PathBuf::from(target))
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", wal.display()));
    }
    (scratch, copy)
}

/// `PRAGMA integrity_check` on a plain SQLite file (the server's).
fn integrity_of(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut stmt = conn.prepare("PRAGMA integrity_check").expect("prepare");
    stmt.query_map([], |row| row.get::<_, String>(0))
        .expect("integrity_check")
        .collect::<Result<_, _>>()
        .expect("integrity_check rows")
}

/// What the server's database holds for one client: its `last_mutation_id` and the status
/// of every stored first result, by mutation id.
#[derive(Debug, Default)]
struct ServerRecord {
    last: u64,
    results: BTreeMap<u64, String>,
}

fn server_record(db: &Path, client_id: &str) -> ServerRecord {
    let conn = rusqlite::Connection::open(db)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let last: Option<i64> = conn
        .query_row(
            "SELECT last_mutation_id FROM clients WHERE id = ?1",
            [client_id],
            |row| row.get(0),
        )
        .ok();
    let mut stmt = conn
        .prepare("SELECT mutation_id, result_json FROM mutation_results WHERE client_id = ?1")
        .expect("prepare");
    let results = stmt
        .query_map([client_id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .expect("results")
        .map(|row| {
            let (id, json) = row.expect("result row");
            let value: serde_json::Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("stored result {id} is not JSON: {e}"));
            let status = value["status"].as_str().unwrap_or("?").to_owned();
            (u64::try_from(id).expect("positive id"), status)
        })
        .collect();
    ServerRecord {
        last: last.map_or(0, |l| u64::try_from(l).expect("positive last id")),
        results,
    }
}

/// Every draft in the server's database, by id.
fn server_drafts(db: &Path) -> BTreeMap<countersign_core::DraftId, countersign_core::Draft> {
    let conn = rusqlite::Connection::open(db)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    let mut stmt = conn
        .prepare("SELECT draft_json FROM drafts")
        .expect("prepare");
    stmt.query_map([], |row| row.get::<_, String>(0))
        .expect("drafts")
        .map(|json| {
            let draft: countersign_core::Draft =
                serde_json::from_str(&json.expect("draft row")).expect("a stored draft");
            (draft.id, draft)
        })
        .collect()
}

/// How often each crash token (`crash-…`, one per decision or comment) appears in the
/// drafts' histories on the server.
fn tokens_on_server(
    drafts: &BTreeMap<countersign_core::DraftId, countersign_core::Draft>,
) -> BTreeMap<String, usize> {
    use countersign_core::HistoryEvent;
    let mut seen = BTreeMap::new();
    for draft in drafts.values() {
        for entry in &draft.history {
            let text = match &entry.event {
                HistoryEvent::Decided { comment, .. } => comment.as_str(),
                HistoryEvent::Annotated { annotation } => annotation.body.as_str(),
                _ => continue,
            };
            if let Some(token) = token_in(text) {
                *seen.entry(token.to_owned()).or_insert(0) += 1;
            }
        }
    }
    seen
}

/// The `crash-<hex>` token in a decision's comment or a comment's body.
fn token_in(text: &str) -> Option<&str> {
    let start = text.find("crash-")?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}
