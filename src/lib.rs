//! disclose finds who to tell: it turns domains into a verified security-contact directory by
//! fetching, validating and verifying their security.txt files (RFC 9116).
//!
//! The library holds all behaviour; `main.rs` only parses the command line. See
//! `../shared/DESIGN.md` for the architecture and the module boundaries.

pub mod check;
pub mod crawl;
pub mod diff;
pub mod directory;
pub mod escape;
pub mod format;
pub mod input;
pub mod lab;
pub mod net;
pub mod record;
pub mod report;
pub mod signature;
pub mod store;
pub mod target;

/// This build's version, as written into runs and Records.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
