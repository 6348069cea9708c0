//! The server over real HTTP: a `TestServer` on `127.0.0.1:0` with a temporary data
//! directory, driven with reqwest.

// Test helpers outside `#[test]` functions: a panic with the value is the failure report.
#![allow(clippy::unwrap_used)]

#[path = "api/support.rs"]
mod support;

#[path = "api/auth.rs"]
mod auth;
#[path = "api/binary.rs"]
mod binary;
#[path = "api/drafts.rs"]
mod drafts;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/matrix.rs"]
mod matrix;
#[path = "api/sync.rs"]
mod sync;
#[path = "api/totp.rs"]
mod totp;
