//! Drafts, the change sequence, the changes feed and push batches in SQLite.

use super::{from_sql_int, parse_uuid, to_sql_int};
use crate::clock::to_text;
use crate::push::{self, Step};
use crate::storage::{
    ChangeRow, ChangesPage, ChangesRequest, DraftChange, DraftUpdate, PushBatch, Scope,
    StorageError, StorageResult,
};
use chrono::{DateTime, Utc};
use countersign_core::{ClientId, Draft, DraftId, DraftStatus, MutationId, MutationResult, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// The change sequence, read once per transaction and written back at its end.
struct ChangeSeq {
    last: u64,
    loaded: u64,
}

impl ChangeSeq {
    fn load(tx: &Connection) -> StorageResult<Self> {
        let last: i64 = tx
            .prepare_cached("SELECT last_seq FROM change_counter WHERE id = 1")?
            .query_row([], |row| row.get(0))?;
        let last = from_sql_int(last)?;
        Ok(Self { last, loaded: last })
    }

    fn next(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    fn store(&self, tx: &Connection) -> StorageResult<()> {
        if self.last != self.loaded {
            tx.prepare_cached("UPDATE change_counter SET last_seq = ?1 WHERE id = 1")?
                .execute([to_sql_int(self.last)?])?;
        }
        Ok(())
    }
}

pub(super) fn insert_drafts(tx: &Connection, drafts: &[Draft]) -> StorageResult<()> {
    let mut seq = ChangeSeq::load(tx)?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO drafts (id, team_id, author_id, status, version, change_seq, draft_json, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for draft in drafts {
        stmt.execute(params![
            draft.id.to_string(),
            draft.team.to_string(),
            draft.author.id.to_string(),
            draft.status.as_str(),
            to_sql_int(draft.version)?,
            to_sql_int(seq.next())?,
            serde_json::to_string(draft)?,
            to_text(draft.created_at),
            to_text(draft.updated_at),
        ])?;
    }
    seq.store(tx)
}

/// Stores a changed draft under change sequence number `seq`.
fn save_draft(tx: &Connection, draft: &Draft, seq: u64) -> StorageResult<()> {
    tx.prepare_cached(
        "UPDATE drafts SET team_id = ?1, status = ?2, version = ?3, change_seq = ?4, \
         draft_json = ?5, updated_at = ?6 WHERE id = ?7",
    )?
    .execute(params![
        draft.team.to_string(),
        draft.status.as_str(),
        to_sql_int(draft.version)?,
        to_sql_int(seq)?,
        serde_json::to_string(draft)?,
        to_text(draft.updated_at),
        draft.id.to_string(),
    ])?;
    Ok(())
}

pub(super) fn load_draft(tx: &Connection, id: DraftId) -> StorageResult<Option<Draft>> {
    let json: Option<String> = tx
        .prepare_cached("SELECT draft_json FROM drafts WHERE id = ?1")?
        .query_row([id.to_string()], |row| row.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

pub(super) fn update_draft(
    tx: &Connection,
    id: DraftId,
    change: DraftChange,
) -> StorageResult<DraftUpdate> {
    let Some(current) = load_draft(tx, id)? else {
        return Ok(DraftUpdate::NotFound);
    };
    match change(&current) {
        Ok(next) => {
            let mut seq = ChangeSeq::load(tx)?;
            save_draft(tx, &next, seq.next())?;
            seq.store(tx)?;
            Ok(DraftUpdate::Updated(Box::new(next)))
        }
        Err(refusal) => Ok(DraftUpdate::Refused {
            refusal,
            current: Box::new(current),
        }),
    }
}

/// Reads one page and the client's state from one snapshot. Returns the client's owner
/// (`None` when the client is new or absent) so the caller can register or refuse it.
pub(super) fn changes_page(
    tx: &Connection,
    request: &ChangesRequest,
) -> StorageResult<(ChangesPage, Option<UserId>)> {
    let (owner, last_mutation_id) = match request.client_id {
        Some(id) => match client(tx, id)? {
            Some((owner, last)) => (Some(owner), last),
            None => (None, MutationId(0)),
        },
        None => (None, MutationId(0)),
    };
    let empty = ChangesPage {
        rows: vec![],
        has_more: false,
        last_mutation_id,
    };
    if owner.is_some_and(|o| o != request.user_id) {
        return Ok((empty, owner));
    }
    let mut values = vec![
        Value::Integer(to_sql_int(request.after)?),
        Value::Integer(to_sql_int(request.limit as u64 + 1)?),
    ];
    let mut sql =
        String::from("SELECT change_seq, id, status, draft_json FROM drafts WHERE change_seq > ?1");
    match &request.scope {
        Scope::All => {}
        Scope::Teams(teams) if teams.is_empty() => return Ok((empty, owner)),
        Scope::Teams(teams) => {
            let placeholders: Vec<String> =
                (0..teams.len()).map(|i| format!("?{}", i + 3)).collect();
            sql.push_str(&format!(" AND team_id IN ({})", placeholders.join(", ")));
            values.extend(teams.iter().map(|t| Value::Text(t.to_string())));
        }
    }
    sql.push_str(" ORDER BY change_seq LIMIT ?2");
    let mut stmt = tx.prepare_cached(&sql)?;
    let raw = stmt
        .query_map(params_from_iter(values), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let has_more = raw.len() > request.limit;
    let rows = raw
        .into_iter()
        .take(request.limit)
        .map(|(seq, id, status, draft_json)| {
            Ok(ChangeRow {
                seq: from_sql_int(seq)?,
                draft_id: DraftId(parse_uuid(&id)?),
                removed: status == DraftStatus::Withdrawn.as_str(),
                draft_json,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok((
        ChangesPage {
            rows,
            has_more,
            last_mutation_id,
        },
        owner,
    ))
}

fn client(tx: &Connection, id: ClientId) -> StorageResult<Option<(UserId, MutationId)>> {
    let row = tx
        .prepare_cached("SELECT user_id, last_mutation_id FROM clients WHERE id = ?1")?
        .query_row([id.to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .optional()?;
    row.map(|(owner, last)| Ok((UserId(parse_uuid(&owner)?), MutationId(from_sql_int(last)?))))
        .transpose()
}

/// Registers the client to `user` if it is new; returns its last mutation id, or
/// [`StorageError::ClientTaken`] when it belongs to someone else.
pub(super) fn claim_client(
    tx: &Connection,
    id: ClientId,
    user: UserId,
    now: DateTime<Utc>,
) -> StorageResult<MutationId> {
    tx.prepare_cached(
        "INSERT INTO clients (id, user_id, last_mutation_id, created_at) VALUES (?1, ?2, 0, ?3) \
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id.to_string(), user.to_string(), to_text(now)])?;
    match client(tx, id)? {
        Some((owner, last)) if owner == user => Ok(last),
        Some(_) => Err(StorageError::ClientTaken(id)),
        None => Err(StorageError::Corrupt(format!("client {id} vanished"))),
    }
}

fn stored_result(
    tx: &Connection,
    client: ClientId,
    id: MutationId,
) -> StorageResult<Option<MutationResult>> {
    let json: Option<String> = tx
        .prepare_cached(
            "SELECT result_json FROM mutation_results WHERE client_id = ?1 AND mutation_id = ?2",
        )?
        .query_row(params![client.to_string(), to_sql_int(id.0)?], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

fn store_result(tx: &Connection, client: ClientId, result: &MutationResult) -> StorageResult<()> {
    tx.prepare_cached(
        "INSERT INTO mutation_results (client_id, mutation_id, result_json) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        client.to_string(),
        to_sql_int(result.mutation_id.0)?,
        serde_json::to_string(result)?,
    ])?;
    Ok(())
}

/// Applies a push batch; the caller's transaction makes it all-or-nothing.
pub(super) fn push(tx: &Connection, batch: &PushBatch) -> StorageResult<Vec<MutationResult>> {
    let client = batch.client_id;
    let first_last = claim_client(tx, client, batch.actor.person.id, batch.now)?;
    let mut last = first_last;
    let mut seq = ChangeSeq::load(tx)?;
    let mut results = Vec::with_capacity(batch.mutations.len());
    for mutation in &batch.mutations {
        let id = mutation.mutation_id;
        let result = match push::classify(last, id) {
            Step::Duplicate => match stored_result(tx, client, id)? {
                Some(first) => MutationResult::duplicate_of(&first),
                None => push::unrecorded_duplicate(id),
            },
            Step::Refuse(result) => result,
            Step::Apply => {
                let draft = load_draft(tx, mutation.kind.draft_id())?;
                let (result, next) =
                    push::evaluate(&batch.actor, mutation, draft.as_ref(), batch.now);
                if let Some(next) = next {
                    save_draft(tx, &next, seq.next())?;
                }
                store_result(tx, client, &result)?;
                last = id;
                result
            }
        };
        results.push(result);
    }
    if last != first_last {
        tx.prepare_cached("UPDATE clients SET last_mutation_id = ?1 WHERE id = ?2")?
            .execute(params![to_sql_int(last.0)?, client.to_string()])?;
    }
    seq.store(tx)?;
    Ok(results)
}
