//! `countersign-server drafts export`: every communication with its full life — versions
//! and their hashes, findings, decisions, comments, who approved, publishing — as JSON or
//! CSV, streamed a page of drafts at a time (see `countersign_server::export`).

use crate::output::{self, Format};
use crate::{DataDir, open};
use anyhow::Context;
use clap::{Args, Subcommand};
use countersign_core::DraftStatus;
use countersign_server::export::{self, ExportFilter, Exporter};
use countersign_server::trail::Trail;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DraftsCommand {
    /// Export drafts with their full life: every version (text and SHA-256), the policy
    /// guard's findings, every decision and comment, who approved, when published. JSON is
    /// one array, a draft per line; CSV is one row per draft version. Recorded in the audit
    /// log.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataDir,
    /// Only drafts written from then: a date (2026-12-01, from its start, UTC) or an
    /// RFC 3339 time.
    #[arg(long)]
    from: Option<String>,
    /// Only drafts written until then: a date (2026-12-31, to its end, UTC) or an RFC 3339
    /// time (exclusive).
    #[arg(long)]
    to: Option<String>,
    /// Only this team's drafts (its name).
    #[arg(long)]
    team: Option<String>,
    /// Only this channel's drafts (its name, as `channel list` shows it).
    #[arg(long)]
    channel: Option<String>,
    /// Only drafts in this state: pending, changes_requested, rejected, approved, withdrawn,
    /// held or published.
    #[arg(long, value_parser = parse_status)]
    status: Option<DraftStatus>,
    /// json or csv.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write to this file (created readable by this user only) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_status(text: &str) -> Result<DraftStatus, String> {
    DraftStatus::parse(text).ok_or_else(|| {
        format!(
            "unknown status {text:?}: use pending, changes_requested, rejected, approved, \
             withdrawn, held or published"
        )
    })
}

pub async fn run(command: DraftsCommand) -> anyhow::Result<()> {
    match command {
        DraftsCommand::Export(args) => export(args).await,
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let filter = ExportFilter {
        from: args
            .from
            .as_deref()
            .map(|t| export::parse_bound(t, false))
            .transpose()
            .context("--from")?,
        to: args
            .to
            .as_deref()
            .map(|t| export::parse_bound(t, true))
            .transpose()
            .context("--to")?,
        team: args.team,
        channel: args.channel,
        status: args.status,
    };
    let format = args.format.into();
    let out = output::open(args.out.as_deref())?;
    let server = open(&args.data).await?;
    let drafts = output::copy(
        Exporter::start(&server, filter, format, Trail::console()).await?,
        out,
    )
    .await?;
    if let Some(path) = &args.out {
        tracing::info!(drafts, file = %path.display(), "exported");
    }
    Ok(())
}
