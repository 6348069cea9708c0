//! Dates of birth: a date introduced as one ("DOB 12/03/1988", "born on 3 March 1990").

use super::{Cues, alternation};
use crate::detect::{Detect, Hit, Input};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the date-of-birth detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOfBirthParams {
    /// Phrases that introduce a date of birth ("date of birth", "DOB", "d.o.b.", "born
    /// on"); an ordinary date ("order by 27 March") has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
    /// How many words may sit between a cue and the date ("born on the 3rd of March").
    #[serde(default = "default_gap")]
    pub gap: usize,
    /// Month names and their abbreviations, for dates written in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<String>,
    /// Days of the month written as words ("third", "twenty-first"), for dates spelt out
    /// ("born on the third of March"). A hyphen in one also matches a space or nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_words: Vec<String>,
    /// Number words a year is spelt out in ("nineteen", "ninety", "two thousand", "oh"):
    /// two to five of them in a row make a year ("nineteen ninety", "two thousand and
    /// five", "nineteen eighty-eight").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub year_words: Vec<String>,
}

fn default_gap() -> usize {
    2
}

/// Finds dates written a few words after a date-of-birth cue; the hit is the date.
#[derive(Debug)]
pub(crate) struct DateOfBirth {
    date: Regex,
    cues: Cues,
    gap: usize,
}

pub(crate) fn date_of_birth(params: &DateOfBirthParams) -> Result<DateOfBirth, String> {
    let mut forms = vec![
        // 12/03/1988, 12.03.88, 12-3-1988; 1988-03-12.
        r"(?-u:\b)[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})(?-u:\b)".to_owned(),
        r"(?-u:\b)[0-9]{4}-[0-9]{2}-[0-9]{2}(?-u:\b)".to_owned(),
    ];
    if params.months.iter().any(|m| !m.trim().is_empty()) {
        let months = alternation(&params.months, "months")?;
        let day = day_pattern(&params.day_words)?;
        let year = year_pattern(&params.year_words)?;
        forms.push(format!(
            r"(?-u:\b){day}(?:\s+of)?\s+{months}(?-u:\b)\.?{year}"
        ));
        forms.push(format!(
            r"(?-u:\b){months}\.?\s+(?:the\s+)?{day}(?-u:\b){year}"
        ));
    }
    let date = Regex::new(&format!("(?i)(?:{})", forms.join("|"))).map_err(|e| e.to_string())?;
    if params.cues.iter().all(|c| c.trim().is_empty()) {
        return Err("the list of cues is empty".into());
    }
    Ok(DateOfBirth {
        date,
        cues: Cues::new(&params.cues)?,
        gap: params.gap,
    })
}

/// A day of the month: "3", "3rd", "03", and, with `words`, "the third", "twenty-first".
fn day_pattern(words: &[String]) -> Result<String, String> {
    let digits = r"[0-9]{1,2}(?:st|nd|rd|th)?";
    if words.iter().all(|w| w.trim().is_empty()) {
        return Ok(format!("(?:{digits})"));
    }
    let spelt = hyphen_free(&alternation(&longest_first(words), "day words")?);
    Ok(format!(r"(?:{digits}|(?:the\s+)?{spelt})"))
}

/// An optional year after a day and month: ", 1990", "'90" (a written year of two digits
/// after an apostrophe) and, with `words`, "nineteen ninety" or "two thousand and five".
fn year_pattern(words: &[String]) -> Result<String, String> {
    let mut forms = vec![
        r"[0-9]{4}(?-u:\b)".to_owned(),
        r"['’‘][0-9]{2}(?-u:\b)".to_owned(),
    ];
    if words.iter().any(|w| !w.trim().is_empty()) {
        let word = hyphen_free(&alternation(&longest_first(words), "year words")?);
        // Two to five number words: "nineteen ninety", "nineteen eighty-eight", "two
        // thousand and five". One alone ("twenty") is a count, not a year.
        forms.push(format!(
            r"{word}(?-u:\b)(?:(?:\s+and)?[\s-]+{word}(?-u:\b)){{1,4}}"
        ));
    }
    Ok(format!(r"(?:,?\s+(?:{}))?", forms.join("|")))
}

/// `words`, longest first: an alternation prefers "thirty-first" to "thirty".
fn longest_first(words: &[String]) -> Vec<String> {
    let mut sorted = words.to_vec();
    sorted.sort_by_key(|w| std::cmp::Reverse(w.len()));
    sorted
}

/// An escaped alternation in which a hyphen also matches a space or nothing
/// ("twenty-first", "twenty first", "twentyfirst").
fn hyphen_free(alternation: &str) -> String {
    alternation.replace(r"\-", r"[\s-]?")
}

impl Detect for DateOfBirth {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        hits.extend(
            self.date
                .find_iter(text.body)
                .filter(|m| self.cues.before(text, m.start(), self.gap))
                .map(|m| Hit::at(m.range())),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::testing::{builtin, found};
    use crate::detect::{Detect, compile};
    use crate::pack::Organisation;

    fn births(body: &str) -> Vec<String> {
        let d: Box<dyn Detect> = compile(
            &builtin("personal_data.date_of_birth"),
            &Organisation::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        found(&*d, body)
    }

    #[test]
    fn a_date_introduced_as_a_date_of_birth_is_found_exactly() {
        for (body, date) in [
            ("DOB 12/03/1988, thanks", "12/03/1988"),
            ("D.O.B.: 12.03.88", "12.03.88"),
            ("d.o.b 1988-03-12", "1988-03-12"),
            ("her date of birth is 3 March 1990", "3 March 1990"),
            ("Jo was born on the 3rd of March 1990.", "3rd of March 1990"),
            ("born on March 3, 1990", "March 3, 1990"),
            ("Date of birth: 14 Feb", "14 Feb"),
            (
                "she was born on the third of March nineteen ninety, bless her",
                "the third of March nineteen ninety",
            ),
            ("DOB: 3rd March '90 and postcode to follow", "3rd March '90"),
            ("DOB 3rd Mar ’90", "3rd Mar ’90"),
            (
                "born March the twenty-first, two thousand and five",
                "March the twenty-first, two thousand and five",
            ),
            (
                "d.o.b. twenty first of June 1979",
                "twenty first of June 1979",
            ),
            (
                "born on 5th May nineteen eighty-eight.",
                "5th May nineteen eighty-eight",
            ),
        ] {
            assert_eq!(births(body), [date], "{body:?}");
        }
    }

    #[test]
    fn ordinary_dates_are_not_dates_of_birth() {
        for clean in [
            "Join us Sunday 30 March",
            "Please order by 27 March for Mother's Day",
            "Happy birthday! Order by 27 March 2025",
            "best before 11/2026, recall from 01/04/2025",
            "Born in the USA night at our bar on 30 March",
            "Our store was born in 1990",
            "Open from the third of March, nineteen stores in all",
            "Our third store opened on the first of May",
            "Born to shop: twenty years of the first of June sale",
            "See you on the 3rd of March '25 at the Leeds opening",
        ] {
            assert!(births(clean).is_empty(), "{clean:?}: {:?}", births(clean));
        }
    }
}
