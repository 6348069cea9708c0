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
        let day = r"[0-9]{1,2}(?:st|nd|rd|th)?";
        let year = r"(?:,?\s+[0-9]{4}(?-u:\b))?";
        forms.push(format!(
            r"(?-u:\b){day}(?:\s+of)?\s+{months}(?-u:\b)\.?{year}"
        ));
        forms.push(format!(r"(?-u:\b){months}\.?\s+{day}(?-u:\b){year}"));
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
    use crate::detect::personal::testing::{builtin, found};
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
        ] {
            assert!(births(clean).is_empty(), "{clean:?}: {:?}", births(clean));
        }
    }
}
