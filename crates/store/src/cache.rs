//! Opening, keying and destroying the cache file.

use crate::{CacheKey, StoreError, migrations};
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a statement waits for a lock held by another connection before failing with a
/// retryable error. The app has one connection; this covers tools that open the file too.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// After a checkpoint, the WAL file is truncated to at most this many bytes, so one large
/// pull does not leave a large WAL on disk for ever.
const JOURNAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;

/// Page cache, in KiB (SQLite reads a negative `cache_size` as KiB). SQLCipher decrypts a
/// page every time it comes back from the file, so the default 2 MiB — smaller than the
/// id index of a 50,000-draft cache — makes a cold pull, whose ids arrive in no particular
/// order, decrypt the same index pages over and over.
const CACHE_KIB: i64 = -32 * 1024;

/// The encrypted offline cache. See the [crate documentation](crate) for what it holds.
///
/// One SQLite connection: `Send`, not `Sync`. Methods that write in more than one statement
/// take `&mut self` and run in one `BEGIN IMMEDIATE` transaction.
pub struct Cache {
    pub(crate) conn: Connection,
    /// The queue's shape, kept between pages while no draft changes (`queue_index.rs`).
    pub(crate) queue_index: std::cell::RefCell<crate::queue_index::QueueIndex>,
}

impl Cache {
    /// Opens the cache at `path` with `key`, creating an empty one if the file does not
    /// exist, and brings its schema up to date. The folder is created if missing; it is
    /// made `0700` and the cache's files `0600` (on Unix) before SQLite opens them.
    ///
    /// Fails with [`StoreError::WrongKey`] when `key` does not decrypt the file (or it is
    /// not a Countersign cache), [`StoreError::NewerSchema`] when a newer Countersign wrote
    /// it, and [`StoreError::MigrationChanged`] when its recorded migrations differ.
    pub fn open(path: &Path, key: &CacheKey) -> Result<Cache, StoreError> {
        crate::private::prepare(path, &companion_files(path)[1..])?;
        Self::setup(Connection::open(path)?, key)
    }

    /// An empty cache in memory, for tests. Same schema and settings, nothing on disk.
    pub fn open_in_memory(key: &CacheKey) -> Result<Cache, StoreError> {
        Self::setup(Connection::open_in_memory()?, key)
    }

    /// Removes the cache file at `path` and its `-wal`, `-shm` and `-journal` companions.
    /// Missing files are fine, so a wipe can always be repeated. Close the cache first.
    ///
    /// Deleting the key from the keychain is what makes the data unrecoverable; this removes
    /// the (unreadable) bytes as well.
    pub fn destroy(path: &Path) -> Result<(), StoreError> {
        // Every file is attempted even when one cannot be removed: a wipe leaves as little
        // behind as it can. The first failure is reported.
        let mut first_failure = None;
        for file in companion_files(path) {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    first_failure.get_or_insert(err);
                }
            }
        }
        first_failure.map_or(Ok(()), |err| Err(err.into()))
    }

    /// What SQLite's `PRAGMA integrity_check` reports about the whole file: `["ok"]` when
    /// it is sound, else one line per problem found. The crash tests run it on a cache
    /// whose process was killed; it reads every page, so it is not for the hot path.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt.query_map([], |row| row.get(0))?;
        Ok(lines.collect::<Result<_, _>>()?)
    }

    /// Hands the page cache's unused pages back (`PRAGMA shrink_memory`): after a sync, so
    /// the pages a big pull decrypted (up to the cache's 32 MiB) are not held while the
    /// window idles. The pages the next reads need are decrypted again as they come.
    pub fn release_memory(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    fn setup(mut conn: Connection, key: &CacheKey) -> Result<Cache, StoreError> {
        // The key must be the very first statement: SQLCipher reads nothing before it.
        conn.execute_batch(key.pragma().expose())?;
        verify_key(&conn)?;
        // Temporary tables and sort spills stay in memory rather than in plaintext files.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        debug_assert!(mode == "wal" || mode == "memory", "journal_mode {mode}");
        // FULL: in WAL mode every commit is fsync'd, so a recorded decision survives a power
        // cut (NORMAL could lose the last commits).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        migrations::migrate(&mut conn)?;
        Ok(Cache {
            conn,
            queue_index: Default::default(),
        })
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

/// Reads the schema, which is the first time SQLCipher decrypts a page: a wrong key shows
/// up here as "file is not a database".
fn verify_key(conn: &Connection) -> Result<(), StoreError> {
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(err) if err.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
            Err(StoreError::WrongKey { source: err })
        }
        Err(err) => Err(err.into()),
    }
}

fn companion_files(path: &Path) -> [PathBuf; 4] {
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        path.to_path_buf(),
        with_suffix("-wal"),
        with_suffix("-shm"),
        with_suffix("-journal"),
    ]
}

#[cfg(test)]
mod tests {
    use super::Cache;
    use crate::{CacheKey, StoreError};

    #[test]
    fn a_cache_can_move_between_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<Cache>();
    }

    #[test]
    fn a_wrong_key_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let cache = Cache::open(&path, &CacheKey::generate()).unwrap();
        cache
            .set_setting("server_url", "https://example.org")
            .unwrap();
        drop(cache);

        let err = Cache::open(&path, &CacheKey::generate()).unwrap_err();
        assert!(
            matches!(err, StoreError::WrongKey { .. }),
            "another key must not open the cache, got {err:?}"
        );
        assert!(
            err.to_string().contains("cannot be read with the key"),
            "{err}"
        );
        assert!(!err.is_retryable(), "a wrong key does not fix itself");
    }

    #[test]
    fn a_plain_sqlite_file_is_not_mistaken_for_a_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.db");
        let plain = rusqlite::Connection::open(&path).unwrap();
        plain
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(plain);
        let err = Cache::open(&path, &CacheKey::generate()).unwrap_err();
        assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    }

    #[test]
    fn integrity_check_says_ok_for_a_sound_cache_and_names_a_damaged_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        let cache = Cache::open(&path, &key).unwrap();
        cache.set_setting("k", "v").unwrap();
        assert_eq!(cache.integrity_check().unwrap(), vec!["ok".to_string()]);

        // An index whose entries no longer match its table, as a torn write would leave.
        cache
            .conn
            .execute_batch(
                "CREATE TABLE t (x TEXT, y TEXT); CREATE INDEX t_i ON t (x);
                 INSERT INTO t VALUES ('a', 'z'), ('b', 'y');
                 PRAGMA writable_schema = ON;
                 UPDATE sqlite_schema SET sql = 'CREATE INDEX t_i ON t (y)' WHERE name = 't_i';
                 PRAGMA writable_schema = OFF;",
            )
            .unwrap();
        drop(cache);
        let problems = Cache::open(&path, &key).unwrap().integrity_check().unwrap();
        assert_ne!(
            problems,
            vec!["ok".to_string()],
            "the damage must be reported"
        );
        assert!(
            problems.iter().any(|p| p.contains("t_i")),
            "the report names the damaged index: {problems:?}"
        );
    }

    #[test]
    fn the_right_key_reopens_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        Cache::open(&path, &key)
            .unwrap()
            .set_setting("server_url", "https://example.org")
            .unwrap();
        let again = Cache::open(&path, &CacheKey::from_hex(key.to_hex().expose()).unwrap());
        assert_eq!(
            again.unwrap().get_setting("server_url").unwrap().as_deref(),
            Some("https://example.org")
        );
    }

    #[test]
    fn the_connection_is_set_up_for_durability() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db"), &CacheKey::generate()).unwrap();
        let pragma = |name: &str| -> String {
            cache
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
        assert_eq!(
            pragma("synchronous"),
            "Integer(2)",
            "synchronous must be FULL"
        );
        assert_eq!(pragma("foreign_keys"), "Integer(1)");
        assert_eq!(
            pragma("temp_store"),
            "Integer(2)",
            "temp data must stay in memory"
        );
    }

    #[test]
    fn decisions_stay_fsync_d_after_a_pull_that_was_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("cache.db"), &CacheKey::generate()).unwrap();
        let draft = crate::fixtures::draft(1, "Hello");
        let change = countersign_core::wire::Change::Upsert {
            draft: Box::new(draft),
        };
        cache
            .apply_changes(&crate::fixtures::page(vec![change], "1", 0))
            .unwrap();
        let synchronous: i64 = cache
            .conn
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        assert_eq!(
            synchronous, 2,
            "a pull must leave the connection at FULL for decisions"
        );
    }

    #[test]
    fn destroy_removes_the_file_and_its_companions_and_can_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let cache = Cache::open(&path, &CacheKey::generate()).unwrap();
        cache.set_setting("k", "v").unwrap();
        drop(cache);
        std::fs::write(dir.path().join("cache.db-wal"), b"x").unwrap();
        Cache::destroy(&path).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "files left behind: {left:?}");
        Cache::destroy(&path).unwrap();
    }
}

#[cfg(test)]
mod encryption_tests {
    use super::Cache;
    use crate::CacheKey;
    use crate::fixtures::{decide, draft, page, t0, upserts};
    use countersign_core::{MutationResult, Verdict};
    use std::path::Path;

    const SECRET_BODY: &str = "ZEPHYR-PHARMACY-7731 internal only: her mother's prescription";

    fn find(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn assert_no_plaintext(dir: &Path, when: &str) {
        let mut scanned = 0;
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.join(format!("cache.db{suffix}"));
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            scanned += 1;
            for needle in [
                SECRET_BODY.as_bytes(),
                b"ZEPHYR",
                b"SQLite format 3",
                b"acme_help",
            ] {
                assert!(
                    !find(&bytes, needle),
                    "{when}: {} holds {:?} in the clear",
                    file.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
        assert!(scanned > 0, "{when}: no file was scanned");
    }

    #[test]
    fn nothing_reaches_the_disk_in_the_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut cache = Cache::open(&path, &CacheKey::generate()).unwrap();
        let drafts: Vec<_> = (0..200).map(|n| draft(n, SECRET_BODY)).collect();
        cache
            .apply_changes(&page(upserts(&drafts), "c", 0))
            .unwrap();
        let id = cache
            .enqueue(&decide(&drafts[0], Verdict::Approve), t0())
            .unwrap();
        cache
            .record_results(&[MutationResult::applied(id)], t0())
            .unwrap();
        cache.set_setting("signed_in_user", SECRET_BODY).unwrap();

        assert!(
            path.with_file_name("cache.db-wal").exists(),
            "the WAL is in use"
        );
        assert_no_plaintext(dir.path(), "while open");
        drop(cache);
        assert_no_plaintext(dir.path(), "after closing");
    }
}
