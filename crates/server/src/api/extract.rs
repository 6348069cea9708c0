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
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
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
/// wrong type (an array where an object belongs too: see `strict`), a missing field, or an
/// unknown field at any depth.
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
        serde_ignored::Deserializer::new(strict::Strict(&mut json), &mut note),
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

/// A deserializer that reads every struct from a JSON object only.
///
/// serde's derive also takes a struct as an array of its fields in order, and serde_json
/// offers that form whenever it meets `[`: so `["rita", "hunter2"]` would sign in, and
/// `PUT …/routing` with `[null, null]` would clear a channel's routing (the fuzz run found
/// that one). No client sends that form and no document describes it, so the server does not
/// take it: this wrapper asks serde_json for a map wherever a struct is wanted, at every
/// depth, and forwards everything else unchanged.
mod strict {
    use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
    use std::fmt;

    /// Wraps a deserializer.
    pub(super) struct Strict<D>(pub(super) D);

    macro_rules! forward {
        ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
            $(
                fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                    self.0.$method($($arg,)* Wrap(visitor))
                }
            )*
        };
    }

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
        type Error = D::Error;

        forward!(
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
            deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
            deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
            deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
            deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
            deserialize_option(), deserialize_unit(), deserialize_seq(), deserialize_map(),
            deserialize_identifier(), deserialize_ignored_any(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str),
            deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        );

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            // The point of the wrapper: an object, never an array.
            self.0.deserialize_map(Wrap(visitor))
        }

        fn is_human_readable(&self) -> bool {
            self.0.is_human_readable()
        }
    }

    /// Wraps a visitor, so that what it is handed to read further is wrapped too.
    struct Wrap<V>(V);

    macro_rules! visit {
        ($($method:ident($ty:ty)),* $(,)?) => {
            $(
                fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                    self.0.$method(v)
                }
            )*
        };
    }

    impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
        type Value = V::Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }

        visit!(
            visit_bool(bool),
            visit_i8(i8),
            visit_i16(i16),
            visit_i32(i32),
            visit_i64(i64),
            visit_i128(i128),
            visit_u8(u8),
            visit_u16(u16),
            visit_u32(u32),
            visit_u64(u64),
            visit_u128(u128),
            visit_f32(f32),
            visit_f64(f64),
            visit_char(char),
            visit_str(&str),
            visit_borrowed_str(&'de str),
            visit_string(String),
            visit_bytes(&[u8]),
            visit_borrowed_bytes(&'de [u8]),
            visit_byte_buf(Vec<u8>),
        );

        fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_none()
        }

        fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_unit()
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.0.visit_some(Strict(d))
        }

        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.0.visit_newtype_struct(Strict(d))
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
            self.0.visit_seq(Seq(seq))
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
            self.0.visit_map(Map(map))
        }

        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
            self.0.visit_enum(Enum(data))
        }
    }

    /// Wraps a seed, so the deserializer it is given is wrapped.
    struct Seed<S>(S);

    impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
        type Value = S::Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
            self.0.deserialize(Strict(d))
        }
    }

    struct Seq<A>(A);

    impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Seq<A> {
        type Error = A::Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, A::Error> {
            self.0.next_element_seed(Seed(seed))
        }

        fn size_hint(&self) -> Option<usize> {
            self.0.size_hint()
        }
    }

    struct Map<A>(A);

    impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Map<A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            self.0.next_key_seed(Seed(seed))
        }

        fn next_value_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<T::Value, A::Error> {
            self.0.next_value_seed(Seed(seed))
        }

        fn size_hint(&self) -> Option<usize> {
            self.0.size_hint()
        }
    }

    struct Enum<A>(A);

    impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Enum<A> {
        type Error = A::Error;
        type Variant = Variant<A::Variant>;

        fn variant_seed<T: DeserializeSeed<'de>>(
            self,
            seed: T,
        ) -> Result<(T::Value, Self::Variant), A::Error> {
            self.0
                .variant_seed(Seed(seed))
                .map(|(value, variant)| (value, Variant(variant)))
        }
    }

    struct Variant<A>(A);

    impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Variant<A> {
        type Error = A::Error;

        fn unit_variant(self) -> Result<(), A::Error> {
            self.0.unit_variant()
        }

        fn newtype_variant_seed<T: DeserializeSeed<'de>>(
            self,
            seed: T,
        ) -> Result<T::Value, A::Error> {
            self.0.newtype_variant_seed(Seed(seed))
        }

        fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
            self.0.tuple_variant(len, Wrap(v))
        }

        fn struct_variant<V: Visitor<'de>>(
            self,
            fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, A::Error> {
            self.0.struct_variant(fields, Wrap(v))
        }
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

/// The OpenAPI schema of a [`saturating_count`] parameter: a whole number of any size, from 0
/// (no `int64` format: a larger one is taken too, and clamped).
pub fn count_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(0))
        .build()
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
    use countersign_core::wire::{NewDraft, PushRequest, SessionRequest};

    fn refusal<T: DeserializeOwned>(body: &str) -> String {
        match from_json::<T>(body.as_bytes()) {
            Ok(_) => panic!("{body} must be refused"),
            Err(e) => {
                assert_eq!(e.code(), "invalid_json", "{body}");
                e.message().to_owned()
            }
        }
    }

    #[test]
    fn a_struct_is_read_from_an_object_only_at_any_depth() {
        let signed_in: SessionRequest =
            from_json(br#"{"username": "rita", "password": "pw"}"#).expect("an object reads");
        assert_eq!(signed_in.username, "rita");
        refusal::<SessionRequest>(r#"["rita", "pw"]"#);
        let draft = r#"{"network": "x", "channel": "@a", "body": "hi",
                        "in_reply_to": ["@cust", "hello"]}"#;
        let message = refusal::<NewDraft>(draft);
        assert!(message.contains("in_reply_to"), "{message}");
    }

    #[test]
    fn an_unknown_field_is_named_wherever_it_is() {
        let draft = r#"{"network": "x", "channel": "@a", "body": "hi",
                        "media": [{"kind": "image", "url": "https://a.example/1.png", "size": 9}]}"#;
        let message = refusal::<NewDraft>(draft);
        assert!(message.contains("media.0.size"), "{message}");
        let push = r#"{"client_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e10", "mutations": [
            {"mutation_id": 1, "kind": "annotate", "annotation": {
              "id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e12",
              "draft_id": "0190f0c6-7b5e-7c5a-9d7e-3c1f5b2a4e11", "draft_version": 1,
              "body": "b", "target": {"quote": {"exact": "a", "lang": "en"}}}}]}"#;
        let message = refusal::<PushRequest>(push);
        assert!(message.contains("lang"), "{message}");
    }

    #[test]
    fn integers_past_i64_max_and_trailing_text_are_refused() {
        let message = refusal::<serde_json::Value>(r#"{"a": [1, {"b": 9223372036854775808}]}"#);
        assert!(message.contains("a[1].b"), "the path is named: {message}");
        from_json::<serde_json::Value>(br#"{"a": 9223372036854775807, "b": -9223372036854775808}"#)
            .expect("the SQLite range reads");
        refusal::<serde_json::Value>("{} {}");
        refusal::<serde_json::Value>("");
    }

    #[test]
    fn json_content_types_are_recognised_and_others_are_not() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("a header value"));
            is_json(&headers)
        };
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/problem+json",
        ] {
            assert!(with(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "application/json-seq",
            "text/plain",
            "json",
            "application/",
        ] {
            assert!(!with(no), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()), "no content type is not JSON");
    }

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
