//! The transport doors: HTTPS served by the server itself, the connection limits
//! (slowloris, trickled bodies, a cap on connections, shutdown with idle connections) and
//! a data directory only the service's user can read.
//!
//! Certificates are made in the test with OpenSSL (a throw-away CA and a `localhost`
//! certificate it signed); the raw-socket tests speak HTTP/1.1 by hand, because no HTTP
//! client library sends a request one byte a second.

use crate::support::{PASSWORD, add_user, read};
use countersign_core::Role;
use countersign_server::ServerConfig;
use countersign_server::tls::{Tls, TlsError};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509NameBuilder};
use reqwest::StatusCode;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------
// Certificates

fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `subject_key`, signed by `issuer` (itself when `None`: a CA).
fn certificate(
    common_name: &str,
    subject_key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", common_name).unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_serial()).unwrap().to_asn1_integer();
    builder.set_serial_number(&serial.unwrap()).unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_pubkey(subject_key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    let signing_key = match issuer {
        None => {
            builder.set_issuer_name(&name).unwrap();
            let ca = BasicConstraints::new().critical().ca().build().unwrap();
            builder.append_extension(ca).unwrap();
            let usage = KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap();
            builder.append_extension(usage).unwrap();
            subject_key
        }
        Some((ca, ca_key)) => {
            builder.set_issuer_name(ca.subject_name()).unwrap();
            let leaf = BasicConstraints::new().build().unwrap();
            builder.append_extension(leaf).unwrap();
            let usage = KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap();
            builder.append_extension(usage).unwrap();
            let server_auth = ExtendedKeyUsage::new().server_auth().build().unwrap();
            builder.append_extension(server_auth).unwrap();
            let names = SubjectAlternativeName::new()
                .dns("localhost")
                .ip("127.0.0.1")
                .build(&builder.x509v3_context(Some(ca), None))
                .unwrap();
            builder.append_extension(names).unwrap();
            ca_key
        }
    };
    builder.sign(signing_key, MessageDigest::sha256()).unwrap();
    builder.build()
}

fn rand_serial() -> u32 {
    u32::from_le_bytes(rand::random::<[u8; 4]>()) >> 1
}

/// A throw-away CA and a `localhost` / `127.0.0.1` certificate it signed, as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    ca: reqwest::Certificate,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = new_key();
        let ca = certificate("Countersign test CA", &ca_key, None);
        let server_key = new_key();
        let server = certificate("localhost", &server_key, Some((&ca, &ca_key)));
        // The chain as a real deployment has it: the server's certificate, then its CA.
        let mut chain = server.to_pem().unwrap();
        chain.extend(ca.to_pem().unwrap());
        std::fs::write(dir.path().join("cert.pem"), chain).unwrap();
        let key = server_key.private_key_to_pem_pkcs8().unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        let other = new_key().private_key_to_pem_pkcs8().unwrap();
        std::fs::write(dir.path().join("other-key.pem"), other).unwrap();
        let ca = reqwest::Certificate::from_pem(&ca.to_pem().unwrap()).unwrap();
        Self { dir, ca }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn tls(&self) -> Tls {
        Tls::load(&self.path("cert.pem"), &self.path("key.pem"))
            .unwrap_or_else(|e| panic!("the test certificate must load: {e}"))
    }

    /// A client that trusts this CA and nothing else, with `localhost` resolving to `addr`.
    fn client(&self, addr: SocketAddr) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_certs_only([self.ca.clone()])
            .resolve("localhost", addr)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------
// A server on loopback, plain or TLS, with its data directory at hand

struct Running {
    addr: SocketAddr,
    data_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Running {
    async fn start(tls: Option<Tls>, configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut running = Self::start_in(dir.path().join("data"), tls, configure).await;
        running._dir = Some(dir);
        running
    }

    /// Serves the data directory `data_dir`, which outlives the server.
    async fn start_in(
        data_dir: PathBuf,
        tls: Option<Tls>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let mut config = ServerConfig::new(&data_dir);
        configure(&mut config);
        let server = countersign_server::open(config).await.unwrap();
        add_user(&server, "rita", &[Role::Reviewer], &["review"], &[]).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = match tls {
            Some(tls) => tokio::spawn(countersign_server::serve_tls(
                listener,
                server.clone(),
                tls,
                shutdown,
            )),
            None => tokio::spawn(countersign_server::serve(
                listener,
                server.clone(),
                shutdown,
            )),
        };
        Self {
            addr,
            data_dir,
            stop: Some(stop),
            task: Some(task),
            _dir: None,
        }
    }

    fn plain_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks the server to stop and waits (bounded) for `serve` to return.
    async fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("the server is running");
        let served = tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("serve must return within 15 s of being asked to stop");
        served
            .unwrap()
            .expect("serve must end without an I/O error");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn sign_in(http: &reqwest::Client, url: &str) -> (StatusCode, serde_json::Value) {
    let response = http
        .post(url)
        .json(&json!({"username": "rita", "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    read(response).await
}

// ---------------------------------------------------------------------------------------
// HTTPS

#[tokio::test]
async fn a_client_trusting_the_certificate_signs_in_over_https() {
    let pki = Pki::new();
    let running = Running::start(Some(pki.tls()), |_| {}).await;
    let https = pki.client(running.addr);
    let url = format!("https://localhost:{}/api/v1/sessions", running.addr.port());
    let (status, body) = sign_in(&https, &url).await;
    assert_eq!(status, StatusCode::OK, "signing in over https: {body}");
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "the sign-in answer must carry a token: {body}"
    );
    let me = https
        .get(format!(
            "https://localhost:{}/api/v1/me",
            running.addr.port()
        ))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the token works over the same TLS server"
    );
}

#[tokio::test]
async fn plain_http_to_the_https_port_fails_cleanly_and_https_keeps_working() {
    let pki = Pki::new();
    let running = Running::start(Some(pki.tls()), |_| {}).await;
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = plain.get(running.plain_url("/healthz")).send().await;
    let error = answer.expect_err("plain HTTP to the TLS port must get no HTTP answer");
    assert!(
        !error.is_timeout(),
        "the server must close the connection, not leave the client hanging: {error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refusing plain HTTP must be prompt, took {:?}",
        started.elapsed()
    );
    // A raw look at what came back: nothing that parses as HTTP.
    let mut raw = TcpStream::connect(running.addr).await.unwrap();
    raw.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut answer))
        .await
        .expect("the server must close a plain-HTTP connection to the TLS port");
    assert!(
        !answer.starts_with(b"HTTP/"),
        "no HTTP answer may come back on the TLS port: {:?}",
        String::from_utf8_lossy(&answer)
    );

    let https = pki.client(running.addr);
    let health = https
        .get(format!("https://localhost:{}/healthz", running.addr.port()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("https after a plain-HTTP attempt: {e}"));
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "one bad client must not stop the TLS server"
    );
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_is_refused_before_sending_anything() {
    let pki = Pki::new();
    let running = Running::start(Some(pki.tls()), |_| {}).await;
    // The system's roots only: the throw-away CA is not among them.
    let distrusting = reqwest::Client::builder()
        .resolve("localhost", running.addr)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/api/v1/sessions", running.addr.port());
    let answer = distrusting
        .post(&url)
        .json(&json!({"username": "rita", "password": PASSWORD}))
        .send()
        .await;
    let error = answer.expect_err("an untrusted certificate must fail the handshake");
    assert!(
        error.is_connect(),
        "the failure is the connection's: {error}"
    );
}

#[test]
fn missing_empty_or_mismatched_certificate_files_are_refused_naming_the_file() {
    let pki = Pki::new();
    let missing = pki.path("nope.pem");
    let error = Tls::load(&missing, &pki.path("key.pem")).expect_err("no certificate file");
    assert!(
        matches!(error, TlsError::Read { .. }) && error.to_string().contains("nope.pem"),
        "a missing certificate is named: {error}"
    );
    let error = Tls::load(&pki.path("cert.pem"), &missing).expect_err("no key file");
    assert!(
        error.to_string().contains("private key") && error.to_string().contains("nope.pem"),
        "a missing key is named as the key: {error}"
    );

    let empty = pki.path("empty.pem");
    std::fs::write(&empty, b"").unwrap();
    let error = Tls::load(&empty, &pki.path("key.pem")).expect_err("an empty certificate");
    assert!(
        matches!(error, TlsError::NoCertificate { .. }) && error.to_string().contains("empty.pem"),
        "an empty certificate file is named: {error}"
    );
    // The key where the certificate should be, and the other way round.
    let error = Tls::load(&pki.path("key.pem"), &pki.path("key.pem")).expect_err("a key as cert");
    assert!(
        matches!(error, TlsError::NoCertificate { .. }),
        "a key is no certificate: {error}"
    );
    let error = Tls::load(&pki.path("cert.pem"), &pki.path("cert.pem")).expect_err("cert as key");
    assert!(
        matches!(error, TlsError::NoKey { .. }),
        "a certificate is no key: {error}"
    );

    let error = Tls::load(&pki.path("cert.pem"), &pki.path("other-key.pem"))
        .expect_err("a key that is not the certificate's must be refused");
    let message = error.to_string();
    assert!(
        matches!(error, TlsError::KeyMismatch { .. })
            && message.contains("other-key.pem")
            && message.contains("cert.pem")
            && message.contains("does not belong"),
        "a mismatched key names both files: {message}"
    );
}

// ---------------------------------------------------------------------------------------
// The binary's --tls-cert / --tls-key

const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

/// Kills the child when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_refuses_to_start_with_a_mismatched_key_and_says_which_files() {
    let pki = Pki::new();
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(pki.path("cert.pem"))
        .arg("--tls-key")
        .arg(pki.path("other-key.pem"))
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "serve must fail: {stderr}");
    assert!(
        stderr.contains("does not belong to the certificate") && stderr.contains("other-key.pem"),
        "the message names the mismatch and the key: {stderr}"
    );

    let output = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(pki.path("cert.pem"))
        .arg("--data-dir")
        .arg(data.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("--tls-key"),
        "a certificate without its key is a usage error naming --tls-key: {stderr}"
    );
}

#[tokio::test]
async fn serve_with_tls_cert_and_tls_key_answers_https_on_the_port_it_logs() {
    let pki = Pki::new();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(pki.path("cert.pem"))
        .arg("--tls-key")
        .arg(pki.path("key.pem"))
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _child = KillOnDrop(child);
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines_rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("the server logged no https:// address within 60 s"));
        if let Some(at) = line.find("https://") {
            let url: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            break url;
        }
        assert!(
            !line.contains("http://"),
            "with a certificate the server must not announce plain http: {line}"
        );
    };
    let addr: SocketAddr = url
        .trim_start_matches("https://")
        .parse()
        .unwrap_or_else(|e| panic!("{url} is not https://ip:port: {e}"));
    let health = pki
        .client(addr)
        .get(format!("https://localhost:{}/healthz", addr.port()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET /healthz over https: {e}"));
    assert_eq!(health.status(), StatusCode::OK, "the binary serves https");
}

// ---------------------------------------------------------------------------------------
// Raw HTTP/1.1

/// Reads one response (head and a `Content-Length` body) from `stream`; `None` when the
/// server closed the connection first.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
            return Some((status, body));
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// A keep-alive connection that has had one answer.
async fn answered_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTH).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_response(&mut stream))
        .await
        .expect("a connection within the cap is answered");
    assert_eq!(answer.map(|a| a.0), Some(200), "GET /healthz");
    stream
}

/// Sends `bytes` one a second until the server closes the connection; how many it sent.
async fn trickle(stream: &mut TcpStream, bytes: &[u8]) -> usize {
    let mut scratch = [0u8; 1024];
    for (sent, byte) in bytes.iter().enumerate() {
        if stream.write_all(&[*byte]).await.is_err() {
            return sent;
        }
        // A second of waiting, cut short if the server hangs up meanwhile.
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut scratch)).await {
            Err(_) => {}
            Ok(Ok(0) | Err(_)) => return sent + 1,
            // An error answer (hyper's 408) before the close: keep reading for the close.
            Ok(Ok(_)) => {}
        }
    }
    bytes.len()
}

#[tokio::test]
async fn a_client_sending_its_headers_a_byte_a_second_is_cut_off_while_others_are_served() {
    let running = Running::start(None, |c| {
        c.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let slow_request =
        b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaa\r\n\r\n";
    let mut slow = TcpStream::connect(running.addr).await.unwrap();
    let addr = running.addr;
    let (sent, ()) = tokio::join!(trickle(&mut slow, slow_request), async move {
        // Meanwhile a well-behaved client is answered at once, again and again.
        for _ in 0..3 {
            let mut fine = answered_connection(addr).await;
            let _ = fine.shutdown().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    assert!(
        sent < slow_request.len(),
        "the server must hang up on a slowloris client before its head is complete \
         (it sent {sent} of {} bytes)",
        slow_request.len()
    );
    assert!(
        sent <= 8,
        "a 2 s header timeout must cut a byte-a-second client off after a few bytes, \
         not {sent}"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let running = Running::start(None, |c| {
        c.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    // Connected and never a byte sent.
    let mut silent = TcpStream::connect(running.addr).await.unwrap();
    let mut scratch = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(15), silent.read(&mut scratch)).await;
    assert!(
        matches!(closed, Ok(Ok(_) | Err(_))),
        "a connection that sends nothing must be closed by the server"
    );
    // Answered once, then idle on keep-alive.
    let mut idle = answered_connection(running.addr).await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(15), idle.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "an idle keep-alive connection must be closed by the server"
    );
}

#[tokio::test]
async fn a_request_whose_body_trickles_in_past_the_request_timeout_gets_a_json_503() {
    let running = Running::start(None, |c| {
        c.request_timeout = Duration::from_secs(2);
    })
    .await;
    let body = json!({"username": "rita", "password": PASSWORD}).to_string();
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(running.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // Half the body, then nothing: the handler waits for the rest until the timeout.
    stream
        .write_all(&body.as_bytes()[..body.len() / 2])
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(20), read_response(&mut stream))
        .await
        .expect("the request timeout must answer a stalled request");
    let (status, text) = answer.expect("a timed-out request gets an answer, not a bare close");
    assert_eq!(status, 503, "a timed-out request is 503: {text}");
    let error: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(
        error["error"]["code"], "timeout",
        "the uniform error shape with code timeout: {error}"
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "with a message: {error}"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_while_the_server_keeps_answering_the_ones_it_holds() {
    let running = Running::start(None, |c| {
        c.max_connections = 2;
        // Long enough that the held connections are not closed for being idle meanwhile.
        c.header_read_timeout = Duration::from_secs(60);
    })
    .await;
    let mut first = answered_connection(running.addr).await;
    let mut second = answered_connection(running.addr).await;

    // The third connects (the kernel's listen queue takes it) and asks, but is not served.
    let mut third = TcpStream::connect(running.addr).await.unwrap();
    third.write_all(HEALTH).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(800), read_response(&mut third)).await;
    assert!(
        early.is_err(),
        "a connection over the cap must wait, but it was answered: {early:?}"
    );

    // The two it holds are still answered.
    for (name, stream) in [("first", &mut first), ("second", &mut second)] {
        stream.write_all(HEALTH).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), read_response(stream))
            .await
            .unwrap_or_else(|_| panic!("the {name} connection must still be answered"));
        assert_eq!(answer.map(|a| a.0), Some(200), "the {name} connection");
    }

    // One closes: the waiting one is served.
    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(10), read_response(&mut third))
        .await
        .expect("the waiting connection must be served once a slot frees");
    assert_eq!(
        answer.map(|a| a.0),
        Some(200),
        "the waiting connection's request"
    );
}

#[tokio::test]
async fn shutdown_closes_idle_connections_refuses_new_ones_and_returns() {
    let mut running = Running::start(None, |c| {
        c.header_read_timeout = Duration::from_secs(60);
    })
    .await;
    let mut idle = answered_connection(running.addr).await;
    running.shut_down().await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "shutdown must close an idle connection");
    assert!(
        TcpStream::connect(running.addr).await.is_err(),
        "after shutdown nothing listens on the port"
    );
}

// ---------------------------------------------------------------------------------------
// The data directory

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_every_database_file_are_readable_by_the_service_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let mut running = Running::start_in(root.path().join("data"), None, |_| {}).await;
    // A sign-in writes, so the WAL and the shared-memory index exist.
    let http = reqwest::Client::new();
    let (status, body) = sign_in(&http, &running.plain_url("/api/v1/sessions")).await;
    assert_eq!(status, StatusCode::OK, "sign in: {body}");
    let dir = running.data_dir.clone();
    let database = dir.join("countersign.db");
    let files = [
        database.clone(),
        dir.join("countersign.db-wal"),
        dir.join("countersign.db-shm"),
    ];
    assert_eq!(mode(&dir), 0o700, "the data directory is the user's alone");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{} is the user's alone", file.display());
    }
    running.shut_down().await;

    // A data directory someone loosened (a copy, a restored backup) is tightened at start.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).unwrap();
    let reopened = countersign_server::open(ServerConfig::new(&dir))
        .await
        .unwrap_or_else(|e| panic!("reopening the data dir: {e}"));
    assert_eq!(mode(&dir), 0o700, "a loosened data directory is tightened");
    assert_eq!(mode(&database), 0o600, "a loosened database is tightened");
    let rita = countersign_server::admin::user_named(&reopened, "rita").await;
    assert!(rita.is_ok(), "tightening keeps the data: {rita:?}");
}
