//! `GET /api/v1/admin/audit`: the audit log export ([`crate::audit`]) over HTTP, for
//! administrators only, the body streamed a page of events at a time as the client reads.

use super::admin::Admin;
use super::error::ApiError;
use super::extract::Query;
use crate::Server;
use crate::audit::AuditExport;
use crate::export::{ExportFormat, parse_bound};
use crate::trail::Trail;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `GET /api/v1/admin/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// Only events from then: a date (`2026-12-01`, from its start, UTC) or an RFC 3339
    /// time.
    from: Option<String>,
    /// Only events until then: a date (to its end, UTC) or an RFC 3339 time (exclusive).
    to: Option<String>,
    /// `json` (default: an array, one event per line) or `csv` (one row per event).
    format: Option<String>,
}

/// The audit log, in position order, as it stood when the export started: each event's
/// `position`, `at`, `kind`, `actor` (`id`, `username`), `via`, `session`, `draft` (`id`,
/// `version`, `content_sha256`), `detail`, `prev_hash` and `hash` — every field its hash
/// covers, so the file can be re-verified. Recorded in the log itself (`audit_exported`).
/// The body is streamed; a JSON body that does not end with `]` was cut short by an error
/// on the server (it is logged).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    security(("bearer" = [])), params(AuditParams),
    responses(
        (status = 200, description = "The events: a JSON array, or CSV with a header row", content(
            ([Object] = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad date or format, or from after to (`invalid_request`)", body = countersign_core::wire::ErrorBody),
        (status = 401, description = "No valid token", body = countersign_core::wire::ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = countersign_core::wire::ErrorBody),
    ))]
pub(crate) async fn export(
    State(server): State<Server>,
    Admin(caller): Admin,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let bound = |text: &Option<String>, end_of_day| {
        text.as_deref()
            .map(|t| parse_bound(t, end_of_day))
            .transpose()
    };
    let from = bound(&params.from, false)?;
    let to = bound(&params.to, true)?;
    let format = params
        .format
        .as_deref()
        .map_or(Ok(ExportFormat::Json), ExportFormat::parse)?;
    let export = AuditExport::start(&server, from, to, format, Trail::api(&caller)).await?;
    Ok(super::export::streamed(export, format, "audit"))
}
