//! Teams, users and sessions in SQLite.

use super::audit;
use super::sequence::mark_directory_changed;
use super::{from_sql_int, is_unique_violation, parse_time, parse_uuid, to_sql_int};
use crate::auth::token::TokenHash;
use crate::clock::to_text;
use crate::storage::{
    NewSession, Refresh, RefreshOutcome, Scope, SessionLookup, SessionStats, SignInFailure,
    StorageError, StorageResult, TeamRecord, UserChange, UserRecord, UserUpdate,
};
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use countersign_audit::kinds;
use countersign_core::{ChannelAccess, ChannelId, Role, Sensitive, TeamId, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use uuid::Uuid;

pub(super) fn insert_team(tx: &Connection, team: &TeamRecord, trail: &Trail) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO teams (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![team.id.to_string(), team.name, to_text(team.created_at)],
    )
    .map_err(|e| unique_as_exists(e, || format!("a team named {:?}", team.name)))?;
    let detail = json!({"team": {"id": team.id, "name": team.name}});
    audit::append(
        tx,
        trail.event(team.created_at, kinds::TEAM_CREATED, None, detail),
    )?;
    Ok(())
}

pub(super) fn teams(tx: &Connection) -> StorageResult<Vec<TeamRecord>> {
    let mut stmt = tx.prepare_cached("SELECT id, name, created_at FROM teams ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (id, name, created_at) = row?;
        Ok(TeamRecord {
            id: TeamId(parse_uuid(&id)?),
            name,
            created_at: parse_time(&created_at)?,
        })
    })
    .collect()
}

pub(super) fn insert_user(tx: &Connection, user: &UserRecord, trail: &Trail) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO users (id, username, display_name, password_hash, roles, steps, \
         created_at, disabled_at, totp_secret, channels_limited) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            user.id.to_string(),
            user.username,
            user.display_name,
            user.password_hash.expose(),
            join_roles(&user.roles),
            user.steps.join(" "),
            to_text(user.created_at),
            user.disabled_at.map(to_text),
            user.totp_secret.as_ref().map(Sensitive::expose),
            matches!(user.channels, ChannelAccess::Only(_)),
        ],
    )
    .map_err(|e| unique_as_exists(e, || format!("a user named {:?}", user.username)))?;
    write_access(tx, user)?;
    mark_directory_changed(tx)?;
    let detail = json!({"user": subject(user), "account": account_view(tx, user)?});
    audit::append(
        tx,
        trail.event(user.created_at, kinds::USER_CREATED, None, detail),
    )?;
    Ok(())
}

/// The account an event is about, by id and sign-in name.
pub(super) fn subject(user: &UserRecord) -> Value {
    json!({"id": user.id, "username": user.username})
}

/// What an account may do, as an auditor reads it: teams and channels with their names.
/// Never its password hash or TOTP secret.
fn account_view(tx: &Connection, user: &UserRecord) -> StorageResult<Value> {
    let teams = teams(tx)?;
    let team_name = |id: &TeamId| teams.iter().find(|t| t.id == *id).map(|t| t.name.clone());
    let channels = match &user.channels {
        ChannelAccess::AllOfTeams => Value::String("all_of_teams".to_owned()),
        ChannelAccess::Only(ids) => {
            let all = super::channels::channels(tx)?;
            Value::Array(
                ids.iter()
                    .map(|id| {
                        let name = all.iter().find(|c| c.id == *id).map(|c| c.name.clone());
                        json!({"id": id, "name": name})
                    })
                    .collect(),
            )
        }
    };
    Ok(json!({
        "display_name": user.display_name,
        "roles": user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "steps": user.steps,
        "teams": user.teams.iter().map(|id| json!({"id": id, "name": team_name(id)})).collect::<Vec<_>>(),
        "channels": channels,
        "two_factor": user.totp_secret.is_some(),
    }))
}

/// Replaces the user's team memberships and channel grants with the record's.
fn write_access(tx: &Connection, user: &UserRecord) -> StorageResult<()> {
    let id = user.id.to_string();
    tx.prepare_cached("DELETE FROM memberships WHERE user_id = ?1")?
        .execute([&id])?;
    let mut stmt =
        tx.prepare_cached("INSERT INTO memberships (user_id, team_id) VALUES (?1, ?2)")?;
    for team in &user.teams {
        stmt.execute(params![id, team.to_string()])?;
    }
    tx.prepare_cached("DELETE FROM user_channels WHERE user_id = ?1")?
        .execute([&id])?;
    if let ChannelAccess::Only(channels) = &user.channels {
        let mut stmt =
            tx.prepare_cached("INSERT INTO user_channels (user_id, channel_id) VALUES (?1, ?2)")?;
        for channel in channels {
            stmt.execute(params![id, channel.to_string()])?;
        }
    }
    Ok(())
}

/// Applies `change` to the stored user; a scope change is recorded for the changes feed.
pub(super) fn update_user(
    tx: &Connection,
    id: UserId,
    change: UserChange,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<UserUpdate> {
    let Some(before) = user_by_id(tx, id)? else {
        return Ok(UserUpdate::NotFound);
    };
    let after = match change(&before) {
        Ok(after) => after,
        Err(refusal) => return Ok(UserUpdate::Refused(refusal)),
    };
    tx.prepare_cached(
        "UPDATE users SET display_name = ?1, roles = ?2, steps = ?3, channels_limited = ?4 \
         WHERE id = ?5",
    )?
    .execute(params![
        after.display_name,
        join_roles(&after.roles),
        after.steps.join(" "),
        matches!(after.channels, ChannelAccess::Only(_)),
        id.to_string(),
    ])?;
    write_access(tx, &after)?;
    let seq = mark_directory_changed(tx)?;
    let old_scope = Scope::of(&before.actor());
    if old_scope != Scope::of(&after.actor()) {
        tx.prepare_cached(
            "INSERT INTO scope_changes (seq, user_id, old_scope_json) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            to_sql_int(seq)?,
            id.to_string(),
            serde_json::to_string(&old_scope)?
        ])?;
    }
    // Read back, so the caller sees exactly what is stored (teams in name order).
    let stored =
        user_by_id(tx, id)?.ok_or_else(|| StorageError::Corrupt(format!("user {id} vanished")))?;
    let (was, is) = (account_view(tx, &before)?, account_view(tx, &stored)?);
    // A change that changed nothing (a role the account already had) is not an event: the
    // log says what happened to the account, not what was asked.
    if was != is {
        let detail = json!({ "user": subject(&stored), "before": was, "after": is });
        audit::append(tx, trail.event(now, kinds::ACCOUNT_CHANGED, None, detail))?;
    }
    Ok(UserUpdate::Updated(Box::new(stored)))
}

/// Last sign-in and live sessions per user.
pub(super) fn session_stats(
    tx: &Connection,
    now: DateTime<Utc>,
) -> StorageResult<Vec<SessionStats>> {
    let mut stmt = tx.prepare_cached(
        "SELECT user_id, max(created_at), \
                sum(CASE WHEN revoked_at IS NULL AND refresh_expires_at > ?1 THEN 1 ELSE 0 END) \
         FROM sessions GROUP BY user_id",
    )?;
    let rows = stmt
        .query_map([to_text(now)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(user, last, live)| {
            Ok(SessionStats {
                user_id: UserId(parse_uuid(&user)?),
                last_sign_in_at: last.as_deref().map(parse_time).transpose()?,
                live_sessions: from_sql_int(live)?,
            })
        })
        .collect()
}

const USER_COLUMNS: &str = "id, username, display_name, password_hash, roles, steps, \
     created_at, disabled_at, totp_secret, channels_limited";

/// A `users` row before its text is parsed.
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    password_hash: String,
    roles: String,
    steps: String,
    created_at: String,
    disabled_at: Option<String>,
    totp_secret: Option<String>,
    channels_limited: bool,
}

impl UserRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            username: row.get(1)?,
            display_name: row.get(2)?,
            password_hash: row.get(3)?,
            roles: row.get(4)?,
            steps: row.get(5)?,
            created_at: row.get(6)?,
            disabled_at: row.get(7)?,
            totp_secret: row.get(8)?,
            channels_limited: row.get(9)?,
        })
    }

    fn into_record(self, tx: &Connection) -> StorageResult<UserRecord> {
        let id = UserId(parse_uuid(&self.id)?);
        let roles = self
            .roles
            .split_whitespace()
            .map(|r| {
                Role::parse(r).ok_or_else(|| StorageError::Corrupt(format!("unknown role {r:?}")))
            })
            .collect::<StorageResult<Vec<_>>>()?;
        Ok(UserRecord {
            id,
            username: self.username,
            display_name: self.display_name,
            password_hash: Sensitive::new(self.password_hash),
            roles,
            steps: self.steps.split_whitespace().map(str::to_owned).collect(),
            teams: memberships(tx, id)?,
            channels: if self.channels_limited {
                ChannelAccess::Only(channel_grants(tx, id)?)
            } else {
                ChannelAccess::AllOfTeams
            },
            created_at: parse_time(&self.created_at)?,
            disabled_at: self.disabled_at.as_deref().map(parse_time).transpose()?,
            totp_secret: self.totp_secret.map(Sensitive::new),
        })
    }
}

fn memberships(tx: &Connection, user: UserId) -> StorageResult<Vec<TeamId>> {
    let mut stmt = tx.prepare_cached(
        "SELECT m.team_id FROM memberships m JOIN teams t ON t.id = m.team_id \
         WHERE m.user_id = ?1 ORDER BY t.name",
    )?;
    let rows = stmt.query_map([user.to_string()], |row| row.get::<_, String>(0))?;
    rows.map(|id| Ok(TeamId(parse_uuid(&id?)?))).collect()
}

fn channel_grants(tx: &Connection, user: UserId) -> StorageResult<Vec<ChannelId>> {
    let mut stmt = tx.prepare_cached(
        "SELECT g.channel_id FROM user_channels g JOIN channels c ON c.id = g.channel_id \
         WHERE g.user_id = ?1 ORDER BY c.name",
    )?;
    let rows = stmt.query_map([user.to_string()], |row| row.get::<_, String>(0))?;
    rows.map(|id| Ok(ChannelId(parse_uuid(&id?)?))).collect()
}

fn user_where(tx: &Connection, condition: &str, value: &str) -> StorageResult<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition} = ?1");
    let row = tx
        .prepare_cached(&sql)?
        .query_row([value], UserRow::read)
        .optional()?;
    row.map(|row| row.into_record(tx)).transpose()
}

pub(super) fn user_by_username(
    tx: &Connection,
    username: &str,
) -> StorageResult<Option<UserRecord>> {
    user_where(tx, "username", username)
}

pub(super) fn user_by_id(tx: &Connection, id: UserId) -> StorageResult<Option<UserRecord>> {
    user_where(tx, "id", &id.to_string())
}

pub(super) fn users(tx: &Connection) -> StorageResult<Vec<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([], UserRow::read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|row| row.into_record(tx)).collect()
}

pub(super) fn count_users(tx: &Connection) -> StorageResult<u64> {
    let count: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
    super::from_sql_int(count)
}

pub(super) fn disable_user(
    tx: &Connection,
    id: UserId,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let Some(user) = user_by_id(tx, id)? else {
        return Ok(false);
    };
    let (id, at) = (id.to_string(), to_text(now));
    let disabled = tx.execute(
        "UPDATE users SET disabled_at = ?1 WHERE id = ?2 AND disabled_at IS NULL",
        params![at, id],
    )?;
    let revoked = revoke_all_sessions(tx, &id, &at)?;
    mark_directory_changed(tx)?;
    // Disabling a disabled account changes nothing worth an event, unless it still had a
    // live session to revoke.
    if disabled > 0 || revoked > 0 {
        let detail = json!({"user": subject(&user), "sessions_revoked": revoked});
        audit::append(tx, trail.event(now, kinds::USER_DISABLED, None, detail))?;
    }
    Ok(true)
}

/// Revokes every live session of the user; returns how many.
pub(super) fn revoke_all_sessions(tx: &Connection, user: &str, now: &str) -> StorageResult<usize> {
    Ok(tx.execute(
        "UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
        params![now, user],
    )?)
}

/// Sets (or with `None` clears) a user's TOTP secret; either way the last accepted step is
/// forgotten, since it belonged to the old secret.
pub(super) fn set_totp_secret(
    tx: &Connection,
    id: UserId,
    secret: Option<&Sensitive<String>>,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let Some(user) = user_by_id(tx, id)? else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE users SET totp_secret = ?1, totp_last_step = NULL WHERE id = ?2",
        params![secret.map(Sensitive::expose), id.to_string()],
    )?;
    // The event says that it happened, never the secret.
    let (kind, detail) = match secret {
        Some(_) => (
            kinds::TWO_FACTOR_ENROLLED,
            json!({"user": subject(&user), "replaced": user.totp_secret.is_some()}),
        ),
        None => (
            kinds::TWO_FACTOR_REMOVED,
            json!({"user": subject(&user), "was_enrolled": user.totp_secret.is_some()}),
        ),
    };
    audit::append(tx, trail.event(now, kind, None, detail))?;
    Ok(true)
}

/// Moves the user's last accepted step forward to `step`; false when it is not later.
pub(super) fn consume_totp_step(tx: &Connection, id: UserId, step: u64) -> StorageResult<bool> {
    let changed = tx.execute(
        "UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND totp_secret IS NOT NULL \
         AND (totp_last_step IS NULL OR totp_last_step < ?1)",
        params![super::to_sql_int(step)?, id.to_string()],
    )?;
    Ok(changed > 0)
}

pub(super) fn insert_session(
    tx: &Connection,
    session: &NewSession,
    trail: &Trail,
) -> StorageResult<()> {
    let t = &session.tokens;
    tx.execute(
        "INSERT INTO sessions (id, user_id, access_hash, access_expires_at, refresh_hash, \
         refresh_expires_at, created_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
        params![
            session.id.to_string(),
            session.user_id.to_string(),
            t.access_hash.as_str(),
            to_text(t.access_expires_at),
            t.refresh_hash.as_str(),
            to_text(t.refresh_expires_at),
            to_text(session.created_at),
        ],
    )?;
    let mut event = trail.event(session.created_at, kinds::SIGN_IN, None, json!({}));
    event.session = Some(session.id);
    if event.actor.is_none() {
        let user = user_by_id(tx, session.user_id)?
            .ok_or_else(|| StorageError::Corrupt(format!("session {} has no user", session.id)))?;
        event.actor = Some(crate::trail::actor_ref(&user.person()));
    }
    audit::append(tx, event)?;
    Ok(())
}

pub(super) fn session_by_access(
    tx: &Connection,
    access: &TokenHash,
) -> StorageResult<Option<SessionLookup>> {
    let row = tx
        .prepare_cached(
            "SELECT id, user_id, access_expires_at, revoked_at FROM sessions \
             WHERE access_hash = ?1",
        )?
        .query_row([access.as_str()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    let Some((id, user_id, access_expires_at, revoked_at)) = row else {
        return Ok(None);
    };
    let user_id = UserId(parse_uuid(&user_id)?);
    let user = user_by_id(tx, user_id)?
        .ok_or_else(|| StorageError::Corrupt(format!("session {id} has no user")))?;
    Ok(Some(SessionLookup {
        session_id: parse_uuid(&id)?,
        access_expires_at: parse_time(&access_expires_at)?,
        revoked_at: revoked_at.as_deref().map(parse_time).transpose()?,
        user,
    }))
}

/// A session as a refresh sees it.
struct SessionRow {
    id: String,
    user_id: String,
    refresh_hash: String,
    refresh_expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    revoked: bool,
}

fn session_where(
    tx: &Connection,
    condition: &str,
    value: &str,
) -> StorageResult<Option<SessionRow>> {
    let sql = format!(
        "SELECT id, user_id, refresh_hash, refresh_expires_at, created_at, revoked_at \
         FROM sessions WHERE {condition} = ?1"
    );
    let row = tx
        .prepare_cached(&sql)?
        .query_row([value], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })
        .optional()?;
    row.map(
        |(id, user_id, refresh_hash, refresh_expires_at, created_at, revoked_at)| {
            Ok(SessionRow {
                id,
                user_id,
                refresh_hash,
                refresh_expires_at: parse_time(&refresh_expires_at)?,
                created_at: parse_time(&created_at)?,
                revoked: revoked_at.is_some(),
            })
        },
    )
    .transpose()
}

/// The user a session belongs to; a session without one is a corrupt database.
fn session_owner(tx: &Connection, session: &SessionRow) -> StorageResult<UserRecord> {
    user_by_id(tx, UserId(parse_uuid(&session.user_id)?))?
        .ok_or_else(|| StorageError::Corrupt(format!("session {} has no user", session.id)))
}

/// A spent refresh token not yet past its expiry.
struct SpentRow {
    session_id: String,
    grace_until: Option<DateTime<Utc>>,
    next_salt: Option<String>,
    next_refresh_hash: Option<String>,
}

fn spent_token(tx: &Connection, hash: &TokenHash, now: &str) -> StorageResult<Option<SpentRow>> {
    let row = tx
        .prepare_cached(
            "SELECT session_id, grace_until, next_salt, next_refresh_hash \
             FROM spent_refresh_tokens WHERE refresh_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![hash.as_str(), now], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    row.map(|(session_id, grace_until, next_salt, next_refresh_hash)| {
        Ok(SpentRow {
            session_id,
            grace_until: grace_until.as_deref().map(parse_time).transpose()?,
            next_salt,
            next_refresh_hash,
        })
    })
    .transpose()
}

/// Forgets spent tokens past their expiry (they are refused as unknown anyway) and the salts
/// of those past their grace (a retry of them now revokes, so the salt is of no use), a
/// bounded number per call so no refresh pays for a long backlog at once.
fn forget_spent(tx: &Connection, now: &str) -> StorageResult<()> {
    tx.prepare_cached(
        "DELETE FROM spent_refresh_tokens WHERE refresh_hash IN \
         (SELECT refresh_hash FROM spent_refresh_tokens WHERE expires_at <= ?1 LIMIT 1000)",
    )?
    .execute([now])?;
    tx.prepare_cached(
        "UPDATE spent_refresh_tokens \
         SET grace_until = NULL, next_salt = NULL, next_refresh_hash = NULL \
         WHERE refresh_hash IN (SELECT refresh_hash FROM spent_refresh_tokens \
                                WHERE grace_until <= ?1 LIMIT 1000)",
    )?
    .execute([now])?;
    Ok(())
}

/// The end of a session that started at `created_at`.
fn session_end(created_at: DateTime<Utc>, lifetime: chrono::TimeDelta) -> DateTime<Utc> {
    created_at
        .checked_add_signed(lifetime)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) fn refresh_session(
    tx: &Connection,
    refresh: &Refresh,
    trail: &Trail,
) -> StorageResult<RefreshOutcome> {
    let now = refresh.now;
    let now_text = to_text(now);
    forget_spent(tx, &now_text)?;
    let Some(session) = session_where(tx, "refresh_hash", refresh.presented.as_str())? else {
        return spent_refresh(tx, refresh, trail);
    };
    if session.revoked {
        return Ok(RefreshOutcome::Revoked);
    }
    let user = session_owner(tx, &session)?;
    if user.disabled_at.is_some() {
        revoke_session(tx, parse_uuid(&session.id)?, now)?;
        return Ok(RefreshOutcome::Revoked);
    }
    let end = session_end(session.created_at, refresh.session_lifetime);
    if session.refresh_expires_at <= now || end <= now {
        return Ok(RefreshOutcome::Expired);
    }
    if user.totp_secret.is_none()
        && user
            .roles
            .iter()
            .any(|r| refresh.two_factor_roles.contains(r))
    {
        return Ok(RefreshOutcome::EnrolmentRequired(Box::new(user)));
    }
    let next = &refresh.next;
    let access_expires_at = next.access_expires_at.min(end);
    tx.prepare_cached(
        "INSERT INTO spent_refresh_tokens (refresh_hash, session_id, spent_at, expires_at, \
         grace_until, next_salt, next_refresh_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        refresh.presented.as_str(),
        session.id,
        now_text,
        to_text(session.refresh_expires_at),
        to_text(refresh.grace_until),
        refresh.next_salt,
        next.refresh_hash.as_str(),
    ])?;
    tx.prepare_cached(
        "UPDATE sessions SET access_hash = ?1, access_expires_at = ?2, refresh_hash = ?3, \
         refresh_expires_at = ?4 WHERE id = ?5",
    )?
    .execute(params![
        next.access_hash.as_str(),
        to_text(access_expires_at),
        next.refresh_hash.as_str(),
        to_text(next.refresh_expires_at.min(end)),
        session.id,
    ])?;
    Ok(RefreshOutcome::Rotated {
        user: Box::new(user),
        access_expires_at,
    })
}

/// A presented refresh token that is no session's current one: a retry within its grace,
/// a replay (someone kept a copy: revoke), or nothing known.
fn spent_refresh(
    tx: &Connection,
    refresh: &Refresh,
    trail: &Trail,
) -> StorageResult<RefreshOutcome> {
    let now = refresh.now;
    let Some(spent) = spent_token(tx, &refresh.presented, &to_text(now))? else {
        return Ok(RefreshOutcome::Unknown);
    };
    let session = session_where(tx, "id", &spent.session_id)?.ok_or_else(|| {
        StorageError::Corrupt(format!(
            "spent token of a missing session {}",
            spent.session_id
        ))
    })?;
    if session.revoked {
        return Ok(RefreshOutcome::Reused);
    }
    let user = session_owner(tx, &session)?;
    let in_grace = spent.grace_until.is_some_and(|until| now < until)
        && spent.next_refresh_hash.as_deref() == Some(session.refresh_hash.as_str());
    match spent.next_salt {
        Some(salt) if in_grace && user.disabled_at.is_none() => {
            if session_end(session.created_at, refresh.session_lifetime) <= now {
                return Ok(RefreshOutcome::Expired);
            }
            let access_expires_at: String = tx
                .prepare_cached("SELECT access_expires_at FROM sessions WHERE id = ?1")?
                .query_row([&session.id], |row| row.get(0))?;
            Ok(RefreshOutcome::Repeated {
                user: Box::new(user),
                salt,
                access_expires_at: parse_time(&access_expires_at)?,
            })
        }
        _ => {
            let id = parse_uuid(&session.id)?;
            revoke_session(tx, id, now)?;
            // Two parties held the session: the one event of a refresh worth recording.
            let trail = trail.clone().as_person(user.person(), Some(id));
            let detail = json!({"disabled_account": user.disabled_at.is_some()});
            audit::append(tx, trail.event(now, kinds::SESSION_REUSED, None, detail))?;
            Ok(RefreshOutcome::Reused)
        }
    }
}

pub(super) fn revoke_by_refresh(
    tx: &Connection,
    presented: &TokenHash,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let session_id = match session_where(tx, "refresh_hash", presented.as_str())? {
        Some(session) => session.id,
        None => match spent_token(tx, presented, &to_text(now))? {
            Some(spent) => spent.session_id,
            None => return Ok(false),
        },
    };
    sign_out(tx, parse_uuid(&session_id)?, now, trail)?;
    Ok(true)
}

/// Revokes a session its user ended, with a `sign_out` event when it was live. The event
/// names the session's owner when the trail names nobody (a sign-out by refresh token).
pub(super) fn sign_out(
    tx: &Connection,
    id: Uuid,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<()> {
    let revoked = tx.execute(
        "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        params![to_text(now), id.to_string()],
    )?;
    if revoked == 0 {
        return Ok(());
    }
    let trail = match (&trail.by, session_where(tx, "id", &id.to_string())?) {
        (None, Some(session)) => trail
            .clone()
            .as_person(session_owner(tx, &session)?.person(), Some(id)),
        _ => trail.clone(),
    };
    let mut event = trail.event(now, kinds::SIGN_OUT, None, json!({}));
    event.session = Some(id);
    audit::append(tx, event)?;
    Ok(())
}

pub(super) fn record_sign_in_failure(
    tx: &Connection,
    keys: &[String],
    at: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> StorageResult<()> {
    tx.prepare_cached(
        "DELETE FROM sign_in_failures WHERE rowid IN \
         (SELECT rowid FROM sign_in_failures WHERE failed_at < ?1 LIMIT 1000)",
    )?
    .execute([to_text(forget_before)])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO sign_in_failures (key_hash, failed_at) VALUES (?1, ?2)")?;
    let at = to_text(at);
    for key in keys {
        insert.execute(params![key, at])?;
    }
    Ok(())
}

pub(super) fn clear_sign_in_failures(tx: &Connection, key: &str) -> StorageResult<()> {
    tx.prepare_cached("DELETE FROM sign_in_failures WHERE key_hash = ?1")?
        .execute([key])?;
    Ok(())
}

pub(super) fn sign_in_failures(
    tx: &Connection,
    since: DateTime<Utc>,
    limit: usize,
) -> StorageResult<Vec<SignInFailure>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = tx.prepare_cached(
        "SELECT key_hash, failed_at FROM (SELECT key_hash, failed_at FROM sign_in_failures \
         WHERE failed_at >= ?1 ORDER BY failed_at DESC LIMIT ?2) ORDER BY failed_at",
    )?;
    let rows = stmt
        .query_map(params![to_text(since), limit], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(key, at)| {
            Ok(SignInFailure {
                key,
                at: parse_time(&at)?,
            })
        })
        .collect()
}

pub(super) fn revoke_session(tx: &Connection, id: Uuid, now: DateTime<Utc>) -> StorageResult<()> {
    tx.execute(
        "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        params![to_text(now), id.to_string()],
    )?;
    Ok(())
}

fn join_roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn unique_as_exists(e: rusqlite::Error, what: impl FnOnce() -> String) -> StorageError {
    if is_unique_violation(&e) {
        StorageError::AlreadyExists(what())
    } else {
        StorageError::Sqlite(e)
    }
}
