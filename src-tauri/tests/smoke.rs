//! The shell on Tauri's mock runtime: the real config, capabilities and commands, called
//! through IPC the way the window calls them, with no display, a temporary data folder
//! and an in-memory keychain.

use countersign_desktop::DesktopConfig;
use countersign_keychain::{Keychain, MemoryKeychain};
use serde_json::{Value, json};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

struct Shell {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _data: tempfile::TempDir,
}

fn shell() -> Shell {
    let data = tempfile::tempdir().expect("a temporary data folder");
    let config = DesktopConfig::from_vars(|name| match name {
        "COUNTERSIGN_SERVER_URL" => Some("http://127.0.0.1:9".into()),
        "COUNTERSIGN_DEMO_HINT" => Some("Demo: hannah.okafor / countersign-demo".into()),
        _ => None,
    })
    .expect("the settings")
    .with_keychain(Keychain::new(Arc::new(MemoryKeychain::new())));
    let config = DesktopConfig {
        data_dir: Some(data.path().to_path_buf()),
        ..config
    };
    let mut app = countersign_desktop::build(mock_builder(), config)
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    // Setup (opening the app, the config's `main` window) runs on the first turn of the
    // event loop; the mock runtime's turn returns at once.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let window = app
        .get_webview_window("main")
        .expect("the config's main window");
    Shell {
        _app: app,
        window,
        _data: data,
    }
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("the app's origin"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON"))
}

#[test]
fn a_fresh_install_is_signed_out_and_offers_the_sign_in_defaults() {
    let shell = shell();
    let info = invoke(&shell.window, "session_info", json!({})).expect("session_info answers");
    assert_eq!(
        info["user"],
        Value::Null,
        "nobody is signed in on a fresh install"
    );
    assert_eq!(info["status"]["pending"], 0);
    assert_eq!(info["defaults"]["serverUrl"], "http://127.0.0.1:9");
    assert_eq!(
        info["defaults"]["hint"],
        "Demo: hannah.okafor / countersign-demo"
    );
}

#[test]
fn the_queue_before_sign_in_rejects_with_a_code() {
    let shell = shell();
    let error = invoke(
        &shell.window,
        "queue_page",
        json!({ "page": { "filter": {} } }),
    )
    .expect_err("no queue without a session");
    assert_eq!(
        error["code"], "not_signed_in",
        "the UI branches on the code: {error}"
    );
    assert!(error["message"].is_string());
}

#[test]
fn camel_case_arguments_reach_the_commands() {
    let shell = shell();
    let error = invoke(
        &shell.window,
        "decide",
        json!({
            "draftId": "0190f0a0-0000-7000-8000-000000000001",
            "verdict": "approve",
            "comment": "",
            "overrideReason": null,
        }),
    )
    .expect_err("no decisions without a session");
    assert_eq!(error["code"], "not_signed_in", "{error}");
}

#[test]
fn a_core_command_the_window_was_not_granted_is_refused() {
    let shell = shell();
    let refused = invoke(
        &shell.window,
        "plugin:window|close",
        json!({ "label": "main" }),
    );
    let refused = refused.expect_err("the capability grants set-title, not close");
    assert!(
        refused.to_string().contains("not allowed"),
        "refused by the permission check, not for another reason: {refused}"
    );
    let allowed = invoke(
        &shell.window,
        "plugin:window|set_title",
        json!({ "label": "main", "value": "Countersign — 3 waiting" }),
    );
    assert!(allowed.is_ok(), "set-title is granted: {allowed:?}");
}

#[test]
fn the_window_can_say_it_is_ready_but_not_with_an_argument_of_the_wrong_shape() {
    let shell = shell();
    let ready = invoke(&shell.window, "window_ready", json!({ "screen": "queue" }));
    assert_eq!(
        ready,
        Ok(Value::Null),
        "window_ready is granted and answers null"
    );
    let wrong = invoke(&shell.window, "window_ready", json!({ "screen": 42 }));
    assert!(wrong.is_err(), "a non-string screen is refused: {wrong:?}");
}
