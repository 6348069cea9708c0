//! The cache's folder and files belong to the signed-in OS user alone: the folder `0700`,
//! the cache file and its `-wal`, `-shm` and `-journal` companions `0600`, whatever the
//! umask (`countersign_private` does the work; the server's data directory uses it too).
//! The cache is encrypted either way; this keeps even the ciphertext, and the WebKit data
//! beside it, from other accounts on a shared machine.
//!
//! The cache file is created here, empty and `0600`, before SQLite opens it, so its
//! companions are private from their first byte. Files left readable by others are
//! tightened at every open.

use crate::StoreError;
use countersign_private::PrivateError;
use std::path::Path;

/// Makes `path`'s folder (created if missing) and `path` (created empty if missing) with
/// its companions readable by this user only.
pub(crate) fn prepare(path: &Path, companions: &[std::path::PathBuf]) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_folder(dir)?;
    }
    countersign_private::file(path).map_err(permissions)?;
    for file in companions {
        countersign_private::tighten(file).map_err(permissions)?;
    }
    Ok(())
}

/// Creates `dir` (and its parents) if missing and makes it readable by this OS user only
/// (`0700` on Unix; a looser folder is tightened). For the app's data folder, which holds
/// the cache and the window's WebKit data, before anything is written to it.
pub fn private_folder(dir: &Path) -> Result<(), StoreError> {
    countersign_private::folder(dir)
        .map(drop)
        .map_err(permissions)
}

fn permissions(e: PrivateError) -> StoreError {
    StoreError::Permissions {
        path: e.path,
        source: e.source,
    }
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
