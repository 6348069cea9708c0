//! Everything one end-to-end test needs: the demo server on loopback, tauri-driver started
//! with the app's environment (its own data folder, keychain service and server address),
//! and a WebDriver session on the real app.

use crate::webdriver::Session;
use countersign_keychain::{OsKeychain, SecretStore};
use countersign_tests::LoopbackServer;
use countersign_webdriver::TauriDriver;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "countersign-demo";

/// True when the end-to-end environment is there (`scripts/e2e` sets it up); the tests
/// say so and pass quietly otherwise, so `cargo test` without a display still works.
pub fn enabled() -> bool {
    let on = std::env::var_os("COUNTERSIGN_E2E").is_some();
    if !on {
        eprintln!("skipped: end-to-end tests run through scripts/e2e (Xvfb, tauri-driver)");
    }
    on
}

/// Starts the real server on loopback with the demo organisation.
pub async fn demo_server() -> LoopbackServer {
    let server = LoopbackServer::start().await;
    countersign_server::demo::seed(&server.server, server.server.now())
        .await
        .expect("seed the demo");
    server
}

/// [`demo_server`], reading the time from `clock` (a test moves it to expire sessions).
pub async fn demo_server_with_clock(clock: countersign_server::Clock) -> LoopbackServer {
    let server = LoopbackServer::start_with_clock(clock).await;
    countersign_server::demo::seed(&server.server, server.server.now())
        .await
        .expect("seed the demo");
    server
}

/// The queue row of draft `id`, scrolling the queue `step` pixels at a time (from its top
/// when `from_top`) until the row is rendered: the queue draws only the rows near its view.
pub async fn queue_row(
    s: &Session,
    id: &str,
    what: &str,
    from_top: bool,
    step: u32,
) -> countersign_webdriver::Element {
    let css = format!("[data-testid=queue-row][data-id=\"{id}\"]");
    if from_top {
        s.script(
            "document.querySelector('[data-testid=queue]').scrollTop = 0;",
            serde_json::json!([]),
        )
        .await;
    }
    s.wait_for(what, || async {
        let found = s.find_all(&css).await.into_iter().next();
        if found.is_none() {
            s.script(
                "document.querySelector('[data-testid=queue]').scrollTop += arguments[0];",
                serde_json::json!([step]),
            )
            .await;
        }
        found
    })
    .await
}

/// Clicks the row of draft `id` and waits for the pane to show it. The queue draws only the
/// rows near its view, and the draft may arrive with a later page of the first sync: each
/// probe finds and clicks in one script (no element to go stale between the two), else
/// scrolls on, from the top again once past the end.
pub async fn open_row(s: &Session, id: &str, what: &str) {
    s.wait_for(&format!("{what}'s row, clicked"), || async {
        let clicked = s
            .script(
                "const row = document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);
                 if (row) { row.click(); return true; }
                 const q = document.querySelector('[data-testid=queue]');
                 q.scrollTop = q.scrollTop + q.clientHeight >= q.scrollHeight ? 0 : q.scrollTop + 300;
                 return false;",
                serde_json::json!([id]),
            )
            .await;
        (clicked == serde_json::json!(true)).then_some(())
    })
    .await;
    s.wait_for(&format!("{what} in the pane"), || async {
        let open = s
            .script(
                "return document.querySelector('[data-testid=draft-detail] .draft')?.dataset.id ?? null;",
                serde_json::json!([]),
            )
            .await;
        (open == serde_json::json!(id)).then_some(())
    })
    .await;
}

/// The desktop app under test, driven through tauri-driver.
pub struct Desktop {
    pub session: Session,
    // Dropped after the session: killing the driver closes the app.
    _driver: TauriDriver,
    pub home: TempDir,
    pub keychain_service: String,
}

impl Desktop {
    /// Starts the app pointed at `server_url`, with `extra_env` added to its environment
    /// (e.g. a GTK theme).
    pub async fn launch_with(server_url: &str, extra_env: &[(&str, &str)]) -> Desktop {
        let home = TempDir::new().expect("temp home");
        let keychain_service = format!("countersign-e2e-{}", uuid::Uuid::new_v4());
        let h = home.path();
        let env = [
            ("HOME", h.as_os_str().to_owned()),
            ("XDG_DATA_HOME", h.join("data").into_os_string()),
            ("XDG_CACHE_HOME", h.join("cache").into_os_string()),
            (
                "COUNTERSIGN_DATA_DIR",
                h.join("countersign").into_os_string(),
            ),
            (
                "COUNTERSIGN_KEYCHAIN_SERVICE",
                keychain_service.clone().into(),
            ),
            ("COUNTERSIGN_SERVER_URL", server_url.into()),
            (
                "COUNTERSIGN_DEMO_HINT",
                "Demo: hannah.okafor / countersign-demo".into(),
            ),
            ("COUNTERSIGN_SYNC_INTERVAL_SECS", "1".into()),
        ];
        let extra = extra_env.iter().map(|(k, v)| (*k, OsString::from(v)));
        let driver = TauriDriver::start(&driver_binary(), env.into_iter().chain(extra))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let session = driver
            .session(&app_binary())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Desktop {
            session: Session(session),
            _driver: driver,
            home,
            keychain_service,
        }
    }

    /// The app's data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("countersign")
    }

    /// What the app stored in the OS keychain under `account`. An error means the app is
    /// changing the entry at this very moment (Secret Service can list an item it is
    /// deleting); callers poll again.
    pub fn keychain(&self, account: &str) -> Result<Option<String>, String> {
        OsKeychain::new(self.keychain_service.clone())
            .get(account)
            .map(|secret| secret.map(|s| s.expose().clone()))
            .map_err(|e| e.to_string())
    }

    /// Signs in through the form as `username`.
    pub async fn sign_in(&self, username: &str) {
        let s = &self.session;
        s.find("[data-testid=signin-form]").await;
        self.shot("sign-in").await;
        let user = s.find("[data-testid=signin-username]").await;
        s.type_into(&user, username).await;
        let password = s.find("[data-testid=signin-password]").await;
        s.type_into(&password, DEMO_PASSWORD).await;
        let submit = s.find("[data-testid=signin-submit]").await;
        s.click(&submit).await;
        s.find("[data-testid=queue-row]").await;
    }

    /// Saves a screenshot as `<name>.png` in `$COUNTERSIGN_SCREENSHOTS`, when it is set
    /// (how the README's pictures are made).
    pub async fn shot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("COUNTERSIGN_SCREENSHOTS") {
            // The first frame can lag the DOM by a few hundred milliseconds.
            tokio::time::sleep(Duration::from_millis(600)).await;
            // Relative to the workspace, as the README writes it (tests run in `tests/`).
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
            let _ = std::fs::create_dir_all(&dir);
            self.session
                .screenshot(&dir.join(format!("{name}.png")))
                .await;
        }
    }

    pub async fn close(self) {
        self.session.end().await;
    }
}

/// `tauri-driver`, from `$TAURI_DRIVER` or PATH.
fn driver_binary() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// The desktop binary built by `cargo build -p countersign-desktop`.
fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("COUNTERSIGN_DESKTOP_BIN") {
        return PathBuf::from(path);
    }
    built_binary("countersign-desktop", "countersign-desktop")
}

/// The server's command line, as an operator runs it (`cargo build -p countersign-server`;
/// the workspace build `scripts/e2e` starts with makes it).
pub fn server_binary() -> PathBuf {
    built_binary("countersign-server", "countersign-server")
}

/// `name` in the workspace's debug build of `package`.
fn built_binary(package: &str, name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let binary = target.join("debug").join(name);
    assert!(
        binary.exists(),
        "build it first: cargo build -p {package} ({})",
        binary.display()
    );
    binary.canonicalize().unwrap_or(binary)
}

/// axe-core's browser build, as `scripts/install-deps` installs it from `ui/package-lock.json`
/// (outside `ui/`, which the app embeds): `$COUNTERSIGN_AXE_JS` overrides the path.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os("COUNTERSIGN_AXE_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/ui-deps/node_modules/axe-core/axe.min.js")
            });
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed at {} ({e}): run scripts/install-deps",
                path.display()
            )
        })
    })
}

/// Runs axe-core on the window as it is now and fails with a readable list when it finds a
/// serious or critical violation (WCAG 2.1 A and AA rules, colour contrast included).
/// `screen` names what is shown, for the message. Call it on every screen a test reaches.
pub async fn assert_accessible(s: &Session, screen: &str) {
    // The script itself is axe: WebDriver runs it as the page's own code would not be
    // allowed to (the app's CSP refuses eval and inline scripts), so axe is there only for
    // the test.
    let loaded = s
        .script("return typeof window.axe;", serde_json::json!([]))
        .await;
    if loaded != serde_json::json!("object") {
        s.script(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            serde_json::json!([]),
        )
        .await;
    }
    s.script(
        "window.__axeResult = null;
         window.axe.run(document, {
           runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
           resultTypes: ['violations'],
         }).then(
           (r) => { window.__axeResult = {violations: r.violations.map((v) => ({
             id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
             nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                         why: n.failureSummary ?? ''}))}))}; },
           (e) => { window.__axeResult = {error: String(e && e.stack || e)}; });
         return true;",
        serde_json::json!([]),
    )
    .await;
    let result = s
        .wait_for(&format!("axe-core's answer on {screen}"), || async {
            let r = s
                .script("return window.__axeResult;", serde_json::json!([]))
                .await;
            (!r.is_null()).then_some(r)
        })
        .await;
    if let Some(error) = result.get("error") {
        panic!("axe-core failed on {screen}: {error}");
    }
    let violations = result["violations"].as_array().cloned().unwrap_or_default();
    let grave: Vec<_> = violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    let mut report = String::new();
    for v in &grave {
        report.push_str(&format!(
            "\n- [{}] {}: {} ({})",
            v["impact"].as_str().unwrap_or("?"),
            v["id"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or(""),
            v["url"].as_str().unwrap_or("")
        ));
        for node in v["nodes"].as_array().into_iter().flatten().take(6) {
            report.push_str(&format!(
                "\n    at {}\n       {}\n       {}",
                node["target"].as_str().unwrap_or(""),
                node["html"].as_str().unwrap_or(""),
                node["why"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n       ")
            ));
        }
    }
    let minor: Vec<_> = violations
        .iter()
        .filter(|v| !matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .filter_map(|v| v["id"].as_str())
        .collect();
    if !minor.is_empty() {
        eprintln!("axe on {screen}: minor or moderate findings (not failing): {minor:?}");
    }
    assert!(
        grave.is_empty(),
        "axe-core found {} serious or critical accessibility violation(s) on {screen}:{report}",
        grave.len()
    );
}

impl Desktop {
    /// Starts the app's binary once more on this desktop's folders, outside tauri-driver —
    /// a reviewer starting Countersign again while it runs.
    pub fn start_again(&self) -> std::process::Child {
        let h = self.home.path();
        std::process::Command::new(app_binary())
            .env("HOME", h)
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env("COUNTERSIGN_DATA_DIR", self.data_dir())
            .env("COUNTERSIGN_KEYCHAIN_SERVICE", &self.keychain_service)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the desktop binary again")
    }
}
