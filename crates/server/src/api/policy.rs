//! `GET /api/v1/policy` and `GET /api/v1/replies` for everyone signed in; setting the pack,
//! channel routing and the reply library under `/api/v1/admin/…`. Each calls the same
//! [`crate::admin::policy`] function as the CLI.

use super::admin::Admin;
use super::error::ApiError;
use super::extract::{Auth, Json, Path, Query};
use crate::Server;
use crate::admin;
use crate::trail::Trail;
use axum::extract::State;
use axum::http::StatusCode;
use countersign_core::channel::Routing;
use countersign_core::wire::admin::PolicySource;
use countersign_core::wire::{ErrorBody, NewReply, Reply};
use countersign_policy::Pack;
use serde::Deserialize;
use utoipa::IntoParams;

/// The organisation's policy pack in force: the built-in rules with the organisation's
/// layer applied, versioned. Desktops cache it and review drafts with it offline.
#[utoipa::path(get, path = "/api/v1/policy", tag = "policy",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The effective pack: `format`, `name`, `version`, `base`, `organisation`, `rules`, `overrides`, `channels`", body = Object),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub(crate) async fn policy(
    State(server): State<Server>,
    Auth(_): Auth,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(admin::policy_pack(&server).await?.effective))
}

/// Query of `GET /api/v1/replies`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReplySearch {
    /// Words every reply listed contains, in its name or text (case-blind).
    #[serde(default)]
    q: String,
}

/// The organisation's pre-approved replies, for authors to start from.
#[utoipa::path(get, path = "/api/v1/replies", tag = "policy",
    security(("bearer" = [])), params(ReplySearch),
    responses(
        (status = 200, description = "Matching replies, by name", body = [Reply]),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub(crate) async fn replies(
    State(server): State<Server>,
    Auth(_): Auth,
    Query(search): Query<ReplySearch>,
) -> Result<Json<Vec<Reply>>, ApiError> {
    Ok(Json(admin::replies(&server, &search.q).await?))
}

/// Put an organisation's policy pack in force (checked first; nothing changes when it
/// cannot be used).
#[utoipa::path(put, path = "/api/v1/admin/policy", tag = "admin",
    security(("bearer" = [])), request_body = PolicySource,
    responses(
        (status = 200, description = "The effective pack now in force", body = Object),
        (status = 400, description = "Not a usable pack (`invalid_request`, `invalid_json`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn set_policy(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(body): Json<PolicySource>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(
        admin::set_policy_pack(&server, &Trail::api(&caller), body.source)
            .await?
            .effective,
    ))
}

/// Route a channel's drafts by the guard's verdict.
#[utoipa::path(put, path = "/api/v1/admin/channels/{name}/routing", tag = "admin",
    security(("bearer" = [])), request_body = Routing,
    params(("name" = String, Path, description = "Channel name")),
    responses(
        (status = 200, description = "The routing now", body = Routing),
        (status = 400, description = "Unusable steps (`invalid_request`, `invalid_json`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such channel (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn set_routing(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(name): Path<String>,
    Json(routing): Json<Routing>,
) -> Result<Json<Routing>, ApiError> {
    Ok(Json(
        admin::set_channel_routing(&server, &Trail::api(&caller), &name, routing).await?,
    ))
}

/// Add a pre-approved reply.
#[utoipa::path(post, path = "/api/v1/admin/replies", tag = "admin",
    security(("bearer" = [])), request_body = NewReply,
    responses(
        (status = 201, description = "Added", body = Reply),
        (status = 400, description = "A malformed template, or text the guard finds something in (`invalid_request`, `invalid_json`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 409, description = "The name is taken (`already_exists`)", body = ErrorBody),
    ))]
pub(crate) async fn add_reply(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(new): Json<NewReply>,
) -> Result<(StatusCode, Json<Reply>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(admin::add_reply(&server, &Trail::api(&caller), new).await?),
    ))
}

/// Remove a pre-approved reply.
#[utoipa::path(delete, path = "/api/v1/admin/replies/{name}", tag = "admin",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "Reply name")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such reply (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn remove_reply(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin::remove_reply(&server, &Trail::api(&caller), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
