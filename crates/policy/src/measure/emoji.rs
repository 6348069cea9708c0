//! Emoji as twitter-text v3 counts them: one emoji weighs 2, however many code points it
//! takes (a family of four joined by zero-width joiners, a flag, a keycap, a skin tone).
//!
//! twitter-text recognises emoji with a generated list of sequences; here the sequences are
//! recognised by their Unicode properties (UTS #51's grammar, from `unicode-properties`),
//! which covers every emoji in Unicode 18's `emoji-test.txt` (tested) and new ones without
//! a new list.

use unicode_properties::emoji::{EmojiStatus, UnicodeEmoji, is_regional_indicator};

const ZWJ: char = '\u{200D}';
const PRESENTATION_SELECTOR: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';
const CANCEL_TAG: char = '\u{E007F}';

/// The byte ranges of the emoji in `text`, scanned left to right.
pub(crate) fn find(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        match emoji_at(text, i) {
            Some(end) => {
                found.push((i, end));
                i = end;
            }
            None => i += c.len_utf8(),
        }
    }
    found
}

/// Where the emoji that starts at byte `at` ends, if one starts there.
fn emoji_at(text: &str, at: usize) -> Option<usize> {
    let mut chars = text[at..].char_indices().map(|(i, c)| (at + i, c));
    let (_, first) = chars.next()?;
    // A keycap: #, * or a digit, an optional presentation selector, U+20E3.
    if matches!(first, '#' | '*' | '0'..='9') {
        let mut next = chars.next();
        if next.is_some_and(|(_, c)| c == PRESENTATION_SELECTOR) {
            next = chars.next();
        }
        return next
            .filter(|&(_, c)| c == KEYCAP)
            .map(|(i, c)| i + c.len_utf8());
    }
    // A flag: two regional indicators (one alone is an emoji too).
    if is_regional_indicator(first) {
        let after = at + first.len_utf8();
        return Some(match chars.next() {
            Some((i, c)) if is_regional_indicator(c) => i + c.len_utf8(),
            _ => after,
        });
    }
    // Elements joined by zero-width joiners, each an emoji on its own.
    let mut end = element_at(text, at)?;
    while text[end..].starts_with(ZWJ) {
        match element_at(text, end + ZWJ.len_utf8()) {
            Some(next) => end = next,
            None => break,
        }
    }
    Some(end)
}

/// Where the emoji element that starts at byte `at` ends: an emoji character shown as an
/// emoji (by default, or by a presentation selector), with its skin tone or tags.
fn element_at(text: &str, at: usize) -> Option<usize> {
    let mut chars = text[at..].chars();
    let base = chars.next()?;
    // ASCII digits, # and * are emoji only in keycaps.
    if base.is_ascii() || !base.is_emoji_char() {
        return None;
    }
    let after = at + base.len_utf8();
    let next = chars.next();
    let status = base.emoji_status();
    if next.is_some_and(is_modifier) && is_modifier_base(status) {
        return Some(after + next.map_or(0, char::len_utf8));
    }
    if next == Some(PRESENTATION_SELECTOR) {
        return Some(after + PRESENTATION_SELECTOR.len_utf8());
    }
    // A tag sequence: a base (the black flag) and tag letters up to the cancel tag, as in
    // the flags of England, Scotland and Wales.
    if next.is_some_and(is_tag) {
        let mut end = after;
        for c in text[after..].chars() {
            end += c.len_utf8();
            if c == CANCEL_TAG {
                return Some(end);
            }
            if !is_tag(c) {
                break;
            }
        }
    }
    // A character that is text by default (©, ☺, ❤) is an emoji only with a selector.
    is_presentation(status).then_some(after)
}

fn is_modifier(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

fn is_modifier_base(status: EmojiStatus) -> bool {
    matches!(
        status,
        EmojiStatus::EmojiModifierBase | EmojiStatus::EmojiPresentationAndModifierBase
    )
}

fn is_presentation(status: EmojiStatus) -> bool {
    matches!(
        status,
        EmojiStatus::EmojiPresentation
            | EmojiStatus::EmojiPresentationAndModifierBase
            | EmojiStatus::EmojiPresentationAndEmojiComponent
            | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emoji(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn sequences_are_one_emoji_each() {
        assert_eq!(
            emoji("a👨‍👩‍👧‍👦b🇬🇧c1️⃣d👍🏽e🏴󠁧󠁢󠁳󠁣󠁴󠁿f❤️‍🔥"),
            ["👨‍👩‍👧‍👦", "🇬🇧", "1️⃣", "👍🏽", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️‍🔥"],
            "ZWJ family, flag, keycap, skin tone, tag flag and a ZWJ heart are one each"
        );
    }

    #[test]
    fn text_style_symbols_and_digits_are_not_emoji() {
        assert_eq!(emoji("© 2026 ® 3 #1"), Vec::<&str>::new());
        assert_eq!(
            emoji("©️"),
            ["©️"],
            "with a presentation selector © is an emoji"
        );
    }
}
