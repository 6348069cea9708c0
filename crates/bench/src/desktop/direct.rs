//! Starting the app as a person does — the program itself, no WebDriver in between — and
//! hearing from its log when the first screen is ready.
//!
//! Under WebDriver, WebKit first sets up an automation session, which adds a few hundred
//! milliseconds to every start and some memory; none of that is the app's. So start-up time
//! and memory are measured on directly started apps, and only the key and scroll timings
//! (which need a driver to press keys) go through WebDriver.

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// A directly started app; killed when dropped.
pub struct Running {
    child: Child,
}

impl Running {
    /// Its process id.
    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("the app has exited")
    }

    /// Stops it and waits (up to 10 s) until it and its WebKit processes are gone, so the
    /// next start is a cold one.
    pub async fn stop(mut self) {
        let family = match self.child.id() {
            Some(pid) => super::procs::tree_now(pid),
            None => Vec::new(),
        };
        let _ = self.child.kill().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while family.iter().any(|pid| super::procs::alive(*pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// What the app's `window ready` log line says.
#[derive(Clone, Copy, Debug)]
pub struct Ready {
    /// From spawning the process to reading the line (what a person waits).
    pub from_spawn: Duration,
    /// The app's own count, from `main` (without loading the program and its libraries).
    pub from_main: Duration,
}

/// Starts `program` with `env` added to the environment; its log at `RUST_LOG` (default:
/// the app's info lines).
pub fn start(
    program: &Path,
    env: &[(&'static str, OsString)],
) -> anyhow::Result<(Running, Instant)> {
    let mut command = Command::new(program);
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,countersign_desktop=info".into()),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let spawned = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    Ok((Running { child }, spawned))
}

/// Starts the app and waits (up to 30 s) for its `window ready` line for `screen`.
pub async fn start_until_ready(
    program: &Path,
    env: &[(&'static str, OsString)],
    screen: &str,
) -> anyhow::Result<(Running, Ready)> {
    let (mut running, spawned) = start(program, env)?;
    let stderr = running.child.stderr.take().context("no stderr")?;
    let (ready_tx, ready_rx) = oneshot::channel::<(Instant, String)>();
    // Read every line to the end: a full pipe would block the app's logging. With
    // COUNTERSIGN_BENCH_VERBOSE set, the lines are passed on to stderr.
    let verbose = std::env::var_os("COUNTERSIGN_BENCH_VERBOSE").is_some();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut ready_tx = Some(ready_tx);
        while let Ok(Some(line)) = lines.next_line().await {
            if verbose {
                eprintln!("app: {line}");
            }
            if line.contains("window ready")
                && let Some(tx) = ready_tx.take()
            {
                let _ = tx.send((Instant::now(), line));
            }
        }
    });
    let (at, line) = tokio::time::timeout(Duration::from_secs(30), ready_rx)
        .await
        .context("the app did not say `window ready` within 30 s")?
        .context("the app exited before its window was ready")?;
    if field(&line, "screen") != Some(screen) {
        bail!("the app opened on another screen than {screen}: {line}");
    }
    let from_main = field(&line, "since_start_ms")
        .and_then(|ms| ms.parse::<f64>().ok())
        .context("no since_start_ms in the `window ready` line")?;
    Ok((
        running,
        Ready {
            from_spawn: at - spawned,
            from_main: Duration::from_secs_f64(from_main / 1e3),
        },
    ))
}

/// `value` of `name=value` in a log line (tracing's plain format).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|word| {
        word.strip_prefix(name)?
            .strip_prefix('=')
            .map(|v| v.trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_read_from_a_plain_tracing_line() {
        let line = "2026-11-25T03:08:12.426646Z  INFO countersign_desktop::commands: window ready \
                    screen=\"queue\" since_start_ms=612.5";
        assert_eq!(field(line, "screen"), Some("queue"));
        assert_eq!(field(line, "since_start_ms"), Some("612.5"));
        assert_eq!(field(line, "missing"), None);
    }
}
