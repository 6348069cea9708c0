//! Starting `tauri-driver` on free loopback ports.

use crate::{Result, Session, WebDriverError};
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `tauri-driver`, killed when dropped. The apps it starts inherit its
/// environment, which is how a test gives an app its own data folder and keychain service.
pub struct TauriDriver {
    child: Child,
    url: String,
}

impl TauriDriver {
    /// Starts `program` (`tauri-driver`, or a path) with `env` added to this process's
    /// environment, and waits up to 20 s for it to listen.
    ///
    /// The driver's and the apps' output is dropped, unless `COUNTERSIGN_WEBDRIVER_LOG`
    /// names a file to append it to (the app's own log is there, with `RUST_LOG`).
    pub async fn start<K, V>(program: &Path, env: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let failed = |reason: String| WebDriverError::Driver {
            program: program.display().to_string(),
            reason,
        };
        let port = free_port().map_err(|e| failed(format!("no free port: {e}")))?;
        let native_port = free_port().map_err(|e| failed(format!("no free port: {e}")))?;
        let child = Command::new(program)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .envs(env)
            .stdout(Stdio::null())
            .stderr(log_file().map_err(|e| failed(format!("cannot open its log: {e}")))?)
            .spawn()
            .map_err(|e| failed(format!("{e} (cargo install tauri-driver --locked)")))?;
        let mut driver = TauriDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(failed(format!("it exited ({status})")));
            }
            if Instant::now() > deadline {
                return Err(failed(format!("port {port} did not open within 20 s")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(driver)
    }

    /// Starts the app at `application` (an absolute path) in a new session.
    pub async fn session(&self, application: &Path) -> Result<Session> {
        Session::start(&self.url, &application.display().to_string()).await
    }

    /// The driver's process id: the apps it starts are its descendants.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn log_file() -> std::io::Result<Stdio> {
    match std::env::var_os("COUNTERSIGN_WEBDRIVER_LOG") {
        Some(path) => Ok(std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?
            .into()),
        None => Ok(Stdio::null()),
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
