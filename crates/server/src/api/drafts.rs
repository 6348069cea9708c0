//! `/api/v1/drafts`: what authors do.

use super::error::ApiError;
use super::extract::{Auth, Json, Path};
use crate::trail::Trail;
use crate::{Server, drafts};
use axum::extract::State;
use axum::http::StatusCode;
use countersign_core::wire::{AcceptSuggestion, EditDraft, ErrorBody, NewDraft};
use countersign_core::{AnnotationId, Draft, DraftId};

/// Write a draft (authors and administrators).
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts",
    security(("bearer" = [])),
    request_body = NewDraft,
    responses(
        (status = 201, description = "Created: version 1, pending", body = Draft),
        (status = 400, description = "Malformed or incomplete draft (`invalid_json`, `invalid_request`: an attachment kind or an address not https/http), or a field over its cap (`over_limit`: the message names the field and the cap; the body may be 4 times its network's limit and at most 256 KiB)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an author, or not the author's team (`forbidden`)", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(server): State<Server>,
    Auth(caller): Auth,
    Json(new): Json<NewDraft>,
) -> Result<(StatusCode, Json<Draft>), ApiError> {
    let draft = drafts::create(&server, &Trail::api(&caller), &caller.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(draft)))
}

/// Read a draft of one's teams (or one's own).
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Draft id")),
    responses(
        (status = 200, description = "The draft", body = Draft),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Another team's draft (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such draft (`not_found`)", body = ErrorBody),
    ))]
pub(crate) async fn get(
    State(server): State<Server>,
    Auth(caller): Auth,
    Path(id): Path<DraftId>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(drafts::get(&server, &caller.actor(), id).await?))
}

/// Edit the text (the author or an administrator). The version goes up; approvals on the
/// old version stop counting.
#[utoipa::path(patch, path = "/api/v1/drafts/{id}", tag = "drafts",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Draft id")),
    request_body = EditDraft,
    responses(
        (status = 200, description = "The edited draft", body = Draft),
        (status = 400, description = "Malformed request or empty text, or a body over its cap (`over_limit`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not the author (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such draft (`not_found`)", body = ErrorBody),
        (status = 409, description = "`stale_version` (edited since), `withdrawn` or `already_decided`", body = ErrorBody),
    ))]
pub(crate) async fn edit(
    State(server): State<Server>,
    Auth(caller): Auth,
    Path(id): Path<DraftId>,
    Json(edit): Json<EditDraft>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(
        drafts::edit(&server, &Trail::api(&caller), &caller.actor(), id, edit).await?,
    ))
}

/// Withdraw a draft (the author or an administrator). Final; reviewers' feeds get a removal.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/withdraw", tag = "drafts",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Draft id")),
    responses(
        (status = 200, description = "The withdrawn draft", body = Draft),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not the author (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such draft (`not_found`)", body = ErrorBody),
        (status = 409, description = "`withdrawn` (already) or `already_decided` (final)", body = ErrorBody),
    ))]
pub(crate) async fn withdraw(
    State(server): State<Server>,
    Auth(caller): Auth,
    Path(id): Path<DraftId>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(
        drafts::withdraw(&server, &Trail::api(&caller), &caller.actor(), id).await?,
    ))
}

/// Accept a reviewer's suggested replacement (the draft's author or an administrator). The
/// suggestion's words are found in the current text by their quote and context and replaced;
/// the result is a new version, exactly as an edit makes one (approvals on the old version
/// stop counting, the policy guard routes the new text), whose history entry names the
/// annotation (`edited` with `accepted_suggestion`).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/suggestions/{annotation_id}/accept", tag = "drafts",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid, description = "Draft id"),
        ("annotation_id" = String, Path, format = Uuid, description = "The annotation carrying the suggestion"),
    ),
    request_body = AcceptSuggestion,
    responses(
        (status = 200, description = "The draft's new version, with the suggestion in place", body = Draft),
        (status = 400, description = "Malformed request, the text it makes is empty, or over its network's cap (`over_limit`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not the draft's author, or another team's draft (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such draft, or no such suggestion on it: an unknown annotation, or a comment without a suggestion on its words (`not_found`)", body = ErrorBody),
        (status = 409, description = "`stale_version` (edited since), `withdrawn`, `already_decided`, `suggestion_accepted` (accepted already) or `suggestion_detached` (the words it replaces are no longer in the draft)", body = ErrorBody),
    ))]
pub(crate) async fn accept_suggestion(
    State(server): State<Server>,
    Auth(caller): Auth,
    Path((id, annotation_id)): Path<(DraftId, AnnotationId)>,
    Json(accept): Json<AcceptSuggestion>,
) -> Result<Json<Draft>, ApiError> {
    let trail = Trail::api(&caller);
    Ok(Json(
        drafts::accept_suggestion(&server, &trail, &caller.actor(), id, annotation_id, accept)
            .await?,
    ))
}
