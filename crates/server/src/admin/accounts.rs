//! Changing what an account may do: roles, teams, approval steps and channels — the
//! protocol for changing roles and permissions the seeds ask for. Every change is one
//! transaction; an account that loses sight of drafts (a team or channel taken away) gets
//! them as removals at its desktop's next sync, and one that gains sight gets them.

use crate::Server;
use crate::admin::{Names, UserSummary, channel_named, team_named, user_named};
use crate::error::ServerError;
use crate::storage::{UserRecord, UserUpdate};
use crate::trail::Trail;
use countersign_core::{ChannelAccess, ChannelId, Refusal, Role, TeamId};

/// One change to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountChange {
    /// Give a role.
    AddRole(Role),
    /// Take a role away (never the last).
    RemoveRole(Role),
    /// Add to a team (by name).
    AddTeam(String),
    /// Take off a team (by name): its drafts leave their desktop.
    RemoveTeam(String),
    /// Qualify for an approval step.
    AddStep(String),
    /// Unqualify.
    RemoveStep(String),
    /// Let them see a channel (by name) — and, if they could see every channel of their
    /// teams, only the channels granted from now on.
    AddChannel(String),
    /// Take a channel (by name) out of what they may see.
    RemoveChannel(String),
    /// Every channel of their teams again.
    AllChannels,
}

/// A change with the names it uses resolved, ready for the transaction.
enum Resolved {
    Role {
        role: Role,
        add: bool,
    },
    Team {
        team: TeamId,
        add: bool,
    },
    Step {
        step: String,
        add: bool,
    },
    Channel {
        id: ChannelId,
        name: String,
        add: bool,
    },
    AllChannels,
}

/// Applies `change` to `username`'s account and returns it as it is now. Adding what they
/// already have, or removing what they do not, changes nothing and is not an error.
pub async fn change_account(
    server: &Server,
    trail: &Trail,
    username: &str,
    change: AccountChange,
) -> Result<UserSummary, ServerError> {
    let user = user_named(server, username).await?;
    let resolved = match change {
        AccountChange::AddRole(role) => Resolved::Role { role, add: true },
        AccountChange::RemoveRole(role) => Resolved::Role { role, add: false },
        AccountChange::AddTeam(name) => Resolved::Team {
            team: team_named(server, &name).await?.id,
            add: true,
        },
        AccountChange::RemoveTeam(name) => Resolved::Team {
            team: team_named(server, &name).await?.id,
            add: false,
        },
        AccountChange::AddStep(step) => Resolved::Step {
            step: step.trim().to_owned(),
            add: true,
        },
        AccountChange::RemoveStep(step) => Resolved::Step {
            step: step.trim().to_owned(),
            add: false,
        },
        AccountChange::AddChannel(name) => {
            let channel = channel_named(server, &name).await?;
            Resolved::Channel {
                id: channel.id,
                name: channel.name,
                add: true,
            }
        }
        AccountChange::RemoveChannel(name) => {
            let channel = channel_named(server, &name).await?;
            Resolved::Channel {
                id: channel.id,
                name: channel.name,
                add: false,
            }
        }
        AccountChange::AllChannels => Resolved::AllChannels,
    };
    // Which team owns which channel, for limits that follow team changes.
    let owners: Vec<(ChannelId, TeamId)> = server
        .storage()
        .channels()
        .await?
        .into_iter()
        .map(|c| (c.id, c.team))
        .collect();
    let updated = server
        .storage()
        .update_user(
            user.id,
            Box::new(move |current| apply(current, resolved, &owners)),
            server.now(),
            trail.clone(),
        )
        .await?;
    match updated {
        UserUpdate::NotFound => Err(crate::admin::no_such_user(username)),
        UserUpdate::Refused(refusal) => Err(refusal.into()),
        UserUpdate::Updated(record) => Ok(Names::load(server).await?.summary(&record)),
    }
}

/// The account after the change, or why not.
fn apply(
    current: &UserRecord,
    change: Resolved,
    owners: &[(ChannelId, TeamId)],
) -> Result<UserRecord, Refusal> {
    let owner = |channel: ChannelId| owners.iter().find(|(c, _)| *c == channel).map(|(_, t)| *t);
    let mut next = current.clone();
    match change {
        Resolved::Role { role, add: true } => insert(&mut next.roles, role),
        Resolved::Role { role, add: false } => {
            next.roles.retain(|r| *r != role);
            if next.roles.is_empty() {
                return Err(Refusal::Invalid(format!(
                    "{} would have no role left; give them another before taking away {}",
                    current.username,
                    role.as_str()
                )));
            }
        }
        Resolved::Team { team, add: true } => insert(&mut next.teams, team),
        Resolved::Team { team, add: false } => {
            next.teams.retain(|t| *t != team);
            // Grants on the team's channels go with it, so rejoining later does not bring
            // back an old limit by surprise.
            if let ChannelAccess::Only(list) = &mut next.channels {
                list.retain(|c| owner(*c) != Some(team));
            }
        }
        Resolved::Step { step, add } => {
            if step.is_empty() || step.chars().any(|c| c.is_whitespace() || c == ':') {
                return Err(Refusal::Invalid(
                    "approval steps are single words, like review or legal".into(),
                ));
            }
            if add {
                insert(&mut next.steps, step);
            } else {
                next.steps.retain(|s| *s != step);
            }
        }
        Resolved::Channel {
            id,
            name,
            add: true,
        } => {
            if !owner(id).is_some_and(|t| current.teams.contains(&t)) {
                return Err(Refusal::Invalid(format!(
                    "{} is not in the team that owns {name}; add them to that team first \
                     (user team add)",
                    current.username
                )));
            }
            next.channels = match &current.channels {
                ChannelAccess::AllOfTeams => ChannelAccess::Only(vec![id]),
                ChannelAccess::Only(list) => {
                    let mut list = list.clone();
                    insert(&mut list, id);
                    ChannelAccess::Only(list)
                }
            };
        }
        Resolved::Channel { id, add: false, .. } => {
            let list = match &current.channels {
                // Every channel of their teams but this one.
                ChannelAccess::AllOfTeams => owners
                    .iter()
                    .filter(|(_, team)| current.teams.contains(team))
                    .map(|(c, _)| *c)
                    .collect(),
                ChannelAccess::Only(list) => list.clone(),
            };
            next.channels = ChannelAccess::Only(list.into_iter().filter(|c| *c != id).collect());
        }
        Resolved::AllChannels => next.channels = ChannelAccess::AllOfTeams,
    }
    Ok(next)
}

fn insert<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}
