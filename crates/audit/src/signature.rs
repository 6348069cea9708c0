//! The signature on a webhook delivery (and on the publishing tool's reports back): the
//! scheme Stripe and GitHub use, so receivers can check it with a few lines of any language.
//!
//! ```text
//! Countersign-Signature: t=1764775200,v1=e5d1dc21f78bb16b87c363b434d22202d53cb1b7f7d7875155dbf61aa876babe
//! ```
//!
//! `v1` is the lower-case hex HMAC-SHA256, keyed with the webhook's secret, of the decimal
//! timestamp, a `.`, and the exact bytes of the body. The timestamp is inside the MAC, so a
//! captured request cannot be replayed later with a fresh one: [`verify`] refuses a
//! timestamp further than its tolerance from now.
//!
//! ```
//! use countersign_audit::signature::{sign, verify};
//! let header = sign(b"secret", 1_764_775_200, b"{\"event\":\"draft.approved\"}");
//! assert!(verify(b"secret", &header, b"{\"event\":\"draft.approved\"}", 1_764_775_230, 300).is_ok());
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header the signature travels in.
pub const HEADER: &str = "Countersign-Signature";

/// The tolerance receivers are advised to use, in seconds: five minutes, as Stripe's.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<seconds>,v1=<hex>`.
    #[error("the signature header is not t=<unix seconds>,v1=<hex HMAC-SHA256>")]
    Malformed,
    /// The timestamp is too far from now: an old request replayed, or a clock far off.
    #[error(
        "the signature's timestamp is {off_by_secs} seconds from now, more than the {tolerance_secs} allowed"
    )]
    Stale {
        /// How far from now.
        off_by_secs: u64,
        /// The most allowed.
        tolerance_secs: u64,
    },
    /// No `v1` value matches the body under this secret.
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length (RFC 2104: a long one is hashed first), so the
    // crate's InvalidLength is unreachable here.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    let mut hex = String::with_capacity(tag.len() * 2);
    for byte in tag {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    format!("t={timestamp},v1={hex}")
}

/// Checks `header` against `body`: its timestamp within `tolerance_secs` of `now` (Unix
/// seconds) and one of its `v1` values the HMAC of that timestamp and body. Several `v1`
/// values are allowed (a sender rolling its secret may sign with both); unknown keys
/// (`v0=…`) are ignored. The comparison is constant-time.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: u64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" if timestamp.is_none() => {
                let t: i64 = value.parse().map_err(|_| SignatureError::Malformed)?;
                timestamp = Some(t);
            }
            "t" => return Err(SignatureError::Malformed),
            "v1" => candidates.push(decode_hex(value).ok_or(SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let off_by_secs = now.abs_diff(timestamp);
    if off_by_secs > tolerance_secs {
        return Err(SignatureError::Stale {
            off_by_secs,
            tolerance_secs,
        });
    }
    let expected = mac(secret, timestamp, body);
    if candidates
        .iter()
        .any(|tag| expected.clone().verify_slice(tag).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Lower- or upper-case hex to bytes; `None` for an odd length or a non-hex digit.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.is_empty() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_775_200;
    const BODY: &[u8] = br#"{"event":"draft.approved"}"#;

    #[test]
    fn a_signature_verifies_with_its_secret_and_body_only() {
        let header = sign(b"secret", NOW, BODY);
        assert_eq!(verify(b"secret", &header, BODY, NOW, 300), Ok(()));
        assert_eq!(
            verify(b"other secret", &header, BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                b"secret",
                &header,
                br#"{"event":"draft.approved" }"#,
                NOW,
                300
            ),
            Err(SignatureError::Mismatch),
            "one byte more in the body"
        );
    }

    #[test]
    fn the_mac_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Computed independently: Python's
        // hmac.new(b"secret", b'1764775200.{"event":"draft.approved"}', "sha256").hexdigest()
        assert_eq!(
            sign(b"secret", NOW, BODY),
            "t=1764775200,v1=e5d1dc21f78bb16b87c363b434d22202d53cb1b7f7d7875155dbf61aa876babe"
        );
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused_even_with_a_valid_mac() {
        let header = sign(b"secret", NOW, BODY);
        assert_eq!(
            verify(b"secret", &header, BODY, NOW + 301, 300),
            Err(SignatureError::Stale {
                off_by_secs: 301,
                tolerance_secs: 300
            }),
            "a replay six minutes later"
        );
        assert_eq!(
            verify(b"secret", &header, BODY, NOW - 301, 300),
            Err(SignatureError::Stale {
                off_by_secs: 301,
                tolerance_secs: 300
            }),
            "a timestamp from the future"
        );
        assert_eq!(verify(b"secret", &header, BODY, NOW + 300, 300), Ok(()));
    }

    #[test]
    fn changing_the_timestamp_breaks_the_mac() {
        let header = sign(b"secret", NOW, BODY);
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(
            verify(b"secret", &moved, BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_matching_v1_counts_and_unknown_keys_are_ignored() {
        let good = sign(b"secret", NOW, BODY);
        let tag = good.trim_start_matches(&format!("t={NOW},v1="));
        let header = format!("t={NOW}, v0=abcd, v1={}, v1={tag}", "00".repeat(32));
        assert_eq!(verify(b"secret", &header, BODY, NOW, 300), Ok(()));
        let upper = format!("t={NOW},v1={}", tag.to_uppercase());
        assert_eq!(verify(b"secret", &upper, BODY, NOW, 300), Ok(()));
        assert_eq!(
            verify(b"secret", tag, BODY, NOW, 300),
            Err(SignatureError::Malformed),
            "a bare tag is no header"
        );
    }

    #[test]
    fn malformed_headers_are_refused_as_such() {
        for header in [
            "",
            "t=abc,v1=00",
            &format!("t={NOW}"),
            "v1=00",
            &format!("t={NOW},v1=0"),
            &format!("t={NOW},v1=zz"),
            &format!("t={NOW},t={NOW},v1=00"),
            &format!("t={NOW};v1=00"),
        ] {
            assert_eq!(
                verify(b"secret", header, BODY, NOW, 300),
                Err(SignatureError::Malformed),
                "{header:?}"
            );
        }
    }
}
