//! The outbox: mutations made here, waiting to be pushed or to be seen in a pull.
//!
//! A row is *unanswered* until the server says what happened to it. An answer that took
//! effect marks it *answered*; the row then stays (so the queue keeps showing the local
//! decision) until a pull whose `last_mutation_id` covers it drops it. An answer that was a
//! refusal moves the row to the conflicts at once.

use crate::columns::{self, micros};
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::{Mutation, MutationId, MutationKind, MutationResult, MutationStatus};
use rusqlite::{OptionalExtension, params};

/// What one [`Cache::record_results`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordedResults {
    /// Rows marked answered: the mutation took effect on the server.
    pub answered: usize,
    /// Rows moved to the conflicts: the server refused the mutation.
    pub conflicts: usize,
    /// Results for mutation ids the outbox does not hold (already dropped or moved).
    pub ignored: usize,
}

impl Cache {
    /// Adds a mutation to the outbox and returns its id. The row is committed and fsync'd
    /// before this returns, so the UI may show the decision as done.
    ///
    /// The cached draft is copied next to it as the version the reviewer decided on, so a
    /// later conflict can show that text beside the current one. Ids count up from 1 per
    /// cache and are never reused, even after rows are deleted.
    pub fn enqueue(
        &mut self,
        kind: &MutationKind,
        now: DateTime<Utc>,
    ) -> Result<MutationId, StoreError> {
        let mutation = serde_json::to_string(kind)?;
        let verdict = match kind {
            MutationKind::Decide { decision } => Some(decision.verdict.as_str()),
            MutationKind::Annotate { .. } => None,
        };
        let tx = self.conn.transaction()?;
        let id: u64 = tx
            .prepare_cached(
                "INSERT INTO outbox (draft_id, verdict, mutation, decided_on, created_at)
                 VALUES (?1, ?2, ?3, (SELECT draft FROM drafts WHERE id = ?1), ?4)
                 RETURNING mutation_id",
            )?
            .query_row(
                params![kind.draft_id().to_string(), verdict, mutation, micros(now)],
                |row| row.get(0),
            )?;
        tx.commit()?;
        Ok(MutationId(id))
    }

    /// Up to `limit` mutations whose result is not known yet, oldest first: what the next
    /// push sends.
    pub fn unanswered(&self, limit: usize) -> Result<Vec<Mutation>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation_id, mutation FROM outbox
             WHERE answered_at IS NULL ORDER BY mutation_id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |row| {
            Ok(Mutation {
                mutation_id: MutationId(row.get(0)?),
                kind: columns::json(row, 1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many rows the outbox holds: mutations whose result is unknown, plus those known
    /// to have taken effect that no pull has confirmed yet. Zero means everything decided
    /// here is reflected in the cached drafts.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox")?
            .query_row([], |row| row.get(0))?)
    }

    /// How many outbox rows still wait for the server's answer.
    pub fn unanswered_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE answered_at IS NULL")?
            .query_row([], |row| row.get(0))?)
    }

    /// Records the server's answers to a push, in one transaction.
    ///
    /// - Took effect (`applied`, or a `duplicate` whose first result was `applied`): the row
    ///   is marked answered and stays until a pull drops it. A `duplicate` that does not
    ///   say what happened the first time is treated the same way: the server has processed
    ///   the mutation, and pushing it again would teach nothing more.
    /// - Refused (`conflict`, `forbidden`, `invalid`, or a duplicate of one of those): a
    ///   [`Conflict`](crate::Conflict) is recorded with the draft the reviewer decided on
    ///   and `result.draft` as the current one, and the row leaves the outbox — a refusal
    ///   never blocks the mutations behind it.
    /// - A result for a mutation id the outbox does not hold is ignored.
    ///
    /// The cached drafts are not touched: they change only through pulls.
    pub fn record_results(
        &mut self,
        results: &[MutationResult],
        now: DateTime<Utc>,
    ) -> Result<RecordedResults, StoreError> {
        let tx = self.conn.transaction()?;
        let mut recorded = RecordedResults::default();
        {
            let mut exists =
                tx.prepare_cached("SELECT 1 FROM outbox WHERE mutation_id = ?1")?;
            let mut answer =
                tx.prepare_cached("UPDATE outbox SET answered_at = ?2 WHERE mutation_id = ?1")?;
            let mut refuse = tx.prepare_cached(
                "INSERT INTO conflicts (mutation_id, draft_id, mutation, status, reason,
                                        message, decided_on, current, at)
                 SELECT mutation_id, draft_id, mutation, ?2, ?3, ?4, decided_on, ?5, ?6
                 FROM outbox WHERE mutation_id = ?1",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1")?;
            for result in results {
                let id = result.mutation_id.0;
                let known = exists
                    .query_row([id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !known {
                    recorded.ignored += 1;
                    continue;
                }
                match result.effective_status() {
                    MutationStatus::Applied | MutationStatus::Duplicate => {
                        answer.execute(params![id, micros(now)])?;
                        recorded.answered += 1;
                    }
                    status @ (MutationStatus::Conflict
                    | MutationStatus::Forbidden
                    | MutationStatus::Invalid) => {
                        let current = result
                            .draft
                            .as_deref()
                            .map(serde_json::to_string)
                            .transpose()?;
                        refuse.execute(params![
                            id,
                            status.as_str(),
                            result.reason.map(|r| r.as_str()),
                            result.message,
                            current,
                            micros(now),
                        ])?;
                        delete.execute([id])?;
                        recorded.conflicts += 1;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(recorded)
    }
}
