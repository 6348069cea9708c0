//! Credentials: password hashing, bearer tokens and sign-in rate limiting.
//!
//! Passwords are stored as argon2id PHC strings. Access and refresh tokens are 32 random
//! bytes, base64url-encoded for the client and stored only as their SHA-256 hash, so a copy
//! of the database cannot be used to sign in. The session logic built on these lives in
//! [`crate::sessions`]. Users enrolled in two-factor sign-in also give a TOTP code
//! ([`totp`]).

pub mod limiter;
pub mod password;
pub mod token;
pub mod totp;
