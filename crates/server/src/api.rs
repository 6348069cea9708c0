//! The HTTP API: routes, handlers and the JSON error shape.
//!
//! Handlers are thin: they take the [`Server`] state, the caller ([`extract::Auth`]) and
//! the request body or query through this module's own extractors — which turn every
//! rejection into `{"error": {"code", "message"}}` — call one function of the service
//! layer, and map its error with [`error::ApiError`].

mod admin;
mod audit;
mod drafts;
pub mod error;
mod export;
pub mod extract;
mod openapi;
mod policy;
mod receipts;
mod sessions;
mod sync;
mod webhooks;

pub use openapi::openapi;

use crate::Server;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use error::ApiError;
use serde::Serialize;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::ToSchema;

/// Every route, the JSON fallbacks, the body limit and request tracing.
///
/// Tracing records method, URI, status and latency; never headers (tokens) or bodies
/// (passwords).
pub fn router(server: Server) -> Router {
    let body_limit = server.config().body_limit;
    Router::new()
        .route("/healthz", get(health))
        .route("/api/v1/sessions", post(sessions::create))
        .route("/api/v1/sessions/refresh", post(sessions::refresh))
        .route("/api/v1/sessions/revoke", post(sessions::revoke))
        .route(
            "/api/v1/sessions/current",
            axum::routing::delete(sessions::delete),
        )
        .route("/api/v1/me", get(sessions::me))
        .route("/api/v1/changes", get(sync::changes))
        .route("/api/v1/push", post(sync::push))
        .route("/api/v1/drafts", post(drafts::create))
        .route("/api/v1/drafts/{id}", get(drafts::get).patch(drafts::edit))
        .route("/api/v1/drafts/{id}/withdraw", post(drafts::withdraw))
        .route(
            "/api/v1/drafts/{id}/suggestions/{annotation_id}/accept",
            post(drafts::accept_suggestion),
        )
        .route("/api/v1/drafts/{id}/published", post(webhooks::published))
        .route(
            "/api/v1/admin/webhooks",
            get(webhooks::list).post(webhooks::add),
        )
        .route("/api/v1/admin/webhooks/{id}", delete(webhooks::remove))
        .route(
            "/api/v1/admin/webhooks/deliveries",
            get(webhooks::deliveries),
        )
        .route("/api/v1/channels", get(admin::my_channels))
        .route("/api/v1/policy", get(policy::policy))
        .route("/api/v1/replies", get(policy::replies))
        .route("/api/v1/admin/policy", put(policy::set_policy))
        .route("/api/v1/admin/replies", post(policy::add_reply))
        .route("/api/v1/admin/replies/{name}", delete(policy::remove_reply))
        .route(
            "/api/v1/admin/channels/{name}/routing",
            put(policy::set_routing),
        )
        .route("/api/v1/admin/access", get(admin::access))
        .route("/api/v1/admin/drafts/export", get(export::drafts))
        .route("/api/v1/admin/audit", get(audit::export))
        .route(
            "/api/v1/admin/channels",
            get(admin::channels).post(admin::add_channel),
        )
        .route(
            "/api/v1/admin/channels/{name}",
            axum::routing::patch(admin::set_channel_policy),
        )
        .route("/api/v1/admin/crisis", get(admin::crisis))
        .route("/api/v1/admin/crisis/on", post(admin::crisis_on))
        .route("/api/v1/admin/crisis/off", post(admin::crisis_off))
        .route(
            "/api/v1/admin/users/{username}/roles/{value}",
            put(admin::add_role).delete(admin::remove_role),
        )
        .route(
            "/api/v1/admin/users/{username}/teams/{value}",
            put(admin::add_team).delete(admin::remove_team),
        )
        .route(
            "/api/v1/admin/users/{username}/steps/{value}",
            put(admin::add_step).delete(admin::remove_step),
        )
        .route(
            "/api/v1/admin/users/{username}/channels/{value}",
            put(admin::add_channel_grant).delete(admin::remove_channel_grant),
        )
        .route(
            "/api/v1/admin/users/{username}/channel-limit",
            delete(admin::all_channels),
        )
        .route("/api/v1/admin/users/{username}/leave", post(admin::leave))
        .route(
            "/api/v1/admin/users/{username}/disable",
            post(admin::disable),
        )
        .route(
            "/api/v1/admin/policy/two-factor",
            get(admin::two_factor).put(admin::set_two_factor),
        )
        .route("/api/v1/receipts/key", get(receipts::key))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(
                    DefaultMakeSpan::new()
                        .level(Level::INFO)
                        .include_headers(false),
                )
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .include_headers(false),
                ),
        )
        .with_state(server)
}

/// The answer of `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Liveness probe for load balancers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "there is nothing at this address",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this address does not answer that method",
    )
}
