//! Personal data: contact details, payment data, addresses, dates of birth, references.
//!
//! Each detector finds one kind of data and reports exactly the sensitive text (the
//! number, the address, the date), so the window can highlight it. The words that decide
//! what is innocent — the organisation's own helpline prefixes, the phrases that introduce
//! its own number or store, street types, month names — come from the rule's parameters in
//! the pack; the checks that are algorithms (Luhn, ISO 13616 mod-97, digit grouping,
//! proximity) are here.
//!
//! Every regular expression is built once, in the constructors; `find` allocates nothing
//! but the hits it pushes.

mod address;
mod birth;
mod contact;
mod payment;
mod reference;

pub use address::PostalAddressParams;
pub use birth::DateOfBirthParams;
pub use contact::{EmailParams, PhoneParams};
pub use payment::{BankAccountParams, PaymentCardParams};
pub use reference::ReferenceParams;

pub(crate) use address::postal_address;
pub(crate) use birth::date_of_birth;
pub(crate) use contact::{email, phone};
pub(crate) use payment::{bank_account, payment_card};
pub(crate) use reference::reference;

use crate::text::Text;
use regex::Regex;

/// A list of phrases from the pack, compiled to find them case-blind, on word boundaries
/// where the phrase starts or ends with a letter or digit (so `a/c` and `d.o.b.` work),
/// with flexible spacing and either apostrophe, and ` * ` for up to two words. An empty
/// list finds nothing.
#[derive(Debug)]
pub(crate) struct Cues {
    regex: Option<Regex>,
}

impl Cues {
    /// Compiles `phrases`; the error says which list is unusable.
    pub fn new(phrases: &[String]) -> Result<Cues, String> {
        let alternatives: Vec<String> = phrases
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| {
                // `*` stands for up to two words: "our * store" is "our store", "our new
                // store" and "our new Leeds store".
                let core = regex::escape(p)
                    .replace(r" \* ", r"(?:\s+[\w'’&-]+){0,2}\s+")
                    .replace(' ', r"\s+")
                    .replace(['\'', '’'], "['’]");
                // ASCII word boundaries: the fast engines handle those on any text, and
                // the pack's phrases are words of letters and digits.
                let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                let open = if word(p.chars().next()) {
                    r"(?-u:\b)"
                } else {
                    ""
                };
                let close = if word(p.chars().next_back()) {
                    r"(?-u:\b)"
                } else {
                    ""
                };
                format!("{open}{core}{close}")
            })
            .collect();
        if alternatives.is_empty() {
            return Ok(Cues { regex: None });
        }
        let regex = Regex::new(&format!("(?i)(?:{})", alternatives.join("|")))
            .map_err(|e| e.to_string())?;
        Ok(Cues { regex: Some(regex) })
    }

    /// True when one of the phrases ends at most `gap` words before byte `at`, in the same
    /// sentence: "call us on 0800 …" with the phrase "call us" and a gap of one.
    pub fn before(&self, text: &Text<'_>, at: usize, gap: usize) -> bool {
        let Some(regex) = &self.regex else {
            return false;
        };
        let target = text.word_at(at);
        // Look only at a window a little longer than the gap plus a long phrase: the
        // phrases are short, and scanning the whole body for every candidate would cost.
        let from = text
            .words
            .get(target.saturating_sub(gap + 6))
            .map_or(0, |w| w.start)
            .min(at);
        // Every match, overlapping ones too: in "reach our Briggate pharmacy team on" the
        // phrase "our * pharmacy" starts inside "reach our" and is the one that is close.
        let haystack = &text.body[..at];
        let mut pos = from;
        while let Some(m) = regex.find_at(haystack, pos) {
            let end = m.end();
            if text.word_at(end) + gap >= target && !ends_sentence(&text.body[end..at]) {
                return true;
            }
            pos = m.start()
                + haystack[m.start()..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
        }
        false
    }
}

/// True when `between` (the text between two things) crosses the end of a sentence.
fn ends_sentence(between: &str) -> bool {
    let mut chars = between.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '!' | '?' | '\n' => return true,
            '.' if chars.peek().is_none_or(|n| n.is_whitespace()) => return true,
            _ => {}
        }
    }
    false
}

/// The character before byte `at` of `body`, if any.
fn char_before(body: &str, at: usize) -> Option<char> {
    body[..at].chars().next_back()
}

/// The character at byte `at` of `body`, if any.
fn char_at(body: &str, at: usize) -> Option<char> {
    body[at..].chars().next()
}

/// True when `at..end` of `body` is not part of a longer word or number.
fn stands_alone(body: &str, at: usize, end: usize) -> bool {
    !char_before(body, at).is_some_and(char::is_alphanumeric)
        && !char_at(body, end).is_some_and(char::is_alphanumeric)
}

/// Builds `(?i)\b(?:a|b|c)\b` from a list of words for use inside a larger pattern, or an
/// error naming the list when it is empty.
fn alternation(words: &[String], what: &str) -> Result<String, String> {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .map(|w| regex::escape(w).replace(' ', r"\s+"))
        .collect();
    if alternatives.is_empty() {
        return Err(format!("the list of {what} is empty"));
    }
    Ok(format!("(?:{})", alternatives.join("|")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_cue_counts_only_within_its_gap_and_its_sentence() {
        let cues = Cues::new(&list(&["call us", "a/c"])).unwrap_or_else(|e| panic!("{e}"));
        let body = "Call us on 0800. Or call us. 0113 and a/c 1234 and call us x y z w 999";
        let text = Text::new(body);
        let at = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s}"));
        assert!(
            cues.before(&text, at("0800"), 1),
            "one word between cue and number"
        );
        assert!(!cues.before(&text, at("0800"), 0), "the gap is a limit");
        assert!(
            !cues.before(&text, at("0113"), 3),
            "a full stop ends the cue's reach"
        );
        assert!(
            cues.before(&text, at("1234"), 0),
            "a cue ending in a letter after /"
        );
        assert!(!cues.before(&text, at("999"), 3), "too far away");
    }

    #[test]
    fn an_empty_cue_list_finds_nothing() {
        let cues = Cues::new(&[]).unwrap_or_else(|e| panic!("{e}"));
        let text = Text::new("call us on 0800");
        assert!(!cues.before(&text, 11, 5), "no phrases, no cue");
    }
}
