//! The deliverer: one task per running server that takes due deliveries from the database,
//! POSTs them and records every attempt.
//!
//! It looks at the queue when a push rings the server's `deliveries` bell, when the soonest
//! pending delivery falls due, and at least every [`poll`](super::WebhookTiming::poll)
//! (deliveries enqueued by another process). Everything it knows is in the database, so
//! stopping it at any point loses nothing: an attempt cut off by a shutdown was not
//! recorded and is made again, with the same delivery id, after the restart.

use super::{AttemptRecord, DELIVERY_HEADER, DueDelivery, EVENT_HEADER, Next, WebhookTiming};
use crate::Server;
use crate::error::ServerError;
use countersign_audit::signature;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The most deliveries attempted at once: a few slow receivers must not hold up the rest,
/// nor may a long queue open hundreds of connections.
const BATCH: usize = 16;

/// The longest error text kept for an attempt.
const MAX_ERROR_CHARS: usize = 500;

/// How long the deliverer waits after the database failed, before it looks again.
const AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Delivers until `stop` turns true (or its sender is dropped). Returns at once when
/// another listener of the same server already delivers.
pub(crate) async fn run(server: Server, stop: watch::Receiver<bool>) {
    use std::sync::atomic::Ordering;
    if server.delivering().swap(true, Ordering::AcqRel) {
        tracing::debug!("a webhook deliverer already runs for this server");
        return;
    }
    deliver(&server, stop).await;
    server.delivering().store(false, Ordering::Release);
}

async fn deliver(server: &Server, mut stop: watch::Receiver<bool>) {
    let server = server.clone();
    let timing = server.config().webhooks.clone();
    let http = match client(&timing) {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "webhook deliverer cannot start: no HTTP client");
            return;
        }
    };
    loop {
        if *stop.borrow() {
            break;
        }
        let looked = tokio::select! {
            biased;
            _ = stop.changed() => break,
            looked = deliver_due(&server, &http, &timing) => looked,
        };
        let wait = match looked {
            Ok(()) => until_next(&server, &timing).await,
            Err(error) => {
                tracing::warn!(%error, "webhook deliverer: the queue could not be read or written");
                AFTER_FAILURE
            }
        };
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            () = server.deliveries().notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::debug!("webhook deliverer stopped");
}

/// The HTTP client: the attempt's timeout, and no redirects (a receiver that moved must be
/// re-registered by an administrator, not followed to wherever it points).
fn client(timing: &WebhookTiming) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timing.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("countersign-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// How long until the soonest pending delivery is due, at most the poll interval.
async fn until_next(server: &Server, timing: &WebhookTiming) -> Duration {
    match server.storage().next_delivery_at().await {
        Ok(Some(at)) => (at - server.now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(timing.poll),
        Ok(None) => timing.poll,
        Err(error) => {
            tracing::warn!(%error, "webhook deliverer: cannot read the queue");
            AFTER_FAILURE
        }
    }
}

/// Attempts every delivery due now, [`BATCH`] at a time, until none is due.
async fn deliver_due(
    server: &Server,
    http: &reqwest::Client,
    timing: &WebhookTiming,
) -> Result<(), ServerError> {
    loop {
        let due = server.storage().due_deliveries(server.now(), BATCH).await?;
        let full = due.len() == BATCH;
        let mut attempts = tokio::task::JoinSet::new();
        for delivery in due {
            let (server, http, timing) = (server.clone(), http.clone(), timing.clone());
            attempts.spawn(async move {
                let record = attempt(&server, &http, &timing, delivery).await;
                server.storage().record_attempt(record).await
            });
        }
        while let Some(done) = attempts.join_next().await {
            done.map_err(ServerError::Task)??;
        }
        if !full {
            return Ok(());
        }
    }
}

/// POSTs one delivery and says what follows from the answer.
async fn attempt(
    server: &Server,
    http: &reqwest::Client,
    timing: &WebhookTiming,
    due: DueDelivery,
) -> AttemptRecord {
    let DueDelivery {
        delivery,
        url,
        secret,
    } = due;
    let at = server.now();
    let started = Instant::now();
    let header = signature::sign(
        secret.expose().as_bytes(),
        at.timestamp(),
        delivery.payload_json.as_bytes(),
    );
    let sent = http
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(signature::HEADER, header)
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(EVENT_HEADER, &delivery.event)
        .body(delivery.payload_json.clone())
        .send()
        .await;
    let (status_code, error) = match sent {
        Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16()), None),
        Ok(answer) => (
            Some(answer.status().as_u16()),
            Some(format!("the receiver answered {}", answer.status())),
        ),
        Err(e) => (None, Some(describe(&e, timing))),
    };
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let number = delivery.attempts.saturating_add(1);
    let next = match &error {
        None => Next::Delivered,
        Some(_) => retry_at(timing, &delivery, number, server.now()),
    };
    match (&next, &error) {
        (Next::Delivered, _) => {
            tracing::info!(delivery = %delivery.id, attempt = number, "webhook delivered");
        }
        (_, Some(error)) => {
            tracing::warn!(delivery = %delivery.id, attempt = number, %error, ?next, "webhook attempt failed");
        }
        (_, None) => {}
    }
    AttemptRecord {
        delivery,
        attempt: super::Attempt {
            attempt: number,
            at,
            status_code,
            error: error.map(|e| e.chars().take(MAX_ERROR_CHARS).collect()),
            duration_ms,
        },
        next,
    }
}

/// After failed attempt `number`: the next try after the backoff, or `Failed` when that
/// would be past the delivery's maximum age.
fn retry_at(
    timing: &WebhookTiming,
    delivery: &super::Delivery,
    number: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Next {
    let span = |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
    let next = now
        .checked_add_signed(span(super::backoff(timing, number)))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    let give_up = delivery
        .created_at
        .checked_add_signed(span(timing.max_age))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    if next > give_up {
        Next::Failed
    } else {
        Next::RetryAt(next)
    }
}

/// A short reason for an attempt with no answer.
fn describe(error: &reqwest::Error, timing: &WebhookTiming) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", timing.timeout.as_secs_f64())
    } else if error.is_connect() {
        let mut cause = String::from("cannot connect");
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            cause = format!("cannot connect: {inner}");
            source = inner.source();
        }
        cause
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::t0;
    use crate::webhooks::{Delivery, DeliveryStatus};
    use countersign_audit::DraftRef;

    fn delivery(created_at: chrono::DateTime<chrono::Utc>) -> Delivery {
        Delivery {
            id: uuid::Uuid::nil(),
            webhook_id: uuid::Uuid::nil(),
            draft: DraftRef {
                id: uuid::Uuid::nil(),
                version: 1,
                content_sha256: String::new(),
            },
            event: super::super::DRAFT_APPROVED.into(),
            payload_json: "{}".into(),
            created_at,
            next_attempt_at: created_at,
            attempts: 0,
            status: DeliveryStatus::Pending,
            delivered_at: None,
            last_error: None,
        }
    }

    #[test]
    fn a_failed_delivery_is_retried_until_its_maximum_age_then_given_up() {
        let timing = WebhookTiming::default();
        let enqueued = t0();
        let d = delivery(enqueued);
        match retry_at(&timing, &d, 1, enqueued) {
            Next::RetryAt(at) => {
                let wait = (at - enqueued).num_milliseconds();
                assert!((15_000..=30_000).contains(&wait), "first wait {wait} ms");
            }
            other => panic!("the first failure is retried, not {other:?}"),
        }
        let late = enqueued + chrono::TimeDelta::hours(23) + chrono::TimeDelta::minutes(50);
        assert_eq!(
            retry_at(&timing, &d, 40, late),
            Next::Failed,
            "a retry an hour away would land past the 24 hours"
        );
    }
}
