//! `GET /api/v1/changes` and `POST /api/v1/push`.
//!
//! The changes page is written straight from the stored draft JSON: each draft is spliced
//! in as a `RawValue`, never parsed into a `Draft` and serialised again, so a desktop pulling
//! tens of thousands of drafts costs the server little more than reading them.

use super::error::ApiError;
use super::extract::{Auth, Json, Query};
use crate::cursor::Cursor;
use crate::storage::ChangesPage;
use crate::trail::Trail;
use crate::{Server, ServerError, StorageError, sync};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::wire::{ChangesResponse, Directory, ErrorBody, PushRequest, PushResponse};
use countersign_core::{ClientId, DraftId, MutationId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::IntoParams;

/// Query of `GET /api/v1/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangesParams {
    /// The desktop installation asking (UUID). Registered to the caller on first use; its
    /// `last_mutation_id` comes back with the page.
    #[param(value_type = Option<String>, format = Uuid)]
    client_id: Option<ClientId>,
    /// `next_cursor` of the previous page; leave out to start from the beginning.
    cursor: Option<String>,
    /// Page size: default 500. Any whole number is taken and clamped into 1–5000: 0 reads as
    /// 1, anything above 5000 as 5000 however large. Anything else is 400 `invalid_query`.
    #[serde(default, deserialize_with = "super::extract::saturating_count")]
    #[param(schema_with = super::extract::count_schema)]
    limit: Option<usize>,
}

/// The wire shape of [`ChangesResponse`], with drafts as stored JSON.
#[derive(Serialize)]
struct ChangesBody {
    changes: Vec<ChangeBody>,
    next_cursor: String,
    has_more: bool,
    last_mutation_id: MutationId,
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<Directory>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ChangeBody {
    Upsert { draft: Box<RawValue> },
    Remove { draft_id: DraftId },
}

/// Drafts that changed after the cursor, in the server's commit order.
#[utoipa::path(get, path = "/api/v1/changes", tag = "sync",
    security(("bearer" = [])),
    params(ChangesParams),
    responses(
        (status = 200, description = "One page of changes: at most `limit` drafts, and it stops early (with `has_more`) once it holds 4 MiB of drafts (a single larger draft comes alone). Withdrawn drafts, and drafts that left the caller's scope (a team or channel taken away), come as `remove`. `directory` is there when the caller's roles, channels, spokespeople or crisis mode changed after the cursor.", body = ChangesResponse),
        (status = 400, description = "Bad query or a cursor this server did not make (`invalid_query`, `invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The client id belongs to another user (`client_taken`)", body = ErrorBody),
        (status = 409, description = "The cursor is past the end of this server's feed (`cursor_ahead`): it was restored from a backup. Forget the cursor and the cached drafts (keep the outbox) and pull again from the start", body = ErrorBody),
    ))]
pub(crate) async fn changes(
    State(server): State<Server>,
    Auth(caller): Auth,
    Query(params): Query<ChangesParams>,
) -> Result<Response, ApiError> {
    let cursor = Cursor::parse_param(params.cursor.as_deref())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_cursor", e.to_string()))?;
    let page = sync::changes(
        &server,
        &caller.user,
        params.client_id,
        cursor,
        params.limit,
    )
    .await?;
    // Either failing means a stored draft is not JSON: an internal error.
    let stored_json =
        |e: serde_json::Error| ApiError::from(ServerError::from(StorageError::from(e)));
    let body = changes_body(page).map_err(stored_json)?;
    let bytes = serde_json::to_vec(&body).map_err(stored_json)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

fn changes_body(page: ChangesPage) -> Result<ChangesBody, serde_json::Error> {
    let next_cursor = Cursor(page.next_cursor);
    let changes = page
        .rows
        .into_iter()
        .map(|row| {
            Ok(if row.removed {
                ChangeBody::Remove {
                    draft_id: row.draft_id,
                }
            } else {
                ChangeBody::Upsert {
                    draft: RawValue::from_string(row.draft_json)?,
                }
            })
        })
        .collect::<Result<Vec<_>, serde_json::Error>>()?;
    Ok(ChangesBody {
        changes,
        next_cursor: next_cursor.to_string(),
        has_more: page.has_more,
        last_mutation_id: page.last_mutation_id,
        directory: page.directory,
    })
}

/// Apply a batch of the client's mutations, in order, in one transaction.
#[utoipa::path(post, path = "/api/v1/push", tag = "sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "One result per mutation, in order: applied, duplicate (with the first result), conflict (with its reason; the current state of each draft a conflict is about comes once in `drafts`, not in the result), forbidden or invalid (a field over its cap: the message names the field and the cap). An invalid result with code `mutation_gap` was not processed: the mutation skips ahead of `expected_mutation_id` (the server was restored from a backup); send again from that id, declaring with `skip` the ids no longer held", body = PushResponse),
        (status = 400, description = "Malformed request (`invalid_json`), or a `skip` that is empty or covers a mutation of the push (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The client id belongs to another user (`client_taken`)", body = ErrorBody),
        (status = 413, description = "More than 1000 mutations (`too_many_mutations`) or body too large (`body_too_large`)", body = ErrorBody),
    ))]
pub(crate) async fn push(
    State(server): State<Server>,
    Auth(caller): Auth,
    Json(request): Json<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    Ok(Json(
        sync::push(&server, &Trail::api(&caller), &caller.actor(), request).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ChangeRow;
    use countersign_core::wire::{Change, ChangesResponse};
    use uuid::Uuid;

    #[test]
    fn the_spliced_body_reads_back_as_the_core_response() {
        let t = crate::fixtures::team();
        let author = crate::fixtures::actor("ana", &[], &[], &[t]);
        let draft = crate::fixtures::draft(t, &author.person);
        let gone = DraftId(Uuid::now_v7());
        let page = ChangesPage {
            rows: vec![
                ChangeRow {
                    seq: 7,
                    draft_id: draft.id,
                    removed: false,
                    draft_json: serde_json::to_string(&draft).unwrap(),
                },
                ChangeRow {
                    seq: 9,
                    draft_id: gone,
                    removed: true,
                    draft_json: "{}".into(),
                },
            ],
            has_more: true,
            next_cursor: 9,
            last_mutation_id: MutationId(4),
            directory: None,
        };
        let json = serde_json::to_string(&changes_body(page).unwrap()).unwrap();
        let parsed: ChangesResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.next_cursor, "9");
        assert!(parsed.has_more);
        assert_eq!(parsed.last_mutation_id, MutationId(4));
        assert_eq!(
            parsed.changes,
            vec![
                Change::Upsert {
                    draft: Box::new(draft)
                },
                Change::Remove { draft_id: gone }
            ]
        );
    }

    #[test]
    fn an_empty_page_carries_the_cursor_storage_chose() {
        let page = ChangesPage {
            rows: vec![],
            has_more: false,
            next_cursor: 12,
            last_mutation_id: MutationId(0),
            directory: None,
        };
        let body = changes_body(page).unwrap();
        assert_eq!(body.next_cursor, "12");
        assert!(body.changes.is_empty());
    }
}
