//! Channels — the organisation's accounts on the networks — and their approval policies.

use crate::Server;
use crate::admin::team_named;
use crate::error::ServerError;
use crate::trail::Trail;
use countersign_core::limits;
use countersign_core::wire::admin::NewChannel;
use countersign_core::{Channel, ChannelId, StepRule, channel};

/// Adds a channel: `account` on `network`, owned by `team`, whose drafts need `policy` (one
/// `review` when empty). Fails when the name or the account is taken, the team does not
/// exist, or the policy is unusable.
pub async fn add_channel(
    server: &Server,
    trail: &Trail,
    new: NewChannel,
) -> Result<Channel, ServerError> {
    let account = new.account.trim().to_owned();
    if account.is_empty() {
        return Err(ServerError::Invalid(
            "a channel needs its account on the network, e.g. @HartwellHelp".into(),
        ));
    }
    let name = match new.name.as_deref().map(str::trim) {
        Some("") | None => format!("{}:{account}", new.network.as_str()),
        Some(name) => name.to_owned(),
    };
    if name.chars().any(char::is_whitespace) {
        return Err(ServerError::Invalid(
            "a channel's name is one word, like care-x".into(),
        ));
    }
    limits::check_chars("the channel's account", &account, limits::MAX_CHANNEL_CHARS)?;
    limits::check_chars("the channel's name", &name, limits::MAX_CHANNEL_CHARS)?;
    let policy = if new.policy.is_empty() {
        vec![StepRule::one("review")]
    } else {
        new.policy
    };
    channel::check_policy(&policy).map_err(|e| ServerError::Invalid(e.to_string()))?;
    let team = team_named(server, &new.team).await?;
    let now = server.now();
    let created = Channel {
        id: ChannelId(crate::clock::uuid_v7(now)),
        name,
        network: new.network,
        account,
        team: team.id,
        policy,
    };
    server
        .storage()
        .create_channel(created.clone(), now, trail.clone())
        .await?;
    Ok(created)
}

/// Every channel, by name.
pub async fn list_channels(server: &Server) -> Result<Vec<Channel>, ServerError> {
    Ok(server.storage().channels().await?)
}

/// The channel called `name`.
pub async fn channel_named(server: &Server, name: &str) -> Result<Channel, ServerError> {
    list_channels(server)
        .await?
        .into_iter()
        .find(|c| c.name == name.trim())
        .ok_or_else(|| {
            ServerError::NotFound(format!(
                "there is no channel named {name:?}; `countersign-server channel list` shows them"
            ))
        })
}

/// Gives a channel a new policy. Drafts already written keep their steps; new drafts and
/// edits get the new ones.
pub async fn set_channel_policy(
    server: &Server,
    trail: &Trail,
    name: &str,
    policy: Vec<StepRule>,
) -> Result<Channel, ServerError> {
    channel::check_policy(&policy).map_err(|e| ServerError::Invalid(e.to_string()))?;
    let mut found = channel_named(server, name).await?;
    if !server
        .storage()
        .set_channel_policy(found.id, policy.clone(), server.now(), trail.clone())
        .await?
    {
        return Err(ServerError::NotFound(format!(
            "there is no channel named {name:?}"
        )));
    }
    found.policy = policy;
    Ok(found)
}
