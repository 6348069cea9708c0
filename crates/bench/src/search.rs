//! Search latency, for `countersign-search-bench`: one [`Cache::queue_page`] — the rows the
//! window shows, where the words matched, the total and every filter menu's counts — over an
//! encrypted cache on disk holding N pending drafts, as the window asks for it.
//!
//! The drafts are written through [`Cache::apply_changes`], as a pull writes them (so the
//! search index is filled by the same triggers), with bodies and customer posts drawn from
//! a vocabulary whose word frequencies fall off like a natural language's: a few words are
//! in a third of the drafts, most are rare. Each query is timed `repeat` times after one
//! warm-up run; p50, p95 and the worst are reported.

use crate::report::{Report, human, quantile};
use chrono::{Duration as Span, TimeZone, Utc};
use countersign_core::finding::Severity;
use countersign_core::wire::{Change, ChangesResponse};
use countersign_core::{
    Decision, DecisionId, Draft, DraftId, DraftStatus, InReplyTo, MutationId, MutationKind,
    Network, Person, RequiredStep, TeamId, Urgency, UserId, Verdict,
};
use countersign_store::{Cache, CacheKey, GuardVerdict, QueueFilter, QueuePage};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The target for one query.
const TARGET: Duration = Duration::from_millis(10);
/// Rows a window of the queue asks for: a screen and its overscan.
const PAGE: usize = 40;

/// What to measure.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Pending drafts in the cache.
    pub drafts: usize,
    /// Times each query is run.
    pub repeat: usize,
    /// Folder for the cache file (on the disk to measure).
    pub scratch: std::path::PathBuf,
}

/// A small deterministic generator (xorshift), so every run searches the same cache.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A word index drawn roughly by Zipf's law over `n` words.
    fn zipf(&mut self, n: usize) -> usize {
        // 1/x density: exp(uniform · ln n).
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        (((n as f64).ln() * u).exp() as usize)
            .saturating_sub(1)
            .min(n - 1)
    }
}

/// Words of a support team's replies, most frequent first; then made-up ones for the tail.
const COMMON: &[&str] = &[
    "the", "you", "to", "we", "for", "your", "and", "thanks", "sorry", "order", "please", "help",
    "us", "delivery", "account", "team", "update", "today", "refund", "store", "outage", "app",
    "support", "shipping", "tracking", "number", "message", "soon", "monday", "tuesday", "weekend",
    "package", "return", "payment", "card", "login",
];

fn vocabulary() -> Vec<String> {
    let syllables = [
        "ka", "lo", "mi", "ren", "tas", "vo", "dul", "pe", "nor", "si", "gam", "ut",
    ];
    let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
    for a in syllables {
        for b in syllables {
            for c in syllables {
                words.push(format!("{a}{b}{c}"));
            }
        }
    }
    words
}

fn sentence(dice: &mut Dice, words: &[String], len: usize) -> String {
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        out.push(words[dice.zipf(words.len())].as_str());
    }
    out.join(" ")
}

const CHANNELS: &[(Network, &str)] = &[
    (Network::X, "@hartwell_help"),
    (Network::X, "@hartwell_news"),
    (Network::Bluesky, "@hartwell.bsky.social"),
    (Network::Mastodon, "@hartwell@mastodon.social"),
    (Network::Linkedin, "hartwell-company"),
    (Network::Instagram, "@hartwell_style"),
];

fn draft(n: usize, dice: &mut Dice, words: &[String]) -> Draft {
    let at = Utc
        .timestamp_opt(1_790_000_000, 0)
        .single()
        .unwrap_or_default()
        + Span::seconds(n as i64);
    let (network, channel) = CHANNELS[dice.below(CHANNELS.len())];
    let author = dice.below(20);
    let urgency = match dice.below(50) {
        0 => Urgency::Crisis,
        1..=5 => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let body_words = 12 + dice.below(30);
    let body = format!(
        "{}.\n{}",
        sentence(dice, words, 8),
        sentence(dice, words, body_words)
    );
    let in_reply_to = if dice.below(2) == 0 {
        let handle = dice.below(5_000);
        let len = 10 + dice.below(20);
        Some(InReplyTo {
            author: format!("@customer{handle}"),
            text: sentence(dice, words, len),
            url: None,
        })
    } else {
        None
    };
    let scheduled_at = if dice.below(4) == 0 {
        Some(at + Span::hours(dice.below(48) as i64))
    } else {
        None
    };
    Draft {
        id: DraftId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 + n as u128,
        )),
        version: 1,
        status: DraftStatus::Pending,
        network,
        channel: channel.to_owned(),
        channel_id: None,
        team: TeamId(Uuid::from_u128(1)),
        body,
        author: Person {
            id: UserId(Uuid::from_u128(100 + author as u128)),
            username: format!("author{author}"),
            display_name: format!("Author {author}"),
        },
        owner: None,
        urgency,
        requested_urgency: None,
        scheduled_at,
        required_steps: vec![RequiredStep::one("review")],
        approvals: vec![],
        in_reply_to,
        media: vec![],
        created_at: at,
        updated_at: at,
        history: vec![],
    }
}

/// Fills `cache` with `n` drafts as pulls would, a verdict on each, and a few decisions.
fn fill(cache: &mut Cache, n: usize) -> anyhow::Result<()> {
    let words = vocabulary();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut page = Vec::with_capacity(500);
    let mut verdicts = Vec::with_capacity(500);
    let mut decided = Vec::new();
    for i in 0..n {
        let d = draft(i, &mut dice, &words);
        let worst = match dice.below(10) {
            0 => Some(Severity::Block),
            1 | 2 => Some(Severity::Warn),
            3 => Some(Severity::Info),
            _ => None,
        };
        verdicts.push(GuardVerdict {
            id: d.id,
            version: 1,
            findings: worst.map(finding).into_iter().collect(),
        });
        if i % 250 == 0 {
            decided.push(d.clone());
        }
        page.push(Change::Upsert { draft: Box::new(d) });
        if page.len() == 500 || i + 1 == n {
            cache.apply_changes(&ChangesResponse {
                changes: std::mem::take(&mut page),
                next_cursor: format!("{i}"),
                has_more: i + 1 < n,
                last_mutation_id: MutationId(0),
                directory: None,
            })?;
            cache.set_verdicts(&std::mem::take(&mut verdicts))?;
        }
    }
    for d in decided {
        let decision = Decision {
            id: DecisionId(Uuid::now_v7()),
            draft_id: d.id,
            draft_version: d.version,
            verdict: Verdict::Approve,
            comment: String::new(),
            override_reason: None,
            client_time: None,
        };
        cache.enqueue(&MutationKind::Decide { decision }, d.created_at)?;
    }
    Ok(())
}

/// One query of the table.
struct Query {
    what: &'static str,
    text: &'static str,
    filter: QueueFilter,
    offset: usize,
}

fn queries() -> Vec<Query> {
    let reviewer = || QueueFilter {
        next_steps: Some(vec!["review".to_owned()]),
        ..QueueFilter::default()
    };
    let q = |what, text, filter, offset| Query {
        what,
        text,
        filter,
        offset,
    };
    vec![
        q("the queue, no words (first screen)", "", reviewer(), 0),
        q(
            "the queue, no words, deep in it (row 25,000)",
            "",
            reviewer(),
            25_000,
        ),
        q("a common word (\"order\")", "order", reviewer(), 0),
        q("a rare word", "kalomi", reviewer(), 0),
        q("a word as it is typed (\"outa\")", "outa", reviewer(), 0),
        q("a one-letter prefix (\"r\")", "r", reviewer(), 0),
        q(
            "two words (\"refund delivery\")",
            "refund delivery",
            reviewer(),
            0,
        ),
        q(
            "a channel (\"hartwell_news\")",
            "hartwell_news",
            reviewer(),
            0,
        ),
        q(
            "words + network + has findings",
            "sorry",
            QueueFilter {
                network: Some(Network::X),
                has_findings: Some(true),
                ..reviewer()
            },
            0,
        ),
        q(
            "words + decided by me",
            "the",
            QueueFilter {
                decided_by_me: Some(true),
                ..reviewer()
            },
            0,
        ),
        q(
            "hostile text (quotes, NEAR, -, *)",
            "\"NEAR(-x* \"",
            reviewer(),
            0,
        ),
    ]
}

/// The first page after a pull changed a draft's place or facets, so the queue's shape in
/// memory is read again: a guard verdict on one draft flips between runs.
fn after_a_change(
    cache: &mut Cache,
    opts: &SearchOptions,
    report: &mut Report,
) -> anyhow::Result<()> {
    let page = QueuePage {
        filter: QueueFilter {
            next_steps: Some(vec!["review".to_owned()]),
            ..QueueFilter::default()
        },
        limit: PAGE,
        ..QueuePage::default()
    };
    let first = cache.queue_page(&page)?;
    let changed = first
        .items
        .first()
        .ok_or_else(|| anyhow::anyhow!("the queue is empty"))?;
    let (id, version) = (changed.item.id, changed.item.version);
    let mut times = Vec::with_capacity(opts.repeat);
    for run in 0..opts.repeat.max(1) {
        let worst = if run % 2 == 0 {
            Some(Severity::Block)
        } else {
            None
        };
        cache.set_verdicts(&[GuardVerdict {
            id,
            version,
            findings: worst.map(finding).into_iter().collect(),
        }])?;
        let started = Instant::now();
        cache.queue_page(&page)?;
        times.push(started.elapsed());
    }
    add_latencies(
        report,
        format!(
            "queue_page at {} drafts: the first after a draft changed (its shape read again)",
            opts.drafts
        ),
        times,
        "no words",
    );
    Ok(())
}

/// A row of one query's times: p50 and p95 against the target, the worst and `detail`.
fn add_latencies(report: &mut Report, what: String, mut times: Vec<Duration>, detail: &str) {
    times.sort_unstable();
    let p95 = quantile(&times, 0.95);
    report.add(
        what,
        format!("p50 {}, p95 {}", human(quantile(&times, 0.5)), human(p95)),
        format!("worst {}; {detail}", human(quantile(&times, 1.0))),
        "≤ 10 ms",
        p95 <= TARGET,
    );
}

/// Builds the cache and times every query.
pub fn run_search(opts: &SearchOptions) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let dir = tempfile::TempDir::new_in(&opts.scratch)?;
    let path = dir.path().join("cache.db");
    let key = CacheKey::generate();
    let started = Instant::now();
    {
        let mut cache = Cache::open(&path, &key)?;
        fill(&mut cache, opts.drafts)?;
    }
    let filled = started.elapsed();
    let size = std::fs::metadata(&path)?.len();
    report.add(
        format!(
            "fill an encrypted cache with {} drafts (pulls + index)",
            opts.drafts
        ),
        human(filled),
        format!("{:.1} MiB on disk", size as f64 / 1_048_576.0),
        "—",
        true,
    );
    // Reopened, as the app opens it: the page cache starts cold.
    let mut cache = Cache::open(&path, &key)?;
    after_a_change(&mut cache, opts, &mut report)?;
    for query in queries() {
        let page = QueuePage {
            filter: query.filter,
            text: query.text.to_owned(),
            offset: query.offset,
            limit: PAGE,
        };
        let first = cache.queue_page(&page)?;
        let mut times = Vec::with_capacity(opts.repeat);
        for _ in 0..opts.repeat.max(1) {
            let started = Instant::now();
            let answer = cache.queue_page(&page)?;
            times.push(started.elapsed());
            anyhow::ensure!(
                answer.total == first.total,
                "the same query, another answer"
            );
        }
        add_latencies(
            &mut report,
            format!("queue_page at {} drafts: {}", opts.drafts, query.what),
            times,
            &format!(
                "{} rows of {} matching, counts for every menu",
                first.items.len(),
                first.total
            ),
        );
    }
    Ok(report)
}

/// A finding of `severity` on a draft, as the guard would store one.
fn finding(severity: Severity) -> countersign_core::Finding {
    countersign_core::Finding {
        rule: "confidential.code_names".into(),
        category: countersign_core::Category::Confidential,
        severity,
        span: None,
        message: "A code name.".into(),
        reason: "Unreleased projects are not named in public.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{SearchOptions, run_search};

    /// The benchmark runs end to end at a toy size and every query finds what it should
    /// (no timing is asserted: CI machines vary; the figures are for people).
    #[test]
    fn the_search_benchmark_runs_on_a_small_cache() {
        let report = run_search(&SearchOptions {
            drafts: 1_200,
            repeat: 2,
            scratch: std::env::temp_dir(),
        })
        .expect("benchmark runs");
        assert_eq!(report.rows.len(), 13, "{}", report.table());
        let common = &report.rows[4];
        assert!(
            !common.against.contains(" of 0 matching"),
            "{}",
            report.table()
        );
    }
}
