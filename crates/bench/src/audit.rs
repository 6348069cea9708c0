//! The audit log's figures, for `countersign-audit-bench`: how fast the log is written —
//! standalone events through the storage's `record`, and decisions through real pushes over
//! loopback — and what an export and a verification of a big log cost in time and memory.
//!
//! Peak memory is this process's high-water mark (`VmHWM`), reset before each measurement by
//! writing 5 to `/proc/self/clear_refs` (Linux), and reported as the growth over the
//! resident size before it: what the export itself needed.

use crate::report::{Report, human};
use crate::setup::{PASSWORD, seed_people, serve_on_loopback};
use anyhow::Context;
use countersign_audit::{NewEvent, Via, kinds};
use countersign_server::audit::{self, AuditExport};
use countersign_server::export::ExportFormat;
use countersign_server::trail::Trail;
use countersign_server::{Server, ServerConfig};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// What an export may need above the process's size before it: a page of events and its
/// encoding, SQLite's page caches, the allocator's arenas for the threads that read — a
/// bound that holds for 100,000 events and for 300,000 alike (the file is 40 or 120 MiB).
const MEMORY_BOUND: u64 = 32 * 1024 * 1024;

/// What to measure.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// Events in the log that is exported and verified.
    pub events: usize,
    /// Events written one transaction each (the first of those).
    pub singles: usize,
    /// Decisions pushed (each writes its audit event in the push's transaction).
    pub decisions: usize,
    /// Decisions per push.
    pub per_push: usize,
    /// Where the benchmark's servers keep their data (a temporary folder inside it).
    pub scratch: std::path::PathBuf,
}

/// Measures everything in `options` and returns the table's lines.
pub async fn run_audit(args: &AuditOptions) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let dir = tempfile::TempDir::new_in(&args.scratch)?;
    let server = countersign_server::open(ServerConfig::new(dir.path().join("data"))).await?;

    // Written one at a time: each its own transaction and commit.
    let started = Instant::now();
    for i in 0..args.singles {
        audit::record(&server, vec![event(&server, i)]).await?;
    }
    let elapsed = started.elapsed();
    report.add(
        "audit events written, one per transaction (record)",
        format!("{:.0} events/s", per_sec(args.singles, elapsed)),
        format!("{} events in {}", args.singles, human(elapsed)),
        "—",
        true,
    );

    // Then in batches, up to the size of the big log.
    let batch = 1_000;
    let left = args.events.saturating_sub(args.singles);
    let started = Instant::now();
    for start in (0..left).step_by(batch) {
        let events = (start..(start + batch).min(left))
            .map(|i| event(&server, i))
            .collect();
        audit::record(&server, events).await?;
    }
    let elapsed = started.elapsed();
    report.add(
        "audit events written, 1,000 per transaction (record)",
        format!("{:.0} events/s", per_sec(left, elapsed)),
        format!("{left} events in {}", human(elapsed)),
        "—",
        true,
    );

    for format in [ExportFormat::Json, ExportFormat::Csv] {
        let path = dir.path().join(format!("audit.{}", format.as_str()));
        let (elapsed, grown) = measured(|| export(&server, format, &path)).await?;
        let size = std::fs::metadata(&path)?.len();
        report.add(
            format!("export {} events as {}", args.events, format.as_str()),
            format!("{}, peak memory +{}", human(elapsed), mib(grown)),
            format!("a {} file, read {} events a page", mib(size), audit::PAGE),
            "≤ 32 MiB, whatever the log's length",
            grown <= MEMORY_BOUND,
        );
    }

    let (elapsed, grown) = measured(|| async {
        let verified = audit::verify(&server, &[])
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            verified.events >= args.events as u64,
            "{} events verified",
            verified.events
        );
        Ok(())
    })
    .await?;
    report.add(
        format!("verify {} events", args.events),
        format!("{}, peak memory +{}", human(elapsed), mib(grown)),
        format!("{:.0} events/s", per_sec(args.events, elapsed)),
        "—",
        true,
    );
    drop(server);

    pushes(&mut report, args).await?;
    Ok(report)
}

/// A standalone event of about the size of a real one.
fn event(server: &Server, i: usize) -> NewEvent {
    NewEvent {
        detail: json!({"username_sha256": format!("{i:064x}"), "reason": "wrong password"}),
        ..NewEvent::new(server.now(), kinds::SIGN_IN_FAILED, Via::Api)
    }
}

/// Exports the whole log to `path`.
async fn export(server: &Server, format: ExportFormat, path: &Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut export = AuditExport::start(server, None, None, format, Trail::console()).await?;
    while let Some(chunk) = export.next_chunk().await? {
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(())
}

/// Runs `work`, returning how long it took and how far the resident memory's high-water
/// mark rose above the resident size before it.
async fn measured<F, Fut>(work: F) -> anyhow::Result<(Duration, u64)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    // Resets VmHWM to the present resident size.
    std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak memory")?;
    let before = status_bytes("VmRSS")?;
    let started = Instant::now();
    work().await?;
    let elapsed = started.elapsed();
    let peak = status_bytes("VmHWM")?;
    Ok((elapsed, peak.saturating_sub(before)))
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .with_context(|| format!("no {field} in /proc/self/status"))?;
    Ok(kb * 1024)
}

/// Decisions pushed over loopback, as the desktop sends them: each applied decision appends
/// its audit event in the push's transaction.
async fn pushes(report: &mut Report, args: &AuditOptions) -> anyhow::Result<()> {
    let dir = tempfile::TempDir::new_in(&args.scratch)?;
    let server = countersign_server::open(ServerConfig::new(dir.path())).await?;
    seed_people(&server).await?;
    let drafts = countersign_server::demo::bulk_drafts(&server, args.decisions, 120).await?;
    let (url, _stop) = serve_on_loopback(server.clone()).await?;
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{url}/api/v1/sessions"))
        .json(&json!({"username": "rita", "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = session["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    let client = uuid::Uuid::now_v7().to_string();
    let before = audit::head(&server).await?.map_or(0, |h| h.position);
    let started = Instant::now();
    let mut mutation_id = 0u64;
    for chunk in drafts.chunks(args.per_push.max(1)) {
        let mutations: Vec<_> = chunk
            .iter()
            .map(|id| {
                mutation_id += 1;
                json!({"mutation_id": mutation_id, "kind": "decide", "decision": {
                    "id": uuid::Uuid::now_v7(), "draft_id": id, "draft_version": 1,
                    "verdict": "approve", "comment": ""}})
            })
            .collect();
        let answer: serde_json::Value = http
            .post(format!("{url}/api/v1/push"))
            .bearer_auth(&token)
            .json(&json!({"client_id": client, "mutations": mutations}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let results = answer["results"].as_array().context("no results")?;
        anyhow::ensure!(
            results.iter().all(|r| r["status"] == "applied"),
            "a decision was not applied: {answer}"
        );
    }
    let elapsed = started.elapsed();
    let written = audit::head(&server).await?.map_or(0, |h| h.position) - before;
    anyhow::ensure!(
        written >= drafts.len() as u64,
        "{written} events for {} decisions",
        drafts.len()
    );
    report.add(
        format!("decisions pushed, {} per push", args.per_push),
        format!("{:.0} events/s", per_sec(written as usize, elapsed)),
        format!(
            "{} decisions, {written} audit events, in {}",
            drafts.len(),
            human(elapsed)
        ),
        "—",
        true,
    );
    Ok(())
}

fn per_sec(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
