//! A server on loopback for one test, a small organisation in it, and HTTP helpers.

use countersign_core::wire::NewDraft;
use countersign_core::{
    Channel, Draft, DraftId, Network, Role, Sensitive, StepRule, TeamId, UserId,
};
use countersign_server::admin::{self, NewUser};
use countersign_server::trail::Trail;
use countersign_server::{Server, ServerConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

pub const PASSWORD: &str = "correct horse battery staple";

/// A server serving on `127.0.0.1:0` until dropped.
pub struct TestServer {
    pub url: String,
    pub server: Server,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The serving task, awaited by [`TestServer::restart`].
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    config: ServerConfig,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with(|_| {}).await
    }

    /// Starts a server after `configure` adjusts its configuration.
    pub async fn with(configure: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(dir.path());
        configure(&mut config);
        Self::serve_in(dir, config).await
    }

    /// Stops serving (waiting until the server has stopped, its webhook deliverer too) and
    /// serves the same data directory again with the same configuration, on a new port.
    pub async fn restart(mut self) -> Self {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
        Self::serve_in(dir, self.config.clone()).await
    }

    async fn serve_in(dir: tempfile::TempDir, config: ServerConfig) -> Self {
        let server = countersign_server::open(config.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(countersign_server::serve(listener, server.clone(), async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            url,
            server,
            http,
            stop: Some(stop),
            task: Some(task),
            config,
            _dir: dir,
        }
    }

    /// The data directory (the database file is `countersign.db` in it).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// `POST /api/v1/sessions`, raw.
    pub async fn sign_in_raw(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.at("/api/v1/sessions"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Signs in and returns the access token and the refresh token.
    pub async fn sign_in(&self, username: &str) -> Session {
        let (status, body) = self.sign_in_raw(username, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "signing in as {username}: {body}");
        Session {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Signs in with the demo password and returns the access token.
    pub async fn sign_in_demo(&self, username: &str) -> String {
        let (status, body) = self
            .sign_in_raw(username, countersign_server::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(status, StatusCode::OK, "signing in as {username}: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, self.at(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    /// Any request: with a bearer token or none, with a JSON body or none.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.unwrap()).await
    }

    /// `POST /api/v1/sessions/refresh` with this refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let body = json!({ "refresh_token": refresh_token });
        self.call(
            reqwest::Method::POST,
            "/api/v1/sessions/refresh",
            None,
            Some(&body),
        )
        .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, body).await
    }

    /// `POST /api/v1/push` of these mutations from `client`, expecting 200; the results.
    pub async fn push(&self, token: &str, client: &str, mutations: Vec<Value>) -> Vec<Value> {
        let (status, body) = self
            .post(
                "/api/v1/push",
                token,
                &json!({"client_id": client, "mutations": mutations}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "push: {body}");
        body["results"].as_array().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A signed-in session's tokens.
pub struct Session {
    pub access: String,
    pub refresh: String,
}

/// The status and JSON body of a response (`Value::Null` when the body is not JSON).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts the uniform error shape and returns the code.
pub fn error_code(body: &Value) -> &str {
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "an error must carry a message: {body}"
    );
    error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// Two teams, their channels and their people:
/// - Care: reviewers `rita` and `rob`, author `alex`; channels `care-x` (`@care_example` on
///   X) and `care-bluesky` (`@care.example` on Bluesky), one review each;
/// - Brand: reviewer `bea`, author `agency`; channel `brand-x` (`@brand_example` on X);
/// - `root`, an administrator.
pub struct Org {
    pub care: TeamId,
    pub brand: TeamId,
    pub alex: UserId,
    pub agency: UserId,
    /// Every account of the organisation by username (`rita`, `root`, ...).
    pub ids: std::collections::HashMap<&'static str, UserId>,
}

pub async fn org(server: &Server) -> Org {
    let care = admin::create_team(server, &Trail::console(), "Care")
        .await
        .unwrap();
    let brand = admin::create_team(server, &Trail::console(), "Brand")
        .await
        .unwrap();
    for (name, network, account, team) in [
        ("care-x", Network::X, "@care_example", "Care"),
        ("care-bluesky", Network::Bluesky, "@care.example", "Care"),
        ("brand-x", Network::X, "@brand_example", "Brand"),
    ] {
        add_channel(server, name, network, account, team, &[]).await;
    }
    let mut ids = std::collections::HashMap::new();
    for (name, roles, steps, team) in [
        ("rita", vec![Role::Reviewer], vec!["review"], Some(care)),
        ("rob", vec![Role::Reviewer], vec!["review"], Some(care)),
        ("alex", vec![Role::Author], vec![], Some(care)),
        ("bea", vec![Role::Reviewer], vec!["review"], Some(brand)),
        ("agency", vec![Role::Author], vec![], Some(brand)),
        ("root", vec![Role::Admin], vec![], None),
    ] {
        let id = admin::add_user(
            server,
            &Trail::console(),
            NewUser {
                username: name.into(),
                display_name: name.to_uppercase(),
                password: Sensitive::new(PASSWORD.into()),
                roles,
                steps: steps.into_iter().map(String::from).collect(),
                teams: team.into_iter().collect(),
            },
        )
        .await
        .unwrap();
        ids.insert(name, id);
    }
    Org {
        care,
        brand,
        alex: ids["alex"],
        agency: ids["agency"],
        ids,
    }
}

/// Adds an account with the test password.
pub async fn add_user(
    server: &Server,
    username: &str,
    roles: &[Role],
    steps: &[&str],
    teams: &[&str],
) -> UserId {
    let mut team_ids = vec![];
    for name in teams {
        team_ids.push(admin::team_named(server, name).await.unwrap().id);
    }
    admin::add_user(
        server,
        &Trail::console(),
        NewUser {
            username: username.into(),
            display_name: username.to_uppercase(),
            password: Sensitive::new(PASSWORD.into()),
            roles: roles.to_vec(),
            steps: steps.iter().map(|s| (*s).to_owned()).collect(),
            teams: team_ids,
        },
    )
    .await
    .unwrap()
}

/// Adds a channel whose policy is `policy` (`["review:2"]`; empty: one review).
pub async fn add_channel(
    server: &Server,
    name: &str,
    network: Network,
    account: &str,
    team: &str,
    policy: &[&str],
) -> Channel {
    admin::add_channel(
        server,
        &Trail::console(),
        countersign_core::wire::admin::NewChannel {
            name: Some(name.into()),
            network,
            account: account.into(),
            team: team.into(),
            policy: policy.iter().map(|p| StepRule::parse(p).unwrap()).collect(),
        },
    )
    .await
    .unwrap()
}

/// The request for a plain draft on `channel`: normal urgency, no extra steps.
pub fn new_draft(channel: &Channel, body: &str) -> NewDraft {
    NewDraft {
        team: None,
        network: channel.network,
        channel: channel.account.clone(),
        body: body.into(),
        urgency: countersign_core::Urgency::Normal,
        scheduled_at: None,
        required_steps: None,
        in_reply_to: None,
        media: vec![],
    }
}

/// A pending draft written by `author` on the channel called `channel`.
pub async fn draft_on(server: &Server, author: UserId, channel: &str, body: &str) -> Draft {
    let channel = admin::channel_named(server, channel).await.unwrap();
    admin::create_draft(server, &Trail::console(), author, new_draft(&channel, body))
        .await
        .unwrap()
}

/// A pending draft written by `author` on their team's first channel.
pub async fn draft_by(server: &Server, author: UserId, body: &str) -> Draft {
    let users = admin::list_users(server).await.unwrap();
    let team_name = &users.iter().find(|u| u.id == author).unwrap().teams[0];
    let team = admin::team_named(server, team_name).await.unwrap().id;
    let channel = admin::list_channels(server)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.team == team)
        .unwrap();
    admin::create_draft(
        server,
        &Trail::console(),
        author,
        NewDraft {
            team: None,
            network: channel.network,
            channel: channel.account,
            body: body.into(),
            urgency: countersign_core::Urgency::Normal,
            scheduled_at: None,
            required_steps: None,
            in_reply_to: None,
            media: vec![],
        },
    )
    .await
    .unwrap()
}

/// A `decide` mutation.
pub fn decide(mutation_id: u64, draft: DraftId, version: u64, verdict: &str) -> Value {
    json!({
        "mutation_id": mutation_id,
        "kind": "decide",
        "decision": {
            "id": uuid::Uuid::now_v7(),
            "draft_id": draft,
            "draft_version": version,
            "verdict": verdict,
            "comment": "checked"
        }
    })
}

/// A fresh client id.
pub fn client() -> String {
    uuid::Uuid::now_v7().to_string()
}
