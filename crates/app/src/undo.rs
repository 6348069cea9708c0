//! Undo: taking back a decision while it is still only on this laptop.
//!
//! The outbox numbers mutations 1, 2, 3… and the server refuses a gap, so an undo cannot
//! just delete a row: the cache deletes it and renumbers the rows after it in one
//! transaction, and only while no push has held any of them (each push claims its rows,
//! committed, under the cache lock, before its request leaves). The reasons, and what
//! happens with a push in flight, one that failed half-way and a killed process, are in
//! `countersign_store`'s `undo` module. Once a push has started, or the server has answered,
//! the decision stands and the answer is [`AppError::UndoTooLate`].
//!
//! Online, that push would start within a second of the decision. So the background sync
//! ([`App::sync_in_background`]) leaves the mutations made in the last [`UNDO_WINDOW`] in the
//! outbox, and sends them once the window has passed; the window offers undo for as long
//! (`UNDO_OFFER_MS` in `ui/js/bulk.js`, checked against this by a test). "Sync now" sends
//! everything at once: the reviewer asked for it to go.

use crate::App;
use crate::error::AppError;
use countersign_core::{DraftId, MutationId};
use countersign_store::TooLate;
use countersign_sync::engine::with_cache;
use serde::Serialize;

/// How long a decision or comment made here stays undoable before the background sync sends
/// it.
pub const UNDO_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// A decision taken back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct UndoneDecision {
    /// The draft it was about: its queue row is undecided again.
    pub draft_id: DraftId,
    /// The id it had. Every later outbox row moved down by one, so any id above this one
    /// the window holds is now one lower.
    pub mutation_id: MutationId,
    /// How many later rows moved down.
    pub renumbered: u64,
}

/// What the reviewer is told when an undo comes too late.
pub fn too_late_message(why: TooLate) -> &'static str {
    match why {
        TooLate::Sent => {
            "This decision can no longer be undone: it is already on its way to the server."
        }
        TooLate::Answered | TooLate::Gone => {
            "This decision can no longer be undone: it has reached the server."
        }
    }
}

impl App {
    /// Takes back the mutation `mutation_id` (a decision, or a comment) if it is still only in
    /// the outbox: its row goes, later rows are renumbered, and the queue shows the draft
    /// undecided again. Refused with [`AppError::UndoTooLate`] once a push holding it has
    /// started or the server has answered it.
    pub async fn undo(&self, mutation_id: MutationId) -> Result<UndoneDecision, AppError> {
        let (cache, _) = self.reviewer().await?;
        match with_cache(&cache, move |c| c.undo(mutation_id)).await? {
            Ok(undone) => Ok(UndoneDecision {
                draft_id: undone.draft_id,
                mutation_id: undone.mutation_id,
                renumbered: undone.renumbered,
            }),
            Err(why) => Err(AppError::UndoTooLate(too_late_message(why).to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The window offers undo for as long as the background holds a decision back: its
    /// `UNDO_OFFER_MS` is this window, read from the file it ships in.
    #[test]
    fn the_window_offers_undo_for_as_long_as_decisions_are_held_back() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/js/bulk.js");
        let text = std::fs::read_to_string(path).expect("ui/js/bulk.js is readable");
        let ms: u128 = text
            .lines()
            .find_map(|line| line.strip_prefix("export const UNDO_OFFER_MS = "))
            .and_then(|rest| rest.trim_end_matches(';').replace('_', "").parse().ok())
            .expect("bulk.js exports UNDO_OFFER_MS as a number");
        assert_eq!(ms, super::UNDO_WINDOW.as_millis());
    }
}
