//! The hand-off to publishing: webhooks an administrator registered, the delivery queue
//! behind them, and the publishing tool's report that a post went out.
//!
//! When a decision gives a draft its final approval, the push's transaction also enqueues
//! one delivery per live webhook covering the draft's channel (`storage::sqlite::webhooks`),
//! its body ([`payload`]) fixed there and then. The [`deliver`] task, started with the
//! server's listener, POSTs due deliveries with a [`signature`](countersign_audit::signature)
//! and records every attempt; a failed one is tried again with exponential backoff and
//! jitter until [`max_age`](WebhookTiming::max_age) after it was enqueued. The queue is in
//! the database, so a restart delivers what was pending.
//!
//! Delivery is at least once: an attempt whose answer was lost is sent again with the same
//! `Countersign-Delivery` id and body, by which a receiver drops the repeat.
//!
//! Besides final approvals, crisis mode holding back an approved post due later is told as
//! [`DRAFT_HELD`], so the tool does not post what it was handed before the crisis.
//!
//! One deliverer per database (and per [`Server`], however many listeners serve it):
//! several server instances on one database (a PostgreSQL backend, issue 12) would need a
//! lease column on each delivery, so two never send the same one at once.

pub mod deliver;

use crate::Server;
use crate::error::ServerError;
use crate::storage::DraftUpdate;
use crate::trail::Trail;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use countersign_audit::{DraftRef, Head};
use countersign_core::{
    ChannelId, ConflictReason, Draft, DraftId, DraftStatus, Person, Refusal, Sensitive, UserId,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// The event of a delivery made on a draft's final approval.
pub const DRAFT_APPROVED: &str = "draft.approved";
/// The event of a delivery made when crisis mode holds back an approved draft that was due
/// later: the publishing tool already has it and must not post it. It comes back for review
/// when crisis mode ends, and a new approval is a new `draft.approved`.
pub const DRAFT_HELD: &str = "draft.held";

/// The header naming the delivery (its id), for a receiver's idempotency.
pub const DELIVERY_HEADER: &str = "Countersign-Delivery";
/// The header naming the event.
pub const EVENT_HEADER: &str = "Countersign-Event";
/// The header a publishing tool names its webhook in when it reports a post went out.
pub const WEBHOOK_HEADER: &str = "Countersign-Webhook";

/// How the deliverer paces itself ([`crate::ServerConfig::webhooks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookTiming {
    /// The wait after the first failed attempt; it doubles with each further one. 30 s.
    pub retry_base: Duration,
    /// The longest wait between two attempts. 1 h.
    pub retry_cap: Duration,
    /// How long after it was enqueued a delivery is still tried; then it is `failed`. 24 h.
    pub max_age: Duration,
    /// How long one attempt may take, connecting to reading the answer. 10 s.
    pub timeout: Duration,
    /// How often the deliverer looks at the queue when nothing woke it. 60 s.
    pub poll: Duration,
}

impl Default for WebhookTiming {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            max_age: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(60),
        }
    }
}

/// A registered webhook.
#[derive(Clone, Debug)]
pub struct Webhook {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// Only drafts of this channel; `None`: every channel.
    pub channel_id: Option<ChannelId>,
    /// The HMAC-SHA256 key: the text shown when it was added, its UTF-8 bytes the key.
    pub secret: Sensitive<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was removed; it then gets nothing more.
    pub removed_at: Option<DateTime<Utc>>,
}

impl Webhook {
    /// True when it is live and covers drafts of `channel`.
    pub fn covers(&self, channel: Option<ChannelId>) -> bool {
        self.removed_at.is_none() && self.channel_id.is_none_or(|c| Some(c) == channel)
    }
}

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx answer came.
    Delivered,
    /// Given up on: no 2xx within the maximum age.
    Failed,
}

impl DeliveryStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// The status of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One delivery of one event to one webhook.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Id (UUIDv7), sent as `Countersign-Delivery`.
    pub id: Uuid,
    /// To which webhook.
    pub webhook_id: Uuid,
    /// The draft it hands over, and the version approved with the SHA-256 of its text:
    /// `{"id", "version", "content_sha256"}`.
    #[schema(value_type = Object)]
    pub draft: DraftRef,
    /// [`DRAFT_APPROVED`].
    pub event: String,
    /// The body, exactly as every attempt sends it.
    #[serde(skip)]
    pub payload_json: String,
    /// When it was enqueued (the decision's time).
    pub created_at: DateTime<Utc>,
    /// When it is tried next (while pending).
    pub next_attempt_at: DateTime<Utc>,
    /// Attempts made.
    pub attempts: u32,
    /// Where it is.
    pub status: DeliveryStatus,
    /// When a 2xx answer came.
    pub delivered_at: Option<DateTime<Utc>>,
    /// What went wrong last.
    pub last_error: Option<String>,
}

/// One attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: u32,
    /// When it started.
    pub at: DateTime<Utc>,
    /// The receiver's status code; `None` when no answer came.
    pub status_code: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// A delivery that is due, with where to send it.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// The webhook's address.
    pub url: String,
    /// The webhook's key.
    pub secret: Sensitive<String>,
}

/// What an attempt leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Done: the receiver answered 2xx.
    Delivered,
    /// Try again then.
    RetryAt(DateTime<Utc>),
    /// Give up: the next try would be past the maximum age.
    Failed,
}

/// An attempt to store, with what follows from it: one transaction writes the attempt,
/// the delivery's new state and the attempt's audit event.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    /// The delivery tried.
    pub delivery: Delivery,
    /// The attempt.
    pub attempt: Attempt,
    /// What follows.
    pub next: Next,
}

/// Which deliveries to list ([`crate::storage::Storage::deliveries`]).
#[derive(Clone, Debug, Default)]
pub struct DeliveryQuery {
    /// Only this webhook's.
    pub webhook: Option<Uuid>,
    /// Only those in this state.
    pub status: Option<DeliveryStatus>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// A delivery with its attempts, oldest first.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// The delivery.
    #[serde(flatten)]
    pub delivery: Delivery,
    /// Its attempts.
    pub attempt_log: Vec<Attempt>,
}

/// The body of a `draft.approved` delivery, fixed when it is enqueued: the approved draft,
/// who approved it and when, whether the approval came after the draft's scheduled time,
/// and the audit log's head after the final decision — which a receiver can keep and later
/// hold against the log (`audit verify --head`) to catch a log cut short.
pub fn payload(
    delivery_id: Uuid,
    draft: &Draft,
    approved_at: DateTime<Utc>,
    audit: &Head,
) -> Value {
    let approved_by: Vec<&Person> = draft.approvals.iter().map(|a| &a.by).collect();
    let late = draft
        .late_by(approved_at)
        .map(|by| json!({ "by_secs": countersign_core::draft::late_secs(by) }));
    json!({
        "event": DRAFT_APPROVED,
        "delivery_id": delivery_id,
        "draft": draft,
        "approved_at": crate::clock::to_text(approved_at),
        "approved_by": approved_by,
        "late": late,
        "audit": { "position": audit.position, "hash": audit.hash },
    })
}

/// The body of a `draft.held` delivery: the held draft, when and why (the crisis in the
/// administrator's words), and the audit head after crisis mode was turned on.
pub fn held_payload(
    delivery_id: Uuid,
    draft: &Draft,
    held_at: DateTime<Utc>,
    reason: &str,
    audit: &Head,
) -> Value {
    json!({
        "event": DRAFT_HELD,
        "delivery_id": delivery_id,
        "draft": draft,
        "held_at": crate::clock::to_text(held_at),
        "reason": reason,
        "audit": { "position": audit.position, "hash": audit.hash },
    })
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: `retry_base`
/// doubled for each failure after the first, at most `retry_cap`, then between half of it
/// and all of it at random ("equal jitter"), so receivers that failed together are not all
/// retried in the same second.
pub fn backoff(timing: &WebhookTiming, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let full = timing
        .retry_base
        .saturating_mul(1 << doublings)
        .min(timing.retry_cap);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// A new webhook secret: 32 random bytes, base64url without padding (43 characters).
pub fn new_secret() -> Sensitive<String> {
    let bytes: [u8; 32] = rand::random();
    Sensitive::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// The person a webhook's report is recorded as in a draft's history: the publishing tool,
/// named by its webhook (it is nobody's account).
pub fn publisher(webhook: Uuid) -> Person {
    let short: String = webhook.simple().to_string().chars().rev().take(8).collect();
    Person {
        id: UserId(webhook),
        username: format!("webhook:{webhook}"),
        display_name: format!(
            "Publishing tool (webhook …{})",
            short.chars().rev().collect::<String>()
        ),
    }
}

/// Checks a webhook address: `https`, or `http` to this machine (a publishing tool beside
/// the server) — or anywhere with `allow_http`. No user name or password in it: it is
/// listed and logged.
pub fn check_url(url: &str, allow_http: bool) -> Result<reqwest::Url, ServerError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ServerError::Invalid(format!("{url:?} is not an address: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ServerError::Invalid(
            "put no user name or password in a webhook address: deliveries are signed".into(),
        ));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => {
            return Err(ServerError::Invalid(format!("{url:?} names no host")));
        }
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback || allow_http => Ok(parsed),
        "http" => Err(ServerError::Invalid(format!(
            "{url:?} is plain http to another machine: the draft would travel unencrypted; \
             use https (or --allow-http)"
        ))),
        other => Err(ServerError::Invalid(format!(
            "a webhook address is https (or http to this machine), not {other}"
        ))),
    }
}

/// A webhook as `webhook list` and the admin API show it: never its secret.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    /// Id.
    pub id: Uuid,
    /// Address.
    pub url: String,
    /// The channel's name; `None`: every channel.
    pub channel: Option<String>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was removed.
    pub removed_at: Option<DateTime<Utc>>,
}

/// A webhook just added, with its secret: shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddedWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The key receivers check signatures with. Not shown again.
    pub secret: String,
}

/// Registers a webhook for `channel` (a channel's name; `None`: every channel), after
/// [`check_url`]. Recorded as `webhook_added` (address and channel, never the secret).
pub async fn add(
    server: &Server,
    url: &str,
    channel: Option<&str>,
    allow_http: bool,
    trail: Trail,
) -> Result<AddedWebhook, ServerError> {
    let url = check_url(url, allow_http)?.to_string();
    let channel = match channel {
        Some(name) => Some(crate::admin::channel_named(server, name).await?),
        None => None,
    };
    let now = server.now();
    let webhook = Webhook {
        id: crate::clock::uuid_v7(now),
        url,
        channel_id: channel.as_ref().map(|c| c.id),
        secret: new_secret(),
        created_at: now,
        removed_at: None,
    };
    server.storage().add_webhook(webhook.clone(), trail).await?;
    Ok(AddedWebhook {
        webhook: WebhookView {
            id: webhook.id,
            url: webhook.url,
            channel: channel.map(|c| c.name),
            created_at: webhook.created_at,
            removed_at: None,
        },
        secret: webhook.secret.into_inner(),
    })
}

/// Every webhook ever added (removed ones too, marked), oldest first, without secrets.
pub async fn list(server: &Server) -> Result<Vec<WebhookView>, ServerError> {
    let channels = server.storage().channels().await?;
    let name = |id: ChannelId| {
        channels
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    Ok(server
        .storage()
        .webhooks()
        .await?
        .into_iter()
        .map(|w| WebhookView {
            id: w.id,
            url: w.url,
            channel: w.channel_id.map(name),
            created_at: w.created_at,
            removed_at: w.removed_at,
        })
        .collect())
}

/// Removes a webhook: it gets nothing more (pending deliveries to it stop being tried).
/// Recorded as `webhook_removed`.
pub async fn remove(server: &Server, id: Uuid, trail: Trail) -> Result<(), ServerError> {
    if server
        .storage()
        .remove_webhook(id, server.now(), trail)
        .await?
    {
        Ok(())
    } else {
        Err(ServerError::NotFound(format!(
            "there is no live webhook {id}"
        )))
    }
}

/// Deliveries, newest first, with their attempts.
pub async fn deliveries(
    server: &Server,
    query: DeliveryQuery,
) -> Result<Vec<DeliveryView>, ServerError> {
    Ok(server.storage().deliveries(query).await?)
}

/// Who reports that a post went out.
#[derive(Clone, Debug)]
pub enum Reporter {
    /// A signed-in administrator.
    Admin(crate::sessions::Authenticated),
    /// A publishing tool, by its webhook: the request was signed with the webhook's secret.
    Webhook(Webhook),
}

/// The publishing tool's report (`POST /api/v1/drafts/{id}/published`).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedReport {
    /// The draft the report is about. Required in a report signed with a webhook's secret:
    /// the signature covers the body, not the address, so without it a report captured for
    /// one draft could be replayed (within the signature's tolerance) against another.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub draft_id: Option<DraftId>,
    /// Where the post is, if the tool knows.
    #[serde(default)]
    pub url: Option<String>,
    /// When it went out, by the tool's clock.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

/// Records that the approved draft `id` went out ([`countersign_core::approval::publish`]):
/// `published`, with a history entry and a `draft_published` audit event. A webhook may
/// report only drafts of channels it covers. Reporting twice answers the draft as it is
/// and records nothing more.
pub async fn published(
    server: &Server,
    reporter: Reporter,
    id: DraftId,
    report: PublishedReport,
) -> Result<Draft, ServerError> {
    if let Some(url) = &report.url {
        countersign_core::limits::check_url("the post's URL", url)?;
    }
    if matches!(reporter, Reporter::Webhook(_)) && report.draft_id != Some(id) {
        return Err(ServerError::Invalid(match report.draft_id {
            None => format!(
                "a signed report names the draft it is about: add \"draft_id\": \"{id}\" to \
                 the signed body"
            ),
            Some(other) => format!("this signed report is about draft {other}, not {id}"),
        }));
    }
    // A webhook is nobody's account: the log and the history name the publishing tool by
    // its webhook's id.
    let (by, trail) = match &reporter {
        Reporter::Admin(caller) => (caller.user.person(), Trail::api(caller)),
        Reporter::Webhook(webhook) => {
            let tool = publisher(webhook.id);
            let trail = Trail {
                by: Some(tool.clone()),
                session: None,
                via: countersign_audit::Via::Api,
            };
            (tool, trail)
        }
    };
    let stored = server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("there is no draft {id}")))?;
    if let Reporter::Webhook(webhook) = &reporter
        && !webhook.covers(stored.channel_id)
    {
        return Err(ServerError::Forbidden(
            "this webhook is not for this draft's channel".into(),
        ));
    }
    let now = server.now();
    let change = server
        .storage()
        .update_draft(
            id,
            Box::new(move |current| {
                countersign_core::approval::publish(
                    current,
                    &by,
                    now,
                    report.url,
                    report.published_at,
                )?
                // Already published: refused here, so nothing is written or recorded, and
                // answered below as the draft it is.
                .ok_or(Refusal::Conflict(ConflictReason::AlreadyDecided))
            }),
            trail,
        )
        .await?;
    match change {
        DraftUpdate::Updated(draft) => Ok(*draft),
        DraftUpdate::NotFound => Err(ServerError::NotFound(format!("there is no draft {id}"))),
        DraftUpdate::Refused { current, .. } if current.status == DraftStatus::Published => {
            Ok(*current)
        }
        DraftUpdate::Refused { refusal, .. } => Err(refusal.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap_with_jitter_below_it() {
        let timing = WebhookTiming::default();
        for (attempts, full) in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (40, 3600)] {
            for _ in 0..50 {
                let wait = backoff(&timing, attempts).as_secs_f64();
                let full = f64::from(full);
                assert!(
                    wait >= full / 2.0 && wait <= full,
                    "after {attempts} failures: {wait} s, not within [{}, {full}]",
                    full / 2.0
                );
            }
        }
    }

    #[test]
    fn a_webhook_address_is_https_or_http_to_this_machine() {
        for good in [
            "https://publish.example.org/hook",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/",
        ] {
            assert!(check_url(good, false).is_ok(), "{good}");
        }
        for bad in [
            "http://publish.example.org/hook",
            "ftp://publish.example.org/",
            "https://user:pw@publish.example.org/",
            "publish.example.org/hook",
            "file:///etc/passwd",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://publish.example.org/hook", true).is_ok());
        assert!(
            check_url("file:///etc/passwd", true).is_err(),
            "--allow-http allows http, nothing else"
        );
    }

    #[test]
    fn a_secret_is_32_random_bytes_in_base64url() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
        let bytes = URL_SAFE_NO_PAD.decode(a.expose()).expect("base64url");
        assert_eq!(bytes.len(), 32);
    }

    #[test]
    fn the_payload_names_the_approvers_the_audit_head_and_how_late() {
        let author = crate::fixtures::actor("alex", &[], &[], &[]).person;
        let mut draft = crate::fixtures::draft(crate::fixtures::team(), &author);
        let approved_at = crate::fixtures::t0();
        draft.scheduled_at = Some(approved_at - chrono::TimeDelta::seconds(90));
        draft.approvals.push(countersign_core::Approval {
            step: "review".into(),
            by: author.clone(),
            decision_id: countersign_core::DecisionId(Uuid::nil()),
            at: approved_at,
        });
        let head = Head {
            position: 7,
            hash: "ab".repeat(32),
        };
        let body = payload(Uuid::nil(), &draft, approved_at, &head);
        assert_eq!(body["event"], DRAFT_APPROVED);
        assert_eq!(body["late"], json!({"by_secs": 90}));
        assert_eq!(
            body["audit"],
            json!({"position": 7, "hash": "ab".repeat(32)})
        );
        assert_eq!(body["approved_by"][0]["username"], "alex");
        assert_eq!(body["draft"]["id"], json!(draft.id));
        draft.scheduled_at = None;
        assert_eq!(
            payload(Uuid::nil(), &draft, approved_at, &head)["late"],
            Value::Null
        );
    }
}
