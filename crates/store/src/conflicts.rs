//! Mutations the server refused, kept until the reviewer has seen them.

use crate::columns;
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::{ConflictReason, Draft, MutationId, MutationKind, MutationStatus};

/// A mutation that can never apply, with what the reviewer needs to understand why: the
/// draft as they saw it and the draft as it is now.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Conflict {
    /// The refused mutation's id.
    pub mutation_id: MutationId,
    /// The mutation itself.
    pub mutation: MutationKind,
    /// What happened, looking through duplicates: `conflict`, `forbidden` or `invalid`.
    pub status: MutationStatus,
    /// For a conflict: why.
    pub reason: Option<ConflictReason>,
    /// For forbidden or invalid: the server's sentence for the reviewer.
    pub message: Option<String>,
    /// The draft as the reviewer saw it when deciding; `None` if it was not cached then.
    pub decided_on: Option<Draft>,
    /// The draft as the server has it now, when the server sent it.
    pub current: Option<Draft>,
    /// When the refusal was recorded here.
    pub at: DateTime<Utc>,
}

impl Cache {
    /// Every conflict not yet dismissed, oldest mutation first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation_id, mutation, status, reason, message, decided_on, current, at
             FROM conflicts ORDER BY mutation_id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(Conflict {
                mutation_id: MutationId(row.get(0)?),
                mutation: columns::json(row, 1)?,
                status: columns::named(row, 2, parse_status)?,
                reason: columns::opt_named(row, 3, ConflictReason::parse)?,
                message: row.get(4)?,
                decided_on: columns::opt_json(row, 5)?,
                current: columns::opt_json(row, 6)?,
                at: columns::time(row, 7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many conflicts wait for the reviewer.
    pub fn conflict_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM conflicts")?
            .query_row([], |row| row.get(0))?)
    }

    /// Forgets a conflict the reviewer has seen. Dismissing one that is not there succeeds.
    pub fn dismiss_conflict(&mut self, mutation_id: MutationId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM conflicts WHERE mutation_id = ?1")?
            .execute([mutation_id.0])?;
        Ok(())
    }
}

fn parse_status(text: &str) -> Option<MutationStatus> {
    [
        MutationStatus::Applied,
        MutationStatus::Duplicate,
        MutationStatus::Conflict,
        MutationStatus::Forbidden,
        MutationStatus::Invalid,
    ]
    .into_iter()
    .find(|status| status.as_str() == text)
}
