//! What a sync does next, decided from what it has done so far. Pure: no I/O, no clock.
//!
//! The order is fixed by the protocol: push everything unanswered first (so the pull that
//! follows already carries our own decisions and acknowledges them), then pull until the
//! server says there is no more. A push that answers nothing would loop forever, so a push
//! that made no progress stops the sync instead.
//!
//! A server restored from a backup has forgotten some of what this desktop sent. It says so
//! in one of three ways, and each re-opens outbox rows (the cache does that) which are then
//! pushed again: a push answered `mutation_gap` (push again from the id it expects, with a
//! [`skip`] declaration for ids no longer held), a pull whose `last_mutation_id` is below
//! some of our answered rows, or a pull answered `cursor_ahead` (pull again from the start).
//! Every such round is counted, so a server that keeps saying it forgot cannot keep a sync
//! going forever: after [`MAX_ROUNDS`] the sync stops as [`Action::Stalled`]. A gap answer
//! further on than the one before, to a push that left fewer rows unanswered, is the same
//! round going on, not a new one: a skip covers only the ids up to the next one still held,
//! so an outbox whose held rows alternate with dropped ones (refusals kept as conflicts
//! between confirmed decisions) meets one gap per hole. It still ends: each such answer
//! takes rows out of the unanswered ones for good.

use countersign_core::MutationId;
use countersign_core::wire::SkippedMutations;
use std::time::Duration;

/// How many times one sync goes round again after the server said it had forgotten
/// something (a gap answer, a pull that re-opened rows, a feed started again). One restore
/// takes one or two; more in a row is a server that is not making progress.
pub const MAX_ROUNDS: u32 = 4;

/// Where a sync stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Outbox entries the server has not answered yet.
    pub unanswered: u64,
    /// The last push answered none of what it sent.
    pub push_stalled: bool,
    /// The changes feed said `has_more: false`.
    pub pulled_to_end: bool,
    /// The id the server expects next, from a `mutation_gap` answer to the last push: the
    /// next push starts there (declaring a skip when this desktop no longer holds it).
    pub gap: Option<MutationId>,
    /// Rounds gone again in this sync because the server had forgotten something.
    pub rounds: u32,
    /// The latest `mutation_gap` answer of this sync, and how many rows were unanswered
    /// after it: a later gap further on, with fewer rows unanswered, is the same round.
    pub last_gap: Option<(MutationId, u64)>,
}

impl Progress {
    /// A sync about to start with `unanswered` outbox entries.
    pub const fn start(unanswered: u64) -> Self {
        Self {
            unanswered,
            push_stalled: false,
            pulled_to_end: false,
            gap: None,
            rounds: 0,
            last_gap: None,
        }
    }

    /// Takes in the answer to a push of `sent` mutations: `answered` results came back,
    /// `gap` is the expected id of a `mutation_gap` among them, and `unanswered` is the
    /// outbox's count after the answers were recorded (re-opened rows included).
    pub fn pushed(
        &mut self,
        sent: usize,
        answered: usize,
        gap: Option<MutationId>,
        unanswered: u64,
    ) {
        self.push_stalled = sent > 0 && answered == 0;
        if let Some(expected) = gap {
            // The same expected id twice running: the server refused our resend or skip.
            if self.gap == Some(expected) {
                self.push_stalled = true;
            }
            // The server took our skip and what followed it up to the next hole in the ids
            // this desktop still holds (in this push or the ones since the last gap):
            // progress within the round, not the server forgetting again. Rows left the
            // unanswered ones since that gap, so this cannot go on for ever.
            let stepped_on = self
                .last_gap
                .is_some_and(|(last, left)| expected > last && unanswered < left);
            if !stepped_on {
                self.rounds += 1;
            }
            self.last_gap = Some((expected, unanswered));
            // The cache reset the pull with the gap: it must run (again).
            self.pulled_to_end = false;
        } else if self.pulled_to_end && answered > 0 {
            // A push after the pull re-sent rows the pull re-opened: pull once more so it
            // confirms them.
            self.pulled_to_end = false;
        }
        self.gap = gap;
        self.unanswered = unanswered;
    }

    /// Takes in a pull: it reached the end of the feed, or (`restarted`) it stopped because
    /// the server had lost this desktop's place in the feed and the cache was reset, so the
    /// pull must start again from the beginning. `reopened` when it re-opened outbox rows;
    /// `unanswered` is the outbox's count after it.
    pub fn pulled(&mut self, reopened: bool, restarted: bool, unanswered: u64) {
        self.pulled_to_end = !restarted;
        if reopened || restarted {
            self.rounds += 1;
        }
        self.unanswered = unanswered;
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
        /// The id the server expects next, after a `mutation_gap` answer: declare the ids
        /// from it up to the first one still held as skipped ([`skip`]).
        resume_at: Option<MutationId>,
    },
    /// Pull one page of changes.
    Pull {
        /// Page size.
        limit: u32,
    },
    /// The server answered the outbox but not a single mutation of the last push, refused
    /// the resend a gap asked for, or kept saying it forgot things: stop.
    Stalled,
    /// Nothing left to do.
    Done,
}

/// Decides the next action.
pub fn next_action(progress: &Progress, limits: &Limits) -> Action {
    if progress.rounds > MAX_ROUNDS {
        return Action::Stalled;
    }
    if progress.unanswered > 0 {
        if progress.push_stalled {
            return Action::Stalled;
        }
        let batch = usize::try_from(progress.unanswered)
            .unwrap_or(usize::MAX)
            .min(limits.push_batch)
            .max(1);
        return Action::Push {
            batch,
            resume_at: progress.gap,
        };
    }
    if !progress.pulled_to_end {
        return Action::Pull {
            limit: limits.page_limit,
        };
    }
    Action::Done
}

/// The skip a push declares after a `mutation_gap` answer: the server expects `expected`,
/// and the lowest id this desktop still holds from there on is `first_held`. Everything in
/// between was answered by a server and dropped after a pull confirmed it, so the restored
/// server, which never processed those ids, may step over them. `None` when nothing lies
/// in between (the desktop still holds `expected`) or nothing is held from there on.
pub fn skip(expected: MutationId, first_held: Option<MutationId>) -> Option<SkippedMutations> {
    let first_held = first_held?;
    (first_held > expected).then(|| SkippedMutations {
        from: expected,
        to: MutationId(first_held.0 - 1),
    })
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
            ..Progress::start(0)
        }
    }

    fn push(batch: usize) -> Action {
        Action::Push {
            batch,
            resume_at: None,
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
            ("outbox first", progress(3, false, false), push(3)),
            (
                "big outbox in batches",
                progress(1234, false, false),
                push(500),
            ),
            ("push even after a pull", progress(2, false, true), push(2)),
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
    fn a_gap_pushes_again_from_the_expected_id_then_pulls_from_the_start() {
        let mut p = Progress::start(2);
        p.pushed(2, 2, Some(MutationId(3)), 4);
        assert_eq!(
            next_action(&p, &LIMITS),
            Action::Push {
                batch: 4,
                resume_at: Some(MutationId(3))
            },
            "re-opened rows go out again, from the id the server expects"
        );
        p.pushed(4, 4, None, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Pull { limit: 1000 });
        p.pulled(false, false, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Done);
    }

    #[test]
    fn the_same_gap_twice_stops_the_sync() {
        let mut p = Progress::start(1);
        p.pushed(1, 1, Some(MutationId(3)), 1);
        p.pushed(1, 1, Some(MutationId(3)), 1);
        assert_eq!(next_action(&p, &LIMITS), Action::Stalled);
    }

    #[test]
    fn a_pull_that_reopens_rows_is_followed_by_a_push_and_another_pull() {
        let mut p = Progress::start(0);
        p.pulled(true, false, 2);
        assert_eq!(next_action(&p, &LIMITS), push(2));
        p.pushed(2, 2, None, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Pull { limit: 1000 });
        p.pulled(false, false, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Done);
    }

    #[test]
    fn a_restarted_feed_is_pulled_again_from_the_start() {
        let mut p = Progress::start(0);
        p.pulled(false, true, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Pull { limit: 1000 });
        p.pulled(false, false, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Done);
        let mut hostile = Progress::start(0);
        for _ in 0..=MAX_ROUNDS {
            hostile.pulled(false, true, 0);
        }
        assert_eq!(
            next_action(&hostile, &LIMITS),
            Action::Stalled,
            "a feed that restarts every time ends the sync"
        );
    }

    #[test]
    fn a_server_that_keeps_forgetting_stops_the_sync_after_max_rounds() {
        let mut p = Progress::start(0);
        for _ in 0..=MAX_ROUNDS {
            p.pulled(true, false, 1);
            p.pushed(1, 1, None, 0);
        }
        assert_eq!(next_action(&p, &LIMITS), Action::Stalled);
    }

    #[test]
    fn a_skip_covers_exactly_the_ids_no_longer_held() {
        let m = MutationId;
        assert_eq!(
            skip(m(3), Some(m(6))),
            Some(SkippedMutations {
                from: m(3),
                to: m(5)
            })
        );
        assert_eq!(
            skip(m(3), Some(m(4))),
            Some(SkippedMutations {
                from: m(3),
                to: m(3)
            })
        );
        assert_eq!(
            skip(m(3), Some(m(3))),
            None,
            "3 is held: it is sent, not skipped"
        );
        assert_eq!(skip(m(3), None), None, "nothing to send");
    }

    /// Found by `tests/sync_props.rs`: a server restored from far back, and an outbox whose
    /// held ids alternate with dropped ones (2, 4, 6, 8 refused and kept as conflicts, 1, 3,
    /// 5, 7 applied, confirmed and dropped). Each push can skip only up to the next held id,
    /// so the server answers a gap at every hole, each one further on. Counted as a new round
    /// each, the fifth stopped the sync as Stalled ("it answered none of the queued
    /// decisions") with the server answering every push.
    #[test]
    fn a_resend_that_meets_one_gap_per_hole_goes_on_until_everything_is_answered() {
        let mut p = Progress::start(7);
        // The first gap: the server forgot (one round).
        p.pushed(4, 4, Some(MutationId(1)), 7);
        // Skip 1, 2 applies, gap at 3; skip 3, 4 refused, gap at 5; and so on.
        for (expected, left) in [(3, 6), (5, 5), (7, 4), (9, 3), (11, 2)] {
            assert_eq!(
                next_action(&p, &LIMITS),
                Action::Push {
                    batch: usize::try_from(left + 1).unwrap_or(usize::MAX),
                    resume_at: Some(MutationId(expected - 2))
                },
                "the resend goes on from the gap at {}",
                expected - 2
            );
            p.pushed(4, 4, Some(MutationId(expected)), left);
        }
        p.pushed(2, 2, None, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Pull { limit: 1000 });
        p.pulled(false, false, 0);
        assert_eq!(next_action(&p, &LIMITS), Action::Done);
    }

    /// Found by `tests/sync_props.rs` with the rule above in place: one mutation per push,
    /// so the pushes that skip and apply (no gap) come between the gap answers.
    #[test]
    fn gaps_one_hole_apart_with_single_pushes_between_them_are_one_round() {
        let mut p = Progress::start(3);
        p.pushed(1, 1, Some(MutationId(1)), 3);
        for (expected, left) in [(3, 2), (5, 1)] {
            // The skip and the next held id apply.
            p.pushed(1, 1, None, left);
            assert!(matches!(next_action(&p, &LIMITS), Action::Push { .. }));
            // The next held id is past another hole.
            p.pushed(1, 1, Some(MutationId(expected)), left);
            assert_eq!(
                next_action(&p, &LIMITS),
                Action::Push {
                    batch: usize::try_from(left).unwrap_or(usize::MAX),
                    resume_at: Some(MutationId(expected))
                }
            );
        }
        assert_eq!(p.rounds, 1, "one restore, one round");
    }

    #[test]
    fn a_gap_further_on_that_answered_nothing_is_a_new_round() {
        // A server that only ever says "further on" and takes nothing: the rows stay
        // unanswered, so each gap counts, and the sync stops.
        let mut p = Progress::start(3);
        for expected in 1..=u64::from(MAX_ROUNDS) + 1 {
            p.pushed(3, 3, Some(MutationId(expected)), 3);
        }
        assert_eq!(next_action(&p, &LIMITS), Action::Stalled);
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
