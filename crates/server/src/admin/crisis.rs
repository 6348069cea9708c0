//! Turning crisis mode on and off, and who may speak while it is on.

use crate::Server;
use crate::admin::channels::channel_named;
use crate::directory::spokespeople;
use crate::error::ServerError;
use crate::storage::CrisisUpdate;
use crate::trail::Trail;
use countersign_core::wire::admin::{CrisisChannel, CrisisEffect, CrisisStatus};
use countersign_core::{ChannelId, CrisisState, Refusal};

/// Crisis mode as it is, with the spokespeople authorised for each channel it covers.
pub async fn crisis_status(server: &Server) -> Result<CrisisStatus, ServerError> {
    let state = server.storage().crisis().await?;
    status(server, state, None).await
}

/// Turns crisis mode on for the channels named (none: every channel) with `reason`, as
/// `trail`'s person. Waiting drafts on them become crisis drafts; approved ones due later are held.
/// Turning it on for more channels while it is on adds them.
pub async fn crisis_on(
    server: &Server,
    trail: &Trail,
    reason: &str,
    channel_names: &[String],
) -> Result<CrisisStatus, ServerError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ServerError::Invalid(
            "say why (--reason): everyone who sees the crisis banner reads it".into(),
        ));
    }
    let mut ids = Vec::with_capacity(channel_names.len());
    for name in channel_names {
        ids.push(channel_named(server, name).await?.id);
    }
    let now = server.now();
    let declared_by = trail.person();
    let change = Box::new(move |current: &CrisisState| {
        let channels: Option<&[ChannelId]> = if ids.is_empty() { None } else { Some(&ids) };
        Ok(current.turned_on(channels, &reason, &declared_by, now))
    });
    apply(server, change, trail).await
}

/// Turns crisis mode off everywhere, as `trail`'s person. Held drafts go back to review with no
/// approvals (never straight out); drafts that were crisis drafts only because of crisis
/// mode get their authors' urgency back.
pub async fn crisis_off(server: &Server, trail: &Trail) -> Result<CrisisStatus, ServerError> {
    let change = Box::new(|current: &CrisisState| {
        if current.is_on() {
            Ok(CrisisState::default())
        } else {
            Err(Refusal::Invalid("crisis mode is not on".into()))
        }
    });
    apply(server, change, trail).await
}

async fn apply(
    server: &Server,
    change: crate::storage::CrisisChange,
    trail: &Trail,
) -> Result<CrisisStatus, ServerError> {
    match server
        .storage()
        .set_crisis(change, trail.person(), server.now(), trail.clone())
        .await?
    {
        CrisisUpdate::Refused(refusal) => Err(refusal.into()),
        CrisisUpdate::Updated { state, effect } => {
            tracing::warn!(on = state.is_on(), ?effect, "crisis mode changed");
            status(server, state, Some(effect)).await
        }
    }
}

async fn status(
    server: &Server,
    state: CrisisState,
    effect: Option<CrisisEffect>,
) -> Result<CrisisStatus, ServerError> {
    let users = server.storage().users().await?;
    let channels = server
        .storage()
        .channels()
        .await?
        .into_iter()
        .filter(|c| state.covers(Some(c.id)))
        .map(|channel| CrisisChannel {
            spokespeople: spokespeople(&channel, &users)
                .into_iter()
                .map(|u| u.person())
                .collect(),
            channel,
        })
        .collect();
    Ok(CrisisStatus {
        state,
        channels,
        effect,
    })
}
