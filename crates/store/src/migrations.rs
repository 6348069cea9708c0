//! The cache's schema: append-only SQL files, embedded in the binary.
//!
//! Each file in `migrations/` is applied once, in order, and recorded — with its exact text —
//! in `schema_migrations` in the same transaction. SQLite's `user_version` holds how many
//! have been applied. Opening a cache fails loudly when:
//!
//! - `user_version` is above [`SCHEMA_VERSION`]: a newer Countersign wrote it, and this one
//!   would misread it ([`StoreError::NewerSchema`]);
//! - an applied migration's recorded text differs from this build's: someone edited a
//!   released migration ([`StoreError::MigrationChanged`]). Add a new file instead.

use crate::StoreError;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{HookResult, M, Migrations};

struct Migration {
    name: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. Append only.
const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "20261125000000_cache",
        sql: include_str!("../migrations/20261125000000_cache.sql"),
    },
    Migration {
        name: "20261125010000_outbox_unanswered",
        sql: include_str!("../migrations/20261125010000_outbox_unanswered.sql"),
    },
    Migration {
        name: "20261203000000_verdicts",
        sql: include_str!("../migrations/20261203000000_verdicts.sql"),
    },
    Migration {
        name: "20261203100000_receipts",
        sql: include_str!("../migrations/20261203100000_receipts.sql"),
    },
    Migration {
        name: "20261204000000_search",
        sql: include_str!("../migrations/20261204000000_search.sql"),
    },
    Migration {
        name: "20261204020000_outbox_pushed",
        sql: include_str!("../migrations/20261204020000_outbox_pushed.sql"),
    },
    Migration {
        name: "20261204030000_seen",
        sql: include_str!("../migrations/20261204030000_seen.sql"),
    },
    Migration {
        name: "20261204040000_queue_generation",
        sql: include_str!("../migrations/20261204040000_queue_generation.sql"),
    },
    Migration {
        name: "20261205000000_stored_findings",
        sql: include_str!("../migrations/20261205000000_stored_findings.sql"),
    },
];

/// The schema version this build writes: the number of migrations it carries.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Brings the schema up to [`SCHEMA_VERSION`], or refuses a cache it cannot trust.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = applied_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found > 0 {
        check_recorded(conn, found)?;
    }
    migrations().to_latest(conn)?;
    Ok(())
}

/// How many migrations the cache says it has applied (`PRAGMA user_version`).
pub(crate) fn applied_version(conn: &Connection) -> Result<usize, StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    usize::try_from(version).map_err(|_| rusqlite_migration::Error::InvalidUserVersion.into())
}

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(index, migration)| {
                let (version, name, sql) = (index + 1, migration.name, migration.sql);
                M::up_with_hook(sql, move |tx: &Transaction| -> HookResult {
                    tx.execute(
                        "INSERT INTO schema_migrations (version, name, sql) VALUES (?1, ?2, ?3)",
                        params![version, name, sql],
                    )?;
                    Ok(())
                })
            })
            .collect(),
    )
}

fn check_recorded(conn: &Connection, applied: usize) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("SELECT sql FROM schema_migrations WHERE version = ?1")?;
    for (index, migration) in MIGRATIONS.iter().enumerate().take(applied) {
        let version = index + 1;
        let recorded: Option<String> = stmt.query_row([version], |row| row.get(0)).optional()?;
        if recorded.as_deref() != Some(migration.sql) {
            return Err(StoreError::MigrationChanged {
                version,
                name: migration.name,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, SCHEMA_VERSION, migrations};
    use crate::{Cache, CacheKey, StoreError};

    #[test]
    fn the_migrations_are_valid() {
        migrations()
            .validate()
            .expect("every migration applies to an empty database");
    }

    #[test]
    fn a_new_cache_is_at_the_latest_schema_with_every_migration_recorded() {
        let cache = Cache::open_in_memory(&CacheKey::generate()).unwrap();
        assert_eq!(super::applied_version(&cache.conn).unwrap(), SCHEMA_VERSION);
        let recorded: Vec<String> = cache
            .conn
            .prepare("SELECT name FROM schema_migrations ORDER BY version")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(recorded, expected);
    }

    #[test]
    fn a_cache_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        {
            let cache = Cache::open(&path, &key).unwrap();
            cache
                .conn
                .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Cache::open(&path, &key).unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { found, supported }
                if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
            "a newer schema must be refused, got {err:?}"
        );
        assert!(err.to_string().contains("newer version"), "{err}");
    }

    #[test]
    fn a_cache_migrated_with_an_edited_migration_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        {
            let cache = Cache::open(&path, &key).unwrap();
            cache
                .conn
                .execute(
                    "UPDATE schema_migrations SET sql = sql || '-- edited' WHERE version = 1",
                    [],
                )
                .unwrap();
        }
        let err = Cache::open(&path, &key).unwrap_err();
        assert!(
            matches!(err, StoreError::MigrationChanged { version: 1, .. }),
            "an edited released migration must be refused, got {err:?}"
        );
    }

    #[test]
    fn reopening_a_current_cache_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        drop(Cache::open(&path, &key).unwrap());
        let cache = Cache::open(&path, &key).unwrap();
        assert_eq!(super::applied_version(&cache.conn).unwrap(), SCHEMA_VERSION);
    }
}
