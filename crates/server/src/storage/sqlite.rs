//! The SQLite backend: one file, `<data-dir>/countersign.db`.
//!
//! WAL journal (readers never wait for the writer), `synchronous = FULL` (a committed
//! decision survives a power cut), foreign keys on, a busy timeout for the CLI running next
//! to a live server. One writer connection takes every write in a `BEGIN IMMEDIATE`
//! transaction; a couple of reader connections serve snapshots. Connections sit behind
//! mutexes and every query runs on Tokio's blocking pool, never on the async workers.
//!
//! The library is the workspace's SQLCipher build; the server never sets a key, so the file
//! is plain SQLite.

mod accounts;
mod annotations;
pub(crate) mod audit;
mod channels;
mod drafts;
mod export;
mod policy;
mod sequence;
mod webhooks;

use super::{
    AuditQuery, ChangesPage, ChangesRequest, CrisisChange, CrisisUpdate, DraftChange, DraftUpdate,
    DraftsPage, Handover, HandoverOutcome, NewSession, PushBatch, PushOutcome, Refresh,
    RefreshOutcome, SessionLookup, SessionStats, SignInFailure, Storage, StorageError,
    StorageResult, StoredAnnotation, StoredPack, TeamRecord, UserChange, UserRecord, UserUpdate,
};
use crate::auth::token::TokenHash;
use crate::trail::Trail;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use countersign_audit::kinds;
use countersign_audit::{Event, Head, NewEvent};
use countersign_core::channel::Routing;
use countersign_core::wire::Reply;
use countersign_core::{
    AnnotationId, Channel, ChannelId, CrisisState, Draft, DraftId, Person, Role, Sensitive,
    StepRule, UserId,
};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// The schema, oldest first. Append only: a released file never changes.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/20261124_0001_initial.sql"),
    include_str!("../../migrations/20261125_0002_totp.sql"),
    include_str!("../../migrations/20261202_0003_rules.sql"),
    include_str!("../../migrations/20261203_0004_policy.sql"),
    include_str!("../../migrations/20261204_0005_sign_in.sql"),
    include_str!("../../migrations/20261204_0006_results.sql"),
    include_str!("../../migrations/20261205_0007_audit.sql"),
    include_str!("../../migrations/20261205_0008_webhooks.sql"),
    include_str!("../../migrations/20261205_0009_deliveries_by_draft.sql"),
    include_str!("../../migrations/20261206_0010_annotations.sql"),
];

/// How many reader connections to keep.
const READERS: usize = 2;

/// How long a statement waits for a lock held by another connection or process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite storage backend.
pub struct SqliteStorage {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<[Mutex<Connection>]>,
    next_reader: AtomicUsize,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStorage {
    /// Opens (creating if missing) the database at `path` and brings its schema up to date.
    ///
    /// Blocking. Fails with [`StorageError::SchemaTooNew`] when the file was written by a
    /// newer server, before touching anything.
    pub fn open(path: &Path) -> StorageResult<Self> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        migrate(&mut writer, path)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open(path)?;
                configure(&reader)?;
                reader.pragma_update(None, "query_only", true)?;
                Ok(Mutex::new(reader))
            })
            .collect::<StorageResult<Vec<_>>>()?;
        Ok(Self {
            path: path.to_owned(),
            writer: Arc::new(Mutex::new(writer)),
            readers: readers.into(),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer, on the blocking pool, and
    /// commits when it returns `Ok`.
    async fn write<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StorageResult<T> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await?
    }

    /// Runs `f` in a read transaction (one consistent snapshot) on a reader connection.
    async fn read<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StorageResult<T> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let mut conn = pick(&readers, start);
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
        .await?
    }
}

/// Settings every connection needs.
fn configure(conn: &Connection) -> StorageResult<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Refuses a schema newer than this binary's or an applied migration that changed since,
/// then applies the missing migrations (each in its own transaction, counted in
/// `user_version`) and records their checksums.
fn migrate(conn: &mut Connection, path: &Path) -> StorageResult<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let found = usize::try_from(found)
        .map_err(|_| StorageError::Corrupt(format!("negative schema version {found}")))?;
    if found > MIGRATIONS.len() {
        return Err(StorageError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: MIGRATIONS.len(),
        });
    }
    if found > 0 {
        check_checksums(conn, path)?;
    }
    let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
    migrations.to_latest(conn)?;
    let mut record = conn.prepare(
        "INSERT INTO schema_checksums (version, sha256) VALUES (?1, ?2) \
         ON CONFLICT (version) DO NOTHING",
    )?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        record.execute(rusqlite::params![to_sql_int(i as u64 + 1)?, checksum(sql)])?;
    }
    Ok(())
}

fn check_checksums(conn: &Connection, path: &Path) -> StorageResult<()> {
    let mut stmt = conn.prepare("SELECT version, sha256 FROM schema_checksums")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (version, stored) = row?;
        let version = usize::try_from(from_sql_int(version)?)
            .map_err(|_| StorageError::Corrupt(format!("migration {version}")))?;
        let current = version
            .checked_sub(1)
            .and_then(|i| MIGRATIONS.get(i))
            .map(|sql| checksum(sql));
        if current.as_deref() != Some(stored.as_str()) {
            return Err(StorageError::MigrationChanged {
                path: path.to_owned(),
                version,
            });
        }
    }
    Ok(())
}

/// The hex SHA-256 of a migration's text.
fn checksum(sql: &str) -> String {
    crate::auth::token::TokenHash::of(sql).as_str().to_owned()
}

/// Locks a connection. A panic inside a transaction rolled it back when the transaction was
/// dropped, so a poisoned mutex still guards a usable connection.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A free reader if there is one, else the next in turn.
fn pick(readers: &[Mutex<Connection>], start: usize) -> MutexGuard<'_, Connection> {
    let count = readers.len();
    for i in 0..count {
        if let Ok(guard) = readers[(start + i) % count].try_lock() {
            return guard;
        }
    }
    lock(&readers[start % count])
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn create_team(&self, team: TeamRecord, trail: Trail) -> StorageResult<()> {
        self.write(move |tx| accounts::insert_team(tx, &team, &trail))
            .await
    }

    async fn teams(&self) -> StorageResult<Vec<TeamRecord>> {
        self.read(|tx| accounts::teams(tx)).await
    }

    async fn create_user(&self, user: UserRecord, trail: Trail) -> StorageResult<()> {
        self.write(move |tx| accounts::insert_user(tx, &user, &trail))
            .await
    }

    async fn user_by_username(&self, username: &str) -> StorageResult<Option<UserRecord>> {
        let username = username.to_owned();
        self.read(move |tx| accounts::user_by_username(tx, &username))
            .await
    }

    async fn user_by_id(&self, id: UserId) -> StorageResult<Option<UserRecord>> {
        self.read(move |tx| accounts::user_by_id(tx, id)).await
    }

    async fn users(&self) -> StorageResult<Vec<UserRecord>> {
        self.read(|tx| accounts::users(tx)).await
    }

    async fn count_users(&self) -> StorageResult<u64> {
        self.read(|tx| accounts::count_users(tx)).await
    }

    async fn disable_user(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| accounts::disable_user(tx, id, now, &trail))
            .await
    }

    async fn update_user(
        &self,
        id: UserId,
        change: UserChange,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<UserUpdate> {
        self.write(move |tx| accounts::update_user(tx, id, change, now, &trail))
            .await
    }

    async fn hand_over(&self, handover: Handover, trail: Trail) -> StorageResult<HandoverOutcome> {
        self.write(move |tx| drafts::hand_over(tx, &handover, &trail))
            .await
    }

    async fn session_stats(&self, now: DateTime<Utc>) -> StorageResult<Vec<SessionStats>> {
        self.read(move |tx| accounts::session_stats(tx, now)).await
    }

    async fn create_channel(
        &self,
        channel: Channel,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()> {
        self.write(move |tx| channels::insert_channel(tx, &channel, now, &trail))
            .await
    }

    async fn channels(&self) -> StorageResult<Vec<Channel>> {
        self.read(|tx| channels::channels(tx)).await
    }

    async fn set_channel_policy(
        &self,
        id: ChannelId,
        policy: Vec<StepRule>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| channels::set_channel_policy(tx, id, &policy, now, &trail))
            .await
    }

    async fn routings(&self) -> StorageResult<Vec<(ChannelId, Routing)>> {
        self.read(|tx| policy::routings(tx)).await
    }

    async fn set_channel_routing(
        &self,
        id: ChannelId,
        routing: Routing,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| policy::set_channel_routing(tx, id, &routing, now, &trail))
            .await
    }

    async fn policy_pack(&self) -> StorageResult<Option<StoredPack>> {
        self.read(|tx| policy::policy_pack(tx)).await
    }

    async fn policy_version(&self) -> StorageResult<u64> {
        self.read(|tx| policy::policy_version(tx)).await
    }

    async fn set_policy_pack(
        &self,
        source: String,
        by: Person,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<u64> {
        self.write(move |tx| policy::set_policy_pack(tx, &source, &by, now, &trail))
            .await
    }

    async fn replies(&self) -> StorageResult<Vec<Reply>> {
        self.read(|tx| policy::replies(tx)).await
    }

    async fn add_reply(&self, reply: Reply, trail: Trail) -> StorageResult<()> {
        self.write(move |tx| policy::add_reply(tx, &reply, &trail))
            .await
    }

    async fn remove_reply(
        &self,
        name: String,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| policy::remove_reply(tx, &name, now, &trail))
            .await
    }

    async fn crisis(&self) -> StorageResult<CrisisState> {
        self.read(|tx| channels::crisis(tx)).await
    }

    async fn set_crisis(
        &self,
        change: CrisisChange,
        by: Person,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<CrisisUpdate> {
        self.write(move |tx| drafts::set_crisis(tx, change, &by, now, &trail))
            .await
    }

    async fn two_factor_roles(&self) -> StorageResult<Vec<Role>> {
        self.read(|tx| channels::two_factor_roles(tx)).await
    }

    async fn set_two_factor_roles(
        &self,
        roles: Vec<Role>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()> {
        self.write(move |tx| channels::set_two_factor_roles(tx, &roles, now, &trail))
            .await
    }

    async fn set_totp_secret(
        &self,
        id: UserId,
        secret: Sensitive<String>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| accounts::set_totp_secret(tx, id, Some(&secret), now, &trail))
            .await
    }

    async fn clear_totp_secret(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| accounts::set_totp_secret(tx, id, None, now, &trail))
            .await
    }

    async fn consume_totp_step(&self, id: UserId, step: u64) -> StorageResult<bool> {
        self.write(move |tx| accounts::consume_totp_step(tx, id, step))
            .await
    }

    async fn create_session(&self, session: NewSession, trail: Trail) -> StorageResult<()> {
        self.write(move |tx| accounts::insert_session(tx, &session, &trail))
            .await
    }

    async fn session_by_access(&self, access: &TokenHash) -> StorageResult<Option<SessionLookup>> {
        let access = access.clone();
        self.read(move |tx| accounts::session_by_access(tx, &access))
            .await
    }

    async fn refresh_session(
        &self,
        refresh: Refresh,
        trail: Trail,
    ) -> StorageResult<RefreshOutcome> {
        self.write(move |tx| accounts::refresh_session(tx, &refresh, &trail))
            .await
    }

    async fn revoke_session(
        &self,
        session_id: Uuid,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()> {
        self.write(move |tx| accounts::sign_out(tx, session_id, now, &trail))
            .await
    }

    async fn revoke_by_refresh(
        &self,
        presented: &TokenHash,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool> {
        let presented = presented.clone();
        self.write(move |tx| accounts::revoke_by_refresh(tx, &presented, now, &trail))
            .await
    }

    async fn record_sign_in_failure(
        &self,
        keys: Vec<String>,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        trail: Trail,
        detail: serde_json::Value,
    ) -> StorageResult<()> {
        self.write(move |tx| {
            accounts::record_sign_in_failure(tx, &keys, at, forget_before)?;
            audit::append(tx, trail.event(at, kinds::SIGN_IN_FAILED, None, detail))?;
            Ok(())
        })
        .await
    }

    async fn clear_sign_in_failures(&self, key: String) -> StorageResult<()> {
        self.write(move |tx| accounts::clear_sign_in_failures(tx, &key))
            .await
    }

    async fn sign_in_failures(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StorageResult<Vec<SignInFailure>> {
        self.read(move |tx| accounts::sign_in_failures(tx, since, limit))
            .await
    }

    async fn insert_drafts(&self, drafts: Vec<Draft>, trail: Trail) -> StorageResult<()> {
        self.write(move |tx| drafts::insert_drafts(tx, &drafts, &trail))
            .await
    }

    async fn draft(&self, id: DraftId) -> StorageResult<Option<Draft>> {
        self.read(move |tx| drafts::load_draft(tx, id)).await
    }

    async fn drafts_page(&self, page: DraftsPage) -> StorageResult<Vec<Draft>> {
        self.read(move |tx| export::drafts_page(tx, &page)).await
    }

    async fn handoffs(&self, drafts: Vec<DraftId>) -> StorageResult<Vec<crate::export::Handoff>> {
        self.read(move |tx| export::handoffs(tx, &drafts)).await
    }

    async fn update_draft(
        &self,
        id: DraftId,
        change: DraftChange,
        trail: Trail,
    ) -> StorageResult<DraftUpdate> {
        self.write(move |tx| drafts::update_draft(tx, id, change, &trail))
            .await
    }

    async fn annotation(
        &self,
        draft: DraftId,
        id: AnnotationId,
    ) -> StorageResult<Option<StoredAnnotation>> {
        self.read(move |tx| annotations::get(tx, draft, id)).await
    }

    async fn changes(&self, request: ChangesRequest) -> StorageResult<ChangesPage> {
        let read_request = request.clone();
        let (page, owner) = self
            .read(move |tx| drafts::changes_page(tx, &read_request))
            .await?;
        match (request.client_id, owner) {
            (Some(client_id), None) => {
                // First use of this installation: register it to the caller.
                let (user_id, now) = (request.user.id, request.now);
                self.write(move |tx| drafts::claim_client(tx, client_id, user_id, now))
                    .await?;
                Ok(page)
            }
            (Some(client_id), Some(owner)) if owner != request.user.id => {
                Err(StorageError::ClientTaken(client_id))
            }
            _ => Ok(page),
        }
    }

    async fn push(&self, batch: PushBatch, trail: Trail) -> StorageResult<PushOutcome> {
        self.write(move |tx| drafts::push(tx, &batch, &trail)).await
    }

    async fn audit_head(&self) -> StorageResult<Option<Head>> {
        self.read(|tx| audit::head(tx)).await
    }

    async fn audit_events(&self, query: AuditQuery) -> StorageResult<Vec<Event>> {
        self.read(move |tx| audit::events(tx, &query)).await
    }

    async fn record(&self, events: Vec<NewEvent>) -> StorageResult<Vec<Head>> {
        self.write(move |tx| {
            events
                .into_iter()
                .map(|event| audit::append(tx, event))
                .collect()
        })
        .await
    }

    async fn add_webhook(
        &self,
        webhook: crate::webhooks::Webhook,
        trail: crate::trail::Trail,
    ) -> StorageResult<()> {
        self.write(move |tx| webhooks::insert_webhook(tx, &webhook, &trail))
            .await
    }

    async fn webhooks(&self) -> StorageResult<Vec<crate::webhooks::Webhook>> {
        self.read(|tx| webhooks::webhooks(tx)).await
    }

    async fn webhook(&self, id: Uuid) -> StorageResult<Option<crate::webhooks::Webhook>> {
        self.read(move |tx| webhooks::webhook(tx, id)).await
    }

    async fn remove_webhook(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        trail: crate::trail::Trail,
    ) -> StorageResult<bool> {
        self.write(move |tx| webhooks::remove_webhook(tx, id, now, &trail))
            .await
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StorageResult<Vec<crate::webhooks::DueDelivery>> {
        self.read(move |tx| webhooks::due_deliveries(tx, now, limit))
            .await
    }

    async fn next_delivery_at(&self) -> StorageResult<Option<DateTime<Utc>>> {
        self.read(|tx| webhooks::next_delivery_at(tx)).await
    }

    async fn record_attempt(&self, record: crate::webhooks::AttemptRecord) -> StorageResult<()> {
        self.write(move |tx| webhooks::record_attempt(tx, &record))
            .await
    }

    async fn deliveries(
        &self,
        query: crate::webhooks::DeliveryQuery,
    ) -> StorageResult<Vec<crate::webhooks::DeliveryView>> {
        self.read(move |tx| webhooks::deliveries(tx, &query)).await
    }
}

/// Conversions between the wire's unsigned counters and SQL's signed integers.
fn to_sql_int(value: u64) -> StorageResult<i64> {
    i64::try_from(value).map_err(|_| StorageError::Corrupt(format!("{value} is out of range")))
}

fn from_sql_int(value: i64) -> StorageResult<u64> {
    u64::try_from(value).map_err(|_| StorageError::Corrupt(format!("negative counter {value}")))
}

fn parse_uuid(text: &str) -> StorageResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StorageError::Corrupt(format!("bad id {text:?}: {e}")))
}

fn parse_time(text: &str) -> StorageResult<DateTime<Utc>> {
    crate::clock::from_text(text)
        .map_err(|e| StorageError::Corrupt(format!("bad timestamp {text:?}: {e}")))
}

/// True when `e` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

#[cfg(test)]
mod tests;
