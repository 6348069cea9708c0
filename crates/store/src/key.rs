//! The key that encrypts the cache.

use crate::StoreError;
use countersign_core::Sensitive;

/// A 256-bit SQLCipher key, used raw (no passphrase derivation: it is random already).
///
/// It is made once per cache with [`CacheKey::generate`], kept in the OS keychain as
/// [`CacheKey::to_hex`], and read back with [`CacheKey::from_hex`]. `Debug` prints
/// `<redacted>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey(Sensitive<[u8; 32]>);

impl CacheKey {
    /// Wraps 32 key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Sensitive::new(bytes))
    }

    /// A new random key from the operating system's entropy (through `rand`'s thread-local
    /// cryptographically secure generator).
    pub fn generate() -> Self {
        Self::from_bytes(rand::random())
    }

    /// The key as 64 lowercase hexadecimal digits, for the keychain.
    pub fn to_hex(&self) -> Sensitive<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0.expose() {
            hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
            hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        Sensitive::new(hex)
    }

    /// Reads a key written by [`CacheKey::to_hex`] (either case; surrounding whitespace is
    /// ignored). Fails with [`StoreError::MalformedKey`], which does not repeat the input.
    pub fn from_hex(hex: &str) -> Result<Self, StoreError> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 {
            return Err(StoreError::MalformedKey);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Ok(Self::from_bytes(bytes))
    }

    /// The `PRAGMA key` statement for this key, in SQLCipher's raw-key form.
    pub(crate) fn pragma(&self) -> Sensitive<String> {
        Sensitive::new(format!("PRAGMA key = \"x'{}'\";", self.to_hex().expose()))
    }
}

fn nibble(digit: u8) -> Result<u8, StoreError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(StoreError::MalformedKey),
    }
}

#[cfg(test)]
mod tests {
    use super::CacheKey;
    use crate::StoreError;

    #[test]
    fn hex_round_trips() {
        let key = CacheKey::from_bytes(std::array::from_fn(|i| (i * 8) as u8));
        let hex = key.to_hex();
        assert_eq!(hex.expose().len(), 64);
        assert!(hex.expose().starts_with("0008101820"));
        assert_eq!(CacheKey::from_hex(hex.expose()).unwrap(), key);
        assert_eq!(
            CacheKey::from_hex(&hex.expose().to_uppercase()).unwrap(),
            key
        );
    }

    #[test]
    fn malformed_hex_is_refused_without_echoing_it() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(66)] {
            let err = CacheKey::from_hex(bad).unwrap_err();
            assert!(
                matches!(err, StoreError::MalformedKey),
                "{bad:?} gave {err:?}"
            );
        }
        let err = CacheKey::from_hex(&format!("{}zz", "ab".repeat(31))).unwrap_err();
        assert!(!err.to_string().contains("abab"), "{err}");
    }

    #[test]
    fn generated_keys_differ_and_never_print() {
        let (a, b) = (CacheKey::generate(), CacheKey::generate());
        assert_ne!(a, b);
        let shown = format!("{a:?}");
        assert!(!shown.contains(a.to_hex().expose().as_str()), "{shown}");
    }
}
