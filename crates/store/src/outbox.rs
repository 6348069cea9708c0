//! The outbox: mutations made here, waiting to be pushed or to be seen in a pull.
//!
//! A row is *unanswered* until the server says what happened to it. An answer that took
//! effect marks it *answered*; the row then stays (so the queue keeps showing the local
//! decision) until a pull whose `last_mutation_id` covers it drops it. An answer that was a
//! refusal moves the row to the conflicts at once.
//!
//! A `mutation_gap` answer is neither: the server expects an id below the one sent, so it
//! has lost mutations it once processed — it was restored from a backup. Nothing was
//! processed, and every row from the expected id on is **re-opened**: unanswered again,
//! including rows the lost server had answered (applied ones not yet confirmed by a pull,
//! and refusals that became conflicts), so each is sent again and applies exactly once on
//! the server as it is now. The pull cursor goes too ([`Cache::reset_pull`]): it counted a
//! feed the restored server never had.

use crate::columns::{self, micros};
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::wire::codes;
use countersign_core::{
    DraftId, Mutation, MutationId, MutationKind, MutationResult, MutationStatus,
};
use rusqlite::{Connection, OptionalExtension, params};

/// What one [`Cache::record_results`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordedResults {
    /// Rows marked answered: the mutation took effect on the server.
    pub answered: usize,
    /// Rows moved to the conflicts: the server refused the mutation.
    pub conflicts: usize,
    /// Results for mutation ids the outbox does not hold (already dropped or moved).
    pub ignored: usize,
    /// The id the server expects next, when it answered `mutation_gap` (it was restored
    /// from a backup): rows from it on were re-opened and the pull cursor reset.
    pub gap: Option<MutationId>,
    /// Rows re-opened (answered rows and conflicts put back as unanswered).
    pub reopened: usize,
    /// Receipts kept for applied decisions (a receipt already kept is not counted again).
    pub receipts: usize,
    /// Of those, the ones that failed their check (see [`crate::ReceiptCheck`]).
    pub failed_receipts: usize,
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
    ///
    /// The sync engine uses [`Cache::claim_unanswered`], which also marks them as pushed so
    /// they can no longer be undone.
    pub fn unanswered(&self, limit: usize) -> Result<Vec<Mutation>, StoreError> {
        unanswered_in(&self.conn, limit, None)
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
    /// - An applied decision's receipt is checked and kept in the same transaction (see
    ///   the `receipts` module); the same receipt again is not kept twice.
    /// - A result for a mutation id the outbox does not hold is ignored.
    /// - `mutation_gap` (status `invalid` with that code): not processed, so not a refusal.
    ///   Every row from the expected id on is re-opened and the pull is reset, as the
    ///   module says; [`RecordedResults::gap`] tells the caller to push again from there.
    ///
    /// The cached drafts are not touched, except by the reset a gap causes: they change
    /// only through pulls.
    pub fn record_results(
        &mut self,
        results: &[MutationResult],
        now: DateTime<Utc>,
    ) -> Result<RecordedResults, StoreError> {
        let tx = self.conn.transaction()?;
        let mut recorded = RecordedResults::default();
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM outbox WHERE mutation_id = ?1")?;
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
                if let Some(expected) = gap_of(result) {
                    recorded.gap = Some(recorded.gap.map_or(expected, |e| e.min(expected)));
                    continue;
                }
                let known = exists.query_row([id], |_| Ok(())).optional()?.is_some();
                if !known {
                    recorded.ignored += 1;
                    continue;
                }
                match result.effective_status() {
                    MutationStatus::Applied | MutationStatus::Duplicate => {
                        answer.execute(params![id, micros(now)])?;
                        recorded.answered += 1;
                        // Kept in this transaction: a decision is never answered here
                        // without the receipt that answered it.
                        if let Some(receipt) = &result.receipt {
                            let kept =
                                crate::receipts::keep(&tx, result.mutation_id, receipt, now)?;
                            if let Some(check) = kept {
                                recorded.receipts += 1;
                                recorded.failed_receipts += usize::from(check.failed());
                            }
                        }
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
        if let Some(expected) = recorded.gap {
            recorded.reopened = reopen_after(&tx, MutationId(expected.0.saturating_sub(1)))?;
            crate::drafts::reset_pull(&tx)?;
        }
        tx.commit()?;
        Ok(recorded)
    }

    /// True when the outbox holds a decision on `draft_id`: the reviewer decided on it
    /// here, and the queue shows that decision (waiting to sync, or not yet confirmed by a
    /// pull).
    pub fn decided_here(&self, draft_id: DraftId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE draft_id = ?1 AND verdict IS NOT NULL)",
            )?
            .query_row([draft_id.to_string()], |row| row.get(0))?)
    }

    /// The lowest mutation id at or above `from` that the outbox holds: where the next push
    /// after a `mutation_gap` answer starts, and so where a declared skip must end.
    pub fn first_held_from(&self, from: MutationId) -> Result<Option<MutationId>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT min(mutation_id) FROM outbox WHERE mutation_id >= ?1")?
            .query_row([from.0], |row| row.get::<_, Option<u64>>(0))?
            .map(MutationId))
    }
}

/// The queue's one-line preview of `body` (see [`QueueItem::preview`](crate::QueueItem)),
/// for windows that name a draft outside the queue's rows.
pub fn preview(body: &str) -> String {
    crate::queue::preview_at(body).1
}

/// `before` as an SQL bound for `mutation_id < ?`: no bound is past every id.
pub(crate) fn id_bound(before: Option<MutationId>) -> i64 {
    before.map_or(i64::MAX, |id| i64::try_from(id.0).unwrap_or(i64::MAX))
}

/// Up to `limit` unanswered mutations below id `before` (all of them without), oldest first.
pub(crate) fn unanswered_in(
    conn: &Connection,
    limit: usize,
    before: Option<MutationId>,
) -> Result<Vec<Mutation>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let before = id_bound(before);
    let mut stmt = conn.prepare_cached(
        "SELECT mutation_id, mutation FROM outbox
         WHERE answered_at IS NULL AND mutation_id < ?2 ORDER BY mutation_id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit, before], |row| {
        Ok(Mutation {
            mutation_id: MutationId(row.get(0)?),
            kind: columns::json(row, 1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The expected id of a `mutation_gap` answer. A gap answer without an expected id is not
/// one the desktop can act on; it is treated as the refusal its status says.
fn gap_of(result: &MutationResult) -> Option<MutationId> {
    (result.status == MutationStatus::Invalid
        && result.code.as_deref() == Some(codes::MUTATION_GAP))
    .then_some(result.expected_mutation_id)
    .flatten()
    .filter(|expected| expected.0 >= 1)
}

/// Re-opens every outbox row and conflict numbered above `last` — the server says it has
/// processed nothing after `last` — so each is pushed again. Answered rows become unanswered;
/// conflicts go back into the outbox under their own ids (the reviewer's view of them was
/// an answer from a server that no longer remembers it), still marked as pushed: they were
/// sent, so they can never be undone. Returns how many rows it touched.
pub(crate) fn reopen_after(tx: &Connection, last: MutationId) -> Result<usize, StoreError> {
    let answered = tx
        .prepare_cached(
            "UPDATE outbox SET answered_at = NULL
             WHERE mutation_id > ?1 AND answered_at IS NOT NULL",
        )?
        .execute([last.0])?;
    let refused = tx
        .prepare_cached(
            "INSERT INTO outbox (mutation_id, draft_id, verdict, mutation, decided_on, created_at,
                                 pushed_at)
             SELECT mutation_id, draft_id, json_extract(mutation, '$.decision.verdict'),
                    mutation, decided_on, at, at
             FROM conflicts WHERE mutation_id > ?1",
        )?
        .execute([last.0])?;
    tx.prepare_cached("DELETE FROM conflicts WHERE mutation_id > ?1")?
        .execute([last.0])?;
    Ok(answered + refused)
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{annotate, cache, decide, draft, page, seed, t0};
    use crate::{Cache, CacheKey, RecordedResults};
    use countersign_core::{
        ConflictReason, MutationId, MutationKind, MutationResult, MutationStatus, Verdict,
    };

    fn conflict(
        id: MutationId,
        reason: ConflictReason,
        current: &countersign_core::Draft,
    ) -> MutationResult {
        MutationResult {
            mutation_id: id,
            status: MutationStatus::Conflict,
            first_status: None,
            reason: Some(reason),
            message: None,
            draft: Some(Box::new(current.clone())),
            code: None,
            findings: vec![],
            expected_mutation_id: None,
            receipt: None,
        }
    }

    #[test]
    fn mutation_ids_count_from_one_and_are_never_reused() {
        let mut cache = cache();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        let first: Vec<u64> = (0..3)
            .map(|_| {
                cache
                    .enqueue(&decide(&d, Verdict::Approve), t0())
                    .unwrap()
                    .0
            })
            .collect();
        assert_eq!(first, vec![1, 2, 3]);

        // 3, the newest, is refused and leaves the outbox; 1 and 2 apply and a pull drops them.
        let results = [
            MutationResult::applied(MutationId(1)),
            MutationResult::applied(MutationId(2)),
            conflict(MutationId(3), ConflictReason::AlreadyDecided, &d),
        ];
        cache.record_results(&results, t0()).unwrap();
        cache.apply_changes(&page(vec![], "c", 3)).unwrap();
        assert_eq!(cache.pending_count().unwrap(), 0, "the outbox is empty now");

        let next = cache.enqueue(&annotate(&d, "note"), t0()).unwrap();
        assert_eq!(
            next,
            MutationId(4),
            "the server has seen 1-3: an id must never be reused, even from an empty outbox"
        );
    }

    #[test]
    fn enqueue_keeps_the_draft_as_the_reviewer_saw_it() {
        let mut cache = cache();
        let d = draft(1, "the text you decided on");
        seed(&mut cache, std::slice::from_ref(&d));
        let id = cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap();
        let snapshot: Option<String> = cache
            .conn
            .query_row(
                "SELECT decided_on FROM outbox WHERE mutation_id = ?1",
                [id.0],
                |r| r.get(0),
            )
            .unwrap();
        let snapshot: countersign_core::Draft = serde_json::from_str(&snapshot.unwrap()).unwrap();
        assert_eq!(snapshot, d);
    }

    #[test]
    fn a_mutation_on_an_uncached_draft_is_still_queued() {
        let mut cache = cache();
        let d = draft(1, "never pulled");
        let id = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        assert_eq!(cache.unanswered(10).unwrap()[0].mutation_id, id);
    }

    #[test]
    fn unanswered_lists_mutations_in_order_up_to_the_limit() {
        let mut cache = cache();
        let d = draft(1, "one");
        let kinds: Vec<MutationKind> = vec![
            decide(&d, Verdict::Approve),
            annotate(&d, "first note"),
            decide(&d, Verdict::RequestChanges),
        ];
        for kind in &kinds {
            cache.enqueue(kind, t0()).unwrap();
        }
        let all = cache.unanswered(10).unwrap();
        assert_eq!(
            all.iter().map(|m| m.mutation_id.0).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(
            all.iter().map(|m| m.kind.clone()).collect::<Vec<_>>(),
            kinds
        );
        assert_eq!(cache.unanswered(2).unwrap().len(), 2);
        assert_eq!(cache.unanswered(0).unwrap().len(), 0);
        assert_eq!(cache.pending_count().unwrap(), 3);
    }

    #[test]
    fn an_applied_answer_marks_the_row_answered_and_keeps_it_until_a_pull() {
        let mut cache = cache();
        let d = draft(1, "one");
        let a = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        let b = cache.enqueue(&annotate(&d, "x"), t0()).unwrap();
        let duplicate = MutationResult::duplicate_of(&MutationResult::applied(b));
        let recorded = cache
            .record_results(&[MutationResult::applied(a), duplicate], t0())
            .unwrap();
        assert_eq!(
            recorded,
            RecordedResults {
                answered: 2,
                conflicts: 0,
                ignored: 0,
                ..RecordedResults::default()
            }
        );
        assert!(
            cache.unanswered(10).unwrap().is_empty(),
            "answered rows are not pushed again"
        );
        assert_eq!(cache.unanswered_count().unwrap(), 0);
        assert_eq!(
            cache.pending_count().unwrap(),
            2,
            "they stay until a pull confirms them"
        );
        assert_eq!(cache.conflict_count().unwrap(), 0);
    }

    #[test]
    fn refused_mutations_become_conflicts_with_both_texts() {
        let mut cache = cache();
        let seen = draft(1, "Our store opens at 9.");
        seed(&mut cache, std::slice::from_ref(&seen));
        let stale = cache
            .enqueue(&decide(&seen, Verdict::Approve), t0())
            .unwrap();
        let forbidden = cache
            .enqueue(&decide(&seen, Verdict::Reject), t0())
            .unwrap();
        let behind = cache.enqueue(&annotate(&seen, "ok"), t0()).unwrap();

        let mut current = seen.clone();
        current.version = 2;
        current.body = "Our store opens at 10.".to_owned();
        let first_refusal = MutationResult {
            mutation_id: forbidden,
            status: MutationStatus::Forbidden,
            first_status: None,
            reason: None,
            message: Some("only a spokesperson may approve a crisis statement".to_owned()),
            draft: None,
            code: None,
            findings: vec![],
            expected_mutation_id: None,
            receipt: None,
        };
        let results = [
            conflict(stale, ConflictReason::StaleVersion, &current),
            // A retried push: the server repeats the first answer as a duplicate.
            MutationResult::duplicate_of(&first_refusal),
            MutationResult::applied(behind),
            MutationResult::applied(MutationId(99)),
        ];
        let later = t0() + chrono::Duration::minutes(5);
        let recorded = cache.record_results(&results, later).unwrap();
        assert_eq!(
            recorded,
            RecordedResults {
                answered: 1,
                conflicts: 2,
                ignored: 1,
                ..RecordedResults::default()
            }
        );
        assert_eq!(
            cache.pending_count().unwrap(),
            1,
            "refused rows leave the outbox"
        );
        assert_eq!(
            cache.unanswered(10).unwrap().len(),
            0,
            "a refusal never blocks the rest"
        );

        let conflicts = cache.conflicts().unwrap();
        assert_eq!(conflicts.len(), 2);
        let c = &conflicts[0];
        assert_eq!(c.mutation_id, stale);
        assert_eq!(c.status, MutationStatus::Conflict);
        assert_eq!(c.reason, Some(ConflictReason::StaleVersion));
        assert_eq!(
            c.decided_on.as_ref().map(|d| d.body.as_str()),
            Some("Our store opens at 9.")
        );
        assert_eq!(
            c.current.as_ref().map(|d| d.body.as_str()),
            Some("Our store opens at 10.")
        );
        assert_eq!(c.at, later);
        assert!(
            matches!(c.mutation, MutationKind::Decide { ref decision } if decision.verdict == Verdict::Approve)
        );

        let f = &conflicts[1];
        assert_eq!(
            f.status,
            MutationStatus::Forbidden,
            "a duplicate shows its first status"
        );
        assert_eq!(
            f.message.as_deref(),
            Some("only a spokesperson may approve a crisis statement")
        );
        assert_eq!(f.current, None);
        assert_eq!(f.decided_on.as_ref(), Some(&seen));

        // The same answers again (a retried push) change nothing.
        let again = cache.record_results(&results[..2], later).unwrap();
        assert_eq!(again.ignored, 2);
        assert_eq!(cache.conflict_count().unwrap(), 2);

        cache.dismiss_conflict(stale).unwrap();
        cache.dismiss_conflict(stale).unwrap();
        assert_eq!(cache.conflict_count().unwrap(), 1);
        assert_eq!(cache.conflicts().unwrap()[0].mutation_id, forbidden);
    }

    fn gap(id: MutationId, expected: u64) -> MutationResult {
        MutationResult {
            status: MutationStatus::Invalid,
            message: Some(format!("out of order, expected {expected}")),
            code: Some(countersign_core::wire::codes::MUTATION_GAP.to_owned()),
            expected_mutation_id: Some(MutationId(expected)),
            ..MutationResult::applied(id)
        }
    }

    #[test]
    fn a_mutation_gap_reopens_everything_from_the_expected_id_and_is_no_conflict() {
        let mut cache = cache();
        let d = draft(1, "one");
        cache
            .apply_changes(&page(
                crate::fixtures::upserts(std::slice::from_ref(&d)),
                "7",
                0,
            ))
            .unwrap();
        let ids: Vec<MutationId> = (0..6)
            .map(|_| cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap())
            .collect();
        // 1-3 applied and confirmed by a pull; 4 applied, not confirmed; 5 refused.
        let answers: Vec<_> = ids[..4]
            .iter()
            .copied()
            .map(MutationResult::applied)
            .collect();
        cache.record_results(&answers[..3], t0()).unwrap();
        cache.apply_changes(&page(vec![], "8", 3)).unwrap();
        cache.record_results(&answers[3..], t0()).unwrap();
        cache
            .record_results(
                &[conflict(ids[4], ConflictReason::AlreadyDecided, &d)],
                t0(),
            )
            .unwrap();
        assert_eq!(cache.conflict_count().unwrap(), 1);

        // The server, restored from a backup, has processed only 1 and 2.
        let recorded = cache.record_results(&[gap(ids[5], 3)], t0()).unwrap();
        assert_eq!(recorded.gap, Some(MutationId(3)));
        assert_eq!(recorded.conflicts, 0, "a gap is not a refusal");
        assert_eq!(
            recorded.reopened, 2,
            "4 (answered) and 5 (refused) are lost"
        );
        assert_eq!(
            cache.conflict_count().unwrap(),
            0,
            "a refusal by the lost server is not shown as a conflict any more"
        );
        let unanswered: Vec<u64> = cache
            .unanswered(10)
            .unwrap()
            .iter()
            .map(|m| m.mutation_id.0)
            .collect();
        assert_eq!(unanswered, vec![4, 5, 6], "sent again, in order");
        let back = &cache.unanswered(10).unwrap()[1];
        assert!(
            matches!(&back.kind, MutationKind::Decide { decision }
                if decision.verdict == Verdict::Approve && decision.draft_id == d.id),
            "the refused decision goes back whole: {back:?}"
        );
        let verdict: Option<String> = cache
            .conn
            .query_row(
                "SELECT verdict FROM outbox WHERE mutation_id = 5",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            verdict.as_deref(),
            Some("approve"),
            "the queue shows it again"
        );
        assert_eq!(
            cache.queue(&Default::default()).unwrap().len(),
            0,
            "the pull is reset: the cache fills again from the start"
        );
        assert_eq!(cache.cursor().unwrap(), None);
        assert_eq!(
            cache.first_held_from(MutationId(3)).unwrap(),
            Some(MutationId(4)),
            "3 was dropped here: the next push declares it skipped"
        );
        assert_eq!(cache.first_held_from(MutationId(7)).unwrap(), None);
    }

    #[test]
    fn a_gap_answer_without_an_expected_id_is_the_refusal_it_says() {
        let mut cache = cache();
        let d = draft(1, "one");
        let id = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        let mut odd = gap(id, 1);
        odd.expected_mutation_id = None;
        let recorded = cache.record_results(&[odd], t0()).unwrap();
        assert_eq!(recorded.gap, None);
        assert_eq!(recorded.conflicts, 1);
    }

    #[test]
    fn a_decision_survives_closing_and_reopening_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        let d = draft(1, "one");
        let kind = decide(&d, Verdict::Approve);
        {
            let mut cache = Cache::open(&path, &key).unwrap();
            seed(&mut cache, std::slice::from_ref(&d));
            cache.enqueue(&kind, t0()).unwrap();
        }
        let reopened = Cache::open(&path, &key).unwrap();
        let unanswered = reopened.unanswered(10).unwrap();
        assert_eq!(
            unanswered.len(),
            1,
            "a committed decision must survive a restart"
        );
        assert_eq!(unanswered[0].mutation_id, MutationId(1));
        assert_eq!(unanswered[0].kind, kind);
        let local = reopened.queue(&Default::default()).unwrap()[0].local;
        assert_eq!(local.map(|l| l.verdict), Some(Verdict::Approve));
    }

    const CRASH_CHILD: &str = "COUNTERSIGN_STORE_CRASH_CHILD";

    /// The child half of the test below: enqueue, then die without closing anything, as a
    /// process killed right after the UI showed the decision as done.
    fn crash_after_enqueue(dir: &std::path::Path) -> ! {
        let key = CacheKey::from_hex(&std::fs::read_to_string(dir.join("key")).unwrap()).unwrap();
        let mut cache = Cache::open(&dir.join("cache.db"), &key).unwrap();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap();
        std::process::abort()
    }

    #[test]
    fn a_decision_survives_the_process_dying_right_after_enqueue() {
        if let Some(dir) = std::env::var_os(CRASH_CHILD) {
            crash_after_enqueue(std::path::Path::new(&dir));
        }
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::generate();
        std::fs::write(dir.path().join("key"), key.to_hex().expose()).unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "outbox::tests::a_decision_survives_the_process_dying_right_after_enqueue",
                "--test-threads=1",
            ])
            .env(CRASH_CHILD, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "the child must have aborted");
        assert!(
            dir.path().join("cache.db-wal").exists(),
            "the child died with its commits still in the WAL"
        );

        let reopened = Cache::open(&dir.path().join("cache.db"), &key).unwrap();
        let unanswered = reopened.unanswered(10).unwrap();
        assert_eq!(unanswered.len(), 1, "the decision must survive the crash");
        assert!(matches!(
            &unanswered[0].kind,
            MutationKind::Decide { decision } if decision.verdict == Verdict::Reject
        ));
    }
}
