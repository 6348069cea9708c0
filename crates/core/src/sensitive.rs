//! A wrapper for secrets (tokens, passwords, cache keys) that never prints them.

use std::fmt;

/// A secret value. `Debug` and `Display`-free by design: `{:?}` prints `<redacted>`, so a
/// secret that ends up in a log line or an error message shows nothing. Get the value out
/// with [`Sensitive::expose`] only where it is sent or stored in the keychain.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself. Call sites are where secrets leave the program: keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn debug_never_shows_the_secret() {
        let token = Sensitive::new("tok_live_abc123".to_string());
        let printed = format!("{token:?} {:?}", Some(&token));
        assert!(
            !printed.contains("abc123"),
            "the secret leaked into {printed}"
        );
        assert_eq!(token.expose(), "tok_live_abc123");
    }
}
