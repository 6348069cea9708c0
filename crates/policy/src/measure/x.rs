//! X's weighted length, as twitter-text v3's `parseTweet` counts it.
//!
//! The text is NFC-normalised first. Then, left to right: a link counts 23 whatever its
//! length; an emoji counts 2 however many code points it has; any other code point counts 1
//! in the v3 configuration's ranges (U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F,
//! U+2032–U+2037: Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts, general
//! punctuation) and 2 elsewhere (CJK, most symbols). The weights come from twitter-text's
//! `v3.json`; the conformance cases it is tested against are in `tests/twitter_text/`.

use super::{emoji, urls};
use std::borrow::Cow;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// What link counts as, in weighted characters (`transformedURLLength`).
const URL_WEIGHT: usize = 23;

/// The v3 configuration's ranges of weight 1; everything else weighs 2.
const LIGHT_RANGES: [(char, char); 4] = [
    ('\u{0}', '\u{10FF}'),
    ('\u{2000}', '\u{200D}'),
    ('\u{2010}', '\u{201F}'),
    ('\u{2032}', '\u{2037}'),
];

/// A post counted X's way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counted {
    /// The weighted length.
    pub length: usize,
    /// The first character X refuses in a post (U+FFFE, U+FEFF, U+FFFF), if any.
    pub refused: Option<char>,
}

/// Counts `text` with emoji weighed as 2 each (v3), or, with `emoji` false, code point by
/// code point (v2, kept for v2's conformance cases).
pub(crate) fn count(text: &str, emoji: bool) -> Counted {
    let text: Cow<'_, str> = if is_nfc(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let links = urls::find(&text, urls::Links::X);
    let emoji = if emoji {
        emoji::find(&text)
    } else {
        Vec::new()
    };
    let (mut links, mut emoji) = (links.iter().peekable(), emoji.iter().peekable());
    let mut length = 0;
    let mut refused = None;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        // Entities that began inside a link were passed over with it.
        while links.next_if(|l| l.start < i).is_some() {}
        while emoji.next_if(|&&(s, _)| s < i).is_some() {}
        if let Some(link) = links.next_if(|l| l.start == i) {
            length += URL_WEIGHT;
            i = link.end;
        } else if let Some(&(_, end)) = emoji.next_if(|&&(s, _)| s == i) {
            length += 2;
            i = end;
        } else {
            length += weight(c);
            if refused.is_none() && urls::is_invalid(c) {
                refused = Some(c);
            }
            i += c.len_utf8();
        }
    }
    Counted { length, refused }
}

/// A code point's weight outside links and emoji.
fn weight(c: char) -> usize {
    if LIGHT_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) {
        1
    } else {
        2
    }
}
