//! HTTPS in the server itself: a certificate chain and its private key, read from PEM files
//! at start-up and checked against each other, served with rustls.
//!
//! The crypto underneath is OpenSSL's libcrypto (through the `rustls-openssl` provider), the
//! same library the server already links for SQLite, so there is one crypto library to keep
//! patched. Only TLS 1.2 and 1.3 with rustls's safe defaults are offered, and only HTTP/1.1
//! (the API speaks nothing else).
//!
//! Everything that can be wrong with the files is found before the server listens: a
//! missing or unreadable file, a file with no certificate or no key in it, a key that does
//! not belong to the certificate. Each gets a [`TlsError`] naming the file.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the certificate and key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read (missing, a directory, no permission).
    #[error("cannot read the TLS {what} {}: {source}", path.display())]
    Read {
        /// "certificate" or "private key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no PEM certificate, or a damaged one.
    #[error(
        "{} holds no usable certificate (expected PEM \"BEGIN CERTIFICATE\" blocks, the \
         server's own first): {reason}",
        path.display()
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// What the PEM reader said.
        reason: String,
    },
    /// The file holds no PEM private key, or a damaged one.
    #[error(
        "{} holds no usable private key (expected a PEM PKCS#8, RSA or EC private key, \
         unencrypted): {reason}",
        path.display()
    )]
    NoKey {
        /// The file.
        path: PathBuf,
        /// What the PEM reader or the crypto library said.
        reason: String,
    },
    /// The key is a real key, but not the one the certificate was issued for.
    #[error(
        "the private key in {} does not belong to the certificate in {}: {reason}",
        key.display(),
        cert.display()
    )]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        reason: String,
    },
    /// rustls refused the configuration for another reason.
    #[error("cannot set up TLS with {} and {}: {source}", cert.display(), key.display())]
    Config {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        source: rustls::Error,
    },
}

/// A loaded, checked certificate and key, ready to accept TLS connections. Cheap to clone.
#[derive(Clone)]
pub struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is secret; there is nothing else worth printing.
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Reads the certificate chain (PEM, the server's certificate first, then any
    /// intermediates) and its private key (PEM, unencrypted), and checks that the key is
    /// the certificate's.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let chain = read_chain(cert)?;
        let private_key = read_key(key)?;
        let provider = Arc::new(rustls_openssl::default_provider());
        // Checked here, strictly: rustls itself lets a provider that cannot tell whether a
        // key matches pass it, and a mismatch would otherwise surface only as every
        // client's handshake failing.
        let certified = CertifiedKey::from_der(chain.clone(), private_key.clone_key(), &provider)
            .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
                reason: e.to_string(),
            },
            e => TlsError::NoKey {
                path: key.to_path_buf(),
                reason: e.to_string(),
            },
        })?;
        certified.keys_match().map_err(|e| TlsError::KeyMismatch {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            reason: e.to_string(),
        })?;
        let config_error = |source| TlsError::Config {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            source,
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(config_error)?
            .with_no_client_auth()
            .with_single_cert(chain, private_key)
            .map_err(config_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    pub(crate) fn acceptor(&self) -> &tokio_rustls::TlsAcceptor {
        &self.acceptor
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read("certificate", path)?;
    let no_certificate = |reason: String| TlsError::NoCertificate {
        path: path.to_path_buf(),
        reason,
    };
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(no_certificate("the file has no certificate in it".into()));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read("private key", path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::NoKey {
        path: path.to_path_buf(),
        reason: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "the file has no key in it".into(),
            e => e.to_string(),
        },
    })
}
