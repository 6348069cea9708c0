//! The Countersign desktop shell: a Tauri window over [`countersign_app::App`].
//!
//! Everything the desktop does lives in the application layer; this crate only
//!
//! - reads its settings from the environment ([`DesktopConfig`]),
//! - opens the [`App`] with the OS keychain and a data folder when the window starts,
//! - exposes the app to the UI as thin commands ([`commands`], which documents the IPC
//!   contract), each needing an explicit permission (`capabilities/main.json`),
//! - syncs in the background and tells the window through events ([`background`]),
//! - and, in the real app only, adds the tray, notifications, one instance and the kept
//!   window place (`desktop`).
//!
//! [`run`] starts the real app; [`build`] wires any [`tauri::Builder`], so a test can
//! pass `tauri::test::mock_builder()` and call the commands through IPC with no display.
#![deny(missing_docs)]

pub mod background;
pub mod commands;
mod config;
mod desktop;
mod error;
mod opening;
mod rendering;

pub use background::{BackgroundSync, Emit};
pub use config::{
    ConfigError, DEFAULT_KEYCHAIN_SERVICE, DEFAULT_SYNC_INTERVAL_SECS, DesktopConfig,
};
pub use error::CommandError;
pub use opening::{Opened, Opening};

use countersign_app::{App, AppConfig};
use std::sync::Arc;
use tauri::{Emitter, Manager, Runtime};
use tracing_subscriber::EnvFilter;

/// Starts the desktop app and blocks until its window closes. Exits the process with
/// status 1 when the settings are unusable or the window cannot start; data that cannot be
/// opened (a locked keychain, a damaged cache) is explained in the window instead.
pub fn run() {
    since_start();
    init_tracing();
    let config = match DesktopConfig::from_env() {
        Ok(config) => config,
        Err(e) => exit_with(&e),
    };
    let data_dir = config.data_dir.clone();
    let builder = desktop::install(tauri::Builder::default(), data_dir.as_deref());
    let builder = build(builder, config);
    // Start-up milestones (RUST_LOG=debug), for anyone asking why the window took its time.
    tracing::debug!("starting the window");
    if let Err(e) = builder.run(tauri::generate_context!()) {
        exit_with(&e);
    }
}

/// Time since the app started ([`run`] notes the moment; before that, since the first call).
pub fn since_start() -> std::time::Duration {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    STARTED.get_or_init(std::time::Instant::now).elapsed()
}

/// Registers the commands and the start-up work (opening the [`App`], starting the
/// background sync) on `builder`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>, config: DesktopConfig) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            commands::session_info,
            commands::sign_in,
            commands::sign_out,
            commands::queue_page,
            commands::draft,
            commands::decide,
            commands::comment,
            commands::bulk_check,
            commands::decide_many,
            commands::undo,
            commands::sync_now,
            commands::status,
            commands::conflicts,
            commands::dismiss_conflict,
            commands::window_ready,
            commands::access,
            commands::crisis_on,
            commands::crisis_off,
            commands::export_decisions,
        ])
        .on_page_load(|_, page| tracing::debug!(event = ?page.event(), "page load"))
        .setup(move |tauri_app| {
            tracing::debug!("window set up");
            start(tauri_app, config)?;
            Ok(())
        })
}

/// Starts opening the app in the data folder (see [`opening`] for why not here and now)
/// and then the background sync.
fn start<R: Runtime>(
    tauri_app: &mut tauri::App<R>,
    config: DesktopConfig,
) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = match config.data_dir {
        Some(dir) => dir,
        None => tauri_app.path().app_data_dir()?,
    };
    let handle = tauri_app.handle().clone();
    let emit: Emit = Arc::new(move |event, payload| {
        if let Err(e) = handle.emit(event, payload) {
            tracing::warn!(event, %e, "could not send an event to the window");
        }
    });
    if let Some(window) = tauri_app.get_webview_window("main") {
        rendering::configure(&window, config.use_gpu);
    }
    let (opening, report) = Opening::new();
    let interval = config.sync_interval;
    tauri::async_runtime::spawn(async move {
        tracing::info!(data_dir = %data_dir.display(), "opening the cache folder");
        let started = std::time::Instant::now();
        let mut app_config = AppConfig::new(data_dir, config.keychain);
        app_config.crisis_stale_after = config.crisis_stale_after;
        match App::open(app_config).await {
            Ok(app) => {
                tracing::info!(took = ?started.elapsed(), "cache and keychain open");
                let app = Arc::new(app);
                let sync = Arc::new(BackgroundSync::new(Arc::clone(&app), emit, interval));
                tauri::async_runtime::spawn(Arc::clone(&sync).run());
                report.finish(Ok(Opened { app, sync }));
            }
            Err(e) => {
                tracing::error!(code = e.code(), %e, "Countersign cannot open its data");
                report.finish(Err(opening::cannot_start(&e.to_string())));
            }
        }
    });
    tauri_app.manage(opening);
    // The Downloads folder as the desktop names it (XDG on Linux), else `~/Downloads`.
    let downloads = tauri_app.path().download_dir().ok().or_else(|| {
        let home = tauri_app.path().home_dir().ok()?;
        Some(home.join("Downloads"))
    });
    tauri_app.manage(commands::ExportFolder(downloads));
    tauri_app.manage(commands::Defaults {
        server_url: config.server_url,
        hint: config.demo_hint,
    });
    Ok(())
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Secrets never reach a log
/// line: they travel as `Sensitive` values that print `<redacted>`.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second subscriber (e.g. in tests) is not an error worth stopping for.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn exit_with(error: &dyn std::fmt::Display) -> ! {
    tracing::error!(%error, "Countersign cannot start");
    std::process::exit(1);
}
