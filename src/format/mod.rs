//! The security.txt format engine: `parse` (bytes to a `Document`), `validate` (document and
//! context to findings and typed fields), and the `catalogue` of every finding.
//!
//! Pure: no I/O, no async, no clock (the caller passes `now` in the `Context`). It accepts any
//! bytes, never panics, and runs in time linear in the input.

pub mod armor;
pub mod catalogue;
pub mod datetime;
pub mod diagnostic;
pub mod lang;
mod lang_registry;
pub mod parse;
pub mod uri;
pub mod validate;

pub use catalogue::{Code, Level};
pub use datetime::Timestamp;
pub use diagnostic::Diagnostic;
pub use parse::{Document, parse};
pub use validate::{Context, Fields, HttpContext, Report, validate};

/// The version of the IANA Language Subtag Registry that language tags are checked against.
pub const LANGUAGE_REGISTRY_DATE: &str = lang_registry::FILE_DATE;

/// A file parsed and validated.
#[derive(Debug, Clone)]
pub struct Checked {
    pub document: Document,
    pub report: Report,
}

/// Parses and validates `input` in `ctx`.
pub fn check(input: &[u8], ctx: &Context) -> Checked {
    let document = parse(input);
    let report = validate(&document, ctx);
    Checked { document, report }
}
