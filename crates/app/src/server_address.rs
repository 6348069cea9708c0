//! Which servers the desktop sends a password to over plain `http://`.
//!
//! Over `http://` the reviewer's password, the session's tokens and every draft cross the
//! network in the clear: anyone on the same hotel Wi-Fi can read them, and change them on
//! the way. So the desktop speaks plain HTTP only to this machine itself — loopback:
//! `localhost`, `127.0.0.0/8`, `::1` — unless the reviewer allows that one server
//! explicitly. `https://` is fine anywhere.
//!
//! The decision reads the address as typed, never DNS: a name that resolves to loopback
//! today may not tomorrow, and only the literal loopback names are trusted to stay on the
//! machine. An allowance is for one origin (scheme, host and port), so allowing
//! `http://10.0.0.5:7878` allows nothing else on that host. It is kept in the session's
//! cache settings and erased with them at sign-out.

use serde::Serialize;
use std::net::Ipv6Addr;
use url::{Host, Url};

/// How the desktop would reach a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// `https://`: encrypted and the server authenticated, wherever it is.
    Encrypted,
    /// `http://` to this machine itself: nothing crosses a network.
    Loopback,
    /// `http://` to another machine: readable and changeable on the way.
    Unencrypted,
}

/// A server address as the desktop judges it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddress {
    /// How it would be reached.
    pub transport: Transport,
    /// The origin an allowance is for: `http://10.0.0.5:7878` (no default port, no path).
    pub origin: String,
    /// The host (and port, when one is given) as the reviewer reads it: `10.0.0.5:7878`.
    pub host: String,
}

impl ServerAddress {
    /// Judges `server_url`; `None` when it is no `http://` or `https://` address with a host
    /// (the sync client then refuses it with its own message).
    pub fn parse(server_url: &str) -> Option<ServerAddress> {
        let url = Url::parse(server_url.trim()).ok()?;
        let host = url.host()?;
        let transport = match url.scheme() {
            "https" => Transport::Encrypted,
            "http" if is_loopback(&host) => Transport::Loopback,
            "http" => Transport::Unencrypted,
            _ => return None,
        };
        let shown = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        Some(ServerAddress {
            transport,
            origin: url.origin().ascii_serialization(),
            host: shown,
        })
    }

    /// True when signing in needs the reviewer's explicit allowance first.
    pub fn needs_allowance(&self) -> bool {
        self.transport == Transport::Unencrypted
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        // The URL parser has lower-cased the name. Only the name itself: `localhost.`,
        // `x.localhost` and `localhost.example.org` go through DNS like any other.
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback() || mapped_loopback(ip),
    }
}

/// `::ffff:127.0.0.1` and the like: an IPv4 loopback address written as IPv6.
fn mapped_loopback(ip: &Ipv6Addr) -> bool {
    ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(url: &str) -> Option<Transport> {
        ServerAddress::parse(url).map(|a| a.transport)
    }

    #[test]
    fn https_is_fine_to_any_host() {
        for url in [
            "https://countersign.example.org",
            "https://10.0.0.5:7878",
            "https://[2001:db8::1]/countersign/",
            "https://localhost:8443",
        ] {
            assert_eq!(
                transport(url),
                Some(Transport::Encrypted),
                "{url} is encrypted"
            );
        }
    }

    #[test]
    fn plain_http_to_loopback_needs_no_allowance() {
        for url in [
            "http://127.0.0.1:7878",
            "http://127.8.9.10",
            "http://localhost:7878",
            "http://LOCALHOST:7878/",
            "http://[::1]:7878",
            "http://[::ffff:127.0.0.1]:7878",
            // The URL parser reads these as 127.0.0.1, and so does the HTTP client.
            "http://2130706433:7878",
            "http://0x7f.1:7878",
            "  http://127.0.0.1:7878  ",
        ] {
            let address = ServerAddress::parse(url).unwrap_or_else(|| panic!("{url} parses"));
            assert_eq!(address.transport, Transport::Loopback, "{url} is loopback");
            assert!(!address.needs_allowance(), "{url} needs no allowance");
        }
    }

    #[test]
    fn plain_http_to_any_other_host_needs_the_reviewers_allowance() {
        for url in [
            "http://10.0.0.5:7878",
            "http://192.168.1.20",
            "http://countersign.example.org",
            "http://[2001:db8::1]:7878",
            // Not this machine by its address, whatever it resolves to.
            "http://localhost.:7878",
            "http://evil.localhost:7878",
            "http://localhost.example.org",
            "http://127.0.0.1.example.org",
            "http://0.0.0.0:7878",
            "http://[::]:7878",
            "http://[::ffff:10.0.0.5]:7878",
        ] {
            let address = ServerAddress::parse(url).unwrap_or_else(|| panic!("{url} parses"));
            assert_eq!(
                address.transport,
                Transport::Unencrypted,
                "{url} is not loopback"
            );
            assert!(address.needs_allowance(), "{url} needs an allowance");
        }
    }

    #[test]
    fn an_allowance_is_for_one_origin_and_names_the_host_as_typed() {
        let address = ServerAddress::parse("http://10.0.0.5:7878/api/").expect("parses");
        assert_eq!(address.origin, "http://10.0.0.5:7878");
        assert_eq!(address.host, "10.0.0.5:7878");
        let other_port = ServerAddress::parse("http://10.0.0.5:7879").expect("parses");
        assert_ne!(
            address.origin, other_port.origin,
            "another port is another server"
        );
        let default_port = ServerAddress::parse("http://Review.Example.org:80").expect("parses");
        assert_eq!(default_port.origin, "http://review.example.org");
        assert_eq!(default_port.host, "review.example.org");
        let v6 = ServerAddress::parse("http://[2001:db8::1]:7878").expect("parses");
        assert_eq!(v6.host, "[2001:db8::1]:7878");
    }

    #[test]
    fn what_is_no_server_address_is_left_to_the_client_to_refuse() {
        for url in [
            "",
            "countersign",
            "ftp://10.0.0.5",
            "file:///etc/passwd",
            "http://",
        ] {
            assert_eq!(transport(url), None, "{url:?} is no server address");
        }
    }
}
