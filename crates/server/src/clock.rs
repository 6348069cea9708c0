//! Time for the server: a [`Clock`] passed in, never `Utc::now()` scattered through the code,
//! so tests can move time (token expiry, rate-limit windows) without sleeping.
//!
//! Timestamps are stored as RFC 3339 UTC text with a fixed number of fractional digits,
//! which keeps them portable across SQL backends and makes text order equal time order.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;
use std::sync::Arc;

/// A source of "now". Cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The real wall clock. The one place the server reads it.
    #[allow(clippy::disallowed_methods)]
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A clock that asks `now` every time (for tests that move time).
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// A clock stopped at `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self::from_fn(move || at)
    }

    /// The current time according to this clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// A UUIDv7 stamped with `at` (the server's clock, not the system's), random otherwise.
pub fn uuid_v7(at: DateTime<Utc>) -> uuid::Uuid {
    let secs = u64::try_from(at.timestamp()).unwrap_or(0);
    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        secs,
        at.timestamp_subsec_nanos(),
    ))
}

/// Formats a timestamp the way it is stored: `2026-11-24T09:30:00.000000Z`.
pub fn to_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp.
pub fn from_text(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stored_timestamps_round_trip_and_sort_as_text() {
        let early = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let late = early + chrono::Duration::microseconds(1);
        assert_eq!(from_text(&to_text(early)).unwrap(), early);
        assert!(
            to_text(early) < to_text(late),
            "text order must be time order"
        );
    }

    #[test]
    fn a_fixed_clock_stands_still() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.now(), at);
    }
}
