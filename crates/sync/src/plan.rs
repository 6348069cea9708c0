//! What a sync does next, decided from what it has done so far. Pure: no I/O, no clock.
//!
//! The order is fixed by the protocol: push everything unanswered first (so the pull that
//! follows already carries our own decisions and acknowledges them), then pull until the
//! server says there is no more. A push that answers nothing would loop forever, so a push
//! that made no progress stops the sync instead.

use std::time::Duration;

/// Where a sync stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Outbox entries the server has not answered yet.
    pub unanswered: u64,
    /// The last push answered none of what it sent.
    pub push_stalled: bool,
    /// The changes feed said `has_more: false`.
    pub pulled_to_end: bool,
}

impl Progress {
    /// A sync about to start with `unanswered` outbox entries.
    pub const fn start(unanswered: u64) -> Self {
        Self {
            unanswered,
            push_stalled: false,
            pulled_to_end: false,
        }
    }
}

/// Sizes a sync works in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Mutations per push request (the server takes at most 1000).
    pub push_batch: usize,
    /// Drafts per changes page (the server clamps to 2000).
    pub page_limit: u32,
}

/// The next thing to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Push up to this many unanswered mutations, oldest first.
    Push {
        /// How many.
        batch: usize,
    },
    /// Pull one page of changes.
    Pull {
        /// Page size.
        limit: u32,
    },
    /// The server answered the outbox but not a single mutation of the last push: stop.
    Stalled,
    /// Nothing left to do.
    Done,
}

/// Decides the next action.
pub fn next_action(progress: &Progress, limits: &Limits) -> Action {
    if progress.unanswered > 0 {
        if progress.push_stalled {
            return Action::Stalled;
        }
        let batch = usize::try_from(progress.unanswered)
            .unwrap_or(usize::MAX)
            .min(limits.push_batch);
        return Action::Push { batch };
    }
    if !progress.pulled_to_end {
        return Action::Pull {
            limit: limits.page_limit,
        };
    }
    Action::Done
}

/// The size of page number `n` (from 0) of one pull: `first`, doubling each page, never
/// above `max`.
pub fn page_size(n: u32, first: u32, max: u32) -> u32 {
    first
        .checked_shl(n)
        .filter(|size| *size >= first)
        .unwrap_or(u32::MAX)
        .min(max)
        .max(1)
}

/// How long to wait before retry number `attempt` (1 = the first retry): exponential from
/// `base`, capped at `max`, plus a per-client offset in `[0, base)` so that many desktops
/// coming back online together do not retry in lockstep.
pub fn backoff(attempt: u32, base: Duration, max: Duration, spread: u8) -> Duration {
    let factor = 1u32
        .checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let exponential = base.saturating_mul(factor).min(max);
    let offset = base.mul_f64(f64::from(spread) / 256.0);
    exponential.saturating_add(offset).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        push_batch: 500,
        page_limit: 1000,
    };

    fn progress(unanswered: u64, push_stalled: bool, pulled_to_end: bool) -> Progress {
        Progress {
            unanswered,
            push_stalled,
            pulled_to_end,
        }
    }

    #[test]
    fn next_action_table() {
        let cases = [
            (
                "empty outbox pulls",
                progress(0, false, false),
                Action::Pull { limit: 1000 },
            ),
            (
                "outbox first",
                progress(3, false, false),
                Action::Push { batch: 3 },
            ),
            (
                "big outbox in batches",
                progress(1234, false, false),
                Action::Push { batch: 500 },
            ),
            (
                "push even after a pull",
                progress(2, false, true),
                Action::Push { batch: 2 },
            ),
            (
                "a stalled push stops",
                progress(2, true, false),
                Action::Stalled,
            ),
            (
                "done when pulled to the end",
                progress(0, false, true),
                Action::Done,
            ),
            (
                "a stall is irrelevant once answered",
                progress(0, true, true),
                Action::Done,
            ),
        ];
        for (name, p, expected) in cases {
            assert_eq!(next_action(&p, &LIMITS), expected, "{name}");
        }
    }

    #[test]
    fn a_fresh_sync_with_nothing_queued_is_one_pull() {
        assert_eq!(
            next_action(&Progress::start(0), &LIMITS),
            Action::Pull { limit: 1000 }
        );
    }

    #[test]
    fn pages_start_small_and_double_up_to_the_limit() {
        let sizes: Vec<_> = (0..5).map(|n| page_size(n, 1000, 5000)).collect();
        assert_eq!(sizes, [1000, 2000, 4000, 5000, 5000]);
        assert_eq!(
            page_size(0, 1000, 7),
            7,
            "the limit wins over the first size"
        );
        assert_eq!(
            page_size(40, 1000, 5000),
            5000,
            "no overflow for long pulls"
        );
        assert_eq!(page_size(0, 0, 0), 1, "never an empty request");
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let waits: Vec<_> = (1..=7)
            .map(|a| backoff(a, base, max, 0).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(
            backoff(1, base, max, 128).as_millis(),
            150,
            "spread adds up to one base"
        );
        assert_eq!(
            backoff(40, base, max, 255),
            max,
            "never beyond the cap, even for huge attempts"
        );
    }
}
