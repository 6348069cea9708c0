//! Shared pieces of the system and end-to-end tests (which live in `tests/tests/`).
//!
//! [`LoopbackServer`] is the real Countersign server on `127.0.0.1:0` with a temporary data
//! directory. It stops when dropped, and [`LoopbackServer::stop`] / [`restart`] simulate
//! an outage on the same address and data — what "the server is back" means to a desktop.
//!
//! [`restart`]: LoopbackServer::restart
#![allow(clippy::unwrap_used)] // test support: a failure here is a failed test

use countersign_server::{Clock, Server, ServerConfig};
use std::net::SocketAddr;
use std::path::Path;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A real server on loopback.
pub struct LoopbackServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The service itself, for seeding and inspecting its data directly.
    pub server: Server,
    data: TempDir,
    /// The server's notion of now, kept across restarts.
    clock: Clock,
    running: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl LoopbackServer {
    /// Opens a server on an empty data directory and starts serving.
    pub async fn start() -> LoopbackServer {
        Self::start_with_clock(Clock::system()).await
    }

    /// [`start`](Self::start), with the server reading the time from `clock` (a test moves
    /// it to expire sessions), also after a [`restart`](Self::restart).
    pub async fn start_with_clock(clock: Clock) -> LoopbackServer {
        let data = TempDir::new().expect("temp dir");
        let server = open(data.path(), &clock).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let running = Some(spawn(listener, server.clone()));
        LoopbackServer {
            addr,
            server,
            data,
            clock,
            running,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits until the listener is closed.
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    /// Stops serving and closes the database, lets `change` alter the data directory — take
    /// a backup by copying the file, or restore one over it — then serves again on the same
    /// address.
    ///
    /// The database is closed before `change` runs: with no connection left, SQLite has
    /// checkpointed and removed its WAL, so `countersign.db` alone is the whole database,
    /// and nothing still open can write an old WAL back over a restored file. A stand-in
    /// service on an empty directory holds the place meanwhile.
    pub async fn restart_after(&mut self, change: impl FnOnce(&Path)) {
        self.stop().await;
        let stand_in = TempDir::new().expect("temp dir");
        drop(std::mem::replace(
            &mut self.server,
            open(stand_in.path(), &self.clock).await,
        ));
        change(self.data.path());
        self.server = open(self.data.path(), &self.clock).await;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("rebind the same port");
        self.running = Some(spawn(listener, self.server.clone()));
    }

    /// Serves again on the same address with the same data.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.server = open(self.data.path(), &self.clock).await;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("rebind the same port");
        self.running = Some(spawn(listener, self.server.clone()));
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            task.abort();
        }
    }
}

async fn open(dir: &Path, clock: &Clock) -> Server {
    let mut config = ServerConfig::new(dir.to_path_buf());
    config.clock = clock.clone();
    countersign_server::open(config).await.expect("open server")
}

fn spawn(
    listener: tokio::net::TcpListener,
    server: Server,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        countersign_server::serve(listener, server, shutdown)
            .await
            .expect("serve");
    });
    (stop, task)
}
