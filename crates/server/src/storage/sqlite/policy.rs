//! Policy packs, channel routing and pre-approved replies in SQLite.

use super::sequence::mark_directory_changed;
use super::{is_unique_violation, parse_time, parse_uuid};
use crate::clock::to_text;
use crate::storage::{StorageError, StorageResult, StoredPack};
use chrono::{DateTime, Utc};
use countersign_core::channel::Routing;
use countersign_core::wire::Reply;
use countersign_core::{ChannelId, Person};
use rusqlite::{Connection, OptionalExtension, params};

pub(super) fn policy_pack(tx: &Connection) -> StorageResult<Option<StoredPack>> {
    let row: Option<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT version, source, set_by_json, set_at FROM policy_packs \
             ORDER BY version DESC LIMIT 1",
        )?
        .query_row([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    row.map(|(version, source, by, at)| {
        Ok(StoredPack {
            version: u64::try_from(version)
                .map_err(|_| StorageError::Corrupt(format!("policy pack version {version}")))?,
            source,
            set_by: serde_json::from_str(&by)?,
            set_at: parse_time(&at)?,
        })
    })
    .transpose()
}

/// The version the new pack got.
pub(super) fn set_policy_pack(
    tx: &Connection,
    source: &str,
    by: &Person,
    now: DateTime<Utc>,
) -> StorageResult<u64> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM policy_packs",
        [],
        |row| row.get(0),
    )?;
    tx.execute(
        "INSERT INTO policy_packs (version, source, set_by_json, set_at) VALUES (?1, ?2, ?3, ?4)",
        params![next, source, serde_json::to_string(by)?, to_text(now)],
    )?;
    // Desktops learn of the new pack from the directory's policy version.
    mark_directory_changed(tx)?;
    u64::try_from(next).map_err(|_| StorageError::Corrupt(format!("policy pack version {next}")))
}

/// The version of the pack in force, 0 for none (the built-in pack alone).
pub(super) fn policy_version(tx: &Connection) -> StorageResult<u64> {
    let version: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM policy_packs")?
        .query_row([], |row| row.get(0))?;
    u64::try_from(version).map_err(|_| StorageError::Corrupt(format!("policy version {version}")))
}

pub(super) fn routings(tx: &Connection) -> StorageResult<Vec<(ChannelId, Routing)>> {
    let mut stmt = tx.prepare_cached("SELECT id, routing_json FROM channels ORDER BY name")?;
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, json)| Ok((ChannelId(parse_uuid(&id)?), serde_json::from_str(&json)?)))
        .collect()
}

pub(super) fn set_channel_routing(
    tx: &Connection,
    id: ChannelId,
    routing: &Routing,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let changed = tx.execute(
        "UPDATE channels SET routing_json = ?1, updated_at = ?2 WHERE id = ?3",
        params![
            serde_json::to_string(routing)?,
            to_text(now),
            id.to_string()
        ],
    )?;
    if changed > 0 {
        mark_directory_changed(tx)?;
    }
    Ok(changed > 0)
}

pub(super) fn replies(tx: &Connection) -> StorageResult<Vec<Reply>> {
    let mut stmt =
        tx.prepare_cached("SELECT id, name, text, created_at FROM replies ORDER BY name")?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, name, text, at)| {
            Ok(Reply {
                id: parse_uuid(&id)?,
                name,
                text,
                created_at: parse_time(&at)?,
            })
        })
        .collect()
}

pub(super) fn add_reply(tx: &Connection, reply: &Reply) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO replies (id, name, text, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            reply.id.to_string(),
            reply.name,
            reply.text,
            to_text(reply.created_at)
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StorageError::AlreadyExists(format!("a reply named {:?}", reply.name))
        } else {
            StorageError::Sqlite(e)
        }
    })?;
    Ok(())
}

pub(super) fn remove_reply(tx: &Connection, name: &str) -> StorageResult<bool> {
    Ok(tx.execute("DELETE FROM replies WHERE name = ?1", params![name])? > 0)
}
