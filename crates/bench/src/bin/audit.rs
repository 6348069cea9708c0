//! `countersign-audit-bench`: how fast the audit log is written (standalone events, and
//! decisions through pushes) and what exporting and verifying 100,000 events cost in time
//! and peak memory. Prints a table. Run it optimised:
//! `cargo run --release -p countersign-bench --bin countersign-audit-bench`.

use clap::Parser;
use countersign_bench::audit::{AuditOptions, run_audit};

#[derive(Parser)]
#[command(about = "Benchmarks Countersign's audit log and prints a table")]
struct Args {
    /// Events in the log that is exported and verified.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Events written one transaction each.
    #[arg(long, default_value_t = 2_000)]
    singles: usize,
    /// Decisions pushed (each writes its audit event in the push's transaction).
    #[arg(long, default_value_t = 5_000)]
    decisions: usize,
    /// Decisions per push.
    #[arg(long, default_value_t = 100)]
    per_push: usize,
    /// Folder for the benchmark's databases (on the disk to measure).
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    scratch: std::path::PathBuf,
}

#[tokio::main]
#[allow(clippy::print_stdout)] // printing the table is the point
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = run_audit(&AuditOptions {
        events: args.events,
        singles: args.singles,
        decisions: args.decisions,
        per_push: args.per_push,
        scratch: args.scratch,
    })
    .await?;
    println!("{}", report.table());
    Ok(())
}
