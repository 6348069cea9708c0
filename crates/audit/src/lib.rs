//! The audit log's format: what an event is, its canonical bytes, and how each event is
//! chained to the one before it by SHA-256.
//!
//! Every storage backend writes events through [`NewEvent::link`] and every verifier reads
//! them back through [`Event::computed_hash`], so the server, the CLI and anyone holding an
//! export agree byte for byte on what was hashed. The crate is pure: the server owns the
//! table, the CLI owns the files.
//!
//! ```
//! use countersign_audit::{GENESIS, NewEvent, Via, kinds};
//! let first = NewEvent::new(chrono::Utc::now(), kinds::TEAM_CREATED, Via::Cli)
//!     .link(1, GENESIS.to_owned());
//! assert_eq!(first.computed_hash(), first.hash);
//! ```

pub mod canonical;
pub mod event;
pub mod kinds;
pub mod receipt;
pub mod signature;
pub mod verify;

pub use canonical::canonical;
pub use event::{ActorRef, DraftRef, Event, GENESIS, Head, NewEvent, Via, content_sha256};
pub use verify::{Problem, Verified, VerifyError, heads_in, verify};
