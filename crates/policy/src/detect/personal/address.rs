//! Postal addresses: a house number with a street, UK postcodes, US ZIP codes by a state.

use super::{Cues, alternation, ends_sentence};
use crate::detect::{Detect, Hit, Input};
use crate::text::Text;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Parameters of the postal-address detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddressParams {
    /// Words that end a street's name ("Road", "Street", "Rd", "Row"), matched case-blind
    /// after a house number and one to three capitalised words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub street_types: Vec<String>,
    /// Endings that make one capitalised word a street ("gate": Kirkgate, Briggate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub street_endings: Vec<String>,
    /// Words for a home inside a building, written before its number ("Flat 3").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<String>,
    /// Phrases that introduce the organisation's own premises ("our new store at",
    /// "visit us at"): an address a few words after one is ours, not a customer's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ours: Vec<String>,
    /// How many words may sit between one of `ours` and the address.
    #[serde(default = "default_gap")]
    pub ours_gap: usize,
    /// US state abbreviations, upper case: a five-digit number after one is a ZIP code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub us_states: Vec<String>,
    /// How many words (a town, a county) may sit between a street and its postcode for
    /// the two to be one address.
    #[serde(default = "default_town_words")]
    pub town_words: usize,
}

fn default_gap() -> usize {
    4
}

fn default_town_words() -> usize {
    4
}

/// Finds street addresses and postcodes, one hit per address (street, town and postcode
/// together when they are written together).
#[derive(Debug)]
pub(crate) struct PostalAddress {
    street: Option<Regex>,
    postcode: Regex,
    zip: Option<Regex>,
    ours: Cues,
    ours_gap: usize,
    town_words: usize,
}

pub(crate) fn postal_address(params: &PostalAddressParams) -> Result<PostalAddress, String> {
    let regex = |p: &str| Regex::new(p).map_err(|e| e.to_string());
    let number = r"[0-9]{1,4}[A-Za-z]?(?:[-–][0-9]{1,4}[A-Za-z]?)?";
    let name = r"\p{Lu}[\p{Ll}'’]*(?:-\p{Lu}?[\p{Ll}'’]+)?";
    let mut forms = Vec::new();
    if params.street_types.iter().any(|t| !t.trim().is_empty()) {
        let types = alternation(&params.street_types, "street types")?;
        forms.push(format!(r"(?:{name}[ \t]+){{1,3}}(?i:{types})(?-u:\b)"));
    }
    if params.street_endings.iter().any(|t| !t.trim().is_empty()) {
        let endings = alternation(&params.street_endings, "street endings")?;
        forms.push(format!(r"\p{{Lu}}\p{{Ll}}*(?:{endings})(?-u:\b)"));
    }
    let street = if forms.is_empty() {
        None
    } else {
        let unit = if params.units.iter().any(|u| !u.trim().is_empty()) {
            let units = alternation(&params.units, "unit words")?;
            format!(r"(?:(?-u:\b)(?i:{units})\.?[ \t]+{number},?[ \t]+)?")
        } else {
            String::new()
        };
        Some(regex(&format!(
            r"{unit}(?-u:\b){number},?[ \t]+(?:{})",
            forms.join("|")
        ))?)
    };
    let zip = if params.us_states.iter().any(|s| !s.trim().is_empty()) {
        let states = alternation(&params.us_states, "US states")?;
        Some(regex(&format!(
            r"(?-u:\b){states},?[ \t]+([0-9]{{5}}(?:-[0-9]{{4}})?)(?-u:\b)"
        ))?)
    } else {
        None
    };
    Ok(PostalAddress {
        street,
        // The Royal Mail's format: an outward code (area letters that exist in that
        // position, a district) and an inward code (a sector digit and two letters
        // from the 20 used), with or without the space.
        postcode: regex(
            r"(?i)(?-u:\b)(?:GIR[ \t]?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)[ \t]?[0-9][ABD-HJLNP-UW-Z]{2})(?-u:\b)",
        )?,
        zip,
        ours: Cues::new(&params.ours)?,
        ours_gap: params.ours_gap,
        town_words: params.town_words,
    })
}

impl Detect for PostalAddress {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        let body = text.body;
        let first = hits.len();
        // Streets first, then postcodes and ZIP codes joined to the street they follow.
        if let Some(street) = &self.street {
            hits.extend(
                street
                    .find_iter(body)
                    .filter(|m| !counts_things(body, m.end()))
                    .map(|m| Hit::at(m.range())),
            );
        }
        let codes = self
            .postcode
            .find_iter(body)
            .map(|m| m.range())
            .filter(|r| !is_ordinal(&body[r.clone()]))
            .chain(
                self.zip
                    .iter()
                    .flat_map(|z| z.captures_iter(body))
                    .filter_map(|c| c.get(1).map(|m| m.range())),
            );
        for code in codes {
            match hits[first..]
                .iter_mut()
                .filter_map(|h| h.range.as_mut())
                .find(|street| self.same_address(text, street, &code))
            {
                Some(street) => street.end = street.end.max(code.end),
                None => hits.push(Hit::at(code)),
            }
        }
        let mut i = first;
        while i < hits.len() {
            let ours = hits[i]
                .range
                .as_ref()
                .is_some_and(|r| self.ours.before(text, r.start, self.ours_gap));
            if ours {
                hits.remove(i);
            } else {
                i += 1;
            }
        }
        hits[first..].sort_by_key(|h| h.range.as_ref().map(|r| r.start));
    }
}

impl PostalAddress {
    /// True when `code` follows `street` closely enough to be its postcode: "14 Elm Road,
    /// Harrogate HG1 2QT".
    fn same_address(&self, text: &Text<'_>, street: &Range<usize>, code: &Range<usize>) -> bool {
        street.end <= code.start
            && text.word_at(code.start) <= text.word_at(street.end) + self.town_words
            && !ends_sentence(&text.body[street.end..code.start])
    }
}

/// True when the words at `end` go on to say what is being counted: "2 Front Row seats",
/// "3 Park Lane tickets" — a number of things, not a house number. An address is
/// followed by punctuation, a town or a short word ("this afternoon", "is").
fn counts_things(body: &str, end: usize) -> bool {
    let rest = body[end..].trim_start_matches([' ', '\t']);
    let word_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let word = &rest[..word_len];
    word.len() >= 5 && word.ends_with('s') && !word.ends_with("ss")
}

/// True for an ordinal written after a road's name ("the M1 2nd exit"), which has the
/// shape of a postcode but not its case.
fn is_ordinal(found: &str) -> bool {
    ["st", "nd", "rd", "th"].iter().any(|s| found.ends_with(s))
}

#[cfg(test)]
mod tests {
    use crate::detect::testing::{builtin, found};
    use crate::detect::{Detect, compile};
    use crate::pack::Organisation;

    fn addresses(body: &str) -> Vec<String> {
        let d: Box<dyn Detect> = compile(
            &builtin("personal_data.postal_address"),
            &Organisation::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        found(&*d, body)
    }

    #[test]
    fn a_street_with_its_town_and_postcode_is_one_address() {
        assert_eq!(
            addresses(
                "We'll deliver your mum's tablets to 14 Wellington Road, Harrogate HG1 2QT \
                 this afternoon."
            ),
            ["14 Wellington Road, Harrogate HG1 2QT"]
        );
    }

    #[test]
    fn house_numbers_with_streets_flats_and_one_word_streets_are_addresses() {
        for address in [
            "14 Elm Road",
            "221b Baker Street",
            "Flat 3, 22 Kirkgate",
            "2 St John's Close",
            "7 Mill Hill Lane",
            "12-14 Station Rd",
            "1600 Pennsylvania Avenue",
        ] {
            let body = format!("It went to {address} instead, sorry");
            assert_eq!(addresses(&body), [address], "{address} is an address");
        }
    }

    #[test]
    fn full_uk_postcodes_are_found_case_blind_but_in_their_real_format() {
        for postcode in [
            "LS1 6AZ", "SW1A 1AA", "ls1 6az", "HG12QT", "M1 1AE", "GIR 0AA",
        ] {
            let body = format!("The postcode is {postcode}, right?");
            assert_eq!(addresses(&body), [postcode], "{postcode} is a postcode");
        }
        for clean in [
            "Sectors LS1 and HG1 only",
            "QQ1 1AA is no area",
            "LS1 6CI has letters no inward code uses",
            "Take the M1 2nd exit",
            "Open 10am till 6pm, A1 3pm",
        ] {
            assert!(
                addresses(clean).is_empty(),
                "{clean:?}: {:?}",
                addresses(clean)
            );
        }
    }

    #[test]
    fn a_zip_code_counts_only_by_a_state_or_a_street() {
        assert_eq!(addresses("Springfield, IL 62704"), ["62704"]);
        assert_eq!(
            addresses("1600 Pennsylvania Avenue NW, Washington, DC 20500"),
            ["1600 Pennsylvania Avenue NW, Washington, DC 20500"]
        );
        assert!(
            addresses("Order 62704 is late").is_empty(),
            "a bare number is no ZIP"
        );
    }

    #[test]
    fn numbers_in_ordinary_wording_are_not_addresses() {
        for clean in [
            "2 for 1 on all Lane Beauty",
            "Top 5 things customers asked us",
            "Sunday 30 March at Leeds",
            "around 30 in stock",
            "a 5 minute walk from the station",
            "500 Lane Rewards points",
            "From Monday 4 November, at our 40 largest stores",
            "Win 2 Front Row seats at the theatre",
        ] {
            assert!(
                addresses(clean).is_empty(),
                "{clean:?}: {:?}",
                addresses(clean)
            );
        }
    }

    #[test]
    fn the_organisations_own_premises_introduced_as_ours_are_not_personal() {
        for clean in [
            "Come and see our new store at 5 Park Row, Leeds LS1 5HD!",
            "Visit us at 22 Kirkgate from Monday",
            "We've moved to 10 Albion Street",
            "Our Harrogate pharmacy is at 3 James Street, HG1 1QS",
            "Returns to: Hartwell & Lane Returns, Freepost RTKX-BZJC-HLGR, Wakefield WF2 0XX",
        ] {
            assert!(
                addresses(clean).is_empty(),
                "{clean:?}: {:?}",
                addresses(clean)
            );
        }
        assert_eq!(
            addresses("Visit us at 5 Park Row. Your parcel went to 14 Elm Road."),
            ["14 Elm Road"],
            "the customer's address beside ours is still theirs"
        );
    }
}
