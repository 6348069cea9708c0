//! A server that binds `127.0.0.1:0` and stops on drop, a small organisation to test with,
//! and desktops that talk to it.

use chrono::{Duration as ChronoDuration, Utc};
use countersign_app::{App, AppConfig, QueueFilter};
use countersign_core::channel::StepRequest;
use countersign_core::wire::{EditDraft, NewDraft, SessionResponse};
use countersign_core::{Draft, DraftId, HistoryEvent, Network, Role, Urgency};
use countersign_keychain::{Keychain, MemoryKeychain, OsKeychain, SecretStore};
use countersign_server::Server;
use countersign_server::trail::Trail;
use countersign_tests::LoopbackServer;
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// The real server on loopback with the test organisation. Derefs to
/// [`LoopbackServer`] for its address, `stop` and `restart`.
pub struct TestServer(LoopbackServer);

impl std::ops::Deref for TestServer {
    type Target = LoopbackServer;
    fn deref(&self) -> &LoopbackServer {
        &self.0
    }
}

impl std::ops::DerefMut for TestServer {
    fn deref_mut(&mut self) -> &mut LoopbackServer {
        &mut self.0
    }
}

impl TestServer {
    /// Starts a server with an empty data directory and the test organisation.
    pub async fn start() -> TestServer {
        let inner = LoopbackServer::start().await;
        seed_org(&inner.server).await;
        TestServer(inner)
    }

    /// [`start`](Self::start), with the server's time read from `clock`.
    pub async fn start_with_clock(clock: countersign_server::Clock) -> TestServer {
        let inner = LoopbackServer::start_with_clock(clock).await;
        seed_org(&inner.server).await;
        TestServer(inner)
    }

    /// Signs in over HTTP as `username` (for acting as an author or a second reviewer).
    pub async fn session(&self, username: &str) -> Http {
        let http = reqwest::Client::new();
        let response: SessionResponse = http
            .post(format!("{}/api/v1/sessions", self.url()))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .error_for_status()
            .expect("sign in accepted")
            .json()
            .await
            .expect("session body");
        Http {
            http,
            base: self.url(),
            token: response.access_token,
        }
    }

    /// The draft as the server has it.
    pub async fn draft(&self, id: DraftId) -> Draft {
        self.session("ada").await.get_draft(id).await
    }
}

/// The test organisation: one team with its channel `care-x` (`@northwind_help` on X), two
/// reviewers for `review`, one for `legal`, two authors, an admin, and a reviewer of another
/// team.
async fn seed_org(server: &Server) {
    use countersign_server::admin::{self, NewUser};
    let care = admin::create_team(server, &Trail::console(), "Customer Care")
        .await
        .expect("team");
    let other = admin::create_team(server, &Trail::console(), "Investor Relations")
        .await
        .expect("team");
    admin::add_channel(
        server,
        &Trail::console(),
        countersign_core::wire::admin::NewChannel {
            name: Some("care-x".to_string()),
            network: Network::X,
            account: "@northwind_help".to_string(),
            team: "Customer Care".to_string(),
            policy: vec![],
        },
    )
    .await
    .expect("channel");
    let users: [(&str, &[Role], &[&str], _); 7] = [
        ("rita", &[Role::Reviewer], &["review"], care),
        ("ravi", &[Role::Reviewer], &["review"], care),
        ("lena", &[Role::Reviewer], &["legal"], care),
        ("alex", &[Role::Author], &[], care),
        ("sam", &[Role::Author], &[], care),
        ("ada", &[Role::Admin], &[], care),
        ("olga", &[Role::Reviewer], &["review"], other),
    ];
    for (username, roles, steps, team) in users {
        admin::add_user(
            server,
            &Trail::console(),
            NewUser {
                username: username.to_string(),
                display_name: username.to_uppercase(),
                password: countersign_core::Sensitive::new(PASSWORD.to_string()),
                roles: roles.to_vec(),
                steps: steps.iter().map(|s| s.to_string()).collect(),
                teams: vec![team],
            },
        )
        .await
        .expect("add user");
    }
}

/// A signed-in HTTP session, for the author's side of a test.
pub struct Http {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Http {
    /// Writes a draft and returns it.
    #[allow(clippy::disallowed_methods)] // a schedule relative to the real now
    pub async fn create_draft(&self, body: &str, steps: &[&str]) -> Draft {
        let draft = NewDraft {
            team: None,
            network: Network::X,
            channel: "@northwind_help".to_string(),
            body: body.to_string(),
            urgency: Urgency::Normal,
            scheduled_at: Some(Utc::now() + ChronoDuration::minutes(40)),
            required_steps: Some(
                steps
                    .iter()
                    .map(|s| StepRequest::Name(s.to_string()))
                    .collect(),
            ),
            in_reply_to: None,
            media: vec![],
        };
        self.http
            .post(format!("{}/api/v1/drafts", self.base))
            .bearer_auth(&self.token)
            .json(&draft)
            .send()
            .await
            .expect("create draft")
            .error_for_status()
            .expect("draft accepted")
            .json()
            .await
            .expect("draft body")
    }

    /// Writes `n` drafts.
    pub async fn create_drafts(&self, n: usize) -> Vec<Draft> {
        let mut drafts = Vec::with_capacity(n);
        for i in 0..n {
            let body = format!("Reply {i}: thanks for getting in touch, we are on it.");
            drafts.push(self.create_draft(&body, &["review"]).await);
        }
        drafts
    }

    pub async fn edit(&self, draft: &Draft, body: &str) -> Draft {
        self.http
            .patch(format!("{}/api/v1/drafts/{}", self.base, draft.id))
            .bearer_auth(&self.token)
            .json(&EditDraft {
                version: draft.version,
                body: body.to_string(),
            })
            .send()
            .await
            .expect("edit")
            .error_for_status()
            .expect("edit accepted")
            .json()
            .await
            .expect("draft body")
    }

    pub async fn withdraw(&self, draft: &Draft) -> Draft {
        self.http
            .post(format!("{}/api/v1/drafts/{}/withdraw", self.base, draft.id))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("withdraw")
            .error_for_status()
            .expect("withdraw accepted")
            .json()
            .await
            .expect("draft body")
    }

    pub async fn get_draft(&self, id: DraftId) -> Draft {
        self.http
            .get(format!("{}/api/v1/drafts/{id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get draft")
            .error_for_status()
            .expect("draft readable")
            .json()
            .await
            .expect("draft body")
    }
}

/// A desktop installation: its own data folder and keychain service.
pub struct Desktop {
    pub app: App,
    /// Kept so the folder lives as long as the desktop.
    _dir: TempDir,
    pub keychain: Arc<dyn SecretStore>,
    config: AppConfig,
}

/// Which keychain a desktop uses.
pub enum Keys {
    /// The OS keychain (Secret Service in CI) under a unique test-only service name.
    Os,
    /// In memory.
    Memory,
}

impl Desktop {
    pub async fn new(keys: Keys) -> Desktop {
        Desktop::new_with(keys, |_| {}).await
    }

    /// A desktop whose configuration `tune` may change (page sizes, say).
    pub async fn new_with(keys: Keys, tune: impl FnOnce(&mut AppConfig)) -> Desktop {
        let store: Arc<dyn SecretStore> = match keys {
            Keys::Os => Arc::new(OsKeychain::new(format!(
                "countersign-test-{}",
                uuid::Uuid::new_v4()
            ))),
            Keys::Memory => Arc::new(MemoryKeychain::default()),
        };
        let dir = TempDir::new().expect("temp dir");
        let mut config = AppConfig::new(dir.path().join("data"), Keychain::new(Arc::clone(&store)));
        config.sync.base_backoff = std::time::Duration::from_millis(10);
        config.sync.max_backoff = std::time::Duration::from_millis(50);
        tune(&mut config);
        let app = App::open(config.clone()).await.expect("open app");
        Desktop {
            app,
            _dir: dir,
            keychain: store,
            config,
        }
    }

    /// A desktop signed in to `server` as `username`, with its first sync done.
    pub async fn signed_in(server: &TestServer, username: &str, keys: Keys) -> Desktop {
        let desktop = Desktop::new(keys).await;
        desktop.sign_in(&server.url(), username).await;
        desktop.app.sync_now().await.expect("first sync");
        desktop
    }

    pub async fn sign_in(&self, url: &str, username: &str) {
        self.app
            .sign_in(url, username, PASSWORD, None)
            .await
            .expect("sign in");
    }

    /// Closes the app and opens it again on the same data and keychain, like a restart.
    pub async fn restart(&mut self) {
        self.app = App::open(self.config.clone()).await.expect("reopen app");
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    pub async fn queue_ids(&self) -> Vec<DraftId> {
        self.app
            .queue(QueueFilter::default())
            .await
            .expect("queue")
            .into_iter()
            .map(|item| item.id)
            .collect()
    }

    pub async fn pending(&self) -> u64 {
        self.app.status().await.expect("status").pending
    }
}

/// How many decisions the server recorded on a draft: 1 means applied exactly once.
pub fn decided_count(draft: &Draft) -> usize {
    draft
        .history
        .iter()
        .filter(|h| matches!(h.event, HistoryEvent::Decided { .. }))
        .count()
}
