//! Walking a log: is every event where the server wrote it, unchanged, and is nothing
//! missing, added, moved or cut off?
//!
//! [`verify`] reads events one at a time in position order (from an iterator, so a year of
//! events streams through in constant memory) and stops at the first problem, which it names
//! by kind and position. Each event's hash covers its position and the previous event's
//! hash, so:
//!
//! - a row whose content no longer hashes to its stored hash at any position was **edited**;
//! - a gap in the positions, or rows that hash correctly only at a later position, all
//!   shifted by the same amount (renumbered to close the gap), means rows were **deleted**;
//! - a row that hashes correctly at an earlier position (the rows before it were pushed up to
//!   make room), or a row the next one skips over, was **inserted**;
//! - a row whose content hashes correctly at another position, with its neighbours not
//!   shifted with it, was **re-ordered** (swapped);
//! - a head vouched for outside the database (a reviewer's receipt, a webhook delivery) that
//!   lies past the log's end, or whose hash differs from the event at its position, means
//!   the tail was **truncated** (and perhaps written again).
//!
//! What the chain cannot show: someone who can write the database can rebuild every hash
//! from the point they changed onwards. Only heads held outside the database catch that,
//! which is why [`verify`] takes them.

use crate::event::{Event, GENESIS, Head};
use serde_json::Value;
use std::collections::BTreeMap;

/// How far past the log's last position a renumbered row's true position is looked for: a
/// deletion near the end shifts the last rows down by the number of rows deleted.
const REACH: u64 = 1024;

/// The first thing wrong with a log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The event at `position` was changed after it was written: its content no longer
    /// hashes to the hash stored with it (or, rewritten with a fresh hash, the next event no
    /// longer links to it).
    #[error(
        "event {position} was changed after it was written: its content does not match the hash the log holds for it"
    )]
    Edited {
        /// The changed event.
        position: u64,
    },
    /// `missing` events after `after_position` are gone (0: from the very start).
    #[error(
        "{missing} event(s) after position {after_position} were deleted: the log is cut open there"
    )]
    Deleted {
        /// The last event before the hole (0 when the hole is at the start).
        after_position: u64,
        /// How many events the hole holds.
        missing: u64,
    },
    /// The event at `position` was not written there by the server: it was added, and the
    /// events after it moved up to make room.
    #[error("event {position} was inserted: the server never wrote an event there")]
    Inserted {
        /// The first added event.
        position: u64,
    },
    /// The event at `position` belongs at another position: events were swapped or moved.
    #[error(
        "event {position} is out of order: its content was written at another position (events were swapped or moved)"
    )]
    Reordered {
        /// Where the misplaced event was found.
        position: u64,
    },
    /// A head vouched for outside the database is not in the log: the log ends at `ends_at`
    /// before it, or holds a different event at its position (cut and written again).
    #[error("{}", truncated_text(*.ends_at, .vouched))]
    Truncated {
        /// The log's last position (0: empty).
        ends_at: u64,
        /// The head a receipt or webhook delivery vouches for.
        vouched: Head,
    },
}

/// The sentence for [`Problem::Truncated`]: two different things happened, depending on
/// whether the log still reaches the vouched position.
fn truncated_text(ends_at: u64, vouched: &Head) -> String {
    if ends_at < vouched.position {
        format!(
            "the log was truncated: it ends at position {ends_at}, but a receipt or webhook delivery vouches for event {} (hash {})",
            vouched.position, vouched.hash
        )
    } else {
        format!(
            "the log was cut and written again: event {} is not the one a receipt or webhook delivery vouches for (hash {})",
            vouched.position, vouched.hash
        )
    }
}

/// A log that checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// How many events it holds.
    pub events: u64,
    /// Its last event (`None`: empty).
    pub head: Option<Head>,
}

/// Why [`verify`] gave no [`Verified`].
#[derive(Debug, thiserror::Error)]
pub enum VerifyError<E> {
    /// The log is not what the server wrote.
    #[error(transparent)]
    Broken(#[from] Problem),
    /// The events could not be read.
    #[error("the log could not be read: {0}")]
    Source(E),
}

/// Walks `events` (in position order, as stored) and reports the first [`Problem`], checking
/// every head in `vouched` against the event at its position.
///
/// Memory stays constant whatever the log's length: only the last event's head is kept. On a
/// problem the rest of the log is read once more to tell a swap from a deletion (how far it
/// reaches, and whether the next event moved too).
pub fn verify<E>(
    events: impl IntoIterator<Item = Result<Event, E>>,
    vouched: &[Head],
) -> Result<Verified, VerifyError<E>> {
    let mut heads: BTreeMap<u64, Vec<Head>> = BTreeMap::new();
    for head in vouched {
        heads.entry(head.position).or_default().push(Head {
            position: head.position,
            hash: head.hash.to_ascii_lowercase(),
        });
    }
    let mut rows = events.into_iter();
    let mut next_row = || rows.next().transpose().map_err(VerifyError::Source);
    let mut last: Option<Head> = None;
    let mut count = 0u64;
    while let Some(row) = next_row()? {
        let expected = last.as_ref().map_or(1, |l| l.position + 1);
        if row.position < expected {
            // Positions are the table's key, so only a file (an export) can hold this.
            let repeated = last.as_ref().is_some_and(|l| l.position == row.position);
            return Err(VerifyError::Broken(if repeated {
                Problem::Inserted {
                    position: row.position,
                }
            } else {
                Problem::Reordered {
                    position: row.position,
                }
            }));
        }
        if row.position > expected {
            // A file (an export) can hold the missing events further on, out of order.
            if next_row()?.is_some_and(|n| n.position < row.position) {
                return Err(Problem::Reordered {
                    position: row.position,
                }
                .into());
            }
            return Err(Problem::Deleted {
                after_position: expected - 1,
                missing: row.position - expected,
            }
            .into());
        }
        let prev = last.as_ref().map_or(GENESIS, |l| l.hash.as_str());
        if row.computed_hash() != row.hash || row.prev_hash != prev {
            return Err(diagnose(row, &mut next_row)?.into());
        }
        if let Some(other) = heads
            .get(&row.position)
            .and_then(|hs| hs.iter().find(|h| h.hash != row.hash))
        {
            let mut ends_at = row.position;
            while let Some(later) = next_row()? {
                ends_at = ends_at.max(later.position);
            }
            return Err(Problem::Truncated {
                ends_at,
                vouched: other.clone(),
            }
            .into());
        }
        last = Some(row.head());
        count += 1;
    }
    let ends_at = last.as_ref().map_or(0, |l| l.position);
    if let Some(head) = heads.range(ends_at + 1..).flat_map(|(_, hs)| hs).next() {
        return Err(Problem::Truncated {
            ends_at,
            vouched: head.clone(),
        }
        .into());
    }
    Ok(Verified {
        events: count,
        head: last,
    })
}

/// Names what is wrong with `row`, the first event that does not hash or does not link,
/// reading on in `rest` as far as it needs.
fn diagnose<E>(
    row: Event,
    rest: &mut impl FnMut() -> Result<Option<Event>, VerifyError<E>>,
) -> Result<Problem, VerifyError<E>> {
    let p = row.position;
    let next = rest()?;
    // The next row holds the content written at `p`: the row at `p` was put in front of it.
    let pushed_up = next
        .as_ref()
        .is_some_and(|n| n.position == p + 1 && hashes_at(n, p));
    if row.computed_hash() == row.hash {
        // Intact, but it does not follow the event before it.
        return Ok(if pushed_up {
            Problem::Inserted { position: p }
        } else if p == 1 {
            // The first event must follow GENESIS; it was rewritten with a fresh hash.
            Problem::Edited { position: 1 }
        } else {
            // The event before it was rewritten with a fresh hash: this one still names the
            // hash it had.
            Problem::Edited { position: p - 1 }
        });
    }
    let mut end = next.as_ref().map_or(p, |n| n.position.max(p));
    while let Some(later) = rest()? {
        end = end.max(later.position);
    }
    let found = (1..=end.saturating_add(REACH)).find(|&q| q != p && hashes_at(&row, q));
    Ok(match found {
        Some(q) if q > p => {
            let shift = q - p;
            let moved_too = next
                .as_ref()
                .is_none_or(|n| hashes_at(n, n.position.saturating_add(shift)));
            if moved_too {
                // Everything after the hole was renumbered down to close it.
                Problem::Deleted {
                    after_position: p - 1,
                    missing: shift,
                }
            } else {
                Problem::Reordered { position: p }
            }
        }
        // Written at `q` but found at `p`: the rows from `q` up were pushed up past rows
        // added in front of them.
        Some(q) => Problem::Inserted { position: q },
        None if pushed_up => Problem::Inserted { position: p },
        None => Problem::Edited { position: p },
    })
}

/// Whether `event`'s content hashes to its stored hash had it been written at `position`.
fn hashes_at(event: &Event, position: u64) -> bool {
    let mut moved = event.clone();
    moved.position = position;
    moved.computed_hash() == event.hash
}

/// Every head a JSON document vouches for: each object under an `"audit"` key holding a
/// `"position"` (a whole number from 1) and a string `"hash"`, at any depth. Reads a signed receipt, an
/// array of them, the desktop's "export my decisions" file or a webhook delivery alike.
pub fn heads_in(document: &Value) -> Vec<Head> {
    let mut found = Vec::new();
    let mut stack = vec![document];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(audit)) = map.get("audit")
                    && let (Some(position), Some(hash)) = (
                        audit
                            .get("position")
                            .and_then(Value::as_u64)
                            .filter(|p| *p > 0),
                        audit.get("hash").and_then(Value::as_str),
                    )
                {
                    found.push(Head {
                        position,
                        hash: hash.to_owned(),
                    });
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found.sort_by_key(|h| h.position);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ActorRef, NewEvent, Via};
    use crate::kinds;
    use chrono::{TimeDelta, TimeZone, Utc};
    use proptest::prelude::*;
    use serde_json::json;
    use std::convert::Infallible;
    use uuid::Uuid;

    /// A log of `n` events, each different from the others.
    fn chain(n: u64) -> Vec<Event> {
        let start = Utc
            .with_ymd_and_hms(2026, 12, 3, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let mut events: Vec<Event> = Vec::new();
        for i in 1..=n {
            let kind = [kinds::SIGN_IN, kinds::DECISION, kinds::COMMENT][(i % 3) as usize];
            let event = NewEvent {
                actor: Some(ActorRef {
                    id: Uuid::from_u128(u128::from(i % 4)),
                    username: format!("user{}", i % 4),
                }),
                detail: json!({"n": i % 5}),
                ..NewEvent::new(start + TimeDelta::seconds(i as i64), kind, Via::Api)
            }
            .link(
                i,
                events
                    .last()
                    .map_or_else(|| GENESIS.to_owned(), |e| e.hash.clone()),
            );
            events.push(event);
        }
        events
    }

    fn check(events: &[Event], heads: &[Head]) -> Result<Verified, Problem> {
        verify(events.iter().cloned().map(Ok::<_, Infallible>), heads).map_err(|e| match e {
            VerifyError::Broken(problem) => problem,
            VerifyError::Source(never) => match never {},
        })
    }

    /// Swaps the content of two rows, leaving the positions where they were: what exchanging
    /// two rows of the table does.
    fn swap(events: &mut [Event], a: usize, b: usize) {
        let (pa, pb) = (events[a].position, events[b].position);
        events.swap(a, b);
        events[a].position = pa;
        events[b].position = pb;
    }

    /// Rows from `from` (an index) on move down by one: closing the hole a deletion left.
    fn renumber_down(events: &mut [Event], from: usize) {
        for e in &mut events[from..] {
            e.position -= 1;
        }
    }

    #[test]
    fn an_untouched_log_verifies_with_its_heads() {
        let events = chain(10);
        let heads = [events[2].head(), events[9].head()];
        assert_eq!(
            check(&events, &heads),
            Ok(Verified {
                events: 10,
                head: Some(events[9].head())
            })
        );
        assert_eq!(
            check(&[], &[]),
            Ok(Verified {
                events: 0,
                head: None
            })
        );
    }

    #[test]
    fn an_edited_row_is_found_where_it_is() {
        let mut events = chain(10);
        events[4].detail = json!({"n": 99});
        assert_eq!(check(&events, &[]), Err(Problem::Edited { position: 5 }));

        // Rewritten with a hash of its own: the next event still names the old one.
        let mut events = chain(10);
        events[4].kind = kinds::OVERRIDE.into();
        events[4].hash = events[4].computed_hash();
        assert_eq!(check(&events, &[]), Err(Problem::Edited { position: 5 }));

        // The stored hash itself changed.
        let mut events = chain(3);
        events[2].hash = "f".repeat(64);
        assert_eq!(check(&events, &[]), Err(Problem::Edited { position: 3 }));
    }

    #[test]
    fn a_deleted_row_is_found_as_a_hole_or_as_renumbered_rows() {
        let mut events = chain(10);
        events.remove(3);
        assert_eq!(
            check(&events, &[]),
            Err(Problem::Deleted {
                after_position: 3,
                missing: 1
            })
        );

        let mut events = chain(10);
        events.drain(0..2);
        assert_eq!(
            check(&events, &[]),
            Err(Problem::Deleted {
                after_position: 0,
                missing: 2
            })
        );

        let mut events = chain(10);
        events.drain(3..5);
        renumber_down(&mut events, 3);
        renumber_down(&mut events, 3);
        assert_eq!(
            check(&events, &[]),
            Err(Problem::Deleted {
                after_position: 3,
                missing: 2
            })
        );

        // The last-but-one, with the last renumbered into its place.
        let mut events = chain(10);
        events.remove(8);
        renumber_down(&mut events, 8);
        assert_eq!(
            check(&events, &[]),
            Err(Problem::Deleted {
                after_position: 8,
                missing: 1
            })
        );
    }

    #[test]
    fn an_inserted_row_is_found() {
        // A forged event linked properly to the one before, the rest pushed up a place.
        let mut events = chain(10);
        let forged =
            NewEvent::new(events[3].at, kinds::DECISION, Via::Api).link(5, events[3].hash.clone());
        events.insert(4, forged);
        for e in &mut events[5..] {
            e.position += 1;
        }
        assert_eq!(check(&events, &[]), Err(Problem::Inserted { position: 5 }));

        // A forged event with a made-up hash.
        let mut events = chain(10);
        let mut forged = events[3].clone();
        forged.position = 5;
        forged.hash = "a".repeat(64);
        events.insert(4, forged);
        for e in &mut events[5..] {
            e.position += 1;
        }
        assert_eq!(check(&events, &[]), Err(Problem::Inserted { position: 5 }));

        // A second event at a position already taken (only an export file can hold one).
        let mut events = chain(5);
        let copy = events[2].clone();
        events.insert(3, copy);
        assert_eq!(check(&events, &[]), Err(Problem::Inserted { position: 3 }));
    }

    #[test]
    fn swapped_rows_are_found_at_the_first() {
        for (a, b) in [(2, 3), (2, 7), (0, 9), (8, 9)] {
            let mut events = chain(10);
            swap(&mut events, a, b);
            assert_eq!(
                check(&events, &[]),
                Err(Problem::Reordered {
                    position: a as u64 + 1
                }),
                "swap {a} {b}"
            );
        }
        // Out of position order, as a file can be.
        let mut events = chain(5);
        events.swap(1, 2);
        assert_eq!(check(&events, &[]), Err(Problem::Reordered { position: 3 }));
    }

    #[test]
    fn a_cut_tail_is_found_only_against_a_head_held_elsewhere() {
        let full = chain(10);
        let receipt = full[8].head();
        let cut = &full[..6];
        assert!(
            check(cut, &[]).is_ok(),
            "without a head, a cut is invisible"
        );
        let problem = check(cut, std::slice::from_ref(&receipt));
        assert_eq!(
            problem,
            Err(Problem::Truncated {
                ends_at: 6,
                vouched: receipt.clone()
            })
        );
        let text = problem.err().map(|p| p.to_string()).unwrap_or_default();
        assert!(text.contains("ends at position 6"), "{text}");

        // Cut and written again past the head: the event there is not the vouched one.
        let mut regrown = full[..6].to_vec();
        for i in 7..=12u64 {
            let prev = regrown.last().map(|e| e.hash.clone()).unwrap_or_default();
            regrown.push(NewEvent::new(full[0].at, kinds::SIGN_IN, Via::Api).link(i, prev));
        }
        let problem = check(&regrown, std::slice::from_ref(&receipt));
        assert_eq!(
            problem,
            Err(Problem::Truncated {
                ends_at: 12,
                vouched: receipt
            })
        );
        let text = problem.err().map(|p| p.to_string()).unwrap_or_default();
        assert!(text.contains("written again"), "{text}");

        // A head's hash in capitals is the same head.
        let mut shouted = full[9].head();
        shouted.hash = shouted.hash.to_ascii_uppercase();
        assert!(check(&full, &[shouted]).is_ok());
    }

    #[test]
    fn a_read_failure_is_not_a_verdict() {
        let events = chain(3);
        let rows = events
            .into_iter()
            .map(Ok)
            .chain(std::iter::once(Err("disk gone")));
        assert!(matches!(
            verify(rows, &[]),
            Err(VerifyError::Source("disk gone"))
        ));
    }

    #[test]
    fn heads_are_found_in_any_shape_of_document() {
        let head = json!({"position": 4, "hash": "ab"});
        let receipt = json!({"receipt": {"audit": head, "verdict": "approve"}, "signature": "x"});
        let export = json!({"reviewer": "ana", "decisions": [
            {"decision_id": "1", "receipt": {"receipt": {"audit": {"position": 9, "hash": "cd"}}}},
            {"decision_id": "2", "receipt": null, "confirmed": false},
            {"audit": {"position": "7", "hash": "not a number"}},
            {"audit": {"position": 0, "hash": "before the first event"}},
        ]});
        let one = Head {
            position: 4,
            hash: "ab".into(),
        };
        assert_eq!(heads_in(&receipt), vec![one.clone()]);
        assert_eq!(
            heads_in(&export),
            vec![Head {
                position: 9,
                hash: "cd".into()
            }]
        );
        assert_eq!(heads_in(&json!([receipt, receipt])), vec![one.clone(), one]);
        assert!(heads_in(&json!({"position": 1, "hash": "ab"})).is_empty());
    }

    /// One change an attacker with the database file can make, and what must be reported.
    #[derive(Clone, Debug)]
    enum Tamper {
        Edit(usize),
        Rehash(usize),
        Delete(usize),
        Swap(usize, usize),
        Truncate(usize),
    }

    fn tamper(n: usize) -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0..n).prop_map(Tamper::Edit),
            (0..n - 1).prop_map(Tamper::Rehash),
            (0..n).prop_map(Tamper::Delete),
            (0..n, 0..n)
                .prop_filter("two rows", |(a, b)| a != b)
                .prop_map(|(a, b)| Tamper::Swap(a.min(b), a.max(b))),
            (0..n).prop_map(Tamper::Truncate),
        ]
    }

    proptest! {
        #[test]
        fn any_single_tampering_is_reported_where_it_happened(
            (n, change, field) in (2usize..40).prop_flat_map(|n| (Just(n), tamper(n), 0u8..3))
        ) {
            let original = chain(n as u64);
            let receipt = original[n - 1].head();
            let mut events = original.clone();
            let expected = match change {
                Tamper::Edit(i) => {
                    match field {
                        0 => events[i].detail = json!({"n": "forged"}),
                        1 => events[i].actor = None,
                        _ => events[i].at += TimeDelta::microseconds(1),
                    }
                    Problem::Edited { position: i as u64 + 1 }
                }
                Tamper::Rehash(i) => {
                    events[i].kind = kinds::OVERRIDE.into();
                    events[i].hash = events[i].computed_hash();
                    Problem::Edited { position: i as u64 + 1 }
                }
                Tamper::Delete(i) if i + 1 == n => {
                    events.pop();
                    Problem::Truncated { ends_at: n as u64 - 1, vouched: receipt.clone() }
                }
                Tamper::Delete(i) => {
                    events.remove(i);
                    Problem::Deleted { after_position: i as u64, missing: 1 }
                }
                Tamper::Swap(a, b) => {
                    swap(&mut events, a, b);
                    Problem::Reordered { position: a as u64 + 1 }
                }
                Tamper::Truncate(keep) => {
                    events.truncate(keep);
                    Problem::Truncated { ends_at: keep as u64, vouched: receipt.clone() }
                }
            };
            prop_assert_eq!(check(&events, std::slice::from_ref(&receipt)), Err(expected));
            prop_assert!(check(&original, &[receipt]).is_ok());
        }
    }
}
