//! Contact details: e-mail addresses and phone numbers.

use super::{Cues, alternation, char_before, stands_alone};
use crate::detect::{Detect, Hit, Input};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the e-mail detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailParams {
    /// Top-level domains that end an address spelt out to dodge filters ("raj dot khanna
    /// at gmail dot com"); without the list, only real addresses are found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spelt_out_tlds: Vec<String>,
}

/// Finds e-mail addresses, and addresses spelt out with "at" and "dot".
#[derive(Debug)]
pub(crate) struct Email {
    address: Regex,
    spelt_out: Option<Regex>,
}

/// One label of a host name or a plain local part.
const LABEL: &str = r"[a-z0-9](?:[a-z0-9_+\-]*[a-z0-9])?";

pub(crate) fn email(params: &EmailParams) -> Result<Email, String> {
    // The local part may hold dots, plus subaddresses and the other characters RFC 5322
    // allows in practice; the host needs at least one dot and a top-level domain of
    // letters. `\b` at both ends keeps it from starting or ending inside a word.
    let address = Regex::new(
        r"(?i)(?-u:\b)[a-z0-9](?:[a-z0-9._%+\-']*[a-z0-9_%+\-])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}(?-u:\b)",
    )
    .map_err(|e| e.to_string())?;
    let spelt_out = if params.spelt_out_tlds.iter().all(|t| t.trim().is_empty()) {
        None
    } else {
        let tlds = alternation(&params.spelt_out_tlds, "spelt-out top-level domains")?;
        let dot = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\.)";
        let at = r"(?:\s*[\[({]\s*(?:at|@)\s*[\])}]\s*|\s+at\s+)";
        let pattern = format!(
            r"(?i)(?-u:\b){LABEL}(?:{dot}{LABEL})*{at}{LABEL}(?:{dot}{LABEL})*{dot}{tlds}(?-u:\b)"
        );
        Some(Regex::new(&pattern).map_err(|e| e.to_string())?)
    };
    Ok(Email { address, spelt_out })
}

impl Detect for Email {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let body = input.text.body;
        let first = hits.len();
        for m in self.address.find_iter(body) {
            // `@name@server` is a fediverse handle (Mastodon), which its owner published
            // themselves; a mention is not contact data we disclose.
            if char_before(body, m.start()) == Some('@') {
                continue;
            }
            hits.push(Hit::at(m.range()));
        }
        let Some(spelt_out) = &self.spelt_out else {
            return;
        };
        for m in spelt_out.find_iter(body) {
            let found = m.as_str().to_ascii_lowercase();
            // "Sue at hartwell-lane.co.uk" is prose about a website; only a "dot" or a
            // bracketed "at" shows someone spelling an address out.
            let spelt = found.contains(" dot ")
                || found.contains("dot]")
                || found.contains("dot)")
                || found.contains("dot}")
                || found.contains("at]")
                || found.contains("at)")
                || found.contains("at}")
                || found.contains("@");
            let overlaps = hits[first..].iter().any(|h| {
                h.range
                    .as_ref()
                    .is_some_and(|r| r.start < m.end() && m.start() < r.end)
            });
            if spelt && !overlaps {
                hits.push(Hit::at(m.range()));
            }
        }
    }
}

/// Parameters of the phone detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneParams {
    /// National number prefixes (UK form, leading 0) that only organisations use — free
    /// and non-geographic numbers such as 0800 and 03: never a customer's own number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisation_prefixes: Vec<String>,
    /// Phrases that introduce the organisation's own number ("call us on", "our
    /// helpline"): a number a few words after one is ours, not a customer's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ours: Vec<String>,
    /// How many words may sit between one of `ours` and the number.
    #[serde(default = "default_gap")]
    pub ours_gap: usize,
    /// Words that label a number as something other than a phone number ("order",
    /// "batch", "invoice"), right before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_after: Vec<String>,
}

fn default_gap() -> usize {
    3
}

/// Finds phone numbers: international (+44 …, 0044 …), UK national (07700 900461,
/// (0113) 496 0000) and North American (555-010-9999, (555) 010-9999).
#[derive(Debug)]
pub(crate) struct Phone {
    organisation_prefixes: Vec<String>,
    ours: Cues,
    ours_gap: usize,
    not_after: Cues,
}

pub(crate) fn phone(params: &PhoneParams) -> Result<Phone, String> {
    let organisation_prefixes: Vec<String> = params
        .organisation_prefixes
        .iter()
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Phone {
        organisation_prefixes,
        ours: Cues::new(&params.ours)?,
        ours_gap: params.ours_gap,
        not_after: Cues::new(&params.not_after)?,
    })
}

impl Detect for Phone {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let body = input.text.body;
        for run in runs(body, Separators::Phone) {
            // The longest leading part of the run that reads as a phone number: a run can
            // swallow a number written right after it ("07700 900461 2 times").
            let Some(groups) = (1..=run.groups.len())
                .rev()
                .find(|&g| self.is_phone(body, &run, g))
            else {
                continue;
            };
            let end = run.groups[groups - 1].end;
            let start = run.start;
            if self.not_after.before(input.text, start, 1)
                || self.ours.before(input.text, start, self.ours_gap)
            {
                continue;
            }
            hits.push(Hit::at(start..end));
        }
    }
}

impl Phone {
    /// True when the first `groups` digit groups of `run` are a personal phone number.
    fn is_phone(&self, body: &str, run: &Run, groups: usize) -> bool {
        let parts = &run.groups[..groups];
        let end = parts[groups - 1].end;
        if groups == run.groups.len() && !stands_alone(body, run.start, end) {
            return false;
        }
        if char_before(body, run.start).is_some_and(|c| matches!(c, '£' | '$' | '€' | '#'))
            || body[end..].starts_with('%')
        {
            return false;
        }
        let mut digits = [0u8; MAX_DIGITS];
        let mut n = 0;
        for g in parts {
            for &b in &body.as_bytes()[g.start..g.end] {
                if n == MAX_DIGITS {
                    return false;
                }
                digits[n] = b;
                n += 1;
            }
        }
        let digits = &digits[..n];
        let lengths = || parts.iter().map(|g| g.end - g.start);
        // "00" dials out of the UK; written as a group of its own or with the country
        // code ("00 44", "0044"), never split like a date ("00.01.2025").
        let dialled_out = digits.starts_with(b"00")
            && (2..=5).contains(&(parts[0].end - parts[0].start))
            && lengths().skip(1).all(|n| n >= 2);
        let international = run.plus || dialled_out;
        if international {
            let number = if run.plus { digits } else { &digits[2..] };
            // A trunk zero written in brackets after the country code ("+44 (0)7700 …").
            let trunk =
                usize::from(parts.len() > 1 && parts[1].paren && lengths().nth(1) == Some(1));
            let significant = number.len() - trunk;
            if !(8..=15).contains(&significant) || number.first() == Some(&b'0') {
                return false;
            }
            // The same number as dialled in the UK, to check the organisation's prefixes.
            if let Some(national) = number.strip_prefix(b"44") {
                let national = &national[trunk..];
                return !self.is_organisations(b"0", national);
            }
            return true;
        }
        if digits.first() == Some(&b'0') {
            // UK national numbers: 10 or 11 digits with the trunk zero, an area code of
            // three to five digits and groups of three or more after it; dates and times
            // run together ("01.02.2025 - 03") are grouped otherwise.
            let grouped = parts.len() == 1
                || ((3..=5).contains(&(parts[0].end - parts[0].start))
                    && lengths().skip(1).all(|n| n >= 3));
            return grouped
                && (10..=11).contains(&digits.len())
                && !self.is_organisations(b"", digits);
        }
        // North American numbers, only when grouped the way they are written: 3-3-4,
        // optionally after a 1; an ungrouped ten-digit number is as likely an order.
        if parts.len() > 4 {
            return false;
        }
        let mut lengths = lengths();
        let shape: [usize; 4] = std::array::from_fn(|_| lengths.next().unwrap_or(0));
        let area = match shape {
            [3, 3, 4, 0] => 0,
            [1, 3, 3, 4] if digits[0] == b'1' => 1,
            _ => return false,
        };
        (b'2'..=b'9').contains(&digits[area])
    }

    /// True when the national number `head` + `rest` starts with one of the
    /// organisation-only prefixes.
    fn is_organisations(&self, head: &[u8], rest: &[u8]) -> bool {
        self.organisation_prefixes.iter().any(|p| {
            let p = p.as_bytes();
            let (ph, pr) = p.split_at(head.len().min(p.len()));
            ph == head && rest.starts_with(pr)
        })
    }
}

/// The most digits a number run keeps: more than any phone or card number has.
pub(super) const MAX_DIGITS: usize = 24;

/// Which characters may separate the digit groups of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Separators {
    /// Spaces, hyphens, dots and brackets, and a leading `+`.
    Phone,
    /// Single spaces and hyphens.
    Card,
}

/// One group of digits in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Group {
    /// Byte offset of its first digit.
    pub start: usize,
    /// One past its last digit.
    pub end: usize,
    /// True when it was written in brackets: "(0113)".
    pub paren: bool,
}

/// Digits in groups with single separators between them: a phone or card number, or
/// something that looks like one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Run {
    /// Byte offset of its first character (`+`, `(` or a digit).
    pub start: usize,
    /// Starts with `+`.
    pub plus: bool,
    /// The groups, at most [`MAX_GROUPS`].
    pub groups: GroupList,
}

/// The most groups a run keeps; a longer run is cut there.
pub(super) const MAX_GROUPS: usize = 10;

/// A fixed-size list of groups: runs are found per draft, so they do not allocate.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(super) struct GroupList {
    items: [Group; MAX_GROUPS],
    len: usize,
}

impl GroupList {
    fn push(&mut self, g: Group) -> bool {
        if self.len == MAX_GROUPS {
            return false;
        }
        self.items[self.len] = g;
        self.len += 1;
        true
    }
}

impl std::ops::Deref for GroupList {
    type Target = [Group];
    fn deref(&self) -> &[Group] {
        &self.items[..self.len]
    }
}

/// The runs of `body`, left to right, each starting where no letter or digit precedes it.
pub(super) fn runs(body: &str, separators: Separators) -> impl Iterator<Item = Run> + '_ {
    let bytes = body.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let at = i;
            i += 1;
            let b = bytes[at];
            let opener =
                b.is_ascii_digit() || (separators == Separators::Phone && (b == b'+' || b == b'('));
            if !opener || char_before(body, at).is_some_and(char::is_alphanumeric) {
                continue;
            }
            if let Some(run) = run_at(bytes, at, separators) {
                i = run.groups.last().map_or(at + 1, |g| g.end);
                return Some(run);
            }
        }
        None
    })
}

/// The run starting at byte `start`, if one does.
fn run_at(bytes: &[u8], start: usize, separators: Separators) -> Option<Run> {
    let phone = separators == Separators::Phone;
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = start;
    let plus = phone && bytes[i] == b'+';
    if plus {
        i += 1;
        if bytes.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let mut groups = GroupList::default();
    let mut open = false;
    loop {
        if phone && bytes.get(i) == Some(&b'(') && digit(i + 1) {
            open = true;
            i += 1;
        }
        if !digit(i) {
            break;
        }
        let group_start = i;
        while digit(i) {
            i += 1;
        }
        let mut group = Group {
            start: group_start,
            end: i,
            paren: false,
        };
        if open {
            if bytes.get(i) != Some(&b')') {
                // An unclosed bracket is punctuation, not an area code: "(07700 900461)".
                // A run that opened with it starts again at the digit.
                if groups.is_empty() && start + 1 == group_start {
                    return run_at(bytes, group_start, separators);
                }
                break;
            }
            group.paren = true;
            open = false;
            i += 1;
        }
        if !groups.push(group) {
            break;
        }
        // One separator, then the next group must start right away.
        let next = match bytes.get(i) {
            Some(b' ') if bytes.get(i + 1) == Some(&b'-') && bytes.get(i + 2) == Some(&b' ') => {
                i + 3
            }
            Some(b' ' | b'-') => i + 1,
            Some(b'.') if phone => i + 1,
            _ if group.paren => i,
            _ => break,
        };
        let starts_group =
            digit(next) || (phone && bytes.get(next) == Some(&b'(') && digit(next + 1));
        if !starts_group || (group.paren && next == i && !digit(next)) {
            break;
        }
        i = next;
    }
    (!groups.is_empty()).then_some(Run {
        start,
        plus,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{builtin, found};
    use crate::detect::{Detect, compile};
    use crate::pack::Organisation;

    fn detector(id: &str) -> Box<dyn Detect> {
        compile(&builtin(id), &Organisation::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn email_addresses_with_subaddresses_dots_and_subdomains_are_found_exactly() {
        let d = detector("personal_data.email");
        assert_eq!(
            found(
                &*d,
                "Sent to raj.khanna82@gmail.com, J.O'Neil+returns@mail.example.co.uk and \
                 x_y@sub.domain.org."
            ),
            [
                "raj.khanna82@gmail.com",
                "J.O'Neil+returns@mail.example.co.uk",
                "x_y@sub.domain.org"
            ],
            "the span is the address, without the trailing full stop"
        );
    }

    #[test]
    fn mentions_handles_and_at_in_prose_are_not_email_addresses() {
        let d = detector("personal_data.email");
        for clean in [
            "Thanks @HartwellHelp, sorted!",
            "Reply from @oldgeezer@mastodon.social about Whitby",
            "Ask Sue at hartwell-lane.co.uk/stores for the hours",
            "We're at Leeds station at 9am",
            "Meet us at the store",
        ] {
            assert!(
                found(&*d, clean).is_empty(),
                "{clean:?} has no e-mail address"
            );
        }
    }

    #[test]
    fn an_address_spelt_out_with_dot_and_at_is_found() {
        let d = detector("personal_data.email");
        assert_eq!(
            found(&*d, "Email raj dot khanna at gmail dot com today"),
            ["raj dot khanna at gmail dot com"],
            "spelt out to dodge filters is still an address"
        );
        assert_eq!(
            found(&*d, "write to jo.pearce [at] outlook [dot] co [dot] uk"),
            ["jo.pearce [at] outlook [dot] co [dot] uk"]
        );
    }

    fn phones(body: &str) -> Vec<String> {
        found(&*detector("personal_data.phone"), body)
    }

    #[test]
    fn international_phone_numbers_are_found_exactly() {
        assert_eq!(phones("ring +44 7700 900461 now"), ["+44 7700 900461"]);
        assert_eq!(phones("US: +1 (555) 010-9999."), ["+1 (555) 010-9999"]);
        assert_eq!(phones("or 0044 7700 900461"), ["0044 7700 900461"]);
        assert_eq!(phones("+44 (0)7700 900461"), ["+44 (0)7700 900461"]);
        assert_eq!(phones("+33 1 23 45 67 89"), ["+33 1 23 45 67 89"]);
    }

    #[test]
    fn national_phone_numbers_are_found_exactly() {
        for number in [
            "07700 900461",
            "07700900461",
            "(0113) 496 0000",
            "020 7946 0018",
            "0113-496-0000",
            "555-010-9999",
            "(555) 010-9999",
            "1-555-010-9999",
        ] {
            let body = format!("Dev will call you on {number} between 9 and 11.");
            assert_eq!(phones(&body), [number], "{number} is a phone number");
        }
    }

    #[test]
    fn a_number_written_right_after_a_phone_number_is_not_part_of_it() {
        assert_eq!(phones("call 07700 900461 2 times"), ["07700 900461"]);
    }

    #[test]
    fn prices_times_dates_years_counts_and_orders_are_not_phone_numbers() {
        for clean in [
            "Up to £3,000 off, £1 500 000 prize",
            "Open 9pm, from 09:00 to 17:30",
            "On 30/03/2025, 2025-03-30 or 30.03.2025",
            "Since 2019, in 212 stores, 40 largest",
            "Your order 07700900461 has shipped",
            "batch 01234 567890 is recalled",
            "Only 12 345 678 people",
            "Up 2.5% to 1234.5678",
            "card 4111 1111 1111 1111",
            "IBAN GB29 NWBK 6016 1331 9268 19",
            "sort code 12-34-56, account 12345678",
            "HL2291 and HL-4471923",
            "Valid 01.02.2025 - 03.04.2025 only",
            "From 00.01.2025 12:00",
            "2019-2024 and 10.30-11.30",
        ] {
            assert!(
                phones(clean).is_empty(),
                "{clean:?} has no phone number: {:?}",
                phones(clean)
            );
        }
    }

    #[test]
    fn the_organisations_own_numbers_are_not_personal() {
        for clean in [
            "Call us on 0800 123 4567, we're open till 8.",
            "Our helpline 0345 600 1234 is free",
            "Freephone 0808 157 0192",
            "or +44 800 123 4567 from abroad",
            "call us free on 0113 496 0000",
            "reach our Briggate pharmacy team directly on 0113 496 0750",
        ] {
            assert!(phones(clean).is_empty(), "{clean:?}: {:?}", phones(clean));
        }
        assert_eq!(
            phones("Call us on 0800 123 4567. Dev will ring you on 07700 900461."),
            ["07700 900461"],
            "a customer's number next to ours is still theirs"
        );
    }

    #[test]
    fn runs_split_digit_groups_and_stop_at_other_characters() {
        let r: Vec<_> = runs("a1 (0113) 496-0000, x", Separators::Phone).collect();
        assert_eq!(r.len(), 1, "the 1 after a letter starts no run");
        let lengths: Vec<_> = r[0].groups.iter().map(|g| g.end - g.start).collect();
        assert_eq!(lengths, [4, 3, 4]);
        assert!(r[0].groups[0].paren);
    }
}
