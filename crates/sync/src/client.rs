//! The HTTP client for `/api/v1`: one method per endpoint, typed bodies in and out.
//!
//! Every answer is read whole and then parsed, so a cut-off or malformed answer is an error
//! before anything from it reaches the cache.

use crate::error::SyncError;
use countersign_core::wire::admin::{AccessEntry, CrisisOn, CrisisStatus};
use countersign_core::wire::{
    ChangesResponse, ErrorBody, PushRequest, PushResponse, RefreshRequest, SessionRequest,
    SessionResponse,
};
use countersign_core::{ClientId, Sensitive};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
        self.send("sign-in", call).await
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
        self.send("refresh", call).await
    }

    /// `DELETE /api/v1/sessions/current`: revokes the session on the server.
    pub async fn sign_out(&self, access_token: &Sensitive<String>) -> Result<(), SyncError> {
        let call = self
            .http
            .delete(self.url("/api/v1/sessions/current"))
            .bearer_auth(access_token.expose());
        self.send_for_bytes("sign-out", call).await.map(drop)
    }

    /// `GET /api/v1/changes`: one page of the changes feed after `cursor`.
    pub async fn changes(
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
        self.send("changes", call).await
    }

    /// `POST /api/v1/push`: a batch of the outbox, in order.
    pub async fn push(
        &self,
        access_token: &Sensitive<String>,
        request: &PushRequest,
    ) -> Result<PushResponse, SyncError> {
        let call = self
            .http
            .post(self.url("/api/v1/push"))
            .bearer_auth(access_token.expose())
            .json(request);
        let response: PushResponse = self.send("push", call).await?;
        check_push_answer(request, &response)?;
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
        let pack: serde_json::Map<String, serde_json::Value> = self.send("policy", call).await?;
        let version = pack
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| SyncError::Malformed {
                endpoint: "policy",
                detail: "the policy pack has no version".to_string(),
            })?;
        let json = serde_json::to_string(&pack).map_err(|e| SyncError::Malformed {
            endpoint: "policy",
            detail: e.to_string(),
        })?;
        Ok((version, json))
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
        self.send("access", call).await
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
        self.send("crisis on", call).await
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
        self.send("crisis off", call).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        call: RequestBuilder,
    ) -> Result<T, SyncError> {
        let bytes = self.send_for_bytes(endpoint, call).await?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Malformed {
            endpoint,
            detail: e.to_string(),
        })
    }

    async fn send_for_bytes(
        &self,
        endpoint: &'static str,
        call: RequestBuilder,
    ) -> Result<Vec<u8>, SyncError> {
        self.traffic.requests.fetch_add(1, Ordering::Relaxed);
        let response = call.send().await.map_err(classify_send_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(SyncError::Interrupted)?;
        self.traffic
            .bytes_received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(refusal(endpoint, status, &bytes))
    }
}

fn classify_send_error(error: reqwest::Error) -> SyncError {
    if error.is_body() || error.is_decode() {
        SyncError::Interrupted(error)
    } else {
        SyncError::Offline(error)
    }
}

/// Turns an error answer into [`SyncError::Refused`], keeping the server's code when the
/// body is the protocol's error shape and inventing a plain one when it is not (a proxy's
/// HTML page, say).
fn refusal(endpoint: &'static str, status: StatusCode, bytes: &[u8]) -> SyncError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => SyncError::Refused {
            endpoint,
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => SyncError::Refused {
            endpoint,
            status: status.as_u16(),
            code: format!("http_{}", status.as_u16()),
            message: status
                .canonical_reason()
                .unwrap_or("unexpected answer")
                .to_string(),
        },
    }
}

/// A push answer must answer exactly the mutations sent, in order; anything else is a
/// server bug we must not act on (acting on it could drop an unanswered decision).
fn check_push_answer(request: &PushRequest, response: &PushResponse) -> Result<(), SyncError> {
    let sent = request.mutations.iter().map(|m| m.mutation_id);
    let answered = response.results.iter().map(|r| r.mutation_id);
    if sent.eq(answered) {
        Ok(())
    } else {
        Err(SyncError::Malformed {
            endpoint: "push",
            detail: format!(
                "{} mutations sent but the answer covers {} different ones",
                request.mutations.len(),
                response.results.len()
            ),
        })
    }
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
        let e = refusal("changes", StatusCode::UNAUTHORIZED, body);
        assert!(e.is_token_expired());
        assert!(!e.is_retryable());

        let e = refusal(
            "changes",
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.code(), Some("http_502"));
        assert!(e.is_retryable(), "a 502 from a proxy is worth retrying");
    }
}
