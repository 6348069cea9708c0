//! Pre-approved replies: fixed text with `{slots}`, and whether a draft is one of them.
//!
//! A draft matches a reply when it is the reply's text with every slot filled by short
//! text (at most [`MAX_SLOT_CHARS`] characters on one line, no link, no handle, no
//! hashtag). Spaces and apostrophes are compared loosely (`'` = `’`, runs of spaces = one),
//! since authors type them differently; everything else must be exactly the reply's. The
//! guard then reviews the whole draft: only a draft with no findings at all counts as
//! pre-approved.

use regex::Regex;

/// The longest text a slot may hold. A first name, a store, a day: anything longer is not
/// the routine reply the library approved.
pub const MAX_SLOT_CHARS: usize = 40;

/// A reply's text parsed into literal parts and slots.
#[derive(Debug)]
pub struct Template {
    pattern: Regex,
    slots: Vec<String>,
}

/// Why a reply's text cannot be a template.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` without its `}`, or a slot name that is not a word.
    #[error("the reply's text has a malformed slot near {0:?}; write slots as {{first_name}}")]
    BadSlot(String),
    /// Nothing but slots: it would match anything.
    #[error("a reply needs some fixed text besides its slots")]
    NoText,
}

impl Template {
    /// Parses `text`, whose slots are written `{name}`.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pattern = String::from("^");
        let mut slots = Vec::new();
        let mut literal = String::new();
        let mut rest = text.trim();
        let mut fixed_chars = 0;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| TemplateError::BadSlot(rest[open..].chars().take(20).collect()))?;
            let name = &after[..close];
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(TemplateError::BadSlot(format!("{{{name}}}")));
            }
            fixed_chars += literal.trim().chars().count();
            pattern.push_str(&loose(&literal));
            literal.clear();
            pattern.push_str(&format!(r"([^\n{{}}@#]{{1,{MAX_SLOT_CHARS}}}?)"));
            slots.push(name.to_owned());
            rest = &after[close + 1..];
        }
        literal.push_str(rest);
        fixed_chars += literal.trim().chars().count();
        if fixed_chars == 0 {
            return Err(TemplateError::NoText);
        }
        pattern.push_str(&loose(&literal));
        pattern.push('$');
        let pattern = Regex::new(&pattern)
            .map_err(|e| TemplateError::BadSlot(e.to_string().chars().take(40).collect()))?;
        Ok(Template { pattern, slots })
    }

    /// The slot names, in order.
    pub fn slots(&self) -> &[String] {
        &self.slots
    }

    /// The slot values when `body` is this reply filled in, or `None`.
    pub fn fill_of<'b>(&self, body: &'b str) -> Option<Vec<&'b str>> {
        let caps = self.pattern.captures(body.trim())?;
        let values: Vec<&str> = caps
            .iter()
            .skip(1)
            .map(|m| m.map_or("", |m| m.as_str()))
            .collect();
        let short = values.iter().all(|v| {
            let v = v.trim();
            !v.is_empty() && !v.contains("://") && !v.to_lowercase().contains("www.")
        });
        short.then_some(values)
    }
}

/// `literal` as a pattern: escaped, with any run of spaces matching any run, and either
/// apostrophe matching both.
fn loose(literal: &str) -> String {
    let mut out = String::new();
    let mut in_space = false;
    for c in literal.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push_str(r"\s+");
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '\'' | '’' => out.push_str("['’]"),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATE: &str =
        "Sorry to hear that, {first_name} — DM us your order number and we'll sort it today.";

    fn template(text: &str) -> Template {
        Template::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_reply_filled_with_short_text_matches_with_its_slot_values() {
        let t = template(LATE);
        assert_eq!(t.slots(), ["first_name"]);
        let body = "Sorry to hear that, Gary — DM us your order number and we’ll sort it  today.";
        assert_eq!(t.fill_of(body), Some(vec!["Gary"]));
    }

    #[test]
    fn changed_wording_long_or_linked_slot_text_does_not_match() {
        let t = template(LATE);
        for body in [
            "Sorry to hear that, Gary — DM us your order number and we'll refund you today.",
            "Sorry to hear that, Gary, honestly some people never read the email, but fine — \
             DM us your order number and we'll sort it today.",
            "Sorry to hear that, www.evil.example — DM us your order number and we'll sort it today.",
            "Sorry to hear that, @gazza — DM us your order number and we'll sort it today.",
            "Sorry to hear that, \n — DM us your order number and we'll sort it today.",
        ] {
            assert_eq!(t.fill_of(body), None, "{body}");
        }
    }

    #[test]
    fn a_template_needs_well_formed_slots_and_some_fixed_text() {
        assert!(matches!(
            Template::parse("Hi {first name}, thanks"),
            Err(TemplateError::BadSlot(_))
        ));
        assert!(matches!(
            Template::parse("Hi {first_name, thanks"),
            Err(TemplateError::BadSlot(_))
        ));
        assert_eq!(
            Template::parse("{a} {b}").err(),
            Some(TemplateError::NoText)
        );
    }
}
