//! Time-based one-time passwords (RFC 6238), the second step of signing in.
//!
//! An enrolled user shares a random secret with an authenticator app. Both derive a
//! 6-digit code from the secret and the current 30-second **time step** (Unix seconds / 30)
//! with HMAC-SHA-1 — the parameters every authenticator app assumes. The server accepts the
//! code of the current step or of either neighbour, so a clock a little off or a code typed
//! at the end of its window still works.
//!
//! An accepted code must not work twice: the server remembers the step of the last code it
//! accepted per user and accepts only later steps
//! ([`crate::storage::Storage::consume_totp_step`] does that atomically, and
//! [`crate::sessions::sign_in`] puts the two together). This module is the pure part: which
//! step, if any, a code matches. Time always comes from the caller (the server's
//! [`crate::Clock`]).

use chrono::{DateTime, Utc};
use countersign_core::Sensitive;
use totp_rs::{Algorithm, Secret, TOTP};

/// Digits in a code.
pub const DIGITS: usize = 6;

/// Seconds in one time step.
pub const STEP_SECS: u64 = 30;

/// Steps either side of the current one whose codes are still accepted.
pub const SKEW: u8 = 1;

/// The issuer authenticator apps show next to the account name.
pub const ISSUER: &str = "Countersign";

/// Bytes of a new secret: 160 bits, the HMAC-SHA-1 key size RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// Why a TOTP secret could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The secret is not base32.
    #[error("the TOTP secret is not valid base32")]
    SecretEncoding,
    /// The secret or account name was refused (too short a secret, a `:` in the name).
    #[error("unusable TOTP parameters: {0}")]
    Parameters(String),
    /// The time is before 1970, which no code covers.
    #[error("{0} is before the Unix epoch; no TOTP code covers it")]
    BeforeEpoch(DateTime<Utc>),
}

/// A fresh random secret, base32-encoded as authenticator apps take it.
pub fn generate_secret() -> Sensitive<String> {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    Sensitive::new(encode(&bytes))
}

/// The `otpauth://totp/...` URL an authenticator app scans (as a QR code) or opens, with
/// issuer [`ISSUER`] and `account` as the account name. It contains the secret.
pub fn otpauth_url(secret_base32: &str, account: &str) -> Result<Sensitive<String>, TotpError> {
    Ok(Sensitive::new(totp(secret_base32, account)?.get_url()))
}

/// The code an authenticator app shows at `at`.
pub fn code_at(secret_base32: &str, at: DateTime<Utc>) -> Result<String, TotpError> {
    Ok(totp(secret_base32, "")?.generate(unix_secs(at)?))
}

/// The time step `at` falls in.
pub fn step_of(at: DateTime<Utc>) -> Result<u64, TotpError> {
    Ok(unix_secs(at)? / STEP_SECS)
}

/// The step, among the one `at` falls in and its [`SKEW`] neighbours, whose code is `code`;
/// `None` when none is. Spaces in `code` are ignored (apps show `123 456`). Every candidate
/// is compared in constant time.
pub fn matching_step(
    secret_base32: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Option<u64>, TotpError> {
    let totp = totp(secret_base32, "")?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let current = step_of(at)?;
    let first = current.saturating_sub(u64::from(SKEW));
    let mut found = None;
    for step in first..=current.saturating_add(u64::from(SKEW)) {
        let expected = totp.generate(step.saturating_mul(STEP_SECS));
        if same(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, TotpError> {
    // Apps and people add spaces, lower case and padding; the decoder takes none of them.
    let cleaned: String = secret_base32
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let secret = Secret::Encoded(cleaned)
        .to_bytes()
        .map_err(|_| TotpError::SecretEncoding)?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW,
        STEP_SECS,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| TotpError::Parameters(e.to_string()))
}

fn encode(bytes: &[u8]) -> String {
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        // `to_encoded` of raw bytes is always `Encoded`.
        Secret::Raw(_) => String::new(),
    }
}

fn unix_secs(at: DateTime<Utc>) -> Result<u64, TotpError> {
    u64::try_from(at.timestamp()).map_err(|_| TotpError::BeforeEpoch(at))
}

/// Equal bytes, in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clock;
    use chrono::TimeZone;

    /// RFC 6238 appendix B's SHA-1 key, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // Appendix B gives 8 digits; a 6-digit code is their last six.
        for (secs, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                code_at(RFC_SECRET, at(secs)).unwrap(),
                &eight[2..],
                "{secs}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_own_step_and_one_step_either_side() {
        let clock = Clock::fixed(at(1_800_000_015));
        let now = clock.now();
        let current = step_of(now).unwrap();
        let steps_away = |offset: i64| at(1_800_000_015 + offset * STEP_SECS as i64);
        let code = |when| code_at(RFC_SECRET, when).unwrap();
        let right = code(now);
        let mut wrong = right.clone().into_bytes();
        wrong[0] = if wrong[0] == b'9' { b'0' } else { wrong[0] + 1 };
        let wrong = String::from_utf8(wrong).unwrap();
        let cases = [
            ("right code now", right.clone(), Some(current)),
            ("previous step", code(steps_away(-1)), Some(current - 1)),
            ("next step", code(steps_away(1)), Some(current + 1)),
            ("two steps ago", code(steps_away(-2)), None),
            ("two steps ahead", code(steps_away(2)), None),
            ("wrong code", wrong, None),
            (
                "right code with the app's space",
                format!("{} {}", &right[..3], &right[3..]),
                Some(current),
            ),
        ];
        for (name, presented, expected) in cases {
            assert_eq!(
                matching_step(RFC_SECRET, &presented, now).unwrap(),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn a_secret_is_read_with_spaces_lower_case_and_padding() {
        let now = at(1_800_000_015);
        assert_eq!(
            code_at("gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", now).unwrap(),
            code_at(RFC_SECRET, now).unwrap()
        );
    }

    #[test]
    fn codes_of_the_wrong_shape_are_refused() {
        let now = at(1_800_000_015);
        let code = code_at(RFC_SECRET, now).unwrap();
        for presented in ["", "12345", "1234567", "abcdef", &format!("{code}0")] {
            assert_eq!(
                matching_step(RFC_SECRET, presented, now).unwrap(),
                None,
                "{presented:?}"
            );
        }
    }

    #[test]
    fn a_new_secret_round_trips_through_its_otpauth_url() {
        let secret = generate_secret();
        assert_eq!(
            secret.expose().len(),
            32,
            "20 bytes are 32 base32 characters"
        );
        assert_ne!(secret.expose(), generate_secret().expose());
        let url = otpauth_url(secret.expose(), "ana").unwrap();
        let url = url.expose();
        assert!(url.starts_with("otpauth://totp/Countersign:ana?"), "{url}");
        assert!(
            url.contains(&format!("secret={}", secret.expose())),
            "{url}"
        );
        assert!(url.contains("issuer=Countersign"), "{url}");
        let now = at(1_800_000_015);
        let code = code_at(secret.expose(), now).unwrap();
        assert_eq!(code.len(), DIGITS);
        assert!(
            matching_step(secret.expose(), &code, now)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_secret_that_is_not_base32_is_an_error() {
        assert!(matches!(
            code_at("not base32!", at(0)),
            Err(TotpError::SecretEncoding)
        ));
    }
}
