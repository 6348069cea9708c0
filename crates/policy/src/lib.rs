//! The policy guard: what a tired reviewer might miss in a draft, found before they read it.
//!
//! A **policy pack** ([`Pack`]) is data, not code: a list of **rules**, each naming a
//! **detector** (an e-mail finder, a list of confidential phrases, health words next to a
//! person, a network's length limit, ...) with its parameters, a category, a severity and
//! the words a reviewer reads — what is wrong and why the rule exists. The built-in
//! [`Pack::builtin`] covers what every organisation needs; an organisation's own pack
//! ([`Pack::layered`]) adds its code names, VIP and customer names and banned terms, changes
//! severities, turns rules off, and overrides rules per channel.
//!
//! A [`Guard`] is a pack compiled once (its patterns built), then asked about drafts:
//! [`review`] gives every [`Finding`] with its span in Unicode code points. The server runs
//! it to route drafts and to refuse an approval over a `block` finding without an override
//! reason; the desktop runs the same pack, cached, offline, so the two never disagree; the
//! `lint` command runs it for authors' tools.
//!
//! [`measure`] counts a post the way its network does (X's weighted length, Bluesky's
//! graphemes, ...): the one implementation the window, the server and `lint` all use.
//!
//! [`replies`] tells whether a draft is one of the organisation's pre-approved replies.
//!
//! Nothing here does I/O.
#![deny(missing_docs)]

mod detect;
mod guard;
mod measure;
mod pack;
pub mod replies;
mod subject;
mod text;

pub use countersign_core::finding::{Category, Finding, Measure, Severity, Span};
pub use guard::Guard;
pub use measure::measure;
pub use pack::{
    ChannelOverrides, Detector, FORMAT, Organisation, Pack, PackError, Rule, RuleOverride,
};
pub use subject::{CrisisContext, Subject};

/// Every finding `guard` has for `subject`, most serious first, then in text order.
pub fn review(subject: &Subject<'_>, guard: &Guard) -> Vec<Finding> {
    guard.review(subject)
}
