//! Which version of each draft the reviewer last opened, and the comments made here that the
//! cached draft's history does not show yet.

use crate::columns::micros;
use crate::{Cache, StoreError};
use chrono::{DateTime, Utc};
use countersign_core::{Annotation, DraftId, MutationKind};
use rusqlite::{OptionalExtension, params};

impl Cache {
    /// Records that the reviewer opened `version` of `draft` at `now`, and returns the
    /// version they had opened before (`None`: never opened here). One transaction, so two
    /// opens never both read the older version as "before".
    pub fn mark_seen(
        &mut self,
        draft: DraftId,
        version: u64,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        let tx = self.conn.transaction()?;
        let before: Option<u64> = tx
            .prepare_cached("SELECT version FROM seen WHERE draft_id = ?1")?
            .query_row([draft.to_string()], |row| row.get(0))
            .optional()?;
        tx.prepare_cached(
            "INSERT INTO seen (draft_id, version, seen_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (draft_id) DO UPDATE SET version = excluded.version,
                                                  seen_at = excluded.seen_at",
        )?
        .execute(params![draft.to_string(), version, micros(now)])?;
        tx.commit()?;
        Ok(before)
    }

    /// The version of `draft` the reviewer last opened here.
    pub fn seen_version(&self, draft: DraftId) -> Result<Option<u64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT version FROM seen WHERE draft_id = ?1")?
            .query_row([draft.to_string()], |row| row.get(0))
            .optional()?)
    }

    /// The comments on `draft` still in the outbox (not sent yet, or sent and not yet back
    /// in a pull), oldest first: the window shows them with the draft's own.
    pub fn local_annotations(&self, draft: DraftId) -> Result<Vec<Annotation>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation FROM outbox WHERE draft_id = ?1 AND verdict IS NULL
             ORDER BY mutation_id",
        )?;
        let rows = stmt
            .query_map([draft.to_string()], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut annotations = Vec::new();
        for json in rows {
            if let MutationKind::Annotate { annotation } = serde_json::from_str(&json)? {
                annotations.push(annotation);
            }
        }
        Ok(annotations)
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures::{self, t0};
    use countersign_core::{MutationKind, Verdict};

    #[test]
    fn opening_a_draft_returns_the_version_seen_before_and_remembers_this_one() {
        let mut cache = fixtures::cache();
        let (draft, other) = (fixtures::draft(1, "a").id, fixtures::draft(2, "b").id);
        assert_eq!(cache.seen_version(draft).unwrap(), None);
        assert_eq!(cache.mark_seen(draft, 1, t0()).unwrap(), None, "never seen");
        assert_eq!(cache.mark_seen(draft, 3, t0()).unwrap(), Some(1));
        assert_eq!(cache.seen_version(draft).unwrap(), Some(3));
        assert_eq!(cache.seen_version(other).unwrap(), None, "per draft");
    }

    #[test]
    fn local_annotations_are_the_drafts_comments_in_the_outbox_and_not_its_decisions() {
        let mut cache = fixtures::cache();
        let (draft, other) = (fixtures::draft(1, "a"), fixtures::draft(2, "b"));
        fixtures::seed(&mut cache, &[draft.clone(), other.clone()]);
        let kinds = [
            fixtures::annotate(&draft, "first"),
            fixtures::annotate(&other, "elsewhere"),
            fixtures::decide(&draft, Verdict::Approve),
            fixtures::annotate(&draft, "second"),
        ];
        for kind in &kinds {
            cache.enqueue(kind, t0()).unwrap();
        }
        let bodies: Vec<String> = cache
            .local_annotations(draft.id)
            .unwrap()
            .into_iter()
            .map(|a| a.body)
            .collect();
        assert_eq!(bodies, ["first", "second"]);
        assert!(matches!(kinds[0], MutationKind::Annotate { .. }));
    }
}
