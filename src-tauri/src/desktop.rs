//! Desktop integration: one running instance, the window's size and place kept, a tray
//! icon with the number of drafts to review, and an OS notification when a crisis or
//! urgent draft arrives while the window is not in front.
//!
//! All of it lives in the shell, in Rust: the window is granted none of these plugins'
//! commands (`capabilities/main.json` lists none), so a page can neither send
//! notifications nor move itself. What deserves a notification is decided by
//! [`countersign_app::notify`]; this module only reads the queue when it may have changed
//! (the `status` and `queue-changed` events of [`crate::background`]) and shows the answer.
//!
//! Added by [`install`] in the real app only: the mock runtime of the IPC tests has no
//! tray, no session bus to claim a name on, and no window to keep the place of.

use crate::background::events;
use crate::opening::Opening;
use countersign_app::App;
use countersign_app::notify::{self, Arrivals};
use countersign_core::wire::SessionUser;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Listener, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::StateFlags;

/// The main window's label (`tauri.conf.json`).
const MAIN: &str = "main";
/// Tray menu ids.
const SHOW: &str = "show";
const SYNC: &str = "sync";
const QUIT: &str = "quit";

/// Adds the desktop plugins to `builder`. `data_dir` (`COUNTERSIGN_DATA_DIR`, when set)
/// scopes the single instance: one app per cache folder, since two processes must never
/// share one encrypted cache, while a second folder (another test, a benchmark) is
/// another app.
pub fn install<R: Runtime>(
    builder: tauri::Builder<R>,
    data_dir: Option<&Path>,
) -> tauri::Builder<R> {
    let mut single = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        tracing::info!("Countersign was started again: showing this window instead");
        show_window(app);
    });
    if let Some(dir) = data_dir {
        single = single.dbus_id(instance_name(dir));
    }
    builder
        // First, so a second launch exits before anything else starts.
        .plugin(single.build())
        .plugin(
            tauri_plugin_window_state::Builder::new()
                // Not VISIBLE: a window closed while hidden must still open shown.
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(
            tauri::plugin::Builder::<R>::new("countersign-desktop")
                .setup(|app, _api| {
                    start(app);
                    Ok(())
                })
                .build(),
        )
}

/// The D-Bus name the single instance holds for a cache folder: the app's identifier and
/// a digest of the folder (bus names allow letters, digits and `_` only).
fn instance_name(dir: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("dev.countersign.desktop.folder_{hex}")
}

/// What the tray and the notifications remember between looks at the queue.
struct Watch<R: Runtime> {
    tray: Option<Tray<R>>,
    arrivals: Mutex<Seen>,
    /// Set by events, taken by the task that reads the queue: many events, one read.
    wake: tokio::sync::Notify,
}

#[derive(Default)]
struct Seen {
    arrivals: Arrivals,
    /// Whose queue the arrivals are of: another user starts again.
    user: Option<String>,
    /// The last status seen (user and outbox size): a status event that changes neither
    /// cannot change the queue.
    status: Option<(Option<String>, u64)>,
}

struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    count: MenuItem<R>,
}

fn start<R: Runtime>(app: &AppHandle<R>) {
    let tray = match tray(app) {
        Ok(tray) => Some(tray),
        // A desktop without a tray (no status notifier host) still gets notifications.
        Err(e) => {
            tracing::warn!(%e, "no tray icon");
            None
        }
    };
    let watch = Arc::new(Watch {
        tray,
        arrivals: Mutex::default(),
        wake: tokio::sync::Notify::new(),
    });
    for event in [events::STATUS, events::QUEUE_CHANGED, events::SIGNED_OUT] {
        let watch = Arc::clone(&watch);
        app.listen_any(event, move |e| {
            if event != events::STATUS || watch.status_changed(e.payload()) {
                watch.wake.notify_one();
            }
        });
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            watch.wake.notified().await;
            watch.look(&app).await;
        }
    });
}

fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Tray<R>> {
    let count = MenuItem::with_id(
        app,
        "count",
        notify::to_review_line(None),
        false,
        None::<&str>,
    )?;
    let menu = Menu::with_items(
        app,
        &[
            &count,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, SHOW, "Show Countersign", true, None::<&str>)?,
            &MenuItem::with_id(app, SYNC, "Sync now", true, None::<&str>)?,
            &MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("countersign")
        .menu(&menu)
        .tooltip("Countersign")
        .on_menu_event(|app, event| match event.id().as_ref() {
            SHOW => show_window(app),
            SYNC => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Some(opening) = app.try_state::<Opening>()
                        && let Ok(opened) = opening.wait().await
                    {
                        // The outcome reaches the window as events, as any sync's does.
                        let _ = opened.sync.sync_now().await;
                    }
                });
            }
            QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    Ok(Tray { icon, count })
}

/// Brings the main window to the front (tray "Show", a second launch).
fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let shown = window
            .show()
            .and_then(|()| window.unminimize())
            .and_then(|()| window.set_focus());
        if let Err(e) = shown {
            tracing::warn!(%e, "could not bring the window to the front");
        }
    }
}

impl<R: Runtime> Watch<R> {
    fn status_changed(&self, payload: &str) -> bool {
        let status: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
        let key = (
            status["user"]["id"].as_str().map(str::to_owned),
            status["pending"].as_u64().unwrap_or(0),
        );
        let Ok(mut seen) = self.arrivals.lock() else {
            return true;
        };
        let changed = seen.status.as_ref() != Some(&key);
        seen.status = Some(key);
        changed
    }

    /// Reads the queue: the tray's count, and a notification for what arrived.
    async fn look(&self, handle: &AppHandle<R>) {
        let Some(opening) = handle.try_state::<Opening>() else {
            return;
        };
        let Ok(opened) = opening.wait().await else {
            return;
        };
        let Some(user) = opened.app.user().await else {
            self.forget();
            self.show_count(None);
            return;
        };
        match self.read(handle, &opened.app, &user).await {
            Ok(to_review) => self.show_count(Some(to_review)),
            // Past the lease, or a cache being wiped: the window says why.
            Err(e) => tracing::debug!(code = e.code(), %e, "queue not read for the tray"),
        }
    }

    /// The number to review, after noting what arrived and notifying about it.
    async fn read(
        &self,
        handle: &AppHandle<R>,
        app: &App,
        user: &SessionUser,
    ) -> Result<usize, countersign_app::AppError> {
        let synced_once = app.status().await?.last_synced_at.is_some();
        let to_review = usize::try_from(app.to_review().await?).unwrap_or(usize::MAX);
        if !synced_once {
            // The first sync is still to come: what it brings is the backlog, not news.
            return Ok(to_review);
        }
        let pressing = app.pressing().await?;
        let focused = handle
            .get_webview_window(MAIN)
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false);
        let notice = {
            let Ok(mut seen) = self.arrivals.lock() else {
                return Ok(to_review);
            };
            let me = user.person.id.to_string();
            if seen.user.as_deref() != Some(me.as_str()) {
                seen.arrivals.reset();
                seen.user = Some(me);
            }
            let arrived = seen.arrivals.arrived(&pressing);
            notify::notice(&arrived, focused)
        };
        if let Some(notice) = notice {
            tracing::info!(summary = %notice.summary, focused, "notifying");
            let shown = handle
                .notification()
                .builder()
                .title(notice.summary)
                .body(notice.body)
                .show();
            if let Err(e) = shown {
                tracing::warn!(%e, "could not show a notification");
            }
        }
        Ok(to_review)
    }

    fn forget(&self) {
        if let Ok(mut seen) = self.arrivals.lock() {
            seen.arrivals.reset();
            seen.user = None;
        }
    }

    /// Shows the number to review in the tray's menu and tooltip (Linux shows no tooltips).
    fn show_count(&self, to_review: Option<usize>) {
        let Some(tray) = &self.tray else {
            return;
        };
        let text = notify::to_review_line(to_review);
        let tooltip = format!("Countersign: {text}");
        if let Err(e) = tray
            .count
            .set_text(&text)
            .and_then(|()| tray.icon.set_tooltip(Some(&tooltip)))
        {
            tracing::debug!(%e, "tray not updated");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_granted_none_of_the_desktop_plugins_commands() {
        let capability: Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).expect("JSON");
        let granted = capability["permissions"].as_array().expect("a list");
        assert!(!granted.is_empty());
        for permission in granted {
            // Either "name" or { "identifier": "name", ... }.
            let name = permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
                .expect("a permission name");
            for plugin in ["notification:", "window-state:", "single-instance:"] {
                assert!(
                    !name.starts_with(plugin),
                    "{name}: the shell notifies, not the page"
                );
            }
            for core in ["core:tray:", "core:menu:", "core:app:"] {
                assert!(!name.starts_with(core), "{name}: the tray is the shell's");
            }
            if name.starts_with("core:window:") {
                assert_eq!(
                    name, "core:window:allow-set-title",
                    "the page may not move its window"
                );
            }
        }
    }

    #[test]
    fn each_cache_folder_has_its_own_valid_bus_name() {
        let a = instance_name(Path::new("/home/rita/.local/share/countersign"));
        let b = instance_name(Path::new("/tmp/e2e-1/countersign"));
        assert_ne!(a, b, "two folders, two instances");
        assert_eq!(
            a,
            instance_name(Path::new("/home/rita/.local/share/countersign"))
        );
        // A D-Bus name: dot-separated elements of [A-Za-z0-9_], none starting with a digit.
        assert!(a.len() <= 255);
        for element in a.split('.') {
            assert!(!element.is_empty() && !element.starts_with(|c: char| c.is_ascii_digit()));
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{a}"
            );
        }
    }
}
