//! Persistence behind one trait, so the SQLite backend (one file, zero configuration) and a
//! future PostgreSQL backend (several stateless instances) are interchangeable.
//!
//! The trait speaks in whole operations, each one transaction: "apply this push batch",
//! "change this draft if the rules allow". Backends own the transactions; the rules they
//! run inside them are shared, pure functions ([`crate::push`], `countersign_core::approval`),
//! so every backend gives the same answers.
//!
//! Every write to a draft takes the next number of one global **change sequence** in the
//! same transaction. The changes feed is "drafts whose sequence is above the cursor, in
//! sequence order", which is the server's commit order.

#[cfg(test)]
pub(crate) mod conformance;
pub mod sqlite;

use crate::auth::token::TokenHash;
use crate::trail::Trail;
use crate::webhooks::{AttemptRecord, DeliveryQuery, DeliveryView, DueDelivery, Webhook};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use countersign_audit::{Event, Head, NewEvent};
use countersign_core::approval::Actor;
use countersign_core::channel::Routing;
use countersign_core::handover::HandoverProblem;
use countersign_core::wire::admin::{CrisisEffect, LeaveReport};
use countersign_core::wire::{Directory, Reply};
use countersign_core::{
    Annotation, AnnotationId, Channel, ChannelAccess, ChannelId, ClientId, CrisisState, Draft,
    DraftId, Mutation, MutationId, MutationResult, Person, Refusal, Role, Sensitive, StepRule,
    TeamId, UserId,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use uuid::Uuid;

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite reported an error.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Bringing the schema up to date failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The database was written by a newer server.
    #[error(
        "the database {} has schema version {found}, but this countersign-server only knows \
         versions up to {supported}; it was written by a newer server: run that version (or \
         newer) on this data, never an older one",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The schema version found in it.
        found: usize,
        /// The newest schema version this binary knows.
        supported: usize,
    },
    /// A migration this database already applied differs from the one in this binary.
    #[error(
        "migration {version} of the database {} differs from the one this countersign-server \
         was built with: released migrations must never change",
        path.display()
    )]
    MigrationChanged {
        /// The database file.
        path: PathBuf,
        /// The migration (1-based).
        version: usize,
    },
    /// A stored value could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Stored JSON could not be read, or a value could not be written as JSON.
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    /// The blocking task running the query panicked or was cancelled.
    #[error("a storage task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A unique name is already taken; the message names it.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The client id was registered by another user.
    #[error("client {0} belongs to another user")]
    ClientTaken(ClientId),
    /// A changes cursor past the end of the feed: this server never issued it, so it was
    /// restored from a backup taken before. The client must pull again from the start.
    #[error(
        "the cursor {cursor} is past the end of this server's changes feed ({end}): the \
         server was restored from a backup; pull again from the start"
    )]
    CursorAhead {
        /// The cursor given.
        cursor: u64,
        /// The last change sequence number this server holds.
        end: u64,
    },
}

impl StorageError {
    /// True for transient failures (the database was busy or locked).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StorageError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    }
}

/// Shorthand for storage results.
pub type StorageResult<T> = Result<T, StorageError>;

/// A team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamRecord {
    /// Id.
    pub id: TeamId,
    /// Unique name, e.g. `Customer Care`.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A user account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: UserId,
    /// Unique sign-in name (lower case).
    pub username: String,
    /// Name to show.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: Sensitive<String>,
    /// What they may do.
    pub roles: Vec<Role>,
    /// Approval steps they are qualified for.
    pub steps: Vec<String>,
    /// Teams they belong to.
    pub teams: Vec<TeamId>,
    /// Which of their teams' channels they may see.
    pub channels: ChannelAccess,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The base32 TOTP secret when the user is enrolled in two-factor sign-in.
    pub totp_secret: Option<Sensitive<String>>,
}

impl UserRecord {
    /// The user as others see them.
    pub fn person(&self) -> Person {
        Person {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
        }
    }

    /// The user as the approval rules see them.
    pub fn actor(&self) -> Actor {
        Actor {
            person: self.person(),
            roles: self.roles.clone(),
            steps: self.steps.clone(),
            teams: self.teams.clone(),
            channels: self.channels.clone(),
        }
    }

    /// True while the account may be used.
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// The hashes and expiries of a session's current tokens.
#[derive(Clone, Debug)]
pub struct SessionTokens {
    /// Hash of the access token.
    pub access_hash: TokenHash,
    /// When the access token stops being accepted.
    pub access_expires_at: DateTime<Utc>,
    /// Hash of the refresh token.
    pub refresh_hash: TokenHash,
    /// When the refresh token stops being accepted.
    pub refresh_expires_at: DateTime<Utc>,
}

/// A session to store at sign-in.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Id.
    pub id: Uuid,
    /// Whose.
    pub user_id: UserId,
    /// Its first tokens.
    pub tokens: SessionTokens,
    /// When it started.
    pub created_at: DateTime<Utc>,
}

/// A session found by its access token, with its user.
#[derive(Clone, Debug)]
pub struct SessionLookup {
    /// Session id.
    pub session_id: Uuid,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// When the session was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its user.
    pub user: UserRecord,
}

/// A refresh token presented to [`Storage::refresh_session`], and what to rotate to.
#[derive(Clone, Debug)]
pub struct Refresh {
    /// Hash of the presented token.
    pub presented: TokenHash,
    /// The pair to rotate to when the presented token is current. Backends cap both
    /// expiries at the session's end (its start plus `session_lifetime`).
    pub next: SessionTokens,
    /// The salt `next` was derived with from the presented token
    /// ([`crate::auth::token::Token::derive_pair`]), kept until `grace_until` so that a
    /// retry with the same token can derive the same pair. Never the tokens themselves.
    pub next_salt: String,
    /// Now.
    pub now: DateTime<Utc>,
    /// Until when a retry with the presented token gets `next` again (its answer may have
    /// been lost); after that, presenting it revokes the session like any spent token.
    pub grace_until: DateTime<Utc>,
    /// How long a session may last from its start, however often it is refreshed.
    pub session_lifetime: chrono::TimeDelta,
    /// The roles whose accounts must use two-factor sign-in.
    pub two_factor_roles: Vec<Role>,
}

/// What presenting a refresh token led to.
#[derive(Clone, Debug)]
pub enum RefreshOutcome {
    /// The token was current: the session now has the new tokens, the access token
    /// expiring at `access_expires_at` (capped at the session's end).
    Rotated {
        /// The session's user.
        user: Box<UserRecord>,
        /// When the new access token expires.
        access_expires_at: DateTime<Utc>,
    },
    /// The token was spent moments ago (within its grace) for the pair that is still the
    /// session's current one: its answer was probably lost. Nothing changed; derive that
    /// pair again from the presented token and `salt`, and answer it once more.
    Repeated {
        /// The session's user.
        user: Box<UserRecord>,
        /// The salt the current pair was derived with.
        salt: String,
        /// When the current access token expires.
        access_expires_at: DateTime<Utc>,
    },
    /// The token was already spent (and not within its grace for the current pair): the
    /// session is now revoked (theft detection). Any spent token of the session counts,
    /// until it would have expired.
    Reused,
    /// The session was revoked earlier, or its user is disabled.
    Revoked,
    /// The refresh token is past its expiry, or the session past its lifetime.
    Expired,
    /// The organisation requires two-factor sign-in for one of the user's roles and they
    /// have no authenticator: nothing was rotated, the token is not spent.
    EnrolmentRequired(Box<UserRecord>),
    /// No session knows this token.
    Unknown,
}

/// A failed sign-in as stored: which limiter key (the hex SHA-256 of
/// `account:<username>` or `source:<address>`) and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInFailure {
    /// The key's hash.
    pub key: String,
    /// When it failed.
    pub at: DateTime<Utc>,
}

/// Which drafts a reader may see in the changes feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every team (administrators).
    All,
    /// These teams, on the channels allowed.
    Teams {
        /// The teams, sorted.
        teams: Vec<TeamId>,
        /// Which of their channels.
        channels: ChannelAccess,
    },
}

impl Scope {
    /// The scope of an actor: administrators see everything, others their teams (on the
    /// channels they may see). Sorted, so two scopes compare equal when they see the same.
    pub fn of(actor: &Actor) -> Self {
        if actor.has_role(Role::Admin) {
            return Scope::All;
        }
        let mut teams = actor.teams.clone();
        teams.sort();
        teams.dedup();
        let channels = match &actor.channels {
            ChannelAccess::AllOfTeams => ChannelAccess::AllOfTeams,
            ChannelAccess::Only(list) => {
                let mut list = list.clone();
                list.sort();
                list.dedup();
                ChannelAccess::Only(list)
            }
        };
        Scope::Teams { teams, channels }
    }

    /// True when a draft of `team` on `channel` is in scope.
    pub fn contains(&self, team: TeamId, channel: Option<ChannelId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Teams { teams, channels } => teams.contains(&team) && channels.allows(channel),
        }
    }
}

/// A request for one page of the changes feed.
#[derive(Clone, Debug)]
pub struct ChangesRequest {
    /// Who is asking. Backends judge the page by the account as their snapshot holds it
    /// (it may have changed since the caller was authenticated); this copy names it.
    pub user: UserRecord,
    /// Their desktop installation; registered to them on first use.
    pub client_id: Option<ClientId>,
    /// Only changes with a sequence number above this.
    pub after: u64,
    /// At most this many rows.
    pub limit: usize,
    /// Now, for the client registration.
    pub now: DateTime<Utc>,
}

/// One changed draft, as stored.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    /// Its change sequence number.
    pub seq: u64,
    /// Which draft.
    pub draft_id: DraftId,
    /// True when it left the feed (withdrawn): send a removal.
    pub removed: bool,
    /// The canonical wire JSON of the draft.
    pub draft_json: String,
}

/// One page of the changes feed.
#[derive(Clone, Debug)]
pub struct ChangesPage {
    /// The rows, in sequence order.
    pub rows: Vec<ChangeRow>,
    /// True when more rows follow the last one.
    pub has_more: bool,
    /// Where the next page starts: past every row here, and (on the last page) past
    /// everything this snapshot holds.
    pub next_cursor: u64,
    /// The last mutation processed for the client (0 without a client).
    pub last_mutation_id: MutationId,
    /// The organisation as the user's desktop needs it, when it changed after the cursor.
    pub directory: Option<Directory>,
}

/// A push batch to apply in one transaction.
#[derive(Clone, Debug)]
pub struct PushBatch {
    /// Who is pushing. Backends judge the batch by the account as their transaction holds
    /// it (roles, teams, steps and channels may have changed since the caller was
    /// authenticated); a disabled account's mutations are all refused, and none is stored.
    pub actor: Actor,
    /// From which installation.
    pub client_id: ClientId,
    /// The mutations, in outbox order.
    pub mutations: Vec<Mutation>,
    /// Ids the client declares it no longer holds (checked by [`crate::push::check_skip`]);
    /// see [`crate::push::skip_to`].
    pub skip: Option<countersign_core::wire::SkippedMutations>,
    /// Now: the time recorded on applied decisions.
    pub now: DateTime<Utc>,
    /// The policy guard, for batches with approvals: an approval of a draft with a `block`
    /// finding and no override reason is refused (`override_required`). `None` checks
    /// nothing (a batch without approvals needs no guard).
    pub review: Option<std::sync::Arc<crate::policy::Review>>,
    /// Signs a receipt for each decision the batch applies, put in its result before the
    /// result is stored (so a repeat answers the same receipt). `None` signs nothing.
    pub receipts: Option<std::sync::Arc<countersign_audit::receipt::ReceiptSigner>>,
}

/// What [`Storage::push`] did.
#[derive(Clone, Debug, Default)]
pub struct PushOutcome {
    /// One result per mutation, in order. A conflict result carries no draft (nor does the
    /// copy stored for repeats): the drafts come once each in `drafts`.
    pub results: Vec<MutationResult>,
    /// The current state, at the end of the push's transaction, of each draft a conflict
    /// in `results` is about (a repeated conflict included), once each, in order of first
    /// mention: only those the pusher may see, and only while their JSON stays within
    /// [`countersign_core::limits::MAX_PAGE_BYTES`] (the first always comes).
    pub drafts: Vec<Draft>,
}

/// A change to one draft, decided by the rules from the draft as currently stored.
pub type DraftChange = Box<dyn FnOnce(&Draft) -> Result<Draft, Refusal> + Send>;

/// A change to one account, decided from the account as currently stored. The storage
/// backend writes the roles, steps, teams and channel access it returns, and records a scope
/// change when what the account may see changed.
pub type UserChange = Box<dyn FnOnce(&UserRecord) -> Result<UserRecord, Refusal> + Send>;

/// What [`Storage::update_user`] did.
#[derive(Clone, Debug)]
pub enum UserUpdate {
    /// No account has that id.
    NotFound,
    /// The change was refused; nothing was written.
    Refused(Refusal),
    /// Stored.
    Updated(Box<UserRecord>),
}

/// Turning crisis mode on or off: the next state, from the current one.
pub type CrisisChange = Box<dyn FnOnce(&CrisisState) -> Result<CrisisState, Refusal> + Send>;

/// What [`Storage::set_crisis`] did.
#[derive(Clone, Debug)]
pub enum CrisisUpdate {
    /// The change was refused; nothing was written.
    Refused(Refusal),
    /// Stored, with what it did to the drafts.
    Updated {
        /// The new state.
        state: CrisisState,
        /// What it did.
        effect: CrisisEffect,
    },
}

/// A leaver and their successor.
#[derive(Clone, Debug)]
pub struct Handover {
    /// Who leaves.
    pub leaver: UserId,
    /// Who takes over.
    pub successor: UserId,
    /// The administrator doing it (for the drafts' history).
    pub by: Person,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What [`Storage::hand_over`] did.
#[derive(Clone, Debug)]
pub enum HandoverOutcome {
    /// The leaver or the successor does not exist. Nothing was written.
    Refused(String),
    /// The successor cannot take over this draft. Nothing was written.
    Blocked {
        /// The draft.
        draft: Box<Draft>,
        /// Why.
        problem: HandoverProblem,
    },
    /// Done, all in one transaction.
    Done(LeaveReport),
}

/// Sign-in figures of one account, for the access report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStats {
    /// Whose.
    pub user_id: UserId,
    /// When they last signed in.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Sessions neither revoked nor past their refresh expiry.
    pub live_sessions: u64,
}

/// An annotation as [`Storage::annotation`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnnotation {
    /// The annotation as its reviewer pushed it.
    pub annotation: Annotation,
    /// The version its accepted suggestion made; `None` while not accepted.
    pub accepted_version: Option<u64>,
}

/// What [`Storage::update_draft`] did.
#[derive(Clone, Debug)]
pub enum DraftUpdate {
    /// No draft has that id.
    NotFound,
    /// The rules refused; nothing was written.
    Refused {
        /// Why.
        refusal: Refusal,
        /// The draft as it is.
        current: Box<Draft>,
    },
    /// The new draft was stored with the next change sequence number.
    Updated(Box<Draft>),
}

/// One page of drafts for an export ([`Storage::drafts_page`]): the drafts after `after` in
/// id order (UUIDv7, so roughly the order they were written), within the filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftsPage {
    /// Only drafts whose id sorts after this one (`None`: from the first).
    pub after: Option<DraftId>,
    /// At most this many: an export pages through the drafts, never reads them whole.
    pub limit: usize,
    /// Only drafts written at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Only drafts written before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Only this team's drafts.
    pub team: Option<TeamId>,
    /// Only drafts written for this channel.
    pub channel: Option<ChannelId>,
    /// Only drafts in this state.
    pub status: Option<countersign_core::DraftStatus>,
}

/// A policy pack as an administrator set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPack {
    /// Counts up from 1 with each pack set.
    pub version: u64,
    /// The TOML, exactly as given (comments kept).
    pub source: String,
    /// Who set it.
    pub set_by: Person,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// Which audit events to read ([`Storage::audit_events`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only events with a position above this (0: from the first).
    pub after: u64,
    /// Only events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub to: Option<DateTime<Utc>>,
    /// At most this many: callers page through the log, never read it whole.
    pub limit: usize,
}

/// A storage backend. Every method is one transaction.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Adds a team. Fails with [`StorageError::AlreadyExists`] when the name is taken.
    ///
    /// Every write below takes a [`Trail`] and appends its audit event(s) in the same
    /// transaction as the change; a write that changes nothing (refused, not found) leaves
    /// none.
    async fn create_team(&self, team: TeamRecord, trail: Trail) -> StorageResult<()>;
    /// All teams, by name.
    async fn teams(&self) -> StorageResult<Vec<TeamRecord>>;
    /// Adds a user with their team memberships. Fails with [`StorageError::AlreadyExists`]
    /// when the username is taken.
    async fn create_user(&self, user: UserRecord, trail: Trail) -> StorageResult<()>;
    /// A user by (normalised) username.
    async fn user_by_username(&self, username: &str) -> StorageResult<Option<UserRecord>>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> StorageResult<Option<UserRecord>>;
    /// All users, by username.
    async fn users(&self) -> StorageResult<Vec<UserRecord>>;
    /// How many users exist.
    async fn count_users(&self) -> StorageResult<u64>;
    /// Disables a user and revokes all their sessions. False when no such user.
    async fn disable_user(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;
    /// Reads the account, asks `change` for its next state and stores its roles, steps,
    /// teams and channel access; records a scope change when what it may see changed.
    async fn update_user(
        &self,
        id: UserId,
        change: UserChange,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<UserUpdate>;
    /// Disables `leaver`, revokes their sessions and hands their open work to `successor`
    /// ([`countersign_core::handover`]), in one transaction; or changes nothing.
    async fn hand_over(&self, handover: Handover, trail: Trail) -> StorageResult<HandoverOutcome>;
    /// Sign-in figures of every account that ever signed in.
    async fn session_stats(&self, now: DateTime<Utc>) -> StorageResult<Vec<SessionStats>>;

    /// Adds a channel. [`StorageError::AlreadyExists`] when its name, or its account on
    /// its network, is taken.
    async fn create_channel(
        &self,
        channel: Channel,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()>;
    /// All channels, by name.
    async fn channels(&self) -> StorageResult<Vec<Channel>>;
    /// Replaces a channel's policy. False when no such channel.
    async fn set_channel_policy(
        &self,
        id: ChannelId,
        policy: Vec<StepRule>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;

    /// What each channel does with the policy guard's verdict, by channel.
    async fn routings(&self) -> StorageResult<Vec<(ChannelId, Routing)>>;
    /// Replaces a channel's routing. False when no such channel.
    async fn set_channel_routing(
        &self,
        id: ChannelId,
        routing: Routing,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;

    /// The organisation's policy pack in force, if an administrator ever set one.
    async fn policy_pack(&self) -> StorageResult<Option<StoredPack>>;
    /// The version of the pack in force, 0 for none: what every push and draft asks, where
    /// the pack's text is read only when the version changed.
    async fn policy_version(&self) -> StorageResult<u64>;
    /// Stores a new policy pack (already checked) as the next version, and returns that
    /// version. Earlier ones are kept.
    async fn set_policy_pack(
        &self,
        source: String,
        by: Person,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<u64>;

    /// The library of pre-approved replies, by name.
    async fn replies(&self) -> StorageResult<Vec<Reply>>;
    /// Adds one. [`StorageError::AlreadyExists`] when its name is taken.
    async fn add_reply(&self, reply: Reply, trail: Trail) -> StorageResult<()>;
    /// Removes the one named `name`. False when there is none.
    async fn remove_reply(
        &self,
        name: String,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;

    /// Crisis mode as it is.
    async fn crisis(&self) -> StorageResult<CrisisState>;
    /// Reads crisis mode, asks `change` for the next state, stores it, and applies
    /// [`countersign_core::crisis::start`] to the drafts of channels it now covers and
    /// [`countersign_core::crisis::end`] to those it no longer covers, in one transaction.
    async fn set_crisis(
        &self,
        change: CrisisChange,
        by: Person,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<CrisisUpdate>;

    /// The roles whose accounts must use two-factor sign-in.
    async fn two_factor_roles(&self) -> StorageResult<Vec<Role>>;
    /// Sets them.
    async fn set_two_factor_roles(
        &self,
        roles: Vec<Role>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()>;
    /// Enrols a user in two-factor sign-in with this base32 secret, replacing any earlier
    /// one and forgetting its last accepted step. False when no such user.
    async fn set_totp_secret(
        &self,
        id: UserId,
        secret: Sensitive<String>,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;
    /// Takes a user out of two-factor sign-in. False when no such user.
    async fn clear_totp_secret(
        &self,
        id: UserId,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;
    /// Records `step` as the user's last accepted TOTP time step, if it is later than the
    /// one recorded, in one transaction. False (and nothing written) when it is not — the
    /// code was already used, or a newer one was — or the user has no TOTP secret.
    async fn consume_totp_step(&self, id: UserId, step: u64) -> StorageResult<bool>;

    /// Stores a new session: a `sign_in` event, in that session.
    async fn create_session(&self, session: NewSession, trail: Trail) -> StorageResult<()>;
    /// The session whose current access token has this hash.
    async fn session_by_access(&self, access: &TokenHash) -> StorageResult<Option<SessionLookup>>;
    /// Spends a refresh token: rotates to `refresh.next` if it is current; answers
    /// [`RefreshOutcome::Repeated`] when it was spent within its grace for the pair that is
    /// still current; revokes the session when it is any other spent token of it (each is
    /// remembered until it would have expired). A session past its lifetime is
    /// [`RefreshOutcome::Expired`]. A user without an authenticator who holds one of the
    /// two-factor roles gets [`RefreshOutcome::EnrolmentRequired`] and nothing is spent.
    /// Spent tokens past their expiry, and salts past their grace, are forgotten on the way.
    /// Only a revocation for a spent token presented again is an event (`session_reused`,
    /// naming the session's user).
    async fn refresh_session(
        &self,
        refresh: Refresh,
        trail: Trail,
    ) -> StorageResult<RefreshOutcome>;
    /// Revokes a session (`sign_out`, when it was live).
    async fn revoke_session(
        &self,
        session_id: Uuid,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<()>;
    /// Revokes the session this refresh token belongs to, current or spent (sign-out without
    /// an access token). False when no session knows it.
    async fn revoke_by_refresh(
        &self,
        presented: &TokenHash,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;

    /// Records a failed sign-in under each of `keys` at `at`, and forgets every failure
    /// from before `forget_before`, in one transaction, with its `sign_in_failed` event
    /// (`detail` says what failed; for an unknown account only the SHA-256 of the name).
    async fn record_sign_in_failure(
        &self,
        keys: Vec<String>,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        trail: Trail,
        detail: serde_json::Value,
    ) -> StorageResult<()>;
    /// Forgets the failures of one key (an account after a successful sign-in).
    async fn clear_sign_in_failures(&self, key: String) -> StorageResult<()>;
    /// The newest `limit` failures since `since`, oldest first: what a starting server's
    /// limiter counts.
    async fn sign_in_failures(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> StorageResult<Vec<SignInFailure>>;

    /// Inserts new drafts, each with the next change sequence number, in one transaction.
    /// A `draft_created` event each.
    async fn insert_drafts(&self, drafts: Vec<Draft>, trail: Trail) -> StorageResult<()>;
    /// A draft by id.
    async fn draft(&self, id: DraftId) -> StorageResult<Option<Draft>>;
    /// One page of drafts in id order, within the page's filters, each as stored: what an
    /// export reads, a page at a time, so the whole table never sits in memory.
    async fn drafts_page(&self, page: DraftsPage) -> StorageResult<Vec<Draft>>;
    /// The webhook deliveries of these drafts (what handed them to publishing), by draft
    /// and then oldest first: the export asks once per page of drafts.
    async fn handoffs(&self, drafts: Vec<DraftId>) -> StorageResult<Vec<crate::export::Handoff>>;
    /// Reads the draft, asks `change` for its next state and stores it, in one transaction.
    /// The event says what changed: `draft_withdrawn`, `draft_published`, or else
    /// `draft_edited`.
    ///
    /// An edit whose history entry names an accepted suggestion
    /// (`Edited { accepted_suggestion }`, on the version the change started from) marks that
    /// annotation accepted at the new version ([`StoredAnnotation::accepted_version`]) in
    /// the same transaction.
    async fn update_draft(
        &self,
        id: DraftId,
        change: DraftChange,
        trail: Trail,
    ) -> StorageResult<DraftUpdate>;
    /// The annotation `id` on draft `draft`, as it was pushed, and whether its suggestion was
    /// accepted. Kept whole when the draft's history folds the comment away
    /// ([`countersign_core::limits::trim_history`]): every comment a push applied, and
    /// every comment in the history of a draft inserted or stored before this was kept,
    /// is here.
    async fn annotation(
        &self,
        draft: DraftId,
        id: AnnotationId,
    ) -> StorageResult<Option<StoredAnnotation>>;

    /// One page of the changes feed, with the client's last mutation id and (when it changed
    /// after the cursor) the user's directory, from one snapshot. A scope change of the user
    /// after the cursor ends the page with a removal for every draft they could see before
    /// it and cannot now, and the current state of every draft they can see now and could
    /// not before. The account is read again in the page's snapshot (a disabled one gets an
    /// empty page). Registers the client to the user on first use;
    /// [`StorageError::ClientTaken`] when it belongs to someone else.
    async fn changes(&self, request: ChangesRequest) -> StorageResult<ChangesPage>;
    /// Applies a push batch in one transaction (see [`crate::push`] for the rules), judging
    /// the pusher as the transaction holds them, and returns one result per mutation with
    /// the drafts its conflicts are about ([`PushOutcome`]). A stored result never copies
    /// the draft. [`StorageError::ClientTaken`] when the client belongs to someone else.
    /// Each applied mutation leaves its event (`decision`, `override` or `comment`), in
    /// mutation order, in the pusher's session of `trail`.
    async fn push(&self, batch: PushBatch, trail: Trail) -> StorageResult<PushOutcome>;

    /// Where the audit log stands: its last event, `None` while it is empty.
    async fn audit_head(&self) -> StorageResult<Option<Head>>;
    /// Events with a position above `query.after` (and a time within `from..to` when
    /// given), in position order, at most `query.limit`, as stored: an edited row comes
    /// back edited, for the verifier to find.
    async fn audit_events(&self, query: AuditQuery) -> StorageResult<Vec<Event>>;
    /// Appends events that record no change of their own (exports, webhook attempts) in one
    /// transaction, in order, and returns where the log stood after each.
    async fn record(&self, events: Vec<NewEvent>) -> StorageResult<Vec<Head>>;

    /// Registers a webhook, recorded as `webhook_added` (never its secret) by `trail`.
    async fn add_webhook(&self, webhook: Webhook, trail: Trail) -> StorageResult<()>;
    /// Every webhook ever added, removed ones too, oldest first.
    async fn webhooks(&self) -> StorageResult<Vec<Webhook>>;
    /// A webhook by id, removed or not.
    async fn webhook(&self, id: Uuid) -> StorageResult<Option<Webhook>>;
    /// Removes a live webhook at `now` (its pending deliveries are no longer tried),
    /// recorded as `webhook_removed`. False when no live webhook has that id.
    async fn remove_webhook(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        trail: Trail,
    ) -> StorageResult<bool>;
    /// Pending deliveries due at `now` to live webhooks, soonest first, at most `limit`.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StorageResult<Vec<DueDelivery>>;
    /// When the soonest pending delivery to a live webhook is due.
    async fn next_delivery_at(&self) -> StorageResult<Option<DateTime<Utc>>>;
    /// Stores an attempt, the delivery's new state and a `webhook_attempt` audit event, in
    /// one transaction.
    async fn record_attempt(&self, record: AttemptRecord) -> StorageResult<()>;
    /// Deliveries with their attempts, newest first.
    async fn deliveries(&self, query: DeliveryQuery) -> StorageResult<Vec<DeliveryView>>;
}
