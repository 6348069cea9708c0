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
    /// Failed sign-ins allowed per username within [`login_window`](Self::login_window)
    /// before further attempts get `429 too_many_attempts`.
    pub login_attempts: u32,
    /// The window failed sign-ins are counted in.
    pub login_window: Duration,
    /// The server's notion of now.
    pub clock: Clock,
}

impl ServerConfig {
    /// Production defaults: 15-minute access tokens, 30-day refresh tokens, 1 MiB bodies,
    /// 10 failed sign-ins per 5 minutes, the system clock.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            body_limit: 1024 * 1024,
            login_attempts: 10,
            login_window: Duration::from_secs(300),
            clock: Clock::system(),
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }
}
