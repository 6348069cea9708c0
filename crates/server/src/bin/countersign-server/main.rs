//! `countersign-server`: the Countersign central service and its admin CLI.
//!
//! ```text
//! countersign-server serve --listen 127.0.0.1:8080 --data-dir /var/lib/countersign
//! countersign-server serve --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key key.pem \
//!     [--request-timeout-secs 30] [--header-timeout-secs 10] [--max-connections 512]
//! countersign-server demo  --listen 127.0.0.1:8080 --data-dir ./demo-data
//! countersign-server team add --name "Customer Care"
//! countersign-server channel add --name care-x --network x --account @HartwellHelp \
//!     --team "Customer Care" --step review --step legal:2
//! countersign-server channel list | channel set care-x --step review:2
//! countersign-server user add --username ana --display-name "Ana Silva" \
//!     --role reviewer --team "Customer Care" --step review --password-stdin
//! countersign-server user list | user disable --username ana
//! countersign-server user role|team|step|channel add|remove --username ana ...
//! countersign-server user leave ana --handover bo
//! countersign-server user totp enroll|remove --username ana
//! countersign-server crisis on --reason "Fire at the Leeds store" [--channel care-x ...]
//! countersign-server crisis off | crisis status
//! countersign-server policy require-2fa --role reviewer [--off] | policy show
//! countersign-server access [--user ana] [--format table|json|csv]
//! countersign-server receipt key | receipt verify FILE --public-key BASE64|--key-file F|--data-dir D
//! countersign-server audit verify [--head POSITION:HASH]... [--receipts FILE]...
//! countersign-server audit export [--from 2026-12-01] [--to 2026-12-31] [--format json|csv] \
//!     [--out FILE]
//! countersign-server drafts export [--from 2026-12-01] [--to 2026-12-31] [--team T] \
//!     [--channel C] [--status approved] [--format json|csv] [--out FILE]
//! countersign-server webhook add --url https://publish.example.org/hook [--channel care-x]
//! countersign-server webhook list | webhook remove ID
//! countersign-server webhook deliveries [--webhook ID] [--status pending|delivered|failed]
//! ```
//!
//! Every admin command works on the data directory directly (next to a running server is
//! fine: SQLite waits for the server's writes) and calls the same functions as the admin
//! API. Logs go to stderr (`RUST_LOG` filters them; default `info`); what the user asked for
//! goes to stdout.
// A command-line tool: printing to stdout is its job.
#![allow(clippy::print_stdout)]

mod audit;
mod drafts;
mod guard;
mod listen;
mod org;
mod output;
mod receipt;
mod users;
mod webhook;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use countersign_server::demo::{self, DemoCredentials};
use countersign_server::{Server, ServerConfig};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
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
    /// Manage user accounts: add, list, roles, teams, steps, channels, leavers, 2FA.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage teams.
    #[command(subcommand)]
    Team(org::TeamCommand),
    /// Manage channels (the organisation's accounts on the networks) and their approval
    /// policies.
    #[command(subcommand)]
    Channel(org::ChannelCommand),
    /// Crisis mode: only spokespeople approve, approved posts due later are held.
    #[command(subcommand)]
    Crisis(org::CrisisCommand),
    /// Organisation-wide policy: two-factor sign-in, and the policy pack the guard reviews
    /// drafts with.
    #[command(subcommand)]
    Policy(org::PolicyCommand),
    /// The library of pre-approved replies.
    #[command(subcommand)]
    Replies(guard::RepliesCommand),
    /// Run the policy guard on a draft's text from stdin: findings as JSON lines (exit 1
    /// when one blocks), or with --measure its length as the network counts it.
    Lint(guard::LintArgs),
    /// Who has access to what: every account's roles, teams, channels, steps, 2FA, last
    /// sign-in, live sessions and status.
    Access(org::AccessArgs),
    /// Reviewers' receipts: print the public key they are signed with, check them with it.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Webhooks: where final approvals are handed to publishing, and their deliveries.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// The audit log: verify its hash chain, export it.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Export every communication with its full life (versions, findings, decisions,
    /// comments, approvals, publishing).
    #[command(subcommand)]
    Drafts(drafts::DraftsCommand),
}

/// Where the data lives; every command takes it.
#[derive(Args, Clone)]
pub struct DataDir {
    /// Directory holding countersign.db (created if missing).
    #[arg(long, env = "COUNTERSIGN_DATA_DIR", default_value = "countersign-data")]
    pub data_dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "COUNTERSIGN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    transport: listen::TransportArgs,
    #[command(flatten)]
    data: DataDir,
    /// Days a desktop may show its cached drafts without contact with this server; past
    /// them the reviewer signs in again before the window shows anything.
    #[arg(long, env = "COUNTERSIGN_OFFLINE_LEASE_DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u64).range(1..=365))]
    offline_lease_days: u64,
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

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args, None).await,
        Command::Demo(args) => serve(args.serve, Some(args.extra_drafts)).await,
        Command::User(command) => users::run(command).await,
        Command::Team(command) => org::team(command).await,
        Command::Channel(command) => org::channel(command).await,
        Command::Crisis(command) => org::crisis(command).await,
        Command::Policy(command) => org::policy(command).await,
        Command::Access(args) => org::access(args).await,
        Command::Webhook(command) => webhook::run(command).await,
        Command::Audit(command) => return audit::run(command).await,
        Command::Drafts(command) => drafts::run(command).await,
        Command::Replies(command) => guard::replies(command).await,
        Command::Lint(args) => return guard::lint(args),
        Command::Receipt(command) => return receipt::run(command).await,
    }
    .map(|()| ExitCode::SUCCESS)
}

/// Opens the data directory.
pub async fn open(data: &DataDir) -> anyhow::Result<Server> {
    open_with(data, ServerConfig::new(&data.data_dir)).await
}

/// Opens the data directory with a configuration other than the defaults.
async fn open_with(data: &DataDir, config: ServerConfig) -> anyhow::Result<Server> {
    countersign_server::open(config)
        .await
        .with_context(|| format!("cannot open the data directory {}", data.data_dir.display()))
}

/// Serves; with `demo`, first creates the demo organisation (when the data directory is
/// new) with that many extra drafts.
async fn serve(args: ServeArgs, demo: Option<usize>) -> anyhow::Result<()> {
    // First: a certificate that cannot be served stops the command before anything starts.
    let tls = args.transport.tls()?;
    let mut config = ServerConfig {
        offline_lease: std::time::Duration::from_secs(args.offline_lease_days * 24 * 3600),
        ..ServerConfig::new(&args.data.data_dir)
    };
    args.transport.apply(&mut config);
    let server = open_with(&args.data, config).await?;
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
    let url = listen::url(&listener, tls.as_ref())?;
    if let Some(credentials) = credentials {
        print_demo(&credentials, &url)?;
    }
    tracing::info!(%url, data_dir = %args.data.data_dir.display(), "serving");
    listen::serve(listener, server, tls, shutdown_signal()).await?;
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
