//! The network's own rules: length, hashtags, alt text, markup.
//!
//! STUB (length and hashtags) — being written.

use super::{Detect, Hit, Input};
use serde::{Deserialize, Serialize};

/// Parameters of the length detector: none, each network's limit is its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthParams {}

#[derive(Debug)]
pub(crate) struct Length;

impl Detect for Length {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let m = crate::measure(input.subject.body, input.subject.network);
        if !m.valid {
            hits.push(Hit {
                range: None,
                message: Some(format!(
                    "Too long for {}: {} {} of {} allowed",
                    input.subject.network.as_str(),
                    m.weighted_length,
                    m.unit,
                    m.limit
                )),
            });
        }
    }
}

pub(crate) fn length(_params: &LengthParams) -> Length {
    Length
}

/// Parameters of the hashtag detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashtagsParams {
    /// The most hashtags a post may have.
    pub max: usize,
}

#[derive(Debug)]
pub(crate) struct Hashtags {
    max: usize,
}

impl Detect for Hashtags {
    fn find(&self, _input: &Input<'_>, _hits: &mut Vec<Hit>) {
        let _ = self.max;
    }
}

pub(crate) fn hashtags(params: &HashtagsParams) -> Result<Hashtags, String> {
    Ok(Hashtags { max: params.max })
}

/// Parameters of the alt-text detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AltTextParams {}

#[derive(Debug)]
pub(crate) struct AltText;

impl Detect for AltText {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let media = input.subject.media;
        let missing = media
            .iter()
            .filter(|m| m.alt_text.as_deref().is_none_or(|t| t.trim().is_empty()))
            .count();
        if missing > 0 {
            let message = match (missing, media.len()) {
                (1, 1) => "The image has no alt text".to_owned(),
                (1, n) => format!("One of the {n} images has no alt text"),
                (m, n) if m == n => format!("None of the {n} images has alt text"),
                (m, n) => format!("{m} of the {n} images have no alt text"),
            };
            hits.push(Hit {
                range: None,
                message: Some(message),
            });
        }
    }
}

pub(crate) fn alt_text(_params: &AltTextParams) -> AltText {
    AltText
}

/// Parameters of the markup detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkupParams {}

#[derive(Debug)]
pub(crate) struct Markup {
    tag: regex::Regex,
}

impl Detect for Markup {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        hits.extend(
            self.tag
                .find_iter(input.text.body)
                .map(|m| Hit::at(m.range())),
        );
    }
}

pub(crate) fn markup(_params: &MarkupParams) -> Result<Markup, String> {
    // An opening or closing tag with a tag name, or a javascript: URL. "<3" and "a < b" are
    // not tags.
    let tag = regex::Regex::new(r"(?i)</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>|\bjavascript:")
        .map_err(|e| e.to_string())?;
    Ok(Markup { tag })
}
