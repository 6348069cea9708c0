//! The measurements themselves.

use crate::Options;
use crate::relay::Relay;
use crate::report::{Report, human, quantile};
use crate::setup::{Bench, fresh_cache};
use chrono::Utc;
use countersign_core::wire::ChangesResponse;
use countersign_core::{Decision, DecisionId, MutationKind, Sensitive, Verdict};
use countersign_sync::engine::{SharedCache, with_cache};
use countersign_sync::{ApiClient, SyncConfig, SyncEngine};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Runs every measurement and returns the table.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let scratch = TempDir::new_in(std::env::current_dir()?)?; // on the real disk, not tmpfs
    // Exactly what the desktop uses.
    let config = SyncConfig::default();
    for &n in &options.pull_sizes {
        let bench = Bench::start(n).await?;
        let (api, token) = bench.sign_in().await?;
        cold_pull(&mut report, n, &bench, &api, &token, config, scratch.path()).await?;
    }

    // Push, idle sync and single decisions on one synced desktop.
    let n = options.push.max(1);
    let bench = Bench::start(n).await?;
    let (api, token) = bench.sign_in().await?;
    let engine = SyncEngine::new(api.clone(), config);
    let cache = fresh_cache(scratch.path(), "desktop.db")?;
    engine.sync(&cache, &token, now()).await?;
    let first = with_cache(&cache, |c| {
        c.queue(&countersign_store::QueueFilter::default())
    })
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| anyhow::anyhow!("the synced queue is empty"))?;

    idle_sync(&mut report, &bench, &cache, &token, options.idle_syncs).await?;
    push(&mut report, &engine, &cache, &token, options.push).await?;
    durable_decision(&mut report, &cache, first.id, options.decisions).await?;
    Ok(report)
}

#[allow(clippy::disallowed_methods)] // a benchmark reads the wall clock
fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}

async fn cold_pull(
    report: &mut Report,
    n: usize,
    bench: &Bench,
    api: &ApiClient,
    token: &Sensitive<String>,
    config: SyncConfig,
    scratch: &std::path::Path,
) -> anyhow::Result<()> {
    // The pages the desktop will receive, fetched untimed for the baseline.
    let probe = fresh_cache(scratch, &format!("probe-{n}.db"))?;
    let client_id = with_cache(&probe, |c| c.client_id())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no client id"))?;
    let http = reqwest::Client::new();
    let mut bodies = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0.. {
        let limit =
            countersign_sync::plan::page_size(page_number, config.first_page, config.page_limit);
        let mut call = http
            .get(format!("{}/api/v1/changes", bench.url))
            .bearer_auth(token.expose())
            .query(&[
                ("client_id", client_id.to_string()),
                ("limit", limit.to_string()),
            ]);
        if let Some(c) = &cursor {
            call = call.query(&[("cursor", c)]);
        }
        let bytes = call.send().await?.error_for_status()?.bytes().await?;
        let page: ChangesResponse = serde_json::from_slice(&bytes)?;
        bodies.push(bytes);
        if !page.has_more {
            break;
        }
        cursor = Some(page.next_cursor);
    }
    let total_bytes: usize = bodies.iter().map(|b| b.len()).sum();

    // Baseline: parse the same JSON and insert the same rows with the same store code.
    let baseline_cache = fresh_cache(scratch, &format!("baseline-{n}.db"))?;
    let (baseline_rows, parse_time, insert_time) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(u64, Duration, Duration)> {
            let mut cache = baseline_cache
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?;
            let (mut rows, mut parse, mut insert) = (0, Duration::ZERO, Duration::ZERO);
            for bytes in &bodies {
                let started = Instant::now();
                let page: ChangesResponse = serde_json::from_slice(bytes)?;
                parse += started.elapsed();
                let started = Instant::now();
                rows += page.changes.len() as u64;
                cache.apply_changes(&page)?;
                insert += started.elapsed();
            }
            Ok((rows, parse, insert))
        })
        .await??;
    let baseline = parse_time + insert_time;

    // The real thing: an empty encrypted cache pulls over loopback.
    let cache = fresh_cache(scratch, &format!("pull-{n}.db"))?;
    let engine = SyncEngine::new(api.clone(), config);
    let started = Instant::now();
    let pulled = engine.sync(&cache, token, now()).await?;
    let elapsed = started.elapsed();
    let stored = with_cache(&cache, |c| c.draft_count()).await?;
    anyhow::ensure!(
        pulled.pulled == n as u64 && stored == n as u64 && baseline_rows == n as u64,
        "pulled {} and stored {stored} of {n} drafts",
        pulled.pulled
    );

    let ratio = elapsed.as_secs_f64() / baseline.as_secs_f64();
    let (limit, limit_text) = if n >= 50_000 {
        (Duration::from_millis(1500), "≤ 1.5 s and ≤ 2× baseline")
    } else {
        (Duration::from_millis(300), "≤ 0.3 s and ≤ 2× baseline")
    };
    report.add(
        format!(
            "cold pull, {n} drafts ({:.1} MB JSON, {} pages)",
            total_bytes as f64 / 1e6,
            pulled.pages
        ),
        format!("{} ({ratio:.2}× baseline)", human(elapsed)),
        format!(
            "baseline, no HTTP: {} = parse {} + insert {}",
            human(baseline),
            human(parse_time),
            human(insert_time)
        ),
        limit_text,
        elapsed <= limit && ratio <= 2.0,
    );
    Ok(())
}

async fn idle_sync(
    report: &mut Report,
    bench: &Bench,
    cache: &SharedCache,
    token: &Sensitive<String>,
    runs: usize,
) -> anyhow::Result<()> {
    // Through a counting relay, so the request's own bytes are measured too.
    let upstream = bench.url.trim_start_matches("http://").to_string();
    let relay = Relay::start(upstream).await?;
    let api = ApiClient::new(&relay.url)?;
    let engine = SyncEngine::new(api.clone(), SyncConfig::default());
    engine.sync(cache, token, now()).await?; // opens the connection

    let runs = runs.max(1);
    let requests_before = api.traffic().requests();
    let sent_before = relay.bytes.sent.load(Ordering::Relaxed);
    let received_before = relay.bytes.received.load(Ordering::Relaxed);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        engine.sync(cache, token, now()).await?;
        times.push(started.elapsed());
    }
    times.sort();
    let per_sync = |total: u64| total as f64 / runs as f64;
    let requests = per_sync(api.traffic().requests() - requests_before);
    let sent = per_sync(relay.bytes.sent.load(Ordering::Relaxed) - sent_before);
    let received = per_sync(relay.bytes.received.load(Ordering::Relaxed) - received_before);
    let p50 = quantile(&times, 0.5);
    report.add(
        "no-change sync",
        format!("p50 {}, p99 {}", human(p50), human(quantile(&times, 0.99))),
        format!("{requests:.1} request: {sent:.0} B sent, {received:.0} B received on the wire"),
        "1 request < 1 KB, ≤ 3 ms",
        requests <= 1.0 && sent < 1024.0 && received < 1024.0 && p50 <= Duration::from_millis(3),
    );
    Ok(())
}

async fn push(
    report: &mut Report,
    engine: &SyncEngine,
    cache: &SharedCache,
    token: &Sensitive<String>,
    n: usize,
) -> anyhow::Result<()> {
    let queue_started = Instant::now();
    let queued = with_cache(cache, move |c| {
        let drafts = c.queue(&countersign_store::QueueFilter {
            limit: Some(n),
            ..Default::default()
        })?;
        for item in &drafts {
            let decision = Decision {
                id: DecisionId(uuid::Uuid::now_v7()),
                draft_id: item.id,
                draft_version: item.version,
                verdict: Verdict::Approve,
                comment: String::new(),
                override_reason: None,
                client_time: None,
            };
            c.enqueue(&MutationKind::Decide { decision }, now())?;
        }
        Ok(drafts.len())
    })
    .await?;
    let queue_time = queue_started.elapsed();

    let started = Instant::now();
    let pushed = engine.push_outbox(cache, token, now()).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        pushed.applied == queued as u64,
        "{} of {queued} decisions applied",
        pushed.applied
    );
    report.add(
        format!("push {queued} queued decisions"),
        human(elapsed),
        format!("queued offline in {} (one fsync each)", human(queue_time)),
        "≤ 1 s",
        elapsed <= Duration::from_secs(1),
    );

    let started = Instant::now();
    let pulled = engine.sync(cache, token, now()).await?;
    report.add(
        format!("pull back the {queued} decided drafts"),
        human(started.elapsed()),
        format!(
            "{} changes, outbox emptied in the same transactions",
            pulled.pulled
        ),
        "—",
        true,
    );
    Ok(())
}

async fn durable_decision(
    report: &mut Report,
    cache: &SharedCache,
    draft_id: countersign_core::DraftId,
    n: usize,
) -> anyhow::Result<()> {
    let n = n.max(1);
    let mut sorted = with_cache(cache, move |c| {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let decision = Decision {
                id: DecisionId(uuid::Uuid::now_v7()),
                draft_id,
                draft_version: 1,
                verdict: Verdict::Approve,
                comment: String::new(),
                override_reason: None,
                client_time: None,
            };
            let started = Instant::now();
            c.enqueue(&MutationKind::Decide { decision }, now())?;
            times.push(started.elapsed());
        }
        Ok(times)
    })
    .await?;
    sorted.sort();
    let p99 = quantile(&sorted, 0.99);
    report.add(
        format!("durable local decision (fsync'd), {n} samples"),
        format!("p50 {}, p99 {}", human(quantile(&sorted, 0.5)), human(p99)),
        format!("max {}", human(sorted[sorted.len() - 1])),
        "p99 ≤ 1 ms",
        p99 <= Duration::from_millis(1),
    );
    Ok(())
}
