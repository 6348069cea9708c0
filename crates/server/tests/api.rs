//! The server over real HTTP: a `TestServer` on `127.0.0.1:0` with a temporary data
//! directory, driven with reqwest.

// Test helpers outside `#[test]` functions: a panic with the value is the failure report.
#![allow(clippy::unwrap_used)]

#[path = "api/support.rs"]
mod support;

#[path = "api/access.rs"]
mod access;
#[path = "api/admin.rs"]
mod admin;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/binary.rs"]
mod binary;
#[path = "api/concurrency.rs"]
mod concurrency;
#[path = "api/crisis.rs"]
mod crisis;
#[path = "api/drafts.rs"]
mod drafts;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/export.rs"]
mod export;
#[path = "api/hostile_requests.rs"]
mod hostile_requests;
#[path = "api/leave.rs"]
mod leave;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/matrix.rs"]
mod matrix;
#[path = "api/policy.rs"]
mod policy;
#[path = "api/receipts.rs"]
mod receipts;
#[path = "api/refresh.rs"]
mod refresh;
#[path = "api/rules.rs"]
mod rules;
#[path = "api/scope.rs"]
mod scope;
#[path = "api/sign_in.rs"]
mod sign_in;
#[path = "api/suggestions.rs"]
mod suggestions;
#[path = "api/sync.rs"]
mod sync;
#[path = "api/totp.rs"]
mod totp;
#[path = "api/trail.rs"]
mod trail;
#[path = "api/transport.rs"]
mod transport;
#[path = "api/two_factor.rs"]
mod two_factor;
#[path = "api/webhooks.rs"]
mod webhooks;
