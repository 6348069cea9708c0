//! Annotations kept whole, beside the drafts' bounded histories (see
//! [`Storage::annotation`](crate::storage::Storage::annotation)).

use super::{from_sql_int, to_sql_int};
use crate::storage::{StorageResult, StoredAnnotation};
use countersign_core::{Annotation, AnnotationId, Draft, DraftId, HistoryEvent};
use rusqlite::{Connection, OptionalExtension, params};

/// Keeps `annotation` (a repeat of one already kept changes nothing).
pub(super) fn keep(tx: &Connection, annotation: &Annotation) -> StorageResult<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO annotations (draft_id, id, annotation_json) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        annotation.draft_id.to_string(),
        annotation.id.to_string(),
        serde_json::to_string(annotation)?,
    ])?;
    Ok(())
}

/// Keeps every comment in the history of a draft being inserted.
pub(super) fn keep_history(tx: &Connection, draft: &Draft) -> StorageResult<()> {
    for entry in &draft.history {
        if let HistoryEvent::Annotated { annotation } = &entry.event {
            keep(tx, annotation)?;
        }
    }
    Ok(())
}

/// Marks accepted the suggestion an edit from `before` to `after` took (its `Edited` entry
/// is on `before`'s version), at `after`'s version, and returns which it was.
pub(super) fn mark_accepted(
    tx: &Connection,
    before: &Draft,
    after: &Draft,
) -> StorageResult<Option<AnnotationId>> {
    let accepted = after.history.iter().rev().find_map(|e| match &e.event {
        HistoryEvent::Edited {
            accepted_suggestion: Some(id),
            ..
        } if e.version == before.version && after.version > before.version => Some(*id),
        _ => None,
    });
    if let Some(id) = accepted {
        tx.prepare_cached(
            "UPDATE annotations SET accepted_version = ?1 \
             WHERE draft_id = ?2 AND id = ?3 AND accepted_version IS NULL",
        )?
        .execute(params![
            to_sql_int(after.version)?,
            after.id.to_string(),
            id.to_string(),
        ])?;
    }
    Ok(accepted)
}

/// The annotation `id` on `draft`.
pub(super) fn get(
    tx: &Connection,
    draft: DraftId,
    id: AnnotationId,
) -> StorageResult<Option<StoredAnnotation>> {
    let row: Option<(String, Option<i64>)> = tx
        .prepare_cached(
            "SELECT annotation_json, accepted_version FROM annotations \
             WHERE draft_id = ?1 AND id = ?2",
        )?
        .query_row(params![draft.to_string(), id.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((json, accepted)) = row else {
        return Ok(None);
    };
    Ok(Some(StoredAnnotation {
        annotation: serde_json::from_str(&json)?,
        accepted_version: accepted.map(from_sql_int).transpose()?,
    }))
}
