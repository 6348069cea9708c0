//! A small W3C WebDriver client — just what Countersign's end-to-end tests and desktop
//! benchmark use, over plain HTTP — and [`TauriDriver`], which starts `tauri-driver`.
//!
//! tauri-driver speaks the W3C protocol and hands each session to WebKitWebDriver, which
//! starts the real app and drives it in real WebKit. Deleting the session closes the app.

mod driver;
mod session;

pub use driver::TauriDriver;
pub use session::{Element, Session};

/// What can go wrong while driving the app.
#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    /// The driver could not be reached, or answered with something that is not JSON.
    #[error("WebDriver request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The driver answered a command with a W3C error (e.g. `no such element`).
    #[error("WebDriver {command}: {error}: {message}")]
    Command {
        /// The command, e.g. `POST /elements`.
        command: String,
        /// The W3C error code.
        error: String,
        /// The driver's explanation.
        message: String,
    },
    /// A new session was refused (the app did not start, or is not a Tauri app).
    #[error("no WebDriver session: {0}")]
    NoSession(String),
    /// Something awaited did not happen in time; `page` is the page's visible text then.
    #[error("timed out waiting for {what}; the page says:\n{page}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// `document.body.innerText` when the wait gave up.
        page: String,
    },
    /// tauri-driver could not be started or did not open its port.
    #[error("cannot start tauri-driver ({program}): {reason}")]
    Driver {
        /// The program started.
        program: String,
        /// Why it failed.
        reason: String,
    },
    /// A screenshot was not base64 PNG.
    #[error("the screenshot is not base64: {0}")]
    Screenshot(#[from] base64::DecodeError),
}

/// Results of this crate.
pub type Result<T, E = WebDriverError> = std::result::Result<T, E>;
