//! `/api/v1/sessions` and `/api/v1/me`.

use super::error::ApiError;
use super::extract::{Auth, Json};
use crate::{Server, sessions};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use countersign_core::wire::{
    ErrorBody, RefreshRequest, SessionRequest, SessionResponse, SessionUser,
};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// Sign in with a username and password, and the current TOTP code for accounts enrolled
/// in two-factor sign-in.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "Signed in: a token pair and the user", body = SessionResponse),
        (status = 400, description = "Malformed request (`invalid_json`); or a username over 256 bytes, a password over 1,024 bytes or a code over 16 bytes (`invalid_request`), refused before any check", body = ErrorBody),
        (status = 401, description = "Wrong username or password, or a disabled account whatever the password, all identical; or a wrong or already used TOTP code (`bad_credentials`); or the password was right but the account needs a TOTP code and the request has no `totp` (`totp_required`: ask for the 6-digit code from the authenticator app and send the sign-in again with it)", body = ErrorBody),
        (status = 403, description = "The two-factor policy covers one of the account's roles and it has no authenticator enrolled (`totp_enrolment_required`: the message names the enrol command)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this username, or from this address, or that many attempts in flight (`too_many_attempts`, with Retry-After); the password is not checked", body = ErrorBody),
        (status = 503, description = "Every password-hashing place is taken for longer than the server waits (`unavailable`, with Retry-After)", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(server): State<Server>,
    ClientAddress(source): ClientAddress,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    Ok(Json(
        sessions::sign_in_from(&server, request, source).await?,
    ))
}

/// The address a request came from, for the sign-in limit per source: the TCP peer's, or,
/// when the peer is one of the [trusted proxies](crate::ServerConfig::trusted_proxies), the
/// last address in `X-Forwarded-For` that is not itself a trusted proxy. `None` when the
/// router runs without connect info (tests calling it directly).
pub(crate) struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<Server> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, server: &Server) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let trusted = &server.config().trusted_proxies;
        Ok(Self(
            peer.map(|peer| source_address(peer, &parts.headers, trusted)),
        ))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy; then the
/// `X-Forwarded-For` entries are read from the right (each proxy appends the address it
/// saw, and only the entries trusted proxies appended can be believed), past any trusted
/// proxies, to the first other address. Garbage there counts as the proxy itself.
fn source_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| {
        trusted
            .iter()
            .any(|t| t.to_canonical() == ip.to_canonical())
    };
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_source_is_the_peer_unless_a_trusted_proxy_names_another() {
        let proxy = ip("127.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        let cases: [(&str, &str, &[&str], &str); 7] = [
            (
                "no proxy trusted",
                "203.0.113.9",
                &["198.51.100.1"],
                "203.0.113.9",
            ),
            (
                "a trusted proxy",
                "127.0.0.1",
                &["198.51.100.1"],
                "198.51.100.1",
            ),
            (
                "a forged entry before the proxy's own",
                "127.0.0.1",
                &["6.6.6.6, 198.51.100.1"],
                "198.51.100.1",
            ),
            (
                "two trusted proxies, two headers",
                "127.0.0.1",
                &["198.51.100.1", "10.0.0.2"],
                "198.51.100.1",
            ),
            ("no header from the proxy", "127.0.0.1", &[], "127.0.0.1"),
            (
                "garbage from the proxy",
                "127.0.0.1",
                &["not an ip"],
                "127.0.0.1",
            ),
            (
                "the mapped form of the proxy",
                "::ffff:127.0.0.1",
                &["198.51.100.1"],
                "198.51.100.1",
            ),
        ];
        for (case, peer, forwarded, expected) in cases {
            let got = source_address(ip(peer), &headers(forwarded), &trusted);
            assert_eq!(got, ip(expected), "{case}");
        }
        assert_eq!(
            source_address(proxy, &headers(&["198.51.100.1"]), &[]),
            proxy,
            "nothing trusted: the header is ignored"
        );
    }
}
