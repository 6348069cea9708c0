//! Comments on the words of a draft: the selector made from the window's selection, and
//! each comment as the window shows it, anchored in the draft's current text.
//!
//! The window sends a selection as code points into the cached body (`{start, end}`); the
//! text, its context and the position are taken from the body here, so the window never
//! sends words of its own ([`countersign_core::anchor`] makes and finds selectors).

use crate::error::AppError;
use chrono::{DateTime, Utc};
use countersign_core::anchor::{self, Anchor};
use countersign_core::{Annotation, AnnotationId, Draft, HistoryEvent, Person, TextSelector};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// A selection in the draft's body, in code points (end exclusive), as the window sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// First code point.
    pub start: u32,
    /// One past the last.
    pub end: u32,
}

/// A comment the reviewer writes: on the whole draft, or on a selection with an optional
/// suggested replacement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewComment {
    /// The comment.
    pub body: String,
    /// The words it is about; `None` for the whole draft.
    pub target: Option<Selection>,
    /// Text to put in place of the selection (`""` suggests deleting it).
    pub suggestion: Option<String>,
}

/// A comment as the window shows it, with where its words are in the current text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnnotationView {
    /// Its id.
    pub id: AnnotationId,
    /// The comment.
    pub body: String,
    /// Who made it; `None` for the reviewer's own comment not yet back from the server.
    pub by: Option<Person>,
    /// When the server recorded it; `None` while it is only here.
    pub at: Option<DateTime<Utc>>,
    /// The version it was made on.
    pub version: u64,
    /// The suggested replacement, if any.
    pub suggestion: Option<String>,
    /// The selector as made.
    pub target: Option<TextSelector>,
    /// Where its words are in the current body; `None` for a comment on the whole draft.
    pub anchor: Option<Anchor>,
    /// The author accepted its suggestion (an edit named it).
    pub accepted: bool,
    /// Still in the outbox: the server has not sent it back yet.
    pub pending: bool,
}

/// The annotation `comment` makes on the cached `draft`, checked against its current body:
/// a selection must be inside it and not empty, and a suggestion needs a selection.
pub fn annotation(draft: &Draft, comment: NewComment) -> Result<Annotation, AppError> {
    let body = comment.body.trim().to_owned();
    if body.is_empty() {
        return Err(AppError::Invalid("a comment needs some text".into()));
    }
    let target = match comment.target {
        None if comment.suggestion.is_some() => {
            return Err(AppError::Invalid(
                "select the words a suggestion replaces".into(),
            ));
        }
        None => None,
        Some(Selection { start, end }) => Some(
            anchor::selector_for(&draft.body, start, end)
                .map_err(|e| AppError::Invalid(e.to_string()))?,
        ),
    };
    Ok(Annotation {
        id: AnnotationId(Uuid::now_v7()),
        draft_id: draft.id,
        draft_version: draft.version,
        body,
        suggestion: comment.suggestion,
        target,
    })
}

/// Every comment on `draft`, oldest first: those in its history, then `local` ones (in the
/// outbox) the history does not have yet. Each is anchored in the current body.
pub fn views(draft: &Draft, local: Vec<Annotation>) -> Vec<AnnotationView> {
    let accepted: HashSet<AnnotationId> = draft
        .history
        .iter()
        .filter_map(|e| match &e.event {
            HistoryEvent::Edited {
                accepted_suggestion,
                ..
            } => *accepted_suggestion,
            _ => None,
        })
        .collect();
    let view = |annotation: Annotation, by, at, pending| AnnotationView {
        anchor: annotation
            .target
            .as_ref()
            .map(|t| anchor::anchor(&draft.body, t)),
        accepted: accepted.contains(&annotation.id),
        id: annotation.id,
        body: annotation.body,
        version: annotation.draft_version,
        suggestion: annotation.suggestion,
        target: annotation.target,
        by,
        at,
        pending,
    };
    let mut views: Vec<AnnotationView> = draft
        .history
        .iter()
        .filter_map(|e| match &e.event {
            HistoryEvent::Annotated { annotation } => Some(view(
                annotation.clone(),
                Some(e.by.clone()),
                Some(e.at),
                false,
            )),
            _ => None,
        })
        .collect();
    let known: HashSet<AnnotationId> = views.iter().map(|v| v.id).collect();
    views.extend(
        local
            .into_iter()
            .filter(|a| a.draft_id == draft.id && !known.contains(&a.id))
            .map(|a| view(a, None, None, true)),
    );
    views
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::{
        DraftId, DraftStatus, HistoryEntry, Network, RequiredStep, TeamId, Urgency, UserId,
    };

    fn person(name: &str) -> Person {
        Person {
            id: UserId(Uuid::now_v7()),
            username: name.into(),
            display_name: name.into(),
        }
    }

    fn draft(body: &str) -> Draft {
        let at: DateTime<Utc> = "2026-12-04T09:00:00Z".parse().unwrap();
        Draft {
            id: DraftId(Uuid::now_v7()),
            version: 1,
            status: DraftStatus::Pending,
            network: Network::X,
            channel: "@acme".into(),
            channel_id: None,
            team: TeamId(Uuid::now_v7()),
            body: body.into(),
            author: person("ana"),
            owner: None,
            urgency: Urgency::Normal,
            requested_urgency: None,
            scheduled_at: None,
            required_steps: vec![RequiredStep::one("review")],
            approvals: vec![],
            in_reply_to: None,
            media: vec![],
            created_at: at,
            updated_at: at,
            history: vec![],
        }
    }

    fn on(selection: Option<(u32, u32)>, suggestion: Option<&str>) -> NewComment {
        NewComment {
            body: " Say it plainly ".into(),
            target: selection.map(|(start, end)| Selection { start, end }),
            suggestion: suggestion.map(str::to_owned),
        }
    }

    #[test]
    fn a_selection_becomes_a_selector_built_from_the_cached_text() {
        let d = draft("Zoë, we will refund you today.");
        let a = annotation(&d, on(Some((13, 19)), Some("credit"))).unwrap();
        let target = a.target.expect("a target");
        assert_eq!(target.quote.exact, "refund");
        assert_eq!(target.quote.prefix, "Zoë, we will ");
        assert_eq!(target.quote.suffix, " you today.");
        assert_eq!(a.suggestion.as_deref(), Some("credit"));
        assert_eq!(a.body, "Say it plainly", "trimmed");
        assert_eq!((a.draft_id, a.draft_version), (d.id, 1));
    }

    #[test]
    fn empty_or_out_of_range_selections_and_suggestions_without_one_are_refused() {
        let d = draft("Short.");
        for (comment, says) in [
            (on(Some((2, 2)), None), "empty"),
            (on(Some((3, 7)), None), "past the end"),
            (on(None, Some("x")), "select the words"),
            (
                NewComment {
                    body: "  ".into(),
                    ..Default::default()
                },
                "needs some text",
            ),
        ] {
            match annotation(&d, comment) {
                Err(AppError::Invalid(message)) => assert!(message.contains(says), "{message}"),
                other => panic!("refused with {says:?} expected, got {other:?}"),
            }
        }
        assert!(annotation(&d, on(None, None)).unwrap().target.is_none());
        assert!(
            annotation(&d, on(Some((0, 6)), Some(""))).is_ok(),
            "delete it all"
        );
    }

    #[test]
    fn views_anchor_each_comment_in_the_current_text_and_add_the_local_ones() {
        let mut d = draft("We will refund you within 5 days.");
        let rui = person("rui");
        let on_words = annotation(&d, on(Some((8, 14)), Some("credit"))).unwrap();
        let gone = annotation(&d, on(Some((26, 32)), None)).unwrap();
        let whole = annotation(&d, on(None, None)).unwrap();
        let at = d.created_at;
        for a in [&on_words, &gone, &whole] {
            d.history.push(HistoryEntry {
                at,
                by: rui.clone(),
                version: 1,
                event: HistoryEvent::Annotated {
                    annotation: a.clone(),
                },
            });
        }
        // The author edits: a greeting before, and "5 days" goes.
        d.history.push(HistoryEntry {
            at,
            by: d.author.clone(),
            version: 1,
            event: HistoryEvent::Edited {
                previous_body: d.body.clone(),
                accepted_suggestion: None,
            },
        });
        d.version = 2;
        d.body = "Hi! We will refund you within a week.".into();
        let mine = annotation(&d, on(Some((0, 3)), None)).unwrap();
        let views = views(&d, vec![on_words.clone(), mine.clone()]);
        let by_id = |id| views.iter().find(|v| v.id == id).unwrap();
        assert_eq!(
            views.len(),
            4,
            "a local copy of a synced comment is not doubled"
        );
        assert_eq!(
            by_id(on_words.id).anchor,
            Some(Anchor::Moved { start: 12, end: 18 })
        );
        assert_eq!(by_id(gone.id).anchor, Some(Anchor::Detached));
        assert_eq!(by_id(whole.id).anchor, None);
        assert_eq!(by_id(whole.id).by.as_ref(), Some(&rui));
        let local = by_id(mine.id);
        assert!(local.pending && local.by.is_none() && local.at.is_none());
        assert_eq!(local.anchor, Some(Anchor::Exact { start: 0, end: 3 }));
        assert_eq!(views.last().map(|v| v.id), Some(mine.id), "local ones last");
    }

    #[test]
    fn a_suggestion_an_edit_named_is_accepted() {
        let mut d = draft("We will refund you.");
        let a = annotation(&d, on(Some((8, 14)), Some("credit"))).unwrap();
        let at = d.created_at;
        d.history.push(HistoryEntry {
            at,
            by: person("rui"),
            version: 1,
            event: HistoryEvent::Annotated {
                annotation: a.clone(),
            },
        });
        assert!(!views(&d, vec![])[0].accepted);
        d.history.push(HistoryEntry {
            at,
            by: d.author.clone(),
            version: 1,
            event: HistoryEvent::Edited {
                previous_body: d.body.clone(),
                accepted_suggestion: Some(a.id),
            },
        });
        d.version = 2;
        d.body = "We will credit you.".into();
        let view = &views(&d, vec![])[0];
        assert!(view.accepted);
        assert_eq!(
            view.anchor,
            Some(Anchor::Detached),
            "its words were replaced"
        );
    }
}
