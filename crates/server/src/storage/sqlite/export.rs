//! Reading drafts a page at a time, and the webhook deliveries that handed them to
//! publishing, for the drafts export (`crate::export`).

use super::{from_sql_int, parse_time, parse_uuid};
use crate::clock::to_text;
use crate::export::Handoff;
use crate::storage::{DraftsPage, StorageError, StorageResult};
use crate::webhooks::DeliveryStatus;
use countersign_core::{Draft, DraftId};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// The drafts of `page`, in id order. The filters are columns of the `drafts` table (its
/// timestamps are stored in `clock::to_text`'s fixed-width form, so text order is time
/// order); the walk is along the primary key, so each page starts where the last ended.
pub(super) fn drafts_page(tx: &Connection, page: &DraftsPage) -> StorageResult<Vec<Draft>> {
    let mut sql = String::from("SELECT draft_json FROM drafts WHERE 1 = 1");
    let mut args: Vec<Value> = vec![];
    let mut filter = |clause: &str, value: Value| {
        args.push(value);
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    if let Some(after) = page.after {
        filter("id >", Value::Text(after.to_string()));
    }
    if let Some(from) = page.created_from {
        filter("created_at >=", Value::Text(to_text(from)));
    }
    if let Some(before) = page.created_before {
        filter("created_at <", Value::Text(to_text(before)));
    }
    if let Some(team) = page.team {
        filter("team_id =", Value::Text(team.to_string()));
    }
    if let Some(channel) = page.channel {
        filter("channel_id =", Value::Text(channel.to_string()));
    }
    if let Some(status) = page.status {
        filter("status =", Value::Text(status.as_str().to_owned()));
    }
    let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
    args.push(Value::Integer(limit));
    sql.push_str(&format!(" ORDER BY id LIMIT ?{}", args.len()));
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter()
        .map(|json| Ok(serde_json::from_str(json)?))
        .collect()
}

/// The deliveries of `drafts`, by draft and then oldest first (the index on `draft_id`
/// keeps this one lookup per draft, not a scan of the queue).
pub(super) fn handoffs(tx: &Connection, drafts: &[DraftId]) -> StorageResult<Vec<Handoff>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, webhook_id, draft_version, content_sha256, created_at, status, attempts, \
         delivered_at FROM webhook_deliveries WHERE draft_id = ?1 ORDER BY created_at, id",
    )?;
    let mut out = vec![];
    for draft in drafts {
        let rows = stmt.query_map([draft.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, Option<String>>(7)?,
            ))
        })?;
        for row in rows {
            let (id, webhook, version, sha, created, status, attempts, delivered) = row?;
            out.push(Handoff {
                delivery_id: parse_uuid(&id)?,
                webhook_id: parse_uuid(&webhook)?,
                draft_id: *draft,
                version: from_sql_int(version)?,
                content_sha256: sha,
                enqueued_at: parse_time(&created)?,
                status: DeliveryStatus::parse(&status).ok_or_else(|| {
                    StorageError::Corrupt(format!("unknown delivery status {status:?}"))
                })?,
                attempts: from_sql_int(attempts)?,
                delivered_at: delivered.as_deref().map(parse_time).transpose()?,
            });
        }
    }
    Ok(out)
}
