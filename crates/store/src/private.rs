//! The cache's folder and files belong to the signed-in OS user alone: the folder `0700`,
//! the cache file and its `-wal`, `-shm` and `-journal` companions `0600`, whatever the
//! umask. The cache is encrypted either way; this keeps even the ciphertext, and the
//! WebKit data beside it, from other accounts on a shared machine.
//!
//! The cache file is created here, empty and `0600`, before SQLite opens it (SQLite treats
//! an empty file as a new database and gives its companions the file's own mode). Files
//! left readable by others are tightened at every open.
//!
//! Nothing changes on other systems than Unix: a user's application-data folder on
//! Windows is private to them by its ACL.

use crate::StoreError;
use std::path::Path;

#[cfg_attr(not(unix), allow(dead_code))]
const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Makes `path`'s folder (created if missing) and `path` (created empty if missing) with
/// its companions readable by this user only.
pub(crate) fn prepare(path: &Path, companions: &[std::path::PathBuf]) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    create_private_file(path)?;
    for file in companions {
        make_private(file, FILE_MODE)?;
    }
    Ok(())
}

/// Creates `dir` (and its parents) if missing and makes it readable by this OS user only
/// (`0700` on Unix; a looser folder is tightened). For the app's data folder, which holds
/// the cache and the window's WebKit data, before anything is written to it.
pub fn private_folder(dir: &Path) -> Result<(), StoreError> {
    create_private_dir(dir)
}

fn error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Permissions {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(error(dir))?;
    make_private(dir, DIR_MODE)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(error(dir))
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    // Never truncates: an existing cache is opened and closed untouched.
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(error(path))?;
    make_private(path, FILE_MODE)
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Takes group and other permissions away from `path` if it exists and has any.
#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(error(path)(e)),
    };
    if metadata.permissions().mode() & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(error(path))
}

#[cfg(not(unix))]
fn make_private(_path: &Path, _mode: u32) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use crate::{Cache, CacheKey};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_cache_its_folder_and_its_wal_are_readable_by_the_user_only() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("profile/dev.countersign.desktop");
        let path = dir.join("cache.db");
        let cache = Cache::open(&path, &CacheKey::generate()).expect("a new cache opens");
        cache
            .set_setting("server_url", "https://countersign.example.org")
            .expect("a write, so the WAL exists");
        assert_eq!(mode(&dir), 0o700, "the cache folder is the user's alone");
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.join(format!("cache.db{suffix}"));
            assert_eq!(mode(&file), 0o600, "{} is the user's alone", file.display());
        }
    }

    #[test]
    fn a_cache_left_readable_by_others_is_tightened_when_opened_and_still_reads() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("data");
        let path = dir.join("cache.db");
        let key = CacheKey::generate();
        let cache = Cache::open(&path, &key).expect("a new cache opens");
        cache.set_setting("user", "rita").expect("a write");
        drop(cache);
        for (file, loose) in [(&dir, 0o755), (&path, 0o644)] {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(loose))
                .expect("loosen the mode");
        }
        let cache = Cache::open(&path, &key).expect("the cache reopens");
        assert_eq!(mode(&dir), 0o700, "a loosened folder is tightened");
        assert_eq!(mode(&path), 0o600, "a loosened cache file is tightened");
        assert_eq!(
            cache.get_setting("user").expect("a read").as_deref(),
            Some("rita"),
            "tightening keeps the cache's contents"
        );
    }
}
