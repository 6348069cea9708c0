//! Sign-in throttling, per account and per source address.
//!
//! Every attempt **reserves** a place under its account's key and its source address's key
//! before the password is checked; a key whose failures in the window plus attempts in
//! flight reach its limit refuses further attempts. So fifty attempts sent at once with a
//! limit of ten get ten password checks, not fifty. A failed attempt stays counted; a
//! successful one forgets its account's failures but not its source's (signing in to one's
//! own account must not buy more guesses at others').
//!
//! Keys are the SHA-256 of `account:<username>` or `source:<address>` (IPv6 by its /64, which
//! one subscriber usually holds whole), so neither memory nor the database
//! (`sign_in_failures`, read back at start-up so the limits survive a restart) holds a
//! username in the clear — someone may type their password into that field.
//!
//! Memory is bounded: at most `capacity` keys, each keeping no more failures than its limit
//! (older ones cannot change its answer). When the table is full, keys with nothing live (no
//! failure in the window, nothing in flight) are dropped; a key with a live count is never
//! dropped, so filling the table cannot reset anyone's counter. Should it stay full, an
//! attempt with a key it cannot track is refused ([`Refused::Full`]) rather than let through
//! uncounted. Failures need password checks, which the hashing semaphore bounds, so the
//! default capacity is far above what one window can fill.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What a limit is counted under: an account or a source address, hashed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    digest: [u8; 32],
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Account,
    Source,
}

impl Key {
    /// The key of a (normalised) username, whether or not such an account exists.
    pub fn account(username: &str) -> Self {
        Self::of(Kind::Account, &format!("account:{username}"))
    }

    /// The key of a source address: an IPv4 address, or the /64 of an IPv6 one (an
    /// IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn source(address: IpAddr) -> Self {
        let text = match address {
            IpAddr::V4(v4) => format!("source:{v4}"),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("source:{v4}"),
                None => {
                    let s = v6.segments();
                    format!("source:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        Self::of(Kind::Source, &text)
    }

    fn of(kind: Kind, text: &str) -> Self {
        Self {
            digest: Sha256::digest(text.as_bytes()).into(),
            kind,
        }
    }

    /// The key as stored: `a` or `s` (account or source), then the hex digest.
    pub fn to_stored(&self) -> String {
        let mut out = String::with_capacity(65);
        out.push(match self.kind {
            Kind::Account => 'a',
            Kind::Source => 's',
        });
        for byte in self.digest {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
        }
        out
    }

    /// Reads a stored key back; `None` when it is not one.
    pub fn from_stored(text: &str) -> Option<Self> {
        let kind = match text.get(..1)? {
            "a" => Kind::Account,
            "s" => Kind::Source,
            _ => return None,
        };
        let hex = text.get(1..)?;
        if hex.len() != 64 {
            return None;
        }
        let mut digest = [0u8; 32];
        for (i, byte) in digest.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self { digest, kind })
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The first bytes are enough to tell keys apart in a log.
        let stored = self.to_stored();
        write!(f, "Key({})", stored.get(..9).unwrap_or(&stored))
    }
}

/// Why an attempt was not let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Its account or source has used up its attempts: wait this many seconds.
    TooMany {
        /// Until a place frees (at least 1).
        retry_after_secs: u64,
    },
    /// The limiter tracks as many keys as it may and none of them can be dropped.
    Full,
}

/// The limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Failures allowed per account in the window.
    pub per_account: usize,
    /// Failures allowed per source address in the window.
    pub per_source: usize,
    /// The window failures are counted in.
    pub window: TimeDelta,
    /// The most keys tracked at once.
    pub capacity: usize,
}

/// Failed sign-ins and attempts in flight, per key.
#[derive(Debug)]
pub struct LoginLimiter {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<Key, Entry>,
    /// No sweep of a full table before this: a table full of live keys is not swept again
    /// on every attempt.
    next_sweep: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Entry {
    /// The newest failures, oldest first, at most the key's limit of them.
    failures: VecDeque<DateTime<Utc>>,
    /// Attempts reserved and not yet settled.
    in_flight: usize,
}

impl Entry {
    fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        while self.failures.front().is_some_and(|t| *t <= cutoff) {
            self.failures.pop_front();
        }
    }

    fn is_idle(&self) -> bool {
        self.in_flight == 0 && self.failures.is_empty()
    }
}

impl LoginLimiter {
    /// A limiter with these limits and nothing counted yet.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    fn limit(&self, key: &Key) -> usize {
        match key.kind {
            Kind::Account => self.limits.per_account,
            Kind::Source => self.limits.per_source,
        }
    }

    /// Counts failures read back from storage (oldest first), as at start-up. Failures of
    /// keys it has no room for are left out.
    pub fn load(&self, failures: impl IntoIterator<Item = (Key, DateTime<Utc>)>) {
        let mut state = self.lock();
        for (key, at) in failures {
            let limit = self.limit(&key);
            if !state.keys.contains_key(&key) && state.keys.len() >= self.limits.capacity {
                continue;
            }
            let entry = state.keys.entry(key).or_default();
            entry.failures.push_back(at);
            while entry.failures.len() > limit {
                entry.failures.pop_front();
            }
        }
    }

    /// Reserves one attempt under `account` and, when known, `source`, at `now`. The
    /// reservation counts as an attempt until it is settled: [`Reservation::fail`] keeps it
    /// as a failure, [`Reservation::succeed`] or dropping it lets it go.
    pub fn reserve(
        &self,
        account: Key,
        source: Option<Key>,
        now: DateTime<Utc>,
    ) -> Result<Reservation<'_>, Refused> {
        let keys: Vec<Key> = std::iter::once(account).chain(source).collect();
        let mut state = self.lock();
        let cutoff = now - self.limits.window;
        let mut wait = 0;
        for key in &keys {
            let Some(entry) = state.keys.get_mut(key) else {
                continue;
            };
            entry.forget_before(cutoff);
            let limit = self.limit(key);
            if entry.failures.len() + entry.in_flight >= limit {
                // Full of failures: a place frees when the oldest counted one leaves the
                // window. Full because of attempts in flight: within moments.
                let frees_at = match entry.failures.front() {
                    Some(oldest) if entry.failures.len() >= limit => *oldest + self.limits.window,
                    _ => now,
                };
                let secs = (frees_at - now).num_seconds().max(1);
                wait = wait.max(u64::try_from(secs).unwrap_or(1));
            }
        }
        if wait > 0 {
            return Err(Refused::TooMany {
                retry_after_secs: wait,
            });
        }
        let new_keys = keys.iter().filter(|k| !state.keys.contains_key(k)).count();
        if state.keys.len() + new_keys > self.limits.capacity {
            self.sweep(&mut state, cutoff, now);
            if state.keys.len() + new_keys > self.limits.capacity {
                tracing::warn!(
                    tracked = state.keys.len(),
                    "the sign-in limiter is full of live counts; refusing untracked attempts"
                );
                return Err(Refused::Full);
            }
        }
        for key in &keys {
            state.keys.entry(*key).or_default().in_flight += 1;
        }
        Ok(Reservation {
            limiter: self,
            keys,
            settled: false,
        })
    }

    /// Drops every key with nothing live. Never one with a failure in the window or an
    /// attempt in flight: that would reset its count.
    fn sweep(&self, state: &mut State, cutoff: DateTime<Utc>, now: DateTime<Utc>) {
        if state.next_sweep.is_some_and(|at| now < at) {
            return;
        }
        state.keys.retain(|_, entry| {
            entry.forget_before(cutoff);
            !entry.is_idle()
        });
        state.next_sweep = Some(now + TimeDelta::seconds(1));
    }

    /// How many keys are tracked.
    pub fn tracked(&self) -> usize {
        self.lock().keys.len()
    }

    /// The seconds to wait before `key` may try again at `now`, if it must wait.
    pub fn must_wait(&self, key: Key, now: DateTime<Utc>) -> Option<u64> {
        let mut state = self.lock();
        let entry = state.keys.get_mut(&key)?;
        entry.forget_before(now - self.limits.window);
        let limit = self.limit(&key);
        if entry.failures.len() + entry.in_flight < limit {
            return None;
        }
        let oldest = entry.failures.front().copied().unwrap_or(now);
        let secs = (oldest + self.limits.window - now).num_seconds().max(1);
        Some(u64::try_from(secs).unwrap_or(1))
    }

    /// Settles an attempt under `keys`; true when clearing the account forgot failures.
    fn settle(&self, keys: &[Key], failed_at: Option<DateTime<Utc>>, clear_account: bool) -> bool {
        let mut forgot = false;
        let mut state = self.lock();
        for key in keys {
            let limit = self.limit(key);
            let Some(entry) = state.keys.get_mut(key) else {
                continue;
            };
            entry.in_flight = entry.in_flight.saturating_sub(1);
            if let Some(at) = failed_at {
                entry.failures.push_back(at);
                while entry.failures.len() > limit {
                    entry.failures.pop_front();
                }
            }
            if clear_account && key.kind == Kind::Account {
                forgot |= !entry.failures.is_empty();
                entry.failures.clear();
            }
            if entry.is_idle() {
                state.keys.remove(key);
            }
        }
        forgot
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update is one call under the lock, so a panic elsewhere cannot leave the
        // table half changed.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An attempt let through and not yet settled. Dropping it unsettled (the request was
/// cancelled, or failed for another reason before any answer about the password) lets the
/// place go without counting a failure: no answer, no guess.
#[derive(Debug)]
pub struct Reservation<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<Key>,
    settled: bool,
}

impl Reservation<'_> {
    /// The attempt failed: it stays counted under each of its keys. Returns the keys, for
    /// storage to keep them across a restart.
    pub fn fail(mut self, at: DateTime<Utc>) -> Vec<Key> {
        self.settled = true;
        self.limiter.settle(&self.keys, Some(at), false);
        std::mem::take(&mut self.keys)
    }

    /// The attempt succeeded: the account's failures are forgotten, the source's are not.
    /// Returns the account's key when it had failures, for storage to forget them too.
    pub fn succeed(mut self) -> Option<Key> {
        self.settled = true;
        let forgot = self.limiter.settle(&self.keys, None, true);
        self.keys.first().copied().filter(|_| forgot)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter.settle(&self.keys, None, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + TimeDelta::seconds(n)
    }

    fn limiter(per_account: usize, per_source: usize, capacity: usize) -> LoginLimiter {
        LoginLimiter::new(Limits {
            per_account,
            per_source,
            window: TimeDelta::seconds(300),
            capacity,
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_eleventh_failure_within_the_window_is_refused_and_others_are_not() {
        let limiter = limiter(10, 100, 1000);
        let ana = Key::account("ana");
        for i in 0..10 {
            let reservation = limiter
                .reserve(ana, None, t0())
                .unwrap_or_else(|e| panic!("attempt {i} must be allowed: {e:?}"));
            reservation.fail(t0());
        }
        assert_eq!(
            limiter.reserve(ana, None, t0()).unwrap_err(),
            Refused::TooMany {
                retry_after_secs: 300
            }
        );
        assert!(
            limiter.reserve(Key::account("bob"), None, t0()).is_ok(),
            "other accounts are not affected"
        );
    }

    #[test]
    fn attempts_in_flight_hold_their_place_so_parallel_ones_cannot_slip_through() {
        let limiter = limiter(3, 100, 1000);
        let ana = Key::account("ana");
        let held: Vec<_> = (0..3)
            .map(|i| {
                limiter
                    .reserve(ana, None, t0())
                    .unwrap_or_else(|e| panic!("reservation {i}: {e:?}"))
            })
            .collect();
        assert_eq!(
            limiter.reserve(ana, None, t0()).unwrap_err(),
            Refused::TooMany {
                retry_after_secs: 1
            },
            "three in flight fill a limit of three before any password is checked"
        );
        drop(held);
        assert!(
            limiter.reserve(ana, None, t0()).is_ok(),
            "dropped unsettled, they count for nothing"
        );
    }

    #[test]
    fn a_source_is_limited_across_usernames_and_a_success_does_not_reset_it() {
        let limiter = limiter(10, 3, 1000);
        let source = Some(Key::source(ip("203.0.113.7")));
        for name in ["a", "b"] {
            limiter
                .reserve(Key::account(name), source, t0())
                .unwrap()
                .fail(t0());
        }
        // The attacker signs in to their own account from the same address.
        limiter
            .reserve(Key::account("mine"), source, t0())
            .unwrap()
            .succeed();
        limiter
            .reserve(Key::account("c"), source, t0())
            .unwrap()
            .fail(t0());
        assert!(
            matches!(
                limiter.reserve(Key::account("d"), source, t0()),
                Err(Refused::TooMany { .. })
            ),
            "three failures from one address, whatever the usernames and a success between"
        );
        assert!(
            limiter
                .reserve(
                    Key::account("d"),
                    Some(Key::source(ip("198.51.100.1"))),
                    t0()
                )
                .is_ok(),
            "another address is not affected"
        );
    }

    #[test]
    fn ipv6_sources_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            Key::source(ip("2001:db8:1:2::1")),
            Key::source(ip("2001:db8:1:2:ffff::9")),
            "one /64 is one source"
        );
        assert_ne!(
            Key::source(ip("2001:db8:1:2::1")),
            Key::source(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            Key::source(ip("::ffff:192.0.2.1")),
            Key::source(ip("192.0.2.1"))
        );
        assert_ne!(
            Key::account("192.0.2.1"),
            Key::source(ip("192.0.2.1")),
            "an account is never a source"
        );
    }

    #[test]
    fn failures_age_out_of_the_window() {
        let limiter = limiter(2, 100, 1000);
        let ana = Key::account("ana");
        limiter.reserve(ana, None, secs(0)).unwrap().fail(secs(0));
        limiter.reserve(ana, None, secs(30)).unwrap().fail(secs(30));
        assert_eq!(
            limiter.reserve(ana, None, secs(40)).unwrap_err(),
            Refused::TooMany {
                retry_after_secs: 260
            }
        );
        assert!(limiter.reserve(ana, None, secs(301)).is_ok());
    }

    #[test]
    fn a_success_clears_the_accounts_count() {
        let limiter = limiter(2, 100, 1000);
        let ana = Key::account("ana");
        limiter.reserve(ana, None, t0()).unwrap().fail(t0());
        limiter.reserve(ana, None, t0()).unwrap().succeed();
        assert_eq!(limiter.must_wait(ana, t0()), None);
        limiter.reserve(ana, None, t0()).unwrap().fail(t0());
        assert_eq!(limiter.must_wait(ana, t0()), None, "one failure of two");
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn a_full_table_drops_only_idle_keys_and_never_a_live_count() {
        let limiter = limiter(2, 100, 3);
        for name in ["x", "y"] {
            limiter
                .reserve(Key::account(name), None, secs(0))
                .unwrap()
                .fail(secs(0));
        }
        let victim = Key::account("victim");
        limiter
            .reserve(victim, None, secs(200))
            .unwrap()
            .fail(secs(200));
        limiter
            .reserve(victim, None, secs(200))
            .unwrap()
            .fail(secs(200));
        assert_eq!(limiter.tracked(), 3);
        // A flood of new keys: nothing is idle yet, so nothing is dropped and the newcomer
        // is refused rather than let through uncounted.
        assert_eq!(
            limiter
                .reserve(Key::account("flood-1"), None, secs(10))
                .unwrap_err(),
            Refused::Full
        );
        // At 301 s the failures of x and y have left the window: they are idle and make
        // room. The victim's are still live and stay counted.
        let reservation = limiter.reserve(Key::account("flood-2"), None, secs(301));
        assert!(reservation.is_ok(), "idle keys make room");
        assert!(
            limiter.must_wait(victim, secs(301)).is_some(),
            "the victim's count survives the flood"
        );
        assert!(limiter.tracked() <= 3, "never above the capacity");
    }

    #[test]
    fn stored_keys_round_trip_and_garbage_is_refused() {
        for key in [Key::account("ana"), Key::source(ip("192.0.2.1"))] {
            assert_eq!(Key::from_stored(&key.to_stored()), Some(key));
        }
        for bad in ["", "a", "x00", "azz", &format!("a{}", "0".repeat(63))] {
            assert_eq!(Key::from_stored(bad), None, "{bad:?}");
        }
        assert!(
            !Key::account("ana").to_stored().contains("ana"),
            "a key never holds the username"
        );
    }

    #[test]
    fn loaded_failures_count_as_before_a_restart() {
        let before = limiter(2, 100, 1000);
        let ana = Key::account("ana");
        let mut stored = vec![];
        for at in [secs(0), secs(5)] {
            for key in before.reserve(ana, None, at).unwrap().fail(at) {
                stored.push((key, at));
            }
        }
        let after = limiter(2, 100, 1000);
        after.load(stored);
        assert_eq!(
            after.reserve(ana, None, secs(10)).unwrap_err(),
            Refused::TooMany {
                retry_after_secs: 290
            }
        );
    }
}
