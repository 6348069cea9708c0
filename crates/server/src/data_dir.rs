//! The data directory belongs to the service's user alone: the directory is `0700` and the
//! database with its `-wal`, `-shm` and `-journal` files `0600`, whatever the umask.
//!
//! The database file is created here, empty and `0600`, before SQLite opens it: SQLite
//! treats an empty file as a new database, and creates its `-wal`, `-shm` and `-journal`
//! files with the database file's own mode, so they are private from their first byte.
//! A directory or file left readable by others (an older server, a restored backup, a
//! copy) is tightened at every start, with a warning naming it.
//!
//! On other systems than Unix nothing is changed: a service's profile folder on Windows is
//! already private to it by its ACL.

use crate::error::ServerError;
use std::path::Path;

/// The files SQLite keeps next to the database (`<database>-wal` and so on).
const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates `dir` (and its parents) if needed, and makes it and `database` (created empty
/// when missing) with its sidecar files readable by this user only.
pub(crate) fn prepare(dir: &Path, database: &Path) -> Result<(), ServerError> {
    create_private_dir(dir)?;
    create_private_file(database)?;
    for suffix in SIDECARS {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        make_private(Path::new(&name), FILE_MODE)?;
    }
    Ok(())
}

#[cfg_attr(not(unix), allow(dead_code))]
const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

fn error(path: &Path) -> impl FnOnce(std::io::Error) -> ServerError + '_ {
    move |source| ServerError::Permissions {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), ServerError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|source| {
            ServerError::Storage(crate::StorageError::DataDir {
                path: dir.to_path_buf(),
                source,
            })
        })?;
    make_private(dir, DIR_MODE)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), ServerError> {
    std::fs::create_dir_all(dir).map_err(|source| {
        ServerError::Storage(crate::StorageError::DataDir {
            path: dir.to_path_buf(),
            source,
        })
    })
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<(), ServerError> {
    use std::os::unix::fs::OpenOptionsExt;
    // Never truncates: an existing database is opened and closed untouched.
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(error(path))?;
    make_private(path, FILE_MODE)
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> Result<(), ServerError> {
    Ok(())
}

/// Takes group and other permissions away from `path` if it exists and has any.
#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> Result<(), ServerError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(error(path)(e)),
    };
    let current = metadata.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return Ok(());
    }
    tracing::warn!(
        path = %path.display(),
        was = format!("{current:o}"),
        now = format!("{mode:o}"),
        "others could read this; making it private to the service's user"
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(error(path))
}

#[cfg(not(unix))]
fn make_private(_path: &Path, _mode: u32) -> Result<(), ServerError> {
    Ok(())
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
