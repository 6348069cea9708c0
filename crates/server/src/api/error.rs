//! The one error shape of the API: `{"error": {"code", "message"}}` with a fitting status.
//! Clients branch on `code`, never on `message`.

use crate::error::{AuthError, ServerError, SuggestionRefusal};
use crate::storage::StorageError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::Refusal;
use countersign_core::limits::LimitError;
use countersign_core::wire::{ErrorBody, ErrorDetail, codes};

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The sentence for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    fn internal(error: &ServerError) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; it has been logged",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let message = e.to_string();
        match e {
            AuthError::BadCredentials => {
                Self::new(StatusCode::UNAUTHORIZED, codes::BAD_CREDENTIALS, message)
            }
            AuthError::TooManyAttempts { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                    .retry_after(retry_after_secs)
            }
            AuthError::TotpRequired => {
                Self::new(StatusCode::UNAUTHORIZED, codes::TOTP_REQUIRED, message)
            }
            AuthError::Unauthenticated => {
                Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED, message)
            }
            AuthError::TokenExpired => {
                Self::new(StatusCode::UNAUTHORIZED, codes::TOKEN_EXPIRED, message)
            }
            AuthError::SessionRevoked => {
                Self::new(StatusCode::UNAUTHORIZED, codes::SESSION_REVOKED, message)
            }
            AuthError::SessionExpired => {
                Self::new(StatusCode::UNAUTHORIZED, "session_expired", message)
            }
        }
    }
}

impl From<ServerError> for ApiError {
    fn from(e: ServerError) -> Self {
        if e.is_retryable() {
            tracing::warn!(error = %e, "database busy");
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the server is busy; try again in a moment",
            )
            .retry_after(1);
        }
        let message = e.to_string();
        match e {
            ServerError::Auth(auth) => auth.into(),
            ServerError::NotFound(_) => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            ServerError::Busy(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message).retry_after(1)
            }
            ServerError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            ServerError::Invalid(_) => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
            }
            ServerError::EnrolmentRequired(_) => Self::new(
                StatusCode::FORBIDDEN,
                codes::TOTP_ENROLMENT_REQUIRED,
                message,
            ),
            ServerError::Refused(Refusal::Conflict(reason)) => {
                Self::new(StatusCode::CONFLICT, reason.as_str(), reason.describe())
            }
            ServerError::Refused(Refusal::Forbidden(message)) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            ServerError::Refused(Refusal::Invalid(message)) => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
            }
            ServerError::TooManyMutations { .. } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_mutations", message)
            }
            ServerError::Storage(StorageError::ClientTaken(_)) => Self::new(
                StatusCode::FORBIDDEN,
                "client_taken",
                "this client id is registered to another user; make a new one",
            ),
            ServerError::OverLimit(LimitError::BadUrl { .. } | LimitError::BadKind { .. }) => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
            }
            ServerError::OverLimit(_) => Self::new(StatusCode::BAD_REQUEST, "over_limit", message),
            ServerError::Storage(StorageError::CursorAhead { .. }) => {
                Self::new(StatusCode::CONFLICT, codes::CURSOR_AHEAD, message)
            }
            ServerError::Suggestion(SuggestionRefusal::Detached) => {
                Self::new(StatusCode::CONFLICT, codes::SUGGESTION_DETACHED, message)
            }
            ServerError::Suggestion(SuggestionRefusal::AlreadyAccepted { .. }) => {
                Self::new(StatusCode::CONFLICT, codes::SUGGESTION_ACCEPTED, message)
            }
            ServerError::Storage(StorageError::AlreadyExists(_)) => {
                Self::new(StatusCode::CONFLICT, "already_exists", message)
            }
            other => Self::internal(&other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::ConflictReason;

    #[test]
    fn auth_errors_map_to_their_wire_codes() {
        let cases = [
            (AuthError::BadCredentials, 401, "bad_credentials"),
            (AuthError::TotpRequired, 401, "totp_required"),
            (AuthError::Unauthenticated, 401, "unauthenticated"),
            (AuthError::TokenExpired, 401, "token_expired"),
            (AuthError::SessionRevoked, 401, "session_revoked"),
            (
                AuthError::TooManyAttempts {
                    retry_after_secs: 9,
                },
                429,
                "too_many_attempts",
            ),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(ServerError::from(error));
            assert_eq!(api.status().as_u16(), status, "{error:?}");
            assert_eq!(api.code(), code, "{error:?}");
        }
    }

    #[test]
    fn refusals_map_to_409_403_and_400() {
        let conflict = ApiError::from(ServerError::Refused(Refusal::Conflict(
            ConflictReason::StaleVersion,
        )));
        assert_eq!(
            (conflict.status(), conflict.code()),
            (StatusCode::CONFLICT, "stale_version")
        );
        let forbidden = ApiError::from(ServerError::Refused(Refusal::Forbidden("no".into())));
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        let invalid = ApiError::from(ServerError::Refused(Refusal::Invalid("no".into())));
        assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let api = ApiError::from(ServerError::Storage(StorageError::Corrupt(
            "secret detail".into(),
        )));
        assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message.contains("secret detail"));
    }

    #[tokio::test]
    async fn the_body_is_the_error_shape_and_401_says_bearer() {
        let response = ApiError::from(AuthError::Unauthenticated).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.error.code, "unauthenticated");
    }
}
