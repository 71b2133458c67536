//! disclose finds who to tell: it turns domains into a verified security-contact directory by
//! fetching, validating and verifying their security.txt files (RFC 9116).
//!
//! The library holds all behaviour; `main.rs` only parses the command line. See
//! `../shared/DESIGN.md` for the architecture and the module boundaries.

pub mod check;
pub mod escape;
pub mod format;
