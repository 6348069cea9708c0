//! Where an annotation's words are in a body: W3C `TextQuoteSelector` + `TextPositionSelector`,
//! made from a reviewer's selection and found again after the author's edits.
//!
//! Everything counts Unicode code points, as the wire format does (a finding's span, a
//! selector's position), never bytes or UTF-16 units.
//!
//! Finding the words again ([`anchor`]): every place the quoted text occurs is a candidate;
//! the candidate whose surroundings agree most with the recorded prefix and suffix wins, and
//! among equally good ones the one nearest the recorded position. When the winner is where
//! the selector was made, the annotation is [`Anchor::Exact`]; elsewhere it has
//! [`Anchor::Moved`]; when the quote occurs nowhere the words are gone ([`Anchor::Detached`]).
//! Context first, position second, so an insertion before a repeated word does not move the
//! annotation onto the neighbouring copy when the context tells them apart.

use crate::mutation::{TextPositionSelector, TextQuoteSelector, TextSelector};
use serde::Serialize;

/// Code points of context kept either side of a quote (W3C's prefix and suffix).
pub const CONTEXT_CHARS: usize = 32;

/// Where a selector's words are in a body, in code points (end exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Anchor {
    /// At the position the selector was made at.
    Exact {
        /// First code point.
        start: u32,
        /// One past the last.
        end: u32,
    },
    /// Found by its quote and context somewhere else (the text around it was edited).
    Moved {
        /// First code point.
        start: u32,
        /// One past the last.
        end: u32,
    },
    /// The quoted words are no longer in the body.
    Detached,
}

impl Anchor {
    /// The range, unless detached.
    pub fn range(self) -> Option<(u32, u32)> {
        match self {
            Anchor::Exact { start, end } | Anchor::Moved { start, end } => Some((start, end)),
            Anchor::Detached => None,
        }
    }
}

/// A selection that cannot be made into a selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Start at or after end.
    #[error("select some text to comment on: the selection {start}..{end} is empty")]
    Empty {
        /// First code point asked for.
        start: u32,
        /// One past the last asked for.
        end: u32,
    },
    /// Past the end of the body.
    #[error(
        "the selection {start}..{end} goes past the end of the text ({len} characters); \
         reload the draft and select again"
    )]
    OutOfRange {
        /// First code point asked for.
        start: u32,
        /// One past the last asked for.
        end: u32,
        /// The body's length in code points.
        len: usize,
    },
}

/// The selector for code points `start..end` of `body`: the quoted text, up to
/// [`CONTEXT_CHARS`] code points either side, and the position.
pub fn selector_for(body: &str, start: u32, end: u32) -> Result<TextSelector, SelectionError> {
    if start >= end {
        return Err(SelectionError::Empty { start, end });
    }
    let chars: Vec<char> = body.chars().collect();
    let (from, to) = (start as usize, end as usize);
    if to > chars.len() {
        return Err(SelectionError::OutOfRange {
            start,
            end,
            len: chars.len(),
        });
    }
    let text = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    Ok(TextSelector {
        quote: TextQuoteSelector {
            exact: text(from..to),
            prefix: text(from.saturating_sub(CONTEXT_CHARS)..from),
            suffix: text(to..(to + CONTEXT_CHARS).min(chars.len())),
        },
        position: Some(TextPositionSelector { start, end }),
    })
}

/// Where `selector`'s words are in `body` now (see the module's rule).
pub fn anchor(body: &str, selector: &TextSelector) -> Anchor {
    let exact = selector.quote.exact.as_str();
    if exact.is_empty() {
        return Anchor::Detached;
    }
    let quote_len = exact.chars().count();
    let prefix: Vec<char> = selector.quote.prefix.chars().rev().collect();
    let suffix: Vec<char> = selector.quote.suffix.chars().collect();
    let old_start = selector.position.map(|p| p.start as usize);
    // (context agreement, distance from the old start, start): the best is the highest
    // agreement, then the nearest, then the first.
    let mut best: Option<(usize, usize, usize)> = None;
    let mut chars_before = 0;
    let mut scanned = 0;
    let mut from = 0;
    while let Some(found) = body[from..].find(exact) {
        let byte = from + found;
        chars_before += body[scanned..byte].chars().count();
        scanned = byte;
        let before = body[..byte].chars().rev();
        let after = body[byte + exact.len()..].chars();
        let agreement = common(before, &prefix) + common(after, &suffix);
        let distance = old_start.map_or(0, |old| old.abs_diff(chars_before));
        let better = match best {
            None => true,
            Some((a, d, _)) => agreement > a || (agreement == a && distance < d),
        };
        if better {
            best = Some((agreement, distance, chars_before));
        }
        // Overlapping occurrences count too ("aa" twice in "aaa"): step one character on.
        let step = body[byte..].chars().next().map_or(1, char::len_utf8);
        from = byte + step;
    }
    let Some((_, _, start)) = best else {
        return Anchor::Detached;
    };
    let (start, end) = (to_u32(start), to_u32(start + quote_len));
    match selector.position {
        Some(p) if p.start == start && p.end == end => Anchor::Exact { start, end },
        _ => Anchor::Moved { start, end },
    }
}

/// `body` with code points `start..end` replaced by `with`; `None` when the range is not in
/// the body.
pub fn replace(body: &str, start: u32, end: u32, with: &str) -> Option<String> {
    if start > end {
        return None;
    }
    let byte_at = |n: u32| {
        body.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(body.len()))
            .nth(n as usize)
    };
    let (from, to) = (byte_at(start)?, byte_at(end)?);
    Some([&body[..from], with, &body[to..]].concat())
}

/// How many of `wanted` the characters of `got` match, from the first.
fn common(got: impl Iterator<Item = char>, wanted: &[char]) -> usize {
    got.zip(wanted).take_while(|(a, b)| a == *b).count()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
