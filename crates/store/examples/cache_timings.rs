//! Informal timings of the cache's two hot paths, on a real encrypted file:
//!
//! - a first sync: 50,000 drafts (about 600 bytes of JSON each) pulled into an empty cache,
//!   in pages of `PAGE` drafts, one `apply_changes` per page;
//! - recording decisions: `ENQUEUES` calls to `enqueue`, each one fsync'd transaction.
//!
//! `cargo run --release -p countersign-store --example cache_timings [DRAFTS] [PAGE] [ENQUEUES]`
//! The file goes in a temporary directory (set `TMPDIR` to measure another disk).

use chrono::{DateTime, Duration, Utc};
use countersign_core::wire::{Change, ChangesResponse};
use countersign_core::{
    Decision, DecisionId, Draft, DraftId, DraftStatus, InReplyTo, MutationId, MutationKind,
    Network, Person, TeamId, Urgency, UserId, Verdict,
};
use countersign_store::{Cache, CacheKey, QueueFilter};
use std::time::Instant;
use uuid::Uuid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let drafts = args.next().transpose()?.unwrap_or(50_000);
    let page_size = args.next().transpose()?.unwrap_or(1_000);
    let enqueues = args.next().transpose()?.unwrap_or(2_000);

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.db");
    let mut cache = Cache::open(&path, &CacheKey::generate())?;
    let t0: DateTime<Utc> = "2026-11-25T09:00:00Z".parse()?;

    let all: Vec<Draft> = (0..drafts).map(|n| sample_draft(n, t0)).collect();
    let json_bytes: usize = all
        .iter()
        .map(|d| serde_json::to_string(d).map(|s| s.len()))
        .sum::<Result<_, _>>()?;
    let page_count = all.len().div_ceil(page_size.max(1));
    let pages: Vec<ChangesResponse> = all
        .chunks(page_size.max(1))
        .enumerate()
        .map(|(i, chunk)| ChangesResponse {
            changes: chunk
                .iter()
                .map(|d| Change::Upsert {
                    draft: Box::new(d.clone()),
                })
                .collect(),
            next_cursor: format!("cursor-{i}"),
            has_more: i + 1 < page_count,
            last_mutation_id: MutationId(0),
            directory: None,
        })
        .collect();

    let started = Instant::now();
    let mut slowest_page = std::time::Duration::ZERO;
    for page in &pages {
        let page_started = Instant::now();
        cache.apply_changes(page)?;
        slowest_page = slowest_page.max(page_started.elapsed());
    }
    let apply = started.elapsed();
    let file_mib = file_size(&path) as f64 / 1_048_576.0;
    eprintln!(
        "apply_changes: {drafts} drafts (avg {} B JSON) in pages of {page_size}: {:.2} s \
         ({:.0} drafts/s, slowest page {:.1} ms), db file {file_mib:.1} MiB",
        json_bytes / drafts.max(1),
        apply.as_secs_f64(),
        drafts as f64 / apply.as_secs_f64(),
        slowest_page.as_secs_f64() * 1e3,
    );

    let started = Instant::now();
    let first = cache.queue(&QueueFilter {
        limit: Some(50),
        ..QueueFilter::default()
    })?;
    let first_page = started.elapsed();
    let started = Instant::now();
    let whole = cache.queue(&QueueFilter::default())?;
    eprintln!(
        "queue: first 50 items in {:.2} ms, all {} in {:.0} ms",
        first_page.as_secs_f64() * 1e3,
        whole.len(),
        started.elapsed().as_secs_f64() * 1e3,
    );
    drop((first, whole));

    let mut latencies = Vec::with_capacity(enqueues);
    for n in 0..enqueues {
        let draft = &all[n % all.len().max(1)];
        let kind = MutationKind::Decide {
            decision: Decision {
                id: DecisionId(Uuid::now_v7()),
                draft_id: draft.id,
                draft_version: draft.version,
                verdict: Verdict::Approve,
                comment: String::new(),
                override_reason: None,
                client_time: Some(t0),
            },
        };
        let started = Instant::now();
        cache.enqueue(&kind, t0)?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1e3
    };
    if !latencies.is_empty() {
        eprintln!(
            "enqueue: {enqueues} fsync'd commits: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, \
             max {:.3} ms",
            pct(0.50),
            pct(0.90),
            pct(0.99),
            pct(1.0),
        );
    }
    Ok(())
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn sample_draft(n: usize, t0: DateTime<Utc>) -> Draft {
    let n32 = u32::try_from(n).unwrap_or(u32::MAX);
    let created = t0 + Duration::seconds(i64::from(n32));
    let urgency = match n % 20 {
        0 => Urgency::Crisis,
        1..=4 => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    Draft {
        id: DraftId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 + n as u128,
        )),
        version: 1,
        status: DraftStatus::Pending,
        network: Network::ALL[n % Network::ALL.len()],
        channel: format!("@acme_{}", n % 12),
        channel_id: None,
        team: TeamId(Uuid::from_u128(1)),
        body: format!(
            "Thanks for getting in touch about order #{n}. Sorry it arrived \
             late: a replacement should reach you by Friday."
        ),
        author: Person {
            id: UserId(Uuid::from_u128(2 + (n % 40) as u128)),
            username: format!("agent{}", n % 40),
            display_name: format!("Agency Agent {}", n % 40),
        },
        urgency,
        owner: None,
        requested_urgency: None,
        scheduled_at: n.is_multiple_of(3).then(|| created + Duration::hours(2)),
        required_steps: vec![countersign_core::RequiredStep::one("review")],
        approvals: vec![],
        in_reply_to: Some(InReplyTo {
            author: format!("@customer{n}"),
            text: "Where is my parcel?".to_owned(),
            url: None,
        }),
        media: vec![],
        created_at: created,
        updated_at: created,
        history: vec![],
    }
}
