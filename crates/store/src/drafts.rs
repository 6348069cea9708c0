//! Drafts as the server last sent them, and applying a page of pulled changes.

use crate::columns::{self, micros, urgency_rank};
use crate::sync_state::{self, CURSOR, DIRECTORY};
use crate::{Cache, StoreError};
use countersign_core::wire::{Change, ChangesResponse, Directory};
use countersign_core::{Draft, DraftId, MutationId};
use rusqlite::{OptionalExtension, Statement, params};

/// What one [`Cache::apply_changes`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppliedPage {
    /// Drafts inserted or replaced.
    pub upserted: usize,
    /// Drafts removed (ids the cache did not hold count too: the removal was applied).
    pub removed: usize,
    /// Answered outbox rows dropped because the server has seen them.
    pub outbox_dropped: usize,
    /// Outbox rows and conflicts numbered above the page's `last_mutation_id`, re-opened to
    /// be pushed again: the server no longer remembers processing them.
    pub reopened: usize,
    /// True when the page was not applied: its `last_mutation_id` is below one an earlier
    /// pull reported, so the server lost history (it was restored from a backup) and the
    /// cursor the page continues from means nothing to it. The cached drafts and the cursor
    /// were forgotten ([`Cache::reset_pull`]); pull again from the start.
    pub reset: bool,
}

/// The `last_mutation_id` the last pull reported, as decimal text. A server's count for a
/// client never goes down, so a page reporting a lower one comes from a server that lost
/// history.
const SERVER_LAST_MUTATION: &str = "server_last_mutation_id";

/// Forgets the cached drafts and the pull cursor, keeping the outbox, the conflicts and the
/// directory: the next pull starts from the beginning of the feed and fills the cache again.
pub(crate) fn reset_pull(tx: &rusqlite::Connection) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM drafts")?.execute([])?;
    tx.prepare_cached("DELETE FROM sync_state WHERE key = ?1")?
        .execute([CURSOR])?;
    Ok(())
}

const UPSERT: &str = "
    INSERT INTO drafts (id, version, status, network, channel, urgency, scheduled_at,
                        created_at, author, next_step, body, draft, pre_approved_reply)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
    ON CONFLICT (id) DO UPDATE SET
        version = excluded.version, status = excluded.status, network = excluded.network,
        channel = excluded.channel, urgency = excluded.urgency,
        scheduled_at = excluded.scheduled_at, created_at = excluded.created_at,
        author = excluded.author, next_step = excluded.next_step, body = excluded.body,
        draft = excluded.draft, pre_approved_reply = excluded.pre_approved_reply,
        risk = NULL, findings = 0, findings_json = NULL";

impl Cache {
    /// Applies one page of the changes feed, in one transaction: upserts and removes the
    /// drafts in order, stores `next_cursor`, and drops the outbox rows the server has seen
    /// — those answered as applied by [`Cache::record_results`] with a mutation id at or
    /// below `last_mutation_id`.
    ///
    /// Unanswered rows are never dropped here, even at or below `last_mutation_id`: they
    /// are pushed again so that their result (applied or a conflict) is learnt. Rows and
    /// conflicts *above* it are re-opened, since the server has no record of them (it was
    /// restored from a backup; resending is safe, as a repeat is answered as a duplicate).
    /// A page whose `last_mutation_id` is below what an earlier pull reported is not applied:
    /// the pull is reset instead ([`AppliedPage::reset`]). Either the whole page is applied
    /// or, on error, nothing is.
    pub fn apply_changes(&mut self, page: &ChangesResponse) -> Result<AppliedPage, StoreError> {
        if self.is_no_op(page)? {
            // The common case of a sync that found nothing: no write, no fsync.
            return Ok(AppliedPage::default());
        }
        // A pulled page need not wait for the disk: if a power cut loses it, the cursor
        // goes back with it (WAL keeps them atomic) and the page is simply pulled again.
        // Decisions keep `synchronous = FULL`; their next commit also flushes this one.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let applied = self.apply_changes_unsynced(page);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let applied = applied?;
        if !page.has_more {
            // A pull can leave hundreds of pages in the WAL. Copy them into the database
            // now, on the sync path, rather than in whichever later `enqueue` crosses the
            // auto-checkpoint threshold — that one would wait for all of them.
            self.checkpoint()?;
        }
        Ok(applied)
    }

    fn apply_changes_unsynced(
        &mut self,
        page: &ChangesResponse,
    ) -> Result<AppliedPage, StoreError> {
        let tx = self.conn.transaction()?;
        let mut applied = AppliedPage::default();
        let last = page.last_mutation_id;
        applied.reopened = crate::outbox::reopen_after(&tx, last)?;
        let known = server_last_mutation(&tx)?;
        sync_state::set(&tx, SERVER_LAST_MUTATION, &last.0.to_string())?;
        if last.0 < known && sync_state::get_raw(&tx, CURSOR)?.is_some() {
            // Pages continue from the cursor; this server never issued it.
            reset_pull(&tx)?;
            tx.commit()?;
            applied.reset = true;
            return Ok(applied);
        }
        {
            let mut upsert = tx.prepare_cached(UPSERT)?;
            let mut remove = tx.prepare_cached("DELETE FROM drafts WHERE id = ?1")?;
            for change in &page.changes {
                match change {
                    Change::Upsert { draft } => {
                        upsert_draft(&mut upsert, draft)?;
                        applied.upserted += 1;
                    }
                    Change::Remove { draft_id } => {
                        remove.execute([draft_id.to_string()])?;
                        applied.removed += 1;
                    }
                }
            }
        }
        sync_state::set(&tx, CURSOR, &page.next_cursor)?;
        if let Some(directory) = &page.directory {
            // Roles, channels, spokespeople and crisis mode, for offline use. In the page's
            // transaction, so the directory and the drafts never disagree.
            sync_state::set(&tx, DIRECTORY, &serde_json::to_string(directory)?)?;
            // Crisis mode, channels and spokespeople change what the guard finds.
            crate::verdicts::forget_all(&tx)?;
        }
        applied.outbox_dropped = tx
            .prepare_cached(
                "DELETE FROM outbox WHERE answered_at IS NOT NULL AND mutation_id <= ?1",
            )?
            .execute([page.last_mutation_id.0])?;
        tx.commit()?;
        Ok(applied)
    }

    /// True when applying `page` would change nothing: no changes, the same cursor, and no
    /// answered outbox row it would drop.
    fn is_no_op(&self, page: &ChangesResponse) -> Result<bool, StoreError> {
        if !page.changes.is_empty()
            || page.directory.is_some()
            || self.cursor()?.as_deref() != Some(&page.next_cursor)
        {
            return Ok(false);
        }
        let last = page.last_mutation_id;
        if server_last_mutation(&self.conn)? != last.0 {
            return Ok(false);
        }
        // An answered row is either covered (to drop) or above what the server processed
        // (to re-open); a conflict above it is re-opened too.
        let to_do: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE answered_at IS NOT NULL)
                     OR EXISTS (SELECT 1 FROM conflicts WHERE mutation_id > ?1)",
            )?
            .query_row([last.0], |row| row.get(0))?;
        Ok(!to_do)
    }

    /// Forgets the cached drafts and the pull cursor, in one transaction, keeping the
    /// outbox and the conflicts: for a server that answered `cursor_ahead` (restored from
    /// a backup). The next pull starts from the beginning of the feed.
    pub fn reset_pull(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        reset_pull(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Copies what it can of the WAL into the database without waiting for any reader.
    fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The `last_mutation_id` the last pull reported (0 before the first).
    pub fn server_last_mutation_id(&self) -> Result<MutationId, StoreError> {
        Ok(MutationId(server_last_mutation(&self.conn)?))
    }

    /// The cached draft with this id, as the server last sent it.
    pub fn draft(&self, id: DraftId) -> Result<Option<Draft>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT draft FROM drafts WHERE id = ?1")?
            .query_row([id.to_string()], |row| columns::json(row, 0))
            .optional()?)
    }

    /// The organisation as the last pull described it (the user's roles, channels,
    /// spokespeople and crisis mode); `None` before a server sent one.
    pub fn directory(&self) -> Result<Option<Directory>, StoreError> {
        match sync_state::get_raw(&self.conn, DIRECTORY)? {
            None => Ok(None),
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        }
    }

    /// How many drafts the cache holds, whatever their status.
    pub fn draft_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM drafts")?
            .query_row([], |row| row.get(0))?)
    }
}

fn server_last_mutation(conn: &rusqlite::Connection) -> Result<u64, StoreError> {
    Ok(sync_state::get_raw(conn, SERVER_LAST_MUTATION)?
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}

/// Writes one draft with the page's prepared statement.
fn upsert_draft(stmt: &mut Statement<'_>, draft: &Draft) -> Result<(), StoreError> {
    let json = serde_json::to_string(draft)?;
    stmt.execute(params![
        draft.id.to_string(),
        draft.version,
        draft.status.as_str(),
        draft.network.as_str(),
        draft.channel,
        urgency_rank(draft.urgency),
        draft.scheduled_at.map(micros),
        micros(draft.created_at),
        draft.author.display_name,
        draft.next_step(),
        draft.body,
        json,
        draft.pre_approved_reply(),
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{cache, decide, draft, page, seed, t0, upserts};
    use countersign_core::wire::Change;
    use countersign_core::{DraftStatus, MutationId, MutationResult, Verdict};

    /// The ids the next push would offer, oldest first.
    fn unanswered_ids(cache: &crate::Cache) -> Vec<MutationId> {
        let rows = cache.unanswered(10).unwrap();
        rows.iter().map(|m| m.mutation_id).collect()
    }

    #[test]
    fn a_page_upserts_removes_and_stores_the_cursor() {
        let mut cache = cache();
        let (a, b, c) = (draft(1, "one"), draft(2, "two"), draft(3, "three"));
        let applied = cache
            .apply_changes(&page(upserts(&[a.clone(), b.clone(), c.clone()]), "c1", 0))
            .unwrap();
        assert_eq!((applied.upserted, applied.removed), (3, 0));
        assert_eq!(cache.cursor().unwrap().as_deref(), Some("c1"));
        assert_eq!(
            cache.draft(a.id).unwrap(),
            Some(a.clone()),
            "drafts round-trip whole"
        );

        let mut edited = b.clone();
        edited.version = 2;
        edited.body = "two, edited".to_owned();
        let mut changes = upserts(&[edited.clone()]);
        changes.push(Change::Remove { draft_id: c.id });
        let applied = cache.apply_changes(&page(changes, "c2", 0)).unwrap();
        assert_eq!((applied.upserted, applied.removed), (1, 1));
        assert_eq!(
            cache.draft(b.id).unwrap(),
            Some(edited),
            "an upsert replaces"
        );
        assert_eq!(
            cache.draft(c.id).unwrap(),
            None,
            "a removal forgets the draft"
        );
        assert_eq!(cache.draft_count().unwrap(), 2);
        assert_eq!(cache.cursor().unwrap().as_deref(), Some("c2"));
    }

    #[test]
    fn changes_in_one_page_apply_in_order() {
        let mut cache = cache();
        let a = draft(1, "one");
        let mut later = a.clone();
        later.version = 3;
        let mut changes = upserts(&[a.clone(), later.clone()]);
        changes.push(Change::Remove { draft_id: a.id });
        changes.extend(upserts(&[later.clone()]));
        cache.apply_changes(&page(changes, "c", 0)).unwrap();
        assert_eq!(cache.draft(a.id).unwrap(), Some(later));
    }

    #[test]
    fn a_page_that_fails_leaves_nothing_behind() {
        let mut cache = cache();
        seed(&mut cache, &[draft(1, "one")]);
        let good = draft(2, "two");
        let mut unstorable = draft(3, "three");
        unstorable.version = u64::MAX; // does not fit SQLite's signed 64-bit integers
        let err = cache
            .apply_changes(&page(upserts(&[good.clone(), unstorable]), "bad", 0))
            .unwrap_err();
        assert!(matches!(err, crate::StoreError::Sqlite(_)), "{err:?}");
        assert_eq!(
            cache.draft(good.id).unwrap(),
            None,
            "the page must apply whole or not"
        );
        assert_eq!(cache.cursor().unwrap().as_deref(), Some("seed"));
    }

    #[test]
    fn a_pull_drops_only_answered_rows_at_or_below_last_mutation_id() {
        let mut cache = cache();
        let d = draft(1, "one");
        seed(&mut cache, std::slice::from_ref(&d));
        let ids: Vec<MutationId> = (0..4)
            .map(|_| cache.enqueue(&decide(&d, Verdict::Approve), t0()).unwrap())
            .collect();
        // The server answered 1, 2 and 4; 3's answer was lost.
        let answers: Vec<_> = [ids[0], ids[1], ids[3]]
            .into_iter()
            .map(MutationResult::applied)
            .collect();
        cache.record_results(&answers, t0()).unwrap();

        let applied = cache.apply_changes(&page(vec![], "c", 3)).unwrap();
        assert_eq!(
            applied.outbox_dropped, 2,
            "1 and 2 are answered and covered"
        );
        let left: Vec<u64> = remaining(&cache);
        assert_eq!(
            left,
            vec![3, 4],
            "3 is unanswered (must be pushed again), 4 is above last_mutation_id"
        );
        assert_eq!(
            unanswered_ids(&cache),
            vec![ids[2], ids[3]],
            "the unanswered row is still offered to the next push, and 4, which the server \
             does not remember processing, is re-opened to be sent again"
        );
        assert_eq!(applied.reopened, 1);

        cache.apply_changes(&page(vec![], "c", 4)).unwrap();
        assert_eq!(
            remaining(&cache),
            vec![3, 4],
            "an unanswered row is never dropped by a pull"
        );
    }

    #[test]
    fn a_page_below_an_earlier_last_mutation_id_resets_the_pull_and_keeps_the_outbox() {
        let mut cache = cache();
        let (a, b) = (draft(1, "one"), draft(2, "two"));
        cache
            .apply_changes(&page(upserts(&[a.clone(), b.clone()]), "9", 0))
            .unwrap();
        let ids: Vec<MutationId> = (0..3)
            .map(|_| cache.enqueue(&decide(&a, Verdict::Approve), t0()).unwrap())
            .collect();
        let applied: Vec<_> = ids.iter().copied().map(MutationResult::applied).collect();
        cache.record_results(&applied[..2], t0()).unwrap();
        cache.apply_changes(&page(vec![], "12", 2)).unwrap();
        cache.record_results(&applied[2..], t0()).unwrap();
        assert_eq!(cache.server_last_mutation_id().unwrap(), MutationId(2));

        // The server was restored from a backup that knew only mutation 1.
        let restored = page(upserts(std::slice::from_ref(&a)), "13", 1);
        let got = cache.apply_changes(&restored).unwrap();
        assert!(got.reset, "a count that went down means lost history");
        assert_eq!(got.reopened, 1, "3 was answered by the lost server");
        assert_eq!(
            got.upserted, 0,
            "a page continuing a cursor the server never issued"
        );
        assert_eq!(cache.cursor().unwrap(), None, "the next pull starts over");
        assert_eq!(
            cache.draft_count().unwrap(),
            0,
            "the cache fills again from the start"
        );
        assert_eq!(
            unanswered_ids(&cache),
            vec![ids[2]],
            "the outbox is kept and 3 goes out again"
        );

        // The pull from the start applies as usual.
        let fresh = page(upserts(std::slice::from_ref(&a)), "5", 1);
        let got = cache.apply_changes(&fresh).unwrap();
        assert!(!got.reset);
        assert_eq!(got.upserted, 1);
        assert_eq!(cache.cursor().unwrap().as_deref(), Some("5"));
        assert_eq!(cache.server_last_mutation_id().unwrap(), MutationId(1));
    }

    #[test]
    fn a_no_change_page_that_would_reopen_rows_is_not_skipped_as_a_no_op() {
        let mut cache = cache();
        let a = draft(1, "one");
        cache
            .apply_changes(&page(upserts(std::slice::from_ref(&a)), "4", 0))
            .unwrap();
        let id = cache.enqueue(&decide(&a, Verdict::Approve), t0()).unwrap();
        cache
            .record_results(&[MutationResult::applied(id)], t0())
            .unwrap();
        // Same cursor, no changes, but the server does not count mutation 1.
        let got = cache.apply_changes(&page(vec![], "4", 0)).unwrap();
        assert_eq!(got.reopened, 1);
        assert_eq!(cache.unanswered_count().unwrap(), 1);
        let again = cache.apply_changes(&page(vec![], "4", 0)).unwrap();
        assert_eq!(again, super::AppliedPage::default(), "now it is a no-op");
    }

    #[test]
    fn statuses_other_than_pending_are_cached_too() {
        let mut cache = cache();
        let mut approved = draft(1, "one");
        approved.status = DraftStatus::Approved;
        seed(&mut cache, &[approved.clone()]);
        assert_eq!(cache.draft(approved.id).unwrap(), Some(approved));
        assert_eq!(cache.draft_count().unwrap(), 1);
    }

    #[test]
    fn a_directory_rides_with_its_page_and_stays_until_the_next_one() {
        use countersign_core::wire::{Directory, SessionUser};
        use countersign_core::{CrisisChannels, CrisisState, Person, Role, UserId};
        let mut cache = cache();
        assert_eq!(cache.directory().unwrap(), None);
        let directory = Directory {
            me: SessionUser {
                person: Person {
                    id: UserId(uuid::Uuid::from_u128(7)),
                    username: "rita".into(),
                    display_name: "Rita".into(),
                },
                roles: vec![Role::Reviewer],
                steps: vec!["review".into()],
                teams: vec![],
            },
            channels: vec![],
            crisis: CrisisState {
                channels: CrisisChannels::All,
                reason: "fire".into(),
                since: None,
                declared_by: None,
            },
            policy_version: 0,
            offline_lease_secs: None,
        };
        let mut with = page(vec![], "c1", 0);
        with.directory = Some(directory.clone());
        cache.apply_changes(&with).unwrap();
        assert_eq!(cache.directory().unwrap(), Some(directory.clone()));

        // Same cursor, no changes, but a new directory: not a no-op.
        let mut calm = directory.clone();
        calm.crisis = CrisisState::default();
        let mut again = page(vec![], "c1", 0);
        again.directory = Some(calm.clone());
        cache.apply_changes(&again).unwrap();
        assert_eq!(cache.directory().unwrap(), Some(calm.clone()));

        cache
            .apply_changes(&page(upserts(&[draft(1, "one")]), "c2", 0))
            .unwrap();
        assert_eq!(
            cache.directory().unwrap(),
            Some(calm),
            "a page without a directory means it did not change"
        );
    }

    fn remaining(cache: &crate::Cache) -> Vec<u64> {
        cache
            .conn
            .prepare("SELECT mutation_id FROM outbox ORDER BY mutation_id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}
