//! The change sequence: one global counter every write to a draft (and to what desktops are
//! told about the organisation) takes the next number of, in its own transaction.

use super::{from_sql_int, to_sql_int};
use crate::storage::StorageResult;
use rusqlite::Connection;

/// The change sequence, read once per transaction and written back at its end.
pub(super) struct ChangeSeq {
    last: u64,
    loaded: u64,
}

impl ChangeSeq {
    pub(super) fn load(tx: &Connection) -> StorageResult<Self> {
        let last: i64 = tx
            .prepare_cached("SELECT last_seq FROM change_counter WHERE id = 1")?
            .query_row([], |row| row.get(0))?;
        let last = from_sql_int(last)?;
        Ok(Self { last, loaded: last })
    }

    pub(super) fn next(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    pub(super) fn store(&self, tx: &Connection) -> StorageResult<()> {
        if self.last != self.loaded {
            tx.prepare_cached("UPDATE change_counter SET last_seq = ?1 WHERE id = 1")?
                .execute([to_sql_int(self.last)?])?;
        }
        Ok(())
    }
}

/// Records that what desktops are told about the organisation (accounts, channels, crisis
/// mode) changed: takes the next sequence number and makes it the directory's. A client
/// whose cursor is behind it gets a fresh directory with its next page. Returns the number.
pub(super) fn mark_directory_changed(tx: &Connection) -> StorageResult<u64> {
    let mut seq = ChangeSeq::load(tx)?;
    let at = seq.next();
    seq.store(tx)?;
    tx.prepare_cached("UPDATE change_counter SET directory_seq = ?1 WHERE id = 1")?
        .execute([to_sql_int(at)?])?;
    Ok(at)
}

/// The directory's sequence number and the last one handed out.
pub(super) fn counters(tx: &Connection) -> StorageResult<(u64, u64)> {
    let (directory, last): (i64, i64) = tx
        .prepare_cached("SELECT directory_seq, last_seq FROM change_counter WHERE id = 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok((from_sql_int(directory)?, from_sql_int(last)?))
}
