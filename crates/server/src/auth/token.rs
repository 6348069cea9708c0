//! Bearer tokens: made from 32 random bytes, handed out once, stored as a SHA-256 hash.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_core::Sensitive;
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

    /// What is stored for this token.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.0.expose())
    }

    /// The token itself, to put in a response. Nowhere else.
    pub fn into_secret(self) -> String {
        self.0.into_inner()
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
    fn debug_of_a_token_does_not_leak_it() {
        let token = Token::generate();
        let printed = format!("{token:?}");
        assert!(!printed.contains(&token.into_secret()));
    }
}
