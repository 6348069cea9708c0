//! The changes-feed cursor. Opaque to clients; today it is the last change sequence number
//! they have seen, as decimal text. The empty string (or no cursor) means "from the start".
//! Sequence numbers are SQLite integers, so a cursor above `i64::MAX` was never made by this
//! server and is refused like any other foreign cursor (it used to reach storage and fail
//! there, as a 500).

use std::fmt;
use std::str::FromStr;

/// A position in the changes feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor(pub u64);

/// A cursor the server did not make.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the cursor {0:?} was not made by this server; start again without a cursor")]
pub struct BadCursor(pub String);

impl Cursor {
    /// Parses an optional cursor parameter: absent or empty is the start of the feed.
    pub fn parse_param(param: Option<&str>) -> Result<Self, BadCursor> {
        match param {
            None | Some("") => Ok(Cursor(0)),
            Some(text) => text.parse(),
        }
    }
}

impl FromStr for Cursor {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Only plain digits: no sign, no spaces, nothing u64::from_str would also accept.
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadCursor(s.to_owned()));
        }
        s.parse::<i64>()
            .ok()
            .and_then(|seq| u64::try_from(seq).ok())
            .map(Cursor)
            .ok_or_else(|| BadCursor(s.to_owned()))
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_cursor_or_an_empty_one_is_the_start() {
        assert_eq!(Cursor::parse_param(None), Ok(Cursor(0)));
        assert_eq!(Cursor::parse_param(Some("")), Ok(Cursor(0)));
    }

    #[test]
    fn a_cursor_round_trips_through_its_text() {
        let c = Cursor(i64::MAX as u64);
        assert_eq!(c.to_string().parse(), Ok(c));
        assert_eq!(Cursor::parse_param(Some("42")), Ok(Cursor(42)));
    }

    #[test]
    fn a_cursor_past_the_largest_sequence_number_is_refused() {
        for past in ["9223372036854775808", "18446744073709551615"] {
            assert_eq!(
                Cursor::parse_param(Some(past)),
                Err(BadCursor(past.into())),
                "{past} is past i64::MAX: no sequence number can be that large"
            );
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "-1",
            "+1",
            " 1",
            "1.5",
            "abc",
            "99999999999999999999",
            "0x10",
        ] {
            assert!(
                Cursor::parse_param(Some(bad)).is_err(),
                "{bad:?} must not parse"
            );
        }
    }
}
