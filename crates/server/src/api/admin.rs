//! `/api/v1/admin/…`: what the admin CLI does, over HTTP, for administrators only. Each
//! handler calls the same [`crate::admin`] function as the CLI command of the same name.
//! Also `GET /api/v1/channels`, which anyone signed in may call for the channels they can
//! see.

use super::error::ApiError;
use super::extract::{Auth, Json, Path, Query};
use crate::admin::{self, AccountChange};
use crate::sessions::Authenticated;
use crate::trail::Trail;
use crate::{Server, ServerError, drafts};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use countersign_core::wire::admin::{
    AccessEntry, ChannelPolicy, CrisisOn, CrisisStatus, Leave, LeaveReport, NewChannel,
    TwoFactorPolicy,
};
use countersign_core::wire::{ChannelView, ErrorBody};
use countersign_core::{Channel, Role};
use serde::Deserialize;
use utoipa::IntoParams;

/// The caller, who must be an administrator (else 403 `forbidden`).
pub struct Admin(pub Authenticated);

impl FromRequestParts<Server> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, server: &Server) -> Result<Self, ApiError> {
        let Auth(caller) = Auth::from_request_parts(parts, server).await?;
        if !caller.user.roles.contains(&Role::Admin) {
            return Err(ServerError::Forbidden("this needs an administrator".into()).into());
        }
        Ok(Admin(caller))
    }
}

/// Query of `GET /api/v1/admin/access`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AccessParams {
    /// Only this account (username).
    user: Option<String>,
}

/// Who has access to what: every account's roles, teams, channels, steps, two-factor
/// state, last sign-in, live sessions and status.
#[utoipa::path(get, path = "/api/v1/admin/access", tag = "admin",
    security(("bearer" = [])), params(AccessParams),
    responses(
        (status = 200, description = "Every account (or the one asked for), by username", body = [AccessEntry]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn access(
    State(server): State<Server>,
    _: Admin,
    Query(params): Query<AccessParams>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    Ok(Json(admin::access(&server, params.user.as_deref()).await?))
}

/// The channels the caller can see, with their policies and authorised spokespeople.
#[utoipa::path(get, path = "/api/v1/channels", tag = "drafts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's channels: an agency sees only the ones it serves", body = [ChannelView]),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub(crate) async fn my_channels(
    State(server): State<Server>,
    Auth(caller): Auth,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    Ok(Json(drafts::channels_for(&server, &caller.user).await?))
}

/// Every channel with its policy.
#[utoipa::path(get, path = "/api/v1/admin/channels", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every channel, by name", body = [Channel]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn channels(
    State(server): State<Server>,
    _: Admin,
) -> Result<Json<Vec<Channel>>, ApiError> {
    Ok(Json(admin::list_channels(&server).await?))
}

/// Add a channel.
#[utoipa::path(post, path = "/api/v1/admin/channels", tag = "admin",
    security(("bearer" = [])), request_body = NewChannel,
    responses(
        (status = 201, description = "Added", body = Channel),
        (status = 400, description = "Unusable name, account or policy (`invalid_request`, `invalid_json`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such team (`not_found`)", body = ErrorBody),
        (status = 409, description = "The name or the account is taken (`already_exists`)", body = ErrorBody),
    ))]
pub(crate) async fn add_channel(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(new): Json<NewChannel>,
) -> Result<(StatusCode, Json<Channel>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(admin::add_channel(&server, &Trail::api(&caller), new).await?),
    ))
}

/// Give a channel a new policy. Drafts already written keep their steps.
#[utoipa::path(patch, path = "/api/v1/admin/channels/{name}", tag = "admin",
    security(("bearer" = [])), request_body = ChannelPolicy,
    params(("name" = String, Path, description = "Channel name")),
    responses(
        (status = 200, description = "The channel with its new policy", body = Channel),
        (status = 400, description = "Unusable policy (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such channel (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn set_channel_policy(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(name): Path<String>,
    Json(body): Json<ChannelPolicy>,
) -> Result<Json<Channel>, ApiError> {
    Ok(Json(
        admin::set_channel_policy(&server, &Trail::api(&caller), &name, body.policy).await?,
    ))
}

/// Crisis mode: whether it is on, where, and who may approve.
#[utoipa::path(get, path = "/api/v1/admin/crisis", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The state and each covered channel's spokespeople", body = CrisisStatus),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn crisis(
    State(server): State<Server>,
    _: Admin,
) -> Result<Json<CrisisStatus>, ApiError> {
    Ok(Json(admin::crisis_status(&server).await?))
}

/// Turn crisis mode on, for every channel or the ones named.
#[utoipa::path(post, path = "/api/v1/admin/crisis/on", tag = "admin",
    security(("bearer" = [])), request_body = CrisisOn,
    responses(
        (status = 200, description = "On, with what it did to the drafts", body = CrisisStatus),
        (status = 400, description = "No reason (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such channel (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn crisis_on(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(body): Json<CrisisOn>,
) -> Result<Json<CrisisStatus>, ApiError> {
    Ok(Json(
        admin::crisis_on(&server, &Trail::api(&caller), &body.reason, &body.channels).await?,
    ))
}

/// Turn crisis mode off. Held drafts go back to review, never straight out.
#[utoipa::path(post, path = "/api/v1/admin/crisis/off", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Off, with what it did to the drafts", body = CrisisStatus),
        (status = 400, description = "It was not on (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn crisis_off(
    State(server): State<Server>,
    Admin(caller): Admin,
) -> Result<Json<CrisisStatus>, ApiError> {
    Ok(Json(
        admin::crisis_off(&server, &Trail::api(&caller)).await?,
    ))
}

/// `{username}/{kind}/{value}` of the account-change endpoints.
type Grant = Path<(String, String)>;

async fn change(
    server: &Server,
    caller: &Authenticated,
    username: &str,
    change: AccountChange,
) -> Result<Json<AccessEntry>, ApiError> {
    admin::change_account(server, &Trail::api(caller), username, change).await?;
    Ok(Json(admin::access_of(server, username).await?))
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| {
        ServerError::Invalid(format!(
            "unknown role {text:?}: use author, reviewer, spokesperson or admin"
        ))
        .into()
    })
}

macro_rules! grant_endpoints {
    ($(($method:ident, $fn_name:ident, $path:literal, $what:literal, $make:expr)),* $(,)?) => {
        $(
            #[doc = concat!($what, " (the same as the CLI's `user ... ` command). Answers the account as `access` shows it.")]
            #[utoipa::path($method, path = $path, tag = "admin",
                security(("bearer" = [])),
                params(("username" = String, Path, description = "Sign-in name"),
                       ("value" = String, Path, description = "Role, team name, step or channel name")),
                responses(
                    (status = 200, description = "The account now", body = AccessEntry),
                    (status = 400, description = "Not possible, e.g. the last role, or a channel of another team (`invalid_request`)", body = ErrorBody),
                    (status = 401, description = "No valid token", body = ErrorBody),
                    (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
                    (status = 404, description = "No such user, team or channel (`not_found`)", body = ErrorBody),
                ))]
            pub(crate) async fn $fn_name(
                State(server): State<Server>,
                Admin(caller): Admin,
                Path((username, value)): Grant,
            ) -> Result<Json<AccessEntry>, ApiError> {
                let make: fn(String) -> Result<AccountChange, ApiError> = $make;
                change(&server, &caller, &username, make(value)?).await
            }
        )*
    };
}

grant_endpoints![
    (
        put,
        add_role,
        "/api/v1/admin/users/{username}/roles/{value}",
        "Give a role",
        |v| Ok(AccountChange::AddRole(role(&v)?))
    ),
    (
        delete,
        remove_role,
        "/api/v1/admin/users/{username}/roles/{value}",
        "Take a role away",
        |v| Ok(AccountChange::RemoveRole(role(&v)?))
    ),
    (
        put,
        add_team,
        "/api/v1/admin/users/{username}/teams/{value}",
        "Add to a team",
        |v| Ok(AccountChange::AddTeam(v))
    ),
    (
        delete,
        remove_team,
        "/api/v1/admin/users/{username}/teams/{value}",
        "Take off a team: its drafts leave their desktop at the next sync",
        |v| Ok(AccountChange::RemoveTeam(v))
    ),
    (
        put,
        add_step,
        "/api/v1/admin/users/{username}/steps/{value}",
        "Qualify for an approval step",
        |v| Ok(AccountChange::AddStep(v))
    ),
    (
        delete,
        remove_step,
        "/api/v1/admin/users/{username}/steps/{value}",
        "Unqualify for an approval step",
        |v| Ok(AccountChange::RemoveStep(v))
    ),
    (
        put,
        add_channel_grant,
        "/api/v1/admin/users/{username}/channels/{value}",
        "Let them see a channel (and, if they saw all of their teams' channels, only the ones granted)",
        |v| Ok(AccountChange::AddChannel(v))
    ),
    (
        delete,
        remove_channel_grant,
        "/api/v1/admin/users/{username}/channels/{value}",
        "Take a channel away from them",
        |v| Ok(AccountChange::RemoveChannel(v))
    ),
];

/// Lift a channel limit: every channel of their teams again.
#[utoipa::path(delete, path = "/api/v1/admin/users/{username}/channel-limit", tag = "admin",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "Sign-in name")),
    responses(
        (status = 200, description = "The account now", body = AccessEntry),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn all_channels(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(username): Path<String>,
) -> Result<Json<AccessEntry>, ApiError> {
    change(&server, &caller, &username, AccountChange::AllChannels).await
}

/// Someone leaves: disable them, revoke their sessions and hand all their open work to a
/// successor, in one transaction — or change nothing and say what the successor lacks.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/leave", tag = "admin",
    security(("bearer" = [])), request_body = Leave,
    params(("username" = String, Path, description = "Who leaves")),
    responses(
        (status = 200, description = "Done: what moved", body = LeaveReport),
        (status = 400, description = "The successor cannot take something over; nothing changed (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn leave(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(username): Path<String>,
    Json(body): Json<Leave>,
) -> Result<Json<LeaveReport>, ApiError> {
    Ok(Json(
        admin::leave(&server, &Trail::api(&caller), &username, &body.handover).await?,
    ))
}

/// The roles whose accounts must use two-factor sign-in.
#[utoipa::path(get, path = "/api/v1/admin/policy/two-factor", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The roles", body = TwoFactorPolicy),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn two_factor(
    State(server): State<Server>,
    _: Admin,
) -> Result<Json<TwoFactorPolicy>, ApiError> {
    Ok(Json(TwoFactorPolicy {
        roles: admin::two_factor_roles(&server).await?,
    }))
}

/// Set the roles whose accounts must use two-factor sign-in (exactly these).
#[utoipa::path(put, path = "/api/v1/admin/policy/two-factor", tag = "admin",
    security(("bearer" = [])), request_body = TwoFactorPolicy,
    responses(
        (status = 200, description = "The roles now", body = TwoFactorPolicy),
        (status = 400, description = "Malformed (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn set_two_factor(
    State(server): State<Server>,
    Admin(caller): Admin,
    Json(body): Json<TwoFactorPolicy>,
) -> Result<Json<TwoFactorPolicy>, ApiError> {
    Ok(Json(TwoFactorPolicy {
        roles: admin::set_two_factor_roles(&server, &Trail::api(&caller), body.roles).await?,
    }))
}

/// Disable an account and revoke its sessions at once (a lost laptop); its desktops wipe
/// their data at the next contact. For a leaver, `leave` also hands their work over.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/disable", tag = "admin",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "Sign-in name")),
    responses(
        (status = 200, description = "The account now", body = AccessEntry),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn disable(
    State(server): State<Server>,
    Admin(caller): Admin,
    Path(username): Path<String>,
) -> Result<Json<AccessEntry>, ApiError> {
    admin::disable_user(&server, &Trail::api(&caller), &username).await?;
    Ok(Json(admin::access_of(&server, &username).await?))
}
