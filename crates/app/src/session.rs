//! The [`App`]: sign-in, the session's secrets, and the operations the window calls.

use crate::annotations::{self, AnnotationView, NewComment};
use crate::bulk;
use crate::decisions::{Export, ExportReport};
use crate::error::AppError;
use crate::guard::{self, GuardSlot};
use crate::rules::{self, ApprovalView};
use crate::server_address::ServerAddress;
use crate::status::SyncStatus;
use crate::undo::UNDO_WINDOW;
use chrono::{DateTime, Utc};
use countersign_core::channel::Route;
use countersign_core::finding::{Finding, Measure};
use countersign_core::limits;
use countersign_core::versions::{VersionBody, versions};
use countersign_core::wire::admin::{AccessEntry, CrisisOn, CrisisStatus};
use countersign_core::wire::{Directory, SessionRequest, SessionResponse, SessionUser, codes};
use countersign_core::{
    ClientId, Draft, DraftId, MutationId, MutationKind, Sensitive, Urgency, Verdict,
};
use countersign_keychain::Keychain;
use countersign_store::{
    Cache, CacheKey, Conflict, QueueFilter, QueueItem, QueuePage, QueuePageAnswer, StoreError,
};
use countersign_sync::SyncError;
use countersign_sync::engine::{SharedCache, with_cache};
use countersign_sync::{ApiClient, SyncConfig, SyncEngine, SyncReport};
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Keychain account holding the refresh token.
const REFRESH_TOKEN: &str = "refresh-token";
/// Keychain account holding the cache's encryption key.
const CACHE_KEY: &str = "cache-key";
/// Cache settings.
const SERVER_URL: &str = "server_url";
const USER: &str = "user";
/// The origin of a plain-`http://` server the reviewer allowed (see [`server_address`]).
const ALLOW_UNENCRYPTED: &str = "allow_unencrypted";
/// When the desktop last heard from the server (a sign-in or a sync), RFC 3339.
const LAST_CONTACT: &str = "last_contact_at";
/// `"1"` once the offline lease was seen to run out, until the next sign-in.
const LEASE_EXPIRED: &str = "lease_expired";
/// How long sign-out waits for the server to revoke the session before going on offline.
const REVOKE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the crisis state may go unconfirmed by the server before the banner warns.
pub const CRISIS_STALE_AFTER: Duration = Duration::from_secs(5 * 60);

/// The time source. Business logic never reads the clock itself.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The real clock.
#[allow(clippy::disallowed_methods)] // the one place the desktop reads the wall clock
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Where the desktop keeps its data and secrets.
#[derive(Clone)]
pub struct AppConfig {
    /// Folder for the encrypted cache.
    pub data_dir: PathBuf,
    /// The OS keychain (or an in-memory one in tests).
    pub keychain: Keychain,
    /// Sync tuning.
    pub sync: SyncConfig,
    /// The clock.
    pub clock: Clock,
    /// How long the crisis state may go unconfirmed before the banner says it may be out
    /// of date.
    pub crisis_stale_after: Duration,
}

impl AppConfig {
    /// Defaults for a data folder and a keychain.
    pub fn new(data_dir: impl Into<PathBuf>, keychain: Keychain) -> Self {
        Self {
            data_dir: data_dir.into(),
            keychain,
            sync: SyncConfig::default(),
            clock: system_clock(),
            crisis_stale_after: CRISIS_STALE_AFTER,
        }
    }

    /// The cache file.
    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.db")
    }
}

/// A signed-in reviewer's world.
struct Session {
    server_url: String,
    user: SessionUser,
    cache: SharedCache,
    engine: SyncEngine,
    /// Short-lived; never persisted. `None` until the first refresh after a restart.
    access_token: tokio::sync::Mutex<Option<Sensitive<String>>>,
    /// The organisation as the last pull described it; reloaded from the cache after each
    /// sync. `None` before a server sent one.
    directory: Mutex<Option<Arc<Directory>>>,
    /// The policy guard of the cached pack.
    guard: Arc<GuardSlot>,
    /// The offline lease as last checked (see [`rules::lease_expired`]).
    lease: Mutex<Lease>,
    /// The server's receipt key was asked for in this run (see [`App::pin_receipt_key`]).
    receipt_key_asked: std::sync::atomic::AtomicBool,
}

/// How stale the last contact on disk may be: a sync every 15 s need not cost an fsync'd
/// write each time, and a lease measured in days loses at most this much to a restart.
const CONTACT_WRITE_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// What the desktop knows about its offline lease.
#[derive(Clone, Copy, Debug, Default)]
struct Lease {
    last_contact: Option<DateTime<Utc>>,
    /// The last contact as the cache's settings hold it.
    stored_contact: Option<DateTime<Utc>>,
    expired: bool,
}

impl Lease {
    /// Read from the cache's settings; a cache from before leases counts from its last sync.
    fn load(cache: &Cache) -> Result<Lease, StoreError> {
        let stored_contact = cache
            .get_setting(LAST_CONTACT)?
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc));
        let last_contact = match stored_contact {
            Some(at) => Some(at),
            None => cache.last_synced_at()?,
        };
        let expired = cache.get_setting(LEASE_EXPIRED)?.as_deref() == Some("1");
        Ok(Lease {
            last_contact,
            stored_contact,
            expired,
        })
    }
}

impl Session {
    fn directory(&self) -> Option<Arc<Directory>> {
        self.directory.lock().ok().and_then(|d| d.clone())
    }

    /// The signed-in reviewer as the server last described them (roles and steps change
    /// while they are signed in), else as they signed in.
    fn user(&self) -> SessionUser {
        self.directory()
            .map_or_else(|| self.user.clone(), |d| d.me.clone())
    }
}

/// The last thing learnt about the connection.
#[derive(Default)]
struct Health {
    online: Option<bool>,
    last_error: Option<String>,
    /// The last answer was `sign_in_required` (see [`SyncStatus::sign_in_required`]).
    sign_in_required: bool,
}

/// A draft with what the window needs around it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DraftDetail {
    /// The draft as last pulled.
    pub draft: Draft,
    /// The step its next approval would satisfy.
    pub next_step: Option<String>,
    /// Its steps and how far each got.
    pub steps: Vec<rules::StepProgress>,
    /// Whether the signed-in reviewer may approve it, and if not why and who may.
    pub approval: ApprovalView,
    /// What the policy guard finds in it, most serious first (spans in code points).
    pub findings: Vec<Finding>,
    /// Its length as its network counts it.
    pub measure: Measure,
    /// How the server routed this version, when not the channel's usual way (the fast
    /// lane, a step added for a finding, a pre-approved reply).
    pub route: Option<Route>,
    /// What the console asks the reviewer to confirm before approving it: its time has
    /// passed, or (offline) it publishes before the laptop is likely to sync.
    pub schedule_warning: Option<rules::ScheduleWarning>,
    /// Its comments, oldest first, each anchored in the current text (the reviewer's own
    /// not yet back from the server last, marked pending).
    pub annotations: Vec<AnnotationView>,
    /// Every version of its text the history still knows, oldest first, ending with the
    /// current one.
    pub versions: Vec<VersionBody>,
    /// The version the reviewer had opened before this opening (`None`: never opened
    /// here): what the version diff starts from.
    pub seen_version: Option<u64>,
}

/// What sign-out managed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SignOutReport {
    /// The server revoked the session (false when offline: the refresh token is deleted
    /// locally either way, and it expires on the server).
    pub revoked_on_server: bool,
}

/// The desktop application, without the window.
pub struct App {
    config: AppConfig,
    session: tokio::sync::RwLock<Option<Arc<Session>>>,
    /// One sync at a time.
    syncing: tokio::sync::Mutex<()>,
    health: Mutex<Health>,
    /// Numbers each status read (see [`SyncStatus::seq`]).
    status_reads: Arc<AtomicU64>,
    /// Plain-`http://` origins the reviewer allowed in this run, before a session with the
    /// server exists to keep the allowance in.
    unencrypted_allowed: Mutex<HashSet<String>>,
}

impl App {
    /// Opens the app. When a previous session's cache and key are present it opens straight
    /// into that session, offline or not; a cache whose key is gone is unreadable and is
    /// removed.
    ///
    /// A wipe an earlier run left unfinished (see `WIPE_MARK`) is finished first, and the
    /// app then opens signed out; if it fails again the status line says so.
    pub async fn open(config: AppConfig) -> Result<App, AppError> {
        // Before anything lands in it: the folder is this OS user's alone.
        countersign_store::private_folder(&config.data_dir)?;
        let mut health = Health::default();
        let session = match finish_interrupted_wipe(&config).await {
            Ok(false) => restore_session(&config).await?,
            Ok(true) => None,
            Err(e) => {
                health.last_error = Some(e.to_string());
                None
            }
        };
        Ok(App {
            config,
            session: tokio::sync::RwLock::new(session.map(Arc::new)),
            syncing: tokio::sync::Mutex::new(()),
            health: Mutex::new(health),
            status_reads: Arc::new(AtomicU64::new(0)),
            unencrypted_allowed: Mutex::default(),
        })
    }

    /// Signs in to `server_url`. The refresh token and a new cache key go to the keychain;
    /// signing in again as the same user on the same server keeps the cache and its outbox.
    ///
    /// An account with two-factor sign-in needs `totp`, the code from the authenticator
    /// app; without it the answer is [`AppError::TotpRequired`], so the window can ask.
    ///
    /// A plain `http://` address of another machine than this one is refused with
    /// [`AppError::InsecureServer`] before anything is sent, unless the reviewer allowed it
    /// ([`App::allow_unencrypted`], or an earlier sign-in of this session did).
    pub async fn sign_in(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<SessionUser, AppError> {
        let address = ServerAddress::parse(server_url);
        let unencrypted = address.as_ref().filter(|a| a.needs_allowance());
        if let Some(address) = unencrypted {
            if !self.allows_unencrypted(address).await? {
                return Err(AppError::InsecureServer {
                    host: address.host.clone(),
                });
            }
            tracing::warn!(server = %address.origin, "signing in over unencrypted http, as allowed");
        }
        let api = ApiClient::new(server_url).map_err(|e| AppError::Invalid(e.to_string()))?;
        let request = SessionRequest {
            username: username.trim().to_string(),
            password: password.to_string(),
            totp: totp
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
        };
        let response = api.sign_in(&request).await.map_err(|e| match e.code() {
            Some(codes::BAD_CREDENTIALS) => AppError::BadCredentials,
            Some(codes::TOTP_REQUIRED) => AppError::TotpRequired,
            Some(codes::TOTP_ENROLMENT_REQUIRED) => enrolment_required(&e),
            _ => AppError::from(e),
        })?;
        self.note_health(Ok(()));

        let mut slot = self.session.write().await;
        let reusable = slot.as_ref().filter(|s| {
            s.server_url == api.base_url() && s.user.person.id == response.user.person.id
        });
        let session = match reusable {
            Some(existing) => Arc::clone(existing),
            None => {
                // Another user or server: the old session's data must not outlive it.
                slot.take();
                wipe_local(&self.config).await?;
                Arc::new(create_session(&self.config, api, &response).await?)
            }
        };
        self.config
            .keychain
            .set(
                REFRESH_TOKEN,
                &Sensitive::new(response.refresh_token.clone()),
            )
            .await?;
        *session.access_token.lock().await = Some(Sensitive::new(response.access_token.clone()));
        self.note_contact(&session).await?;
        if let Some(address) = unencrypted {
            // Kept with the server's address, so signing in again (an ended session) does
            // not ask again; erased with the session at sign-out.
            let origin = address.origin.clone();
            with_cache(&session.cache, move |c| {
                c.set_setting(ALLOW_UNENCRYPTED, &origin)
            })
            .await?;
        }
        *slot = Some(Arc::clone(&session));
        drop(slot);
        // Before the first push, so the receipts it brings are checked as they arrive.
        self.pin_receipt_key(&session).await?;
        Ok(response.user)
    }

    /// Fetches and pins the server's receipt key when the cache holds none, once per run:
    /// at sign-in, else at the first sync after a start. The first key seen is kept; a
    /// server that cannot say (offline, or older than receipts) is asked again next run.
    async fn pin_receipt_key(&self, session: &Session) -> Result<(), AppError> {
        if session.receipt_key_asked.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        if with_cache(&session.cache, |c| c.receipt_key())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let fetch = session.engine.api().receipt_key();
        let key = match tokio::time::timeout(REVOKE_TIMEOUT, fetch).await {
            Ok(Ok(key)) => key,
            Ok(Err(e)) => {
                tracing::warn!(%e, "the server's receipt key could not be fetched: receipts are kept unchecked");
                return Ok(());
            }
            Err(_) => {
                tracing::warn!(
                    "the server's receipt key did not come in time: receipts are kept unchecked"
                );
                return Ok(());
            }
        };
        let json = serde_json::to_string(&key)
            .map_err(|e| AppError::Invalid(format!("the server's receipt key: {e}")))?;
        match with_cache(&session.cache, move |c| c.set_receipt_key(&json)).await {
            Ok(0) => tracing::info!(key_id = %key.key_id, "pinned the server's receipt key"),
            Ok(failed) => tracing::error!(
                key_id = %key.key_id,
                failed,
                "pinned the server's receipt key: receipts kept before it do NOT verify with it"
            ),
            Err(e) => {
                tracing::error!(%e, "the server sent a receipt key that cannot check receipts")
            }
        }
        Ok(())
    }

    /// Writes "my decisions" — every decision made here that the cache knows, each one the
    /// server confirmed with its signed receipt and each one still waiting marked as not yet
    /// confirmed — as a CSV and a JSON file into `folder` (see the `decisions` module).
    pub async fn export_decisions(
        &self,
        folder: &std::path::Path,
    ) -> Result<ExportReport, AppError> {
        let session = self.leased_session().await?;
        let (receipts, unconfirmed, key) = with_cache(&session.cache, |c| {
            Ok((c.receipts()?, c.unconfirmed_decisions()?, c.receipt_key()?))
        })
        .await?;
        let public_key = key
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| AppError::Invalid(format!("the pinned receipt key is damaged: {e}")))?;
        let export = Export {
            exported_at: (self.config.clock)(),
            server: session.server_url.clone(),
            reviewer: session.user().person,
            public_key,
            receipts,
            unconfirmed,
        };
        let folder = folder.to_path_buf();
        tokio::task::spawn_blocking(move || export.write(&folder))
            .await
            .map_err(|e| AppError::Invalid(e.to_string()))?
    }

    /// Allows signing in to `server_url` over plain `http://` although it is not this
    /// machine: the reviewer chose it, knowing the risk ([`AppError::InsecureServer`]). For
    /// this origin only (scheme, host, port); nothing is needed for `https://` or loopback.
    pub async fn allow_unencrypted(&self, server_url: &str) -> Result<(), AppError> {
        let Some(address) = ServerAddress::parse(server_url) else {
            return Err(AppError::Invalid(format!(
                "{server_url:?} is not a server address: use https://host or http://host:port"
            )));
        };
        if address.needs_allowance() {
            tracing::info!(server = %address.origin, "the reviewer allowed unencrypted http");
            self.unencrypted_allowed
                .lock()
                .map_err(poisoned)?
                .insert(address.origin);
        }
        Ok(())
    }

    /// Whether the reviewer allowed this plain-`http://` server: in this run, or for the
    /// session that already talks to it.
    async fn allows_unencrypted(&self, address: &ServerAddress) -> Result<bool, AppError> {
        if self
            .unencrypted_allowed
            .lock()
            .map_err(poisoned)?
            .contains(&address.origin)
        {
            return Ok(true);
        }
        let Some(session) = self.session.read().await.clone() else {
            return Ok(false);
        };
        let allowed = with_cache(&session.cache, |c| c.get_setting(ALLOW_UNENCRYPTED)).await?;
        Ok(allowed.as_deref() == Some(address.origin.as_str()))
    }

    /// Signs out: revokes the session on the server when it can be reached, deletes the
    /// keychain entries and the cache. Decisions not yet synced are lost; the window asks
    /// first.
    ///
    /// The session is revoked with the access token when there is one that works, else
    /// with the refresh token from the keychain (after a restart, or once the access token
    /// expired), so a sign-out never leaves a live session behind on the server.
    pub async fn sign_out(&self) -> Result<SignOutReport, AppError> {
        let session = self.session.write().await.take();
        let mut revoked_on_server = false;
        if let Some(session) = session {
            let access = session.access_token.lock().await.clone();
            // A keychain that fails here must not stop the sign-out: the wipe below still
            // runs, and reports its own failures.
            let refresh = self.config.keychain.get(REFRESH_TOKEN).await.ok().flatten();
            let revoke = revoke_session(session.engine.api(), access, refresh);
            revoked_on_server = tokio::time::timeout(REVOKE_TIMEOUT, revoke)
                .await
                .unwrap_or(false);
        }
        wipe_local(&self.config).await?;
        *self.health.lock().map_err(poisoned)? = Health::default();
        // An allowance goes with the session it was given for.
        self.unencrypted_allowed.lock().map_err(poisoned)?.clear();
        Ok(SignOutReport { revoked_on_server })
    }

    /// The signed-in reviewer as the server last described them, if anyone is signed in.
    pub async fn user(&self) -> Option<SessionUser> {
        self.session.read().await.as_ref().map(|s| s.user())
    }

    /// Pending drafts waiting for a step the reviewer may take (all pending drafts for
    /// someone with no steps, such as an administrator), most urgent first, with any local
    /// decision not yet synced.
    pub async fn queue(&self, mut filter: QueueFilter) -> Result<Vec<QueueItem>, AppError> {
        let session = self.leased_session().await?;
        filter.next_steps = Some(session.user().steps).filter(|s| !s.is_empty());
        let mut items = with_cache(&session.cache, move |c| c.queue(&filter)).await?;
        let now = (self.config.clock)();
        for item in &mut items {
            item.late_by_secs = rules::late_by_secs(item.scheduled_at, now);
        }
        Ok(items)
    }

    /// How many drafts of the queue have no decision made here yet: the tray's number, from
    /// the queue's shape in memory rather than by reading every row.
    pub async fn to_review(&self) -> Result<u64, AppError> {
        let page = QueuePage {
            filter: QueueFilter::default(),
            text: String::new(),
            offset: 0,
            limit: 0,
        };
        Ok(self.queue_page(page).await?.all_to_review)
    }

    /// The crisis drafts of the queue, then the urgent ones: what a notification is about,
    /// read without the rest of the queue.
    pub async fn pressing(&self) -> Result<Vec<QueueItem>, AppError> {
        let mut items = Vec::new();
        for urgency in [Urgency::Crisis, Urgency::Urgent] {
            let filter = QueueFilter {
                urgency: Some(urgency),
                ..QueueFilter::default()
            };
            items.extend(self.queue(filter).await?);
        }
        Ok(items)
    }

    /// One page of [`App::queue`] narrowed by `page`'s words, for the window's visible rows:
    /// the same scope and order, with where the words matched and the counts the filter
    /// menus and headings show ([`Cache::queue_page`]).
    pub async fn queue_page(&self, mut page: QueuePage) -> Result<QueuePageAnswer, AppError> {
        let session = self.leased_session().await?;
        page.filter.next_steps = Some(session.user().steps).filter(|s| !s.is_empty());
        let mut answer = with_cache(&session.cache, move |c| c.queue_page(&page)).await?;
        let now = (self.config.clock)();
        for row in &mut answer.items {
            row.item.late_by_secs = rules::late_by_secs(row.item.scheduled_at, now);
        }
        Ok(answer)
    }

    /// One draft from the cache, with whether the reviewer may approve it.
    pub async fn draft(&self, id: DraftId) -> Result<DraftDetail, AppError> {
        let session = self.leased_session().await?;
        let slot = Arc::clone(&session.guard);
        let now = (self.config.clock)();
        // Opening it records this version as seen, in the same step that reads it.
        let found = with_cache(&session.cache, move |c| {
            let Some(draft) = c.draft(id)? else {
                return Ok(None);
            };
            let seen = c.mark_seen(id, draft.version, now)?;
            let local = c.local_annotations(id)?;
            let review = slot.review_of(c, &draft)?;
            Ok(Some((draft, review, local, seen)))
        })
        .await?;
        let (draft, review, local, seen_version) = found.ok_or(AppError::NotFound)?;
        let next_step = draft.next_step().map(str::to_owned);
        let approval = approval_of(&session, &draft);
        let findings = review.findings(&draft, session.directory().as_deref());
        // Unknown (no sync tried yet this run) counts as online: the window warns about a
        // draft due before the next sync only once an attempt has failed.
        let online = self.health.lock().map_err(poisoned)?.online != Some(false);
        let last_contact = session.lease.lock().map_err(poisoned)?.last_contact;
        let schedule_warning =
            rules::schedule_warning(&draft, (self.config.clock)(), online, last_contact);
        Ok(DraftDetail {
            schedule_warning,
            annotations: annotations::views(&draft, local),
            versions: versions(&draft),
            seen_version,
            steps: rules::step_progress(&draft),
            measure: guard::measure(&draft),
            route: guard::route(&draft),
            findings,
            draft,
            next_step,
            approval,
        })
    }

    /// Records a decision on the draft's current cached version. It is durable in the
    /// outbox when this returns; the server hears of it at the next sync.
    pub async fn decide(
        &self,
        draft_id: DraftId,
        verdict: Verdict,
        comment: &str,
        override_reason: Option<String>,
    ) -> Result<MutationId, AppError> {
        if verdict == Verdict::RequestChanges && comment.trim().is_empty() {
            return Err(AppError::Invalid(
                "say what should change: a request for changes needs a comment".into(),
            ));
        }
        // The server's rules, asked here first: an approval they refuse is never queued,
        // and the reviewer learns why (and who may) at once, offline too.
        let (cache, reviewer) = self.reviewer().await?;
        let asked = bulk::Asked {
            draft_id,
            verdict,
            comment: comment.trim().to_string(),
            override_reason: override_reason
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
        };
        with_cache(&cache, move |c| bulk::record_decision(c, asked, &reviewer)).await?
    }

    /// The reviewer and the moment as the rules see them, with the cache they decide in
    /// (see [`bulk::record_decision`]). Past the offline lease: [`AppError::LeaseExpired`].
    pub(crate) async fn reviewer(&self) -> Result<(SharedCache, bulk::Reviewer), AppError> {
        let session = self.leased_session().await?;
        let directory = session.directory();
        // Unknown (no sync tried yet this run) counts as online, as for the draft pane.
        let online = self.health.lock().map_err(poisoned)?.online != Some(false);
        let last_contact = session.lease.lock().map_err(poisoned)?.last_contact;
        let reviewer = bulk::Reviewer {
            me: rules::local_actor(&session.user(), directory.as_deref()),
            directory,
            guard: Arc::clone(&session.guard),
            now: (self.config.clock)(),
            online,
            last_contact,
        };
        Ok((Arc::clone(&session.cache), reviewer))
    }

    /// Records a comment on the whole draft.
    pub async fn comment(&self, draft_id: DraftId, body: &str) -> Result<MutationId, AppError> {
        let comment = NewComment {
            body: body.to_owned(),
            ..NewComment::default()
        };
        self.annotate(draft_id, comment).await
    }

    /// Records a comment, on the whole draft or on a selection of its cached text with an
    /// optional suggested replacement ([`annotations::annotation`] checks it against the
    /// body as cached now).
    pub async fn annotate(
        &self,
        draft_id: DraftId,
        comment: NewComment,
    ) -> Result<MutationId, AppError> {
        self.enqueue_on_draft(draft_id, move |draft| {
            Ok(MutationKind::Annotate {
                annotation: annotations::annotation(draft, comment)?,
            })
        })
        .await
    }

    async fn enqueue_on_draft(
        &self,
        draft_id: DraftId,
        make: impl FnOnce(&Draft) -> Result<MutationKind, AppError> + Send + 'static,
    ) -> Result<MutationId, AppError> {
        let cache = self.cache().await?;
        let now = (self.config.clock)();
        with_cache(&cache, move |c| {
            let Some(draft) = c.draft(draft_id)? else {
                return Ok(Err(AppError::NotFound));
            };
            let kind = match make(&draft) {
                Ok(kind) => kind,
                Err(refused) => return Ok(Err(refused)),
            };
            // The server's caps, asked here first: a text it would refuse is never queued.
            if let Err(over) = limits::check_mutation(&kind) {
                return Ok(Err(AppError::Invalid(over.to_string())));
            }
            c.enqueue(&kind, now).map(Ok)
        })
        .await?
    }

    /// Decisions the server refused, newest first.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>, AppError> {
        let cache = self.cache().await?;
        Ok(with_cache(&cache, |c| c.conflicts()).await?)
    }

    /// Removes a conflict from the list once the reviewer has dealt with it.
    pub async fn dismiss_conflict(&self, mutation_id: MutationId) -> Result<(), AppError> {
        let cache = self.cache().await?;
        Ok(with_cache(&cache, move |c| c.dismiss_conflict(mutation_id)).await?)
    }

    /// Pushes the outbox and pulls the server's changes now.
    ///
    /// An expired access token is refreshed once; a revoked session wipes local data and
    /// returns [`AppError::SessionRevoked`]; an unreachable server returns
    /// [`AppError::Offline`] with the outbox untouched.
    pub async fn sync_now(&self) -> Result<SyncReport, AppError> {
        self.sync_holding(None).await
    }

    /// [`App::sync_now`] as the background runs it: decisions and comments made less than
    /// [`UNDO_WINDOW`] ago stay in the outbox, still undoable; the report says until when
    /// ([`SyncReport::held_until`]), so the next sync can be timed to send them.
    pub async fn sync_in_background(&self) -> Result<SyncReport, AppError> {
        self.sync_holding(Some(UNDO_WINDOW)).await
    }

    /// The time by the app's clock (the one decisions are stamped with).
    pub fn now(&self) -> DateTime<Utc> {
        (self.config.clock)()
    }

    async fn sync_holding(&self, hold: Option<Duration>) -> Result<SyncReport, AppError> {
        let _one_at_a_time = self.syncing.lock().await;
        // Past the lease a sign-in (the password) is needed, not just the refresh token a
        // lost laptop still holds.
        let session = self.leased_session().await?;
        let result = self.sync_session(&session, hold).await;
        if result.is_ok() {
            self.note_contact(&session).await?;
            // After a restart nothing signed in: the first sync that reaches the server asks.
            self.pin_receipt_key(&session).await?;
        }
        if result.as_ref().is_ok_and(|r| r.directory_changed) {
            // Read back only when a page brought one: most syncs find nothing new.
            let directory = with_cache(&session.cache, |c| c.directory()).await?;
            if let Ok(mut slot) = session.directory.lock() {
                *slot = directory.map(Arc::new);
            }
        }
        // Offline too: drafts cached before this version of the app, or changed by a
        // page applied before the connection dropped, get their verdicts all the same.
        review_unreviewed(&session).await?;
        // Best effort: a page cache that cannot shrink says nothing about the sync.
        if let Err(error) = with_cache(&session.cache, |c| c.release_memory()).await {
            tracing::warn!(%error, "the cache's page cache was not handed back");
        }
        self.note_health(result.as_ref().map(drop));
        if matches!(result, Err(AppError::SessionRevoked)) {
            self.wipe_after_revocation().await?;
        }
        result
    }

    async fn sync_session(
        &self,
        session: &Session,
        hold: Option<Duration>,
    ) -> Result<SyncReport, AppError> {
        self.call_with_token(session, |token| async move {
            let now = (self.config.clock)();
            match hold {
                Some(hold) => {
                    session
                        .engine
                        .sync_holding(&session.cache, &token, now, hold)
                        .await
                }
                None => session.engine.sync(&session.cache, &token, now).await,
            }
        })
        .await
    }

    /// The current access token, refreshing it with the keychain's refresh token when there
    /// is none (after a restart, or after it expired).
    async fn access_token(&self, session: &Session) -> Result<Sensitive<String>, AppError> {
        let mut slot = session.access_token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        let refresh_token = self
            .config
            .keychain
            .get(REFRESH_TOKEN)
            .await?
            .ok_or(AppError::SignInRequired)?;
        let response: SessionResponse = session
            .engine
            .api()
            .refresh(&refresh_token)
            .await
            .map_err(|e| match e {
                e if e.is_session_revoked() => AppError::SessionRevoked,
                e if e.is_unauthenticated() => AppError::SignInRequired,
                // The refresh token is not spent: once enrolled, signing in again keeps the
                // cache and its outbox.
                e if e.code() == Some(codes::TOTP_ENROLMENT_REQUIRED) => enrolment_required(&e),
                e => AppError::from(e),
            })?;
        // The old refresh token is spent: keep the new one before anything else can fail.
        self.config
            .keychain
            .set(REFRESH_TOKEN, &Sensitive::new(response.refresh_token))
            .await?;
        let token = Sensitive::new(response.access_token);
        *slot = Some(token.clone());
        Ok(token)
    }

    async fn wipe_after_revocation(&self) -> Result<(), AppError> {
        self.session.write().await.take();
        wipe_local(&self.config).await
    }

    /// The status line: who, where, online or not, what is waiting.
    pub async fn status(&self) -> Result<SyncStatus, AppError> {
        let (online, last_error, sign_in_required) = {
            let health = self.health.lock().map_err(poisoned)?;
            (
                health.online,
                health.last_error.clone(),
                health.sign_in_required,
            )
        };
        let Some(session) = self.session.read().await.clone() else {
            return Ok(SyncStatus {
                seq: self.status_reads.fetch_add(1, Ordering::SeqCst),
                user: None,
                server_url: None,
                online,
                pending: 0,
                conflicts: 0,
                last_synced_at: None,
                last_error,
                sign_in_required: false,
                crisis: None,
            });
        };
        let reads = Arc::clone(&self.status_reads);
        // Numbered while the cache is locked: a higher number is a later state.
        let (seq, pending, conflicts, last_synced_at) = with_cache(&session.cache, move |c| {
            Ok((
                reads.fetch_add(1, Ordering::SeqCst),
                c.pending_count()?,
                c.conflict_count()?,
                c.last_synced_at()?,
            ))
        })
        .await?;
        let crisis = rules::crisis_banner(
            session.directory().as_deref(),
            last_synced_at,
            (self.config.clock)(),
            self.config.crisis_stale_after,
        );
        Ok(SyncStatus {
            seq,
            user: Some(session.user()),
            server_url: Some(session.server_url.clone()),
            online,
            pending,
            conflicts,
            last_synced_at,
            last_error,
            sign_in_required,
            crisis,
        })
    }

    /// Who has access to what, from the server (administrators; online only).
    pub async fn access(&self) -> Result<Vec<AccessEntry>, AppError> {
        let session = self.current_session().await?;
        let api = session.engine.api().clone();
        self.online_call(&session, |token| {
            let api = api.clone();
            async move { api.access(&token).await }
        })
        .await
    }

    /// Turns crisis mode on for the channels named (none: every channel) (administrators;
    /// online only). The next sync brings the new state to the banner.
    pub async fn crisis_on(
        &self,
        reason: &str,
        channels: Vec<String>,
    ) -> Result<CrisisStatus, AppError> {
        let session = self.current_session().await?;
        let api = session.engine.api().clone();
        let request = CrisisOn {
            reason: reason.trim().to_owned(),
            channels,
        };
        let status = self
            .online_call(&session, |token| {
                let (api, request) = (api.clone(), request.clone());
                async move { api.crisis_on(&token, &request).await }
            })
            .await?;
        Ok(status)
    }

    /// Turns crisis mode off (administrators; online only).
    pub async fn crisis_off(&self) -> Result<CrisisStatus, AppError> {
        let session = self.current_session().await?;
        let api = session.engine.api().clone();
        let status = self
            .online_call(&session, |token| {
                let api = api.clone();
                async move { api.crisis_off(&token).await }
            })
            .await?;
        Ok(status)
    }

    /// Calls the server with the session's access token, refreshing it once if it expired.
    /// A revoked session wipes local data, as a sync would.
    async fn online_call<T, F, Fut>(&self, session: &Session, call: F) -> Result<T, AppError>
    where
        F: Fn(Sensitive<String>) -> Fut,
        Fut: std::future::Future<Output = Result<T, SyncError>>,
    {
        let answer = self.call_with_token(session, call).await;
        // Reaching the server (or not) is news for the status line; a refusal of this one
        // call is not.
        match &answer {
            Ok(_) => self.note_health(Ok(())),
            Err(e @ AppError::Offline(_)) => self.note_health(Err(e)),
            Err(AppError::SessionRevoked) => self.wipe_after_revocation().await?,
            Err(_) => {}
        }
        answer
    }

    /// Runs `call` with the access token; an expired token is refreshed once and the call
    /// made again.
    async fn call_with_token<T, F, Fut>(&self, session: &Session, call: F) -> Result<T, AppError>
    where
        F: Fn(Sensitive<String>) -> Fut,
        Fut: std::future::Future<Output = Result<T, SyncError>>,
    {
        let mut refreshed = false;
        loop {
            let token = self.access_token(session).await?;
            match call(token).await {
                Err(e) if e.is_token_expired() && !refreshed => {
                    *session.access_token.lock().await = None;
                    refreshed = true;
                }
                Err(e) if e.is_unauthenticated() => return Err(AppError::SignInRequired),
                other => return Ok(other?),
            }
        }
    }

    fn note_health(&self, result: Result<(), &AppError>) {
        let Ok(mut health) = self.health.lock() else {
            return;
        };
        match result {
            Ok(()) => {
                health.online = Some(true);
                health.last_error = None;
                health.sign_in_required = false;
            }
            Err(e) => {
                health.online = Some(!matches!(e, AppError::Offline(_)));
                health.last_error = Some(e.to_string());
                // Offline says nothing about the session; any other answer does.
                if !matches!(e, AppError::Offline(_)) {
                    health.sign_in_required = matches!(e, AppError::SignInRequired);
                }
            }
        }
    }

    async fn current_session(&self) -> Result<Arc<Session>, AppError> {
        self.session
            .read()
            .await
            .clone()
            .ok_or(AppError::NotSignedIn)
    }

    async fn cache(&self) -> Result<SharedCache, AppError> {
        Ok(Arc::clone(&self.leased_session().await?.cache))
    }

    /// The session, if its offline lease has not run out; else [`AppError::LeaseExpired`],
    /// remembered in the cache until the next sign-in.
    async fn leased_session(&self) -> Result<Arc<Session>, AppError> {
        let session = self.current_session().await?;
        let lease = rules::offline_lease(session.directory().as_deref());
        let expired = {
            let mut state = session.lease.lock().map_err(poisoned)?;
            let was = state.expired;
            state.expired =
                was || rules::lease_expired(state.last_contact, lease, (self.config.clock)());
            (state.expired, was)
        };
        match expired {
            (false, _) => Ok(session),
            (true, was) => {
                if !was {
                    tracing::info!("the offline lease ran out: a sign-in is needed");
                    with_cache(&session.cache, |c| c.set_setting(LEASE_EXPIRED, "1")).await?;
                }
                Err(AppError::LeaseExpired {
                    days: lease.as_secs().div_ceil(24 * 3600),
                })
            }
        }
    }

    /// Records that the server answered just now: the offline lease starts again. The cache
    /// is written only when what it holds is over [`CONTACT_WRITE_EVERY`] old or says the
    /// lease ran out.
    async fn note_contact(&self, session: &Session) -> Result<(), AppError> {
        let now = (self.config.clock)();
        let (write_contact, clear_expiry) = {
            let mut lease = session.lease.lock().map_err(poisoned)?;
            let write_contact = lease
                .stored_contact
                .is_none_or(|stored| now - stored >= CONTACT_WRITE_EVERY || now < stored);
            let clear_expiry = lease.expired;
            lease.last_contact = Some(now);
            lease.expired = false;
            if write_contact {
                lease.stored_contact = Some(now);
            }
            (write_contact, clear_expiry)
        };
        if write_contact || clear_expiry {
            with_cache(&session.cache, move |c| {
                if write_contact {
                    c.set_setting(LAST_CONTACT, &now.to_rfc3339())?;
                }
                if clear_expiry {
                    c.set_setting(LEASE_EXPIRED, "0")?;
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}

/// Revokes the session on the server: with the access token when there is one and the
/// server takes it, else with the refresh token. True when the server confirmed.
async fn revoke_session(
    api: &ApiClient,
    access: Option<Sensitive<String>>,
    refresh: Option<Sensitive<String>>,
) -> bool {
    if let Some(access) = access {
        match api.sign_out(&access).await {
            Ok(()) => return true,
            // The server cannot be reached: the refresh token will not reach it either.
            Err(e) if e.is_offline() => return false,
            // Expired or unknown: the refresh token can still end the session.
            Err(_) => {}
        }
    }
    match refresh {
        Some(refresh) => api.sign_out_with_refresh(&refresh).await.is_ok(),
        None => false,
    }
}

/// What the rules say about the reviewer approving `draft`.
fn approval_of(session: &Session, draft: &Draft) -> ApprovalView {
    let directory = session.directory();
    let me = rules::local_actor(&session.user(), directory.as_deref());
    rules::approval_view(draft, &me, directory.as_deref())
}

/// The server's refusal of an account the two-factor policy covers, in its own words (they
/// name the enrol command).
fn enrolment_required(error: &SyncError) -> AppError {
    match error {
        SyncError::Refused { message, .. } => AppError::TotpEnrolmentRequired(message.clone()),
        other => AppError::TotpEnrolmentRequired(other.to_string()),
    }
}

fn poisoned<T>(_: T) -> AppError {
    AppError::Invalid("internal state was poisoned by an earlier crash; restart the app".into())
}

/// Runs the policy guard on every pending draft the cache holds no verdict for (new or
/// changed ones, or all of them after the pack or the directory changed), a batch at a
/// time, reviewing outside the cache lock; then lets the compiled guard go (see
/// [`GuardSlot`]).
async fn review_unreviewed(session: &Session) -> Result<(), AppError> {
    let reviewed = review_batches(session).await;
    session.guard.release();
    reviewed
}

async fn review_batches(session: &Session) -> Result<(), AppError> {
    loop {
        let slot = Arc::clone(&session.guard);
        let Some((guard, batch)) = with_cache(&session.cache, move |c| {
            let batch = c.unreviewed(guard::REVIEW_BATCH)?;
            // Nothing new, nothing compiled: most syncs bring no drafts.
            if batch.is_empty() {
                return Ok(None);
            }
            Ok(Some((slot.get(c)?, batch)))
        })
        .await?
        else {
            return Ok(());
        };
        let directory = session.directory();
        let verdicts = tokio::task::spawn_blocking(move || {
            batch
                .iter()
                .map(|d| guard::verdict(d, guard::findings(&guard, d, directory.as_deref())))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::Invalid(e.to_string()))?;
        let reviewed = with_cache(&session.cache, move |c| {
            c.set_verdicts(&verdicts)?;
            Ok(verdicts.len())
        })
        .await?;
        if reviewed < guard::REVIEW_BATCH {
            // A short batch was the last; a draft that changed meanwhile waits for the
            // next sync rather than keeping this loop going.
            return Ok(());
        }
    }
}

/// Reopens the previous session from the cache and the keychain, if both are there.
async fn restore_session(config: &AppConfig) -> Result<Option<Session>, AppError> {
    let path = config.cache_path();
    if !path.exists() {
        return Ok(None);
    }
    let Some(hex) = config.keychain.get(CACHE_KEY).await? else {
        // The key is gone, so the cache is unreadable noise: remove it.
        Cache::destroy(&path)?;
        return Ok(None);
    };
    let key = CacheKey::from_hex(hex.expose())?;
    let opened = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let cache = Cache::open(&path, &key)?;
        let server_url = cache.get_setting(SERVER_URL)?;
        let user = cache.get_setting(USER)?;
        let lease = Lease::load(&cache)?;
        Ok((cache, server_url, user, lease))
    })
    .await
    .map_err(|e| AppError::Invalid(e.to_string()))??;
    let (cache, Some(server_url), Some(user), lease) = opened else {
        return Ok(None);
    };
    let user: SessionUser = serde_json::from_str(&user)
        .map_err(|e| AppError::Invalid(format!("the cached user record is damaged: {e}")))?;
    let api = ApiClient::new(&server_url).map_err(AppError::Sync)?;
    let directory = cache.directory()?.map(Arc::new);
    Ok(Some(Session {
        server_url,
        user,
        cache: Arc::new(Mutex::new(cache)),
        engine: SyncEngine::new(api, config.sync),
        access_token: tokio::sync::Mutex::new(None),
        directory: Mutex::new(directory),
        guard: Arc::default(),
        lease: Mutex::new(lease),
        receipt_key_asked: Default::default(),
    }))
}

/// A fresh cache with a new random key for a new sign-in.
async fn create_session(
    config: &AppConfig,
    api: ApiClient,
    response: &SessionResponse,
) -> Result<Session, AppError> {
    let key = CacheKey::generate();
    config.keychain.set(CACHE_KEY, &key.to_hex()).await?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        AppError::Invalid(format!("cannot create {}: {e}", config.data_dir.display()))
    })?;
    let path = config.cache_path();
    let server_url = api.base_url().to_string();
    let user_json = serde_json::to_string(&response.user)
        .map_err(|e| AppError::Invalid(format!("cannot record the user: {e}")))?;
    let settings_url = server_url.clone();
    let cache = tokio::task::spawn_blocking(move || -> Result<Cache, AppError> {
        let cache = Cache::open(&path, &key)?;
        cache.set_client_id(ClientId(Uuid::new_v4()))?;
        cache.set_setting(SERVER_URL, &settings_url)?;
        cache.set_setting(USER, &user_json)?;
        Ok(cache)
    })
    .await
    .map_err(|e| AppError::Invalid(e.to_string()))??;
    Ok(Session {
        server_url,
        user: response.user.clone(),
        cache: Arc::new(Mutex::new(cache)),
        engine: SyncEngine::new(api, config.sync),
        access_token: tokio::sync::Mutex::new(None),
        directory: Mutex::new(None),
        guard: Arc::default(),
        lease: Mutex::default(),
        receipt_key_asked: Default::default(),
    })
}

/// The file a wipe leaves in the data folder until every step of it succeeded. Its presence
/// at [`App::open`] means a wipe was interrupted (a keychain that failed, a killed process):
/// the app finishes it before it opens any session.
pub const WIPE_MARK: &str = "wipe-pending";

/// Deletes the keychain entries and the cache.
///
/// The cache key goes first: once it is gone the cache is unreadable noise, even if removing
/// the file then fails. Every step is attempted even when an earlier one failed, and the
/// [`WIPE_MARK`] written before the first step is removed only when all of them succeeded.
async fn wipe_local(config: &AppConfig) -> Result<(), AppError> {
    let mark = config.data_dir.join(WIPE_MARK);
    let mut failed: Vec<String> = Vec::new();
    // Without the mark an interrupted wipe is not finished at the next start; the wipe
    // itself must still go ahead.
    if let Err(e) = countersign_store::private_folder(&config.data_dir) {
        failed.push(format!("leaving the wipe mark: {e}"));
    } else if let Err(e) = std::fs::write(&mark, b"a wipe of this folder has not finished\n") {
        failed.push(format!("leaving the wipe mark: {e}"));
    }
    if let Err(e) = config.keychain.delete(CACHE_KEY).await {
        failed.push(format!("deleting the cache key: {e}"));
    }
    if let Err(e) = config.keychain.delete(REFRESH_TOKEN).await {
        failed.push(format!("deleting the refresh token: {e}"));
    }
    if let Err(e) = Cache::destroy(&config.cache_path()) {
        failed.push(format!("deleting the cache: {e}"));
    }
    if !failed.is_empty() {
        tracing::warn!(steps = %failed.join("; "), "the wipe did not finish");
        return Err(AppError::WipeIncomplete(failed.join("; ")));
    }
    match std::fs::remove_file(&mark) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AppError::WipeIncomplete(format!(
            "removing the wipe mark: {e}"
        ))),
    }
}

/// Finishes a wipe an earlier run left unfinished, if its mark is there. True when one was
/// pending (the app then opens signed out, whatever the wipe's outcome this time).
async fn finish_interrupted_wipe(config: &AppConfig) -> Result<bool, AppError> {
    if !config.data_dir.join(WIPE_MARK).exists() {
        return Ok(false);
    }
    tracing::warn!("finishing a wipe an earlier run left unfinished");
    wipe_local(config).await.map(|()| true)
}

#[cfg(test)]
mod tests;
