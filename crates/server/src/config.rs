//! How a server is set up: where its data lives, how long tokens last, and the limits it
//! enforces. [`ServerConfig::new`] gives the production defaults; tests shorten the TTLs.

use crate::clock::Clock;
use std::path::PathBuf;
use std::time::Duration;

/// The name of the SQLite file inside the data directory.
pub const DATABASE_FILE: &str = "countersign.db";

/// Everything [`open`](crate::open) needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Directory holding `countersign.db` (created if missing).
    pub data_dir: PathBuf,
    /// How long an access token is accepted after it is issued.
    pub access_ttl: Duration,
    /// How long a refresh token may wait before it is spent.
    pub refresh_ttl: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long one request may take, from its head being read to its answer (a body
    /// that trickles in counts); past it the answer is `503 timeout`. Default 30 s.
    pub request_timeout: Duration,
    /// How long a client has to send a request's headers — and, over HTTPS, to finish the
    /// TLS handshake — before the connection is closed (slowloris). An idle keep-alive
    /// connection is closed after it too. Default 10 s.
    pub header_read_timeout: Duration,
    /// The most connections served at once (at least 1); more wait in the listen queue
    /// until one closes. Default 512, under the usual limit of 1,024 open files.
    pub max_connections: u32,
    /// Failed sign-ins allowed per username within [`login_window`](Self::login_window)
    /// before further attempts get `429 too_many_attempts`.
    pub login_attempts: u32,
    /// The window failed sign-ins are counted in.
    pub login_window: Duration,
    /// Failed sign-ins allowed per source address (an IPv4 address, or an IPv6 /64) within
    /// [`login_window`](Self::login_window), whatever the usernames tried.
    pub login_attempts_per_source: u32,
    /// The most usernames and source addresses the sign-in limiter tracks at once; past it,
    /// sign-ins whose keys it cannot track are refused (`503`) rather than any live count
    /// forgotten.
    pub login_tracked_keys: usize,
    /// Proxies (e.g. a reverse proxy on loopback) whose `X-Forwarded-For` names the source
    /// address of a sign-in; from any other peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How many password hashes (argon2id, 19 MiB each) may run at once.
    pub hash_concurrency: usize,
    /// How long a sign-in waits for a free hashing slot before it is answered `503`.
    pub hash_wait: Duration,
    /// How long after a refresh the just-spent refresh token still gets the same new pair
    /// (its answer may have been lost on the way); later, presenting it revokes the session.
    pub refresh_grace: Duration,
    /// How long a session lasts from its sign-in, however often it is refreshed; then
    /// refreshing fails with `session_expired`.
    pub session_lifetime: Duration,
    /// How long a desktop may show its cached drafts without contact with the server;
    /// past it the window asks for a sign-in first (sent with the directory).
    pub offline_lease: Duration,
    /// How webhook deliveries are retried and how long they are tried for.
    pub webhooks: crate::webhooks::WebhookTiming,
    /// The server's notion of now.
    pub clock: Clock,
}

impl ServerConfig {
    /// Production defaults: 15-minute access tokens, 30-day refresh tokens (a 60-second
    /// grace for a lost refresh answer) in sessions of at most 90 days, 1 MiB bodies,
    /// 10 failed sign-ins per account and 100 per source address in 5 minutes, as many
    /// password hashes at once as there are CPUs, a 14-day offline lease, the system clock.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            login_attempts: 10,
            login_window: Duration::from_secs(300),
            login_attempts_per_source: 100,
            login_tracked_keys: 100_000,
            trusted_proxies: Vec::new(),
            hash_concurrency: std::thread::available_parallelism().map_or(1, usize::from),
            hash_wait: Duration::from_secs(3),
            refresh_grace: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(90 * 24 * 3600),
            offline_lease: Duration::from_secs(14 * 24 * 3600),
            webhooks: crate::webhooks::WebhookTiming::default(),
            clock: Clock::system(),
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }
}
