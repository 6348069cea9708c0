//! Runs a detector on a draft in unit tests.

use crate::detect::{Detect, Hit, Input};
use crate::pack::{Detector, Pack};
use crate::subject::Subject;
use crate::text::Text;
use countersign_core::Network;

/// Everything `detector` finds in `subject`.
pub fn hits(detector: &dyn Detect, subject: &Subject<'_>) -> Vec<Hit> {
    let text = Text::new(subject.body);
    let mut hits = Vec::new();
    detector.find(
        &Input {
            text: &text,
            subject,
        },
        &mut hits,
    );
    hits
}

/// The texts `detector` finds in `body`, a draft for X.
pub fn found(detector: &dyn Detect, body: &str) -> Vec<String> {
    hits(detector, &Subject::text(body, Network::X))
        .into_iter()
        .filter_map(|h| h.range.map(|r| body[r].to_owned()))
        .collect()
}

/// The built-in pack's detector for the rule `id`.
pub fn builtin(id: &str) -> Detector {
    Pack::builtin()
        .rules
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.detector)
        .unwrap_or_else(|| panic!("the built-in pack has no rule {id}"))
}
