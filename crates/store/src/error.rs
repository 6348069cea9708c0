//! What can go wrong with the cache.

/// A cache failure. Messages say what happened and what the person can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The key does not open the file: it is not the key the cache was made with, or the
    /// file is not a Countersign cache at all.
    #[error(
        "the offline cache cannot be read with the key from the keychain (wrong key, or not a \
         Countersign cache): sign out to discard it and start a fresh one"
    )]
    WrongKey {
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },

    /// The cache was written by a newer Countersign, whose schema this one does not know.
    #[error(
        "the offline cache was written by a newer version of Countersign (schema {found}, this \
         version knows up to {supported}): update Countersign, or sign out to start a fresh \
         cache"
    )]
    NewerSchema {
        /// The schema version in the file.
        found: usize,
        /// The newest schema version this build knows.
        supported: usize,
    },

    /// A migration recorded in the cache differs from the one in this build: released
    /// migrations were edited, which must never happen.
    #[error(
        "the offline cache was migrated with a different version of migration {version} \
         ({name}) than this build carries: sign out to start a fresh cache, and report this"
    )]
    MigrationChanged {
        /// The migration's number.
        version: usize,
        /// The migration's name in this build.
        name: &'static str,
    },

    /// A cache key in hex form was not 64 hexadecimal digits. The input is not repeated here.
    #[error("a cache key must be 64 hexadecimal digits; the one found is not")]
    MalformedKey,

    /// The server's receipt key is not one the desktop can check receipts with.
    #[error("the server's receipt key cannot be used: {0}")]
    ReceiptKey(String),

    /// Applying the migrations failed.
    #[error("the offline cache could not be migrated: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    /// SQLite failed.
    #[error("the offline cache failed: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A JSON value in the cache (a draft, a mutation) could not be written or read.
    #[error("a value in the offline cache is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// The cache's folder or a file of it could not be made private to this OS user.
    #[error(
        "cannot make {} readable by this user only: {source}",
        path.display()
    )]
    Permissions {
        /// The folder or file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// A file of the cache could not be removed.
    #[error("the offline cache's files could not be removed: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// True for failures that may pass if the same call is made again later (the database
    /// was busy or locked by another connection). Everything else will fail the same way.
    pub fn is_retryable(&self) -> bool {
        let sqlite = match self {
            StoreError::Sqlite(err) => Some(err),
            StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => {
                Some(err)
            }
            _ => None,
        };
        matches!(
            sqlite.and_then(rusqlite::Error::sqlite_error_code),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}
