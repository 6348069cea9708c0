//! `countersign-server`: the Countersign central service and its admin CLI.
//!
//! ```text
//! countersign-server serve --listen 127.0.0.1:8080 --data-dir /var/lib/countersign
//! countersign-server demo  --listen 127.0.0.1:8080 --data-dir ./demo-data
//! countersign-server team add --data-dir DIR --name "Customer Care"
//! countersign-server user add --data-dir DIR --username ana --display-name "Ana Silva" \
//!     --role reviewer --team "Customer Care" --step review --password-stdin
//! countersign-server user list --data-dir DIR
//! countersign-server user disable --data-dir DIR --username ana
//! countersign-server user totp enroll --data-dir DIR --username ana
//! countersign-server user totp remove --data-dir DIR --username ana
//! ```
//!
//! Logs go to stderr (`RUST_LOG` filters them; default `info`); what the user asked for
//! (demo sign-in details, listings) goes to stdout.
// A command-line tool: printing to stdout is its job.
#![allow(clippy::print_stdout)]

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use countersign_core::{Role, Sensitive};
use countersign_server::admin::{self, NewUser};
use countersign_server::demo::{self, DemoCredentials};
use countersign_server::{Server, ServerConfig};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "countersign-server",
    version,
    about = "The Countersign central service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C.
    Serve(ServeArgs),
    /// Create the demo organisation on first start, print how to sign in, then serve.
    Demo(DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage teams.
    #[command(subcommand)]
    Team(TeamCommand),
}

#[derive(Args)]
struct DataDir {
    /// Directory holding countersign.db (created if missing).
    #[arg(long, env = "COUNTERSIGN_DATA_DIR", default_value = "countersign-data")]
    data_dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "COUNTERSIGN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    data: DataDir,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Also create this many routine customer-care drafts when the demo is first created
    /// (a backlog to try the queue with, e.g. 10000).
    #[arg(long, default_value_t = 0)]
    extra_drafts: usize,
}

/// About the length of a routine customer-care reply.
const EXTRA_DRAFT_CHARS: usize = 180;

#[derive(Subcommand)]
enum UserCommand {
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
        /// Read the password from the first line of stdin without prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Disable a user and revoke all their sessions (leaver, lost laptop).
    Disable {
        #[command(flatten)]
        data: DataDir,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Two-factor sign-in with an authenticator app (TOTP).
    #[command(subcommand)]
    Totp(TotpCommand),
}

#[derive(Subcommand)]
enum TotpCommand {
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

#[derive(Subcommand)]
enum TeamCommand {
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

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        format!("unknown role {text:?}: use author, reviewer, spokesperson or admin")
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args, None).await,
        Command::Demo(args) => serve(args.serve, Some(args.extra_drafts)).await,
        Command::User(command) => user(command).await,
        Command::Team(command) => team(command).await,
    }
}

async fn open(data: &DataDir) -> anyhow::Result<Server> {
    countersign_server::open(ServerConfig::new(&data.data_dir))
        .await
        .with_context(|| format!("cannot open the data directory {}", data.data_dir.display()))
}

/// Serves; with `demo`, first creates the demo organisation (when the data directory is
/// new) with that many extra drafts.
async fn serve(args: ServeArgs, demo: Option<usize>) -> anyhow::Result<()> {
    let server = open(&args.data).await?;
    let credentials = match demo {
        Some(extra_drafts) => {
            let credentials = demo::seed(&server, server.now())
                .await
                .context("cannot create the demo organisation")?;
            if credentials.created && extra_drafts > 0 {
                demo::bulk_drafts(&server, extra_drafts, EXTRA_DRAFT_CHARS)
                    .await
                    .context("cannot create the extra demo drafts")?;
            }
            Some(credentials)
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    if let Some(credentials) = credentials {
        print_demo(&credentials, &url)?;
    }
    tracing::info!(%url, data_dir = %args.data.data_dir.display(), "serving");
    countersign_server::serve(listener, server, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo(credentials: &DemoCredentials, url: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Countersign demo is running at {url}")?;
    writeln!(
        out,
        "Demo password for every account: {}",
        credentials.password
    )?;
    for account in &credentials.accounts {
        let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
        writeln!(
            out,
            "  {:<19} {:<29} {:<21} {}",
            account.username,
            account.display_name,
            roles.join(","),
            account.about
        )?;
    }
    if !credentials.created {
        writeln!(
            out,
            "(The data directory already had users, so nothing was added; these accounts work \
             only if it was made by this command.)"
        )?;
    }
    writeln!(
        out,
        "Sign in to the desktop as one of the reviewers. Ctrl-C stops the server."
    )?;
    out.flush()?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
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
                let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
                println!(
                    "{:<20} {:<30} roles={:<22} steps={:<14} teams={}{}",
                    user.username,
                    user.display_name,
                    roles.join(","),
                    user.steps.join(","),
                    user.teams.join(", "),
                    if user.disabled { "  [disabled]" } else { "" }
                );
            }
        }
        UserCommand::Disable { data, username } => {
            let server = open(&data).await?;
            admin::disable_user(&server, &username).await?;
            println!("disabled {username}; their sessions are revoked");
        }
        UserCommand::Totp(command) => totp(command).await?,
    }
    Ok(())
}

async fn totp(command: TotpCommand) -> anyhow::Result<()> {
    match command {
        TotpCommand::Enroll { data, username } => {
            let server = open(&data).await?;
            let enrolment = admin::enroll_totp(&server, &username).await?;
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
            if admin::remove_totp(&server, &username).await? {
                println!("{username} signs in with their password alone again");
            } else {
                println!("{username} was not enrolled in two-factor sign-in; nothing changed");
            }
        }
    }
    Ok(())
}

async fn team(command: TeamCommand) -> anyhow::Result<()> {
    match command {
        TeamCommand::Add { data, name } => {
            let server = open(&data).await?;
            let id = admin::create_team(&server, &name).await?;
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

/// The password from stdin's first line, prompting on stderr unless `quiet`.
fn read_password(username: &str, quiet: bool) -> anyhow::Result<Sensitive<String>> {
    if !quiet {
        eprint!("Password for {username} (it will be shown as you type): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given");
    }
    Ok(Sensitive::new(password))
}
