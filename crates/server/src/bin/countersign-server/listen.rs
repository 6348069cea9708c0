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
    /// A reverse proxy in front of this server (its address as this server sees it, e.g.
    /// 127.0.0.1), whose `X-Forwarded-For` then names the client a sign-in is counted
    /// against; repeat for several. From any other peer the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "COUNTERSIGN_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
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
        config.trusted_proxies = self.trusted_proxies.clone();
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        transport: TransportArgs,
    }

    fn parse(args: &[&str]) -> Result<TransportArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map(|cli| cli.transport)
    }

    #[test]
    fn the_defaults_are_the_libraries_and_the_flags_set_every_limit() {
        let mut config = ServerConfig::new("data");
        let defaults = ServerConfig::new("data");
        parse(&[]).expect("no flags").apply(&mut config);
        assert_eq!(config.request_timeout, defaults.request_timeout);
        assert_eq!(config.header_read_timeout, defaults.header_read_timeout);
        assert_eq!(config.max_connections, defaults.max_connections);
        assert!(
            config.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );

        let args = parse(&[
            "--request-timeout-secs",
            "5",
            "--header-timeout-secs",
            "3",
            "--max-connections",
            "64",
            "--trusted-proxy",
            "127.0.0.1",
            "--trusted-proxy",
            "::1",
        ])
        .expect("every flag");
        args.apply(&mut config);
        assert_eq!(config.request_timeout, Duration::from_secs(5));
        assert_eq!(config.header_read_timeout, Duration::from_secs(3));
        assert_eq!(config.max_connections, 64);
        assert_eq!(
            config.trusted_proxies,
            vec![
                "127.0.0.1".parse::<std::net::IpAddr>().expect("an address"),
                "::1".parse().expect("an address"),
            ]
        );
    }

    #[test]
    fn nonsense_limits_and_half_a_certificate_are_usage_errors() {
        for args in [
            &["--max-connections", "0"][..],
            &["--request-timeout-secs", "0"],
            &["--header-timeout-secs", "0"],
            &["--trusted-proxy", "proxy.example.org"],
            &["--tls-cert", "cert.pem"],
            &["--tls-key", "key.pem"],
        ] {
            assert!(parse(args).is_err(), "{args:?} must be refused");
        }
        let both = parse(&["--tls-cert", "cert.pem", "--tls-key", "key.pem"]).expect("both");
        assert!(
            both.tls().is_err(),
            "files that do not exist are refused when loaded, with the reason"
        );
    }
}
