//! Where the sync engine is, and a few application settings.
//!
//! Both are small key/value tables. Sync state has fixed keys owned by this module; settings
//! are free-form strings owned by the application (server URL, signed-in user as JSON).
//! Neither ever holds a token: those live in the OS keychain.

use crate::{Cache, StoreError, columns};
use chrono::{DateTime, Utc};
use countersign_core::ClientId;
use rusqlite::{Connection, OptionalExtension, Row, params};

const CLIENT_ID: &str = "client_id";
pub(crate) const CURSOR: &str = "cursor";
const LAST_SYNCED_AT: &str = "last_synced_at";
/// The directory of the last page that carried one (JSON).
pub(crate) const DIRECTORY: &str = "directory";

impl Cache {
    /// This installation's client id, once [`Cache::set_client_id`] has stored one.
    ///
    /// A new cache has none; its mutation ids start again at 1, so it must get a *new*
    /// client id too — reusing one would make the server treat its mutations as duplicates.
    pub fn client_id(&self) -> Result<Option<ClientId>, StoreError> {
        get(&self.conn, CLIENT_ID, |row| columns::parsed(row, 0))
    }

    /// Stores this installation's client id.
    pub fn set_client_id(&self, id: ClientId) -> Result<(), StoreError> {
        set(&self.conn, CLIENT_ID, &id.to_string())
    }

    /// The cursor to pull from next; `None` before the first pull. Written only by
    /// [`Cache::apply_changes`], in the same transaction as the drafts it belongs to.
    pub fn cursor(&self) -> Result<Option<String>, StoreError> {
        get(&self.conn, CURSOR, |row| row.get(0))
    }

    /// When the last complete sync finished, as the caller recorded it.
    pub fn last_synced_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        get(&self.conn, LAST_SYNCED_AT, |row| columns::rfc3339(row, 0))
    }

    /// Records when a sync finished.
    ///
    /// Written without waiting for the disk: losing this timestamp to a power cut costs
    /// nothing (the next sync writes it again), and an fsync here would double the cost of
    /// a sync that found nothing to do.
    pub fn set_last_synced_at(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let written = set(&self.conn, LAST_SYNCED_AT, &at.to_rfc3339());
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        written
    }

    /// An application setting, or `None` when it was never set.
    pub fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    /// Stores an application setting, replacing any previous value. Never pass a secret.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])?;
        Ok(())
    }
}

fn get<T>(
    conn: &Connection,
    key: &str,
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
        .query_row([key], read)
        .optional()?)
}

/// One sync-state value as stored.
pub(crate) fn get_raw(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    get(conn, key, |row| row.get(0))
}

/// Writes one sync-state value; also used inside transactions (a `Transaction` derefs to
/// its `Connection`).
pub(crate) fn set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Cache, CacheKey};
    use chrono::{DateTime, Utc};
    use countersign_core::ClientId;

    fn cache() -> Cache {
        Cache::open_in_memory(&CacheKey::generate()).unwrap()
    }

    #[test]
    fn a_new_cache_has_no_sync_state() {
        let cache = cache();
        assert_eq!(cache.client_id().unwrap(), None);
        assert_eq!(cache.cursor().unwrap(), None);
        assert_eq!(cache.last_synced_at().unwrap(), None);
        assert_eq!(cache.get_setting("server_url").unwrap(), None);
    }

    #[test]
    fn sync_state_and_settings_round_trip_and_overwrite() {
        let cache = cache();
        let id = ClientId(uuid::Uuid::now_v7());
        cache.set_client_id(id).unwrap();
        assert_eq!(cache.client_id().unwrap(), Some(id));

        let at: DateTime<Utc> = "2026-11-25T08:00:00.123456Z".parse().unwrap();
        cache.set_last_synced_at(at).unwrap();
        assert_eq!(cache.last_synced_at().unwrap(), Some(at));

        cache
            .set_setting("server_url", "https://a.example")
            .unwrap();
        cache
            .set_setting("server_url", "https://b.example")
            .unwrap();
        assert_eq!(
            cache.get_setting("server_url").unwrap().as_deref(),
            Some("https://b.example")
        );
    }
}
