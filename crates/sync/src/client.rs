//! The HTTP client for `/api/v1`: one method per endpoint, typed bodies in and out.
//!
//! Every answer is read whole and then parsed, so a cut-off or malformed answer is an error
//! before anything from it reaches the cache. The client treats the server as untrusted
//! input:
//!
//! - **Size.** An answer is read in chunks up to a limit per kind of call and no further
//!   ([`ANSWER_LIMIT`], [`SESSION_LIMIT`], [`ERROR_LIMIT`]); a declared `Content-Length`
//!   over the limit is refused before a byte of the body is read. A changes page or a push
//!   answer over the limit is asked for again in smaller pieces (half the page, half the
//!   batch, a few times), so a legitimate server with unusually large drafts still syncs,
//!   while an endless answer costs at most a few limits' worth of reading.
//! - **Redirects** are never followed: the bearer token and the reviewer's decisions go only
//!   to the address signed in to. A 3xx is [`SyncError::Redirected`].
//! - **Shape.** A field missing or of the wrong type is named by its path
//!   (`changes[3].draft.version`) in words, never by quoting the server's text.
//! - **Meaning.** A changes page whose cursor goes back or does not move on while more is
//!   said to wait, one that lists a draft twice with different contents, or a draft of a
//!   team or channel the reviewer does not review for, and a push answer that answers
//!   mutations other than those sent or carries another draft than the one decided on, are
//!   refused whole: [`SyncError::Malformed`], nothing applied.

use crate::error::SyncError;
use countersign_core::limits::MAX_PAGE_BYTES;
use countersign_core::wire::admin::{AccessEntry, CrisisOn, CrisisStatus};
use countersign_core::wire::{
    Change, ChangesResponse, Directory, ErrorBody, PushRequest, PushResponse, ReceiptKey,
    RefreshRequest, SessionRequest, SessionResponse,
};
use countersign_core::{ClientId, Draft, DraftId, Role, Sensitive};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use std::cmp::Ordering as CursorOrder;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// The most Countersign reads of one answer carrying data: a changes page, a push answer,
/// the policy pack, the access list: twice the server's byte budget for the drafts of one
/// page ([`MAX_PAGE_BYTES`], 4 MiB, which a push answer's drafts keep to as well), so 8 MiB.
/// The largest legitimate answer is that budget, plus the one draft that crosses it (field
/// caps keep a draft under about 1 MiB), plus the envelope and the directory. Measured: the
/// demo's drafts are 1.2 KB of JSON on average and 2 KB at most, the bench's 850 bytes, so
/// the first page of a pull (1,000 drafts) is 1–2 MB. A 10 MB answer is refused. Because a
/// page or a push answer over the limit is asked for again in halves (`MAX_HALVINGS`),
/// even an older server without a budget, whose 5,000-draft page is 10–15 MB, still syncs.
pub const ANSWER_LIMIT: usize = 2 * MAX_PAGE_BYTES;

/// The most Countersign reads of a sign-in, refresh or sign-out answer: two tokens and the
/// user with their roles, steps and teams, a few hundred bytes.
pub const SESSION_LIMIT: usize = 256 * KIB;

/// The most Countersign reads of an error answer (the protocol's error body is one short
/// sentence; a proxy's HTML error page is a few KB). Past it the answer is treated as a
/// plain refusal with its HTTP status.
pub const ERROR_LIMIT: usize = 64 * KIB;

/// How many times a changes page or a push batch that came back over [`ANSWER_LIMIT`] is
/// asked for again at half the size: 5,000 drafts become 625, 500 mutations 63 per push.
const MAX_HALVINGS: u32 = 3;

/// The longest cursor accepted. The server's are decimal numbers (at most 20 digits); a
/// cursor is stored in the cache and sent back with every pull, so it must stay small.
const MAX_CURSOR_LEN: usize = 256;

/// The longest piece of a server's own text (an error body's code or sentence) passed on
/// to the window.
const MAX_SERVER_TEXT: usize = 300;

/// How many requests and bytes a client has exchanged; the benchmark and the "a no-change
/// sync is one small request" check read these.
#[derive(Debug, Default)]
pub struct Traffic {
    requests: AtomicU64,
    bytes_received: AtomicU64,
}

impl Traffic {
    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Response body bytes received so far.
    pub fn bytes_received(&self) -> u64 {
        self.bytes_received.load(Ordering::Relaxed)
    }
}

/// A client of one Countersign server.
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    traffic: Arc<Traffic>,
}

impl ApiClient {
    /// A client for the server at `base_url` (`http://host:port` or `https://host`).
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = normalise_base_url(base_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            // Never follow a redirect: the token and the decisions go only where the
            // reviewer signed in. A 3xx comes back as an answer and is refused.
            .redirect(reqwest::redirect::Policy::none())
            // Give up an idle connection well before the server does (it closes one idle
            // for its header timeout, 10 s by default): a request sent on a connection the
            // server is closing at that very moment fails, where a fresh one would not.
            .pool_idle_timeout(Duration::from_secs(5))
            .user_agent(concat!("countersign-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(SyncError::Offline)?;
        Ok(Self {
            http,
            base,
            traffic: Arc::default(),
        })
    }

    /// The server address, normalised (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Requests and bytes so far.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// `POST /api/v1/sessions`.
    pub async fn sign_in(&self, request: &SessionRequest) -> Result<SessionResponse, SyncError> {
        let call = self.http.post(self.url("/api/v1/sessions")).json(request);
        self.send("sign-in", call, SESSION_LIMIT).await
    }

    /// `POST /api/v1/sessions/refresh`: spends `refresh_token`, returns a new pair.
    pub async fn refresh(
        &self,
        refresh_token: &Sensitive<String>,
    ) -> Result<SessionResponse, SyncError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.expose().clone(),
        };
        let call = self
            .http
            .post(self.url("/api/v1/sessions/refresh"))
            .json(&body);
        self.send("refresh", call, SESSION_LIMIT).await
    }

    /// `DELETE /api/v1/sessions/current`: revokes the session on the server.
    pub async fn sign_out(&self, access_token: &Sensitive<String>) -> Result<(), SyncError> {
        let call = self
            .http
            .delete(self.url("/api/v1/sessions/current"))
            .bearer_auth(access_token.expose());
        self.send_for_bytes("sign-out", call, SESSION_LIMIT)
            .await
            .map(drop)
    }

    /// `POST /api/v1/sessions/revoke`: revokes the session with its refresh token alone,
    /// for a sign-out with no access token at hand (it expired, or none was fetched since
    /// the app started). The server answers the same whether or not it knew the token.
    pub async fn sign_out_with_refresh(
        &self,
        refresh_token: &Sensitive<String>,
    ) -> Result<(), SyncError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.expose().clone(),
        };
        let call = self
            .http
            .post(self.url("/api/v1/sessions/revoke"))
            .json(&body);
        self.send_for_bytes("sign-out", call, SESSION_LIMIT)
            .await
            .map(drop)
    }

    /// `GET /api/v1/changes`: one page of the changes feed after `cursor`.
    ///
    /// The page is checked before it is returned (see the module docs): its cursor must not
    /// go back from `cursor`, must move on when more is said to wait, and no draft may be
    /// listed twice with different contents. A page over [`ANSWER_LIMIT`] is asked for
    /// again with half the `limit`, a few times, so the page returned may hold fewer
    /// changes than asked for.
    pub async fn changes(
        &self,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ChangesResponse, SyncError> {
        let mut limit = limit.max(1);
        let mut halvings = 0;
        loop {
            match self
                .changes_page(access_token, client_id, cursor, limit)
                .await
            {
                Err(SyncError::TooLarge { .. }) if limit > 1 && halvings < MAX_HALVINGS => {
                    tracing::warn!(limit, "a changes page was too large; asking for half");
                    limit = (limit / 2).max(1);
                    halvings += 1;
                }
                Err(error) => return Err(error),
                Ok(page) => {
                    self.check_page(cursor, &page)?;
                    return Ok(page);
                }
            }
        }
    }

    async fn changes_page(
        &self,
        access_token: &Sensitive<String>,
        client_id: ClientId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ChangesResponse, SyncError> {
        let client_id = client_id.to_string();
        let limit = limit.to_string();
        let mut query = vec![("client_id", client_id.as_str()), ("limit", limit.as_str())];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        let call = self
            .http
            .get(self.url("/api/v1/changes"))
            .bearer_auth(access_token.expose())
            .query(&query);
        let bytes = self.send_for_bytes("changes", call, ANSWER_LIMIT).await?;
        decode_changes(&bytes).map_err(|detail| self.malformed("changes", detail))
    }

    /// Refuses a page that lists a draft the reviewer does not review for: one of a team
    /// they are not on, or of a channel outside the ones the directory lists for them.
    /// `directory` is the latest the desktop knows (the page's own when it carries one).
    /// Administrators see every team; without any directory there is nothing to check
    /// against. Removals are always fine: forgetting a draft shows nothing new.
    pub fn check_scope(
        &self,
        page: &ChangesResponse,
        directory: Option<&Directory>,
    ) -> Result<(), SyncError> {
        let Some(directory) = page.directory.as_ref().or(directory) else {
            return Ok(());
        };
        if directory.me.roles.contains(&Role::Admin) {
            return Ok(());
        }
        let foreign = page.changes.iter().find_map(|change| match change {
            Change::Upsert { draft } => {
                let team = directory.me.teams.contains(&draft.team);
                let channel = draft
                    .channel_id
                    .is_none_or(|id| directory.channels.iter().any(|c| c.channel.id == id));
                (!(team && channel)).then_some(draft.id)
            }
            Change::Remove { .. } => None,
        });
        match foreign {
            Some(id) => Err(self.malformed(
                "changes",
                format!("it holds draft {id}, of a team or channel you do not review for"),
            )),
            None => Ok(()),
        }
    }

    /// `POST /api/v1/push`: a batch of the outbox, in order.
    ///
    /// The answer must answer exactly the mutations sent, in order, and a result's draft
    /// must be the one its mutation is about. A batch whose answer is over
    /// [`ANSWER_LIMIT`] is sent again as two halves, in order, a few times over: the server
    /// answers a repeat with its first result, so this applies nothing twice.
    pub async fn push(
        &self,
        access_token: &Sensitive<String>,
        request: &PushRequest,
    ) -> Result<PushResponse, SyncError> {
        // The answers of the pieces sent so far, joined in order.
        let mut joined: Option<PushResponse> = None;
        // Pieces still to send, in order, each with how many times it was halved.
        let mut pieces = vec![(&request.mutations[..], 0u32)];
        while let Some((piece, halvings)) = pieces.pop() {
            let part = PushRequest {
                client_id: request.client_id,
                mutations: piece.to_vec(),
                // Ids declared skipped come before every mutation: they go with the first.
                skip: if joined.is_none() { request.skip } else { None },
            };
            match self.push_piece(access_token, &part).await {
                Err(SyncError::TooLarge { .. }) if piece.len() > 1 && halvings < MAX_HALVINGS => {
                    tracing::warn!(
                        mutations = piece.len(),
                        "a push answer was too large; sending the batch in halves"
                    );
                    let (front, back) = piece.split_at(piece.len() / 2);
                    pieces.push((back, halvings + 1));
                    pieces.push((front, halvings + 1));
                }
                Err(error) => return Err(error),
                Ok(answer) => match joined.as_mut() {
                    None => joined = Some(answer),
                    Some(so_far) => {
                        so_far.results.extend(answer.results);
                        so_far.drafts.extend(answer.drafts);
                    }
                },
            }
        }
        joined.ok_or_else(|| self.malformed("push", "it answered nothing".to_string()))
    }

    async fn push_piece(
        &self,
        access_token: &Sensitive<String>,
        request: &PushRequest,
    ) -> Result<PushResponse, SyncError> {
        let call = self
            .http
            .post(self.url("/api/v1/push"))
            .bearer_auth(access_token.expose())
            .json(request);
        let response: PushResponse = self.send("push", call, ANSWER_LIMIT).await?;
        check_push_answer(request, &response).map_err(|detail| self.malformed("push", detail))?;
        Ok(response)
    }

    /// `GET /api/v1/policy`: the organisation's policy pack, as its version and the JSON
    /// the desktop caches. This crate does not read packs; it checks only that the answer
    /// is a JSON object with a version.
    pub async fn policy(
        &self,
        access_token: &Sensitive<String>,
    ) -> Result<(u64, String), SyncError> {
        let call = self
            .http
            .get(self.url("/api/v1/policy"))
            .bearer_auth(access_token.expose());
        let pack: serde_json::Map<String, serde_json::Value> =
            self.send("policy", call, ANSWER_LIMIT).await?;
        let version = pack
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| self.malformed("policy", "the policy pack has no version".into()))?;
        let json = serde_json::to_string(&pack)
            .map_err(|_| self.malformed("policy", "the policy pack cannot be stored".into()))?;
        Ok((version, json))
    }

    /// `GET /api/v1/receipts/key`: the public half of the server's receipt-signing key. No
    /// token: the key is public, so anyone can check a receipt.
    pub async fn receipt_key(&self) -> Result<ReceiptKey, SyncError> {
        let call = self.http.get(self.url("/api/v1/receipts/key"));
        self.send("receipt-key", call, SESSION_LIMIT).await
    }

    /// `GET /api/v1/admin/access` (administrators): who has access to what.
    pub async fn access(
        &self,
        access_token: &Sensitive<String>,
    ) -> Result<Vec<AccessEntry>, SyncError> {
        let call = self
            .http
            .get(self.url("/api/v1/admin/access"))
            .bearer_auth(access_token.expose());
        self.send("access", call, ANSWER_LIMIT).await
    }

    /// `POST /api/v1/admin/crisis/on` (administrators).
    pub async fn crisis_on(
        &self,
        access_token: &Sensitive<String>,
        request: &CrisisOn,
    ) -> Result<CrisisStatus, SyncError> {
        let call = self
            .http
            .post(self.url("/api/v1/admin/crisis/on"))
            .bearer_auth(access_token.expose())
            .json(request);
        self.send("crisis on", call, ANSWER_LIMIT).await
    }

    /// `POST /api/v1/admin/crisis/off` (administrators).
    pub async fn crisis_off(
        &self,
        access_token: &Sensitive<String>,
    ) -> Result<CrisisStatus, SyncError> {
        let call = self
            .http
            .post(self.url("/api/v1/admin/crisis/off"))
            .bearer_auth(access_token.expose());
        self.send("crisis off", call, ANSWER_LIMIT).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// [`SyncError::Malformed`] for this server.
    pub fn malformed(&self, endpoint: &'static str, detail: String) -> SyncError {
        SyncError::Malformed {
            endpoint,
            server: self.base.clone(),
            detail,
        }
    }

    /// Checks a changes page against the cursor it was asked for with.
    fn check_page(&self, sent: Option<&str>, page: &ChangesResponse) -> Result<(), SyncError> {
        page_problem(sent, page).map_or(Ok(()), |detail| Err(self.malformed("changes", detail)))
    }

    async fn send<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        call: RequestBuilder,
        limit: usize,
    ) -> Result<T, SyncError> {
        let bytes = self.send_for_bytes(endpoint, call, limit).await?;
        decode(&bytes).map_err(|detail| self.malformed(endpoint, detail))
    }

    async fn send_for_bytes(
        &self,
        endpoint: &'static str,
        call: RequestBuilder,
        limit: usize,
    ) -> Result<Vec<u8>, SyncError> {
        self.traffic.requests.fetch_add(1, Ordering::Relaxed);
        let mut response = call.send().await.map_err(classify_send_error)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(SyncError::Redirected {
                endpoint,
                server: self.base.clone(),
                location: redirect_target(&response),
            });
        }
        if !status.is_success() {
            // An error body is read only so far: past that it is not the protocol's.
            let (bytes, _) = self.read_at_most(&mut response, ERROR_LIMIT).await?;
            return Err(refusal(endpoint, &self.base, status, &bytes));
        }
        match self.read_at_most(&mut response, limit).await? {
            (bytes, false) => Ok(bytes),
            (_, true) => Err(SyncError::TooLarge {
                endpoint,
                server: self.base.clone(),
                limit_mib: limit.div_ceil(MIB),
            }),
        }
    }

    /// Reads the body up to `limit` bytes. Returns what was read and whether the body goes
    /// on past the limit; then the rest is never read (the connection is dropped). A
    /// declared length over the limit is refused before reading anything.
    async fn read_at_most(
        &self,
        response: &mut reqwest::Response,
        limit: usize,
    ) -> Result<(Vec<u8>, bool), SyncError> {
        let declared = response.content_length().unwrap_or(0);
        if usize::try_from(declared).map_or(true, |n| n > limit) {
            return Ok((Vec::new(), true));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(SyncError::Interrupted)? {
            self.traffic
                .bytes_received
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            if bytes.len() + chunk.len() > limit {
                let room = limit - bytes.len();
                bytes.extend_from_slice(&chunk[..room]);
                return Ok((bytes, true));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, false))
    }
}

fn classify_send_error(error: reqwest::Error) -> SyncError {
    if error.is_body() || error.is_decode() {
        SyncError::Interrupted(error)
    } else {
        SyncError::Offline(error)
    }
}

/// Parses an answer, describing what is wrong in words: which field (by its path in the
/// answer) is missing or has the wrong type. Never quotes the answer itself.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        // serde_json reports some values of the wrong kind (a number where an enum's name
        // belongs) as syntax errors; if the text is JSON after all, it is the shape.
        let syntax = matches!(e.inner().classify(), serde_json::error::Category::Syntax);
        if syntax && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
            describe_wrong_type("", &e)
        } else {
            describe(&e)
        }
    })?;
    json.end()
        .map_err(|_| "more follows the end of the JSON".to_string())?;
    Ok(value)
}

/// [`decode`] for a changes page. A change is an internally tagged enum, which serde reads
/// through a buffer that loses the path inside it; when a change is at fault, its draft is
/// read again on its own to name the field (`changes[3].draft.version`, not `changes[3]`).
fn decode_changes(bytes: &[u8]) -> Result<ChangesResponse, String> {
    decode(bytes).map_err(|detail| refine_change_error(bytes).unwrap_or(detail))
}

fn refine_change_error(bytes: &[u8]) -> Option<String> {
    let page: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    page.get("changes")?
        .as_array()?
        .iter()
        .enumerate()
        .filter(|(_, change)| change.get("kind").and_then(|k| k.as_str()) == Some("upsert"))
        .find_map(|(n, change)| {
            let draft = change.get("draft")?;
            serde_path_to_error::deserialize::<_, Draft>(draft)
                .err()
                .map(|e| describe_at(&format!("changes[{n}].draft"), &e))
        })
}

fn describe(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    describe_at("", error)
}

/// "`path` has the wrong type", for an error in JSON that is valid as such.
fn describe_wrong_type(
    prefix: &str,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> String {
    format!("{} has the wrong type", subject(&full_path(prefix, error)))
}

/// How a message names the value at `path`: the answer itself, or the field by its path.
fn subject(path: &str) -> String {
    if path == "." {
        "the answer".to_string()
    } else {
        format!("`{path}`")
    }
}

fn full_path(prefix: &str, error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner_path = error.path().to_string();
    match (prefix, inner_path.as_str()) {
        ("", inner) => clean(inner, 120),
        (prefix, ".") => prefix.to_string(),
        (prefix, inner) => clean(&format!("{prefix}.{inner}"), 120),
    }
}

/// Describes a parse error in words; `prefix` is the path of the value that was parsed.
fn describe_at(prefix: &str, error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_json::error::Category;
    let path = full_path(prefix, error);
    let inner = error.inner();
    match inner.classify() {
        Category::Eof => "it ends too soon: the answer was cut off".to_string(),
        Category::Syntax | Category::Io => "it is not valid JSON".to_string(),
        Category::Data => {
            let message = inner.to_string();
            let at = subject(&path);
            if let Some(field) = missing_field(&message) {
                if path == "." {
                    format!("`{field}` is missing")
                } else {
                    format!("`{path}.{field}` is missing")
                }
            } else if message.starts_with("invalid type") {
                format!("{at} has the wrong type")
            } else if message.starts_with("unknown variant") {
                format!("{at} has a value Countersign does not know")
            } else {
                format!("{at} has a value Countersign cannot use")
            }
        }
    }
}

/// The field named by serde's "missing field `name`" message. Field names come from
/// Countersign's own types, not from the answer.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().filter(|f| !f.is_empty())
}

/// What is wrong with a changes page asked for after `sent`, if anything.
///
/// Cursors are opaque, but they are ordered: a later position is never a shorter text or, at
/// the same length, a smaller one ("shortlex", which is numeric order for the server's
/// decimal cursors). A server restored from a backup does not send a page from behind the
/// desktop's cursor: it answers `409 cursor_ahead` and the desktop starts again. So a page
/// whose cursor is behind is refused, as is one that says more is waiting without moving
/// on (pulling it again would loop forever).
fn page_problem(sent: Option<&str>, page: &ChangesResponse) -> Option<String> {
    let next = page.next_cursor.as_str();
    if next.len() > MAX_CURSOR_LEN {
        return Some(format!(
            "its cursor is longer than {MAX_CURSOR_LEN} characters"
        ));
    }
    let sent = sent.unwrap_or("");
    match cursor_order(next, sent) {
        CursorOrder::Less => {
            return Some(
                "its cursor goes back to an earlier place in the feed, and the server did not \
                 say it was restored from a backup"
                    .to_string(),
            );
        }
        CursorOrder::Equal if page.has_more => {
            return Some("it says more changes wait but its cursor does not move on".to_string());
        }
        _ => {}
    }
    let mut seen: HashMap<DraftId, &Change> = HashMap::with_capacity(page.changes.len());
    for change in &page.changes {
        let id = match change {
            Change::Upsert { draft } => draft.id,
            Change::Remove { draft_id } => *draft_id,
        };
        // The same draft twice, identical, happens (a scope change lists a draft the
        // ordinary feed lists too); twice with different contents cannot be applied.
        if seen
            .insert(id, change)
            .is_some_and(|earlier| earlier != change)
        {
            return Some(format!(
                "it lists draft {id} twice, with different contents"
            ));
        }
    }
    None
}

/// The order of two cursors: by length, then byte by byte.
fn cursor_order(a: &str, b: &str) -> CursorOrder {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Where a redirect pointed, as scheme, host and port: enough for the reviewer to see an
/// `http://` server moving to `https://`, never the server's whole text.
fn redirect_target(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|location| response.url().join(location).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(|url| url.origin().ascii_serialization())
        .map(|origin| clean(&origin, 120))
        .unwrap_or_else(|| "another address".to_string())
}

/// Turns an error answer into [`SyncError::Refused`], keeping the server's code when the
/// body is the protocol's error shape and inventing a plain one when it is not (a proxy's
/// HTML page, say). The server's code and sentence are cleaned and shortened.
fn refusal(endpoint: &'static str, server: &str, status: StatusCode, bytes: &[u8]) -> SyncError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => (
            clean(&body.error.code, 64),
            clean(&body.error.message, MAX_SERVER_TEXT),
        ),
        Err(_) => (
            format!("http_{}", status.as_u16()),
            status
                .canonical_reason()
                .unwrap_or("unexpected answer")
                .to_string(),
        ),
    };
    SyncError::Refused {
        endpoint,
        server: server.to_string(),
        status: status.as_u16(),
        code,
        message,
    }
}

/// A server's text made fit for the status line: control characters become spaces,
/// characters that change the direction or visibility of the text around them (bidi
/// overrides and isolates, zero-width marks) are dropped, and it is cut to `max` characters.
fn clean(text: &str, max: usize) -> String {
    let invisible = |c: char| {
        matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
            | '\u{061C}' | '\u{FEFF}')
    };
    let mut out = String::new();
    for (n, c) in text
        .chars()
        .filter(|c| !invisible(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .enumerate()
    {
        if n == max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// What is wrong with a push answer, if anything: it must answer exactly the mutations
/// sent, in order (acting on anything else could drop an unanswered decision), and a
/// result's draft must be the draft its mutation is about (else the conflict would show the
/// reviewer a draft they never decided on).
fn check_push_answer(request: &PushRequest, response: &PushResponse) -> Result<(), String> {
    let sent = request.mutations.len();
    let answered = response.results.len();
    for (mutation, result) in request.mutations.iter().zip(&response.results) {
        if mutation.mutation_id != result.mutation_id {
            return Err(format!(
                "it answers mutation {} where mutation {} was sent",
                result.mutation_id.0, mutation.mutation_id.0
            ));
        }
        if let Some(draft) = &result.draft
            && draft.id != mutation.kind.draft_id()
        {
            return Err(format!(
                "its answer to mutation {} carries draft {}, not the draft decided on",
                result.mutation_id.0, draft.id
            ));
        }
    }
    if sent != answered {
        return Err(format!(
            "it answers {answered} mutations where {sent} were sent"
        ));
    }
    // The drafts an answer carries are those its conflicts are about, no others.
    if let Some(draft) = response
        .drafts
        .iter()
        .find(|d| !request.mutations.iter().any(|m| m.kind.draft_id() == d.id))
    {
        return Err(format!(
            "it carries draft {}, which no mutation sent is about",
            draft.id
        ));
    }
    Ok(())
}

fn normalise_base_url(raw: &str) -> Result<String, SyncError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let parsed =
        reqwest::Url::parse(trimmed).map_err(|_| SyncError::InvalidServerUrl(raw.to_string()))?;
    let usable = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if usable {
        Ok(trimmed.to_string())
    } else {
        Err(SyncError::InvalidServerUrl(raw.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const SERVER: &str = "http://127.0.0.1:7878";
    const TEAM: &str = "01a23bb3-18db-7a29-b361-9929c3afb685";
    const CHANNEL: &str = "01a23bb3-18df-7f48-89cc-de81125faecd";

    fn draft(id: u128, body: &str) -> Value {
        json!({
            "id": uuid::Uuid::from_u128(id), "version": 1, "status": "pending",
            "network": "x", "channel": "@HartwellLane", "channel_id": CHANNEL, "team": TEAM,
            "body": body,
            "author": {"id": uuid::Uuid::from_u128(99), "username": "ellie", "display_name": "Ellie"},
            "urgency": "normal", "scheduled_at": null,
            "required_steps": [{"step": "review", "quorum": 1}], "approvals": [],
            "in_reply_to": null, "media": [],
            "created_at": "2026-12-03T11:28:42Z", "updated_at": "2026-12-03T11:28:42Z",
            "history": []
        })
    }

    fn page(changes: Vec<Value>, next_cursor: &str, has_more: bool) -> Value {
        json!({"changes": changes, "next_cursor": next_cursor, "has_more": has_more,
               "last_mutation_id": 0})
    }

    fn upsert(draft: Value) -> Value {
        json!({"kind": "upsert", "draft": draft})
    }

    fn parsed(value: &Value) -> ChangesResponse {
        decode(value.to_string().as_bytes()).unwrap_or_else(|e| panic!("a valid page: {e}"))
    }

    fn problem(sent: Option<&str>, value: Value) -> Option<String> {
        page_problem(sent, &parsed(&value))
    }

    #[test]
    fn server_addresses_are_checked_and_normalised() {
        let cases = [
            ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            (
                "https://approvals.example.org/",
                Some("https://approvals.example.org"),
            ),
            (" http://localhost:3000// ", Some("http://localhost:3000")),
            ("ftp://example.org", None),
            ("example.org", None),
            ("http://", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            let got = normalise_base_url(raw).ok();
            assert_eq!(got.as_deref(), expected, "{raw:?}");
        }
    }

    #[test]
    fn error_bodies_keep_the_server_code_and_others_get_a_plain_one() {
        let body = br#"{"error":{"code":"token_expired","message":"sign in again"}}"#;
        let e = refusal("changes", SERVER, StatusCode::UNAUTHORIZED, body);
        assert!(e.is_token_expired());
        assert!(!e.is_retryable());

        let e = refusal(
            "changes",
            SERVER,
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.code(), Some("http_502"));
        assert!(e.is_retryable(), "a 502 from a proxy is worth retrying");
        assert!(e.to_string().contains(SERVER), "names the server: {e}");
    }

    #[test]
    fn a_servers_error_sentence_is_cleaned_and_shortened() {
        let message = format!("ok\u{202E}desrever\u{200B}\n{}", "x".repeat(10_000));
        let body = json!({"error": {"code": "bad\u{202E}code", "message": message}});
        let e = refusal(
            "push",
            SERVER,
            StatusCode::BAD_REQUEST,
            body.to_string().as_bytes(),
        );
        let SyncError::Refused { code, message, .. } = &e else {
            panic!("a refusal: {e:?}");
        };
        assert_eq!(code, "badcode", "no direction override in the code");
        assert!(message.starts_with("okdesrever x"), "{message:?}");
        assert!(
            !message.contains(['\u{202E}', '\u{200B}', '\n']),
            "no override, zero-width or control character: {message:?}"
        );
        assert_eq!(
            message.chars().count(),
            MAX_SERVER_TEXT + 1,
            "cut to the limit and an ellipsis"
        );
    }

    #[test]
    fn a_field_of_the_wrong_type_or_missing_is_named_by_its_path_without_the_servers_text() {
        let mut wrong = draft(1, "hello");
        wrong["version"] = json!("<script>two</script>");
        let mut missing = draft(2, "hello");
        missing.as_object_mut().expect("object").remove("id");
        let mut unknown = draft(3, "hello");
        unknown["status"] = json!("exploded");
        let cases = [
            (
                page(vec![upsert(wrong)], "1", false),
                "`changes[0].draft.version` has the wrong type",
            ),
            (
                page(vec![upsert(missing)], "1", false),
                "`changes[0].draft.id` is missing",
            ),
            (
                page(vec![upsert(unknown)], "1", false),
                "`changes[0].draft.status` has a value Countersign does not know",
            ),
            (
                json!({"changes": [], "has_more": false, "last_mutation_id": 0}),
                "`next_cursor` is missing",
            ),
            (
                json!({"changes": [], "next_cursor": 7, "has_more": false, "last_mutation_id": 0}),
                "`next_cursor` has the wrong type",
            ),
            (json!("a page"), "the answer has the wrong type"),
            (
                json!({"changes": [{"kind": 7}], "next_cursor": "1", "has_more": false,
                       "last_mutation_id": 0}),
                "`changes[0]",
            ),
        ];
        for (value, expected) in cases {
            let detail = decode_changes(value.to_string().as_bytes()).expect_err("refused");
            assert!(
                detail.contains(expected),
                "{value}: expected {expected:?}, got {detail:?}"
            );
            assert!(!detail.contains("<script>"), "no server text: {detail}");
            assert!(!detail.contains("line 1"), "no parser positions: {detail}");
        }
        let status_a_number = json!({"results": [{"mutation_id": 1, "status": 5}]});
        assert_eq!(
            decode::<PushResponse>(status_a_number.to_string().as_bytes()).expect_err("refused"),
            "`results[0].status` has the wrong type",
            "valid JSON of the wrong shape is not called invalid JSON"
        );
        assert_eq!(
            decode::<ChangesResponse>(b"<html>hello</html>").expect_err("not JSON"),
            "it is not valid JSON"
        );
        assert_eq!(
            decode::<ChangesResponse>(br#"{"changes": [{"kind""#).expect_err("cut off"),
            "it ends too soon: the answer was cut off"
        );
        assert_eq!(
            decode::<ChangesResponse>(page(vec![], "1", false).to_string().repeat(2).as_bytes())
                .expect_err("two documents"),
            "more follows the end of the JSON"
        );
    }

    #[test]
    fn a_cursor_that_goes_back_or_stands_still_with_more_waiting_is_refused() {
        let back = problem(Some("17"), page(vec![], "9", false)).expect("refused");
        assert!(back.contains("goes back"), "{back}");
        assert!(
            problem(Some("100"), page(vec![], "99", false)).is_some(),
            "numeric, not text, order: 99 is before 100"
        );
        let stuck = problem(Some("17"), page(vec![], "17", true)).expect("refused");
        assert!(stuck.contains("does not move on"), "{stuck}");
        assert!(
            problem(None, page(vec![], "", true)).is_some(),
            "from the start, an empty cursor with more waiting would loop"
        );
        assert!(
            problem(Some("17"), page(vec![], "", false)).is_some(),
            "the empty cursor is the start of the feed: behind 17"
        );
        let long = "9".repeat(MAX_CURSOR_LEN + 1);
        assert!(
            problem(None, page(vec![], &long, false)).is_some(),
            "a huge cursor"
        );

        for (sent, next, has_more) in [
            (Some("17"), "17", false),
            (Some("17"), "18", true),
            (Some("99"), "100", false),
            (None, "5", true),
            (None, "", false),
            (Some(""), "0", false),
        ] {
            assert_eq!(
                problem(sent, page(vec![], next, has_more)),
                None,
                "{sent:?} then {next:?} (has_more {has_more}) is a legitimate page"
            );
        }
    }

    #[test]
    fn a_draft_twice_in_one_page_is_refused_only_when_the_two_differ() {
        let same = page(
            vec![upsert(draft(1, "a")), upsert(draft(1, "a"))],
            "2",
            false,
        );
        assert_eq!(problem(None, same), None, "identical repeats are harmless");
        let differ = page(
            vec![upsert(draft(1, "a")), upsert(draft(1, "b"))],
            "2",
            false,
        );
        let detail = problem(None, differ).expect("refused");
        assert!(detail.contains("twice"), "{detail}");
        let id = uuid::Uuid::from_u128(1);
        let upsert_then_remove = page(
            vec![
                upsert(draft(1, "a")),
                json!({"kind": "remove", "draft_id": id}),
            ],
            "2",
            false,
        );
        assert!(problem(None, upsert_then_remove).is_some());
    }

    fn directory(teams: &[&str], channels: &[&str], admin: bool) -> Value {
        let roles = if admin {
            json!(["admin"])
        } else {
            json!(["reviewer"])
        };
        let channels: Vec<Value> = channels
            .iter()
            .map(|id| {
                json!({"id": id, "name": "care-x", "network": "x", "account": "@HartwellLane",
                       "team": TEAM, "policy": [], "team_name": "Care", "in_crisis": false,
                       "spokespeople": []})
            })
            .collect();
        json!({
            "me": {"id": uuid::Uuid::from_u128(5), "username": "rita", "display_name": "Rita",
                   "roles": roles, "steps": ["review"], "teams": teams},
            "channels": channels,
            "crisis": {"channels": {"kind": "none"}},
            "policy_version": 0
        })
    }

    fn directory_of(value: Value) -> Directory {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("a valid directory: {e}"))
    }

    #[test]
    fn a_draft_of_a_team_or_channel_the_reviewer_does_not_review_for_is_refused() {
        let api = ApiClient::new(SERVER).expect("client");
        let feed = parsed(&page(vec![upsert(draft(1, "a"))], "2", false));
        let other = "01a23bb3-18db-7a29-b361-000000000000";
        let mine = directory_of(directory(&[TEAM], &[CHANNEL], false));
        assert!(
            api.check_scope(&feed, Some(&mine)).is_ok(),
            "my team and channel"
        );
        let not_my_team = directory_of(directory(&[other], &[CHANNEL], false));
        let e = api
            .check_scope(&feed, Some(&not_my_team))
            .expect_err("another team's draft");
        assert!(e.to_string().contains("do not review for"), "{e}");
        assert!(e.is_bad_answer());
        let not_my_channel = directory_of(directory(&[TEAM], &[], false));
        assert!(
            api.check_scope(&feed, Some(&not_my_channel)).is_err(),
            "a channel the directory does not list"
        );
        let admin = directory_of(directory(&[], &[], true));
        assert!(
            api.check_scope(&feed, Some(&admin)).is_ok(),
            "administrators see all"
        );
        assert!(
            api.check_scope(&feed, None).is_ok(),
            "nothing to check against"
        );

        let mut with_directory = page(vec![upsert(draft(1, "a"))], "2", false);
        with_directory["directory"] = directory(&[TEAM], &[CHANNEL], false);
        assert!(
            api.check_scope(&parsed(&with_directory), Some(&not_my_team))
                .is_ok(),
            "the page's own directory (the reviewer joined the team) is the one that counts"
        );
    }

    #[test]
    fn a_push_answer_must_answer_exactly_the_mutations_sent_about_their_drafts() {
        let draft_id = uuid::Uuid::from_u128(1);
        let mutation = |n: u64| {
            json!({"mutation_id": n, "kind": "annotate", "annotation": {
                "id": uuid::Uuid::from_u128(u128::from(n) + 100), "draft_id": draft_id,
                "draft_version": 1, "body": "ok"}})
        };
        let request: PushRequest = serde_json::from_value(json!({
            "client_id": uuid::Uuid::from_u128(7),
            "mutations": [mutation(1), mutation(2)]
        }))
        .expect("a push");
        let answer = |results: Value| -> PushResponse {
            serde_json::from_value(json!({ "results": results })).expect("an answer")
        };
        let applied = |n: u64| json!({"mutation_id": n, "status": "applied"});
        assert_eq!(
            check_push_answer(&request, &answer(json!([applied(1), applied(2)]))),
            Ok(())
        );
        let never_sent = check_push_answer(&request, &answer(json!([applied(1), applied(107)])))
            .expect_err("refused");
        assert!(never_sent.contains("mutation 107"), "{never_sent}");
        assert!(check_push_answer(&request, &answer(json!([applied(1)]))).is_err());
        assert!(
            check_push_answer(
                &request,
                &answer(json!([applied(1), applied(2), applied(3)]))
            )
            .is_err()
        );
        let conflict = json!({"mutation_id": 2, "status": "conflict", "reason": "stale_version",
                              "draft": draft(42, "another draft")});
        let other_draft = check_push_answer(&request, &answer(json!([applied(1), conflict])))
            .expect_err("refused");
        assert!(
            other_draft.contains("not the draft decided on"),
            "{other_draft}"
        );
        let stray: PushResponse = serde_json::from_value(json!({
            "results": [applied(1), applied(2)], "drafts": [draft(42, "not asked for")]
        }))
        .expect("an answer");
        let stray = check_push_answer(&request, &stray).expect_err("refused");
        assert!(stray.contains("no mutation sent is about"), "{stray}");
        let conflict = json!({"mutation_id": 2, "status": "conflict", "reason": "stale_version",
                              "draft": draft(1, "the same draft, edited")});
        assert_eq!(
            check_push_answer(&request, &answer(json!([applied(1), conflict]))),
            Ok(())
        );
    }

    #[test]
    fn text_is_cleaned_of_controls_and_direction_marks_and_cut() {
        assert_eq!(clean("a\u{202E}b\u{2066}c\u{FEFF}d\te", 100), "abcd e");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(clean("abc", 3), "abc");
    }
}
