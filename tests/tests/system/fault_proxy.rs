//! A loopback HTTP proxy between desktops and the real server that spoils traffic.
//!
//! Two modes, which can be combined:
//! - **Fixed** ([`FaultProxy::start`] and [`FaultProxy::set`]): every request is forwarded
//!   to the server and its answer then cut off half-way, replaced with malformed JSON, or
//!   answered like a broken gateway. The server really processes the request, so a test
//!   can check that a lost answer neither loses nor doubles anything.
//! - **Seeded** ([`FaultProxy::seeded`]): each request gets a [`Glitch`] drawn from a
//!   pseudo-random stream — dropped before or after the server saw it, delayed, its body or
//!   its answer cut in the middle, delivered twice, held back until a later request went
//!   first, delivered late after the desktop gave up on it, answered 5xx or garbage. The
//!   seed is printed (`fault proxy seed: N`) and [`seed_from_env`] reads it back from
//!   `COUNTERSIGN_SEED`, so a failing run replays. Each [`entrance`](FaultProxy::entrance)
//!   (one per desktop) has its own stream, drawn in its own arrival order: a desktop's
//!   requests come one at a time, so its sequence of glitches does not depend on how its
//!   requests interleave with another desktop's. [`calm`](FaultProxy::calm) stops the
//!   glitches and waits for the late deliveries still under way.
//!
//! [`FaultProxy::on_next`] aims one glitch at the next request for a path (the lost answer
//! of a refresh, say), in either mode and whether stormy or calm.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the proxy does to answers in fixed mode.
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

/// One thing the seeded mode (or [`FaultProxy::on_next`]) does to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Glitch {
    /// Forwarded and answered faithfully.
    Pass,
    /// Waits up to 400 ms before forwarding.
    DelayRequest,
    /// Forwarded at once; the answer waits up to 400 ms.
    DelayAnswer,
    /// The connection closes before anything reaches the server.
    DropBefore,
    /// The server processes the request; the connection closes before its answer.
    DropAfter,
    /// The server gets half the request (half the body, or half the head for a request
    /// without one) and then the end of the connection; the desktop gets no answer.
    CutRequest,
    /// The answer promises its whole length, sends half and closes.
    CutAnswer,
    /// The server gets the request twice (one after the other, or both at once); the
    /// desktop gets one of the two answers.
    Twice,
    /// Held back until a request that arrived later has been forwarded (at most 250 ms),
    /// then forwarded and answered.
    Hold,
    /// The desktop's connection closes at once; the request reaches the server after the
    /// next one that arrives (or after 1 s), and its answer goes nowhere.
    Late,
    /// Answered 500, 502, 503 or 504 without reaching the server.
    ErrorBefore,
    /// The server processes the request; the desktop gets a 5xx instead of its answer.
    ErrorAfter,
    /// The server processes the request; the desktop gets a 200 that is not the protocol
    /// (cut-off JSON, a captive portal's HTML page, random bytes, nothing, the wrong shape).
    Garbage,
}

impl Glitch {
    /// Every glitch with its weight in the seeded mode: half the requests pass.
    const WEIGHTS: [(Glitch, u32); 13] = [
        (Glitch::Pass, 48),
        (Glitch::DelayRequest, 4),
        (Glitch::DelayAnswer, 4),
        (Glitch::DropBefore, 5),
        (Glitch::DropAfter, 5),
        (Glitch::CutRequest, 4),
        (Glitch::CutAnswer, 5),
        (Glitch::Twice, 5),
        (Glitch::Hold, 4),
        (Glitch::Late, 4),
        (Glitch::ErrorBefore, 4),
        (Glitch::ErrorAfter, 4),
        (Glitch::Garbage, 4),
    ];

    /// Every glitch, for checking that a run exercised all of them.
    pub fn all() -> impl Iterator<Item = Glitch> {
        Glitch::WEIGHTS.iter().map(|(g, _)| *g)
    }

    fn draw(rng: &mut StdRng) -> Glitch {
        let total: u32 = Glitch::WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random_range(0..total);
        for (glitch, weight) in Glitch::WEIGHTS {
            if pick < weight {
                return glitch;
            }
            pick -= weight;
        }
        Glitch::Pass
    }
}

/// A glitch with the details drawn for it, all from the entrance's stream so a replay
/// repeats them.
#[derive(Clone, Copy, Debug)]
struct Plan {
    glitch: Glitch,
    delay: Duration,
    /// Picks a variant: which 5xx, which garbage, which copy of a doubled request.
    variant: u32,
}

impl Plan {
    fn of(glitch: Glitch) -> Plan {
        Plan {
            glitch,
            delay: Duration::ZERO,
            variant: 0,
        }
    }

    fn draw(rng: &mut StdRng) -> Plan {
        Plan {
            glitch: Glitch::draw(rng),
            delay: Duration::from_millis(rng.random_range(1..=400)),
            variant: rng.random(),
        }
    }
}

/// The seed for a randomised test: `COUNTERSIGN_SEED` when set (to replay a run), else a
/// fresh random one. Either way the caller prints it.
pub fn seed_from_env() -> u64 {
    match std::env::var("COUNTERSIGN_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("COUNTERSIGN_SEED={text:?} is not a number: {e}")),
        Err(_) => rand::random(),
    }
}

/// How long a held request waits for a later one before it goes anyway.
const HOLD_MAX: Duration = Duration::from_millis(250);
/// How long a late delivery waits for a later request before it goes anyway.
const LATE_MAX: Duration = Duration::from_secs(1);
/// How long the proxy waits for the server to give up on a cut-off request.
const CUT_WAIT: Duration = Duration::from_secs(5);

/// What the proxy keeps between requests for glitches.
struct Storm {
    /// The seed, in seeded mode; `None` in fixed mode (only aimed glitches then).
    seed: Option<u64>,
    stormy: AtomicBool,
    /// Requests numbered as they arrive (all entrances), so a held request knows which
    /// requests came after it.
    arrivals: AtomicU64,
    /// Held and late requests, each with its arrival number, waiting for a later one.
    held: Mutex<Vec<(u64, oneshot::Sender<()>)>>,
    /// Late deliveries under way, awaited by [`FaultProxy::calm`].
    late: Mutex<Vec<JoinHandle<()>>>,
    tally: Mutex<BTreeMap<Glitch, u64>>,
}

/// What every connection task shares.
struct Shared {
    upstream: String,
    http: reqwest::Client,
    fault: Mutex<Fault>,
    storm: Storm,
    /// Glitches aimed at the next request whose path starts with the given prefix.
    aimed: Mutex<Vec<(String, Glitch)>>,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    url: String,
    shared: Arc<Shared>,
    entrances: Mutex<Vec<JoinHandle<()>>>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (e.g. `http://127.0.0.1:1234`) in fixed mode,
    /// passing everything until [`set`](Self::set) says otherwise.
    pub async fn start(upstream: String) -> FaultProxy {
        FaultProxy::open(upstream, None).await
    }

    /// Starts a proxy in front of `upstream` in seeded mode, stormy from the start, and
    /// prints the seed. The first entrance is [`url`](Self::url).
    pub async fn seeded(upstream: String, seed: u64) -> FaultProxy {
        eprintln!("fault proxy seed: {seed}");
        FaultProxy::open(upstream, Some(seed)).await
    }

    async fn open(upstream: String, seed: Option<u64>) -> FaultProxy {
        let shared = Arc::new(Shared {
            upstream,
            http: reqwest::Client::new(),
            fault: Mutex::new(Fault::None),
            storm: Storm {
                seed,
                stormy: AtomicBool::new(seed.is_some()),
                arrivals: AtomicU64::new(0),
                held: Mutex::default(),
                late: Mutex::default(),
                tally: Mutex::default(),
            },
            aimed: Mutex::default(),
        });
        let mut proxy = FaultProxy {
            url: String::new(),
            shared,
            entrances: Mutex::default(),
        };
        proxy.url = proxy.entrance().await;
        proxy
    }

    /// The proxy's first address, to give the client instead of the server's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens another address into the same proxy, with its own stream of glitches (give
    /// each desktop its own). Entrances are numbered from 0 in the order they open; the
    /// stream of entrance `n` is the same in every run with the same seed.
    pub async fn entrance(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let mut entrances = self.entrances.lock().expect("entrances lock");
        let number = entrances.len() as u64;
        let rng = self.shared.storm.seed.map(|seed| {
            // Entrance n's stream: the seed mixed with n (SplitMix64's constant), so
            // neighbouring entrances do not start from neighbouring states.
            let mixed = seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Arc::new(Mutex::new(StdRng::seed_from_u64(mixed)))
        });
        let shared = Arc::clone(&self.shared);
        entrances.push(tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (shared, rng) = (Arc::clone(&shared), rng.clone());
                tokio::spawn(async move {
                    let _ = relay(stream, shared, rng.as_deref()).await;
                });
            }
        }));
        url
    }

    /// Changes what happens to the next answers in fixed mode.
    pub fn set(&self, fault: Fault) {
        *self.shared.fault.lock().expect("fault lock") = fault;
    }

    /// The next request whose path starts with `path` gets `glitch`, stormy or calm.
    pub fn on_next(&self, path: &str, glitch: Glitch) {
        self.shared
            .aimed
            .lock()
            .expect("aimed lock")
            .push((path.to_owned(), glitch));
    }

    /// True while an aimed glitch has not met its request yet.
    pub fn aimed_pending(&self) -> bool {
        !self.shared.aimed.lock().expect("aimed lock").is_empty()
    }

    /// Seeded mode: stops drawing glitches (every request passes from now on) and waits
    /// until the late deliveries still under way have reached the server, so nothing from
    /// the stormy part arrives afterwards.
    pub async fn calm(&self) {
        let storm = &self.shared.storm;
        storm.stormy.store(false, Ordering::SeqCst);
        loop {
            let late: Vec<_> = std::mem::take(&mut *storm.late.lock().expect("late lock"));
            if late.is_empty() {
                return;
            }
            for task in late {
                let _ = task.await;
            }
        }
    }

    /// Seeded mode: draws glitches again after [`calm`](Self::calm).
    pub fn storm(&self) {
        let storm = &self.shared.storm;
        storm.stormy.store(storm.seed.is_some(), Ordering::SeqCst);
    }

    /// How many requests got each glitch so far (seeded mode and aimed glitches).
    pub fn tally(&self) -> BTreeMap<Glitch, u64> {
        self.shared.storm.tally.lock().expect("tally lock").clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Ok(entrances) = self.entrances.lock() {
            entrances.iter().for_each(JoinHandle::abort);
        }
        if let Ok(late) = self.shared.storm.late.lock() {
            late.iter().for_each(JoinHandle::abort);
        }
    }
}

/// One request as the desktop sent it.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    /// The head as received, for cutting it.
    head: Vec<u8>,
    body: Vec<u8>,
    /// Its place in the arrival order, over all entrances.
    arrival: u64,
}

/// An answer to give the desktop.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Reads one request (head and `Content-Length` body), does to it what the mode says and
/// closes the connection.
async fn relay(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    rng: Option<&Mutex<StdRng>>,
) -> std::io::Result<()> {
    let Some(mut request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let storm = &shared.storm;
    request.arrival = storm.arrivals.fetch_add(1, Ordering::SeqCst);
    let shared = &shared;
    let aimed = {
        let mut aimed = shared.aimed.lock().expect("aimed lock");
        let hit = aimed
            .iter()
            .position(|(path, _)| request.target.starts_with(path.as_str()));
        hit.map(|i| aimed.remove(i).1)
    };
    let plan = match (aimed, rng) {
        (Some(glitch), _) => Some(Plan::of(glitch)),
        (None, Some(rng)) if storm.stormy.load(Ordering::SeqCst) => {
            Some(Plan::draw(&mut rng.lock().expect("rng lock")))
        }
        _ => None,
    };
    let Some(plan) = plan else {
        let fault = *shared.fault.lock().expect("fault lock");
        let answer = forward(shared, &request).await;
        return write_fixed(&mut stream, fault, answer).await;
    };
    *storm
        .tally
        .lock()
        .expect("tally lock")
        .entry(plan.glitch)
        .or_default() += 1;
    match plan.glitch {
        Glitch::Pass => {
            let answer = forward(shared, &request).await;
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::DelayRequest => {
            tokio::time::sleep(plan.delay).await;
            let answer = forward(shared, &request).await;
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::DelayAnswer => {
            let answer = forward(shared, &request).await;
            tokio::time::sleep(plan.delay).await;
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::DropBefore => Ok(()),
        Glitch::DropAfter => {
            forward(shared, &request).await;
            Ok(())
        }
        Glitch::CutRequest => cut_request(shared, &request).await,
        Glitch::CutAnswer => {
            let answer = forward(shared, &request).await;
            let half = Answer {
                body: answer.body[..answer.body.len() / 2].to_vec(),
                ..answer
            };
            write_answer(&mut stream, &half, answer.body.len()).await
        }
        Glitch::Twice => {
            let answer = if plan.variant % 2 == 0 {
                let first = forward(shared, &request).await;
                let second = forward(shared, &request).await;
                if plan.variant % 4 == 0 { second } else { first }
            } else {
                let (first, second) =
                    tokio::join!(forward(shared, &request), forward(shared, &request));
                if plan.variant % 4 == 1 { first } else { second }
            };
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::Hold => {
            wait_for_a_later_request(shared, request.arrival, HOLD_MAX).await;
            let answer = forward(shared, &request).await;
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::Late => {
            drop(stream);
            deliver_late(Arc::clone(shared), request);
            Ok(())
        }
        Glitch::ErrorBefore => {
            let answer = server_error(plan.variant);
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::ErrorAfter => {
            forward(shared, &request).await;
            let answer = server_error(plan.variant);
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
        Glitch::Garbage => {
            forward(shared, &request).await;
            let answer = garbage(plan.variant);
            write_answer(&mut stream, &answer, answer.body.len()).await
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
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
    Ok(Some(Request {
        method,
        target,
        headers,
        head: buf[..head_end].to_vec(),
        body: buf[head_end..].to_vec(),
        arrival: 0,
    }))
}

/// The headers passed on to the server.
fn forwarded(name: &str) -> bool {
    name == "authorization" || name == "content-type"
}

/// Sends the request to the server and reads its whole answer; an unreachable server is a
/// 502, as from a real gateway. Afterwards every request held for a later one goes.
async fn forward(shared: &Shared, request: &Request) -> Answer {
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut call = shared
        .http
        .request(method, format!("{}{}", shared.upstream, request.target))
        .body(request.body.clone());
    for (k, v) in request.headers.iter().filter(|(k, _)| forwarded(k)) {
        call = call.header(k.as_str(), v.as_str());
    }
    let answer = match call.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            let body = response
                .bytes()
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            Answer {
                status,
                content_type,
                body,
            }
        }
        Err(_) => Answer {
            status: 502,
            content_type: "text/plain".to_string(),
            body: b"upstream unreachable".to_vec(),
        },
    };
    release_earlier(shared, request.arrival);
    answer
}

/// Lets every held or late request that arrived before `arrival` go.
fn release_earlier(shared: &Shared, arrival: u64) {
    let mut held = shared.storm.held.lock().expect("held lock");
    let (go, stay): (Vec<_>, Vec<_>) = std::mem::take(&mut *held)
        .into_iter()
        .partition(|(number, _)| *number < arrival);
    *held = stay;
    for (_, go) in go {
        let _ = go.send(());
    }
}

/// Waits until a request that arrived after `arrival` has been forwarded, or `max`.
async fn wait_for_a_later_request(shared: &Shared, arrival: u64, max: Duration) {
    let (go, gone) = oneshot::channel();
    shared
        .storm
        .held
        .lock()
        .expect("held lock")
        .push((arrival, go));
    let _ = tokio::time::timeout(max, gone).await;
}

/// Forwards `request` after a later request (or [`LATE_MAX`]), in a task that
/// [`FaultProxy::calm`] waits for.
fn deliver_late(shared: Arc<Shared>, request: Request) {
    let (go, gone) = oneshot::channel();
    shared
        .storm
        .held
        .lock()
        .expect("held lock")
        .push((request.arrival, go));
    let task = tokio::spawn({
        let shared = Arc::clone(&shared);
        async move {
            let _ = tokio::time::timeout(LATE_MAX, gone).await;
            forward(&shared, &request).await;
        }
    });
    shared.storm.late.lock().expect("late lock").push(task);
}

/// Sends the server half the request and then the end of the connection, and waits until
/// the server has given up on it (closed its side).
async fn cut_request(shared: &Shared, request: &Request) -> std::io::Result<()> {
    let address = shared
        .upstream
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut upstream = TcpStream::connect(address).await?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method,
        request.target,
        request.body.len()
    );
    for (k, v) in request.headers.iter().filter(|(k, _)| forwarded(k)) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let bytes = if request.body.is_empty() {
        // Nothing to cut but the head: send the start of the desktop's own.
        request.head[..request.head.len() / 2].to_vec()
    } else {
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&request.body[..request.body.len() / 2]);
        bytes
    };
    upstream.write_all(&bytes).await?;
    upstream.shutdown().await?;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(CUT_WAIT, upstream.read_to_end(&mut sink)).await;
    Ok(())
}

fn server_error(variant: u32) -> Answer {
    let (status, content_type, body): (u16, &str, &[u8]) = match variant % 4 {
        0 => (
            500,
            "application/json",
            br#"{"error":{"code":"internal","message":"something went wrong"}}"#,
        ),
        1 => (
            502,
            "text/html",
            b"<html><body>502 Bad Gateway</body></html>",
        ),
        2 => (503, "text/plain", b"Service Unavailable"),
        _ => (
            504,
            "text/html",
            b"<html><body>504 Gateway Time-out</body></html>",
        ),
    };
    Answer {
        status,
        content_type: content_type.to_string(),
        body: body.to_vec(),
    }
}

fn garbage(variant: u32) -> Answer {
    let (content_type, body): (&str, Vec<u8>) = match variant % 5 {
        0 => (
            "application/json",
            br#"{"results": [{"mutation_id": "#.to_vec(),
        ),
        1 => (
            "text/html",
            b"<html><body><form>Welcome to Hotel Wi-Fi: accept the terms</form></body></html>"
                .to_vec(),
        ),
        2 => (
            "application/json",
            // Not UTF-8, not JSON: what a corrupting middlebox might hand back.
            (0..64u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 | 0x80)
                .collect(),
        ),
        3 => ("application/json", Vec::new()),
        _ => ("application/json", br#"{"ok": true}"#.to_vec()),
    };
    Answer {
        status: 200,
        content_type: content_type.to_string(),
        body,
    }
}

/// Writes an answer that promises `declared` body bytes (more than it has, to cut it off).
async fn write_answer(
    stream: &mut TcpStream,
    answer: &Answer,
    declared: usize,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n",
        answer.status, answer.content_type
    )
    .into_bytes();
    out.extend_from_slice(&answer.body);
    stream.write_all(&out).await?;
    stream.shutdown().await
}

/// Fixed mode: the answer as [`Fault`] says.
async fn write_fixed(stream: &mut TcpStream, fault: Fault, answer: Answer) -> std::io::Result<()> {
    match fault {
        Fault::None => write_answer(stream, &answer, answer.body.len()).await,
        Fault::Truncate => {
            let half = Answer {
                body: answer.body[..answer.body.len() / 2].to_vec(),
                status: answer.status,
                content_type: answer.content_type.clone(),
            };
            write_answer(stream, &half, answer.body.len()).await
        }
        Fault::Malformed => {
            let garbage = Answer {
                status: 200,
                content_type: "application/json".to_string(),
                body: br#"{"results": [{"mutation_id": "#.to_vec(),
            };
            write_answer(stream, &garbage, garbage.body.len()).await
        }
        Fault::BadGateway => {
            let page = Answer {
                status: 502,
                content_type: "text/html".to_string(),
                body: b"<html><body>502 Bad Gateway</body></html>".to_vec(),
            };
            write_answer(stream, &page, page.body.len()).await
        }
    }
}
