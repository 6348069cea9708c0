//! The detectors: each turns a rule's parameters into something that finds byte ranges of
//! a draft. One module per kind of harm.

pub(crate) mod contempt;
pub(crate) mod crisis;
pub(crate) mod health;
mod near;
pub(crate) mod network;
pub(crate) mod personal;
pub(crate) mod terms;
#[cfg(test)]
pub(crate) mod testing;

use crate::pack::{Detector, Organisation};
use crate::subject::Subject;
use crate::text::Text;
use std::fmt::Debug;
use std::ops::Range;

/// What a detector reads: the prepared text and the draft around it.
pub(crate) struct Input<'a> {
    /// The body, split into words.
    pub text: &'a Text<'a>,
    /// The draft.
    pub subject: &'a Subject<'a>,
}

/// One thing a detector found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Byte range in the body; none for a finding about the whole draft.
    pub range: Option<Range<usize>>,
    /// A more exact message than the rule's own, when the detector has one
    /// ("Bluesky allows 300 graphemes; this has 342").
    pub message: Option<String>,
}

impl Hit {
    /// A hit on a byte range, with the rule's message.
    pub fn at(range: Range<usize>) -> Hit {
        Hit {
            range: Some(range),
            message: None,
        }
    }
}

/// A compiled detector.
pub(crate) trait Detect: Debug + Send + Sync {
    /// Pushes what it finds in `input` onto `hits`.
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>);
}

/// Builds the detector a rule names. The error is a sentence saying what is wrong with
/// its parameters.
pub(crate) fn compile(
    detector: &Detector,
    organisation: &Organisation,
) -> Result<Box<dyn Detect>, String> {
    Ok(match detector {
        Detector::Email(p) => Box::new(personal::email(p)?),
        Detector::Phone(p) => Box::new(personal::phone(p)?),
        Detector::PaymentCard(p) => Box::new(personal::payment_card(p)?),
        Detector::BankAccount(p) => Box::new(personal::bank_account(p)?),
        Detector::PostalAddress(p) => Box::new(personal::postal_address(p)?),
        Detector::DateOfBirth(p) => Box::new(personal::date_of_birth(p)?),
        Detector::Reference(p) => Box::new(personal::reference(p, organisation)?),
        Detector::HealthAboutPerson(p) => Box::new(health::compile(p, organisation)?),
        Detector::Phrases(p) => Box::new(terms::phrases(p)?),
        Detector::Patterns(p) => Box::new(terms::patterns(p)?),
        Detector::OrganisationTerms(p) => Box::new(terms::organisation_terms(p, organisation)?),
        Detector::Contempt(p) => Box::new(contempt::compile(p, organisation)?),
        Detector::CrisisSpeaker(p) => Box::new(crisis::speaker(p)?),
        Detector::CrisisTone(p) => Box::new(crisis::tone(p)?),
        Detector::Length(p) => Box::new(network::length(p)),
        Detector::Hashtags(p) => Box::new(network::hashtags(p)?),
        Detector::AltText(p) => Box::new(network::alt_text(p)),
        Detector::Markup(p) => Box::new(network::markup(p)?),
    })
}

/// A regular expression that matches any of `phrases` as whole words, case-blind, with
/// flexible spaces and either apostrophe. Shared by every detector that takes a list of
/// words from a pack.
pub(crate) fn phrase_regex(phrases: &[String]) -> Result<regex::Regex, String> {
    let alternatives: Vec<String> = phrases
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            // ASCII word boundaries: a Unicode `\b` sends the regex crate to its slow
            // engine on any draft with an emoji or a £ sign (measured: 10–20× slower). A
            // side that starts or ends with a non-ASCII letter ("Zoë") gets no boundary
            // at all, since an ASCII one would never match there.
            let edge = |c: Option<char>| {
                if c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    r"(?-u:\b)"
                } else {
                    ""
                }
            };
            let escaped = regex::escape(p)
                .replace(' ', r"\s+")
                .replace(['\'', '’'], "['’]");
            format!(
                "{}{escaped}{}",
                edge(p.chars().next()),
                edge(p.chars().next_back())
            )
        })
        .collect();
    if alternatives.is_empty() {
        return Err("the list of phrases is empty".into());
    }
    let pattern = format!(r"(?i)(?:{})", alternatives.join("|"));
    regex::Regex::new(&pattern).map_err(|e| e.to_string())
}
