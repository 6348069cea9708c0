//! How `serve` and `demo` listen: HTTPS with `--tls-cert`/`--tls-key`, and the connection
//! limits.

use anyhow::Context;
use clap::Args;
use countersign_server::tls::Tls;
use countersign_server::{Server, ServerConfig};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// The transport flags of `serve` and `demo`.
#[derive(Args, Clone, Debug)]
pub struct TransportArgs {
    /// Serve HTTPS with this certificate chain (PEM: the server's certificate first, then
    /// any intermediates). Needs --tls-key.
    #[arg(
        long,
        env = "COUNTERSIGN_TLS_CERT",
        requires = "tls_key",
        value_name = "FILE"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, RSA or EC, unencrypted). Needs
    /// --tls-cert.
    #[arg(
        long,
        env = "COUNTERSIGN_TLS_KEY",
        requires = "tls_cert",
        value_name = "FILE"
    )]
    pub tls_key: Option<PathBuf>,
    /// Seconds one request may take, from its headers to its answer; past it the client
    /// gets 503 "timeout".
    #[arg(long, env = "COUNTERSIGN_REQUEST_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// Seconds a client has to send a request's headers (and finish the TLS handshake);
    /// slower clients, and idle keep-alive connections, are disconnected.
    #[arg(long, env = "COUNTERSIGN_HEADER_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_secs: u64,
    /// The most connections served at once; more wait until one closes. Keep it below the
    /// process's open-file limit (`ulimit -n`).
    #[arg(long, env = "COUNTERSIGN_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
}

impl TransportArgs {
    /// Reads and checks the certificate and key, when given: before anything else starts,
    /// so a bad file stops the command with the reason and nothing half-started.
    pub fn tls(&self) -> anyhow::Result<Option<Tls>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Tls::load(cert, key).map(Some).context("cannot serve HTTPS"),
            // clap's `requires` refuses one without the other.
            _ => Ok(None),
        }
    }

    /// Puts the limits into `config`.
    pub fn apply(&self, config: &mut ServerConfig) {
        config.request_timeout = Duration::from_secs(self.request_timeout_secs);
        config.header_read_timeout = Duration::from_secs(self.header_timeout_secs);
        config.max_connections = self.max_connections;
    }
}

/// The address clients use for `listener`, `https://` when serving TLS.
pub fn url(listener: &tokio::net::TcpListener, tls: Option<&Tls>) -> anyhow::Result<String> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    Ok(format!("{scheme}://{}", listener.local_addr()?))
}

/// Serves until `shutdown`, over TLS when `tls` is given.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match tls {
        Some(tls) => countersign_server::serve_tls(listener, server, tls, shutdown).await,
        None => countersign_server::serve(listener, server, shutdown).await,
    }
}
