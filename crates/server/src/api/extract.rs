//! Extractors that answer in the API's error shape. axum's own `Json`, `Query` and `Path`
//! reject with plain text (and 422 for unknown fields); these wrap them and map every
//! rejection to `{"error": {"code", "message"}}`.
//!
//! A JSON body is strict at every depth. Types that only ever arrive in requests say
//! `#[serde(deny_unknown_fields)]` themselves; types that also travel back in answers (a
//! draft's media and history, a channel's policy steps, its routing) must not, or a desktop
//! would fail on the first field a newer server adds. So [`from_json`] also reports every
//! field any derive would have skipped (`serde_ignored`), and refuses the body when there is
//! one: requests are strict here, answers stay tolerant on the desktop.

use super::error::ApiError;
use crate::sessions::{self, Authenticated};
use crate::{AuthError, Server};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A JSON body (request) or JSON answer (response).
///
/// Rejections: no JSON content type → 415 `unsupported_media_type`; over the body limit →
/// 413 `body_too_large`; anything [`from_json`] refuses → 400 `invalid_json`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON, with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| body_rejection(&rejection))?;
        from_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json`, or any `application/…+json`; parameters (`charset`) aside.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
}

/// A body that could not be read: too large (413), or cut off.
fn body_rejection(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is larger than the server accepts",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            rejection.body_text(),
        )
    }
}

/// Reads a request body as `T`, or answers 400 `invalid_json` naming what is wrong and where:
/// not JSON (including invalid UTF-8 and lone surrogates), nested deeper than 128 levels
/// (serde_json's recursion limit), an integer above `i64::MAX` anywhere (every number the
/// server keeps is an SQLite integer, so a larger one could only fail later, as a 500), a
/// wrong type, a missing field, or an unknown field at any depth.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    Integers::deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ))
    .map_err(|e| invalid_json(&track.path().to_string(), &e))?;

    let mut json = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    let mut unknown: Option<String> = None;
    let mut note = |path: serde_ignored::Path<'_>| {
        unknown.get_or_insert_with(|| path.to_string());
    };
    let value = T::deserialize(serde_path_to_error::Deserializer::new(
        serde_ignored::Deserializer::new(&mut json, &mut note),
        &mut track,
    ))
    .map_err(|e| invalid_json(&track.path().to_string(), &e))?;
    json.end().map_err(|e| invalid_json(".", &e))?;
    match unknown {
        Some(path) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("unknown field `{path}`: this server does not know it"),
        )),
        None => Ok(value),
    }
}

/// 400 `invalid_json`; `path` is serde_path_to_error's (`.` for the whole body).
fn invalid_json(path: &str, error: &serde_json::Error) -> ApiError {
    let message = match path {
        "." => format!("the body is not what this endpoint takes: {error}"),
        at => format!("the body is not what this endpoint takes: {at}: {error}"),
    };
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
}

/// Any JSON value, refusing an integer above `i64::MAX`.
struct Integers;

impl<'de> Deserialize<'de> for Integers {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Integers)
    }
}

impl<'de> Visitor<'de> for Integers {
    type Value = Integers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Integers, E> {
        if i64::try_from(v).is_ok() {
            Ok(Integers)
        } else {
            Err(E::custom(format_args!(
                "{v} is larger than any number this server keeps (at most {})",
                i64::MAX
            )))
        }
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Integers, E> {
        Ok(Integers)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Integers, E> {
        Ok(Integers)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Integers, E> {
        Ok(Integers)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Integers, E> {
        Ok(Integers)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Integers, E> {
        Ok(Integers)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Integers, A::Error> {
        while seq.next_element::<Integers>()?.is_some() {}
        Ok(Integers)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Integers, A::Error> {
        // Keys as text, so the error's path names them.
        while map.next_key::<String>()?.is_some() {
            map.next_value::<Integers>()?;
        }
        Ok(Integers)
    }
}

/// A count in a query (`limit=`), for `#[serde(deserialize_with)]`: any run of decimal
/// digits, however long — a count too large for this machine reads as the largest, so the
/// caller's clamp treats `limit=99999999999999999999999` like `limit=6000` — and nothing else.
pub fn saturating_count<'de, D: de::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<usize>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(de::Error::custom(format_args!(
            "{text:?} is not a whole number"
        )));
    }
    Ok(Some(text.parse().unwrap_or(usize::MAX)))
}

/// Query parameters. Any rejection → 400 `invalid_query`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                rejection.body_text(),
            )),
        }
    }
}

/// Path parameters. A segment that does not parse (say, an id that is not a UUID) names
/// nothing that exists → 404 `not_found`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                rejection.body_text(),
            )),
        }
    }
}

/// The authenticated caller, from `Authorization: Bearer <access token>`.
///
/// No or malformed header, or an unknown token → 401 `unauthenticated`; an expired token →
/// 401 `token_expired`; a revoked session or disabled user → 401 `session_revoked`.
#[derive(Clone, Debug)]
pub struct Auth(pub Authenticated);

impl FromRequestParts<Server> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, server: &Server) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or(AuthError::Unauthenticated)?;
        Ok(Auth(sessions::authenticate(server, token).await?))
    }
}

/// The token of an `Authorization: Bearer` header (scheme case-insensitive).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder();
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_tokens_are_read_and_anything_else_is_not() {
        assert_eq!(bearer_token(&parts(Some("Bearer abc"))), Some("abc"));
        assert_eq!(bearer_token(&parts(Some("bearer  abc "))), Some("abc"));
        for bad in [
            None,
            Some("Basic abc"),
            Some("Bearer"),
            Some("Bearer   "),
            Some("abc"),
        ] {
            assert_eq!(bearer_token(&parts(bad)), None, "{bad:?}");
        }
    }
}
