//! A loopback HTTP proxy that forwards every request to the real server and then, on
//! demand, spoils the answer: cuts it off half-way, replaces it with malformed JSON, or
//! answers like a broken gateway. The server really processes the request, so a test can
//! check that a lost answer neither loses nor doubles anything.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does to answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Pass answers through untouched.
    None,
    /// Promise the whole body, send half of it, close the connection.
    Truncate,
    /// Answer 200 with a body that is not the protocol.
    Malformed,
    /// Answer 502 with an HTML page, like a reverse proxy whose upstream died.
    BadGateway,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    url: String,
    fault: Arc<Mutex<Fault>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (e.g. `http://127.0.0.1:1234`).
    pub async fn start(upstream: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let fault = Arc::new(Mutex::new(Fault::None));
        let shared = Arc::clone(&fault);
        let http = reqwest::Client::new();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let fault = *shared.lock().expect("fault lock");
                let (http, upstream) = (http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let _ = relay(stream, &http, &upstream, fault).await;
                });
            }
        });
        FaultProxy { url, fault, task }
    }

    /// The proxy's address, to give the client instead of the server's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Changes what happens to the next answers.
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().expect("fault lock") = fault;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head and `Content-Length` body), forwards it, writes the spoiled or
/// faithful answer and closes the connection.
async fn relay(
    mut stream: TcpStream,
    http: &reqwest::Client,
    upstream: &str,
    fault: Fault,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = [0u8; 65536];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..].to_vec();

    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut call = http
        .request(method, format!("{upstream}{target}"))
        .body(body);
    for (k, v) in &headers {
        if k == "authorization" || k == "content-type" {
            call = call.header(k.as_str(), v.as_str());
        }
    }
    let (status, answer) = match call.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (
                status,
                response
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default(),
            )
        }
        Err(_) => (502, b"upstream unreachable".to_vec()),
    };

    let reply = |status: u16, content_type: &str, declared: usize, body: &[u8]| {
        let mut out = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n"
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    };
    let bytes = match fault {
        Fault::None => reply(status, "application/json", answer.len(), &answer),
        Fault::Truncate => reply(
            status,
            "application/json",
            answer.len(),
            &answer[..answer.len() / 2],
        ),
        Fault::Malformed => {
            let garbage = br#"{"results": [{"mutation_id": "#;
            reply(200, "application/json", garbage.len(), garbage)
        }
        Fault::BadGateway => {
            let page = b"<html><body>502 Bad Gateway</body></html>";
            reply(502, "text/html", page.len(), page)
        }
    };
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}
