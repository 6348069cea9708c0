//! Bearer tokens: made from 32 random bytes, handed out once, stored as a SHA-256 hash.
//!
//! The pair a refresh hands out is not drawn at random but derived (HKDF-SHA256) from the
//! refresh token it spends and a fresh random salt: the same spent token and salt give the
//! same pair again, which is how a retry after a lost answer gets that answer without the
//! server ever storing a token. The salt alone (all the database keeps, for the grace
//! window) gives nothing without the spent token, which only the client had.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_core::Sensitive;
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// A fresh token, as given to the client. Its `Debug` never shows the value.
#[derive(Clone, Debug)]
pub struct Token(Sensitive<String>);

impl Token {
    /// 32 random bytes from the thread's CSPRNG, base64url without padding (43 characters).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(Sensitive::new(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The access and refresh tokens a refresh spending `spent` hands out with this salt
    /// ([`Salt::generate`]). Deterministic: the same inputs give the same pair.
    pub fn derive_pair(spent: &str, salt: &Salt) -> (Self, Self) {
        let hkdf = Hkdf::<Sha256>::new(Some(&salt.0), spent.as_bytes());
        let derive = |info: &[u8]| {
            let mut bytes = [0u8; 32];
            // HKDF-SHA256 expands up to 255 * 32 bytes, so 32 cannot fail. Were it to, a
            // random token is still a good token: only a retry after a lost answer would
            // then fail to get the same pair (and the desktop signs in again).
            if hkdf.expand(info, &mut bytes).is_err() {
                bytes = rand::random();
            }
            Self(Sensitive::new(URL_SAFE_NO_PAD.encode(bytes)))
        };
        (
            derive(b"countersign refresh v1: access token"),
            derive(b"countersign refresh v1: refresh token"),
        )
    }

    /// What is stored for this token.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.0.expose())
    }

    /// The token itself, to put in a response. Nowhere else.
    pub fn into_secret(self) -> String {
        self.0.into_inner()
    }
}

/// 32 random bytes a refreshed pair is derived with ([`Token::derive_pair`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Salt([u8; 32]);

impl Salt {
    /// A fresh salt from the thread's CSPRNG.
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// The salt as stored: base64url without padding.
    pub fn to_stored(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Reads a stored salt back; `None` when it is not one.
    pub fn from_stored(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}

/// The SHA-256 of a token, hex-encoded: what the database holds and looks up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes a token presented by a client.
    pub fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        Self(hex)
    }

    /// Wraps a hash read back from storage.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_unique() {
        let a = Token::generate().into_secret();
        let b = Token::generate().into_secret();
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64 are 43 characters");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, b, "two tokens must never collide");
    }

    #[test]
    fn the_hash_is_sha256_hex_and_not_the_token() {
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let token = Token::generate();
        assert_eq!(token.hash(), TokenHash::of(&token.clone().into_secret()));
    }

    #[test]
    fn a_derived_pair_is_the_same_for_the_same_token_and_salt_only() {
        let salt = Salt::generate();
        let (access, refresh) = Token::derive_pair("spent-token", &salt);
        let (again_access, again_refresh) = Token::derive_pair("spent-token", &salt);
        let (access, refresh) = (access.into_secret(), refresh.into_secret());
        assert_eq!(
            access,
            again_access.into_secret(),
            "same inputs, same access"
        );
        assert_eq!(
            refresh,
            again_refresh.into_secret(),
            "same inputs, same refresh"
        );
        assert_ne!(access, refresh, "the two tokens of a pair differ");
        assert_eq!(access.len(), 43, "32 bytes in unpadded base64");
        let (other_salt, _) = Token::derive_pair("spent-token", &Salt::generate());
        assert_ne!(
            other_salt.into_secret(),
            access,
            "another salt, another pair"
        );
        let (other_token, _) = Token::derive_pair("other-token", &salt);
        assert_ne!(
            other_token.into_secret(),
            access,
            "another token, another pair"
        );
    }

    #[test]
    fn a_salt_round_trips_through_its_stored_form_and_garbage_is_refused() {
        let salt = Salt::generate();
        assert_eq!(Salt::from_stored(&salt.to_stored()), Some(salt.clone()));
        assert_eq!(Salt::from_stored("not base64!"), None);
        assert_eq!(Salt::from_stored("c2hvcnQ"), None, "too short");
        assert!(!format!("{salt:?}").contains(&salt.to_stored()));
    }

    #[test]
    fn debug_of_a_token_does_not_leak_it() {
        let token = Token::generate();
        let printed = format!("{token:?}");
        assert!(!printed.contains(&token.into_secret()));
    }
}
