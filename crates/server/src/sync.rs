//! The desktop's sync endpoints without HTTP: one page of the changes feed, and one push.

use crate::Server;
use crate::cursor::Cursor;
use crate::error::ServerError;
use crate::policy::Review;
use crate::push::MAX_MUTATIONS;
use crate::storage::{ChangesPage, ChangesRequest, PushBatch, UserRecord};
use crate::trail::Trail;
use countersign_core::approval::Actor;
use countersign_core::wire::{PushRequest, PushResponse};
use countersign_core::{ClientId, MutationKind, Verdict};
use std::sync::Arc;

/// Page size when the client does not ask for one.
pub const DEFAULT_PAGE: usize = 500;
/// The largest page served; larger requests are clamped to it.
pub const MAX_PAGE: usize = 5000;

/// One page of the changes feed after `cursor`, in the user's scope, plus the client's
/// `last_mutation_id` and, when it changed, the user's directory. The first call with a
/// `client_id` registers it to the user; a client registered to someone else is refused.
pub async fn changes(
    server: &Server,
    user: &UserRecord,
    client_id: Option<ClientId>,
    cursor: Cursor,
    limit: Option<usize>,
) -> Result<ChangesPage, ServerError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let mut page = server
        .storage()
        .changes(ChangesRequest {
            user: user.clone(),
            client_id,
            after: cursor.0,
            limit,
            now: server.now(),
        })
        .await?;
    if let Some(directory) = page.directory.as_mut() {
        directory.offline_lease_secs = Some(server.config().offline_lease.as_secs());
    }
    Ok(page)
}

/// Applies a push batch in one transaction; see [`crate::push`] for the rules.
pub async fn push(
    server: &Server,
    trail: &Trail,
    actor: &Actor,
    request: PushRequest,
) -> Result<PushResponse, ServerError> {
    if request.mutations.len() > MAX_MUTATIONS {
        return Err(ServerError::TooManyMutations {
            max: MAX_MUTATIONS,
            got: request.mutations.len(),
        });
    }
    // Reviewing needs the pack, the channels and the people: loaded only for a batch that
    // approves something.
    let approves = request.mutations.iter().any(|m| {
        matches!(&m.kind, MutationKind::Decide { decision } if decision.verdict == Verdict::Approve)
    });
    let review = if approves {
        Some(Arc::new(Review::load(server).await?))
    } else {
        None
    };
    crate::push::check_skip(request.skip.as_ref(), &request.mutations)
        .map_err(ServerError::Invalid)?;
    let outcome = server
        .storage()
        .push(
            PushBatch {
                actor: actor.clone(),
                client_id: request.client_id,
                skip: request.skip,
                mutations: request.mutations,
                now: server.now(),
                review,
                receipts: Some(std::sync::Arc::clone(server.receipts())),
            },
            trail.clone(),
        )
        .await?;
    if approves {
        // A final approval enqueued its webhook deliveries in the push's transaction.
        server.deliveries().notify_one();
    }
    Ok(PushResponse {
        results: outcome.results,
        drafts: outcome.drafts,
    })
}
