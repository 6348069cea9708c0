//! `countersign-bench`: measures the desktop's sync path against a real server on loopback
//! and prints a table. Run it optimised: `cargo run --release -p countersign-bench`.

use clap::Parser;
use countersign_bench::{Options, run};

#[derive(Parser)]
#[command(about = "Benchmarks Countersign's sync path and prints a table")]
struct Args {
    /// Cold-pull sizes, in drafts.
    #[arg(long, value_delimiter = ',', default_value = "10000,50000")]
    pull: Vec<usize>,
    /// Decisions queued offline and then pushed.
    #[arg(long, default_value_t = 10_000)]
    push: usize,
    /// Single durable decisions timed for the latency percentiles.
    #[arg(long, default_value_t = 2_000)]
    decisions: usize,
    /// No-change syncs timed.
    #[arg(long, default_value_t = 50)]
    idle_syncs: usize,
}

#[tokio::main]
#[allow(clippy::print_stdout)] // printing the table is the point
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = run(&Options {
        pull_sizes: args.pull,
        push: args.push,
        decisions: args.decisions,
        idle_syncs: args.idle_syncs,
    })
    .await?;
    println!("{}", report.table());
    Ok(())
}
