//! The receipt-signing key: `<data-dir>/receipt-signing.key`, an Ed25519 key in PKCS#8 PEM
//! (`openssl pkey -in receipt-signing.key -pubout` prints its public half), `0600`.
//!
//! It is made on the first start and read on every later one. A file that is there but
//! cannot be read as a key stops the start: replacing it would orphan every receipt already
//! handed out, so that is left to the operator (restore the backup, or move the file aside
//! on purpose). Two processes starting on a new data directory at once (the server and an
//! admin command) agree on one key: each writes its key to a private temporary file and
//! hard-links it into place, which fails if a key is there already, and the loser reads the
//! winner's.

use chrono::{DateTime, Utc};
use countersign_audit::Head;
use countersign_audit::receipt::{ReceiptError, ReceiptSigner};
use countersign_core::wire::{AuditHead, Receipt};
use countersign_core::{Decision, Draft, HistoryEvent, Person};
use countersign_private::{Found, PrivateError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "receipt-signing.key";

/// Why the receipt-signing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file is there but could not be read.
    #[error("cannot read the receipt-signing key {}: {source}", path.display())]
    Read {
        /// The key file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is there but holds no usable key. It is left as it is.
    #[error(
        "{} is not a usable receipt-signing key ({reason}); it was left as it is, since every \
         receipt handed out was signed with it: restore it from a backup, or move it aside \
         to start a new key (receipts already handed out then verify only with the old public \
         key)",
        path.display()
    )]
    Corrupt {
        /// The key file.
        path: PathBuf,
        /// Why it is not a key (never the file's contents).
        reason: String,
    },
    /// No key file (for the commands that only read one).
    #[error(
        "{} does not exist: the server makes it on its first start",
        path.display()
    )]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A new key could not be written.
    #[error("cannot write a new receipt-signing key to {}: {source}", path.display())]
    Write {
        /// The file written.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The data directory or the key file could not be made private.
    #[error(transparent)]
    Private(#[from] PrivateError),
}

/// What the receipt of an applied `decision` says: the version decided on (`decided_on`, the
/// draft before the decision) and the SHA-256 of its text, the step it satisfied (from the
/// history entry it added to `next`), the pusher as the push's transaction holds them, the
/// server's time, and the head of the decision's audit event. Its `key_id` is the signer's.
pub(crate) fn receipt(
    decision: &Decision,
    reviewer: &Person,
    decided_on: &Draft,
    next: &Draft,
    decided_at: DateTime<Utc>,
    audit: &Head,
) -> Receipt {
    let step = next
        .history
        .iter()
        .rev()
        .find_map(|entry| match &entry.event {
            HistoryEvent::Decided {
                decision_id, step, ..
            } if *decision_id == decision.id => Some(step.clone()),
            _ => None,
        });
    Receipt {
        decision_id: decision.id,
        draft_id: decided_on.id,
        draft_version: decided_on.version,
        content_sha256: countersign_audit::content_sha256(&decided_on.body),
        verdict: decision.verdict,
        step: step.flatten(),
        override_reason: decision
            .override_reason
            .as_deref()
            .is_some_and(|reason| !reason.trim().is_empty()),
        reviewer: reviewer.clone(),
        decided_at,
        audit: AuditHead {
            position: audit.position,
            hash: audit.hash.clone(),
        },
        key_id: String::new(),
    }
}

/// The key file of `data_dir`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// Reads `data_dir`'s key, making one (and the directory) on the first start.
pub fn load_or_create(data_dir: &Path) -> Result<ReceiptSigner, KeyFileError> {
    countersign_private::folder(data_dir)?;
    let path = key_path(data_dir);
    // Twice at most: the second read is of the key another process linked in first.
    for _ in 0..2 {
        match load(data_dir) {
            Err(KeyFileError::Missing { .. }) => {}
            other => return other,
        }
        if let Some(created) = create(data_dir, &path)? {
            return Ok(created);
        }
    }
    load(data_dir)
}

/// Reads `data_dir`'s key; a missing file is [`KeyFileError::Missing`]. A key file readable
/// by others is made private first, with a warning.
pub fn load(data_dir: &Path) -> Result<ReceiptSigner, KeyFileError> {
    let path = key_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyFileError::Missing { path });
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(KeyFileError::Corrupt {
                path,
                reason: "it is not text".to_owned(),
            });
        }
        Err(source) => return Err(KeyFileError::Read { path, source }),
    };
    if let Found::Tightened { was } = countersign_private::tighten(&path)? {
        tracing::warn!(
            path = %path.display(),
            was = format!("{was:o}"),
            "others could read the receipt-signing key; made it private to the service's user \
             (if someone else did read it, they can sign receipts in this server's name)"
        );
    }
    ReceiptSigner::from_pem(&text).map_err(|e| KeyFileError::Corrupt {
        reason: match e {
            ReceiptError::MalformedKey(reason) => reason,
            other => other.to_string(),
        },
        path,
    })
}

/// Makes a new key and links it in at `path`; `None` when another process got there first.
fn create(data_dir: &Path, path: &Path) -> Result<Option<ReceiptSigner>, KeyFileError> {
    let signer = ReceiptSigner::from_secret_bytes(rand::random());
    let pem = signer.to_pem().map_err(|e| KeyFileError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let suffix: u64 = rand::random();
    let temporary = data_dir.join(format!(".{KEY_FILE}.{suffix:016x}.tmp"));
    let linked = write_and_link(&temporary, path, pem.as_ref());
    // The temporary name goes whatever happened; the key lives on under `path` if linked.
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {
            tracing::info!(
                path = %path.display(),
                key_id = %signer.public_key().key_id(),
                "made a new receipt-signing key: back it up with the database"
            );
            Ok(Some(signer))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(source) => Err(KeyFileError::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `pem` to `temporary` (created `0600`), flushes it to disk, and hard-links it to
/// `path`, which fails with `AlreadyExists` rather than replace a key.
fn write_and_link(temporary: &Path, path: &Path, pem: &str) -> std::io::Result<()> {
    countersign_private::file(temporary).map_err(|e| e.source)?;
    let mut file = std::fs::OpenOptions::new().write(true).open(temporary)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::hard_link(temporary, path)?;
    // The new name must survive a crash too (on Unix a directory can be opened and synced).
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
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
    fn the_first_start_makes_a_private_key_and_later_starts_read_the_same_one() {
        let root = tempfile::tempdir().expect("a temporary directory");
        let dir = root.path().join("data");
        let first = load_or_create(&dir).expect("a new key");
        let path = key_path(&dir);
        assert_eq!(mode(&path), 0o600, "the key must be the user's alone");
        let text = std::fs::read_to_string(&path).expect("the key file");
        assert!(
            text.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "PKCS#8 PEM"
        );
        let again = load_or_create(&dir).expect("the same key");
        assert_eq!(again.public_key(), first.public_key());
        assert_eq!(load(&dir).expect("reads").public_key(), first.public_key());
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("the directory")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(names, [KEY_FILE], "no temporary file is left behind");
    }

    #[test]
    fn a_corrupt_or_empty_key_file_stops_the_start_and_is_left_as_it_was() {
        let root = tempfile::tempdir().expect("a temporary directory");
        for contents in [
            &b""[..],
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n",
            b"\xff\xfe",
        ] {
            let path = key_path(root.path());
            std::fs::write(&path, contents).expect("a damaged key");
            let error = load_or_create(root.path()).expect_err("not a key");
            assert!(
                matches!(error, KeyFileError::Corrupt { .. }),
                "{contents:?}: {error}"
            );
            assert!(
                error.to_string().contains("restore it from a backup"),
                "{error}"
            );
            assert_eq!(
                std::fs::read(&path).expect("still there"),
                contents,
                "a damaged key must never be replaced"
            );
        }
    }

    #[test]
    fn a_key_file_readable_by_others_is_made_private_and_still_used() {
        let root = tempfile::tempdir().expect("a temporary directory");
        let first = load_or_create(root.path()).expect("a new key");
        let path = key_path(root.path());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .expect("loosen the mode");
        let again = load_or_create(root.path()).expect("the same key");
        assert_eq!(again.public_key(), first.public_key());
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn two_processes_starting_at_once_agree_on_one_key() {
        let root = tempfile::tempdir().expect("a temporary directory");
        let dir = root.path().to_path_buf();
        let starts: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || load_or_create(&dir).map(|k| k.public_key()))
            })
            .collect();
        let keys: Vec<_> = starts
            .into_iter()
            .map(|s| s.join().expect("no panic").expect("a key"))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key for all");
        assert_eq!(
            load(&dir).expect("reads").public_key(),
            keys[0],
            "the one on disk"
        );
    }

    #[test]
    fn reading_a_data_dir_without_a_key_says_it_is_missing_and_makes_none() {
        let root = tempfile::tempdir().expect("a temporary directory");
        assert!(matches!(
            load(root.path()),
            Err(KeyFileError::Missing { .. })
        ));
        assert!(!key_path(root.path()).exists());
    }
}
