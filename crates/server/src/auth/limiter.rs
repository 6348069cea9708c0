//! Sign-in rate limiting: after too many failures for one username within a window, further
//! attempts are refused without checking the password. In memory, per server process.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Above this many tracked usernames, stale entries are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

/// Counts failed sign-ins per (normalised) username.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: usize,
    window: chrono::Duration,
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl LoginLimiter {
    /// Allows `max_failures` failures per `window` for each username.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures as usize,
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` when another attempt is allowed; otherwise the seconds to wait.
    pub fn check(&self, username: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut failures = self.lock();
        let Some(times) = failures.get_mut(username) else {
            return Ok(());
        };
        let cutoff = now - self.window;
        times.retain(|t| *t > cutoff);
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.iter().min().copied().unwrap_or(now);
        let wait = (oldest + self.window - now).num_seconds().max(1);
        Err(u64::try_from(wait).unwrap_or(1))
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, username: &str, now: DateTime<Utc>) {
        let mut failures = self.lock();
        if failures.len() > SWEEP_ABOVE {
            let cutoff = now - self.window;
            failures.retain(|_, times| times.iter().any(|t| *t > cutoff));
        }
        failures.entry(username.to_owned()).or_default().push(now);
    }

    /// Forgets the failures of a username after a successful sign-in.
    pub fn clear(&self, username: &str) {
        self.lock().remove(username);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<DateTime<Utc>>>> {
        // A panic while holding the lock leaves a consistent map (every update is one call).
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn the_eleventh_attempt_within_the_window_is_refused() {
        let limiter = LoginLimiter::new(10, Duration::from_secs(300));
        for i in 0..10 {
            assert!(
                limiter.check("ana", t0()).is_ok(),
                "attempt {i} must be allowed"
            );
            limiter.record_failure("ana", t0());
        }
        let wait = limiter.check("ana", t0()).unwrap_err();
        assert_eq!(wait, 300);
        assert!(
            limiter.check("bob", t0()).is_ok(),
            "other usernames are not affected"
        );
    }

    #[test]
    fn failures_age_out_of_the_window() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        limiter.record_failure("ana", t0());
        limiter.record_failure("ana", t0() + chrono::Duration::seconds(30));
        assert_eq!(
            limiter.check("ana", t0() + chrono::Duration::seconds(40)),
            Err(20)
        );
        assert!(
            limiter
                .check("ana", t0() + chrono::Duration::seconds(61))
                .is_ok()
        );
    }

    #[test]
    fn a_success_clears_the_count() {
        let limiter = LoginLimiter::new(1, Duration::from_secs(60));
        limiter.record_failure("ana", t0());
        assert!(limiter.check("ana", t0()).is_err());
        limiter.clear("ana");
        assert!(limiter.check("ana", t0()).is_ok());
    }
}
