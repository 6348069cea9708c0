//! Policy packs, channel routing and pre-approved replies in SQLite.

use super::audit;
use super::sequence::mark_directory_changed;
use super::{is_unique_violation, parse_time, parse_uuid};
use crate::clock::to_text;
use crate::storage::{StorageError, StorageResult, StoredPack};
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use countersign_audit::{content_sha256, kinds};
use countersign_core::channel::Routing;
use countersign_core::wire::Reply;
use countersign_core::{ChannelId, Person};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

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
    trail: &Trail,
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
    let version = u64::try_from(next)
        .map_err(|_| StorageError::Corrupt(format!("policy pack version {next}")))?;
    // The TOML itself is kept in policy_packs; its hash here ties the event to that text.
    let detail = json!({"version": version, "sha256": content_sha256(source)});
    audit::append(tx, trail.event(now, kinds::POLICY_PACK_SET, None, detail))?;
    Ok(version)
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
    trail: &Trail,
) -> StorageResult<bool> {
    let before: Option<(String, String)> = tx
        .prepare_cached("SELECT name, routing_json FROM channels WHERE id = ?1")?
        .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((name, before)) = before else {
        return Ok(false);
    };
    let before: Routing = serde_json::from_str(&before)?;
    tx.execute(
        "UPDATE channels SET routing_json = ?1, updated_at = ?2 WHERE id = ?3",
        params![
            serde_json::to_string(routing)?,
            to_text(now),
            id.to_string()
        ],
    )?;
    mark_directory_changed(tx)?;
    let detail = json!({
        "channel": {"id": id, "name": name},
        "before": before,
        "after": routing,
    });
    audit::append(
        tx,
        trail.event(now, kinds::CHANNEL_ROUTING_CHANGED, None, detail),
    )?;
    Ok(true)
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

pub(super) fn add_reply(tx: &Connection, reply: &Reply, trail: &Trail) -> StorageResult<()> {
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
    // A pre-approved reply is text the organisation signed off: the record keeps it.
    let detail = json!({"reply": {"id": reply.id, "name": reply.name, "text": reply.text}});
    audit::append(
        tx,
        trail.event(reply.created_at, kinds::REPLY_ADDED, None, detail),
    )?;
    Ok(())
}

pub(super) fn remove_reply(
    tx: &Connection,
    name: &str,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let id: Option<String> = tx
        .prepare_cached("SELECT id FROM replies WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()?;
    let Some(id) = id else {
        return Ok(false);
    };
    tx.execute("DELETE FROM replies WHERE id = ?1", params![id])?;
    let detail = json!({"reply": {"id": id, "name": name}});
    audit::append(tx, trail.event(now, kinds::REPLY_REMOVED, None, detail))?;
    Ok(true)
}
