//! [`DesktopConfig`]: what the shell reads from the environment before the window opens.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `COUNTERSIGN_DATA_DIR` | folder for the encrypted cache | Tauri's app data dir |
//! | `COUNTERSIGN_KEYCHAIN_SERVICE` | keychain service name for the secrets | `dev.countersign.desktop` |
//! | `COUNTERSIGN_SERVER_URL` | pre-fills the sign-in form | none |
//! | `COUNTERSIGN_DEMO_HINT` | a line shown on the sign-in screen | none |
//! | `COUNTERSIGN_SYNC_INTERVAL_SECS` | seconds between background syncs | 15 |
//! | `COUNTERSIGN_GPU` | `1`: composite the window with the GPU (Linux; see `rendering`) | off |
//! | `COUNTERSIGN_CRISIS_STALE_SECS` | seconds the crisis state may go unconfirmed by the server before the banner warns | 300 |

use countersign_keychain::{Keychain, OsKeychain};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The keychain service name when `COUNTERSIGN_KEYCHAIN_SERVICE` is not set.
pub const DEFAULT_KEYCHAIN_SERVICE: &str = "dev.countersign.desktop";
/// Seconds between background syncs when `COUNTERSIGN_SYNC_INTERVAL_SECS` is not set.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 15;

/// The shell's settings.
#[derive(Clone)]
pub struct DesktopConfig {
    /// Folder for the cache; `None` means Tauri's app data dir, resolved at start-up.
    pub data_dir: Option<PathBuf>,
    /// Where secrets live: the OS keychain, or an in-memory one in tests.
    pub keychain: Keychain,
    /// Pre-fills the sign-in form's server field.
    pub server_url: Option<String>,
    /// Free text for the sign-in screen, e.g. demo credentials.
    pub demo_hint: Option<String>,
    /// Time between background syncs.
    pub sync_interval: Duration,
    /// Composite the window through the GPU (Linux only; off: WebKit paints on the CPU).
    pub use_gpu: bool,
    /// How long the crisis state may go unconfirmed before the banner warns.
    pub crisis_stale_after: Duration,
}

/// A setting in the environment that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A number of seconds that is not a whole number above zero.
    #[error("{name} must be a whole number of seconds above 0, not {value:?}")]
    Seconds {
        /// The variable.
        name: &'static str,
        /// What it said.
        value: String,
    },
}

impl DesktopConfig {
    /// Reads the `COUNTERSIGN_*` variables; the keychain is the OS keychain.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), with variables looked up by `var`. Empty values
    /// count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let service = var("COUNTERSIGN_KEYCHAIN_SERVICE")
            .unwrap_or_else(|| DEFAULT_KEYCHAIN_SERVICE.to_string());
        let seconds = |name: &'static str, default: Duration| match var(name) {
            None => Ok(default),
            Some(text) => match text.parse::<u64>() {
                Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
                _ => Err(ConfigError::Seconds { name, value: text }),
            },
        };
        let interval = seconds(
            "COUNTERSIGN_SYNC_INTERVAL_SECS",
            Duration::from_secs(DEFAULT_SYNC_INTERVAL_SECS),
        )?;
        let crisis_stale_after = seconds(
            "COUNTERSIGN_CRISIS_STALE_SECS",
            countersign_app::CRISIS_STALE_AFTER,
        )?;
        Ok(DesktopConfig {
            data_dir: var("COUNTERSIGN_DATA_DIR").map(PathBuf::from),
            keychain: Keychain::new(Arc::new(OsKeychain::new(service))),
            server_url: var("COUNTERSIGN_SERVER_URL"),
            demo_hint: var("COUNTERSIGN_DEMO_HINT"),
            sync_interval: interval,
            use_gpu: var("COUNTERSIGN_GPU").is_some_and(|v| v == "1"),
            crisis_stale_after,
        })
    }

    /// The same settings with another keychain (tests use an in-memory one).
    pub fn with_keychain(mut self, keychain: Keychain) -> Self {
        self.keychain = keychain;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<DesktopConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DesktopConfig::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn nothing_set_gives_the_defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(config.data_dir, None, "the data dir is Tauri's unless set");
        assert_eq!(config.server_url, None);
        assert_eq!(config.demo_hint, None);
        assert_eq!(config.sync_interval, Duration::from_secs(15));
        assert!(!config.use_gpu, "the CPU paints unless asked");
        assert_eq!(config.crisis_stale_after, Duration::from_secs(300));
    }

    #[test]
    fn set_variables_are_used_and_empty_ones_ignored() {
        let config = config(&[
            ("COUNTERSIGN_DATA_DIR", "/tmp/cs"),
            ("COUNTERSIGN_SERVER_URL", "http://127.0.0.1:8080"),
            ("COUNTERSIGN_DEMO_HINT", " "),
            ("COUNTERSIGN_SYNC_INTERVAL_SECS", "1"),
            ("COUNTERSIGN_GPU", "1"),
            ("COUNTERSIGN_CRISIS_STALE_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(config.crisis_stale_after, Duration::from_secs(3));
        assert!(config.use_gpu);
        assert_eq!(config.data_dir, Some(PathBuf::from("/tmp/cs")));
        assert_eq!(config.server_url.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(config.demo_hint, None, "a blank hint is no hint");
        assert_eq!(config.sync_interval, Duration::from_secs(1));
    }

    #[test]
    fn a_zero_or_unreadable_interval_is_refused() {
        for bad in ["0", "fast", "-3"] {
            assert!(
                config(&[("COUNTERSIGN_SYNC_INTERVAL_SECS", bad)]).is_err(),
                "{bad:?} must not be accepted as an interval"
            );
            assert!(config(&[("COUNTERSIGN_CRISIS_STALE_SECS", bad)]).is_err());
        }
    }
}
