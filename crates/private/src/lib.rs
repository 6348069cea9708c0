//! Folders and files readable by their owner alone, whatever the umask: folders `0700`,
//! files `0600`.
//!
//! A file is created here, empty and private, before anything opens it: SQLite treats an
//! empty file as a new database and gives its `-wal`, `-shm` and `-journal` companions the
//! database's own mode, so they are private from their first byte. A folder or file left
//! readable by others (an older version, a restored backup, a copy) is tightened, and the
//! caller is told so it can say what it changed.
//!
//! Nothing changes on other systems than Unix: a user's or a service's profile folder on
//! Windows is already private to it by its ACL.

use std::path::{Path, PathBuf};

/// A folder or file that could not be created or made private.
#[derive(Debug, thiserror::Error)]
#[error("cannot make {} private to this user: {source}", path.display())]
pub struct PrivateError {
    /// The folder or file.
    pub path: PathBuf,
    /// What the system said.
    #[source]
    pub source: std::io::Error,
}

/// What [`folder`], [`file()`] and [`tighten`] found on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Missing (made now, for [`folder`] and [`file()`]) or already private.
    Private,
    /// Readable by others with this mode (e.g. `0o644`); now private.
    Tightened {
        /// The permission bits it had.
        was: u32,
    },
}

#[cfg_attr(not(unix), allow(dead_code))]
const FOLDER_MODE: u32 = 0o700;
#[cfg_attr(not(unix), allow(dead_code))]
const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its parents if missing, and makes `dir` private (`0700`).
pub fn folder(dir: &Path) -> Result<Found, PrivateError> {
    create_folder(dir).map_err(at(dir))?;
    restrict(dir, FOLDER_MODE)
}

/// Creates `path` empty if missing — never truncating one that exists — and makes it
/// private (`0600`). Its folder must exist.
pub fn file(path: &Path) -> Result<Found, PrivateError> {
    create_file(path).map_err(at(path))?;
    restrict(path, FILE_MODE)
}

/// Makes the file at `path` private (`0600`) if it exists; a missing one is fine.
pub fn tighten(path: &Path) -> Result<Found, PrivateError> {
    restrict(path, FILE_MODE)
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> PrivateError + '_ {
    move |source| PrivateError {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn create_folder(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(FOLDER_MODE)
        .create(dir)
}

#[cfg(not(unix))]
fn create_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map(drop)
}

#[cfg(not(unix))]
fn create_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map(drop)
}

/// Takes group and other permissions away from `path` if it exists and has any.
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<Found, PrivateError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Private),
        Err(e) => return Err(at(path)(e)),
    };
    let was = metadata.permissions().mode() & 0o777;
    if was & 0o077 == 0 {
        return Ok(Found::Private);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(at(path))?;
    Ok(Found::Tightened { was })
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<Found, PrivateError> {
    Ok(Found::Private)
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
    fn a_new_folder_and_file_are_private_whatever_their_parents() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("a/b/c");
        assert_eq!(folder(&dir).expect("made"), Found::Private);
        assert_eq!(mode(&dir), 0o700);
        let path = dir.join("data.db");
        assert_eq!(file(&path).expect("made"), Found::Private);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            tighten(&dir.join("data.db-wal")).expect("none"),
            Found::Private
        );
    }

    #[test]
    fn loose_ones_are_tightened_and_say_what_they_were_and_keep_their_bytes() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let path = root.path().join("data.db");
        std::fs::write(&path, b"kept").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        assert_eq!(
            folder(root.path()).expect("tightened"),
            Found::Tightened { was: 0o755 }
        );
        assert_eq!(
            file(&path).expect("tightened"),
            Found::Tightened { was: 0o644 }
        );
        assert_eq!((mode(root.path()), mode(&path)), (0o700, 0o600));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"kept",
            "never truncated"
        );
    }

    #[test]
    fn a_folder_that_cannot_be_made_names_its_path() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let blocker = root.path().join("file");
        std::fs::write(&blocker, b"").expect("write");
        let error = folder(&blocker.join("inside")).expect_err("a file is in the way");
        assert!(error.to_string().contains("inside"), "{error}");
    }
}
