//! Webhooks and their delivery queue in SQLite (migration 8). Plain SQL a PostgreSQL
//! backend can run as it is; the one SQLite habit is timestamps as fixed-width text, which
//! compare as the times they are.

use super::{audit, from_sql_int, parse_time, parse_uuid, to_sql_int};
use crate::clock::{to_text, uuid_v7};
use crate::storage::{StorageError, StorageResult};
use crate::trail::{Trail, draft_ref};
use crate::webhooks::{
    Attempt, AttemptRecord, DRAFT_APPROVED, DRAFT_HELD, Delivery, DeliveryQuery, DeliveryStatus,
    DeliveryView, DueDelivery, Next, Webhook, held_payload, payload,
};
use chrono::{DateTime, Utc};
use countersign_audit::{DraftRef, Head, kinds};
use countersign_core::{ChannelId, Draft, Sensitive};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::json;
use uuid::Uuid;

const WEBHOOK_COLUMNS: &str = "id, url, channel_id, secret, created_at, removed_at";

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.draft_id, d.draft_version, \
     d.content_sha256, d.event, d.payload_json, d.created_at, d.next_attempt_at, d.attempts, \
     d.status, d.delivered_at, d.last_error";

pub(super) fn insert_webhook(
    tx: &Connection,
    webhook: &Webhook,
    trail: &Trail,
) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO webhooks (id, url, channel_id, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            webhook.id.to_string(),
            webhook.url,
            webhook.channel_id.map(|c| c.to_string()),
            webhook.secret.expose(),
            to_text(webhook.created_at),
        ],
    )?;
    audit::append(
        tx,
        trail.event(
            webhook.created_at,
            kinds::WEBHOOK_ADDED,
            None,
            json!({
                "webhook_id": webhook.id,
                "url": webhook.url,
                "channel_id": webhook.channel_id,
            }),
        ),
    )?;
    Ok(())
}

fn read_webhook(row: &Row<'_>) -> rusqlite::Result<[Option<String>; 6]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ])
}

fn webhook_from(raw: [Option<String>; 6]) -> StorageResult<Webhook> {
    let [id, url, channel, secret, created, removed] = raw;
    let required = |value: Option<String>| {
        value.ok_or_else(|| StorageError::Corrupt("a webhook lacks a required column".into()))
    };
    Ok(Webhook {
        id: parse_uuid(&required(id)?)?,
        url: required(url)?,
        channel_id: channel.map(|c| parse_uuid(&c).map(ChannelId)).transpose()?,
        secret: Sensitive::new(required(secret)?),
        created_at: parse_time(&required(created)?)?,
        removed_at: removed.map(|r| parse_time(&r)).transpose()?,
    })
}

pub(super) fn webhooks(tx: &Connection) -> StorageResult<Vec<Webhook>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id"
    ))?;
    let raw = stmt
        .query_map([], read_webhook)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter().map(webhook_from).collect()
}

pub(super) fn webhook(tx: &Connection, id: Uuid) -> StorageResult<Option<Webhook>> {
    let raw = tx
        .prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"
        ))?
        .query_row([id.to_string()], read_webhook)
        .optional()?;
    raw.map(webhook_from).transpose()
}

pub(super) fn remove_webhook(
    tx: &Connection,
    id: Uuid,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<bool> {
    let changed = tx
        .prepare_cached("UPDATE webhooks SET removed_at = ?1 WHERE id = ?2 AND removed_at IS NULL")?
        .execute(params![to_text(now), id.to_string()])?;
    if changed == 0 {
        return Ok(false);
    }
    // Nothing will ever deliver them now (the deliverer skips removed webhooks): left
    // pending they would wait for ever and read as "still to come" in every listing.
    let cancelled = tx
        .prepare_cached(
            "UPDATE webhook_deliveries SET status = 'failed', \
             last_error = 'the webhook was removed before this was delivered' \
             WHERE webhook_id = ?1 AND status = 'pending'",
        )?
        .execute([id.to_string()])?;
    audit::append(
        tx,
        trail.event(
            now,
            kinds::WEBHOOK_REMOVED,
            None,
            json!({ "webhook_id": id, "pending_deliveries_failed": cancelled }),
        ),
    )?;
    Ok(true)
}

/// Enqueues the `draft.approved` delivery of `draft`, just approved at `now` by the
/// decision (or the writing) whose audit event left the log at `head`, to every live
/// webhook covering its channel. Called inside that change's transaction: the approval and
/// its deliveries commit together. Returns how many were enqueued.
pub(super) fn enqueue_approved(
    tx: &Connection,
    draft: &Draft,
    head: &Head,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    enqueue(tx, draft, DRAFT_APPROVED, now, |id| {
        payload(id, draft, now, head)
    })
}

/// Enqueues the `draft.held` delivery of `draft`, held back by crisis mode (`reason`) at
/// `now`, inside the transaction that turned crisis mode on.
pub(super) fn enqueue_held(
    tx: &Connection,
    draft: &Draft,
    reason: &str,
    head: &Head,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    enqueue(tx, draft, DRAFT_HELD, now, |id| {
        held_payload(id, draft, now, reason, head)
    })
}

/// One delivery of `event` per live webhook covering `draft`'s channel, each with the body
/// `body` makes for its delivery id, due at once.
fn enqueue(
    tx: &Connection,
    draft: &Draft,
    event: &str,
    now: DateTime<Utc>,
    body: impl Fn(Uuid) -> serde_json::Value,
) -> StorageResult<usize> {
    let targets: Vec<String> = tx
        .prepare_cached(
            "SELECT id FROM webhooks WHERE removed_at IS NULL \
             AND (channel_id IS NULL OR channel_id = ?1) ORDER BY created_at, id",
        )?
        .query_map([draft.channel_id.map(|c| c.to_string())], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let reference = draft_ref(draft);
    for webhook in &targets {
        let id = uuid_v7(now);
        let body = serde_json::to_string(&body(id))?;
        tx.prepare_cached(
            "INSERT INTO webhook_deliveries (id, webhook_id, draft_id, draft_version, \
             content_sha256, event, payload_json, created_at, next_attempt_at, attempts, status) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 0, 'pending')",
        )?
        .execute(params![
            id.to_string(),
            webhook,
            draft.id.to_string(),
            to_sql_int(draft.version)?,
            reference.content_sha256,
            event,
            body,
            to_text(now),
        ])?;
    }
    Ok(targets.len())
}

fn read_delivery(row: &Row<'_>) -> rusqlite::Result<RawDelivery> {
    Ok(RawDelivery {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        draft_id: row.get(2)?,
        draft_version: row.get(3)?,
        content_sha256: row.get(4)?,
        event: row.get(5)?,
        payload_json: row.get(6)?,
        created_at: row.get(7)?,
        next_attempt_at: row.get(8)?,
        attempts: row.get(9)?,
        status: row.get(10)?,
        delivered_at: row.get(11)?,
        last_error: row.get(12)?,
    })
}

/// A delivery row as SQLite hands it over, before the checks of [`RawDelivery::parse`].
struct RawDelivery {
    id: String,
    webhook_id: String,
    draft_id: String,
    draft_version: i64,
    content_sha256: String,
    event: String,
    payload_json: String,
    created_at: String,
    next_attempt_at: String,
    attempts: i64,
    status: String,
    delivered_at: Option<String>,
    last_error: Option<String>,
}

impl RawDelivery {
    fn parse(self) -> StorageResult<Delivery> {
        Ok(Delivery {
            id: parse_uuid(&self.id)?,
            webhook_id: parse_uuid(&self.webhook_id)?,
            draft: DraftRef {
                id: parse_uuid(&self.draft_id)?,
                version: from_sql_int(self.draft_version)?,
                content_sha256: self.content_sha256,
            },
            event: self.event,
            payload_json: self.payload_json,
            created_at: parse_time(&self.created_at)?,
            next_attempt_at: parse_time(&self.next_attempt_at)?,
            attempts: u32::try_from(self.attempts)
                .map_err(|_| StorageError::Corrupt(format!("{} attempts", self.attempts)))?,
            status: DeliveryStatus::parse(&self.status).ok_or_else(|| {
                StorageError::Corrupt(format!("delivery status {:?}", self.status))
            })?,
            delivered_at: self.delivered_at.map(|t| parse_time(&t)).transpose()?,
            last_error: self.last_error,
        })
    }
}

pub(super) fn due_deliveries(
    tx: &Connection,
    now: DateTime<Utc>,
    limit: usize,
) -> StorageResult<Vec<DueDelivery>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS}, w.url, w.secret FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND w.removed_at IS NULL \
         ORDER BY d.next_attempt_at, d.id LIMIT ?2"
    ))?;
    let raw = stmt
        .query_map(
            params![to_text(now), i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| {
                Ok((
                    read_delivery(row)?,
                    row.get::<_, String>(13)?,
                    row.get::<_, String>(14)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(delivery, url, secret)| {
            Ok(DueDelivery {
                delivery: delivery.parse()?,
                url,
                secret: Sensitive::new(secret),
            })
        })
        .collect()
}

pub(super) fn next_delivery_at(tx: &Connection) -> StorageResult<Option<DateTime<Utc>>> {
    let next: Option<String> = tx
        .prepare_cached(
            "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND w.removed_at IS NULL",
        )?
        .query_row([], |row| row.get(0))?;
    next.map(|t| parse_time(&t)).transpose()
}

pub(super) fn record_attempt(tx: &Connection, record: &AttemptRecord) -> StorageResult<()> {
    let AttemptRecord {
        delivery,
        attempt,
        next,
    } = record;
    tx.prepare_cached(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        delivery.id.to_string(),
        attempt.attempt,
        to_text(attempt.at),
        attempt.status_code,
        attempt.error,
        to_sql_int(attempt.duration_ms)?,
    ])?;
    let (status, next_at, delivered_at) = match next {
        Next::Delivered => (DeliveryStatus::Delivered, attempt.at, Some(attempt.at)),
        Next::RetryAt(at) => (DeliveryStatus::Pending, *at, None),
        Next::Failed => (DeliveryStatus::Failed, attempt.at, None),
    };
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET attempts = ?1, status = ?2, next_attempt_at = ?3, \
         delivered_at = ?4, last_error = ?5 WHERE id = ?6",
    )?
    .execute(params![
        attempt.attempt,
        status.as_str(),
        to_text(next_at),
        delivered_at.map(to_text),
        attempt.error,
        delivery.id.to_string(),
    ])?;
    audit::append(
        tx,
        Trail::server().event(
            attempt.at,
            kinds::WEBHOOK_ATTEMPT,
            Some(delivery.draft.clone()),
            json!({
                "delivery_id": delivery.id,
                "webhook_id": delivery.webhook_id,
                "event": delivery.event,
                "attempt": attempt.attempt,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
                "outcome": status.as_str(),
            }),
        ),
    )?;
    Ok(())
}

pub(super) fn deliveries(
    tx: &Connection,
    query: &DeliveryQuery,
) -> StorageResult<Vec<DeliveryView>> {
    let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE 1 = 1");
    let mut values = Vec::new();
    if let Some(webhook) = query.webhook {
        values.push(Value::Text(webhook.to_string()));
        sql.push_str(&format!(" AND d.webhook_id = ?{}", values.len()));
    }
    if let Some(status) = query.status {
        values.push(Value::Text(status.as_str().to_owned()));
        sql.push_str(&format!(" AND d.status = ?{}", values.len()));
    }
    values.push(Value::Integer(
        i64::try_from(query.limit).unwrap_or(i64::MAX),
    ));
    sql.push_str(&format!(
        " ORDER BY d.created_at DESC, d.id DESC LIMIT ?{}",
        values.len()
    ));
    let raw = tx
        .prepare(&sql)?
        .query_map(params_from_iter(values), read_delivery)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut attempts = tx.prepare_cached(
        "SELECT attempt, at, status_code, error, duration_ms FROM webhook_attempts \
         WHERE delivery_id = ?1 ORDER BY attempt",
    )?;
    raw.into_iter()
        .map(|raw| {
            let delivery = raw.parse()?;
            let log = attempts
                .query_map([delivery.id.to_string()], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<i64>>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .map(|(attempt, at, status_code, error, duration_ms)| {
                    let corrupt = |what: &str| StorageError::Corrupt(format!("attempt {what}"));
                    Ok(Attempt {
                        attempt: u32::try_from(attempt).map_err(|_| corrupt("number"))?,
                        at: parse_time(&at)?,
                        status_code: status_code
                            .map(|c| u16::try_from(c).map_err(|_| corrupt("status")))
                            .transpose()?,
                        error,
                        duration_ms: from_sql_int(duration_ms)?,
                    })
                })
                .collect::<StorageResult<Vec<_>>>()?;
            Ok(DeliveryView {
                delivery,
                attempt_log: log,
            })
        })
        .collect()
}
