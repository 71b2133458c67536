//! Writing the directory for a pipeline: one type per format behind `Export`, fed one entry at a
//! time so that memory does not grow with the store (`disclose-io` alone keeps one small record
//! per program, to sort them as the disclose.io list is sorted).
//!
//! Every format reads the same `Entry` values; what reaches a spreadsheet is defused there
//! (`csv`), JSON escapes itself.

pub mod csv;
pub mod disclose_io;
pub mod intelmq;
pub mod json;

use super::Entry;
use std::io::{self, Write};

/// The formats `disclose export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per domain and contact, safe to open in a spreadsheet.
    Csv,
    /// A JSON array of entries.
    Json,
    /// One entry per line (JSON Lines).
    Jsonl,
    /// IntelMQ events, one per line, for its file collector and JSON parser.
    Intelmq,
    /// The disclose.io program list (as `diosts` writes it), one program per organisation.
    DiscloseIo,
}

/// What the formats may be told beyond the entries.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The tag names to give columns of their own (CSV).
    pub tag_columns: Vec<String>,
    /// Semicolon-separated with a byte-order mark, as Excel in Dutch and German locales opens
    /// a double-clicked file (CSV).
    pub excel: bool,
    /// IntelMQ's `feed.name` and `feed.provider`.
    pub feed_name: String,
    pub feed_provider: String,
    /// Put the file's URL in IntelMQ's `source.url` (pipelines that treat it as an indicator
    /// can leave it out).
    pub source_url: bool,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            tag_columns: Vec::new(),
            excel: false,
            feed_name: intelmq::DEFAULT_FEED_NAME.to_owned(),
            feed_provider: intelmq::DEFAULT_FEED_PROVIDER.to_owned(),
            source_url: true,
        }
    }
}

/// One output format.
pub trait Export {
    /// Before the first entry: a header, an opening bracket.
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    /// One entry.
    fn entry(&mut self, out: &mut dyn Write, entry: &Entry) -> io::Result<()>;
    /// After the last entry.
    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// The writer of a format.
pub fn exporter(format: ExportFormat, options: &ExportOptions) -> Box<dyn Export> {
    match format {
        ExportFormat::Csv => Box::new(csv::CsvExport::new(options)),
        ExportFormat::Json => Box::new(json::JsonExport::array()),
        ExportFormat::Jsonl => Box::new(json::JsonExport::lines()),
        ExportFormat::Intelmq => Box::new(intelmq::IntelmqExport::new(options)),
        ExportFormat::DiscloseIo => Box::new(disclose_io::DiscloseIoExport::default()),
    }
}
