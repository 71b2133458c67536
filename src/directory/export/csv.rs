//! Entries as CSV for people: one row per domain and contact, RFC 4180 (every field quoted,
//! CRLF), UTF-8, and safe to open in a spreadsheet: no cell that came from outside can start a
//! formula (OWASP's CSV injection rule, `../shared/research/formats.md` §3). `--excel` writes
//! what Excel opens right on a double-click in Dutch and German locales: `;` and a byte-order
//! mark. Lists are joined with a space (URIs hold none), so a cell stays on one line.

use super::{Export, ExportOptions};
use crate::directory::Entry;
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

/// The columns, in order; the tag columns follow.
pub const COLUMNS: &[&str] = &[
    "domain",
    "registrable_domain",
    "position",
    "contact",
    "kind",
    "email",
    "platform",
    "contact_valid",
    "confidence",
    "outcome",
    "valid",
    "errors",
    "expires",
    "days_to_expiry",
    "signature",
    "key_independence",
    "signer",
    "preferred_languages",
    "encryption",
    "policy",
    "canonical",
    "requested_url",
    "final_url",
    "redirects",
    "address",
    "location",
    "sha256",
    "crawled",
    "run",
];

/// Makes a cell inert in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, `|`, `%`, a
/// tab, CR or LF, or whose first non-blank character is one of `= + - @`, gets a leading `'`
/// (which Excel does not show), unless it is a plain number such as `-12`; line breaks become
/// spaces, so the cell stays on one line.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    // A plain number (`-12`, `3.5`) is a value, not a formula.
    let number = cell.strip_prefix('-').unwrap_or(cell);
    if !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.bytes().next().is_some_and(|b| b.is_ascii_digit())
    {
        return Cow::Borrowed(cell);
    }
    let trigger = |c: char| matches!(c, '=' | '+' | '-' | '@');
    let first = cell.chars().next();
    let risky = first.is_some_and(|c| trigger(c) || matches!(c, '|' | '%' | '\t' | '\r' | '\n'))
        || cell.trim_start().chars().next().is_some_and(trigger);
    let multiline = cell.contains(['\r', '\n']);
    if !risky && !multiline {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + 1);
    if risky {
        out.push('\'');
    }
    out.extend(
        cell.chars()
            .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c }),
    );
    Cow::Owned(out)
}

pub fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A buffer the CSV writer writes into and the exporter empties into its output.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Rows written into a buffer, handed to the output after each entry (the output is lent per
/// call, so the CSV writer cannot own it).
pub struct Rows {
    w: csv::Writer<Shared>,
    buffer: Shared,
}

impl Rows {
    pub fn new(excel: bool) -> Rows {
        let buffer = Shared::default();
        Rows {
            w: csv::WriterBuilder::new()
                .delimiter(if excel { b';' } else { b',' })
                .quote_style(csv::QuoteStyle::Always)
                .terminator(csv::Terminator::CRLF)
                .from_writer(buffer.clone()),
            buffer,
        }
    }

    /// Writes one row, each cell defused.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        self.cells(cells.iter().map(AsRef::as_ref))
    }

    /// Writes one row from cells, each defused.
    pub fn cells<'c>(&mut self, cells: impl IntoIterator<Item = &'c str>) -> io::Result<()> {
        for cell in cells {
            self.w
                .write_field(defuse(cell).as_bytes())
                .map_err(csv_error)?;
        }
        self.w.write_record(None::<&[u8]>).map_err(csv_error)
    }

    /// Hands what was written to `out`.
    pub fn flush_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.w.flush()?;
        let mut bytes = self.buffer.0.borrow_mut();
        out.write_all(&bytes)?;
        bytes.clear();
        Ok(())
    }
}

pub struct CsvExport {
    tags: Vec<String>,
    excel: bool,
    rows: Rows,
}

impl CsvExport {
    pub fn new(options: &ExportOptions) -> CsvExport {
        CsvExport {
            tags: options.tag_columns.clone(),
            excel: options.excel,
            rows: Rows::new(options.excel),
        }
    }
}

/// The header name of a tag's column: its name, unless one of ours has it.
pub fn tag_column(tag: &str) -> String {
    if COLUMNS.contains(&tag) {
        format!("tag_{tag}")
    } else {
        tag.to_owned()
    }
}

impl Export for CsvExport {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.excel {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let mut header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        header.extend(self.tags.iter().map(|t| tag_column(t)));
        self.rows.row(&header)?;
        self.rows.flush_to(out)
    }

    fn entry(&mut self, out: &mut dyn Write, e: &Entry) -> io::Result<()> {
        let file = e.file.as_ref();
        let text =
            |f: &dyn Fn(&crate::directory::EntryFile) -> String| file.map(f).unwrap_or_default();
        // The cells after the contact's, the same on every row of the entry.
        let mut rest: Vec<String> = vec![
            e.confidence.map(|c| c.to_string()).unwrap_or_default(),
            e.outcome.clone(),
            text(&|f| f.valid.to_string()),
            text(&|f| f.errors.join(" ")),
            text(&|f| f.expires.map(|t| t.to_string()).unwrap_or_default()),
            text(&|f| f.days_to_expiry.map(|d| d.to_string()).unwrap_or_default()),
            text(&|f| f.signature.verdict.clone()),
            text(&|f| {
                f.signature
                    .independence
                    .and_then(|i| serde_json::to_value(i).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            text(&|f| f.signature.signer.clone().unwrap_or_default()),
            text(&|f| f.preferred_languages.join(", ")),
            text(&|f| f.encryption.join(" ")),
            text(&|f| f.policy.join(" ")),
            text(&|f| f.canonical.clone()),
            text(&|f| f.provenance.requested_url.clone()),
            text(&|f| f.provenance.final_url.clone()),
            text(&|f| f.provenance.redirects.join(" ")),
            text(&|f| f.provenance.address.clone().unwrap_or_default()),
            text(&|f| crate::store::derive::location_name(f.provenance.location).to_owned()),
            text(&|f| f.provenance.sha256.clone()),
            e.crawled.to_string(),
            e.run.clone(),
        ];
        rest.extend(
            self.tags
                .iter()
                .map(|t| e.tags.get(t).cloned().unwrap_or_default()),
        );
        let registrable = e.registrable_domain.as_deref().unwrap_or_default();
        let contacts = file.map(|f| f.contacts.as_slice()).unwrap_or_default();
        if contacts.is_empty() {
            let head = [e.domain.as_str(), registrable, "", "", "", "", "", ""];
            self.rows
                .cells(head.into_iter().chain(rest.iter().map(String::as_str)))?;
        }
        for (i, c) in contacts.iter().enumerate() {
            let position = (i + 1).to_string();
            let head = [
                e.domain.as_str(),
                registrable,
                position.as_str(),
                c.uri.as_str(),
                c.kind.as_str(),
                c.email.as_deref().unwrap_or_default(),
                c.platform.as_deref().unwrap_or_default(),
                if c.valid { "true" } else { "false" },
            ];
            self.rows
                .cells(head.into_iter().chain(rest.iter().map(String::as_str)))?;
        }
        self.rows.flush_to(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_could_start_a_formula_are_made_inert() {
        for (cell, safe) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("  =1", "'  =1"),
            ("|cmd", "'|cmd"),
            ("%x", "'%x"),
            ("mailto:a@b.example", "mailto:a@b.example"),
            ("line\r\nbreak", "line  break"),
            ("\n=1", "' =1"),
            ("-12", "-12"),
            ("3.5", "3.5"),
            ("-", "'-"),
            ("-1e3", "'-1e3"),
        ] {
            assert_eq!(defuse(cell), safe, "{cell:?}");
        }
    }
}
