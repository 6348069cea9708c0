//! Channels, crisis mode and the two-factor policy in SQLite.

use super::audit;
use super::sequence::mark_directory_changed;
use super::{is_unique_violation, parse_time, parse_uuid};
use crate::clock::to_text;
use crate::storage::{StorageError, StorageResult};
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use countersign_audit::kinds;
use countersign_core::{
    Channel, ChannelId, CrisisChannels, CrisisState, Network, Person, Role, StepRule, TeamId,
};
use rusqlite::{Connection, params};
use serde_json::json;

pub(super) fn insert_channel(
    tx: &Connection,
    channel: &Channel,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO channels (id, name, network, account, team_id, policy_json, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            channel.id.to_string(),
            channel.name,
            channel.network.as_str(),
            channel.account,
            channel.team.to_string(),
            serde_json::to_string(&channel.policy)?,
            to_text(now),
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StorageError::AlreadyExists(format!(
                "a channel named {:?} or for {} on {}",
                channel.name,
                channel.account,
                channel.network.as_str()
            ))
        } else {
            StorageError::Sqlite(e)
        }
    })?;
    mark_directory_changed(tx)?;
    let detail = json!({"channel": channel});
    audit::append(tx, trail.event(now, kinds::CHANNEL_CREATED, None, detail))?;
    Ok(())
}

/// A channel by id, for the before of an event.
pub(super) fn channel(tx: &Connection, id: ChannelId) -> StorageResult<Option<Channel>> {
    Ok(channels(tx)?.into_iter().find(|c| c.id == id))
}

pub(super) fn channels(tx: &Connection) -> StorageResult<Vec<Channel>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, name, network, account, team_id, policy_json FROM channels ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, name, network, account, team, policy)| {
            Ok(Channel {
                id: ChannelId(parse_uuid(&id)?),
                name,
                network: Network::parse(&network)
                    .ok_or_else(|| StorageError::Corrupt(format!("unknown network {network:?}")))?,
                account,
                team: TeamId(parse_uuid(&team)?),
                policy: serde_json::from_str(&policy)?,
            })
        })
        .collect()
}

pub(super) fn set_channel_policy(
    tx: &Connection,
    id: ChannelId,
    policy: &[StepRule],
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let Some(before) = channel(tx, id)? else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE channels SET policy_json = ?1, updated_at = ?2 WHERE id = ?3",
        params![serde_json::to_string(policy)?, to_text(now), id.to_string()],
    )?;
    mark_directory_changed(tx)?;
    let detail = json!({
        "channel": {"id": before.id, "name": before.name},
        "before": before.policy,
        "after": policy,
    });
    audit::append(
        tx,
        trail.event(now, kinds::CHANNEL_POLICY_CHANGED, None, detail),
    )?;
    Ok(true)
}

pub(super) fn crisis(tx: &Connection) -> StorageResult<CrisisState> {
    let (scope, reason, since, by): (String, String, Option<String>, Option<String>) = tx
        .prepare_cached("SELECT scope, reason, since, declared_by_json FROM crisis WHERE id = 1")?
        .query_row([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    let channels = match scope.as_str() {
        "none" => CrisisChannels::None,
        "all" => CrisisChannels::All,
        "only" => {
            let mut stmt =
                tx.prepare_cached("SELECT channel_id FROM crisis_channels ORDER BY channel_id")?;
            let ids = stmt
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            CrisisChannels::Only(
                ids.iter()
                    .map(|id| Ok(ChannelId(parse_uuid(id)?)))
                    .collect::<StorageResult<Vec<_>>>()?,
            )
        }
        other => return Err(StorageError::Corrupt(format!("crisis scope {other:?}"))),
    };
    let declared_by: Option<Person> = by.map(|json| serde_json::from_str(&json)).transpose()?;
    Ok(CrisisState {
        channels,
        reason,
        since: since.as_deref().map(parse_time).transpose()?,
        declared_by,
    })
}

pub(super) fn write_crisis(tx: &Connection, state: &CrisisState) -> StorageResult<()> {
    let scope = match &state.channels {
        CrisisChannels::None => "none",
        CrisisChannels::All => "all",
        CrisisChannels::Only(_) => "only",
    };
    tx.execute(
        "UPDATE crisis SET scope = ?1, reason = ?2, since = ?3, declared_by_json = ?4 \
         WHERE id = 1",
        params![
            scope,
            state.reason,
            state.since.map(to_text),
            state
                .declared_by
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
        ],
    )?;
    tx.execute("DELETE FROM crisis_channels", [])?;
    if let CrisisChannels::Only(list) = &state.channels {
        let mut stmt = tx.prepare_cached("INSERT INTO crisis_channels (channel_id) VALUES (?1)")?;
        for id in list {
            stmt.execute([id.to_string()])?;
        }
    }
    Ok(())
}

pub(super) fn two_factor_roles(tx: &Connection) -> StorageResult<Vec<Role>> {
    let mut stmt = tx.prepare_cached("SELECT role FROM two_factor_roles ORDER BY role")?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    names
        .iter()
        .map(|r| Role::parse(r).ok_or_else(|| StorageError::Corrupt(format!("unknown role {r:?}"))))
        .collect()
}

pub(super) fn set_two_factor_roles(
    tx: &Connection,
    roles: &[Role],
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<()> {
    let before = two_factor_roles(tx)?;
    tx.execute("DELETE FROM two_factor_roles", [])?;
    let mut stmt = tx.prepare_cached("INSERT INTO two_factor_roles (role) VALUES (?1)")?;
    for role in roles {
        stmt.execute([role.as_str()])?;
    }
    let names = |roles: &[Role]| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    let detail = json!({"before": names(&before), "after": names(&two_factor_roles(tx)?)});
    audit::append(tx, trail.event(now, kinds::TWO_FACTOR_POLICY, None, detail))?;
    Ok(())
}
