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
    /// Words a code name may start with that say what kind of thing it is ("project",
    /// "operation"). A term starting with one is also found with the word abbreviated or
    /// moved ("Proj. Halcyon", "the Halcyon project", "Operation-Halcyon"): people write a
    /// code name as they speak it. Alternatives listed here are interchangeable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// Whether the rest of such a term is found alone too ("Halcyon" for "Project
    /// Halcyon"), when written with its capital (or in capitals, or as a hashtag): the
    /// lower-case word is usually the ordinary one ("juniper & lime", "a kestrel").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alone: bool,
    /// Words up to three words after the name alone that make it a product or an idiom,
    /// not the project ("Juniper & Lime candle", "halcyon days").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub things: Vec<String>,
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

/// The organisation's own terms, in the forms people write them, and optionally the
/// distinctive word of a code name alone.
#[derive(Debug)]
pub(crate) struct Terms {
    matcher: Matcher,
    /// Each code name's distinctive word alone, as written in the pack ("Halcyon"), in
    /// capitals, or after `#` in any case; case-sensitive.
    alone: Option<Regex>,
    things: Vec<String>,
}

impl Terms {
    /// True when one of the `things` words comes up to three words after byte `end`.
    fn a_thing_follows(&self, text: &str, end: usize) -> bool {
        text[end..]
            .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '&'))
            .filter(|w| !w.is_empty())
            .take(3)
            .any(|w| self.things.iter().any(|t| t.eq_ignore_ascii_case(w)))
    }

    /// Matches of the name alone in `text` that are not inside a full form already found.
    fn alone_in<'t>(
        &'t self,
        text: &'t str,
        full: &'t [std::ops::Range<usize>],
    ) -> impl Iterator<Item = regex::Match<'t>> + 't {
        self.alone.iter().flat_map(move |re| {
            re.find_iter(text).filter(move |m| {
                !full
                    .iter()
                    .any(|f| f.start <= m.start() && m.end() <= f.end)
                    && !self.a_thing_follows(text, m.end())
            })
        })
    }
}

impl Detect for Terms {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let first = hits.len();
        self.matcher.find(input, hits);
        if self.alone.is_none() {
            return;
        }
        let body = input.text.body;
        let full: Vec<_> = hits[first..]
            .iter()
            .filter_map(|h| h.range.clone())
            .collect();
        let alone: Vec<Hit> = self
            .alone_in(body, &full)
            .map(|m| Hit {
                range: Some(m.range()),
                message: Some(format!(
                    "\"{}\" on its own is short for one of the organisation's code names",
                    m.as_str()
                )),
            })
            .collect();
        hits.extend(alone);
        let already = hits[first..].iter().any(|h| h.range.is_none());
        if !already {
            for alt in input
                .subject
                .media
                .iter()
                .filter_map(|m| m.alt_text.as_deref())
            {
                if let Some(m) = self.alone_in(alt, &[]).next() {
                    hits.push(Hit {
                        range: None,
                        message: Some(format!("\"{}\" in an image's alt text", m.as_str())),
                    });
                    break;
                }
            }
        }
    }
}

pub(crate) fn organisation_terms(
    params: &OrganisationTermsParams,
    organisation: &Organisation,
) -> Result<Terms, String> {
    let list = match params.list {
        OrganisationList::CodeNames => &organisation.code_names,
        OrganisationList::BannedTerms => &organisation.banned_terms,
    };
    // An organisation without code names has nothing to find, which is not an error.
    let find = if list.iter().all(|t| t.trim().is_empty()) {
        None
    } else {
        Some(run_together_regex(list, &params.kinds)?)
    };
    let alone = if params.alone {
        alone_regex(list, &params.kinds)?
    } else {
        None
    };
    Ok(Terms {
        matcher: Matcher {
            find,
            except: None,
            media: true,
        },
        alone,
        things: params.things.clone(),
    })
}

/// The words of `term` after a leading kind word ("Project"), if it has one and more.
fn after_kind<'t>(words: &[&'t str], kinds: &[String]) -> Option<Vec<&'t str>> {
    let (first, rest) = words.split_first()?;
    let is_kind = kinds.iter().any(|k| k.trim().eq_ignore_ascii_case(first));
    (is_kind && !rest.is_empty()).then(|| rest.to_vec())
}

/// The distinctive words of code names with a kind word, alone: "Halcyon" as written,
/// "HALCYON", and "#halcyon" in any case. None when no term has a kind word.
fn alone_regex(terms: &[String], kinds: &[String]) -> Result<Option<Regex>, String> {
    let alternatives: Vec<String> = terms
        .iter()
        .filter_map(|t| after_kind(&t.split_whitespace().collect::<Vec<_>>(), kinds))
        .map(|rest| {
            let name = rest.join(" ");
            let escaped = |s: &str| regex::escape(s).replace(' ', r"\s+");
            format!(
                r"(?-u:\b)(?:{}|{})(?-u:\b)|#(?i:{})(?-u:\b)",
                escaped(&name),
                escaped(&name.to_uppercase()),
                rest.iter()
                    .map(|w| regex::escape(w))
                    .collect::<Vec<_>>()
                    .join(r"[\s_\-]*")
            )
        })
        .collect();
    if alternatives.is_empty() {
        return Ok(None);
    }
    Regex::new(&alternatives.join("|"))
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Like [`phrase_regex`], but the words of a term may also run together or be joined by `_`
/// or `-`, as in hashtags and handles: "Project Juniper" finds "#ProjectJuniper" and
/// "project_juniper" too. A term that starts with one of `kinds` is also found with any
/// kind, abbreviated with a full stop, or after its name: "Proj. Juniper", "the Juniper
/// project".
fn run_together_regex(terms: &[String], kinds: &[String]) -> Result<Regex, String> {
    let joined = |words: &[&str]| {
        words
            .iter()
            .map(|w| regex::escape(w).replace(['\'', '’'], "['’]"))
            .collect::<Vec<_>>()
            .join(r"[\s_\-]*")
    };
    let kind_words: Vec<String> = super::near::longest_first(kinds)
        .iter()
        .map(|k| {
            k.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"[\s_\-]*")
        })
        .filter(|k| !k.is_empty())
        .collect();
    let any_kind = format!("(?:{})", kind_words.join("|"));
    let alternatives: Vec<String> = terms
        .iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .map(|words| match after_kind(&words, kinds) {
            Some(rest) if !kind_words.is_empty() => {
                let name = joined(&rest);
                format!(r"{any_kind}\.?[\s_\-]*{name}|{name}[\s_\-]*{any_kind}")
            }
            _ => joined(&words),
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
    use crate::detect::testing::{found, hits};
    use crate::subject::Subject;
    use countersign_core::Network;

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
                kinds: vec![],
                alone: false,
                things: vec![],
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
        let subject = Subject {
            media: &media,
            ..Subject::text(body, Network::Instagram)
        };
        let hits = hits(&m, &subject);
        assert_eq!(hits.len(), 1, "the alt text is published too: {hits:?}");
        assert_eq!(hits[0].range, None);
    }

    #[test]
    fn an_organisation_without_code_names_finds_nothing_and_a_bad_pattern_says_why() {
        let m = organisation_terms(
            &OrganisationTermsParams {
                list: OrganisationList::CodeNames,
                kinds: vec![],
                alone: false,
                things: vec![],
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

    fn code_names_as_people_write_them(body: &str) -> Vec<String> {
        let org = Organisation {
            code_names: list(&["Project Halcyon", "Project Juniper", "StoreNet"]),
            ..Organisation::default()
        };
        let m = organisation_terms(
            &OrganisationTermsParams {
                list: OrganisationList::CodeNames,
                kinds: list(&[
                    "project",
                    "proj",
                    "prj",
                    "programme",
                    "operation",
                    "codename",
                ]),
                alone: true,
                things: list(&["candle", "days", "berries"]),
            },
            &org,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        found(&m, body)
    }

    #[test]
    fn a_code_name_is_found_abbreviated_turned_round_and_alone_with_its_capital() {
        for (body, found) in [
            ("Proj. Halcyon is nearly ready", "Proj. Halcyon"),
            ("prj halcyon update at 3", "prj halcyon"),
            ("Loving the Halcyon project so far", "Halcyon project"),
            ("Operation Juniper starts Monday", "Operation Juniper"),
            ("Can't wait for Halcyon to launch 👀", "Halcyon"),
            ("HALCYON IS COMING", "HALCYON"),
            ("big news soon #halcyon", "#halcyon"),
            ("#ProjectHalcyon", "ProjectHalcyon"),
        ] {
            assert_eq!(code_names_as_people_write_them(body), [found], "{body}");
        }
    }

    #[test]
    fn the_ordinary_word_a_product_or_an_idiom_is_not_the_code_name() {
        for clean in [
            "our juniper & lime candle is back",
            "Juniper & Lime candle, £8",
            "Halcyon days of summer are here",
            "the halcyon glow of a summer evening",
            "Juniper berries in our new gin",
        ] {
            assert!(
                code_names_as_people_write_them(clean).is_empty(),
                "{clean}: {:?}",
                code_names_as_people_write_them(clean)
            );
        }
    }

    /// The ids of the built-in pack's confidential rules that find something in `body`.
    fn confidential(body: &str) -> Vec<String> {
        let org = Organisation::default();
        crate::pack::Pack::builtin()
            .rules
            .iter()
            .filter(|r| r.id.starts_with("confidential."))
            .filter(|r| {
                let d = super::super::compile(&r.detector, &org)
                    .unwrap_or_else(|e| panic!("{}: {e}", r.id));
                !found(&*d, body).is_empty()
            })
            .map(|r| r.id.clone())
            .collect()
    }

    #[test]
    fn secrecy_idioms_and_requests_not_to_pass_it_on_are_confidential() {
        for body in [
            "New loyalty scheme launches in June, mum's the word 🤫",
            "Leeds is getting the first self-scan tills. Keep it between ourselves!",
            "Pls don't repost this but the Otley store is getting a refit",
            "You didn't hear this from me, but the app is getting a redesign",
            "I probably shouldn't say, but the spring range is amazing",
            "It hasn't been made official yet: we're moving warehouses",
        ] {
            assert!(!confidential(body).is_empty(), "confidential: {body}");
        }
    }

    #[test]
    fn hearsay_about_cuts_and_figures_ahead_of_results_are_confidential() {
        for body in [
            "Little birdie says head office want to cull the Saturday shifts and cut staff hours",
            "Word on the shop floor is we're losing jobs after Christmas",
            "Brace yourselves, bosses are looking at closing three stores",
            "Takings up 14 per cent on last year, and that's before Thursday's trading update!",
            "We banked £3.2m in sales over Black Friday weekend 🤑",
        ] {
            assert!(!confidential(body).is_empty(), "confidential: {body}");
        }
    }

    #[test]
    fn security_advice_sales_promotions_charity_and_care_replies_are_not_confidential() {
        for body in [
            "Please don't share your PIN or password with anyone, even us.",
            "Black Friday sales: up to 50% off candles",
            "Our Leeds team raised £12,000 for charity this year 💚",
            "We hear you, and we're sorry the store was closing early on Sunday.",
            "A little bird tells us there are price cuts on candles this weekend 👀",
            "Apparently this candle sold out in two hours last year!",
            "Record week for our food bank appeal: £2,000 donated",
        ] {
            assert_eq!(confidential(body), Vec::<String>::new(), "clean: {body}");
        }
    }
}
