//! `countersign-server team|channel|crisis|policy|access`: the organisation's shape and
//! rules.

use crate::users::parse_role;
use crate::{DataDir, open};
use clap::{Args, Subcommand, ValueEnum};
use countersign_core::wire::admin::{CrisisStatus, NewChannel};
use countersign_core::{Channel, CrisisChannels, Network, Role, StepRule};
use countersign_server::admin::{self, AccessFormat};
use countersign_server::trail::Trail;

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Add a team.
    Add {
        #[command(flatten)]
        data: DataDir,
        /// Team name, e.g. "Customer Care".
        #[arg(long)]
        name: String,
    },
    /// List teams.
    List {
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Subcommand)]
pub enum ChannelCommand {
    /// Add a channel: an account on a network, owned by a team, with the steps its drafts
    /// need.
    Add {
        #[command(flatten)]
        data: DataDir,
        /// A short unique name, e.g. care-x (default: <network>:<account>).
        #[arg(long)]
        name: Option<String>,
        /// x, bluesky, mastodon, linkedin, facebook, instagram or threads.
        #[arg(long, value_parser = parse_network)]
        network: Network,
        /// The account on the network, e.g. @HartwellHelp.
        #[arg(long)]
        account: String,
        /// The team that owns it: its reviewers decide the channel's drafts.
        #[arg(long)]
        team: String,
        /// A step of its policy, in order: `review`, `legal:2` (two people), `legal:all`
        /// (every holder in the team). Repeat; one `review` when none is given.
        #[arg(long = "step", value_parser = parse_step)]
        steps: Vec<StepRule>,
    },
    /// List channels with their policies.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Give a channel a new policy. Drafts already written keep their steps; new drafts
    /// and edits get the new ones.
    Set {
        #[command(flatten)]
        data: DataDir,
        /// The channel's name.
        name: String,
        /// A step of the new policy, in order (as for `channel add`). Repeat.
        #[arg(long = "step", value_parser = parse_step, required = true)]
        steps: Vec<StepRule>,
    },
    /// Route a channel's drafts by the policy guard's verdict: a fast lane for clean drafts,
    /// a step added for blocking findings, pre-approved replies without review. Without
    /// options, routing is off.
    Route(crate::guard::RouteArgs),
}

#[derive(Subcommand)]
pub enum CrisisCommand {
    /// Turn crisis mode on: every draft on the channels is a crisis draft that only
    /// spokespeople approve, and approved posts due later are held. Again, for more channels,
    /// adds them.
    On {
        #[command(flatten)]
        data: DataDir,
        /// Why, for everyone who sees the banner ("Fire at the Leeds Briggate store").
        #[arg(long)]
        reason: String,
        /// Only this channel; repeat. Every channel when none is given.
        #[arg(long = "channel")]
        channels: Vec<String>,
    },
    /// Turn crisis mode off: held posts go back to review (never straight out).
    Off {
        #[command(flatten)]
        data: DataDir,
    },
    /// Is crisis mode on, where, and who may approve.
    Status {
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Require two-factor sign-in for every account holding a role: without an enrolled
    /// authenticator such an account cannot sign in. Repeat for more roles.
    #[command(name = "require-2fa")]
    Require2fa {
        #[command(flatten)]
        data: DataDir,
        /// author, reviewer, spokesperson or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Stop requiring it for this role.
        #[arg(long)]
        off: bool,
    },
    /// Check an organisation's policy pack (TOML: code names, VIP and customer names,
    /// banned terms, rule and per-channel overrides) and put it in force over the built-in
    /// one. Desktops fetch it at their next sync.
    Set {
        #[command(flatten)]
        data: DataDir,
        /// The pack.
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Show the sign-in policy and the policy pack in force.
    Show {
        #[command(flatten)]
        data: DataDir,
        /// Print the whole effective pack (the built-in rules with the organisation's
        /// layer applied) as TOML.
        #[arg(long)]
        effective: bool,
    },
}

#[derive(Args)]
pub struct AccessArgs {
    #[command(flatten)]
    data: DataDir,
    /// Only this account.
    #[arg(long)]
    user: Option<String>,
    /// table (for a terminal), json or csv (for a spreadsheet).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub(crate) fn parse_network(text: &str) -> Result<Network, String> {
    Network::parse(&text.to_lowercase()).ok_or_else(|| {
        format!(
            "unknown network {text:?}: use x, bluesky, mastodon, linkedin, facebook, instagram \
             or threads"
        )
    })
}

pub(crate) fn parse_step(text: &str) -> Result<StepRule, String> {
    StepRule::parse(text).map_err(|e| e.to_string())
}

pub async fn team(command: TeamCommand) -> anyhow::Result<()> {
    match command {
        TeamCommand::Add { data, name } => {
            let server = open(&data).await?;
            let id = admin::create_team(&server, &Trail::console(), &name).await?;
            println!("added team {name} ({id})");
        }
        TeamCommand::List { data } => {
            let server = open(&data).await?;
            for team in admin::teams(&server).await? {
                println!("{:<30} {}", team.name, team.id);
            }
        }
    }
    Ok(())
}

pub async fn channel(command: ChannelCommand) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Add {
            data,
            name,
            network,
            account,
            team,
            steps,
        } => {
            let server = open(&data).await?;
            let channel = admin::add_channel(
                &server,
                &Trail::console(),
                NewChannel {
                    name,
                    network,
                    account,
                    team: team.clone(),
                    policy: steps,
                },
            )
            .await?;
            println!("added channel {}", describe(&channel, &team));
        }
        ChannelCommand::List { data } => {
            let server = open(&data).await?;
            let teams = admin::teams(&server).await?;
            let routings = admin::channel_routings(&server).await?;
            for channel in admin::list_channels(&server).await? {
                let team = teams
                    .iter()
                    .find(|t| t.id == channel.team)
                    .map_or("?", |t| t.name.as_str());
                println!("{}", describe(&channel, team));
                let routing = routings.iter().find(|(id, _)| *id == channel.id);
                if let Some((_, routing)) = routing.filter(|(_, r)| *r != Default::default()) {
                    println!("{:<18} ↳ {}", "", crate::guard::routing_text(routing));
                }
            }
        }
        ChannelCommand::Route(args) => crate::guard::route(args).await?,
        ChannelCommand::Set { data, name, steps } => {
            let server = open(&data).await?;
            let channel =
                admin::set_channel_policy(&server, &Trail::console(), &name, steps).await?;
            println!(
                "{} now needs {}; drafts already written keep their steps",
                channel.name,
                policy_text(&channel.policy)
            );
        }
    }
    Ok(())
}

fn policy_text(policy: &[StepRule]) -> String {
    policy
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

fn describe(channel: &Channel, team: &str) -> String {
    format!(
        "{:<18} {:<10} {:<36} team={:<20} steps={}",
        channel.name,
        channel.network.as_str(),
        channel.account,
        team,
        policy_text(&channel.policy)
    )
}

pub async fn crisis(command: CrisisCommand) -> anyhow::Result<()> {
    match command {
        CrisisCommand::On {
            data,
            reason,
            channels,
        } => {
            let server = open(&data).await?;
            let status = admin::crisis_on(&server, &Trail::console(), &reason, &channels).await?;
            print_crisis(&status);
        }
        CrisisCommand::Off { data } => {
            let server = open(&data).await?;
            let status = admin::crisis_off(&server, &Trail::console()).await?;
            print_crisis(&status);
        }
        CrisisCommand::Status { data } => {
            let server = open(&data).await?;
            print_crisis(&admin::crisis_status(&server).await?);
        }
    }
    Ok(())
}

fn print_crisis(status: &CrisisStatus) {
    let state = &status.state;
    if !state.is_on() {
        println!("crisis mode is off");
    } else {
        let since = state.since.map_or_else(String::new, |s| {
            format!(" since {}", s.format("%Y-%m-%d %H:%M UTC"))
        });
        let by = state
            .declared_by
            .as_ref()
            .map_or_else(String::new, |p| format!(" (by {})", p.display_name));
        let scope = match state.channels {
            CrisisChannels::All => "every channel",
            _ => "these channels",
        };
        println!("crisis mode is ON for {scope}{since}{by}: {}", state.reason);
        for channel in &status.channels {
            let names: Vec<&str> = channel
                .spokespeople
                .iter()
                .map(|p| p.display_name.as_str())
                .collect();
            println!(
                "  {:<18} {:<36} may approve: {}",
                channel.channel.name,
                channel.channel.account,
                if names.is_empty() {
                    "NOBODY — give someone in its team the spokesperson role".to_owned()
                } else {
                    names.join(", ")
                }
            );
        }
    }
    if let Some(effect) = status.effect {
        println!(
            "drafts: {} became crisis drafts, {} held back from publishing, {} back in review, \
             {} back at their authors' urgency",
            effect.escalated, effect.held, effect.returned_to_review, effect.deescalated
        );
    }
}

pub async fn policy(command: PolicyCommand) -> anyhow::Result<()> {
    match command {
        PolicyCommand::Require2fa { data, role, off } => {
            let server = open(&data).await?;
            let roles = admin::require_two_factor(&server, &Trail::console(), role, !off).await?;
            print_two_factor(&roles);
        }
        PolicyCommand::Set { data, file } => crate::guard::set_pack(data, file).await?,
        PolicyCommand::Show { data, effective } => {
            let server = open(&data).await?;
            print_two_factor(&admin::two_factor_roles(&server).await?);
            drop(server);
            crate::guard::show_pack(&data, effective).await?;
        }
    }
    Ok(())
}

fn print_two_factor(roles: &[Role]) {
    if roles.is_empty() {
        println!("two-factor sign-in is required for no role");
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        println!(
            "two-factor sign-in is required for: {} (accounts without an authenticator cannot \
             sign in; `access` lists them)",
            names.join(", ")
        );
    }
}

pub async fn access(args: AccessArgs) -> anyhow::Result<()> {
    let server = open(&args.data).await?;
    let entries = admin::access(&server, args.user.as_deref()).await?;
    let format = match args.format {
        Format::Table => AccessFormat::Table,
        Format::Json => AccessFormat::Json,
        Format::Csv => AccessFormat::Csv,
    };
    print!("{}", admin::render_access(&entries, format)?);
    if format == AccessFormat::Json {
        println!();
    }
    Ok(())
}
