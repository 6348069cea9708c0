//! How domain values are written to and read from columns.
//!
//! Reading never panics on what is in the file: a value that does not parse becomes a
//! `rusqlite::Error::FromSqlConversionFailure` naming the column, with the cause attached.

use chrono::{DateTime, Utc};
use countersign_core::Urgency;
use rusqlite::Row;
use rusqlite::types::Type;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// A time as Unix microseconds, the form every time column uses.
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The queue position of an urgency: lower sorts first.
pub(crate) fn urgency_rank(urgency: Urgency) -> i64 {
    match urgency {
        Urgency::Crisis => 0,
        Urgency::Urgent => 1,
        Urgency::Normal => 2,
    }
}

/// Reads a time column written by [`micros`].
pub(crate) fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let value: i64 = row.get(idx)?;
    DateTime::from_timestamp_micros(value)
        .ok_or_else(|| bad(idx, Type::Integer, format!("{value} is not a time")))
}

/// Reads a nullable time column.
pub(crate) fn opt_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<i64>>(idx)? {
        None => Ok(None),
        Some(_) => time(row, idx).map(Some),
    }
}

/// Reads an RFC 3339 text column (the sync-state table keeps its times readable).
pub(crate) fn rfc3339(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(idx)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|at| at.to_utc())
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err)))
}

/// Reads an urgency column written by [`urgency_rank`].
pub(crate) fn urgency(row: &Row<'_>, idx: usize) -> rusqlite::Result<Urgency> {
    match row.get::<_, i64>(idx)? {
        0 => Ok(Urgency::Crisis),
        1 => Ok(Urgency::Urgent),
        2 => Ok(Urgency::Normal),
        other => Err(bad(
            idx,
            Type::Integer,
            format!("{other} is not an urgency"),
        )),
    }
}

/// Reads a text column through `FromStr` (ids).
pub(crate) fn parsed<T>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    text.parse()
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err)))
}

/// Reads a text column through a wire-name parser (`Network::parse`, `Verdict::parse`, ...).
pub(crate) fn named<T>(
    row: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text = row.get_ref(idx)?.as_str()?;
    parse(text).ok_or_else(|| bad(idx, Type::Text, format!("unknown value {text:?}")))
}

/// Reads a nullable text column through a wire-name parser.
pub(crate) fn opt_named<T>(
    row: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => named(row, idx, parse).map(Some),
    }
}

/// Reads a JSON text column.
pub(crate) fn json<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(err)))
}

/// Reads a nullable JSON text column.
pub(crate) fn opt_json<T: DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => json(row, idx).map(Some),
    }
}

fn bad(idx: usize, ty: Type, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, message.into())
}

#[cfg(test)]
mod tests {
    use super::{micros, urgency_rank};
    use chrono::{DateTime, Utc};
    use countersign_core::Urgency;

    #[test]
    fn urgency_ranks_sort_crisis_first() {
        let mut all = [Urgency::Normal, Urgency::Crisis, Urgency::Urgent];
        all.sort_by_key(|u| urgency_rank(*u));
        assert_eq!(all, [Urgency::Crisis, Urgency::Urgent, Urgency::Normal]);
    }

    #[test]
    fn times_keep_microseconds() {
        let at: DateTime<Utc> = "2026-11-25T10:11:12.345678Z".parse().unwrap();
        assert_eq!(DateTime::from_timestamp_micros(micros(at)), Some(at));
    }
}
