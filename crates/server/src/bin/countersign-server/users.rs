//! `countersign-server user …`: accounts, and the protocol for changing roles and for
//! leavers.

use crate::{DataDir, open};
use anyhow::bail;
use clap::Subcommand;
use countersign_core::{Role, Sensitive};
use countersign_server::admin::{self, AccountChange, NewUser, UserSummary};
use countersign_server::trail::Trail;
use std::io::{BufRead, IsTerminal};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from stdin.
    Add {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Name shown to others.
        #[arg(long)]
        display_name: String,
        /// author, reviewer, spokesperson or admin; repeat for several.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Team name; repeat for several.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Approval step the user may take (review, legal, ...); repeat for several.
        /// Reviewers and spokespeople get `review` when none is given.
        #[arg(long = "step")]
        steps: Vec<String>,
        /// Read the password from the first line of stdin without prompting (also what
        /// happens when stdin is not a terminal). From a terminal it is otherwise asked for
        /// twice, without echo.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Disable a user and revoke all their sessions (a lost laptop). For someone leaving,
    /// `user leave` also hands their work over.
    Disable {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Someone leaves: disable them, revoke their sessions and hand all their open work
    /// (their drafts, their place in steps awaiting them) to a successor, in one step.
    Leave {
        #[command(flatten)]
        data: DataDir,
        /// Who leaves (sign-in name).
        username: String,
        /// Who takes over their work.
        #[arg(long)]
        handover: String,
    },
    /// Give or take away a role.
    #[command(subcommand)]
    Role(Grant<RoleArg>),
    /// Add to or take off a team. Taken off, the team's drafts leave their desktop at its
    /// next sync.
    #[command(subcommand)]
    Team(Grant<TeamArg>),
    /// Qualify for an approval step, or not.
    #[command(subcommand)]
    Step(Grant<StepArg>),
    /// Limit someone to some of their teams' channels (an agency that serves some accounts),
    /// or give them all back.
    #[command(subcommand)]
    Channel(ChannelGrant),
    /// Two-factor sign-in with an authenticator app (TOTP).
    #[command(subcommand)]
    Totp(TotpCommand),
}

/// `add` and `remove` of one kind of thing.
#[derive(Subcommand)]
pub enum Grant<T: clap::Args> {
    /// Add it.
    Add(Target<T>),
    /// Remove it.
    Remove(Target<T>),
}

#[derive(clap::Args)]
pub struct Target<T: clap::Args> {
    #[command(flatten)]
    data: DataDir,
    /// Sign-in name.
    #[arg(long)]
    username: String,
    #[command(flatten)]
    what: T,
}

#[derive(clap::Args)]
pub struct RoleArg {
    /// author, reviewer, spokesperson or admin.
    #[arg(long, value_parser = parse_role)]
    role: Role,
}

#[derive(clap::Args)]
pub struct TeamArg {
    /// Team name.
    #[arg(long)]
    team: String,
}

#[derive(clap::Args)]
pub struct StepArg {
    /// Approval step, e.g. review or legal.
    #[arg(long)]
    step: String,
}

#[derive(clap::Args)]
pub struct ChannelArg {
    /// Channel name (`channel list` shows them).
    #[arg(long)]
    channel: String,
}

#[derive(Subcommand)]
pub enum ChannelGrant {
    /// Let them see this channel. Someone who saw every channel of their teams sees only the
    /// channels added from then on.
    Add(Target<ChannelArg>),
    /// Take this channel away from them.
    Remove(Target<ChannelArg>),
    /// Every channel of their teams again.
    All {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
pub enum TotpCommand {
    /// Enrol a user: print the secret for their authenticator app. From then on signing in
    /// also needs the app's 6-digit code. Enrolling again replaces the secret.
    Enroll {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Take a user out of two-factor sign-in (a lost phone): the password alone again.
    Remove {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
}

pub fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        format!("unknown role {text:?}: use author, reviewer, spokesperson or admin")
    })
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            data,
            username,
            display_name,
            roles,
            teams,
            mut steps,
            password_stdin,
        } => {
            if steps.is_empty()
                && roles
                    .iter()
                    .any(|r| matches!(r, Role::Reviewer | Role::Spokesperson))
            {
                steps.push("review".to_owned());
            }
            let password = read_password(&username, password_stdin)?;
            let server = open(&data).await?;
            let mut team_ids = Vec::with_capacity(teams.len());
            for name in &teams {
                team_ids.push(admin::team_named(&server, name).await?.id);
            }
            let id = admin::add_user(
                &server,
                &Trail::console(),
                NewUser {
                    username: username.clone(),
                    display_name,
                    password,
                    roles,
                    steps,
                    teams: team_ids,
                },
            )
            .await?;
            println!("added {username} ({id})");
        }
        UserCommand::List { data } => {
            let server = open(&data).await?;
            for user in admin::list_users(&server).await? {
                println!("{}", describe(&user));
            }
        }
        UserCommand::Disable { data, username } => {
            let server = open(&data).await?;
            admin::disable_user(&server, &Trail::console(), &username).await?;
            println!("disabled {username}; their sessions are revoked");
        }
        UserCommand::Leave {
            data,
            username,
            handover,
        } => {
            let server = open(&data).await?;
            let report = admin::leave(&server, &Trail::console(), &username, &handover).await?;
            println!(
                "{} has left: disabled, {} session(s) revoked (their desktops wipe their data \
                 at the next contact).",
                report.leaver, report.sessions_revoked
            );
            println!(
                "{} now owns {} open draft(s) and took {} place(s) in steps awaiting {}; {} \
                 place(s) {} was not qualified for were dropped.",
                report.successor,
                report.drafts_handed_over,
                report.places_moved,
                report.leaver,
                report.places_dropped,
                report.successor
            );
        }
        UserCommand::Role(grant) => {
            let (target, add) = split(grant);
            let change = if add {
                AccountChange::AddRole(target.what.role)
            } else {
                AccountChange::RemoveRole(target.what.role)
            };
            change_account(&target.data, &target.username, change).await?;
        }
        UserCommand::Team(grant) => {
            let (target, add) = split(grant);
            let change = if add {
                AccountChange::AddTeam(target.what.team)
            } else {
                AccountChange::RemoveTeam(target.what.team)
            };
            change_account(&target.data, &target.username, change).await?;
        }
        UserCommand::Step(grant) => {
            let (target, add) = split(grant);
            let change = if add {
                AccountChange::AddStep(target.what.step)
            } else {
                AccountChange::RemoveStep(target.what.step)
            };
            change_account(&target.data, &target.username, change).await?;
        }
        UserCommand::Channel(grant) => {
            let (data, username, change) = match grant {
                ChannelGrant::Add(t) => (
                    t.data,
                    t.username,
                    AccountChange::AddChannel(t.what.channel),
                ),
                ChannelGrant::Remove(t) => (
                    t.data,
                    t.username,
                    AccountChange::RemoveChannel(t.what.channel),
                ),
                ChannelGrant::All { data, username } => {
                    (data, username, AccountChange::AllChannels)
                }
            };
            change_account(&data, &username, change).await?;
        }
        UserCommand::Totp(command) => totp(command).await?,
    }
    Ok(())
}

fn split<T: clap::Args>(grant: Grant<T>) -> (Target<T>, bool) {
    match grant {
        Grant::Add(target) => (target, true),
        Grant::Remove(target) => (target, false),
    }
}

async fn change_account(
    data: &DataDir,
    username: &str,
    change: AccountChange,
) -> anyhow::Result<()> {
    let server = open(data).await?;
    let user = admin::change_account(&server, &Trail::console(), username, change).await?;
    println!("{}", describe(&user));
    Ok(())
}

/// One line per account, as `user list` prints it.
fn describe(user: &UserSummary) -> String {
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let channels = match &user.channels {
        None => "all of their teams'".to_owned(),
        Some(list) if list.is_empty() => "none".to_owned(),
        Some(list) => format!("only {}", list.join(", ")),
    };
    format!(
        "{:<20} {:<30} roles={:<22} steps={:<14} teams={}  channels={}{}",
        user.username,
        user.display_name,
        roles.join(","),
        user.steps.join(","),
        user.teams.join(", "),
        channels,
        if user.disabled { "  [disabled]" } else { "" }
    )
}

async fn totp(command: TotpCommand) -> anyhow::Result<()> {
    match command {
        TotpCommand::Enroll { data, username } => {
            let server = open(&data).await?;
            let enrolment = admin::enroll_totp(&server, &Trail::console(), &username).await?;
            println!(
                "Scan this into {username}'s authenticator app (as a QR code, or open it on \
                 the phone):"
            );
            println!("  {}", enrolment.otpauth_url.expose());
            println!("or type in this secret by hand (time-based, SHA-1, 6 digits, 30 seconds):");
            println!("  {}", enrolment.secret_base32.expose());
            println!(
                "From now on {username} signs in with their password and the 6-digit code \
                 from the app. Any earlier enrolment no longer works."
            );
        }
        TotpCommand::Remove { data, username } => {
            let server = open(&data).await?;
            if admin::remove_totp(&server, &Trail::console(), &username).await? {
                println!("{username} signs in with their password alone again");
            } else {
                println!("{username} was not enrolled in two-factor sign-in; nothing changed");
            }
        }
    }
    Ok(())
}

/// The new password of `username`.
///
/// From a terminal (and without `--password-stdin`) it is asked for twice on the terminal
/// itself, never echoed, and the two must match. Otherwise (`--password-stdin`, or stdin
/// piped from a file or another program) it is the first line of stdin, with no prompt.
fn read_password(username: &str, from_stdin: bool) -> anyhow::Result<Sensitive<String>> {
    let password = if !from_stdin && std::io::stdin().is_terminal() {
        let first = Sensitive::new(rpassword::prompt_password(format!(
            "Password for {username} (not shown as you type): "
        ))?);
        let again = Sensitive::new(rpassword::prompt_password("The same password again: ")?);
        if first.expose() != again.expose() {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Sensitive::new(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    if password.expose().is_empty() {
        bail!("no password given");
    }
    Ok(password)
}
