//! `/api/v1/sessions` and `/api/v1/me`.

use super::error::ApiError;
use super::extract::{Auth, Json};
use crate::{Server, sessions};
use axum::extract::State;
use axum::http::StatusCode;
use countersign_core::wire::{
    ErrorBody, RefreshRequest, SessionRequest, SessionResponse, SessionUser,
};

/// Sign in with a username and password, and the current TOTP code for accounts enrolled
/// in two-factor sign-in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "Signed in: a token pair and the user", body = SessionResponse),
        (status = 400, description = "Malformed request (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "Wrong username or password, identical for both, or a wrong or already used TOTP code (`bad_credentials`); or the password was right but the account needs a TOTP code and the request has no `totp` (`totp_required`: ask for the 6-digit code from the authenticator app and send the sign-in again with it)", body = ErrorBody),
        (status = 403, description = "Right password, disabled account (`account_disabled`); or the two-factor policy covers one of the account's roles and it has no authenticator enrolled (`totp_enrolment_required`: the message names the enrol command)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this username (`too_many_attempts`, with Retry-After)", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(server): State<Server>,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    Ok(Json(sessions::sign_in(&server, request).await?))
}

/// Spend a refresh token for a new token pair.
#[utoipa::path(post, path = "/api/v1/sessions/refresh", tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the presented refresh token is spent. A retry with the token just spent, within the grace window (60 s by default) and while the pair it got is unused, gets that same pair again (its answer was probably lost)", body = SessionResponse),
        (status = 401, description = "`session_revoked` (a token the session already spent, any of them until it would have expired: the session is now revoked; or revoked earlier), `session_expired` (the token expired, or the session is past its absolute lifetime, 90 days by default: sign in again), or `unauthenticated` (unknown token)", body = ErrorBody),
        (status = 403, description = "The two-factor policy now covers the account and it has no authenticator (`totp_enrolment_required`); the token is not spent", body = ErrorBody),
    ))]
pub(crate) async fn refresh(
    State(server): State<Server>,
    Json(request): Json<RefreshRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    Ok(Json(
        sessions::refresh(&server, &request.refresh_token).await?,
    ))
}

/// Sign out: revoke the current session.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(server): State<Server>,
    Auth(caller): Auth,
) -> Result<StatusCode, ApiError> {
    sessions::sign_out(&server, caller.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out with the refresh token alone (RFC 7009 style), for a client whose access token
/// has expired or is gone: revokes the session the token belongs to, whether it is the
/// current one or one it already spent. An unknown token gets the same answer, and nothing
/// is revoked.
#[utoipa::path(post, path = "/api/v1/sessions/revoke", tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session this token belongs to, if any, is revoked"),
        (status = 400, description = "Malformed request (`invalid_json`)", body = ErrorBody),
    ))]
pub(crate) async fn revoke(
    State(server): State<Server>,
    Json(request): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    sessions::sign_out_with_refresh(&server, &request.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = SessionUser),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub(crate) async fn me(Auth(caller): Auth) -> Json<SessionUser> {
    Json(sessions::session_user(&caller.user))
}
