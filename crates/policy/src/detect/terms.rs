//! Words and phrases: fixed lists, regular expressions, and the organisation's own lists.

use super::near::literal_regex;
use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the phrase detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhrasesParams {
    /// Phrases to find, case-blind, as whole words.
    pub phrases: Vec<String>,
    /// Phrases that contain a match but are innocent ("a killer deal"): a match inside one
    /// of these is not a finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

/// Parameters of the pattern detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternsParams {
    /// Regular expressions (Rust `regex` syntax), matched case-blind.
    pub patterns: Vec<String>,
    /// Innocent wording: a match inside one of these regular expressions' matches is not a
    /// finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

/// Which of the organisation's lists to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationList {
    /// [`Organisation::code_names`].
    CodeNames,
    /// [`Organisation::banned_terms`].
    BannedTerms,
}

/// Parameters of the organisation-terms detector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationTermsParams {
    /// The list.
    pub list: OrganisationList,
}

/// Finds matches of `find` that do not sit inside a match of `except`; with `media`, in the
/// images' alt texts too.
#[derive(Debug)]
pub(crate) struct Matcher {
    find: Option<Regex>,
    except: Option<Regex>,
    /// Alt text is published too (screen readers read it out, and networks show it), so
    /// the organisation's own terms are looked for there as well.
    media: bool,
}

impl Detect for Matcher {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let Some(find) = &self.find else { return };
        let body = input.text.body;
        let innocent: Vec<_> = self
            .except
            .as_ref()
            .map(|e| e.find_iter(body).map(|m| m.range()).collect())
            .unwrap_or_default();
        hits.extend(
            find.find_iter(body)
                .map(|m| m.range())
                .filter(|r| {
                    !innocent
                        .iter()
                        .any(|i| i.start <= r.start && r.end <= i.end)
                })
                .map(Hit::at),
        );
        if self.media {
            for alt in input
                .subject
                .media
                .iter()
                .filter_map(|m| m.alt_text.as_deref())
            {
                if let Some(m) = find.find(alt) {
                    hits.push(Hit {
                        range: None,
                        message: Some(format!("\"{}\" in an image's alt text", m.as_str())),
                    });
                }
            }
        }
    }
}

fn case_blind(patterns: &[String]) -> Result<Option<Regex>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{})", super::near::ascii_boundaries(p)))
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!("(?i){joined}"))
        .map(Some)
        .map_err(|e| e.to_string())
}

pub(crate) fn phrases(params: &PhrasesParams) -> Result<Matcher, String> {
    // `literal_regex`: ASCII word boundaries (fast on any text), and phrases may end in
    // punctuation ("store colleagues:").
    let find = literal_regex(&params.phrases)?.ok_or("the list of phrases is empty")?;
    Ok(Matcher {
        find: Some(find),
        except: literal_regex(&params.except)?,
        media: false,
    })
}

pub(crate) fn patterns(params: &PatternsParams) -> Result<Matcher, String> {
    if params.patterns.is_empty() {
        return Err("the list of patterns is empty".into());
    }
    Ok(Matcher {
        find: case_blind(&params.patterns)?,
        except: case_blind(&params.except)?,
        media: false,
    })
}

pub(crate) fn organisation_terms(
    params: &OrganisationTermsParams,
    organisation: &Organisation,
) -> Result<Matcher, String> {
    let list = match params.list {
        OrganisationList::CodeNames => &organisation.code_names,
        OrganisationList::BannedTerms => &organisation.banned_terms,
    };
    // An organisation without code names has nothing to find, which is not an error.
    let find = if list.iter().all(|t| t.trim().is_empty()) {
        None
    } else {
        Some(run_together_regex(list)?)
    };
    Ok(Matcher {
        find,
        except: None,
        media: true,
    })
}

/// Like [`phrase_regex`], but the words of a term may also run together or be joined by `_`
/// or `-`, as in hashtags and handles: "Project Juniper" finds "#ProjectJuniper" and
/// "project_juniper" too.
fn run_together_regex(terms: &[String]) -> Result<Regex, String> {
    let alternatives: Vec<String> = terms
        .iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .map(|words| {
            words
                .iter()
                .map(|w| regex::escape(w).replace(['\'', '’'], "['’]"))
                .collect::<Vec<_>>()
                .join(r"[\s_\-]*")
        })
        .collect();
    // ASCII boundaries, for speed (see `near::literal_regex`).
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:{})(?-u:\b)",
        alternatives.join("|")
    ))
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::Subject;
    use crate::text::Text;
    use countersign_core::Network;

    fn found(m: &Matcher, body: &str) -> Vec<String> {
        let text = Text::new(body);
        let subject = Subject::text(body, Network::X);
        let mut hits = Vec::new();
        m.find(
            &Input {
                text: &text,
                subject: &subject,
            },
            &mut hits,
        );
        hits.into_iter()
            .filter_map(|h| h.range.map(|r| body[r].to_owned()))
            .collect()
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn phrases_match_whole_words_case_blind_with_either_apostrophe_and_any_spacing() {
        let m = phrases(&PhrasesParams {
            phrases: list(&["internal only", "don't tell anyone"]),
            except: vec![],
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            found(&m, "INTERNAL  only: Don’t tell anyone. internally only"),
            ["INTERNAL  only", "Don’t tell anyone"]
        );
    }

    #[test]
    fn a_match_inside_innocent_wording_is_not_a_finding() {
        let m = phrases(&PhrasesParams {
            phrases: list(&["killer"]),
            except: list(&["killer deal", "killer deals"]),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found(&m, "A killer deal today"), Vec::<String>::new());
        assert_eq!(found(&m, "You absolute killer"), ["killer"]);
    }

    #[test]
    fn code_names_are_found_run_together_in_hashtags_and_in_alt_text() {
        let org = Organisation {
            code_names: list(&["Project Juniper"]),
            ..Organisation::default()
        };
        let m = organisation_terms(
            &OrganisationTermsParams {
                list: OrganisationList::CodeNames,
            },
            &org,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            found(&m, "Big things coming #ProjectJuniper and project_juniper"),
            ["ProjectJuniper", "project_juniper"]
        );
        assert!(
            found(&m, "our juniper candle").is_empty(),
            "the word alone is a scent"
        );
        let media = [countersign_core::Media {
            kind: "image".into(),
            url: "https://example.org/a.jpg".into(),
            alt_text: Some("A jar labelled Project Juniper".into()),
        }];
        let body = "More soon.";
        let text = Text::new(body);
        let subject = Subject {
            media: &media,
            ..Subject::text(body, Network::Instagram)
        };
        let mut hits = Vec::new();
        m.find(
            &Input {
                text: &text,
                subject: &subject,
            },
            &mut hits,
        );
        assert_eq!(hits.len(), 1, "the alt text is published too: {hits:?}");
        assert_eq!(hits[0].range, None);
    }

    #[test]
    fn an_organisation_without_code_names_finds_nothing_and_a_bad_pattern_says_why() {
        let m = organisation_terms(
            &OrganisationTermsParams {
                list: OrganisationList::CodeNames,
            },
            &Organisation::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(found(&m, "Project Juniper").is_empty());
        let bad = patterns(&PatternsParams {
            patterns: list(&["(unclosed"]),
            except: vec![],
        });
        assert!(bad.is_err());
    }
}
