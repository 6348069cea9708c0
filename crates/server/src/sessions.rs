//! Signing in, refreshing, signing out and recognising access tokens.
//!
//! A session holds one access token (short-lived, sent on every request) and one refresh
//! token (long-lived, single use). Refreshing spends the refresh token and hands out a new
//! pair; the spent one is remembered, and presenting it again means two parties hold the
//! session — the server then revokes it, so a stolen copy stops working for everyone and the
//! rightful desktop is told to sign in again.

use crate::Server;
use crate::auth::limiter::{Key, Limits, Refused, Reservation};
use crate::auth::token::{Salt, Token, TokenHash};
use crate::auth::{password, totp};
use crate::error::{AuthError, ServerError};
use crate::storage::{
    NewSession, Refresh, RefreshOutcome, SessionTokens, StorageError, UserRecord,
};
use crate::trail::Trail;
use chrono::{DateTime, TimeDelta, Utc};
use countersign_audit::content_sha256;
use countersign_core::approval::Actor;
use countersign_core::wire::{SessionRequest, SessionResponse, SessionUser};
use countersign_core::{Person, Sensitive};
use serde_json::json;
use std::net::IpAddr;
use std::time::Duration;
use uuid::Uuid;

/// The caller of an authenticated request.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Their session.
    pub session_id: Uuid,
    /// Their account.
    pub user: UserRecord,
}

impl Authenticated {
    /// The caller as the approval rules see them.
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
}

/// Usernames are compared trimmed and in lower case.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The longest username a sign-in may give, in bytes; longer ones are refused before
/// anything else is done with them.
pub const MAX_USERNAME_BYTES: usize = 256;
/// The longest password a sign-in may give (and an account may have), in bytes: argon2
/// reads all of it, so it is refused before any hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest TOTP code a sign-in may give, in bytes.
pub const MAX_TOTP_BYTES: usize = 16;

/// The sign-in limiter's limits, from the configuration.
pub fn limits(config: &crate::ServerConfig) -> Limits {
    let count = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    Limits {
        per_account: count(config.login_attempts),
        per_source: count(config.login_attempts_per_source),
        window: span(config.login_window),
        capacity: config.login_tracked_keys,
    }
}

/// Checks a username and password and starts a session; [`sign_in_from`] without a known
/// source address.
pub async fn sign_in(
    server: &Server,
    request: SessionRequest,
) -> Result<SessionResponse, ServerError> {
    sign_in_from(server, request, None).await
}

/// Checks a username and password, from `source` when the address is known, and starts a
/// session.
///
/// Too long a username, password or code is refused first ([`ServerError::Invalid`]),
/// before it is counted or hashed. Then the attempt is reserved under the account and the
/// source address ([`crate::auth::limiter`]): past either's limit it gets
/// [`AuthError::TooManyAttempts`] without its password being checked. The check waits for
/// one of the [`hash_concurrency`](crate::ServerConfig::hash_concurrency) places for a
/// password hash, at most [`hash_wait`](crate::ServerConfig::hash_wait), else
/// [`ServerError::Busy`].
///
/// A wrong username, a wrong password and a disabled account (whatever the password) fail
/// identically ([`AuthError::BadCredentials`]), each cost one argon2 verification and count
/// as a failure, kept in storage so a restart does not forget it.
///
/// An account holding a role the two-factor policy covers, with no authenticator
/// enrolled, gets [`ServerError::EnrolmentRequired`] (once its password checked out).
///
/// A user enrolled in two-factor sign-in also needs `totp`, the code their authenticator
/// app shows. Only once the password checked out: no code gets
/// [`AuthError::TotpRequired`]; a wrong code, or one whose time step was already used, gets
/// [`AuthError::BadCredentials`] and counts as a failure like a wrong password.
pub async fn sign_in_from(
    server: &Server,
    request: SessionRequest,
    source: Option<IpAddr>,
) -> Result<SessionResponse, ServerError> {
    check_lengths(&request)?;
    let username = normalize_username(&request.username);
    let now = server.now();
    let reservation = server
        .limiter()
        .reserve(Key::account(&username), source.map(Key::source), now)
        .map_err(|refused| match refused {
            Refused::TooMany { retry_after_secs } => {
                ServerError::from(AuthError::TooManyAttempts { retry_after_secs })
            }
            Refused::Full => ServerError::Busy(
                "the server is counting too many failed sign-ins to take another now; try \
                 again in a minute"
                    .into(),
            ),
        })?;
    let user = server.storage().user_by_username(&username).await?;
    let stored_hash = match &user {
        Some(user) => user.password_hash.expose().clone(),
        None => server.decoy_hash().to_owned(),
    };
    let code = request.totp;
    let presented = Sensitive::new(request.password);
    let wait = server.config().hash_wait;
    let permit = tokio::time::timeout(wait, server.hashing().acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ServerError::Busy("the server is checking many sign-ins; try again in a moment".into())
        })?;
    let matches =
        tokio::task::spawn_blocking(move || password::verify(presented.expose(), &stored_hash))
            .await?;
    drop(permit);
    // A disabled account is refused like a wrong password, so the answer never tells that
    // a guessed password was right.
    let failure = match &user {
        Some(user) if !user.is_active() => Failure::Disabled(user.person()),
        Some(user) => Failure::Password(user.person()),
        None => Failure::UnknownAccount(&username),
    };
    let Some(user) = user.filter(|user| matches && user.is_active()) else {
        return Err(failed(server, reservation, now, failure, source).await);
    };
    if user.totp_secret.is_none() {
        let required = server.storage().two_factor_roles().await?;
        if let Some(role) = user.roles.iter().find(|r| required.contains(r)) {
            return Err(enrolment_required(&user, *role));
        }
    }
    if let Some(secret) = &user.totp_secret {
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Err(AuthError::TotpRequired.into());
        };
        if !second_factor(server, &user, secret, &code, now).await? {
            let failure = Failure::TwoFactor(user.person());
            return Err(failed(server, reservation, now, failure, source).await);
        }
    }
    if let Some(account) = reservation.succeed() {
        server
            .storage()
            .clear_sign_in_failures(account.to_stored())
            .await?;
    }
    let (tokens, access, refresh) = issue(server, now);
    let access_expires_at = tokens.access_expires_at;
    let session_id = Uuid::new_v4();
    let trail = Trail::anonymous_api().as_person(user.person(), Some(session_id));
    server
        .storage()
        .create_session(
            NewSession {
                id: session_id,
                user_id: user.id,
                tokens,
                created_at: now,
            },
            trail,
        )
        .await?;
    tracing::info!(username = %user.username, "signed in");
    Ok(response(server, access, refresh, access_expires_at, &user))
}

/// Refuses a username, password or code too long to be one, before anything is done with
/// it.
fn check_lengths(request: &SessionRequest) -> Result<(), ServerError> {
    let too_long = |what: &str, max: usize| {
        ServerError::Invalid(format!("a {what} is at most {max} bytes long"))
    };
    if request.username.len() > MAX_USERNAME_BYTES {
        return Err(too_long("username", MAX_USERNAME_BYTES));
    }
    if request.password.len() > MAX_PASSWORD_BYTES {
        return Err(too_long("password", MAX_PASSWORD_BYTES));
    }
    if request
        .totp
        .as_ref()
        .is_some_and(|c| c.len() > MAX_TOTP_BYTES)
    {
        return Err(too_long("two-factor code", MAX_TOTP_BYTES));
    }
    Ok(())
}

/// Why a sign-in that reached the password check failed, for the audit log (the caller is
/// told only "bad credentials" whichever it was).
enum Failure<'a> {
    /// No account has the name. The log keeps only the name's SHA-256: a name typed into
    /// the wrong field may be a password.
    UnknownAccount(&'a str),
    /// The account is disabled (whatever the password was: the log does not tell).
    Disabled(Person),
    /// The password was wrong.
    Password(Person),
    /// The password was right and the two-factor code wrong or used already.
    TwoFactor(Person),
}

impl Failure<'_> {
    /// The trail and detail of its `sign_in_failed` event.
    fn event(self, source: Option<IpAddr>) -> (Trail, serde_json::Value) {
        let source = source.map(|ip| ip.to_string());
        let known = |person: Person, reason: &str| {
            (
                Trail::anonymous_api().as_person(person, None),
                json!({"reason": reason, "source": source}),
            )
        };
        match self {
            Failure::UnknownAccount(username) => (
                Trail::anonymous_api(),
                json!({
                    "reason": "unknown_account",
                    "username_sha256": content_sha256(username),
                    "source": source,
                }),
            ),
            Failure::Disabled(person) => known(person, "account_disabled"),
            Failure::Password(person) => known(person, "password"),
            Failure::TwoFactor(person) => known(person, "two_factor"),
        }
    }
}

/// Counts a failed attempt (in storage too, so a restart keeps it, with its audit event)
/// and gives the answer. Only attempts the limiter let through get here, so a flood it
/// refuses never grows the log.
async fn failed(
    server: &Server,
    reservation: Reservation<'_>,
    now: DateTime<Utc>,
    failure: Failure<'_>,
    source: Option<IpAddr>,
) -> ServerError {
    let keys = reservation.fail(now);
    let window = span(server.config().login_window);
    let forget_before = now
        .checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let stored = keys.iter().map(Key::to_stored).collect();
    let (trail, detail) = failure.event(source);
    if let Err(e) = server
        .storage()
        .record_sign_in_failure(stored, now, forget_before, trail, detail)
        .await
    {
        // Counted in memory all the same; only a restart in the next minutes forgets it.
        tracing::warn!(error = %e, "a failed sign-in could not be recorded in storage");
    }
    AuthError::BadCredentials.into()
}

/// True when `code` is the user's TOTP code for the current time step or a neighbour, and
/// that step is later than the last one they used; the step is then used up, so the same
/// code cannot sign in twice.
async fn second_factor(
    server: &Server,
    user: &UserRecord,
    secret: &Sensitive<String>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServerError> {
    let Some(step) = totp::matching_step(secret.expose(), code, now)? else {
        return Ok(false);
    };
    Ok(server.storage().consume_totp_step(user.id, step).await?)
}

/// Spends a refresh token for a new token pair.
///
/// An already spent token revokes its session ([`AuthError::SessionRevoked`]) — any token
/// the session ever spent, until it would have expired — except the one spent last, within
/// [`refresh_grace`](crate::ServerConfig::refresh_grace) of spending it and while the pair
/// it got is still unused: that is a retry after a lost answer, and it gets the same pair
/// again. A token of a revoked session or disabled user gets [`AuthError::SessionRevoked`];
/// an expired one, or one of a session older than
/// [`session_lifetime`](crate::ServerConfig::session_lifetime),
/// [`AuthError::SessionExpired`]; anything else [`AuthError::Unauthenticated`]. An account
/// the two-factor policy covers without an authenticator gets
/// [`ServerError::EnrolmentRequired`] and keeps its (unspent) token, so nothing on its
/// desktop is lost while an administrator enrols it.
pub async fn refresh(server: &Server, refresh_token: &str) -> Result<SessionResponse, ServerError> {
    let now = server.now();
    let config = server.config();
    let salt = Salt::generate();
    let (access, refresh) = Token::derive_pair(refresh_token, &salt);
    let tokens = stored(server, now, &access, &refresh);
    let two_factor_roles = server.storage().two_factor_roles().await?;
    let outcome = server
        .storage()
        .refresh_session(
            Refresh {
                presented: TokenHash::of(refresh_token),
                next: tokens,
                next_salt: salt.to_stored(),
                now,
                grace_until: after(now, config.refresh_grace),
                session_lifetime: span(config.session_lifetime),
                two_factor_roles: two_factor_roles.clone(),
            },
            Trail::anonymous_api(),
        )
        .await?;
    match outcome {
        RefreshOutcome::Rotated {
            user,
            access_expires_at,
        } => Ok(response(server, access, refresh, access_expires_at, &user)),
        RefreshOutcome::Repeated {
            user,
            salt,
            access_expires_at,
        } => {
            let salt = Salt::from_stored(&salt).ok_or_else(|| {
                StorageError::Corrupt("a spent refresh token's salt is unreadable".into())
            })?;
            let (access, refresh) = Token::derive_pair(refresh_token, &salt);
            tracing::info!(
                username = %user.username,
                "a refresh was retried within its grace; the same pair is answered again"
            );
            Ok(response(server, access, refresh, access_expires_at, &user))
        }
        RefreshOutcome::EnrolmentRequired(user) => {
            let role = user
                .roles
                .iter()
                .find(|r| two_factor_roles.contains(r))
                .copied()
                .unwrap_or(countersign_core::Role::Reviewer);
            Err(enrolment_required(&user, role))
        }
        RefreshOutcome::Reused => {
            tracing::warn!("a spent refresh token was presented again; its session is revoked");
            Err(AuthError::SessionRevoked.into())
        }
        RefreshOutcome::Revoked => Err(AuthError::SessionRevoked.into()),
        RefreshOutcome::Expired => Err(AuthError::SessionExpired.into()),
        RefreshOutcome::Unknown => Err(AuthError::Unauthenticated.into()),
    }
}

/// Recognises an access token.
///
/// Unknown: [`AuthError::Unauthenticated`]. Revoked session or disabled user:
/// [`AuthError::SessionRevoked`]. Known but past its expiry: [`AuthError::TokenExpired`].
pub async fn authenticate(
    server: &Server,
    access_token: &str,
) -> Result<Authenticated, ServerError> {
    let found = server
        .storage()
        .session_by_access(&TokenHash::of(access_token))
        .await?
        .ok_or(AuthError::Unauthenticated)?;
    if found.revoked_at.is_some() || found.user.disabled_at.is_some() {
        return Err(AuthError::SessionRevoked.into());
    }
    if found.access_expires_at <= server.now() {
        return Err(AuthError::TokenExpired.into());
    }
    Ok(Authenticated {
        session_id: found.session_id,
        user: found.user,
    })
}

/// Ends a session: its tokens stop working at once. The `sign_out` event names the
/// session's user.
pub async fn sign_out(server: &Server, session_id: Uuid) -> Result<(), ServerError> {
    let trail = Trail {
        session: Some(session_id),
        ..Trail::anonymous_api()
    };
    Ok(server
        .storage()
        .revoke_session(session_id, server.now(), trail)
        .await?)
}

/// Ends the session a refresh token belongs to — its current one or any it spent — for a
/// client without a usable access token. Unknown tokens change nothing, and say nothing.
pub async fn sign_out_with_refresh(
    server: &Server,
    refresh_token: &str,
) -> Result<(), ServerError> {
    let known = server
        .storage()
        .revoke_by_refresh(
            &TokenHash::of(refresh_token),
            server.now(),
            Trail::anonymous_api(),
        )
        .await?;
    if known {
        tracing::info!("signed out with a refresh token");
    }
    Ok(())
}

/// The refusal of an account the two-factor policy covers that has no authenticator yet.
fn enrolment_required(user: &UserRecord, role: countersign_core::Role) -> ServerError {
    ServerError::EnrolmentRequired(format!(
        "two-factor sign-in is required for the {} role and {} has no authenticator app \
         enrolled yet; an administrator enrols it with `countersign-server user totp enroll \
         --username {}`",
        role.as_str(),
        user.username,
        user.username
    ))
}

/// What a user sees about themselves.
pub fn session_user(user: &UserRecord) -> SessionUser {
    SessionUser {
        person: user.person(),
        roles: user.roles.clone(),
        steps: user.steps.clone(),
        teams: user.teams.clone(),
    }
}

/// A fresh token pair and what to store for it.
fn issue(server: &Server, now: DateTime<Utc>) -> (SessionTokens, Token, Token) {
    let (access, refresh) = (Token::generate(), Token::generate());
    (stored(server, now, &access, &refresh), access, refresh)
}

/// What to store for a pair handed out at `now`: the hashes and the expiries.
fn stored(server: &Server, now: DateTime<Utc>, access: &Token, refresh: &Token) -> SessionTokens {
    let config = server.config();
    SessionTokens {
        access_hash: access.hash(),
        access_expires_at: after(now, config.access_ttl),
        refresh_hash: refresh.hash(),
        refresh_expires_at: after(now, config.refresh_ttl),
    }
}

/// The answer: the pair, the seconds until the access token expires (rounded up, so a
/// token with any time left says at least 1) and the user.
fn response(
    server: &Server,
    access: Token,
    refresh: Token,
    access_expires_at: DateTime<Utc>,
    user: &UserRecord,
) -> SessionResponse {
    let left = access_expires_at - server.now();
    let secs = left.num_seconds() + i64::from(left.subsec_nanos() > 0);
    SessionResponse {
        access_token: access.into_secret(),
        refresh_token: refresh.into_secret(),
        expires_in: u64::try_from(secs).unwrap_or(0),
        user: session_user(user),
    }
}

/// A configured duration as a [`TimeDelta`]; one too long for it is forever.
fn span(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// `now + ttl`, saturating instead of overflowing for absurd TTLs.
fn after(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(ttl)
        .ok()
        .and_then(|ttl| now.checked_add_signed(ttl))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
