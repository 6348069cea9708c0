//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and the
//! core types' schemas, served at `GET /api/v1/openapi.json`.

use super::extract::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        super::admin::my_channels,
        super::admin::access,
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
        document,
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "sessions", description = "Signing in and out"),
        (name = "sync", description = "The desktop's pull and push"),
        (name = "drafts", description = "Writing drafts"),
        (name = "policy", description = "The policy pack drafts are reviewed with, and the pre-approved replies"),
        (name = "admin", description = "Administrators only: channels and their policies, crisis mode, roles, teams, steps and channel limits, leavers, the two-factor policy, and who has access to what"),
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
