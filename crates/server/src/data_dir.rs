//! The data directory belongs to the service's user alone: the directory is `0700` and the
//! database with its `-wal`, `-shm` and `-journal` files `0600`, whatever the umask
//! (`countersign_private` does the work; the desktop's cache uses it too).
//!
//! The database file is created here, empty and `0600`, before SQLite opens it, so its
//! companions are private from their first byte. A directory or file left readable by
//! others (an older server, a restored backup, a copy) is tightened at every start, with a
//! warning naming it.

use crate::error::ServerError;
use countersign_private::{Found, PrivateError};
use std::path::Path;

/// The files SQLite keeps next to the database (`<database>-wal` and so on).
const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates `dir` (and its parents) if needed, and makes it and `database` (created empty
/// when missing) with its sidecar files readable by this user only.
pub(crate) fn prepare(dir: &Path, database: &Path) -> Result<(), ServerError> {
    let found = countersign_private::folder(dir).map_err(|e| {
        ServerError::Storage(crate::StorageError::DataDir {
            path: e.path,
            source: e.source,
        })
    })?;
    warn_if_tightened(dir, found);
    let found = countersign_private::file(database).map_err(permissions)?;
    warn_if_tightened(database, found);
    for suffix in SIDECARS {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        let sidecar = Path::new(&name);
        let found = countersign_private::tighten(sidecar).map_err(permissions)?;
        warn_if_tightened(sidecar, found);
    }
    Ok(())
}

fn permissions(e: PrivateError) -> ServerError {
    ServerError::Permissions {
        path: e.path,
        source: e.source,
    }
}

fn warn_if_tightened(path: &Path, found: Found) {
    if let Found::Tightened { was } = found {
        tracing::warn!(
            path = %path.display(),
            was = format!("{was:o}"),
            "others could read this; made it private to the service's user"
        );
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_data_dir_and_database_are_private_to_the_user() {
        let root = tempfile::tempdir().expect("a temporary directory");
        let dir = root.path().join("a/b/data");
        let database = dir.join("countersign.db");
        prepare(&dir, &database).expect("a fresh data dir is prepared");
        assert_eq!(mode(&dir), 0o700, "the data dir must be the user's alone");
        assert_eq!(
            mode(&database),
            0o600,
            "the database must be the user's alone"
        );
        assert_eq!(
            std::fs::metadata(&database).map(|m| m.len()).ok(),
            Some(0),
            "a new database starts empty, for SQLite to initialise"
        );
    }

    #[test]
    fn an_existing_readable_data_dir_is_tightened_and_its_contents_kept() {
        let root = tempfile::tempdir().expect("a temporary directory");
        let dir = root.path().join("data");
        std::fs::create_dir(&dir).expect("the data dir");
        let database = dir.join("countersign.db");
        std::fs::write(&database, b"not empty").expect("a database");
        let wal = dir.join("countersign.db-wal");
        std::fs::write(&wal, b"wal").expect("a WAL file");
        for (path, mode) in [(&dir, 0o755), (&database, 0o644), (&wal, 0o666)] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .expect("loosen the mode");
        }
        prepare(&dir, &database).expect("an existing data dir is prepared");
        assert_eq!(mode(&dir), 0o700, "a readable data dir must be tightened");
        assert_eq!(
            mode(&database),
            0o600,
            "a readable database must be tightened"
        );
        assert_eq!(mode(&wal), 0o600, "a readable WAL must be tightened");
        assert_eq!(
            std::fs::read(&database).ok().as_deref(),
            Some(&b"not empty"[..]),
            "preparing must never truncate an existing database"
        );
    }
}
