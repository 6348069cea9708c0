//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and the
//! core types' schemas, served at `GET /api/v1/openapi.json`.

use super::extract::Json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Countersign API",
        version = "1",
        description = "Approvals for social-media drafts: sign in, pull changed drafts, push \
                       decisions and comments, (for authors) write drafts, and (for \
                       administrators) set the rules. Every error is \
                       `{\"error\": {\"code\", \"message\"}}`; clients branch on `code`."
    ),
    paths(
        super::health,
        super::sessions::create,
        super::sessions::refresh,
        super::sessions::delete,
        super::sessions::revoke,
        super::sessions::me,
        super::sync::changes,
        super::sync::push,
        super::drafts::create,
        super::drafts::get,
        super::drafts::edit,
        super::drafts::withdraw,
        super::drafts::accept_suggestion,
        super::webhooks::published,
        super::webhooks::list,
        super::webhooks::add,
        super::webhooks::remove,
        super::webhooks::deliveries,
        super::admin::my_channels,
        super::admin::access,
        super::export::drafts,
        super::audit::export,
        super::admin::channels,
        super::admin::add_channel,
        super::admin::set_channel_policy,
        super::admin::crisis,
        super::admin::crisis_on,
        super::admin::crisis_off,
        super::admin::add_role,
        super::admin::remove_role,
        super::admin::add_team,
        super::admin::remove_team,
        super::admin::add_step,
        super::admin::remove_step,
        super::admin::add_channel_grant,
        super::admin::remove_channel_grant,
        super::admin::all_channels,
        super::admin::leave,
        super::admin::disable,
        super::admin::two_factor,
        super::admin::set_two_factor,
        super::policy::policy,
        super::policy::replies,
        super::policy::set_policy,
        super::policy::set_routing,
        super::policy::add_reply,
        super::policy::remove_reply,
        super::receipts::key,
        document,
    ),
    modifiers(&BearerScheme, &CommonErrors),
    tags(
        (name = "sessions", description = "Signing in and out"),
        (name = "sync", description = "The desktop's pull and push"),
        (name = "drafts", description = "Writing drafts"),
        (name = "policy", description = "The policy pack drafts are reviewed with, and the pre-approved replies"),
        (name = "admin", description = "Administrators only: channels and their policies, crisis mode, roles, teams, steps and channel limits, leavers, the two-factor policy, who has access to what, the drafts export and the audit log"),
        (name = "receipts", description = "The public key reviewers' receipts are signed with"),
        (name = "health", description = "Probes"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` scheme the handlers refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The access token from POST /api/v1/sessions (opaque, short-lived)",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the error answers an operation can give by its shape, where its own annotation does
/// not already list them, so the document names every status the server sends (the fuzz run,
/// `scripts/api-fuzz`, fails on any status the document does not list):
/// - a JSON body: 400 `invalid_json`, 413 `body_too_large`, 415 `unsupported_media_type`
///   (crate::api::extract);
/// - query parameters: 400 `invalid_query`;
/// - path parameters: 404 `not_found` (a segment that does not parse names nothing);
/// - a bearer token: 401;
/// - anything that reads the database: 503 `unavailable` with Retry-After, when it stays
///   busy past the busy timeout (never a 500).
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_common_errors(path, operation);
            }
        }
    }
}

fn add_common_errors(path: &str, operation: &mut Operation) {
    let takes = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let mut errors = vec![];
    if operation.request_body.is_some() {
        errors.extend([
            (
                "400",
                "The body is not JSON this operation takes: malformed, invalid UTF-8, nested too \
                 deep, a wrong type, a missing or unknown field at any depth, an integer above \
                 2^63-1 (`invalid_json`)",
            ),
            (
                "413",
                "The body is larger than the server accepts (`body_too_large`)",
            ),
            (
                "415",
                "The body is not sent as `application/json` (`unsupported_media_type`)",
            ),
        ]);
    }
    if takes(ParameterIn::Query) {
        errors.push((
            "400",
            "A query parameter that is not one of this operation's or not of its type \
             (`invalid_query`)",
        ));
    }
    if takes(ParameterIn::Path) {
        errors.push(("404", "The address names nothing that exists (`not_found`)"));
    }
    if operation.security.is_some() {
        errors.push((
            "401",
            "No valid token (`unauthenticated`, `token_expired`, `session_revoked`)",
        ));
    }
    // Those three read no database.
    if path != "/healthz" && path != "/api/v1/openapi.json" && path != "/api/v1/receipts/key" {
        errors.push((
            "503",
            "The database stayed busy past its timeout (`unavailable`); retry after the \
             seconds in Retry-After",
        ));
    }
    for (status, description) in errors {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build()
                    .into()
            });
    }
}

/// The API's OpenAPI 3.1 document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
