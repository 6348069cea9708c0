//! `countersign-server audit verify|export`: check the audit log's hash chain (against heads
//! held outside the database), and read it out as JSON or CSV, streamed a page at a time
//! (see `countersign_server::audit`).

use crate::output::{self, Format};
use crate::{DataDir, open};
use anyhow::Context;
use clap::{Args, Subcommand};
use countersign_audit::{Head, VerifyError, heads_in};
use countersign_server::audit::{self, AuditExport};
use countersign_server::export::parse_bound;
use countersign_server::trail::Trail;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and report the first edited, deleted, inserted or re-ordered
    /// event; with heads from receipts or webhook deliveries, a cut-off tail too. Exits 1 on
    /// any problem.
    Verify(VerifyArgs),
    /// Export the log as JSON (one array, an event per line, every field its hash covers)
    /// or CSV (a row per event). Recorded in the log itself.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    data: DataDir,
    /// A head the log must still hold, as POSITION:HASH (from a receipt's `audit`, a
    /// webhook delivery's, or an earlier `audit verify`). Repeat.
    #[arg(long = "head", value_parser = parse_head)]
    heads: Vec<Head>,
    /// A JSON file holding heads: a signed receipt, an array of them, the desktop's "export
    /// my decisions" JSON or a saved webhook delivery — every `"audit": {"position",
    /// "hash"}` in it is checked. Repeat.
    #[arg(long = "receipts")]
    receipts: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataDir,
    /// Only events from then: a date (2026-12-01, from its start, UTC) or an RFC 3339 time.
    #[arg(long)]
    from: Option<String>,
    /// Only events until then: a date (2026-12-31, to its end, UTC) or an RFC 3339 time
    /// (exclusive).
    #[arg(long)]
    to: Option<String>,
    /// json or csv.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write to this file (created readable by this user only) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Reads `POSITION:HASH`.
fn parse_head(text: &str) -> Result<Head, String> {
    let (position, hash) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not POSITION:HASH"))?;
    let position = position
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{position:?} is not a position (a whole number from 1)"))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{hash:?} is not a SHA-256 hash (64 hex digits)"));
    }
    Ok(Head {
        position,
        hash: hash.to_ascii_lowercase(),
    })
}

pub async fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::Export(args) => export(args).await.map(|()| ExitCode::SUCCESS),
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut heads = args.heads;
    for path in &args.receipts {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let document: serde_json::Value = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not JSON (a receipt or a decisions export)",
                path.display()
            )
        })?;
        let found = heads_in(&document);
        anyhow::ensure!(
            !found.is_empty(),
            "{} holds no audit head (no \"audit\": {{\"position\", \"hash\"}} object)",
            path.display()
        );
        heads.extend(found);
    }
    let server = open(&args.data).await?;
    let mut out = std::io::stdout().lock();
    match audit::verify(&server, &heads).await {
        Ok(verified) => {
            match &verified.head {
                Some(head) => writeln!(
                    out,
                    "The audit log verifies: {} events, the last at position {} with hash {}.",
                    verified.events, head.position, head.hash
                )?,
                None => writeln!(out, "The audit log is empty.")?,
            }
            if !heads.is_empty() {
                writeln!(out, "It holds all {} heads vouched for.", heads.len())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyError::Broken(problem)) => {
            writeln!(out, "The audit log does NOT verify: {problem}.")?;
            Ok(ExitCode::FAILURE)
        }
        Err(VerifyError::Source(e)) => {
            Err(anyhow::Error::new(e).context("cannot read the audit log to verify it"))
        }
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let from = args
        .from
        .as_deref()
        .map(|t| parse_bound(t, false))
        .transpose()
        .context("--from")?;
    let to = args
        .to
        .as_deref()
        .map(|t| parse_bound(t, true))
        .transpose()
        .context("--to")?;
    let format = args.format.into();
    let out = output::open(args.out.as_deref())?;
    let server = open(&args.data).await?;
    let events = output::copy(
        AuditExport::start(&server, from, to, format, Trail::console()).await?,
        out,
    )
    .await?;
    if let Some(path) = &args.out {
        tracing::info!(events, file = %path.display(), "exported");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_a_position_and_a_hash() {
        let hash = "AB".repeat(32);
        assert_eq!(
            parse_head(&format!("12:{hash}")),
            Ok(Head {
                position: 12,
                hash: hash.to_ascii_lowercase()
            })
        );
        for bad in [
            "12",
            &format!("0:{hash}"),
            "x:ab",
            &format!("-1:{hash}"),
            "3:abc",
            &format!("3:{}", "g".repeat(64)),
        ] {
            assert!(parse_head(bad).is_err(), "{bad}");
        }
    }
}
