//! The audit log in SQLite: [`append`] is the one writer, called inside the transaction of
//! the change it records, so the change and its event commit together or not at all.

use super::{from_sql_int, parse_time, parse_uuid, to_sql_int};
use crate::clock::to_text;
use crate::storage::{AuditQuery, StorageError, StorageResult};
use countersign_audit::{ActorRef, DraftRef, Event, GENESIS, Head, NewEvent, Via};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// Links `event` after the last one and stores it; returns where the log now stands.
///
/// The position and previous hash are read inside the caller's transaction, which holds the
/// database's one write lock (`BEGIN IMMEDIATE`), so two writers can never take the same
/// position and the chain order is the commit order.
pub(crate) fn append(tx: &Connection, event: NewEvent) -> StorageResult<Head> {
    let (position, prev_hash) = match head(tx)? {
        Some(head) => (head.position + 1, head.hash),
        None => (1, GENESIS.to_owned()),
    };
    let event = event.link(position, prev_hash);
    tx.prepare_cached(
        "INSERT INTO audit_events (position, at, kind, actor_id, actor_username, via, \
         session_id, draft_id, draft_version, content_sha256, detail_json, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        to_sql_int(event.position)?,
        to_text(event.at),
        event.kind,
        event.actor.as_ref().map(|a| a.id.to_string()),
        event.actor.as_ref().map(|a| a.username.as_str()),
        event.via.as_str(),
        event.session.map(|s| s.to_string()),
        event.draft.as_ref().map(|d| d.id.to_string()),
        event
            .draft
            .as_ref()
            .map(|d| to_sql_int(d.version))
            .transpose()?,
        event.draft.as_ref().map(|d| d.content_sha256.as_str()),
        serde_json::to_string(&event.detail)?,
        event.prev_hash,
        event.hash,
    ])?;
    Ok(event.head())
}

/// Where the log stands: its last event, `None` while it is empty.
pub(crate) fn head(tx: &Connection) -> StorageResult<Option<Head>> {
    let row: Option<(i64, String)> = tx
        .prepare_cached("SELECT position, hash FROM audit_events ORDER BY position DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(position, hash)| {
        Ok(Head {
            position: from_sql_int(position)?,
            hash,
        })
    })
    .transpose()
}

/// The events after `query.after` (within its times), in position order, at most
/// `query.limit`. Rows are read as they are stored — an edited row comes back edited, for
/// the verifier to find.
pub(crate) fn events(tx: &Connection, query: &AuditQuery) -> StorageResult<Vec<Event>> {
    let mut sql = "SELECT position, at, kind, actor_id, actor_username, via, session_id, \
                   draft_id, draft_version, content_sha256, detail_json, prev_hash, hash \
                   FROM audit_events WHERE position > ?1"
        .to_owned();
    let mut values = vec![Value::Integer(to_sql_int(query.after)?)];
    // Stored times have one fixed width, so comparing the text compares the times.
    if let Some(from) = query.from {
        values.push(Value::Text(to_text(from)));
        sql.push_str(&format!(" AND at >= ?{}", values.len()));
    }
    if let Some(to) = query.to {
        values.push(Value::Text(to_text(to)));
        sql.push_str(&format!(" AND at < ?{}", values.len()));
    }
    values.push(Value::Integer(
        i64::try_from(query.limit).unwrap_or(i64::MAX),
    ));
    sql.push_str(&format!(" ORDER BY position LIMIT ?{}", values.len()));
    let mut stmt = tx.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values), EventRow::read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// An `audit_events` row before its text is parsed.
struct EventRow {
    position: i64,
    at: String,
    kind: String,
    actor_id: Option<String>,
    actor_username: Option<String>,
    via: String,
    session_id: Option<String>,
    draft_id: Option<String>,
    draft_version: Option<i64>,
    content_sha256: Option<String>,
    detail_json: String,
    prev_hash: String,
    hash: String,
}

impl EventRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            position: row.get(0)?,
            at: row.get(1)?,
            kind: row.get(2)?,
            actor_id: row.get(3)?,
            actor_username: row.get(4)?,
            via: row.get(5)?,
            session_id: row.get(6)?,
            draft_id: row.get(7)?,
            draft_version: row.get(8)?,
            content_sha256: row.get(9)?,
            detail_json: row.get(10)?,
            prev_hash: row.get(11)?,
            hash: row.get(12)?,
        })
    }

    fn into_event(self) -> StorageResult<Event> {
        let position = from_sql_int(self.position)?;
        let corrupt = |what: &str| StorageError::Corrupt(format!("audit event {position}: {what}"));
        let actor = match (self.actor_id, self.actor_username) {
            (Some(id), Some(username)) => Some(ActorRef {
                id: parse_uuid(&id)?,
                username,
            }),
            (None, None) => None,
            _ => {
                return Err(corrupt(
                    "an actor id without a name, or a name without an id",
                ));
            }
        };
        let draft = match (self.draft_id, self.draft_version, self.content_sha256) {
            (Some(id), Some(version), Some(content_sha256)) => Some(DraftRef {
                id: parse_uuid(&id)?,
                version: from_sql_int(version)?,
                content_sha256,
            }),
            (None, None, None) => None,
            _ => return Err(corrupt("a draft reference with a part missing")),
        };
        Ok(Event {
            position,
            at: parse_time(&self.at)?,
            via: Via::parse(&self.via).ok_or_else(|| corrupt(&format!("via {:?}", self.via)))?,
            kind: self.kind,
            actor,
            session: self.session_id.as_deref().map(parse_uuid).transpose()?,
            draft,
            detail: serde_json::from_str(&self.detail_json)?,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::Storage;
    use crate::storage::sqlite::SqliteStorage;
    use countersign_audit::{NewEvent, Via, kinds};

    /// The triggers refuse any UPDATE or DELETE of an event, from any connection: only the
    /// hash chain has to catch someone who edits the file with another tool.
    #[tokio::test]
    async fn the_table_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("countersign.db");
        let storage = SqliteStorage::open(&path).unwrap();
        let event = NewEvent::new(crate::fixtures::t0(), kinds::AUDIT_EXPORTED, Via::Cli);
        let heads = storage.record(vec![event]).await.unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in [
            "UPDATE audit_events SET kind = 'nothing' WHERE position = 1",
            "UPDATE audit_events SET detail_json = '{}'",
            "DELETE FROM audit_events WHERE position = 1",
            "DELETE FROM audit_events",
        ] {
            let refused = conn.execute(sql, []).unwrap_err();
            assert!(
                refused.to_string().contains("the audit log is append-only"),
                "{sql}: {refused}"
            );
        }
        assert_eq!(storage.audit_head().await.unwrap(), heads.last().cloned());
        let stored = storage
            .audit_events(crate::storage::AuditQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].kind, kinds::AUDIT_EXPORTED, "unchanged");
    }
}
