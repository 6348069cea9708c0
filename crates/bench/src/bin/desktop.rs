//! `countersign-desktop-bench`: measures the release desktop app in real WebKit against a
//! bare Tauri window and prints a table. `scripts/bench-desktop` builds everything and
//! runs it under Xvfb with a keychain.

use clap::Parser;
use countersign_bench::desktop::{DesktopOptions, run_desktop};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Benchmarks the Countersign desktop app and prints a table")]
struct Args {
    /// The desktop binary as users get it (`cargo build --profile dist`).
    #[arg(long, default_value = "target/dist/countersign-desktop")]
    app: PathBuf,
    /// The bare Tauri window, built the same way.
    #[arg(long, default_value = "target/dist/countersign-bare-window")]
    bare: PathBuf,
    /// tauri-driver.
    #[arg(long, env = "TAURI_DRIVER", default_value = "tauri-driver")]
    driver: PathBuf,
    /// The .deb package, to report its size.
    #[arg(long)]
    deb: Option<PathBuf>,
    /// Drafts added to the demo for the big-queue figures.
    #[arg(long, default_value_t = 10_000)]
    extra_drafts: usize,
    /// Cold starts timed per profile.
    #[arg(long, default_value_t = 5)]
    starts: usize,
    /// Decisions timed per profile.
    #[arg(long, default_value_t = 20)]
    keys: usize,
    /// Frames scrolled through the big queue.
    #[arg(long, default_value_t = 240)]
    scroll_frames: usize,
    /// Seconds start-up is left to settle before memory is read.
    #[arg(long, default_value_t = 5)]
    settle_secs: u64,
    /// The demo reviewer who signs in.
    #[arg(long, default_value = "david.chen")]
    reviewer: String,
    /// Save a screenshot of each queue measured in this folder.
    #[arg(long)]
    screenshots: Option<PathBuf>,
    /// Only the scripted reviewer clearing the demo queue: needs only `--app` (the debug
    /// build will do: `--app target/debug/countersign-desktop`), for working on it.
    #[arg(long)]
    reviewer_only: bool,
}

#[tokio::main]
#[allow(clippy::print_stdout)] // printing the table is the point
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let driver = which(&args.driver);
    let report = run_desktop(&DesktopOptions {
        app: args.app,
        bare: args.bare,
        driver,
        deb: args.deb,
        extra_drafts: args.extra_drafts,
        starts: args.starts,
        keys: args.keys,
        scroll_frames: args.scroll_frames,
        settle: Duration::from_secs(args.settle_secs),
        reviewer: args.reviewer,
        screenshots: args.screenshots,
        reviewer_only: args.reviewer_only,
    })
    .await?;
    println!("{}", report.table());
    Ok(())
}

/// A bare program name is looked up on PATH, as a shell would.
fn which(program: &std::path::Path) -> PathBuf {
    if program.components().count() > 1 {
        return program.to_path_buf();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| program.to_path_buf())
}
