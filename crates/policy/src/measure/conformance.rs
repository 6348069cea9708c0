//! twitter-text's own conformance cases, run against this crate's counter: the weighted
//! lengths of `validate.yml` (v2 without emoji parsing, v3 with it, directional marks),
//! the links of `extract.yml`, one link per TLD in `tlds.yml`, and every fully-qualified
//! emoji of Unicode 18's `emoji-test.txt` counting 2. The files are vendored, unchanged,
//! in `tests/twitter_text/` (see its README for where they come from and their licences).

use super::{emoji, urls, x};
use countersign_core::Network;
use serde::Deserialize;
use std::collections::BTreeMap;

const VALIDATE: &str = include_str!("../../tests/twitter_text/validate.yml");
const EXTRACT: &str = include_str!("../../tests/twitter_text/extract.yml");
const TLDS: &str = include_str!("../../tests/twitter_text/tlds.yml");
const EMOJI_TEST: &str = include_str!("../../tests/twitter_text/unicode18-emoji-test.txt");

#[derive(Deserialize)]
struct Manifest<T> {
    tests: BTreeMap<String, Vec<T>>,
}

#[derive(Deserialize)]
struct WeightedCase {
    description: String,
    text: String,
    /// Absent in the sections that are not about weighting.
    expected: serde_yaml_ng::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Weighted {
    weighted_length: usize,
    valid: bool,
}

#[derive(Deserialize)]
struct LinkCase<E> {
    description: String,
    text: String,
    expected: Vec<E>,
}

#[derive(Deserialize)]
struct Indexed {
    url: String,
    indices: [usize; 2],
}

fn parse<T: for<'de> Deserialize<'de>>(yaml: &str, name: &str) -> Manifest<T> {
    serde_yaml_ng::from_str(yaml).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// Runs `check` on every case, and fails listing every case that failed.
fn run<T>(section: &str, cases: &[T], check: impl Fn(&T) -> Result<(), String>) -> usize {
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} {section} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn weighted_lengths_match_validate_yml() {
    let manifest: Manifest<WeightedCase> = parse(VALIDATE, "validate.yml");
    let mut passed = 0;
    for (section, emoji) in [
        ("WeightedTweetsCounterTest", false),
        ("WeightedTweetsWithDiscountedEmojiCounterTest", true),
        ("UnicodeDirectionalMarkerCounterTest", true),
    ] {
        let cases = manifest
            .tests
            .get(section)
            .unwrap_or_else(|| panic!("validate.yml has no {section}"));
        passed += run(section, cases, |case| {
            let expected: Weighted = serde_yaml_ng::from_value(case.expected.clone())
                .map_err(|e| format!("{}: {e}", case.description))?;
            let counted = x::count(&case.text, emoji);
            // twitter-text's `valid` also refuses an empty text; `Measure::valid` leaves
            // that out (a post may be only a picture), so it is added back here.
            let valid = counted.length > 0
                && counted.length <= Network::X.length_limit()
                && counted.refused.is_none();
            if (counted.length, valid) == (expected.weighted_length, expected.valid) {
                Ok(())
            } else {
                Err(format!(
                    "{}: counted {} (valid {valid}), expected {} (valid {})",
                    case.description, counted.length, expected.weighted_length, expected.valid
                ))
            }
        });
    }
    assert_eq!(passed, 44, "validate.yml has 44 weighted cases");
}

/// The links `urls::find` gives for `text`, with code-point indices.
fn links(text: &str) -> Vec<(String, [usize; 2])> {
    urls::find(text, urls::Links::X)
        .into_iter()
        .map(|r| {
            let start = text[..r.start].chars().count();
            let end = start + text[r.clone()].chars().count();
            (text[r].to_owned(), [start, end])
        })
        .collect()
}

#[test]
fn links_match_extract_yml() {
    let plain: Manifest<serde_yaml_ng::Value> = parse(EXTRACT, "extract.yml");
    let mut ran = 0;
    for section in ["urls", "tco_urls_with_params"] {
        let cases: Vec<LinkCase<String>> = plain
            .tests
            .get(section)
            .map(|v| serde_yaml_ng::from_value(serde_yaml_ng::Value::Sequence(v.clone())))
            .unwrap_or_else(|| panic!("extract.yml has no {section}"))
            .unwrap_or_else(|e| panic!("{section}: {e}"));
        ran += run(section, &cases, |case| {
            let found: Vec<String> = links(&case.text).into_iter().map(|(u, _)| u).collect();
            (found == case.expected).then_some(()).ok_or_else(|| {
                format!(
                    "{}: found {found:?}, expected {:?}",
                    case.description, case.expected
                )
            })
        });
    }
    for section in ["urls_with_indices", "urls_with_directional_markers"] {
        let cases: Vec<LinkCase<Indexed>> = plain
            .tests
            .get(section)
            .map(|v| serde_yaml_ng::from_value(serde_yaml_ng::Value::Sequence(v.clone())))
            .unwrap_or_else(|| panic!("extract.yml has no {section}"))
            .unwrap_or_else(|e| panic!("{section}: {e}"));
        ran += run(section, &cases, |case| {
            let found = links(&case.text);
            let expected: Vec<(String, [usize; 2])> = case
                .expected
                .iter()
                .map(|e| (e.url.clone(), e.indices))
                .collect();
            (found == expected).then_some(()).ok_or_else(|| {
                format!(
                    "{}: found {found:?}, expected {expected:?}",
                    case.description
                )
            })
        });
    }
    assert_eq!(ran, 108, "extract.yml has 108 link cases");
}

#[test]
fn every_tld_in_tlds_yml_makes_a_link() {
    let manifest: Manifest<LinkCase<String>> = parse(TLDS, "tlds.yml");
    let mut ran = 0;
    for (section, cases) in &manifest.tests {
        ran += run(section, cases, |case| {
            let found: Vec<String> = links(&case.text).into_iter().map(|(u, _)| u).collect();
            (found == case.expected).then_some(()).ok_or_else(|| {
                format!(
                    "{}: found {found:?}, expected {:?}",
                    case.description, case.expected
                )
            })
        });
    }
    assert_eq!(ran, 1596, "tlds.yml has 1,596 TLDs");
}

#[test]
fn every_fully_qualified_emoji_of_unicode_18_is_one_emoji() {
    let sequences: Vec<(String, &str)> = EMOJI_TEST
        .lines()
        .filter(|l| l.contains("; fully-qualified"))
        .filter_map(|l| {
            let (codes, rest) = l.split_once(';')?;
            let text = codes
                .split_whitespace()
                .map(|c| u32::from_str_radix(c, 16).ok().and_then(char::from_u32))
                .collect::<Option<String>>()?;
            Some((
                text,
                rest.split_once('#').map_or(rest, |(_, name)| name).trim(),
            ))
        })
        .collect();
    assert_eq!(
        sequences.len(),
        3963,
        "Unicode 18 has 3,963 fully-qualified emoji"
    );
    run("emoji-test.txt", &sequences, |(text, name)| {
        let found = emoji::find(text);
        let counted = x::count(text, true).length;
        (found == [(0, text.len())] && counted == 2)
            .then_some(())
            .ok_or_else(|| format!("{name} ({text:?}): found {found:?}, counted {counted}"))
    });
}
