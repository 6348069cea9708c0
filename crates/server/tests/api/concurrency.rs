//! Fifty clients against one server, over real HTTP on loopback, for
//! `COUNTERSIGN_CONCURRENCY_SECS` seconds (20 by default; `scripts/soak concurrency` runs 60):
//! forty reviewer desktops (35 accounts, five of them on two desktops, each desktop its own
//! session and client id) pull the changes feed and push decisions and comments, and re-push
//! a batch now and then as a desktop does when an answer is lost; ten authors write, edit and
//! withdraw drafts meanwhile. Then:
//! - no answer was a 5xx (SQLite's busy state included) and every request finished (a
//!   deadlock would show as a request still waiting when the run ends);
//! - every mutation the server answered `applied` is in its draft's history exactly once,
//!   and nothing else is; a re-push is answered `duplicate` with the first result;
//! - each desktop's picture built from the feed page by page equals a fresh full pull, and
//!   the feed's `last_mutation_id` is the last mutation the desktop pushed.
//!
//! The clients' choices are seeded (`COUNTERSIGN_SEED` replays them; the interleaving is
//! the machine's). The run prints its figures: requests, mutations, latency p50/p99.

use crate::support::{TestServer, add_user, org};
use countersign_core::{HistoryEvent, Role};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

const REVIEWER_ACCOUNTS: usize = 35;
const SECOND_DESKTOPS: usize = 5;
const AUTHORS: usize = 10;

/// One request's outcome: what it was, its status, how long it took.
type Sample = (&'static str, u16, Duration);

/// A desktop's view of one draft, from the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    version: u64,
    status: String,
}

/// What one reviewer desktop did and saw.
struct Desktop {
    name: String,
    client_id: String,
    token: String,
    cursor: String,
    mirror: BTreeMap<String, Seen>,
    /// Mutation id → (the kind's id — decision or annotation — and the effective status).
    results: BTreeMap<u64, (String, String)>,
    next: u64,
    last_mutation_id: u64,
}

struct Author {
    name: String,
    token: String,
    drafts: Vec<String>,
}

/// Sends one request and records it; a transport error (a timeout included) fails the test.
async fn timed(
    samples: &mut Vec<Sample>,
    what: &'static str,
    request: reqwest::RequestBuilder,
) -> (StatusCode, Value) {
    let started = Instant::now();
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: the request did not finish: {e}"));
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{what}: the answer did not finish: {e}"));
    samples.push((what, status.as_u16(), started.elapsed()));
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Pulls the feed to its end from the desktop's cursor, folding each page into its mirror.
async fn pull(url: &str, http: &reqwest::Client, d: &mut Desktop, samples: &mut Vec<Sample>) {
    for _ in 0..10_000 {
        let request = http
            .get(format!(
                "{url}/api/v1/changes?client_id={}&cursor={}&limit=100",
                d.client_id, d.cursor
            ))
            .bearer_auth(&d.token);
        let (status, page) = timed(samples, "pull", request).await;
        assert_eq!(status, StatusCode::OK, "{}: pull: {page}", d.name);
        for change in page["changes"].as_array().unwrap() {
            match change["kind"].as_str().unwrap() {
                "upsert" => {
                    let draft = &change["draft"];
                    d.mirror.insert(
                        draft["id"].as_str().unwrap().to_owned(),
                        Seen {
                            version: draft["version"].as_u64().unwrap(),
                            status: draft["status"].as_str().unwrap().to_owned(),
                        },
                    );
                }
                _ => {
                    d.mirror.remove(change["draft_id"].as_str().unwrap());
                }
            }
        }
        d.cursor = page["next_cursor"].as_str().unwrap().to_owned();
        d.last_mutation_id = page["last_mutation_id"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return;
        }
    }
    panic!("{}: the feed never ended", d.name);
}

/// A reviewer desktop until `deadline`: pull, decide or comment on a few drafts, push, and
/// sometimes push the same batch again.
async fn review(
    url: String,
    mut d: Desktop,
    seed: u64,
    deadline: Instant,
) -> (Desktop, Vec<Sample>, usize) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut samples = vec![];
    let mut repushes = 0;
    while Instant::now() < deadline {
        pull(&url, &http, &mut d, &mut samples).await;
        let pending: Vec<(&String, &Seen)> = d
            .mirror
            .iter()
            .filter(|(_, s)| s.status == "pending")
            .collect();
        let all: Vec<(&String, &Seen)> = d.mirror.iter().collect();
        if all.is_empty() {
            continue;
        }
        let mut batch = vec![];
        let mut kinds = vec![];
        for _ in 0..rng.random_range(1..=4) {
            // Mostly drafts still in review; now and then any, for the conflicts.
            let pool = if pending.is_empty() || rng.random_bool(0.1) {
                &all
            } else {
                &pending
            };
            let (id, seen) = pool[rng.random_range(0..pool.len())];
            let mutation_id = d.next;
            d.next += 1;
            let (mutation, kind_id) = if rng.random_bool(0.3) {
                let annotation = uuid::Uuid::now_v7().to_string();
                let m = json!({"mutation_id": mutation_id, "kind": "annotate", "annotation": {
                    "id": annotation, "draft_id": id, "draft_version": seen.version,
                    "body": format!("{} asks: is the tone right?", d.name)}});
                (m, annotation)
            } else {
                let decision = uuid::Uuid::now_v7().to_string();
                let verdict = ["approve", "approve", "approve", "request_changes", "reject"]
                    [rng.random_range(0..5)];
                let m = json!({"mutation_id": mutation_id, "kind": "decide", "decision": {
                    "id": decision, "draft_id": id, "draft_version": seen.version,
                    "verdict": verdict, "comment": "checked against the brief"}});
                (m, decision)
            };
            batch.push(mutation);
            kinds.push((mutation_id, kind_id));
        }
        let body = json!({"client_id": d.client_id, "mutations": batch});
        let request = http
            .post(format!("{url}/api/v1/push"))
            .bearer_auth(&d.token)
            .json(&body);
        let (status, answer) = timed(&mut samples, "push", request).await;
        assert_eq!(status, StatusCode::OK, "{}: push: {answer}", d.name);
        let results = answer["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            kinds.len(),
            "{}: one result per mutation: {answer}",
            d.name
        );
        for ((mutation_id, kind_id), result) in kinds.iter().zip(results) {
            assert_eq!(
                result["mutation_id"], *mutation_id,
                "{}: results in order",
                d.name
            );
            let status = result["status"].as_str().unwrap().to_owned();
            assert_ne!(
                status, "duplicate",
                "{}: a first push is never a duplicate",
                d.name
            );
            let earlier = d.results.insert(*mutation_id, (kind_id.clone(), status));
            assert!(
                earlier.is_none(),
                "{}: mutation {mutation_id} answered twice",
                d.name
            );
        }
        if rng.random_bool(0.15) {
            // The answer "was lost": the same batch again is answered with the first results.
            repushes += 1;
            let request = http
                .post(format!("{url}/api/v1/push"))
                .bearer_auth(&d.token)
                .json(&body);
            let (status, again) = timed(&mut samples, "re-push", request).await;
            assert_eq!(status, StatusCode::OK, "{}: re-push: {again}", d.name);
            for ((mutation_id, _), result) in kinds.iter().zip(again["results"].as_array().unwrap())
            {
                assert_eq!(
                    result["status"], "duplicate",
                    "{}: a re-push: {again}",
                    d.name
                );
                assert_eq!(
                    result["first_status"].as_str(),
                    Some(d.results[mutation_id].1.as_str()),
                    "{}: a duplicate repeats the first result",
                    d.name
                );
            }
        }
    }
    pull(&url, &http, &mut d, &mut samples).await;
    (d, samples, repushes)
}

/// An author until `deadline`: write a draft, edit one, or withdraw one.
async fn write(url: String, mut a: Author, seed: u64, deadline: Instant) -> (Author, Vec<Sample>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut samples = vec![];
    let mut written = 0;
    while Instant::now() < deadline {
        let choice = if a.drafts.is_empty() {
            0.0
        } else {
            rng.random::<f64>()
        };
        if choice < 0.5 {
            written += 1;
            let body = json!({"network": "x", "channel": "@care_example",
                "body": format!("Thanks for waiting; your parcel is on its way ({} #{written}).", a.name)});
            let request = http
                .post(format!("{url}/api/v1/drafts"))
                .bearer_auth(&a.token)
                .json(&body);
            let (status, draft) = timed(&mut samples, "create", request).await;
            assert_eq!(status, StatusCode::CREATED, "{}: create: {draft}", a.name);
            a.drafts.push(draft["id"].as_str().unwrap().to_owned());
        } else {
            let id = a.drafts[rng.random_range(0..a.drafts.len())].clone();
            let read = http
                .get(format!("{url}/api/v1/drafts/{id}"))
                .bearer_auth(&a.token);
            let (status, draft) = timed(&mut samples, "read", read).await;
            assert_eq!(status, StatusCode::OK, "{}: read: {draft}", a.name);
            let (what, request) = if choice < 0.88 {
                let body = json!({"version": draft["version"],
                    "body": format!("Thanks for waiting: your parcel is on its way (edit {}).", rng.random::<u16>())});
                (
                    "edit",
                    http.patch(format!("{url}/api/v1/drafts/{id}"))
                        .bearer_auth(&a.token)
                        .json(&body),
                )
            } else {
                (
                    "withdraw",
                    http.post(format!("{url}/api/v1/drafts/{id}/withdraw"))
                        .bearer_auth(&a.token),
                )
            };
            let (status, answer) = timed(&mut samples, what, request).await;
            // A reviewer may have decided it in between, or it was withdrawn before.
            assert!(
                status == StatusCode::OK || status == StatusCode::CONFLICT,
                "{}: {what}: {status} {answer}",
                a.name
            );
        }
    }
    (a, samples)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

// The run's seed and figures go to stdout: `scripts/soak` and the report read them.
#[allow(clippy::print_stdout)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_pushing_and_pulling_lose_nothing_duplicate_nothing_and_never_see_a_5xx() {
    let secs: u64 = std::env::var("COUNTERSIGN_CONCURRENCY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("COUNTERSIGN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!(
        "concurrency: seed {seed} (COUNTERSIGN_SEED={seed} replays the clients' choices), {secs} s"
    );

    let t = TestServer::start().await;
    let org = org(&t.server).await;
    // Enough drafts that no history reaches its cap: the check below counts every entry.
    let mut seeded = vec![];
    for i in 0..(20 * secs) {
        let body = format!("Sorry for the wait, it ships today (#{i}).");
        seeded.push(
            crate::support::draft_by(&t.server, org.alex, &body)
                .await
                .id
                .to_string(),
        );
    }
    let mut desktops = vec![];
    for i in 0..REVIEWER_ACCOUNTS {
        let name = format!("reviewer{i:02}");
        add_user(&t.server, &name, &[Role::Reviewer], &["review"], &["Care"]).await;
        let copies = if i < SECOND_DESKTOPS { 2 } else { 1 };
        for copy in 0..copies {
            desktops.push(Desktop {
                name: format!("{name}/{copy}"),
                client_id: uuid::Uuid::now_v7().to_string(),
                token: t.sign_in(&name).await.access,
                cursor: String::new(),
                mirror: BTreeMap::new(),
                results: BTreeMap::new(),
                next: 1,
                last_mutation_id: 0,
            });
        }
    }
    let mut authors = vec![];
    for i in 0..AUTHORS {
        let name = format!("author{i:02}");
        add_user(&t.server, &name, &[Role::Author], &[], &["Care"]).await;
        authors.push(Author {
            token: t.sign_in(&name).await.access,
            name,
            drafts: vec![],
        });
    }
    assert_eq!(desktops.len() + authors.len(), 50, "fifty clients");

    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let reviewers: Vec<_> = desktops
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            tokio::spawn(review(
                t.url.clone(),
                d,
                seed.wrapping_add(i as u64),
                deadline,
            ))
        })
        .collect();
    let writers: Vec<_> = authors
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            tokio::spawn(write(
                t.url.clone(),
                a,
                seed.wrapping_add(1000 + i as u64),
                deadline,
            ))
        })
        .collect();
    // A generous bound: a deadlocked server never lets the clients finish.
    let bound = Duration::from_secs(secs + 120);
    let everyone = async {
        let mut done = vec![];
        for r in reviewers {
            done.push(r.await.unwrap_or_else(|e| panic!("a reviewer failed: {e}")));
        }
        let mut written = vec![];
        for w in writers {
            written.push(w.await.unwrap_or_else(|e| panic!("an author failed: {e}")));
        }
        (done, written)
    };
    let (done, written) = tokio::time::timeout(bound, everyone)
        .await
        .unwrap_or_else(|_| panic!("the clients did not finish within {bound:?}: a deadlock"));
    let elapsed = started.elapsed();

    let mut samples: Vec<Sample> = vec![];
    let mut repushes = 0;
    let mut applied: HashMap<String, String> = HashMap::new();
    let mut not_applied: HashSet<String> = HashSet::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut draft_ids: HashSet<String> = HashSet::new();
    for (d, s, r) in &done {
        samples.extend(s.iter().cloned());
        repushes += r;
        assert_eq!(
            d.results.keys().copied().collect::<Vec<_>>(),
            (1..d.next).collect::<Vec<_>>(),
            "{}: every mutation answered once, in order",
            d.name
        );
        assert_eq!(
            d.last_mutation_id,
            d.next - 1,
            "{}: the feed's last_mutation_id is the last mutation pushed",
            d.name
        );
        for (kind_id, status) in d.results.values() {
            *statuses.entry(status.clone()).or_default() += 1;
            if status == "applied" {
                assert!(
                    applied.insert(kind_id.clone(), d.name.clone()).is_none(),
                    "ids are unique"
                );
            } else {
                not_applied.insert(kind_id.clone());
            }
        }
        draft_ids.extend(d.mirror.keys().cloned());
    }
    for (a, s) in &written {
        samples.extend(s.iter().cloned());
        draft_ids.extend(a.drafts.iter().cloned());
    }

    // No 5xx, ever.
    let errors: Vec<&Sample> = samples
        .iter()
        .filter(|(_, status, _)| *status >= 500)
        .collect();
    assert!(
        errors.is_empty(),
        "{} answers were 5xx: {:?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );

    // The server's truth: every draft's history, read in-process.
    draft_ids.extend(seeded.iter().cloned());
    let mut in_history: HashMap<String, usize> = HashMap::new();
    let mut longest = 0;
    for id in &draft_ids {
        let id: countersign_core::DraftId = id.parse().unwrap();
        let draft = countersign_server::admin::draft(&t.server, id)
            .await
            .unwrap();
        longest = longest.max(draft.history.len());
        for entry in &draft.history {
            match &entry.event {
                HistoryEvent::Decided { decision_id, .. } => {
                    *in_history.entry(decision_id.to_string()).or_default() += 1;
                }
                HistoryEvent::Annotated { annotation } => {
                    *in_history.entry(annotation.id.to_string()).or_default() += 1;
                }
                HistoryEvent::Summarised { .. } => {
                    panic!("draft {id}'s history reached its cap; the run needs more drafts")
                }
                _ => {}
            }
        }
    }
    for (id, who) in &applied {
        assert_eq!(
            in_history.get(id),
            Some(&1),
            "{who}'s mutation {id} was answered applied: it must be in the history once"
        );
    }
    for (id, count) in &in_history {
        assert!(
            applied.contains_key(id),
            "{id} is in a history {count} time(s) but no one was told it applied"
        );
        assert!(
            !not_applied.contains(id),
            "{id} was refused and is in a history anyway"
        );
    }

    // Each desktop's picture, page by page (caught up now that everyone has stopped), is
    // what a full pull gives.
    let http = reqwest::Client::new();
    let mut done = done;
    for (d, _, _) in &mut done {
        let mut ignored = vec![];
        pull(&t.url, &http, d, &mut ignored).await;
    }
    for (d, _, _) in &done {
        let mut fresh = Desktop {
            name: format!("{} (full pull)", d.name),
            client_id: d.client_id.clone(),
            token: d.token.clone(),
            cursor: String::new(),
            mirror: BTreeMap::new(),
            results: BTreeMap::new(),
            next: 0,
            last_mutation_id: 0,
        };
        let mut ignored = vec![];
        pull(&t.url, &http, &mut fresh, &mut ignored).await;
        let differ: Vec<_> = fresh
            .mirror
            .keys()
            .chain(d.mirror.keys())
            .filter(|id| fresh.mirror.get(*id) != d.mirror.get(*id))
            .take(5)
            .map(|id| (id, d.mirror.get(id), fresh.mirror.get(id)))
            .collect();
        assert!(
            differ.is_empty(),
            "{}: the incremental feed missed or kept something (draft, paged, full): {differ:?}",
            d.name
        );
    }

    for what in [
        "pull", "push", "re-push", "create", "read", "edit", "withdraw",
    ] {
        let mut of: Vec<Duration> = samples
            .iter()
            .filter(|(w, _, _)| *w == what)
            .map(|(_, _, l)| *l)
            .collect();
        if of.is_empty() {
            continue;
        }
        of.sort();
        println!(
            "concurrency: {what}: {} requests, p50 {:?}, p99 {:?}, max {:?}",
            of.len(),
            percentile(&of, 0.5),
            percentile(&of, 0.99),
            of.last().copied().unwrap_or_default()
        );
    }
    let mut latencies: Vec<Duration> = samples.iter().map(|(_, _, l)| *l).collect();
    latencies.sort();
    let count = |what: &str| samples.iter().filter(|(w, _, _)| *w == what).count();
    let mutations: usize = statuses.values().sum();
    println!(
        "concurrency: {} drafts, the longest history {longest} entries (the cap is {})",
        draft_ids.len(),
        countersign_core::limits::MAX_HISTORY_ENTRIES
    );
    println!(
        "concurrency: 50 clients for {:.1} s: {} requests ({} pulls, {} pushes, {} re-pushes, {} author writes), \
         {mutations} mutations {statuses:?}, {} applied exactly once; latency p50 {:?}, p99 {:?}, max {:?}; 0 5xx; seed {seed}",
        elapsed.as_secs_f64(),
        samples.len(),
        count("pull"),
        count("push"),
        repushes,
        count("create") + count("edit") + count("withdraw"),
        applied.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}

/// SQLite's busy state from the outside: another process (the admin CLI next to a live
/// server, a backup) holding the write lock. A push waits for it up to the busy timeout and
/// then answers 503 `unavailable` with Retry-After, never a 500, and changes nothing; reads
/// go on meanwhile (WAL); a lock released within the timeout costs only the wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_lock_held_outside_the_server_is_a_503_or_a_wait_never_a_500() {
    let t = TestServer::start().await;
    let org = org(&t.server).await;
    let first = crate::support::draft_by(&t.server, org.alex, "Thanks for waiting.").await;
    let second = crate::support::draft_by(&t.server, org.alex, "On its way today.").await;
    let token = t.sign_in("rita").await.access;
    let client = crate::support::client();
    let feed = format!("/api/v1/changes?client_id={client}");
    let (status, _) = t.get(&feed, &token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the first pull registers the client"
    );

    let db = t.server.config().database_path();
    let outside = rusqlite::Connection::open(&db).unwrap();
    outside.execute_batch("BEGIN IMMEDIATE").unwrap();
    let push = |mutation_id: u64, draft: countersign_core::DraftId| {
        let (url, token, client) = (t.url.clone(), token.clone(), client.clone());
        tokio::spawn(async move {
            let body = json!({"client_id": client,
                "mutations": [crate::support::decide(mutation_id, draft, 1, "approve")]});
            let response = reqwest::Client::new()
                .post(format!("{url}/api/v1/push"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let retry_after = response.headers().get("retry-after").cloned();
            let (status, body) = crate::support::read(response).await;
            (status, body, retry_after)
        })
    };
    let waiting = push(1, first.id);
    let (status, page) = t.get(&feed, &token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "reads go on while another process writes: {page}"
    );
    let (status, body, retry_after) = waiting.await.unwrap();
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "busy past the timeout: {body}"
    );
    assert_eq!(crate::support::error_code(&body), "unavailable");
    assert_eq!(
        retry_after.as_ref().map(|v| v.to_str().unwrap()),
        Some("1"),
        "{body}"
    );
    outside.execute_batch("ROLLBACK").unwrap();

    // The refused push changed nothing: sent again, it applies (not a duplicate).
    let (status, body, _) = push(1, first.id).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "applied", "{body}");

    // A lock released within the busy timeout: the push just waits for it.
    outside.execute_batch("BEGIN IMMEDIATE").unwrap();
    let waiting = push(2, second.id);
    // Held for a second, well inside the 5 s busy timeout. The assertion does not depend on
    // the push having reached SQLite within that second: early or late, it must apply.
    let hold = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        outside.execute_batch("ROLLBACK").unwrap();
    });
    let (status, body, _) = waiting.await.unwrap();
    hold.await.unwrap();
    assert_eq!(status, StatusCode::OK, "a short lock is waited for: {body}");
    assert_eq!(body["results"][0]["status"], "applied", "{body}");
    let stored = countersign_server::admin::draft(&t.server, first.id)
        .await
        .unwrap();
    assert_eq!(
        stored.approvals.len(),
        1,
        "applied once, whatever the 503 before it"
    );
}
