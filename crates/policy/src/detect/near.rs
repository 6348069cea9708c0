//! Where matches fall among a draft's words: the word spans and sentences that proximity
//! rules ("a health word within twelve words of a person") measure in.

use crate::text::Text;
use std::ops::Range;

/// The words a byte range covers, as indices `first..end`. A range that covers no word (an
/// emoji, punctuation) is the empty range at the word after it, so [`gap`] still measures
/// from it.
pub(crate) fn word_span(text: &Text<'_>, bytes: &Range<usize>) -> Range<usize> {
    let first = text.word_at(bytes.start);
    let end = text.word_at(bytes.end).max(first);
    // A word the range ends inside of is covered too.
    let end = match text.words.get(end) {
        Some(w) if w.start < bytes.end => end + 1,
        _ => end,
    };
    first..end
}

/// How many words lie between two word spans: 0 when they touch or overlap.
pub(crate) fn gap(a: &Range<usize>, b: &Range<usize>) -> usize {
    // One of the two differences is the gap; the other saturates to 0, as both do when the
    // spans overlap.
    b.start
        .saturating_sub(a.end)
        .max(a.start.saturating_sub(b.end))
}

/// The sentence each word is in, counted from 0. A sentence ends at `.`, `!`, `?`, `:`, `;`
/// or a line break between two words; that is rough (decimals split sentences) but errs on
/// the side of shorter sentences, which keeps proximity rules tight.
pub(crate) fn sentences(text: &Text<'_>) -> Vec<usize> {
    let mut ids = Vec::with_capacity(text.words.len());
    let mut id = 0;
    let mut previous_end = 0;
    for word in &text.words {
        if ids.is_empty() {
            previous_end = word.start;
        }
        if text.body[previous_end..word.start].contains(['.', '!', '?', ':', ';', '\n']) {
            id += 1;
        }
        ids.push(id);
        previous_end = word.end;
    }
    ids
}

/// True when word `i` starts a sentence, where capitals say nothing about names.
pub(crate) fn starts_sentence(sentences: &[usize], i: usize) -> bool {
    i == 0 || sentences.get(i) != sentences.get(i - 1)
}

/// Word spans of every match of `regex` in the body, with their byte ranges.
pub(crate) fn matches(text: &Text<'_>, regex: &regex::Regex) -> Vec<(Range<usize>, Range<usize>)> {
    regex
        .find_iter(text.body)
        .map(|m| (word_span(text, &m.range()), m.range()))
        .collect()
}

/// A pack's phrase as the guard compares it: lower case, one space between words, one kind
/// of apostrophe.
pub(crate) fn normal(phrase: &str) -> String {
    phrase
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('’', "'")
}

/// `phrases` longest first, so that an alternation of them prefers "anxiety tablets" to
/// "anxiety" where both match.
pub(crate) fn longest_first(phrases: &[String]) -> Vec<String> {
    let mut sorted = phrases.to_vec();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
    sorted
}

/// A case-blind regular expression for any of `phrases`, longest first, with flexible
/// spaces and either apostrophe. Unlike [`super::phrase_regex`] it also takes emoji and
/// hashtags ("🙄", "#retaillife"): a phrase is held to word boundaries only at the ends that
/// are ASCII letters or digits. The boundaries are ASCII ones: a Unicode `\b` keeps the
/// regex crate off its fast engines whenever a draft holds one emoji or accented letter,
/// which made a review ten times slower. None for an empty list.
pub(crate) fn literal_regex(phrases: &[String]) -> Result<Option<regex::Regex>, String> {
    let alternatives: Vec<String> = longest_first(phrases)
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            let body = regex::escape(p)
                .replace(' ', r"\s+")
                .replace(['\'', '’'], "['’]");
            format!(
                "{}{body}{}",
                if word(p.chars().next()) {
                    ASCII_BOUNDARY
                } else {
                    ""
                },
                if word(p.chars().last()) {
                    ASCII_BOUNDARY
                } else {
                    ""
                },
            )
        })
        .collect();
    if alternatives.is_empty() {
        return Ok(None);
    }
    regex::Regex::new(&format!("(?i)(?:{})", alternatives.join("|")))
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A word boundary the regex crate's DFAs can run on any text.
const ASCII_BOUNDARY: &str = r"(?-u:\b)";

/// A pack's regular expression with every `\b` made an ASCII word boundary, for the reason
/// [`literal_regex`] gives. Letters outside ASCII then count as non-word characters at a
/// boundary, which the packs' English word lists do not notice.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str(ASCII_BOUNDARY),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_spans_cover_the_words_of_a_match_and_an_emoji_sits_before_the_next_word() {
        let text = Text::new("for you 🙄 Maybe read");
        let you = text.body.find("you").unwrap_or(0);
        assert_eq!(word_span(&text, &(you..you + 3)), 1..2);
        let emoji = text.body.find('🙄').unwrap_or(0);
        let span = word_span(&text, &(emoji..emoji + '🙄'.len_utf8()));
        assert_eq!(span, 2..2, "between 'you' and 'Maybe'");
        assert_eq!(gap(&(1..2), &span), 0, "the emoji touches 'you'");
        assert_eq!(gap(&span, &(3..4)), 1, "one word ('Maybe') before 'read'");
    }

    #[test]
    fn literal_regexes_take_emoji_and_hashtags_and_keep_word_boundaries_on_words() {
        let list = ["🙄", "#retaillife", "dim", "bless them"].map(String::from);
        let re = literal_regex(&list)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("compiles"));
        let found: Vec<&str> = re
            .find_iter("dimmer 🙄 #RetailLife DIM Bless  them")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(found, ["🙄", "#RetailLife", "DIM", "Bless  them"]);
    }

    #[test]
    fn pattern_boundaries_become_ascii_ones_and_escaped_backslashes_stay() {
        assert_eq!(ascii_boundaries(r"\bdim\b"), r"(?-u:\b)dim(?-u:\b)");
        assert_eq!(ascii_boundaries(r"a\\b\s"), r"a\\b\s");
    }

    #[test]
    fn sentences_end_at_stops_colons_and_line_breaks() {
        let text = Text::new("Hi Rachel, yes: all pharmacies. Ask us!\nThanks");
        assert_eq!(sentences(&text), [0, 0, 0, 1, 1, 2, 2, 3]);
        assert!(starts_sentence(&sentences(&text), 3));
        assert!(!starts_sentence(&sentences(&text), 1));
    }
}
