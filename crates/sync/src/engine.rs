//! Performs a sync against the server and the local cache.

use crate::client::ApiClient;
use crate::error::SyncError;
use crate::plan::{self, Action, Limits, Progress};
use chrono::{DateTime, Utc};
use countersign_core::wire::{ChangesResponse, PushRequest, codes};
use countersign_core::{ClientId, MutationId, Sensitive};
use countersign_store::Cache;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tuning for [`SyncEngine`].
#[derive(Clone, Copy, Debug)]
pub struct SyncConfig {
    /// Mutations per push request.
    pub push_batch: usize,
    /// Drafts in the first changes page of a pull; each next page doubles, up to
    /// `page_limit`. A small first page gets the writing started early, so fetching and
    /// writing overlap from the start; big later pages mean fewer commits.
    pub first_page: u32,
    /// Most drafts per changes page (the server clamps to 5000).
    pub page_limit: u32,
    /// Tries per request before a transient failure is reported.
    pub attempts: u32,
    /// First retry delay; doubles each time.
    pub base_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            push_batch: 500,
            first_page: 1000,
            page_limit: 5000,
            attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// What a sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Mutations sent (including re-sends of ones whose answer was lost).
    pub pushed: u64,
    /// Of those, the ones the server applied (now or before).
    pub applied: u64,
    /// Of those, the ones the server refused for good (now conflict records).
    pub refused: u64,
    /// Changes pulled (upserts and removals).
    pub pulled: u64,
    /// Changes pages fetched.
    pub pages: u64,
    /// True when a page brought a new directory (roles, channels, crisis mode), now in the
    /// cache.
    pub directory_changed: bool,
    /// True when the sync fetched a new policy pack, now in the cache.
    pub policy_changed: bool,
    /// Receipts for applied decisions kept in the cache.
    pub receipts: u64,
    /// Of those, the ones that failed the desktop's check (another decision's, another
    /// text's, or a signature the pinned key does not verify): kept, and said loudly.
    pub receipts_failed: u64,
    /// Mutations made too recently to send ([`SyncEngine::sync_holding`]): still undoable,
    /// they go in a later sync.
    pub held: u64,
    /// When the first of those may be sent, if any were held.
    pub held_until: Option<DateTime<Utc>>,
}

/// Pushes a cache's outbox and pulls the server's changes into it.
#[derive(Clone, Debug)]
pub struct SyncEngine {
    api: ApiClient,
    config: SyncConfig,
}

/// The cache shared between the window's commands and the sync.
pub type SharedCache = Arc<Mutex<Cache>>;

impl SyncEngine {
    /// An engine for one server.
    pub fn new(api: ApiClient, config: SyncConfig) -> Self {
        Self { api, config }
    }

    /// The HTTP client.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Runs one sync: push the outbox, then pull to the end of the changes feed.
    ///
    /// Every page is applied in one cache transaction together with dropping the outbox
    /// entries it acknowledges, so a crash between pages loses nothing and repeats nothing.
    /// On error, what was already applied stays applied and the outbox keeps everything
    /// the server has not answered.
    pub async fn sync(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, SyncError> {
        self.run(cache, access_token, now, true, None).await
    }

    /// [`sync`](Self::sync), holding back the decisions and comments made less than `hold`
    /// ago (and those after them: pushes go in id order), so they can still be taken back.
    /// What the background does; a sync the reviewer asks for sends everything.
    pub async fn sync_holding(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> Result<SyncReport, SyncError> {
        self.run(cache, access_token, now, true, Some(hold)).await
    }

    /// Pushes the outbox without pulling: the benchmark times the two halves apart.
    pub async fn push_outbox(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, SyncError> {
        self.run(cache, access_token, now, false, None).await
    }

    async fn run(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        now: DateTime<Utc>,
        pull: bool,
        hold: Option<Duration>,
    ) -> Result<SyncReport, SyncError> {
        let hold = hold.map(|hold| chrono::Duration::from_std(hold).unwrap_or_default());
        let young_since = hold.map(|hold| now - hold);
        let client_id = with_cache(cache, |c| c.client_id()).await?.ok_or_else(|| {
            SyncError::Task("the cache has no client id; sign in first".to_string())
        })?;
        let limits = Limits {
            push_batch: self.config.push_batch,
            page_limit: self.config.page_limit,
        };
        let mut report = SyncReport::default();
        let unanswered = with_cache(cache, move |c| c.sendable_count(young_since)).await?;
        let mut progress = Progress::start(unanswered);
        progress.pulled_to_end = !pull;
        loop {
            match plan::next_action(&progress, &limits) {
                Action::Push { batch, resume_at } => {
                    let pushed = self
                        .push_batch(
                            cache,
                            access_token,
                            client_id,
                            (batch, resume_at),
                            (now, young_since),
                            &mut report,
                        )
                        .await?;
                    let unanswered =
                        with_cache(cache, move |c| c.sendable_count(young_since)).await?;
                    progress.pushed(pushed.sent, pushed.answered, pushed.gap, unanswered);
                }
                Action::Pull { limit } => {
                    let pulled = self
                        .pull_to_end(cache, access_token, client_id, limit, &mut report)
                        .await?;
                    let unanswered =
                        with_cache(cache, move |c| c.sendable_count(young_since)).await?;
                    progress.pulled(pulled.reopened, pulled.restarted, unanswered);
                }
                Action::Stalled => {
                    let why = if progress.rounds > plan::MAX_ROUNDS {
                        "it kept answering that it had lost decisions sent to it earlier"
                    } else if progress.gap.is_some() {
                        "it asked again for the decisions just sent to it"
                    } else {
                        "it answered none of the queued decisions"
                    };
                    return Err(self.api.malformed("push", why.to_string()));
                }
                Action::Done => break,
            }
            if !pull {
                progress.pulled_to_end = true;
            }
        }
        if let (Some(since), Some(hold)) = (young_since, hold) {
            let (held, first) = with_cache(cache, move |c| {
                Ok((
                    c.unanswered_count()?
                        .saturating_sub(c.sendable_count(young_since)?),
                    c.held_back(since)?,
                ))
            })
            .await?;
            report.held = held;
            report.held_until = first.map(|first| first.decided_at + hold);
        }
        if pull {
            self.fetch_policy_if_new(cache, access_token, client_id, &mut report)
                .await?;
            with_cache(cache, move |c| c.set_last_synced_at(now)).await?;
        }
        Ok(report)
    }

    /// Fetches the organisation's policy pack when the directory names a version the cache
    /// does not hold (a new pack was set, or an earlier fetch failed).
    async fn fetch_policy_if_new(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let (wanted, held) = with_cache(cache, |c| {
            let wanted = c.directory()?.map_or(0, |d| d.policy_version);
            let held = c.policy_pack()?.map_or(0, |(version, _)| version);
            Ok((wanted, held))
        })
        .await?;
        if wanted == 0 || wanted == held {
            return Ok(());
        }
        let (version, json) = self
            .retrying(client_id, || self.api.policy(access_token))
            .await?;
        with_cache(cache, move |c| c.set_policy_pack(version, &json)).await?;
        report.policy_changed = true;
        Ok(())
    }

    /// Pushes the oldest `batch` unanswered mutations; after a `mutation_gap` answer
    /// (`resume_at`, the id the server expects) it declares the ids from there up to the
    /// first one still held as skipped.
    async fn push_batch(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        (batch, resume_at): (usize, Option<MutationId>),
        (now, young_since): (DateTime<Utc>, Option<DateTime<Utc>>),
        report: &mut SyncReport,
    ) -> Result<Pushed, SyncError> {
        let (claimed, first_held) = with_cache(cache, move |c| {
            let first_held = match resume_at {
                Some(expected) => c.first_held_from(expected)?,
                None => None,
            };
            // Claimed, not just read: marked as pushed under the cache lock before the
            // request leaves, so an undo can never take back (or renumber) a row the
            // server may be receiving — see `countersign_store`'s `undo` module.
            Ok((c.claim_sendable(batch, now, young_since)?, first_held))
        })
        .await?;
        if claimed.mutations.is_empty() {
            return Ok(Pushed::default());
        }
        let request = PushRequest {
            client_id,
            mutations: claimed.mutations,
            skip: resume_at.and_then(|expected| plan::skip(expected, first_held)),
        };
        // Whether any attempt may have reached the server: everything but a connection
        // that could not be made at all.
        let may_have_arrived = std::sync::atomic::AtomicBool::new(false);
        let pushed = self
            .retrying(client_id, || async {
                let answer = self.api.push(access_token, &request).await;
                if !matches!(&answer, Err(SyncError::Offline(e)) if e.is_connect()) {
                    may_have_arrived.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                answer
            })
            .await;
        let response = match pushed {
            Ok(response) => response,
            Err(error) => {
                if !may_have_arrived.load(std::sync::atomic::Ordering::Relaxed) {
                    // Nothing left this computer (offline): the rows may be undone again.
                    let marked = claimed.marked;
                    with_cache(cache, move |c| c.unclaim(&marked)).await?;
                }
                return Err(error);
            }
        };
        report.pushed += request.mutations.len() as u64;
        let answered = response.results.len();
        // A conflict's current draft travels once per draft in the answer: hand it back to
        // each conflict, which the cache keeps as the conflict's "now" side.
        let results = response.resolved(&request);
        let recorded = with_cache(cache, move |c| c.record_results(&results, now)).await?;
        report.applied += recorded.answered as u64;
        report.refused += recorded.conflicts as u64;
        report.receipts += recorded.receipts as u64;
        report.receipts_failed += recorded.failed_receipts as u64;
        if recorded.failed_receipts > 0 {
            tracing::error!(
                failed = recorded.failed_receipts,
                "the server's receipts for applied decisions do not hold up: kept as evidence, see Export my decisions"
            );
        }
        if let Some(expected) = recorded.gap {
            tracing::warn!(
                %expected,
                reopened = recorded.reopened,
                "the server expects an earlier mutation (restored from a backup?): sending again from there"
            );
        }
        Ok(Pushed {
            sent: request.mutations.len(),
            answered,
            gap: recorded.gap,
        })
    }

    /// Pulls pages until `has_more` is false. While one page is written to the cache the
    /// next is already on its way: the two costs overlap instead of adding up.
    ///
    /// A server that lost this desktop's place in its feed (`409 cursor_ahead` for any page,
    /// or a page whose `last_mutation_id` went down) gets the pull reset in the cache and the
    /// pull stops with [`Pulled::restarted`]: the plan starts it again from the beginning.
    async fn pull_to_end(
        &self,
        cache: &SharedCache,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        limit: u32,
        report: &mut SyncReport,
    ) -> Result<Pulled, SyncError> {
        let mut pulled = Pulled::default();
        let (cursor, mut directory) =
            with_cache(cache, |c| Ok((c.cursor()?, c.directory()?))).await?;
        let mut page_number = 0;
        let size = |n: u32| plan::page_size(n, self.config.first_page, limit);
        let first = self
            .fetch_page(access_token, client_id, cursor, size(page_number))
            .await;
        let Some(mut page) = restart_if_ahead(cache, first, &mut pulled).await? else {
            return Ok(pulled);
        };
        loop {
            // A page is checked against the directory it brings, or the latest before it,
            // before any of it is applied.
            if let Some(brought) = &page.directory {
                directory = Some(brought.clone());
            }
            self.api.check_scope(&page, directory.as_ref())?;
            page_number += 1;
            report.pages += 1;
            report.pulled += page.changes.len() as u64;
            report.directory_changed |= page.directory.is_some();
            let next_cursor = page.next_cursor.clone();
            let has_more = page.has_more;
            let apply = with_cache(cache, move |c| c.apply_changes(&page));
            if !has_more {
                let applied = apply.await?;
                pulled.take(&applied);
                return Ok(pulled);
            }
            let fetch = self.fetch_page(
                access_token,
                client_id,
                Some(next_cursor),
                size(page_number),
            );
            let (applied, fetched) = tokio::join!(apply, fetch);
            let applied = applied?;
            pulled.take(&applied);
            if pulled.restarted {
                // The page fetched meanwhile continues the forgotten cursor: drop it.
                return Ok(pulled);
            }
            // The server can be restored between two pages of one pull, too.
            match restart_if_ahead(cache, fetched, &mut pulled).await? {
                Some(next) => page = next,
                None => return Ok(pulled),
            }
        }
    }

    async fn fetch_page(
        &self,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<ChangesResponse, SyncError> {
        self.retrying(client_id, || {
            self.api
                .changes(access_token, client_id, cursor.as_deref(), limit)
        })
        .await
    }

    /// Runs `call`, retrying transient failures with backoff.
    async fn retrying<T, F, Fut>(&self, client_id: ClientId, mut call: F) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SyncError>>,
    {
        let spread = client_id.as_uuid().as_bytes()[15];
        let mut attempt = 1;
        loop {
            match call().await {
                Err(error) if error.is_retryable() && attempt < self.config.attempts => {
                    let wait = plan::backoff(
                        attempt,
                        self.config.base_backoff,
                        self.config.max_backoff,
                        spread,
                    );
                    tracing::debug!(%error, attempt, ?wait, "transient sync failure; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// The page fetched, or `None` when the server answered `409 cursor_ahead` — its feed ends
/// before our cursor, so it was restored from a backup: the pull is reset in the cache and
/// marked [`Pulled::restarted`], and the plan pulls again from the start.
async fn restart_if_ahead(
    cache: &SharedCache,
    fetched: Result<ChangesResponse, SyncError>,
    pulled: &mut Pulled,
) -> Result<Option<ChangesResponse>, SyncError> {
    match fetched {
        Err(e) if e.code() == Some(codes::CURSOR_AHEAD) => {
            tracing::warn!(
                "the server's feed ends before our cursor (restored from a backup?): pulling again from the start"
            );
            with_cache(cache, |c| c.reset_pull()).await?;
            pulled.restarted = true;
            Ok(None)
        }
        other => other.map(Some),
    }
}

/// What one push did.
#[derive(Clone, Copy, Debug, Default)]
struct Pushed {
    sent: usize,
    answered: usize,
    gap: Option<MutationId>,
}

/// What one pull did.
#[derive(Clone, Copy, Debug, Default)]
struct Pulled {
    /// Outbox rows were re-opened: the server does not remember them.
    reopened: bool,
    /// The pull stopped because the server lost this desktop's place in the feed; the
    /// cache was reset and the pull must start again from the beginning.
    restarted: bool,
}

impl Pulled {
    fn take(&mut self, applied: &countersign_store::AppliedPage) {
        self.reopened |= applied.reopened > 0;
        self.restarted |= applied.reset;
    }
}

/// Runs a cache operation on the blocking pool: SQLite calls block, and an fsync can take
/// a while on a busy disk.
pub async fn with_cache<T, F>(cache: &SharedCache, op: F) -> Result<T, SyncError>
where
    T: Send + 'static,
    F: FnOnce(&mut Cache) -> Result<T, countersign_store::StoreError> + Send + 'static,
{
    let cache = Arc::clone(cache);
    tokio::task::spawn_blocking(move || {
        let mut guard = cache
            .lock()
            .map_err(|_| SyncError::Task("the cache lock was poisoned by a crash".to_string()))?;
        op(&mut guard).map_err(SyncError::from)
    })
    .await
    .map_err(|e| SyncError::Task(e.to_string()))?
}
