//! What one user's desktop is told about the organisation ([`Directory`]), and who may
//! speak for it on each channel. Pure: storage backends gather the records in one snapshot
//! and call [`build`].

use crate::sessions::session_user;
use crate::storage::{TeamRecord, UserRecord};
use countersign_core::channel::Routing;
use countersign_core::wire::{ChannelView, Directory, Spokesperson};
use countersign_core::{Channel, ChannelId, CrisisChannels, CrisisState, Person, Role};

/// The spokespeople authorised for `channel`: active accounts with the spokesperson role
/// in its team and access to it, by username.
pub fn spokespeople<'a>(channel: &Channel, users: &'a [UserRecord]) -> Vec<&'a UserRecord> {
    let mut found: Vec<&UserRecord> = users
        .iter()
        .filter(|u| {
            u.is_active()
                && u.roles.contains(&Role::Spokesperson)
                && u.teams.contains(&channel.team)
                && u.channels.allows(Some(channel.id))
        })
        .collect();
    found.sort_by(|a, b| a.username.cmp(&b.username));
    found
}

/// The channels `user` can see: administrators every one, others those of their teams
/// that their channel access allows.
pub fn visible_channels<'a>(user: &UserRecord, channels: &'a [Channel]) -> Vec<&'a Channel> {
    channels
        .iter()
        .filter(|c| {
            user.roles.contains(&Role::Admin)
                || (user.teams.contains(&c.team) && user.channels.allows(Some(c.id)))
        })
        .collect()
}

/// What the directory says about the policy guard: the pack's version and each channel's
/// routing.
#[derive(Clone, Debug, Default)]
pub struct PolicyFacts {
    /// The organisation's pack version (0: the built-in pack alone).
    pub version: u64,
    /// Each channel's routing; a channel not listed has none.
    pub routings: Vec<(ChannelId, Routing)>,
}

/// `user`'s directory: themselves, the channels they can see with each one's policy,
/// routing and spokespeople, crisis mode limited to those channels, and the policy pack's
/// version.
pub fn build(
    user: &UserRecord,
    teams: &[TeamRecord],
    channels: &[Channel],
    users: &[UserRecord],
    crisis: &CrisisState,
    policy: &PolicyFacts,
) -> Directory {
    let team_name = |channel: &Channel| {
        teams
            .iter()
            .find(|t| t.id == channel.team)
            .map_or_else(String::new, |t| t.name.clone())
    };
    let visible = visible_channels(user, channels);
    let views = visible
        .iter()
        .map(|channel| ChannelView {
            channel: (*channel).clone(),
            team_name: team_name(channel),
            in_crisis: crisis.covers(Some(channel.id)),
            routing: policy
                .routings
                .iter()
                .find(|(id, _)| *id == channel.id)
                .map(|(_, r)| r.clone())
                .unwrap_or_default(),
            spokespeople: spokespeople(channel, users)
                .into_iter()
                .map(|u| Spokesperson {
                    person: u.person(),
                    steps: u.steps.clone(),
                })
                .collect(),
        })
        .collect();
    let mut crisis = crisis.clone();
    if let CrisisChannels::Only(list) = &crisis.channels {
        let mine = list
            .iter()
            .filter(|id| visible.iter().any(|c| c.id == **id))
            .copied()
            .collect::<Vec<_>>();
        crisis.channels = if mine.is_empty() {
            CrisisChannels::None
        } else {
            CrisisChannels::Only(mine)
        };
    }
    if !crisis.is_on() {
        crisis = CrisisState::default();
    }
    Directory {
        me: session_user(user),
        channels: views,
        crisis,
        policy_version: policy.version,
        // The server's configuration, not the organisation's data: `sync::changes` sets it.
        offline_lease_secs: None,
    }
}

/// The person recorded for what an administrator does at the server's console (the CLI),
/// where nobody is signed in.
pub fn console_operator() -> Person {
    Person {
        id: countersign_core::UserId(uuid::Uuid::nil()),
        username: "countersign-server".to_owned(),
        display_name: "Administrator (server console)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{t0, team};
    use countersign_core::{ChannelAccess, Network, Sensitive, StepRule, TeamId, UserId};
    use uuid::Uuid;

    fn user(name: &str, roles: &[Role], teams: &[TeamId], channels: ChannelAccess) -> UserRecord {
        UserRecord {
            id: UserId(Uuid::new_v4()),
            username: name.into(),
            display_name: name.to_uppercase(),
            password_hash: Sensitive::new(String::new()),
            roles: roles.to_vec(),
            steps: vec!["review".into()],
            teams: teams.to_vec(),
            channels,
            created_at: t0(),
            disabled_at: None,
            totp_secret: None,
        }
    }

    fn channel(name: &str, team: TeamId) -> Channel {
        Channel {
            id: ChannelId(Uuid::new_v4()),
            name: name.into(),
            network: Network::X,
            account: format!("@{name}"),
            team,
            policy: vec![StepRule::one("review")],
        }
    }

    #[test]
    fn a_directory_shows_ones_own_channels_their_spokespeople_and_their_crisis() {
        let (care, brand) = (team(), team());
        let teams = vec![
            TeamRecord {
                id: care,
                name: "Care".into(),
                created_at: t0(),
            },
            TeamRecord {
                id: brand,
                name: "Brand".into(),
                created_at: t0(),
            },
        ];
        let (help, shop, ads) = (
            channel("help", care),
            channel("shop", care),
            channel("ads", brand),
        );
        let channels = vec![help.clone(), shop.clone(), ads.clone()];
        let mut gone = user(
            "gone",
            &[Role::Spokesperson],
            &[care],
            ChannelAccess::AllOfTeams,
        );
        gone.disabled_at = Some(t0());
        let users = vec![
            user(
                "rita",
                &[Role::Reviewer],
                &[care],
                ChannelAccess::AllOfTeams,
            ),
            user(
                "dave",
                &[Role::Spokesperson],
                &[care, brand],
                ChannelAccess::AllOfTeams,
            ),
            user(
                "sue",
                &[Role::Spokesperson],
                &[care],
                ChannelAccess::Only(vec![shop.id]),
            ),
            gone,
        ];
        let crisis = CrisisState {
            channels: CrisisChannels::Only(vec![help.id, ads.id]),
            reason: "fire".into(),
            since: Some(t0()),
            declared_by: None,
        };
        let directory = build(
            &users[0],
            &teams,
            &channels,
            &users,
            &crisis,
            &PolicyFacts::default(),
        );
        let names: Vec<&str> = directory
            .channels
            .iter()
            .map(|c| c.channel.name.as_str())
            .collect();
        assert_eq!(names, ["help", "shop"], "rita sees Care's channels only");
        let help_view = &directory.channels[0];
        assert!(help_view.in_crisis);
        let speakers: Vec<&str> = help_view
            .spokespeople
            .iter()
            .map(|s| s.person.username.as_str())
            .collect();
        assert_eq!(
            speakers,
            ["dave"],
            "sue does not serve help; gone is disabled"
        );
        assert_eq!(
            directory.crisis.channels,
            CrisisChannels::Only(vec![help.id]),
            "another team's channel in crisis is not rita's business"
        );
        assert_eq!(directory.me.person.username, "rita");

        let calm = build(
            &users[2],
            &teams,
            &channels,
            &users,
            &crisis,
            &PolicyFacts::default(),
        );
        assert_eq!(calm.channels.len(), 1);
        assert!(!calm.crisis.is_on(), "none of sue's channels is in crisis");
    }
}
