//! Generates the permission set for every command: each one must be granted explicitly
//! by a capability (see `capabilities/main.json`).

use tauri_build::{AppManifest, Attributes};

/// Every `#[tauri::command]` in `src/commands.rs`.
const COMMANDS: &[&str] = &[
    "session_info",
    "sign_in",
    "sign_out",
    "queue_page",
    "draft",
    "decide",
    "comment",
    "bulk_check",
    "decide_many",
    "undo",
    "sync_now",
    "status",
    "conflicts",
    "dismiss_conflict",
    "window_ready",
    "access",
    "crisis_on",
    "crisis_off",
    "export_decisions",
];

fn main() {
    tauri_build::try_build(Attributes::new().app_manifest(AppManifest::new().commands(COMMANDS)))
        .unwrap_or_else(|e| panic!("tauri-build failed: {e:#}"));
}
