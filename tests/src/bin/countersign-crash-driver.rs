//! `countersign-crash-driver`: the desktop's real logic (`countersign-app`, its encrypted
//! cache and the OS keychain) with no window, doing what a reviewer does as fast as it can,
//! so a test can `kill -9` it at any moment and look at what survives.
//!
//! It signs in (or reuses the saved session), then loops for ever over approvals,
//! rejections, requests for changes, comments and syncs, chosen by a seeded generator. Each
//! step prints one line to stdout, flushed before the next step begins:
//!
//! ```text
//! open signed_in=true|false
//! signed-in                          (a sign-in completed)
//! begin sync | begin decide <draft> <verdict> | begin comment <draft>
//! done decide <draft> <mutation_id> <verdict> <token>
//! done comment <draft> <mutation_id> <token>
//! synced pushed=N applied=N refused=N pulled=N pending=N conflicts=N undecided=N
//! sync-failed <code> <message>
//! final pending=N conflicts=N undecided=N
//! ```
//!
//! A `done` line is printed only after the app returned from the call, i.e. after the
//! mutation is committed and fsync'd in the outbox: it is what the window would show as
//! done. Every decision and comment carries a unique token in its text, so the test can
//! find it in the server's history and count it.
//!
//! With `--final` it only syncs until the outbox is empty, prints the `final` line and
//! exits: the clean sync at the end of a run.
//!
//! The password comes from `COUNTERSIGN_CRASH_PASSWORD`, never the command line.

use anyhow::{Context, bail};
use clap::Parser;
use countersign_app::{App, AppConfig, AppError, QueueFilter};
use countersign_core::{DraftId, Verdict};
use countersign_keychain::{Keychain, OsKeychain};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Drives the Countersign desktop logic for crash tests")]
struct Args {
    /// The server to sign in to.
    #[arg(long)]
    server: String,
    /// The desktop's data folder (its encrypted cache).
    #[arg(long)]
    data_dir: PathBuf,
    /// The OS keychain service holding this desktop's secrets.
    #[arg(long)]
    keychain_service: String,
    /// Who signs in.
    #[arg(long)]
    username: String,
    /// Seeds the choice of steps, so a run can be replayed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Sync until the outbox is empty, print `final …` and exit.
    #[arg(long)]
    r#final: bool,
}

/// Mutations per push request.
const PUSH_BATCH: usize = 3;
/// Drafts in a sync's first changes page, and in its biggest.
const FIRST_PAGE: u32 = 4;
const PAGE_LIMIT: u32 = 16;

/// How many syncs `--final` tries before giving up.
const FINAL_SYNCS: usize = 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let password =
        std::env::var("COUNTERSIGN_CRASH_PASSWORD").context("COUNTERSIGN_CRASH_PASSWORD")?;
    let keychain = Keychain::new(Arc::new(OsKeychain::new(&args.keychain_service)));
    let mut config = AppConfig::new(&args.data_dir, keychain);
    // The server is on loopback: retry quickly rather than as over a real network.
    config.sync.base_backoff = Duration::from_millis(10);
    config.sync.max_backoff = Duration::from_millis(50);
    // Small batches and pages: one sync is several pushes and several pages (fetched while
    // the one before is written), so a kill can land between any two of them.
    config.sync.push_batch = PUSH_BATCH;
    config.sync.first_page = FIRST_PAGE;
    config.sync.page_limit = PAGE_LIMIT;
    let app = App::open(config).await.context("open the app")?;
    let signed_in = app.user().await.is_some();
    say(format_args!("open signed_in={signed_in}"))?;
    if !signed_in {
        sign_in(&app, &args, &password).await?;
    }
    if args.r#final {
        return final_sync(&app, &args, &password).await;
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    loop {
        let roll = rng.random_range(0..100);
        let target = if roll < 30 {
            None
        } else {
            undecided(&app).await?.and_then(|ids| pick(&mut rng, &ids))
        };
        match (target, roll) {
            (None, _) => sync(&app, &args, &password).await?,
            (Some(draft), 30..=44) => comment(&app, draft).await?,
            (Some(draft), 45..=79) => decide(&app, draft, Verdict::Approve).await?,
            (Some(draft), 80..=92) => decide(&app, draft, Verdict::Reject).await?,
            (Some(draft), _) => decide(&app, draft, Verdict::RequestChanges).await?,
        }
    }
}

/// One line on stdout, flushed: the test reads each as soon as it is written.
fn say(line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

async fn sign_in(app: &App, args: &Args, password: &str) -> anyhow::Result<()> {
    app.sign_in(&args.server, &args.username, password, None)
        .await
        .context("sign in")?;
    say(format_args!("signed-in"))
}

/// Drafts in the queue with no local decision yet: the ones a reviewer would act on.
async fn undecided(app: &App) -> anyhow::Result<Option<Vec<DraftId>>> {
    let queue = app.queue(QueueFilter::default()).await.context("queue")?;
    let ids: Vec<DraftId> = queue
        .into_iter()
        .filter(|item| item.local.is_none())
        .map(|item| item.id)
        .collect();
    Ok(Some(ids).filter(|ids| !ids.is_empty()))
}

fn pick(rng: &mut StdRng, ids: &[DraftId]) -> Option<DraftId> {
    // Mostly near the top, as a reviewer works down the queue, sometimes anywhere.
    let window = if rng.random_bool(0.8) {
        ids.len().min(5)
    } else {
        ids.len()
    };
    ids.get(rng.random_range(0..window)).copied()
}

/// A unique mark for one decision's or comment's text.
fn token() -> String {
    format!("crash-{}", uuid::Uuid::new_v4().simple())
}

async fn decide(app: &App, draft: DraftId, verdict: Verdict) -> anyhow::Result<()> {
    let token = token();
    let verdict_name = verdict.as_str();
    say(format_args!("begin decide {draft} {verdict_name}"))?;
    let mutation = app
        .decide(draft, verdict, &format!("checked {token}"), None)
        .await
        .with_context(|| format!("{verdict_name} {draft}"))?;
    say(format_args!(
        "done decide {draft} {} {verdict_name} {token}",
        mutation.0
    ))
}

async fn comment(app: &App, draft: DraftId) -> anyhow::Result<()> {
    let token = token();
    say(format_args!("begin comment {draft}"))?;
    let mutation = app
        .comment(draft, &format!("note {token}"))
        .await
        .with_context(|| format!("comment on {draft}"))?;
    say(format_args!("done comment {draft} {} {token}", mutation.0))
}

/// One sync. A session that needs a new sign-in gets one (the cache and its outbox are
/// kept); a revoked session has wiped the cache, which no crash may cause, so it ends the
/// run with an error.
async fn sync(app: &App, args: &Args, password: &str) -> anyhow::Result<()> {
    say(format_args!("begin sync"))?;
    match app.sync_now().await {
        Ok(report) => {
            let status = app.status().await.context("status")?;
            let undecided = undecided(app).await?.map_or(0, |ids| ids.len());
            say(format_args!(
                "synced pushed={} applied={} refused={} pulled={} pending={} conflicts={} \
                 undecided={undecided}",
                report.pushed,
                report.applied,
                report.refused,
                report.pulled,
                status.pending,
                status.conflicts
            ))
        }
        Err(AppError::SignInRequired) => {
            say(format_args!("sync-failed sign_in_required"))?;
            sign_in(app, args, password).await
        }
        Err(e @ AppError::SessionRevoked) => bail!("the session was revoked: {e}"),
        Err(e) => say(format_args!("sync-failed {} {e}", e.code())),
    }
}

async fn final_sync(app: &App, args: &Args, password: &str) -> anyhow::Result<()> {
    for _ in 0..FINAL_SYNCS {
        sync(app, args, password).await?;
        let status = app.status().await.context("status")?;
        if status.pending == 0 && status.last_error.is_none() {
            let undecided = undecided(app).await?.map_or(0, |ids| ids.len());
            return say(format_args!(
                "final pending=0 conflicts={} undecided={undecided}",
                status.conflicts
            ));
        }
    }
    bail!("the outbox did not drain in {FINAL_SYNCS} syncs")
}
