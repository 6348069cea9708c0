//! Payment data: card numbers (Luhn), IBANs (ISO 13616 mod-97) and UK bank accounts.

use super::contact::{MAX_DIGITS, Separators, runs};
use super::{Cues, stands_alone};
use crate::detect::{Detect, Hit, Input};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the payment-card detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCardParams {
    /// Words that label the number right after them as something other than a card
    /// ("tracking", "consignment"): long parcel numbers pass the Luhn check one time in
    /// ten.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_after: Vec<String>,
}

/// Finds payment card numbers: 13 to 19 digits, in groups separated by single spaces or
/// hyphens, passing the Luhn check, from a card network's range (their first digit is
/// 2–6: Mastercard 2 and 5, Amex and Diners 3, Visa 4, Maestro 5 and 6, Discover 6).
/// Four digits alone ("card ending 1111") are not a card number.
#[derive(Debug)]
pub(crate) struct PaymentCard {
    not_after: Cues,
}

pub(crate) fn payment_card(params: &PaymentCardParams) -> Result<PaymentCard, String> {
    Ok(PaymentCard {
        not_after: Cues::new(&params.not_after)?,
    })
}

impl Detect for PaymentCard {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let body = input.text.body;
        let bytes = body.as_bytes();
        for run in runs(body, Separators::Card) {
            // The longest leading part that is a card number: "4111 1111 1111 1111 2
            // payments" has a stray group after the card.
            let found = (1..=run.groups.len()).rev().find_map(|g| {
                let end = run.groups[g - 1].end;
                let mut digits = [0u8; MAX_DIGITS];
                let mut n = 0;
                for group in &run.groups[..g] {
                    for &b in &bytes[group.start..group.end] {
                        if n == MAX_DIGITS {
                            return None;
                        }
                        digits[n] = b - b'0';
                        n += 1;
                    }
                }
                let digits = &digits[..n];
                let whole = g < run.groups.len() || stands_alone(body, run.start, end);
                (whole && (13..=19).contains(&n) && (2..=6).contains(&digits[0]) && luhn(digits))
                    .then_some(run.start..end)
            });
            if !self.not_after.before(input.text, run.start, 1) {
                hits.extend(found.map(Hit::at));
            }
        }
    }
}

/// The Luhn check (ISO/IEC 7812-1) over digits 0–9: every second digit from the right
/// doubled, digits summed, the total a multiple of ten.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Parameters of the bank-account detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccountParams {
    /// Words that label the number after them as a bank account number ("account
    /// number", "acc no", "a/c").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_cues: Vec<String>,
    /// Words that label a six-digit number as a sort code ("sort code").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort_code_cues: Vec<String>,
    /// How many words may sit between one of `account_cues` and the number ("the
    /// account number you gave us, 31926819").
    #[serde(default = "default_cue_gap")]
    pub cue_gap: usize,
    /// Words that label the number right after them as something else ("order",
    /// "reference"), even after an account cue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_after: Vec<String>,
    /// How many words may sit between a sort code and its account number.
    #[serde(default = "default_near")]
    pub near: usize,
}

fn default_cue_gap() -> usize {
    4
}

fn default_near() -> usize {
    4
}

/// Finds IBANs that pass the ISO 13616 check, and UK account numbers (eight digits) next
/// to a sort code or after a label such as "account number".
#[derive(Debug)]
pub(crate) struct BankAccount {
    iban_start: Regex,
    account: Regex,
    sort_code: Regex,
    account_cues: Cues,
    sort_code_cues: Cues,
    cue_gap: usize,
    not_after: Cues,
    near: usize,
}

pub(crate) fn bank_account(params: &BankAccountParams) -> Result<BankAccount, String> {
    let regex = |p: &str| Regex::new(p).map_err(|e| e.to_string());
    Ok(BankAccount {
        // Country code and check digits; the rest is read by hand to the country's length,
        // so a spaced IBAN never swallows the word after it.
        iban_start: regex(r"(?-u:\b)[A-Za-z]{2}[0-9]{2}")?,
        account: regex(r"(?-u:\b)[0-9]{8}(?-u:\b)|(?-u:\b)[0-9]{4} [0-9]{4}(?-u:\b)")?,
        sort_code: regex(
            r"(?-u:\b)[0-9]{2}-[0-9]{2}-[0-9]{2}(?-u:\b)|(?-u:\b)[0-9]{2} [0-9]{2} [0-9]{2}(?-u:\b)|(?-u:\b)[0-9]{6}(?-u:\b)",
        )?,
        account_cues: Cues::new(&params.account_cues)?,
        sort_code_cues: Cues::new(&params.sort_code_cues)?,
        cue_gap: params.cue_gap,
        not_after: Cues::new(&params.not_after)?,
        near: params.near,
    })
}

impl Detect for BankAccount {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        let body = text.body;
        let first_iban = hits.len();
        for m in self.iban_start.find_iter(body) {
            if let Some(end) = iban_end(body, m.start()) {
                hits.push(Hit::at(m.start()..end));
            }
        }
        // A sort code is a sort code when written with hyphens or labelled; six bare
        // digits are only one when labelled.
        let is_sort_code = |m: &regex::Match<'_>| {
            m.as_str().contains('-') || self.sort_code_cues.before(text, m.start(), 1)
        };
        let ibans = first_iban..hits.len();
        let first = hits.len();
        for account in self.account.find_iter(body) {
            // Eight digits inside an IBAN or a longer spaced number are part of that.
            let inside_iban = hits[ibans.clone()].iter().any(|h| {
                h.range
                    .as_ref()
                    .is_some_and(|r| r.start < account.end() && account.start() < r.end)
            });
            if inside_iban
                || in_longer_number(body, account.start(), account.end())
                || self.not_after.before(text, account.start(), 1)
            {
                continue;
            }
            let labelled = self
                .account_cues
                .before(text, account.start(), self.cue_gap);
            let word = text.word_at(account.start());
            let with_sort_code = self.sort_code.find_iter(body).find(|s| {
                let gap = text.word_at(s.start()).abs_diff(word);
                s.range() != account.range()
                    && gap <= self.near + 2
                    && is_sort_code(s)
                    && !super::ends_sentence(
                        &body[s.end().min(account.start())..s.start().max(account.end())],
                    )
            });
            if labelled || with_sort_code.is_some() {
                // One sort code may sit next to two account numbers: one hit for it.
                if let Some(sort_code) = with_sort_code
                    && !hits[first..]
                        .iter()
                        .any(|h| h.range == Some(sort_code.range()))
                {
                    hits.push(Hit::at(sort_code.range()));
                }
                hits.push(Hit::at(account.range()));
            }
        }
        hits[first..].sort_by_key(|h| h.range.as_ref().map(|r| r.start));
    }
}

/// True when `start..end` of `body` has another group of digits right before or after it,
/// one space away: "1234 5678" in "4111 1234 5678 9012".
fn in_longer_number(body: &str, start: usize, end: usize) -> bool {
    let bytes = body.as_bytes();
    let before = start >= 2 && bytes[start - 1] == b' ' && bytes[start - 2].is_ascii_digit();
    let after = bytes.get(end) == Some(&b' ') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
    before || after
}

/// Byte offset one past the last character of the IBAN starting at `start`, if a valid
/// one does: the country's length (single spaces allowed between characters), ending at a
/// word boundary, passing the mod-97 check.
fn iban_end(body: &str, start: usize) -> Option<usize> {
    let bytes = body.as_bytes();
    let country = [
        bytes[start].to_ascii_uppercase(),
        bytes[start + 1].to_ascii_uppercase(),
    ];
    let length = IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.as_bytes() == country)
        .map(|&(_, n)| n)?;
    // The check runs on the characters rearranged: the BBAN first, then the country code
    // and check digits; each letter counts as two digits (A = 10).
    let mut remainder: u32 = 0;
    let mut add = |b: u8| -> Option<()> {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'a'..=b'z' | b'A'..=b'Z' => u32::from(b.to_ascii_uppercase() - b'A') + 10,
            _ => return None,
        };
        let scale = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * scale + value) % 97;
        Some(())
    };
    let mut i = start + 4;
    let mut count = 4;
    while count < length {
        match bytes.get(i) {
            Some(b' ') if bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) => i += 1,
            Some(b) if b.is_ascii_alphanumeric() => {
                add(*b)?;
                count += 1;
                i += 1;
            }
            _ => return None,
        }
    }
    if !stands_alone(body, start, i) {
        return None;
    }
    for &b in &bytes[start..start + 4] {
        add(b)?;
    }
    (remainder == 1).then_some(i)
}

/// IBAN lengths by country (the SWIFT IBAN registry).
#[rustfmt::skip]
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28),
    ("CZ", 24), ("DE", 22), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24),
    ("FI", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18),
    ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23),
    ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32),
    ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24),
    ("ME", 22), ("MK", 19), ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15),
    ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22),
    ("SA", 24), ("SC", 31), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25),
    ("SV", 28), ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24),
    ("XK", 20),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{builtin, found};
    use crate::detect::{Detect, compile};
    use crate::pack::Organisation;

    fn detector(id: &str) -> Box<dyn Detect> {
        compile(&builtin(id), &Organisation::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cards(body: &str) -> Vec<String> {
        found(&*detector("personal_data.payment_card"), body)
    }

    fn banks(body: &str) -> Vec<String> {
        found(&*detector("personal_data.bank_account"), body)
    }

    #[test]
    fn card_numbers_that_pass_luhn_are_found_spaced_dashed_or_compact() {
        for card in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111111111111111",
            "3782 822463 10005",
            "5555 5555 5555 4444",
            "6011 1111 1111 1117",
        ] {
            let body = format!("both payments on card {card}. Sorry!");
            assert_eq!(cards(&body), [card], "{card} is a test card number");
        }
        assert_eq!(
            cards("card 4111 1111 1111 1111 2 payments"),
            ["4111 1111 1111 1111"],
            "a stray number after the card is not part of it"
        );
    }

    #[test]
    fn numbers_that_fail_luhn_or_are_too_short_are_not_cards() {
        for clean in [
            "order 4111 1111 1111 1112",
            "card ending 1111",
            "ref 1234567812345678",
            "call 07700 900461",
            "91111111111111111 is 17 digits starting with 9",
            "GB29 NWBK 6016 1331 9268 19",
            "tracking number 4111 1111 1111 1111",
        ] {
            assert!(cards(clean).is_empty(), "{clean:?}: {:?}", cards(clean));
        }
    }

    #[test]
    fn the_luhn_check_doubles_every_second_digit_from_the_right() {
        assert!(
            luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]),
            "the standard example"
        );
        assert!(!luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }

    #[test]
    fn ibans_that_pass_mod_97_are_found_spaced_or_compact_in_any_country() {
        for iban in [
            "GB29 NWBK 6016 1331 9268 19",
            "GB29NWBK60161331926819",
            "gb29 nwbk 6016 1331 9268 19",
            "DE89 3704 0044 0532 0130 00",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NO93 8601 1117 947",
            "BE68 5390 0754 7034",
        ] {
            let body = format!("Pay into your account {iban} please");
            assert_eq!(
                banks(&body),
                [iban],
                "{iban} is one IBAN, not accounts inside it"
            );
        }
    }

    #[test]
    fn strings_shaped_like_ibans_that_fail_the_check_are_clean() {
        for clean in [
            "GB28 NWBK 6016 1331 9268 19",
            "GB29 NWBK 6016 1331 9268 1",
            "XX29 NWBK 6016 1331 9268 19",
            "GB29NWBK60161331926819X",
            "Order AB12 3456 7890 1234 5678 90",
        ] {
            assert!(banks(clean).is_empty(), "{clean:?}: {:?}", banks(clean));
        }
    }

    #[test]
    fn uk_account_numbers_need_a_sort_code_or_a_label() {
        assert_eq!(
            banks("sort code 12-34-56, account 12345678"),
            ["12-34-56", "12345678"]
        );
        assert_eq!(banks("Paid from 123456 / 87654321?"), Vec::<String>::new());
        assert_eq!(banks("s/c 123456 acc 87654321"), ["123456", "87654321"]);
        assert_eq!(banks("Account number: 12345678"), ["12345678"]);
        assert_eq!(banks("acc no 1234 5678"), ["1234 5678"]);
        assert_eq!(banks("your a/c 12345678"), ["12345678"]);
        assert_eq!(
            banks("to the account number you gave us, 31926819, not the card"),
            ["31926819"],
            "a label a few words before the number still labels it"
        );
        for clean in [
            "order 12345678 is on its way",
            "12-34-56. Order 12345678",
            "Reward points 12345678",
            "account number 4111 1234 5678 9012 3456",
            "Log in to your account and quote order 12345678",
            "Your account is fine. 12345678 is the parcel",
        ] {
            assert!(banks(clean).is_empty(), "{clean:?}: {:?}", banks(clean));
        }
    }
}
