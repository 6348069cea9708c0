//! Taking back a mutation that is still only in the outbox, without leaving a gap.
//!
//! The server processes a client's mutations strictly in id order and refuses a gap
//! (`mutation_gap`): deleting row 5 of 1–7 and pushing 6 would be refused. So undoing row
//! `k` deletes it **and renumbers every row after it down by one**, in one transaction, and
//! lowers the id counter to match: the outbox stays 1…n with no hole, and the next
//! mutation takes the id the undone one had.
//!
//! Renumbering is only sound for ids the server has never seen. That is what
//! [`Cache::claim_unanswered`] guarantees: the sync engine marks every row of a batch
//! `pushed_at` — committed, under the cache mutex that undo also needs — *before* the HTTP
//! request leaves. So:
//!
//! - **A push in flight** holds only rows already marked; undo takes the same mutex, sees the
//!   mark and refuses ([`TooLate::Sent`]). No push can ever carry a row being renumbered,
//!   and the mutex is never held across the network, so the window stays responsive.
//! - **A push that failed mid-way** (timeout, connection reset) may have reached the server
//!   and been applied there with the answer lost. The mark stays, so undo keeps refusing; the
//!   next push sends the row again and the server answers it as a duplicate.
//! - **A push that never left** (no connection could be made on any attempt: offline) cannot
//!   have reached the server; the engine releases the marks that push's claim made
//!   ([`Cache::unclaim`], only those: an earlier push's marks stay), so a decision made
//!   offline stays undoable across failed background syncs.
//! - **A killed process**: the mark is on disk before the request is sent, so after a restart
//!   the row is still refused; an undo interrupted half-way rolls back whole (one
//!   transaction), leaving the outbox as it was.
//! - **Comments (or other decisions) queued after the decision**: pushes go oldest first, so
//!   every row after an unpushed row is unpushed too; they move down by one and keep their
//!   order. The transaction checks this instead of assuming it, and refuses if any later row
//!   was marked or answered, or if the ids above `k` are not the contiguous run up to the
//!   counter (which would mean some id above `k` already left the outbox, i.e. was sent).
//!
//! **Time to take it back.** Online, a push would leave within a second of the decision, so
//! the background sync holds back for a while the decisions and comments just made:
//! [`Cache::held_back`] names the first unsent row made after a moment (`young_since`), and
//! claims and counts given that moment stop just before it. The rows after it wait too,
//! since pushes go in id order. A sync the reviewer asks for passes no moment and sends
//! everything.
//!
//! An answered row ([`TooLate::Answered`]) and a row no longer held (dropped by a pull or
//! moved to the conflicts, [`TooLate::Gone`]) are refused too: the server has it.
//!
//! Ids the window holds for later rows shift with the renumbering; [`Undone::renumbered`]
//! says how many did, and every id above [`Undone::mutation_id`] is now one lower.

use crate::columns::{self, micros};
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::{DraftId, Mutation, MutationId};
use rusqlite::{OptionalExtension, params};

/// A mutation taken back out of the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Undone {
    /// The id it had; the row after it now has this id.
    pub mutation_id: MutationId,
    /// The draft it was about.
    pub draft_id: DraftId,
    /// How many later rows moved down by one.
    pub renumbered: u64,
}

/// What [`Cache::claim_unanswered`] claimed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claimed {
    /// The mutations to send, oldest first.
    pub mutations: Vec<Mutation>,
    /// Those this claim marked (the others were marked by an earlier push): the ones
    /// [`Cache::unclaim`] may release if the request provably never left.
    pub marked: Vec<MutationId>,
}

/// The first mutation (decision or comment) a sync holds back so it can still be taken back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldBack {
    /// Its id: this row and every later one wait.
    pub from: MutationId,
    /// When it was made.
    pub decided_at: DateTime<Utc>,
}

/// Why a mutation can no longer be taken back: the server has it, or may have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooLate {
    /// A push holding it (or a later row) has started: the server may have applied it.
    Sent,
    /// The server said it took effect.
    Answered,
    /// The outbox does not hold it: confirmed by a pull, refused into the conflicts, or
    /// never made.
    Gone,
}

impl Cache {
    /// Up to `limit` unanswered mutations, oldest first, marked as pushed (see the module
    /// docs) in one committed transaction: what the sync engine sends next. From this call
    /// on, none of them can be undone.
    pub fn claim_unanswered(
        &mut self,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Claimed, StoreError> {
        self.claim_sendable(limit, now, None)
    }

    /// [`Cache::claim_unanswered`], stopping short of the mutations made after `young_since`
    /// ([`Cache::held_back`]), which stay undoable.
    pub fn claim_sendable(
        &mut self,
        limit: usize,
        now: DateTime<Utc>,
        young_since: Option<DateTime<Utc>>,
    ) -> Result<Claimed, StoreError> {
        let tx = self.conn.transaction()?;
        let before = sendable_before(&tx, young_since)?;
        let mutations = crate::outbox::unanswered_in(&tx, limit, before)?;
        let mut marked = Vec::new();
        if let Some(last) = mutations.last() {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET pushed_at = ?2
                 WHERE answered_at IS NULL AND pushed_at IS NULL AND mutation_id <= ?1
                 RETURNING mutation_id",
            )?;
            let rows = stmt.query_map(params![last.mutation_id.0, micros(now)], |r| {
                Ok(MutationId(r.get(0)?))
            })?;
            marked = rows.collect::<Result<_, _>>()?;
            marked.sort();
        }
        tx.commit()?;
        Ok(Claimed { mutations, marked })
    }

    /// The first mutation not sent yet that was made after `young_since`, if any: a sync
    /// given that moment sends only the rows before it.
    pub fn held_back(&self, young_since: DateTime<Utc>) -> Result<Option<HeldBack>, StoreError> {
        held_back_in(&self.conn, young_since)
    }

    /// How many unanswered rows a sync given `young_since` may send (all, without).
    pub fn sendable_count(&self, young_since: Option<DateTime<Utc>>) -> Result<u64, StoreError> {
        let before = sendable_before(&self.conn, young_since)?;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM outbox WHERE answered_at IS NULL AND mutation_id < ?1",
            )?
            .query_row([crate::outbox::id_bound(before)], |row| row.get(0))?)
    }

    /// Releases rows a claim marked when its request provably never left this computer
    /// (no connection could be made): the server cannot have them, so they may be undone
    /// again. Only for the ids that claim itself marked ([`Claimed::marked`]); a row marked
    /// by an earlier push that may have arrived stays marked.
    pub fn unclaim(&mut self, marked: &[MutationId]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET pushed_at = NULL WHERE mutation_id = ?1 AND answered_at IS NULL",
            )?;
            for id in marked {
                stmt.execute([id.0])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Takes back mutation `id` if no push has held it yet, renumbering the rows after it so
    /// the outbox stays gap-free; see the module docs. `Ok(Err(_))` says why it is too late.
    pub fn undo(&mut self, id: MutationId) -> Result<Result<Undone, TooLate>, StoreError> {
        let tx = self.conn.transaction()?;
        let row: Option<(DraftId, bool, bool)> = tx
            .prepare_cached(
                "SELECT draft_id, answered_at IS NOT NULL, pushed_at IS NOT NULL
                 FROM outbox WHERE mutation_id = ?1",
            )?
            .query_row([id.0], |r| {
                Ok((columns::parsed(r, 0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((draft_id, answered, pushed)) = row else {
            return Ok(Err(TooLate::Gone));
        };
        if answered {
            return Ok(Err(TooLate::Answered));
        }
        if pushed {
            return Ok(Err(TooLate::Sent));
        }
        let (later, later_touched, top): (u64, bool, u64) = tx
            .prepare_cached(
                "SELECT count(*),
                        coalesce(max(answered_at IS NOT NULL OR pushed_at IS NOT NULL), 0),
                        (SELECT seq FROM sqlite_sequence WHERE name = 'outbox')
                 FROM outbox WHERE mutation_id > ?1",
            )?
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        // The ids after `id` must be exactly id+1..=top, all unsent: otherwise the server
        // has seen one of them, and moving them would reuse an id it knows.
        if later_touched || top != id.0 + later {
            return Ok(Err(TooLate::Sent));
        }
        tx.prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1")?
            .execute([id.0])?;
        // Through negative ids, so no step of the UPDATE meets a key still in use.
        tx.prepare_cached(
            "UPDATE outbox SET mutation_id = -(mutation_id - 1) WHERE mutation_id > ?1",
        )?
        .execute([id.0])?;
        tx.prepare_cached("UPDATE outbox SET mutation_id = -mutation_id WHERE mutation_id < 0")?
            .execute([])?;
        tx.prepare_cached("UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'outbox'")?
            .execute([])?;
        tx.commit()?;
        Ok(Ok(Undone {
            mutation_id: id,
            draft_id,
            renumbered: later,
        }))
    }
}

/// The id sends stop before, given `young_since` (none without).
fn sendable_before(
    conn: &rusqlite::Connection,
    young_since: Option<DateTime<Utc>>,
) -> Result<Option<MutationId>, StoreError> {
    Ok(match young_since {
        Some(since) => held_back_in(conn, since)?.map(|held| held.from),
        None => None,
    })
}

fn held_back_in(
    conn: &rusqlite::Connection,
    young_since: DateTime<Utc>,
) -> Result<Option<HeldBack>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT mutation_id, created_at FROM outbox
             WHERE answered_at IS NULL AND pushed_at IS NULL AND created_at > ?1
             ORDER BY mutation_id LIMIT 1",
        )?
        .query_row([micros(young_since)], |r| {
            Ok(HeldBack {
                from: MutationId(r.get(0)?),
                decided_at: columns::time(r, 1)?,
            })
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::{TooLate, Undone};
    use crate::fixtures::{annotate, cache, decide, draft, page, seed, t0};
    use countersign_core::{MutationId, MutationKind, MutationResult, Verdict};

    fn ids(cache: &crate::Cache) -> Vec<u64> {
        cache
            .unanswered(100)
            .unwrap()
            .iter()
            .map(|m| m.mutation_id.0)
            .collect()
    }

    #[test]
    fn undo_removes_the_row_and_closes_the_gap_behind_it() {
        let mut cache = cache();
        let (a, b) = (draft(1, "one"), draft(2, "two"));
        seed(&mut cache, &[a.clone(), b.clone()]);
        let first = cache.enqueue(&decide(&a, Verdict::Approve), t0()).unwrap();
        let undone = cache.enqueue(&decide(&b, Verdict::Approve), t0()).unwrap();
        let note = annotate(&b, "a comment after the decision");
        cache.enqueue(&note, t0()).unwrap();
        let last = decide(&a, Verdict::Reject);
        cache.enqueue(&last, t0()).unwrap();

        let result = cache.undo(undone).unwrap();
        assert_eq!(
            result,
            Ok(Undone {
                mutation_id: MutationId(2),
                draft_id: b.id,
                renumbered: 2
            })
        );
        let left = cache.unanswered(10).unwrap();
        assert_eq!(ids(&cache), vec![1, 2, 3], "no gap");
        assert_eq!(left[0].mutation_id, first);
        assert_eq!(left[1].kind, note, "the comment moved down, whole");
        assert_eq!(left[2].kind, last);
        let queue = cache.queue(&Default::default()).unwrap();
        let of_b = queue.iter().find(|i| i.id == b.id).unwrap();
        assert_eq!(of_b.local, None, "the queue row is undecided again");
        let of_a = queue.iter().find(|i| i.id == a.id).unwrap();
        assert_eq!(
            of_a.local.map(|l| (l.mutation_id, l.verdict)),
            Some((MutationId(3), Verdict::Reject)),
            "the queue follows the renumbered row"
        );
        let next = cache.enqueue(&decide(&b, Verdict::Reject), t0()).unwrap();
        assert_eq!(next, MutationId(4), "the counter came down with the rows");
    }

    #[test]
    fn a_claimed_row_and_everything_before_it_can_no_longer_be_undone() {
        let mut cache = cache();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        for _ in 0..3 {
            cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        }
        // A push of the first two has started (and may have failed half-way: the server
        // may hold them).
        let claimed = cache.claim_unanswered(2, t0()).unwrap();
        assert_eq!(claimed.mutations.len(), 2);
        assert_eq!(claimed.marked, vec![MutationId(1), MutationId(2)]);
        assert_eq!(cache.undo(MutationId(1)).unwrap(), Err(TooLate::Sent));
        assert_eq!(cache.undo(MutationId(2)).unwrap(), Err(TooLate::Sent));
        assert_eq!(ids(&cache), vec![1, 2, 3], "nothing moved");
        // The unclaimed one after them may still go.
        assert!(cache.undo(MutationId(3)).unwrap().is_ok());
        assert_eq!(ids(&cache), vec![1, 2]);
        // A claim again (the retry) does not unmark anything, and marks nothing new.
        let again = cache.claim_unanswered(10, t0()).unwrap();
        assert!(again.marked.is_empty());
        assert_eq!(cache.undo(MutationId(2)).unwrap(), Err(TooLate::Sent));
        // Releasing only what a claim marked: a request that never left frees its rows,
        // never those an earlier push may have delivered.
        cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap();
        let third = cache.claim_unanswered(10, t0()).unwrap();
        assert_eq!(third.marked, vec![MutationId(3)]);
        cache.unclaim(&third.marked).unwrap();
        assert_eq!(cache.undo(MutationId(2)).unwrap(), Err(TooLate::Sent));
        assert!(cache.undo(MutationId(3)).unwrap().is_ok());
    }

    #[test]
    fn answered_and_dropped_rows_are_too_late() {
        let mut cache = cache();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        let a = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        let b = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        cache.claim_unanswered(10, t0()).unwrap();
        cache
            .record_results(
                &[MutationResult::applied(a), MutationResult::applied(b)],
                t0(),
            )
            .unwrap();
        assert_eq!(cache.undo(b).unwrap(), Err(TooLate::Answered));
        cache.apply_changes(&page(vec![], "c", 2)).unwrap();
        assert_eq!(cache.undo(b).unwrap(), Err(TooLate::Gone));
        assert_eq!(cache.undo(MutationId(99)).unwrap(), Err(TooLate::Gone));
        let next = cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap();
        assert_eq!(next, MutationId(3), "ids the server saw are never reused");
        assert!(cache.undo(next).unwrap().is_ok());
        assert_eq!(
            cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap(),
            MutationId(3),
            "an id the server never saw is reused after its undo"
        );
    }

    #[test]
    fn a_row_re_opened_after_a_gap_stays_sent() {
        let mut cache = cache();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        let a = cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap();
        cache.claim_unanswered(10, t0()).unwrap();
        let refused = MutationResult {
            status: countersign_core::MutationStatus::Conflict,
            reason: Some(countersign_core::ConflictReason::AlreadyDecided),
            ..MutationResult::applied(a)
        };
        cache.record_results(&[refused], t0()).unwrap();
        let b = cache.enqueue(&decide(&d, Verdict::Reject), t0()).unwrap();
        // The server was restored and lost 1: the conflict comes back into the outbox.
        let gap = MutationResult {
            status: countersign_core::MutationStatus::Invalid,
            code: Some(countersign_core::wire::codes::MUTATION_GAP.to_owned()),
            expected_mutation_id: Some(MutationId(1)),
            ..MutationResult::applied(b)
        };
        cache.record_results(&[gap], t0()).unwrap();
        assert_eq!(ids(&cache), vec![1, 2]);
        assert_eq!(cache.undo(a).unwrap(), Err(TooLate::Sent));
        assert!(
            cache.undo(b).unwrap().is_ok(),
            "2 was never sent: it may go"
        );
        assert!(matches!(
            &cache.unanswered(10).unwrap()[0].kind,
            MutationKind::Decide { decision } if decision.verdict == Verdict::Approve
        ));
    }

    #[test]
    fn a_sync_given_a_moment_sends_only_what_was_made_before_it() {
        let mut cache = cache();
        let (a, b) = (draft(1, "one"), draft(2, "two"));
        seed(&mut cache, &[a.clone(), b.clone()]);
        let old = cache.enqueue(&decide(&a, Verdict::Approve), t0()).unwrap();
        let just_now = t0() + chrono::Duration::seconds(30);
        let young = cache
            .enqueue(&decide(&b, Verdict::Approve), just_now)
            .unwrap();
        cache.enqueue(&annotate(&a, "after it"), t0()).unwrap();
        let since = t0() + chrono::Duration::seconds(20);

        assert_eq!(
            cache.held_back(since).unwrap(),
            Some(super::HeldBack {
                from: young,
                decided_at: just_now
            })
        );
        assert_eq!(cache.sendable_count(Some(since)).unwrap(), 1);
        assert_eq!(cache.sendable_count(None).unwrap(), 3);
        let claimed = cache.claim_sendable(10, just_now, Some(since)).unwrap();
        let sent: Vec<_> = claimed.mutations.iter().map(|m| m.mutation_id).collect();
        assert_eq!(
            sent,
            vec![old],
            "the rows from the young one on wait, in order"
        );
        assert_eq!(
            cache.undo(young).unwrap().map(|u| u.mutation_id),
            Ok(young),
            "the one held back can still be taken back"
        );
        assert_eq!(
            cache.held_back(since).unwrap(),
            None,
            "an old row behind it is not held for itself"
        );

        let later = cache
            .enqueue(&decide(&b, Verdict::Reject), just_now)
            .unwrap();
        let claimed = cache.claim_sendable(10, just_now, None).unwrap();
        let sent: Vec<_> = claimed.mutations.iter().map(|m| m.mutation_id).collect();
        assert_eq!(
            sent,
            vec![old, MutationId(2), later],
            "asked for: all of it"
        );
        assert_eq!(
            cache.held_back(since).unwrap(),
            None,
            "sent ones are not held"
        );
    }
}
