//! `GET /api/v1/admin/drafts/export`: the drafts export ([`crate::export`]) over HTTP, for
//! administrators only, the body streamed a page of drafts at a time as the client reads.

use super::admin::Admin;
use super::error::ApiError;
use super::extract::Query;
use crate::export::{self, ExportFilter, ExportFormat, Exporter, Framed, PageSource};
use crate::trail::Trail;
use crate::{Server, ServerError};
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use countersign_core::DraftStatus;
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `GET /api/v1/admin/drafts/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportParams {
    /// Only drafts written from then: a date (`2026-12-01`, from its start, UTC) or an
    /// RFC 3339 time.
    from: Option<String>,
    /// Only drafts written until then: a date (to its end, UTC) or an RFC 3339 time
    /// (exclusive).
    to: Option<String>,
    /// `json` (default: an array, one draft per line) or `csv` (one row per draft version).
    format: Option<String>,
    /// Only this team's drafts (its name).
    team: Option<String>,
    /// Only this channel's drafts (its name).
    channel: Option<String>,
    /// Only drafts in this state (`approved`, `withdrawn`, …).
    status: Option<String>,
}

/// Every draft with its full life: versions with their SHA-256, the guard's findings,
/// decisions, comments, who approved, publishing. Recorded in the audit log
/// (`drafts_exported`). The body is streamed; a JSON body that does not end with `]` was
/// cut short by an error on the server (it is logged).
#[utoipa::path(get, path = "/api/v1/admin/drafts/export", tag = "admin",
    security(("bearer" = [])), params(ExportParams),
    responses(
        (status = 200, description = "The drafts in id order: a JSON array of drafts, or CSV with a header row and a row per draft version", content(
            ([export::ExportedDraft] = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad date, format or status, or from after to (`invalid_request`)", body = countersign_core::wire::ErrorBody),
        (status = 401, description = "No valid token", body = countersign_core::wire::ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`)", body = countersign_core::wire::ErrorBody),
        (status = 404, description = "No such team or channel (`not_found`)", body = countersign_core::wire::ErrorBody),
    ))]
pub(crate) async fn drafts(
    State(server): State<Server>,
    Admin(caller): Admin,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let bound = |text: &Option<String>, end_of_day| {
        text.as_deref()
            .map(|t| export::parse_bound(t, end_of_day))
            .transpose()
    };
    let status = params
        .status
        .as_deref()
        .map(|s| {
            DraftStatus::parse(s)
                .ok_or_else(|| ServerError::Invalid(format!("unknown draft status {s:?}")))
        })
        .transpose()?;
    let filter = ExportFilter {
        from: bound(&params.from, false)?,
        to: bound(&params.to, true)?,
        team: params.team,
        channel: params.channel,
        status,
    };
    let format = params
        .format
        .as_deref()
        .map_or(Ok(ExportFormat::Json), ExportFormat::parse)?;
    let exporter = Exporter::start(&server, filter, format, Trail::api(&caller)).await?;
    Ok(streamed(exporter, format, "drafts"))
}

/// `export` as a response body streamed as the client reads, `format`'s content type, kept
/// by no proxy or browser: every export is the organisation's record (its communications,
/// who signed in from where and decided what). An error part way is logged as `what`'s
/// export stopping, and cuts the body short.
pub(crate) fn streamed<S>(export: Framed<S>, format: ExportFormat, what: &'static str) -> Response
where
    S: PageSource + Send + 'static,
    S::Row: Send,
{
    // One page is read when the client has taken the one before (hyper polls the stream
    // only as the connection drains), so a slow reader holds one page, not the export.
    let chunks = futures_util::stream::try_unfold(export, move |mut export| async move {
        match export.next_chunk().await {
            Ok(Some(chunk)) => Ok(Some((chunk, export))),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(error = %e, "the {what} export stopped");
                Err(e)
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
