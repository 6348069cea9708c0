//! Order, booking and case references next to a person's name.
//!
//! A reference alone ("DM us your order number") harms nobody; next to a name it lets a
//! stranger quote it to change or collect someone's order. A name is one of the
//! organisation's customer names, a capitalised word after a greeting ("Hi Gary"), or a
//! capitalised word that does not start a sentence and is not on the pack's list of
//! capitalised words that are not names (days, months, "I").

use super::{Cues, alternation, char_before, ends_sentence};
use crate::detect::{Detect, Hit, Input, phrase_regex};
use crate::pack::Organisation;
use crate::text::{Text, Word};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Parameters of the reference detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceParams {
    /// Words that label the token after them as a reference ("order", "booking ref",
    /// "case number").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Words that may sit between a label and its reference ("number", "no", "is").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fillers: Vec<String>,
    /// Regular expressions for references that need no label ("#482913", "HL-4471923"),
    /// written without `\b`: a match must not be part of a longer word anyway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shapes: Vec<String>,
    /// Words that mark a token as the organisation's own code, not a customer's
    /// reference ("code", "promo"), right before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_codes: Vec<String>,
    /// The fewest digits a reference has.
    #[serde(default = "default_min_digits")]
    pub min_digits: usize,
    /// The fewest characters a reference has, `#` not counted.
    #[serde(default = "default_min_length")]
    pub min_length: usize,
    /// Words after which a capitalised word is the name of the person addressed ("Hi",
    /// "Dear"); that person is named for the whole draft.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub greetings: Vec<String>,
    /// Capitalised words that are not names even inside a sentence ("Monday", "March",
    /// "I", "DM").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_names: Vec<String>,
    /// Words after which a capitalised word is a place, not a person ("at Briggate",
    /// "in Leeds").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub place_words: Vec<String>,
    /// Marks written right before the author's own name in a sign-off ("^Sam").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sign_offs: Vec<String>,
    /// How many words from a reference a name may be.
    #[serde(default = "default_window")]
    pub window: usize,
}

fn default_min_digits() -> usize {
    3
}

fn default_min_length() -> usize {
    5
}

fn default_window() -> usize {
    8
}

/// Finds references (labelled or of a known shape) with a name near them; the hit is the
/// reference.
#[derive(Debug)]
pub(crate) struct Reference {
    labelled: Option<Regex>,
    shapes: Option<Regex>,
    own_codes: Cues,
    min_digits: usize,
    min_length: usize,
    customers: Option<Regex>,
    greetings: Vec<String>,
    not_names: Vec<String>,
    place_words: Vec<String>,
    sign_offs: Vec<String>,
    window: usize,
}

pub(crate) fn reference(
    params: &ReferenceParams,
    organisation: &Organisation,
) -> Result<Reference, String> {
    let regex = |p: &str| Regex::new(p).map_err(|e| e.to_string());
    let token = r"(#?[a-z0-9][a-z0-9/\-]*[a-z0-9])";
    let labelled = if params.labels.iter().any(|l| !l.trim().is_empty()) {
        let labels = alternation(&params.labels, "labels")?;
        let fillers = if params.fillers.iter().any(|f| !f.trim().is_empty()) {
            format!(r"|\s+{}(?-u:\b)", alternation(&params.fillers, "fillers")?)
        } else {
            String::new()
        };
        Some(regex(&format!(
            r"(?i)(?-u:\b){labels}(?-u:\b)(?:\s*[:.\-]{fillers})*\s*{token}"
        ))?)
    } else {
        None
    };
    let shapes = if params.shapes.iter().any(|s| !s.trim().is_empty()) {
        let joined: Vec<String> = params.shapes.iter().map(|s| format!("(?:{s})")).collect();
        Some(regex(&joined.join("|"))?)
    } else {
        None
    };
    let customers = if organisation
        .customer_names
        .iter()
        .all(|n| n.trim().is_empty())
    {
        None
    } else {
        Some(phrase_regex(&organisation.customer_names)?)
    };
    let lower = |words: &[String]| words.iter().map(|w| w.trim().to_lowercase()).collect();
    Ok(Reference {
        labelled,
        shapes,
        own_codes: Cues::new(&params.own_codes)?,
        min_digits: params.min_digits,
        min_length: params.min_length,
        customers,
        greetings: lower(&params.greetings),
        not_names: lower(&params.not_names),
        place_words: lower(&params.place_words),
        sign_offs: params.sign_offs.clone(),
        window: params.window,
    })
}

impl Detect for Reference {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        let body = text.body;
        let first = hits.len();
        let labelled = self
            .labelled
            .iter()
            .flat_map(|r| r.captures_iter(body))
            .filter_map(|c| c.get(1).map(|m| m.range()))
            .filter(|r| self.looks_like_reference(&body[r.clone()]));
        let shaped = self
            .shapes
            .iter()
            .flat_map(|r| r.find_iter(body))
            .map(|m| m.range())
            // Shapes are written without boundaries; a match inside a longer word is not
            // a reference ("XHL-4471923X").
            .filter(|r| super::stands_alone(body, r.start, r.end))
            .filter(|r| !self.own_codes.before(text, r.start, 1));
        for token in labelled.chain(shaped) {
            let known = hits[first..]
                .iter()
                .any(|h| h.range.as_ref().is_some_and(|r| overlaps(r, &token)));
            if !known && self.named_near(text, &token) {
                hits.push(Hit::at(token));
            }
        }
        hits[first..].sort_by_key(|h| h.range.as_ref().map(|r| r.start));
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

impl Reference {
    /// True when `token` has enough digits and characters to be a reference rather than a
    /// word or a small number ("order by", "order 2").
    fn looks_like_reference(&self, token: &str) -> bool {
        let token = token.trim_start_matches('#');
        let digits = token.bytes().filter(u8::is_ascii_digit).count();
        digits >= self.min_digits && token.len() >= self.min_length
    }

    /// True when a name is within the window of `token`, or the draft greets someone by
    /// name.
    fn named_near(&self, text: &Text<'_>, token: &Range<usize>) -> bool {
        let body = text.body;
        if let Some(customers) = &self.customers
            && customers.find_iter(body).any(|m| {
                !overlaps(&m.range(), token) && self.within_window(text, &m.range(), token)
            })
        {
            return true;
        }
        let words = &text.words;
        words.iter().enumerate().any(|(i, word)| {
            if overlaps(&(word.start..word.end), token) || !is_name_shaped(word) {
                return false;
            }
            let previous = i.checked_sub(1).map(|p| &words[p]);
            let greeted = previous.is_some_and(|p| {
                self.greetings
                    .iter()
                    .any(|g| p.text.eq_ignore_ascii_case(g))
                    && !ends_sentence(&body[p.end..word.start])
            });
            if greeted {
                return true;
            }
            let sentence_start = previous.is_none_or(|p| starts_sentence(&body[p.end..word.start]));
            let signed = self
                .sign_offs
                .iter()
                .any(|s| body[..word.start].ends_with(s.as_str()));
            let handle = matches!(char_before(body, word.start), Some('#' | '@'));
            let place = previous.is_some_and(|p| {
                self.place_words
                    .iter()
                    .any(|w| p.text.eq_ignore_ascii_case(w))
            });
            !sentence_start
                && !signed
                && !handle
                && !place
                && !self
                    .not_names
                    .iter()
                    .any(|n| word.text.eq_ignore_ascii_case(n))
                && self.within_window(text, &(word.start..word.end), token)
        })
    }

    /// True when `name` and `token` are at most the window of words apart.
    fn within_window(&self, text: &Text<'_>, name: &Range<usize>, token: &Range<usize>) -> bool {
        let (a, b) = if name.end <= token.start {
            (name.end, token.start)
        } else {
            (token.end, name.start)
        };
        let apart = text.word_at(b).saturating_sub(text.word_at(a));
        // Words, not sentences: "Thanks for the review, Karen! Order HL-77812 …" ties
        // the order to Karen across the full stop.
        a <= b && apart <= self.window
    }
}

/// A word written like a name: a capital, then at least one lower-case letter ("DM" and
/// "NHS" are not names).
fn is_name_shaped(word: &Word<'_>) -> bool {
    word.is_capitalised() && word.text.chars().skip(1).any(char::is_lowercase)
}

/// True when the text between two words ends a sentence or a line: the second word
/// starts one.
fn starts_sentence(between: &str) -> bool {
    between
        .chars()
        .any(|c| matches!(c, '.' | '!' | '?' | '\n' | ':' | '…'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{builtin, found};
    use crate::detect::{Detect, compile};

    fn references_with(body: &str, organisation: &Organisation) -> Vec<String> {
        let d: Box<dyn Detect> = compile(&builtin("personal_data.reference"), organisation)
            .unwrap_or_else(|e| panic!("{e}"));
        found(&*d, body)
    }

    fn references(body: &str) -> Vec<String> {
        references_with(body, &Organisation::default())
    }

    #[test]
    fn a_reference_next_to_a_name_is_found_exactly() {
        for (body, reference) in [
            ("Hi Gary, your order HL-4471923 left us today", "HL-4471923"),
            ("Thanks Maureen! Order #482913 is ready", "#482913"),
            ("We've refunded order 12345678 for Jo Pearce", "12345678"),
            ("Dear Anne, booking ref ABC123 is confirmed", "ABC123"),
            (
                "Thanks for the review, Karen! Order HL-77812 arrives Friday.",
                "HL-77812",
            ),
            (
                "Sorry Tracey, case number: CS-20931 is with the team",
                "CS-20931",
            ),
            (
                "Hi Gary, sorry for the long wait and the hassle. Order 12345678 is here.",
                "12345678",
            ),
        ] {
            assert_eq!(references(body), [reference], "{body:?}");
        }
    }

    #[test]
    fn a_customer_name_from_the_organisation_counts_even_at_a_sentences_start() {
        let organisation = Organisation {
            customer_names: vec!["Maureen Bellamy".into()],
            ..Organisation::default()
        };
        assert_eq!(
            references_with("Maureen Bellamy: order 12345678 is late", &organisation),
            ["12345678"]
        );
        assert!(
            references("Maureen: order 12345678 is late").is_empty(),
            "a sentence's first word alone is not known to be a name"
        );
    }

    #[test]
    fn references_without_a_name_and_the_organisations_codes_are_clean() {
        for clean in [
            "Please DM us your order number and we'll look into it.",
            "Your order 12345678 has shipped. ^Sam",
            "Order by 27 March for delivery before Easter, Gary",
            "Hi there, order HL-4471923 is on its way",
            "Use code HL-20250 at checkout, Friends of Hartwell!",
            "Batch HL2291 is recalled; return it to any store",
            "Hi Gary, order 2 more and save",
            "Follow #HartwellLeeds and order 12345678 today",
            "Order 12345678 is ready for collection at Briggate.",
        ] {
            assert!(
                references(clean).is_empty(),
                "{clean:?}: {:?}",
                references(clean)
            );
        }
    }
}
