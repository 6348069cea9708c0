//! Property test (proptest) of the server's approval state machine, over the real push path
//! (`countersign_server::sync::push`, the function under `POST /api/v1/push`) and the real
//! edit and withdrawal (`countersign_server::drafts`), on SQLite files in a temporary
//! directory.
//!
//! A run is any interleaving of: four deciders' decisions (approve, reject, request changes)
//! and comments, on the version they see, an older one or one that does not exist yet,
//! queued offline and pushed later in batches; retries of pushes already answered
//! (duplicates); pushes that skip ahead (gaps); the author's and an administrator's edits;
//! the author's withdrawal. Two of the deciders are plain reviewers, one is the author
//! (also a reviewer) and one an administrator who is also a reviewer and may edit. Every
//! run goes twice, on two servers with the same clock: once with the desktops' clocks right
//! and once with them hours off (each decision carries `client_time`). After every step:
//! - at most one round-ending decision (reject, request changes) per version, nothing
//!   decided on a version after its round ended, and no step approved by more people than
//!   its quorum;
//! - one person counts once per version; nobody approves a draft they wrote or edited;
//! - a withdrawn draft takes nothing more;
//! - a decision applied is in the history exactly once, at the server's time; a refused one
//!   is not in it at all; a stale decision is a `stale_version` conflict, one on a withdrawn
//!   draft a `withdrawn` conflict;
//! - a repeat is answered with its first result and changes nothing; a mutation that skips
//!   ahead is a `mutation_gap` naming the id expected and changes nothing;
//! - and the two runs end with the same drafts and the same answers: client clocks change
//!   nothing, the server uses only its own.
//!
//! The seed is printed; `PROPTEST_RNG_SEED=<seed>` replays a run and `PROPTEST_CASES=<n>`
//! sets the count (64 by default; `scripts/soak` runs 10,000). Failures are kept in
//! `proptest-regressions/` and replayed first.

use chrono::{DateTime, Duration, TimeZone, Utc};
use countersign_core::wire::{EditDraft, PushRequest, codes};
use countersign_core::{
    Annotation, AnnotationId, Channel, ChannelAccess, ChannelId, ClientId, ConflictReason,
    Decision, DecisionId, Draft, DraftId, DraftStatus, HistoryEntry, HistoryEvent, Mutation,
    MutationId, MutationKind, MutationResult, MutationStatus, Network, Quorum, RequiredStep, Role,
    Sensitive, StepRule, TeamId, Urgency, UserId, Verdict,
};
use countersign_server::storage::sqlite::SqliteStorage;
use countersign_server::storage::{Storage, TeamRecord, UserRecord};
use countersign_server::trail::Trail;
use countersign_server::{Clock, Server, ServerConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use uuid::Uuid;

/// Where proptest keeps the seeds of failures it found: replayed before any new case.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/approval_props.txt"
);

/// A runner whose seed is printed (and taken from `PROPTEST_RNG_SEED` when set), so any
/// run can be replayed exactly. `PROPTEST_CASES` sets the count (64 without it).
fn runner() -> (TestRunner, u64) {
    let mut config = Config::default();
    // Each case is two runs on SQLite files that commit (and sync) every step: 64 keep CI
    // to a few seconds; PROPTEST_CASES sets more (the soak runs 10,000).
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    let seed = match config.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => Uuid::new_v4().as_u64_pair().0,
    };
    config.rng_seed = RngSeed::Fixed(seed);
    config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS)));
    eprintln!(
        "proptest: {} cases, seed {seed} (PROPTEST_RNG_SEED={seed} replays this run)",
        config.cases
    );
    (TestRunner::new(config), seed)
}

/// Panics with proptest's report (the smallest failing input) and the seed.
fn outcome<T: Debug>(result: Result<(), TestError<T>>, seed: u64) {
    if let Err(error) = result {
        panic!("{error}\nreplay with PROPTEST_RNG_SEED={seed}");
    }
}

// ---------------------------------------------------------------------------------------
// The organisation: one team, two channels, four deciders. Fixed ids, so the two servers
// of a run hold the very same data.
// ---------------------------------------------------------------------------------------

const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));

/// Who acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// A reviewer (review and legal).
    Rui,
    /// Another reviewer (review and legal).
    Rob,
    /// The author of every draft; also a reviewer (review), so only four eyes stops her.
    Ana,
    /// An administrator who is also a reviewer (review and legal): may edit, and then
    /// must never approve.
    Eve,
}

const EVERYONE: [Who; 4] = [Who::Rui, Who::Rob, Who::Ana, Who::Eve];

impl Who {
    fn index(self) -> u128 {
        match self {
            Who::Rui => 0,
            Who::Rob => 1,
            Who::Ana => 2,
            Who::Eve => 3,
        }
    }

    fn user(self) -> UserRecord {
        let (name, roles, steps): (&str, &[Role], &[&str]) = match self {
            Who::Rui => ("rui", &[Role::Reviewer], &["review", "legal"]),
            Who::Rob => ("rob", &[Role::Reviewer], &["review", "legal"]),
            Who::Ana => ("ana", &[Role::Author, Role::Reviewer], &["review"]),
            Who::Eve => ("eve", &[Role::Admin, Role::Reviewer], &["review", "legal"]),
        };
        UserRecord {
            id: UserId(Uuid::from_u128(0x05e7_0000 + self.index())),
            username: name.to_owned(),
            display_name: name.to_uppercase(),
            password_hash: Sensitive::new("$argon2id$never-signs-in".to_owned()),
            roles: roles.to_vec(),
            steps: steps.iter().map(|s| (*s).to_owned()).collect(),
            teams: vec![TEAM],
            channels: ChannelAccess::AllOfTeams,
            created_at: start(),
            disabled_at: None,
            totp_secret: None,
        }
    }

    fn id(self) -> UserId {
        self.user().id
    }
}

/// The two channels: one with a review then a legal step, one whose review needs two people.
fn channels() -> [Channel; 2] {
    let channel = |n: u128, name: &str, account: &str, policy| Channel {
        id: ChannelId(Uuid::from_u128(0xc4a0_0000 + n)),
        name: name.to_owned(),
        network: Network::Bluesky,
        account: account.to_owned(),
        team: TEAM,
        policy,
    };
    [
        channel(
            0,
            "two-steps",
            "@steps.example",
            vec![StepRule::one("review"), StepRule::one("legal")],
        ),
        channel(
            1,
            "two-reviewers",
            "@quorum.example",
            vec![StepRule {
                step: "review".to_owned(),
                quorum: Quorum::Count(2),
            }],
        ),
    ]
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid time")
}

/// One server with its own SQLite file, reading the shared clock.
struct Env {
    server: Server,
    storage: Arc<SqliteStorage>,
    _dir: tempfile::TempDir,
}

async fn env(clock: &Arc<AtomicI64>) -> Env {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let storage = Arc::new(
        SqliteStorage::open(&dir.path().join("countersign.db")).expect("the database opens"),
    );
    storage
        .create_team(
            TeamRecord {
                id: TEAM,
                name: "Care".to_owned(),
                created_at: start(),
            },
            Trail::console(),
        )
        .await
        .expect("the team is stored");
    for channel in channels() {
        storage
            .create_channel(channel, start(), Trail::console())
            .await
            .expect("the channel is stored");
    }
    for who in EVERYONE {
        storage
            .create_user(who.user(), Trail::console())
            .await
            .expect("the user is stored");
    }
    let mut config = ServerConfig::new(dir.path());
    let clock = Arc::clone(clock);
    config.clock = Clock::from_fn(move || {
        DateTime::from_timestamp_micros(clock.load(Ordering::SeqCst)).unwrap_or_else(start)
    });
    let server = Server::with_storage(config, Arc::clone(&storage) as Arc<dyn Storage>)
        .await
        .expect("the server starts");
    Env {
        server,
        storage,
        _dir: dir,
    }
}

// ---------------------------------------------------------------------------------------
// Runs.
// ---------------------------------------------------------------------------------------

/// Which version a decision names.
#[derive(Clone, Copy, Debug)]
enum Seen {
    /// The one stored when it was made.
    Current,
    /// The one before (the desktop had not pulled the edit).
    Older,
    /// One that does not exist yet.
    Newer,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// `who` decides, offline: queued on their desktop, pushed later.
    Decide {
        who: Who,
        draft: usize,
        verdict: Verdict,
        seen: Seen,
        comment: bool,
    },
    /// `who` comments, offline.
    Comment { who: Who, draft: usize, seen: Seen },
    /// `who`'s desktop pushes up to `most` of its queue, oldest first.
    Push { who: Who, most: usize },
    /// `who`'s desktop sends again what it sent before (its answer was lost): from the
    /// `back`th answered mutation from the end, and with the next new one too.
    Retry {
        who: Who,
        back: usize,
        with_next: bool,
    },
    /// `who`'s desktop sends mutations past the one the server expects (a server
    /// restored from a backup sees this).
    SkipAhead { who: Who },
    /// The author (or the administrator) edits the text.
    Edit { admin: bool, draft: usize },
    /// The author withdraws the draft.
    Withdraw { draft: usize },
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        3 => Just(Who::Rui),
        3 => Just(Who::Rob),
        1 => Just(Who::Ana),
        2 => Just(Who::Eve),
    ]
}

fn seen() -> impl Strategy<Value = Seen> {
    prop_oneof![6 => Just(Seen::Current), 2 => Just(Seen::Older), 1 => Just(Seen::Newer)]
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        5 => Just(Verdict::Approve),
        1 => Just(Verdict::Reject),
        2 => Just(Verdict::RequestChanges),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (who(), 0usize..2, verdict(), seen(), prop::bool::weighted(0.8)).prop_map(
            |(who, draft, verdict, seen, comment)| Op::Decide { who, draft, verdict, seen, comment }
        ),
        2 => (who(), 0usize..2, seen()).prop_map(|(who, draft, seen)| Op::Comment { who, draft, seen }),
        10 => (who(), 1usize..=4).prop_map(|(who, most)| Op::Push { who, most }),
        4 => (who(), 0usize..4, any::<bool>())
            .prop_map(|(who, back, with_next)| Op::Retry { who, back, with_next }),
        2 => who().prop_map(|who| Op::SkipAhead { who }),
        3 => (prop::bool::weighted(0.3), 0usize..2).prop_map(|(admin, draft)| Op::Edit { admin, draft }),
        1 => (0usize..2).prop_map(|draft| Op::Withdraw { draft }),
    ]
}

/// A run: the steps, and how far off each decision's client clock is in the skewed run
/// (cycled), in minutes.
fn run_strategy() -> impl Strategy<Value = (Vec<Op>, Vec<i64>)> {
    (
        prop::collection::vec(op(), 1..40),
        prop::collection::vec(-48 * 60i64..=48 * 60, 1..8),
    )
}

/// What the runs went through, summed over every case and both servers: printed at the
/// end, so a run that never reached the interesting states shows it.
static TALLY: std::sync::Mutex<BTreeMap<String, u64>> = std::sync::Mutex::new(BTreeMap::new());

fn tally(what: impl Into<String>) {
    *TALLY
        .lock()
        .expect("the tally lock")
        .entry(what.into())
        .or_default() += 1;
}

/// What one run did: its answers and edits in order, and the drafts at the end.
#[derive(Debug, Default, PartialEq)]
struct Trace {
    events: Vec<String>,
    drafts: Vec<serde_json::Value>,
}

/// One desktop: its queue and the first answer to each of its mutations.
#[derive(Default)]
struct Desktop {
    queue: Vec<Mutation>,
    answers: Vec<MutationResult>,
}

/// A run on one server. `skews` is `None` for the run with right client clocks.
struct Runner<'a> {
    env: &'a Env,
    clock: &'a AtomicI64,
    /// Where this run's ids start (unique per case, the same in both runs of a case).
    base: u128,
    drafts: [DraftId; 2],
    desktops: BTreeMap<Who, Desktop>,
    skews: Option<&'a [i64]>,
    made: usize,
    /// Who edited each draft (they may never approve it).
    editors: [BTreeSet<UserId>; 2],
    trace: Trace,
    broken: Vec<String>,
}

impl<'a> Runner<'a> {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.clock.load(Ordering::SeqCst)).unwrap_or_else(start)
    }

    fn fail(&mut self, what: String) {
        self.broken.push(what);
    }

    async fn draft(&self, n: usize) -> Draft {
        self.env
            .storage
            .draft(self.drafts[n])
            .await
            .expect("the draft reads")
            .expect("the draft exists")
    }

    async fn both(&self) -> [Draft; 2] {
        [self.draft(0).await, self.draft(1).await]
    }

    async fn insert_drafts(&mut self) {
        let author = Who::Ana.user().person();
        let now = self.now();
        let channels = channels();
        let drafts = channels.iter().zip(self.drafts).map(|(channel, id)| {
            let mut draft = Draft {
                id,
                version: 1,
                status: DraftStatus::Pending,
                network: channel.network,
                channel: channel.account.clone(),
                channel_id: Some(channel.id),
                team: TEAM,
                body: format!(
                    "Our spring range lands in stores on Friday ({}).",
                    channel.name
                ),
                author: author.clone(),
                owner: None,
                urgency: Urgency::Normal,
                requested_urgency: None,
                scheduled_at: None,
                required_steps: channel
                    .policy
                    .iter()
                    .map(|rule| RequiredStep {
                        step: rule.step.clone(),
                        quorum: rule.quorum,
                        holders: vec![],
                    })
                    .collect(),
                approvals: vec![],
                in_reply_to: None,
                media: vec![],
                created_at: now,
                updated_at: now,
                history: vec![],
            };
            draft.history.push(HistoryEntry::on(
                &draft,
                &author,
                now,
                HistoryEvent::Created,
            ));
            draft
        });
        self.env
            .storage
            .insert_drafts(drafts.collect(), Trail::console())
            .await
            .expect("the drafts are stored");
    }

    fn id(&mut self) -> Uuid {
        self.made += 1;
        Uuid::from_u128(self.base + 0x1000 + self.made as u128)
    }

    fn client(&self, who: Who) -> ClientId {
        ClientId(Uuid::from_u128(self.base + 0x100 + who.index()))
    }

    async fn make(&mut self, who: Who, n: usize, seen: Seen, what: Option<(Verdict, bool)>) {
        let current = self.draft(n).await.version;
        let version = match seen {
            Seen::Current => current,
            Seen::Older => current.saturating_sub(1).max(1),
            Seen::Newer => current + 1,
        };
        let id = self.id();
        let kind = match what {
            Some((verdict, comment)) => {
                let skew = self.skews.map_or(0, |skews| skews[self.made % skews.len()]);
                MutationKind::Decide {
                    decision: Decision {
                        id: DecisionId(id),
                        draft_id: self.drafts[n],
                        draft_version: version,
                        verdict,
                        comment: if comment {
                            "see the note".to_owned()
                        } else {
                            String::new()
                        },
                        override_reason: None,
                        client_time: Some(self.now() + Duration::minutes(skew)),
                    },
                }
            }
            None => MutationKind::Annotate {
                annotation: Annotation {
                    id: AnnotationId(id),
                    draft_id: self.drafts[n],
                    draft_version: version,
                    body: "a note".to_owned(),
                    suggestion: None,
                    target: None,
                },
            },
        };
        let desktop = self.desktops.entry(who).or_default();
        let mutation_id = MutationId(desktop.queue.len() as u64 + 1);
        desktop.queue.push(Mutation { mutation_id, kind });
    }

    /// Pushes `mutations` as `who` through the real push path and checks the answers.
    async fn push(&mut self, who: Who, mutations: Vec<Mutation>) -> Vec<MutationResult> {
        let before = self.both().await;
        let now = self.now();
        let request = PushRequest {
            client_id: self.client(who),
            mutations: mutations.clone(),
            skip: None,
        };
        let response = countersign_server::sync::push(
            &self.env.server,
            &Trail::console(),
            &who.user().actor(),
            request,
        )
        .await
        .expect("a push of well-formed mutations is answered");
        let after = self.both().await;
        let results = response.results;
        // Each server of a run signs with its own key, and its audit hashes cover session ids
        // of its own: the trace keeps the rest of a receipt, which must agree.
        let traced: Vec<MutationResult> = results
            .iter()
            .cloned()
            .map(|mut result| {
                if let Some(signed) = result.receipt.as_mut() {
                    signed.receipt.key_id.clear();
                    signed.receipt.audit.hash.clear();
                    signed.signature.clear();
                }
                result
            })
            .collect();
        self.trace.events.push(format!(
            "push by {who:?}: {}",
            serde_json::to_string(&traced).expect("results serialise")
        ));
        if results.len() != mutations.len() {
            self.fail(format!(
                "{} answers to {} mutations",
                results.len(),
                mutations.len()
            ));
            return results;
        }
        let mut changed_by_this_push = [false, false];
        // The rules' answers, worked out here one mutation after the other from the
        // drafts as the push found them.
        let mut expected_state = before.clone();
        for (mutation, result) in mutations.iter().zip(&results) {
            let n = usize::from(mutation.kind.draft_id() == self.drafts[1]);
            if result.mutation_id != mutation.mutation_id {
                self.fail(format!(
                    "mutation {} answered as {}",
                    mutation.mutation_id, result.mutation_id
                ));
            }
            let took = result.status == MutationStatus::Applied;
            changed_by_this_push[n] |= took;
            self.check_receipt(mutation, result);
            self.check_answer(who, mutation, result, &before[n], &after[n], now);
            if result.status != MutationStatus::Duplicate
                && result.code.as_deref() != Some(codes::MUTATION_GAP)
            {
                let expected =
                    expected_answer(&expected_state[n], who, &mutation.kind, &self.editors[n]);
                let got = (result.status, result.reason);
                if got != expected {
                    self.fail(format!(
                        "mutation {} of {who:?} on draft {n} ({:?}, version {}, approvals {:?}) \
                         was answered {got:?} ({:?}); the rules say {expected:?}",
                        mutation.mutation_id,
                        expected_state[n].status,
                        expected_state[n].version,
                        expected_state[n]
                            .approvals
                            .iter()
                            .map(|a| (a.step.as_str(), a.by.username.as_str()))
                            .collect::<Vec<_>>(),
                        result.message,
                    ));
                }
                if took {
                    apply_expected(&mut expected_state[n], who, &mutation.kind, now);
                }
            }
        }
        for n in 0..2 {
            if !changed_by_this_push[n] && before[n] != after[n] {
                self.fail(format!(
                    "draft {n} changed under a push that applied nothing to it: {results:?}"
                ));
            }
        }
        results
    }

    /// An applied decision (and its repeats) carries a receipt of that decision signed by the
    /// server's key; anything else carries none.
    fn check_receipt(&mut self, mutation: &Mutation, result: &MutationResult) {
        let decision = match &mutation.kind {
            MutationKind::Decide { decision } if result.took_effect() => decision,
            _ => {
                if result.receipt.is_some() {
                    self.fail(format!(
                        "mutation {} was not an applied decision yet has a receipt",
                        mutation.mutation_id
                    ));
                }
                return;
            }
        };
        let Some(signed) = &result.receipt else {
            self.fail(format!(
                "applied decision {} came back without a receipt",
                mutation.mutation_id
            ));
            return;
        };
        let key = self.env.server.receipt_key();
        if let Err(e) = countersign_audit::receipt::verify(signed, &key) {
            self.fail(format!(
                "the receipt of {} does not verify: {e}",
                mutation.mutation_id
            ));
        }
        let r = &signed.receipt;
        if (r.decision_id, r.draft_version, r.verdict)
            != (decision.id, decision.draft_version, decision.verdict)
        {
            self.fail(format!(
                "the receipt of {} names another decision: {r:?}",
                mutation.mutation_id
            ));
        }
    }

    /// What one answer must be, given the draft before and after its push.
    fn check_answer(
        &mut self,
        who: Who,
        mutation: &Mutation,
        result: &MutationResult,
        before: &Draft,
        after: &Draft,
        now: DateTime<Utc>,
    ) {
        let id = mutation.mutation_id;
        let entries: Vec<&HistoryEntry> = after
            .history
            .iter()
            .filter(|h| match (&h.event, &mutation.kind) {
                (HistoryEvent::Decided { decision_id, .. }, MutationKind::Decide { decision }) => {
                    *decision_id == decision.id
                }
                (
                    HistoryEvent::Annotated { annotation: a },
                    MutationKind::Annotate { annotation },
                ) => a.id == annotation.id,
                _ => false,
            })
            .collect();
        let mut broken = vec![];
        tally(match (&mutation.kind, result.status) {
            (_, MutationStatus::Duplicate) => "answer: duplicate".to_owned(),
            (_, _) if result.code.as_deref() == Some(codes::MUTATION_GAP) => {
                "answer: mutation_gap".to_owned()
            }
            (MutationKind::Decide { decision }, status) => format!(
                "answer: {} {}{}",
                decision.verdict.as_str(),
                status.as_str(),
                result
                    .reason
                    .map_or(String::new(), |r| format!(" {}", r.as_str()))
            ),
            (MutationKind::Annotate { .. }, status) => {
                format!("answer: comment {}", status.as_str())
            }
        });
        match result.effective_status() {
            MutationStatus::Applied => {
                if entries.len() != 1 {
                    broken.push(format!(
                        "applied mutation {id} of {who:?} is in the history {} times",
                        entries.len()
                    ));
                }
                if result.status == MutationStatus::Applied
                    && let Some(entry) = entries.first()
                    && entry.at != now
                {
                    broken.push(format!(
                        "mutation {id} of {who:?} was recorded at {}, not the server's time {now}",
                        entry.at
                    ));
                }
            }
            status => {
                if !entries.is_empty() {
                    broken.push(format!(
                        "mutation {id} of {who:?} was answered {status:?} but is in the history"
                    ));
                }
            }
        }
        if result.status == MutationStatus::Applied
            && let MutationKind::Decide { decision } = &mutation.kind
        {
            let n = usize::from(decision.draft_id == self.drafts[1]);
            if decision.verdict == Verdict::Approve && who == Who::Ana {
                broken.push(format!("the author approved her own draft (mutation {id})"));
            }
            if decision.verdict == Verdict::Approve && self.editors[n].contains(&who.id()) {
                broken.push(format!(
                    "{who:?} approved a draft they edited (mutation {id})"
                ));
            }
        }
        // The first answer, judged by the draft as it was before the push (a push of one
        // desktop changes neither the version nor the withdrawal of a draft).
        if result.status != MutationStatus::Duplicate
            && result.code.as_deref() != Some(codes::MUTATION_GAP)
        {
            let (version, is_decision) = match &mutation.kind {
                MutationKind::Decide { decision } => (decision.draft_version, true),
                MutationKind::Annotate { annotation } => (annotation.draft_version, false),
            };
            let expected = if before.status == DraftStatus::Withdrawn {
                Some(ConflictReason::Withdrawn)
            } else if is_decision && version != before.version {
                Some(ConflictReason::StaleVersion)
            } else {
                None
            };
            if let Some(reason) = expected
                && (result.status != MutationStatus::Conflict || result.reason != Some(reason))
            {
                broken.push(format!(
                    "mutation {id} of {who:?} should be a {reason:?} conflict, got {result:?}"
                ));
            }
        }
        for what in broken {
            self.fail(what);
        }
    }

    async fn step(&mut self, op: Op) {
        match op {
            Op::Decide {
                who,
                draft,
                verdict,
                seen,
                comment,
            } => self.make(who, draft, seen, Some((verdict, comment))).await,
            Op::Comment { who, draft, seen } => self.make(who, draft, seen, None).await,
            Op::Push { who, most } => {
                let desktop = self.desktops.entry(who).or_default();
                let from = desktop.answers.len();
                let batch: Vec<Mutation> = desktop
                    .queue
                    .iter()
                    .skip(from)
                    .take(most)
                    .cloned()
                    .collect();
                if batch.is_empty() {
                    return;
                }
                let results = self.push(who, batch).await;
                for result in results {
                    if result.status == MutationStatus::Duplicate
                        || result.code.as_deref() == Some(codes::MUTATION_GAP)
                    {
                        self.fail(format!(
                            "a mutation pushed for the first time, in order, was answered {result:?}"
                        ));
                    }
                    self.desktops.entry(who).or_default().answers.push(result);
                }
            }
            Op::Retry {
                who,
                back,
                with_next,
            } => {
                let desktop = self.desktops.entry(who).or_default();
                let answered = desktop.answers.len();
                if answered == 0 {
                    return;
                }
                let from = answered - 1 - back % answered;
                let upto = if with_next {
                    (answered + 1).min(desktop.queue.len())
                } else {
                    answered
                };
                let batch = desktop.queue[from..upto].to_vec();
                let firsts = desktop.answers[from..].to_vec();
                let results = self.push(who, batch).await;
                for (k, result) in results.into_iter().enumerate() {
                    match firsts.get(k) {
                        Some(first) => {
                            let mut expected = MutationResult::duplicate_of(first);
                            // The draft a conflict is about travels beside the results.
                            expected.draft = None;
                            let mut got = result.clone();
                            got.draft = None;
                            if got != expected {
                                self.fail(format!(
                                    "a repeat of {} was answered {got:?}, not its first answer \
                                     again ({first:?})",
                                    first.mutation_id
                                ));
                            }
                        }
                        None => self.desktops.entry(who).or_default().answers.push(result),
                    }
                }
            }
            Op::SkipAhead { who } => {
                let desktop = self.desktops.entry(who).or_default();
                let next = desktop.answers.len();
                if desktop.queue.len() < next + 2 {
                    return;
                }
                let batch = desktop.queue[next + 1..].iter().take(2).cloned().collect();
                let results = self.push(who, batch).await;
                let expected = MutationId(next as u64 + 1);
                for result in results {
                    if result.status != MutationStatus::Invalid
                        || result.code.as_deref() != Some(codes::MUTATION_GAP)
                        || result.expected_mutation_id != Some(expected)
                    {
                        self.fail(format!(
                            "a mutation past the expected {expected} was answered {result:?}"
                        ));
                    }
                }
            }
            Op::Edit { admin, draft } => {
                let by = if admin { Who::Eve } else { Who::Ana };
                let current = self.draft(draft).await;
                let edit = EditDraft {
                    version: current.version,
                    body: format!(
                        "Our spring range lands in stores on Friday (edit {}).",
                        self.made
                    ),
                };
                self.made += 1;
                let edited = countersign_server::drafts::edit(
                    &self.env.server,
                    &Trail::console(),
                    &by.user().actor(),
                    self.drafts[draft],
                    edit,
                )
                .await;
                self.trace.events.push(format!(
                    "edit of {draft} by {by:?}: {}",
                    edited
                        .as_ref()
                        .map_or_else(|e| e.to_string(), |d| d.version.to_string())
                ));
                let after = self.draft(draft).await;
                let may_change = !current.status.is_final();
                if edited.is_ok() != may_change {
                    self.fail(format!(
                        "an edit of a {:?} draft by {by:?} was answered {:?}",
                        current.status,
                        edited.as_ref().map(|d| d.version)
                    ));
                }
                match edited {
                    Ok(_) => {
                        self.editors[draft].insert(by.id());
                        if after.version != current.version + 1 || !after.approvals.is_empty() {
                            self.fail(format!(
                                "an edit of version {} left version {} with approvals {:?}",
                                current.version, after.version, after.approvals
                            ));
                        }
                    }
                    Err(_) if after != current => {
                        self.fail(format!("a refused edit changed draft {draft}"));
                    }
                    Err(_) => {}
                }
            }
            Op::Withdraw { draft } => {
                let current = self.draft(draft).await;
                let withdrawn = countersign_server::drafts::withdraw(
                    &self.env.server,
                    &Trail::console(),
                    &Who::Ana.user().actor(),
                    self.drafts[draft],
                )
                .await;
                self.trace.events.push(format!(
                    "withdrawal of {draft}: {}",
                    withdrawn
                        .as_ref()
                        .map_or_else(|e| e.to_string(), |d| format!("{:?}", d.status))
                ));
                if withdrawn.is_ok() == current.status.is_final() {
                    self.fail(format!(
                        "the withdrawal of a {:?} draft was answered {:?}",
                        current.status,
                        withdrawn.as_ref().map(|d| d.status)
                    ));
                }
            }
        }
    }
}

/// The first answer the rules give `who`'s mutation on `draft` as it stands, as (status,
/// conflict reason): the approval rules restated for this organisation, independently of
/// `countersign_core::approval` (every decider here decides for the team and is qualified
/// for `review`, which every draft needs, and no body has a blocking finding).
fn expected_answer(
    draft: &Draft,
    who: Who,
    kind: &MutationKind,
    editors: &BTreeSet<UserId>,
) -> (MutationStatus, Option<ConflictReason>) {
    let conflict = |reason| (MutationStatus::Conflict, Some(reason));
    let forbidden = (MutationStatus::Forbidden, None);
    let applied = (MutationStatus::Applied, None);
    match kind {
        MutationKind::Decide { decision } => {
            if draft.status == DraftStatus::Withdrawn {
                return conflict(ConflictReason::Withdrawn);
            }
            if decision.draft_version != draft.version {
                return conflict(ConflictReason::StaleVersion);
            }
            if draft.status != DraftStatus::Pending {
                return conflict(ConflictReason::AlreadyDecided);
            }
            if decision.verdict == Verdict::RequestChanges && decision.comment.trim().is_empty() {
                return (MutationStatus::Invalid, None);
            }
            if decision.verdict == Verdict::Approve {
                let me = who.id();
                // Four eyes: the author and every editor never approve; and one person
                // counts once per version, whatever the step.
                if who == Who::Ana
                    || editors.contains(&me)
                    || draft.approvals.iter().any(|a| a.by.id == me)
                {
                    return forbidden;
                }
            }
            applied
        }
        MutationKind::Annotate { annotation } => {
            if draft.status == DraftStatus::Withdrawn {
                return conflict(ConflictReason::Withdrawn);
            }
            if annotation.draft_version > draft.version {
                return (MutationStatus::Invalid, None);
            }
            applied
        }
    }
}

/// The steps of `draft` still open, by this organisation's quorums.
fn open_steps(draft: &Draft) -> impl Iterator<Item = &RequiredStep> {
    draft
        .required_steps
        .iter()
        .filter(|step| match step.quorum {
            Quorum::Count(quorum) => {
                draft
                    .approvals
                    .iter()
                    .filter(|a| a.step == step.step)
                    .count()
                    < quorum as usize
            }
            Quorum::All => true,
        })
}

/// What an applied mutation does to the draft, as far as [`expected_answer`] needs it: an
/// approval takes the next open step (the draft is approved when none is left), a rejection
/// or a request for changes ends the round.
fn apply_expected(draft: &mut Draft, who: Who, kind: &MutationKind, now: DateTime<Utc>) {
    let MutationKind::Decide { decision } = kind else {
        return;
    };
    match decision.verdict {
        Verdict::Approve => {
            let next = open_steps(draft).next().map(|s| s.step.clone());
            if let Some(step) = next {
                draft.approvals.push(countersign_core::Approval {
                    step,
                    by: who.user().person(),
                    decision_id: decision.id,
                    at: now,
                });
            }
            if open_steps(draft).next().is_none() {
                draft.status = DraftStatus::Approved;
            }
        }
        Verdict::Reject => draft.status = DraftStatus::Rejected,
        Verdict::RequestChanges => draft.status = DraftStatus::ChangesRequested,
    }
}

/// What must hold of a draft at every moment, and from one moment to the next.
fn check_draft(before: &Draft, after: &Draft) -> Vec<String> {
    let mut broken = vec![];
    if before.status == DraftStatus::Withdrawn && after != before {
        broken.push(format!("withdrawn draft {} changed", after.id));
    }
    let mut people = BTreeSet::new();
    for approval in &after.approvals {
        if !people.insert(approval.by.id) {
            broken.push(format!(
                "{} counts twice on version {}",
                approval.by.username, after.version
            ));
        }
        if after.writers().contains(&approval.by.id) {
            broken.push(format!(
                "{} approved a draft they wrote or edited",
                approval.by.username
            ));
        }
    }
    for step in &after.required_steps {
        let count = after
            .approvals
            .iter()
            .filter(|a| a.step == step.step)
            .count();
        if let Quorum::Count(quorum) = step.quorum
            && count > quorum as usize
        {
            broken.push(format!(
                "step {} has {count} approvals for a quorum of {quorum}",
                step.step
            ));
        }
    }
    match after.status {
        DraftStatus::Approved if after.next_step().is_some() => broken.push(format!(
            "approved with step {:?} still open",
            after.next_step()
        )),
        DraftStatus::Pending if after.next_step().is_none() => {
            broken.push("pending with every step done".to_owned());
        }
        _ => {}
    }
    // The history, version by version.
    let mut decision_ids = BTreeSet::new();
    let mut editors: BTreeSet<UserId> = BTreeSet::from([after.author.id]);
    let mut ended: BTreeSet<u64> = BTreeSet::new();
    let mut approvers: BTreeMap<u64, BTreeSet<UserId>> = BTreeMap::new();
    let mut withdrawn = false;
    for entry in &after.history {
        match &entry.event {
            HistoryEvent::Edited { .. } => {
                editors.insert(entry.by.id);
            }
            HistoryEvent::Withdrawn => withdrawn = true,
            HistoryEvent::Decided {
                decision_id,
                verdict,
                ..
            } => {
                if !decision_ids.insert(*decision_id) {
                    broken.push(format!("decision {decision_id} is in the history twice"));
                }
                if withdrawn {
                    broken.push(format!("decision {decision_id} came after the withdrawal"));
                }
                if ended.contains(&entry.version) {
                    broken.push(format!(
                        "decision {decision_id} on version {} came after its round ended",
                        entry.version
                    ));
                }
                match verdict {
                    Verdict::Approve => {
                        if editors.contains(&entry.by.id) {
                            broken.push(format!(
                                "{} approved though they wrote or edited the draft",
                                entry.by.username
                            ));
                        }
                        if !approvers
                            .entry(entry.version)
                            .or_default()
                            .insert(entry.by.id)
                        {
                            broken.push(format!(
                                "{} approved version {} twice",
                                entry.by.username, entry.version
                            ));
                        }
                    }
                    Verdict::Reject | Verdict::RequestChanges => {
                        ended.insert(entry.version);
                    }
                }
            }
            HistoryEvent::Annotated { .. } if withdrawn => {
                broken.push("a comment came after the withdrawal".to_owned());
            }
            _ => {}
        }
    }
    if matches!(
        after.status,
        DraftStatus::Rejected | DraftStatus::ChangesRequested
    ) && !ended.contains(&after.version)
    {
        broken.push(format!(
            "{:?} without a round-ending decision on version {}",
            after.status, after.version
        ));
    }
    if after.status == DraftStatus::Withdrawn && !withdrawn {
        broken.push("withdrawn without a withdrawal in the history".to_owned());
    }
    broken
}

/// One run on one server; `skews` set for the run with wrong client clocks.
async fn run_on(
    env: &Env,
    clock: &AtomicI64,
    case: u64,
    ops: &[Op],
    skews: Option<&[i64]>,
) -> (Trace, Vec<String>) {
    let base = u128::from(case) << 64;
    let mut runner = Runner {
        env,
        clock,
        base,
        drafts: [
            DraftId(Uuid::from_u128(base + 1)),
            DraftId(Uuid::from_u128(base + 2)),
        ],
        desktops: BTreeMap::new(),
        skews,
        made: 0,
        editors: [BTreeSet::new(), BTreeSet::new()],
        trace: Trace::default(),
        broken: vec![],
    };
    // Each case a day apart, each step a minute: the server's clock, the same in both runs.
    let day = start() + Duration::days(i64::try_from(case).unwrap_or(i64::MAX / 2) % 10_000);
    clock.store(day.timestamp_micros(), Ordering::SeqCst);
    runner.insert_drafts().await;
    let mut before = runner.both().await;
    // In the end every desktop comes online and pushes what it still holds.
    let online = EVERYONE.map(|who| Op::Push {
        who,
        most: usize::MAX,
    });
    for (n, op) in ops.iter().chain(&online).enumerate() {
        let at = day + Duration::minutes(i64::try_from(n).unwrap_or(0) + 1);
        clock.store(at.timestamp_micros(), Ordering::SeqCst);
        runner.step(*op).await;
        let after = runner.both().await;
        for (b, a) in before.iter().zip(&after) {
            for what in check_draft(b, a) {
                runner.fail(format!("after step {n} ({op:?}): {what}"));
            }
        }
        before = after;
    }
    for draft in &before {
        tally(format!("draft ends {}", draft.status.as_str()));
    }
    runner.trace.drafts = before
        .iter()
        .map(|d| serde_json::to_value(d).expect("a draft serialises"))
        .collect();
    (runner.trace, runner.broken)
}

#[test]
fn any_interleaving_of_reviewers_edits_and_withdrawals_keeps_the_approval_rules_and_ignores_client_clocks()
 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let clock = Arc::new(AtomicI64::new(start().timestamp_micros()));
    let (right, skewed) = runtime.block_on(async { (env(&clock).await, env(&clock).await) });
    let cases = AtomicU64::new(0);
    let (mut runner, seed) = runner();
    let result = runner.run(&run_strategy(), |(ops, skews)| {
        let case = cases.fetch_add(1, Ordering::SeqCst) + 1;
        let (a, a_broken) = runtime.block_on(run_on(&right, &clock, case, &ops, None));
        prop_assert!(
            a_broken.is_empty(),
            "with the desktops' clocks right:\n  {}",
            a_broken.join("\n  ")
        );
        let (b, b_broken) = runtime.block_on(run_on(&skewed, &clock, case, &ops, Some(&skews)));
        prop_assert!(
            b_broken.is_empty(),
            "with the desktops' clocks off by {skews:?} minutes:\n  {}",
            b_broken.join("\n  ")
        );
        prop_assert_eq!(
            a,
            b,
            "the same run with client clocks off by {:?} minutes ended differently",
            skews
        );
        Ok(())
    });
    eprintln!("proptest: {:#?}", TALLY.lock().expect("the tally lock"));
    outcome(result, seed);
}
