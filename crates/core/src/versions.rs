//! Every version of a draft's text that its history still knows, rebuilt from the draft
//! alone: each edit kept the text it replaced (`Edited { previous_body }`).
//!
//! A version the history cannot vouch for is left out rather than guessed. When older
//! entries were folded into a summary ([`crate::limits::trim_history`]) the versions start
//! at the first one the kept entries still prove: the version of the first kept entry that
//! is neither a route (the trim keeps the newest route whatever its age) nor a comment (a
//! comment is recorded on the version the reviewer saw, which may be older than the draft's
//! version when it arrived).

use crate::draft::{Draft, HistoryEvent};
use serde::Serialize;

/// One version's text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionBody {
    /// The version.
    pub version: u64,
    /// Its text.
    pub body: String,
}

/// The versions of `draft` its history knows, oldest first, ending with the current one.
///
/// A version made without an edit (crisis mode sending a held draft back to review) has the
/// same text as the one before it.
pub fn versions(draft: &Draft) -> Vec<VersionBody> {
    let summarised = draft
        .history
        .iter()
        .rposition(|e| matches!(e.event, HistoryEvent::Summarised { .. }));
    let first_known = match summarised {
        None => 1,
        Some(at) => draft.history[at + 1..]
            .iter()
            .find(|e| {
                !matches!(
                    e.event,
                    HistoryEvent::Routed { .. } | HistoryEvent::Annotated { .. }
                )
            })
            .map_or(draft.version, |e| e.version),
    };
    let kept = &draft.history[summarised.map_or(0, |at| at + 1)..];
    let first_known = first_known.clamp(1, draft.version.max(1));
    (first_known..=draft.version)
        .map(|version| VersionBody {
            version,
            // The text of a version is what the first edit made on it or later replaced.
            body: kept
                .iter()
                .find_map(|e| match &e.event {
                    HistoryEvent::Edited { previous_body, .. } if e.version >= version => {
                        Some(previous_body.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| draft.body.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::HistoryEntry;
    use crate::fixtures::{self, now};
    use crate::mutation::Annotation;
    use crate::{AnnotationId, Person};
    use uuid::Uuid;

    fn entry(by: &Person, version: u64, event: HistoryEvent) -> HistoryEntry {
        HistoryEntry {
            at: now(),
            by: by.clone(),
            version,
            event,
        }
    }

    fn edited(previous_body: &str) -> HistoryEvent {
        HistoryEvent::Edited {
            previous_body: previous_body.into(),
            accepted_suggestion: None,
        }
    }

    fn bodies(draft: &Draft) -> Vec<(u64, String)> {
        versions(draft)
            .into_iter()
            .map(|v| (v.version, v.body))
            .collect()
    }

    #[test]
    fn every_edit_gives_back_the_text_it_replaced() {
        let ana = fixtures::person(1, "ana");
        let mut d = fixtures::draft(&ana, vec![]);
        d.history = vec![
            entry(&ana, 1, HistoryEvent::Created),
            entry(&ana, 1, edited("one")),
            entry(&ana, 2, HistoryEvent::ReturnedToReview),
            entry(&ana, 3, edited("two")),
        ];
        d.version = 4;
        d.body = "three".into();
        assert_eq!(
            bodies(&d),
            [
                (1, "one".into()),
                (2, "two".into()),
                (3, "two".into()),
                (4, "three".into())
            ]
        );
    }

    #[test]
    fn a_draft_never_edited_has_one_version() {
        let ana = fixtures::person(1, "ana");
        let d = fixtures::draft(&ana, vec![]);
        assert_eq!(bodies(&d), [(1, d.body.clone())]);
    }

    #[test]
    fn a_trimmed_history_gives_only_the_versions_it_still_proves() {
        let ana = fixtures::person(1, "ana");
        let mut d = fixtures::draft(&ana, vec![]);
        let comment = Annotation {
            id: AnnotationId(Uuid::from_u128(7)),
            draft_id: d.id,
            draft_version: 1,
            body: "late comment on version 1".into(),
            suggestion: None,
            target: None,
        };
        d.history = vec![
            entry(
                &ana,
                1,
                HistoryEvent::Summarised {
                    entries: 3,
                    editors: vec![ana.clone()],
                    until: now(),
                },
            ),
            // Made on version 1 but arriving after the folded edits: it proves nothing.
            entry(
                &ana,
                1,
                HistoryEvent::Annotated {
                    annotation: comment,
                },
            ),
            entry(&ana, 3, edited("three")),
        ];
        d.version = 4;
        d.body = "four".into();
        assert_eq!(bodies(&d), [(3, "three".into()), (4, "four".into())]);
    }

    #[test]
    fn a_history_folded_down_to_its_summary_knows_only_the_current_version() {
        let ana = fixtures::person(1, "ana");
        let mut d = fixtures::draft(&ana, vec![]);
        d.history = vec![entry(
            &ana,
            1,
            HistoryEvent::Summarised {
                entries: 9,
                editors: vec![],
                until: now(),
            },
        )];
        d.version = 5;
        assert_eq!(bodies(&d), [(5, d.body.clone())]);
    }
}
