//! `countersign-search-bench`: how long one page of the queue takes — found by words and
//! filters, with its match positions, total and menu counts — over an encrypted cache of
//! 50,000 pending drafts. Prints a table. Run it optimised:
//! `cargo run --release -p countersign-bench --bin countersign-search-bench`.

use clap::Parser;
use countersign_bench::search::{SearchOptions, run_search};

#[derive(Parser)]
#[command(about = "Benchmarks searching the desktop's cached queue and prints a table")]
struct Args {
    /// Pending drafts in the cache.
    #[arg(long, default_value_t = 50_000)]
    drafts: usize,
    /// Times each query is run.
    #[arg(long, default_value_t = 50)]
    repeat: usize,
    /// Folder for the cache file (on the disk to measure).
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    scratch: std::path::PathBuf,
}

#[allow(clippy::print_stdout)] // printing the table is the point
fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = run_search(&SearchOptions {
        drafts: args.drafts,
        repeat: args.repeat,
        scratch: args.scratch,
    })?;
    println!("{}", report.table());
    Ok(())
}
