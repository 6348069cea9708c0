//! The policy guard's verdicts on cached drafts, and the organisation's policy pack.
//!
//! The store does not run the guard (it knows nothing of policy packs): the application
//! reviews [`Cache::unreviewed`] drafts and writes their verdicts back with
//! [`Cache::set_verdicts`], findings and all, so that opening a draft or approving it reads
//! them back ([`Cache::stored_findings`]) instead of needing the compiled guard in memory.
//! A verdict is forgotten whenever what it was based on changes:
//! the draft (every upsert), the directory (crisis mode, channels, spokespeople) or the
//! pack ([`Cache::set_policy_pack`]).

use crate::{Cache, StoreError, sync_state};
use countersign_core::finding::{self, Finding, Severity};
use countersign_core::{Draft, DraftId};
use rusqlite::{Connection, OptionalExtension, params};

/// The organisation's policy pack as `GET /api/v1/policy` sent it (JSON).
const POLICY_PACK: &str = "policy_pack";
/// Its version.
const POLICY_VERSION: &str = "policy_version";

/// The guard's verdict on one version of a draft: what it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The draft.
    pub id: DraftId,
    /// The version reviewed: a verdict on an older one is not stored.
    pub version: u64,
    /// Every finding, as the guard listed them (none for a clean draft).
    pub findings: Vec<Finding>,
}

/// Pending drafts without a verdict, from the `drafts_unreviewed` partial index (every sync
/// asks).
const UNREVIEWED: &str =
    "SELECT draft FROM drafts WHERE risk IS NULL AND status = 'pending' LIMIT ?1";

pub(crate) fn rank(worst: Option<Severity>) -> i64 {
    match worst {
        None => 0,
        Some(Severity::Info) => 1,
        Some(Severity::Warn) => 2,
        Some(Severity::Block) => 3,
    }
}

pub(crate) fn severity(rank: i64) -> Option<Severity> {
    match rank {
        1 => Some(Severity::Info),
        2 => Some(Severity::Warn),
        3 => Some(Severity::Block),
        _ => None,
    }
}

pub(crate) fn forget_all(conn: &Connection) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE drafts SET risk = NULL, findings = 0, findings_json = NULL WHERE risk IS NOT NULL",
    )?
    .execute([])?;
    Ok(())
}

impl Cache {
    /// Up to `limit` pending drafts the guard has not reviewed as they are now.
    pub fn unreviewed(&self, limit: usize) -> Result<Vec<Draft>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(UNREVIEWED)?;
        let rows = stmt
            .query_map([limit], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|json| serde_json::from_str(json).map_err(StoreError::from))
            .collect()
    }

    /// Stores verdicts, in one transaction; one on a version the cache no longer holds is
    /// skipped (the draft changed meanwhile and will be reviewed again).
    pub fn set_verdicts(&mut self, verdicts: &[Verdict]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE drafts SET risk = ?1, findings = ?2, findings_json = ?3
                 WHERE id = ?4 AND version = ?5",
            )?;
            for v in verdicts {
                stmt.execute(params![
                    rank(finding::worst(&v.findings)),
                    i64::try_from(v.findings.len()).unwrap_or(i64::MAX),
                    serde_json::to_string(&v.findings)?,
                    v.id.to_string(),
                    i64::try_from(v.version).unwrap_or(i64::MAX)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The findings stored with the verdict on `version` of draft `id`, or `None` when the
    /// cache holds no verdict on that version as things are now (never reviewed, edited
    /// since, or forgotten after a new pack or directory): the caller runs the guard then.
    /// A stored list that no longer reads (written by another build) counts as none.
    pub fn stored_findings(
        &self,
        id: DraftId,
        version: u64,
    ) -> Result<Option<Vec<Finding>>, StoreError> {
        let json: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT findings_json FROM drafts
                 WHERE id = ?1 AND version = ?2 AND risk IS NOT NULL",
            )?
            .query_row(
                params![id.to_string(), i64::try_from(version).unwrap_or(i64::MAX)],
                |row| row.get(0),
            )
            .optional()?;
        Ok(json
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The version of the cached policy pack, 0 when there is none: cheap to ask on every
    /// draft opened, where the pack itself is read only when the version changed.
    pub fn policy_version(&self) -> Result<u64, StoreError> {
        Ok(sync_state::get_raw(&self.conn, POLICY_VERSION)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The organisation's policy pack (JSON) and its version, once a sync fetched one.
    pub fn policy_pack(&self) -> Result<Option<(u64, String)>, StoreError> {
        let version = sync_state::get_raw(&self.conn, POLICY_VERSION)?;
        let pack = sync_state::get_raw(&self.conn, POLICY_PACK)?;
        Ok(match (version.and_then(|v| v.parse().ok()), pack) {
            (Some(version), Some(pack)) => Some((version, pack)),
            _ => None,
        })
    }

    /// Keeps a newly fetched pack and forgets every verdict made with the old one, in one
    /// transaction.
    pub fn set_policy_pack(&mut self, version: u64, pack_json: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        sync_state::set(&tx, POLICY_PACK, pack_json)?;
        sync_state::set(&tx, POLICY_VERSION, &version.to_string())?;
        forget_all(&tx)?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{UNREVIEWED, Verdict};
    use crate::QueueFilter;
    use crate::fixtures::{cache, draft, finding, seed};
    use countersign_core::channel::Route;
    use countersign_core::finding::Severity;
    use countersign_core::{DraftStatus, HistoryEntry, HistoryEvent};

    #[test]
    fn pre_approved_replies_are_listed_apart_from_the_queue_with_the_reply_they_matched() {
        let mut cache = cache();
        let mut reply = draft(1, "Sorry to hear that, Gary — DM us your order number.");
        reply.status = DraftStatus::Approved;
        reply.required_steps.clear();
        let route = Route::PreApproved {
            reply_id: "r1".into(),
            reply: "late-delivery".into(),
        };
        let entry = HistoryEntry::on(
            &reply,
            &reply.author,
            reply.created_at,
            HistoryEvent::Routed { route },
        );
        reply.history.push(entry);
        let pending = draft(2, "A routine reply");
        seed(&mut cache, &[reply.clone(), pending.clone()]);
        let queue: Vec<_> = cache
            .queue(&QueueFilter::default())
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(queue, [pending.id], "the queue is what waits for review");
        let listed = cache
            .queue(&QueueFilter {
                pre_approved: true,
                next_steps: Some(vec!["review".into()]),
                ..QueueFilter::default()
            })
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, reply.id);
        assert_eq!(
            listed[0].pre_approved_reply.as_deref(),
            Some("late-delivery")
        );
    }

    #[test]
    fn the_drafts_waiting_for_a_review_are_found_from_an_index_not_a_scan() {
        let cache = cache();
        let plan: Vec<String> = cache
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {UNREVIEWED}"))
            .unwrap()
            .query_map([10], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(plan.len(), 1, "{plan:?}");
        assert!(
            plan[0].contains("USING INDEX drafts_unreviewed"),
            "{plan:?}"
        );
    }

    #[test]
    fn verdicts_are_kept_until_the_draft_the_pack_or_the_directory_changes() {
        let mut cache = cache();
        let (a, b) = (draft(1, "one"), draft(2, "two"));
        seed(&mut cache, &[a.clone(), b.clone()]);
        assert_eq!(
            cache.unreviewed(10).unwrap().len(),
            2,
            "new drafts need a review"
        );
        let block = Verdict {
            id: a.id,
            version: a.version,
            findings: vec![finding(Severity::Block), finding(Severity::Info)],
        };
        let stale = Verdict {
            id: b.id,
            version: b.version + 1,
            findings: vec![],
        };
        cache.set_verdicts(&[block.clone(), stale]).unwrap();
        let left: Vec<_> = cache.unreviewed(10).unwrap().iter().map(|d| d.id).collect();
        assert_eq!(left, [b.id], "a verdict on another version is not kept");
        assert_eq!(
            cache.stored_findings(a.id, a.version).unwrap(),
            Some(block.findings.clone()),
            "the findings come back as the guard listed them"
        );
        assert_eq!(cache.stored_findings(b.id, b.version).unwrap(), None);
        assert_eq!(cache.stored_findings(a.id, a.version + 1).unwrap(), None);

        let mut edited = a.clone();
        edited.version += 1;
        seed(&mut cache, &[edited]);
        assert_eq!(
            cache.unreviewed(10).unwrap().len(),
            2,
            "an edit needs a new review"
        );
        assert_eq!(
            cache.stored_findings(a.id, a.version + 1).unwrap(),
            None,
            "nor are the old findings kept for the new version"
        );

        cache
            .set_verdicts(&[Verdict {
                version: 2,
                ..block.clone()
            }])
            .unwrap();
        assert!(cache.stored_findings(a.id, 2).unwrap().is_some());
        cache.set_policy_pack(4, r#"{"format":1}"#).unwrap();
        assert_eq!(
            cache.policy_pack().unwrap(),
            Some((4, r#"{"format":1}"#.to_owned()))
        );
        assert_eq!(
            cache.unreviewed(10).unwrap().len(),
            2,
            "a new pack reviews everything"
        );
        assert_eq!(cache.stored_findings(a.id, 2).unwrap(), None);
    }
}
