//! The hand-off to publishing over HTTP: `POST /api/v1/drafts/{id}/published` (the
//! publishing tool's report, signed with its webhook's secret, or an administrator's) and
//! `/api/v1/admin/webhooks` (what `countersign-server webhook …` does).

use super::admin::Admin;
use super::error::ApiError;
use super::extract::{Json, Path, Query, from_json, is_json};
use crate::sessions;
use crate::trail::Trail;
use crate::webhooks::{
    self, AddedWebhook, DeliveryQuery, DeliveryStatus, DeliveryView, PublishedReport, Reporter,
    WEBHOOK_HEADER, WebhookView,
};
use crate::{AuthError, Server, ServerError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use countersign_audit::signature;
use countersign_core::wire::ErrorBody;
use countersign_core::{Draft, DraftId, Role};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The code of a report whose webhook signature is missing, stale or wrong.
pub const BAD_SIGNATURE: &str = "bad_signature";

/// A report and who sent it: a webhook by its signature, or a signed-in administrator.
pub(crate) struct Report {
    reporter: Reporter,
    body: PublishedReport,
}

fn bad_signature(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, BAD_SIGNATURE, message)
}

impl FromRequest<Server> for Report {
    type Rejection = ApiError;

    async fn from_request(req: Request, server: &Server) -> Result<Self, ApiError> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, server).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than the server accepts",
            )
        })?;
        let reporter = match headers.get(WEBHOOK_HEADER) {
            Some(id) => Reporter::Webhook(signed_by(server, &headers, id, &bytes).await?),
            None => {
                let token = bearer(&headers).ok_or(AuthError::Unauthenticated)?;
                let caller = sessions::authenticate(server, token).await?;
                if !caller.user.roles.contains(&Role::Admin) {
                    return Err(ServerError::Forbidden(
                        "only an administrator, or the publishing tool signing with its \
                         webhook's secret, reports a post as published"
                            .into(),
                    )
                    .into());
                }
                Reporter::Admin(caller)
            }
        };
        // The body is optional (a bare report says only "it went out"); one that is sent
        // is JSON, as for every other endpoint.
        let body = if bytes.is_empty() {
            PublishedReport::default()
        } else if !is_json(&headers) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON, with Content-Type: application/json",
            ));
        } else {
            from_json::<Option<PublishedReport>>(&bytes)?.unwrap_or_default()
        };
        Ok(Report { reporter, body })
    }
}

/// The live webhook named in `id` whose secret signed `body` within the tolerance.
async fn signed_by(
    server: &Server,
    headers: &HeaderMap,
    id: &axum::http::HeaderValue,
    body: &[u8],
) -> Result<webhooks::Webhook, ApiError> {
    let unknown = || bad_signature("no live webhook has that id");
    let id = id
        .to_str()
        .ok()
        .and_then(|id| Uuid::parse_str(id.trim()).ok())
        .ok_or_else(unknown)?;
    let webhook = server
        .storage()
        .webhook(id)
        .await
        .map_err(ServerError::from)?
        .filter(|w| w.removed_at.is_none())
        .ok_or_else(unknown)?;
    let header = headers
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            bad_signature("sign the report: the Countersign-Signature header is missing")
        })?;
    signature::verify(
        webhook.secret.expose().as_bytes(),
        header,
        body,
        server.now().timestamp(),
        signature::DEFAULT_TOLERANCE_SECS,
    )
    .map_err(|e| bad_signature(e.to_string()))?;
    Ok(webhook)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The publishing tool reports that an approved draft went out: it becomes `published`
/// (recorded in its history and the audit log). Signed like a delivery — headers
/// `Countersign-Webhook: <webhook id>` and `Countersign-Signature` over this body with that
/// webhook's secret, for a draft of a channel the webhook covers — or sent by an
/// administrator with a bearer token. Reporting twice answers the draft again and records
/// nothing more.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/published", tag = "drafts",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Draft id")),
    request_body(content = Option<PublishedReport>, description = "Optional: where the post is and when it went out"),
    responses(
        (status = 200, description = "The draft, published", body = Draft),
        (status = 400, description = "A URL that is not one (`over_limit`), or a draft that was never approved (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token, or a missing, stale or wrong webhook signature (`bad_signature`)", body = ErrorBody),
        (status = 403, description = "Not an administrator, or a webhook for another channel (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such draft (`not_found`)", body = ErrorBody),
        (status = 409, description = "`held` (crisis mode) or `withdrawn`", body = ErrorBody),
    ))]
pub(crate) async fn published(
    State(server): State<Server>,
    Path(id): Path<DraftId>,
    report: Report,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(
        webhooks::published(&server, report.reporter, id, report.body).await?,
    ))
}

/// The body of `POST /api/v1/admin/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhook {
    /// Where deliveries go: https, or http to this machine.
    url: String,
    /// Only drafts of this channel (its name); none: every channel.
    #[serde(default)]
    channel: Option<String>,
    /// Allow plain http to another machine.
    #[serde(default)]
    allow_http: bool,
}

/// Register a webhook. The answer carries its secret: shown this once.
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "admin",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Added; `secret` is not shown again", body = AddedWebhook),
        (status = 400, description = "Not an https address (or http to this machine) (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such channel (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn add(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(new): Json<NewWebhook>,
) -> Result<(StatusCode, Json<AddedWebhook>), ApiError> {
    let added = webhooks::add(
        &server,
        &new.url,
        new.channel.as_deref(),
        new.allow_http,
        Trail::api(&caller),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Every webhook (removed ones too), without secrets.
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Oldest first", body = [WebhookView]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(server): State<Server>,
    _: Admin,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    Ok(Json(webhooks::list(&server).await?))
}

/// Remove a webhook: it gets nothing more.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Webhook id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No live webhook with that id (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn remove(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    webhooks::remove(&server, id, Trail::api(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /api/v1/admin/webhooks/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveriesParams {
    /// Only this webhook's.
    webhook: Option<Uuid>,
    /// Only `pending`, `delivered` or `failed` ones.
    status: Option<String>,
    /// At most this many (default 100, at most 1000).
    limit: Option<usize>,
}

/// Deliveries, newest first, each with its attempts.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/deliveries", tag = "admin",
    security(("bearer" = [])), params(DeliveriesParams),
    responses(
        (status = 200, description = "Newest first", body = [DeliveryView]),
        (status = 400, description = "An unknown status (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn deliveries(
    State(server): State<Server>,
    _: Admin,
    Query(params): Query<DeliveriesParams>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let status = params
        .status
        .map(|s| {
            DeliveryStatus::parse(&s).ok_or_else(|| {
                ServerError::Invalid(format!(
                    "{s:?} is no delivery status: pending, delivered or failed"
                ))
            })
        })
        .transpose()?;
    let query = DeliveryQuery {
        webhook: params.webhook,
        status,
        limit: params.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(webhooks::deliveries(&server, query).await?))
}
