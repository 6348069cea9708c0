//! A real server on loopback with N drafts, and fresh encrypted caches to sync into.

use anyhow::Context;
use countersign_core::wire::SessionRequest;
use countersign_core::{ClientId, Role, Sensitive};
use countersign_server::ServerConfig;
use countersign_server::admin::{self, NewUser};
use countersign_server::trail::Trail;
use countersign_store::{Cache, CacheKey};
use countersign_sync::ApiClient;
use countersign_sync::engine::SharedCache;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// The password of every account the benches make.
pub(crate) const PASSWORD: &str = "bench password, not a secret";

/// Body length of the seeded drafts: a typical reply. With ids, author, times, approval
/// steps and a history entry, each draft is then about 600–800 bytes of JSON.
const BODY_CHARS: usize = 120;

/// A server with `n` drafts, serving on loopback until dropped.
pub struct Bench {
    /// Its data folder.
    _dir: TempDir,
    /// Its address.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Bench {
    /// Starts a server holding `n` drafts of one team, and a reviewer for them.
    pub async fn start(n: usize) -> anyhow::Result<Bench> {
        let dir = TempDir::new()?;
        let server = countersign_server::open(ServerConfig::new(dir.path().to_path_buf())).await?;
        seed_people(&server).await?;
        countersign_server::demo::bulk_drafts(&server, n, BODY_CHARS)
            .await
            .context("seeding drafts")?;
        let (url, stop) = serve_on_loopback(server).await?;
        Ok(Bench {
            _dir: dir,
            url,
            stop: Some(stop),
        })
    }

    /// Signs the reviewer in and returns a client and an access token.
    pub async fn sign_in(&self) -> anyhow::Result<(ApiClient, Sensitive<String>)> {
        let api = ApiClient::new(&self.url)?;
        let session = api
            .sign_in(&SessionRequest {
                username: "rita".into(),
                password: PASSWORD.into(),
                totp: None,
            })
            .await?;
        Ok((api, Sensitive::new(session.access_token)))
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The team "Customer Care" with its reviewer `rita` (step `review`) and author `alex`, both
/// signing in with [`PASSWORD`]: the people every bench's drafts and decisions belong to.
pub(crate) async fn seed_people(server: &countersign_server::Server) -> anyhow::Result<()> {
    let team = admin::create_team(server, &Trail::console(), "Customer Care").await?;
    for (username, roles, steps) in [
        ("rita", vec![Role::Reviewer], vec!["review".to_string()]),
        ("alex", vec![Role::Author], vec![]),
    ] {
        admin::add_user(
            server,
            &Trail::console(),
            NewUser {
                username: username.into(),
                display_name: username.into(),
                password: Sensitive::new(PASSWORD.to_string()),
                roles,
                steps,
                teams: vec![team],
            },
        )
        .await?;
    }
    Ok(())
}

/// Serves `server` on a free loopback port until the returned sender is dropped or fires;
/// returns its `http://` address.
pub async fn serve_on_loopback(
    server: countersign_server::Server,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = countersign_server::serve(listener, server, shutdown).await {
            eprintln!("the benchmark's server stopped: {e}");
        }
    });
    Ok((url, stop))
}

/// A new, empty, encrypted cache file in `dir`, with a client id.
pub fn fresh_cache(dir: &Path, name: &str) -> anyhow::Result<SharedCache> {
    let cache = Cache::open(&dir.join(name), &CacheKey::generate())?;
    cache.set_client_id(ClientId(uuid::Uuid::new_v4()))?;
    Ok(Arc::new(Mutex::new(cache)))
}
