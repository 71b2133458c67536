//! Tabular input as people hand it over: plain lines (one value per line), or a delimited file
//! with a header (CSV with `,`, Excel's `;` in Dutch and German locales, tab-separated), quoted
//! as RFC 4180 says. The delimiter is detected from the header; the column holding the values is
//! named by the user or recognised by its header (`domain`, IntelMQ's `source.fqdn`, …). Rows are
//! streamed with their line numbers, so a bad row is reported where it is and memory does not
//! grow with the input. A quote that opens a cell and is not closed where it should be would
//! make the lines after it one cell: that row is reported with the reason (`Row::problem`) and
//! the lines it took are read again on their own (`QuoteWatch`). Crawl lists (`target`) and
//! lookup feeds (`directory::lookup`) read through it.

use std::fmt;
use std::io::{self, BufRead, Cursor, Read};

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Delimited with a header when the first line is a header (it names a known or the given
    /// column), else plain lines.
    Auto,
    Lines,
    Csv,
}

/// What to look for in the input.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The column the user named (`--column`, `--domain-column`), compared without case.
    pub named: Option<String>,
    /// Header names that hold values, in order of preference; a row's value is its first
    /// non-empty cell among them.
    pub known: &'static [&'static str],
    /// What a value is, for messages: `domain`, `item`.
    pub what: &'static str,
    /// The flag that names the column: `--domain-column`, `--column`.
    pub flag: &'static str,
}

/// A problem with the input as a whole: nothing in it can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayoutError {}

/// One row of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based line the row starts on.
    pub line: u64,
    /// The value to use (trimmed), empty when the row has none.
    pub value: String,
    /// Every cell of a delimited row, as written (trimmed); empty for plain lines.
    pub cells: Vec<String>,
    /// The row as written, for messages.
    pub text: String,
    /// Why the row cannot be read though it was written (a quote it opens and never closes).
    pub problem: Option<String>,
}

/// A delimited input's header, and where the values are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub delimiter: u8,
    /// The header's names, as written (trimmed).
    pub names: Vec<String>,
    /// The columns holding values, in order of preference.
    pub value_columns: Vec<usize>,
}

impl Header {
    /// The names in lower case, as tags are keyed.
    pub fn lowercase_names(&self) -> Vec<String> {
        self.names.iter().map(|n| n.to_ascii_lowercase()).collect()
    }

    fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b';' => "semicolon",
            b'\t' => "tab",
            _ => "comma",
        }
    }
}

enum Source {
    Lines(Box<dyn BufRead + Send>),
    Delimited(Box<csv::Reader<QuoteWatch>>),
}

/// The delimited input's reader, as every row is read: a header is not special past the first
/// line, rows may have fewer or more cells than it, `#` starts a comment line.
fn delimited_reader(watch: QuoteWatch) -> csv::Reader<QuoteWatch> {
    let delimiter = watch.delimiter;
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(watch)
}

/// Bytes a `QuoteWatch` may keep past what it needs before it drops them.
const RELEASE_STEP: usize = 64 * 1024;

/// Where a byte falls in the CSV reader's dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted cell: it closes the cell, or is the first of `""`.
    QuoteInQuoted,
    Comment,
}

/// Follows the bytes the CSV reader takes and keeps those it has not given back as records yet.
///
/// A quote that opens a cell and is never closed makes the CSV reader take every line after it
/// as that one cell, up to the next `"` or the end of the input: the rows on those lines would be
/// lost. `TableReader` tells such a row by its item cell spanning lines (an item never does) or
/// by the input ending inside quotes, and reads its lines again on their own from the bytes kept
/// here. Hand-written because the csv crate says neither where a record's bytes are once it has
/// buffered past them nor whether its input ended inside quotes; it follows the reader's dialect
/// (`"` quotes a cell that starts with it, `""` inside is a quote, `#` at a record's start is a
/// comment line, `\r`, `\n` or `\r\n` ends a record).
struct QuoteWatch {
    /// Bytes to give before the input's: what a reader started again after a broken row must
    /// read first.
    pending: Cursor<Vec<u8>>,
    input: Box<dyn Read + Send>,
    delimiter: u8,
    at: Place,
    /// The bytes from offset `kept_from` to `read`.
    kept: Vec<u8>,
    kept_from: u64,
    read: u64,
    ended: bool,
}

impl QuoteWatch {
    fn new(input: Box<dyn Read + Send>, delimiter: u8) -> QuoteWatch {
        QuoteWatch {
            pending: Cursor::default(),
            input,
            delimiter,
            at: Place::RecordStart,
            kept: Vec::new(),
            kept_from: 0,
            read: 0,
            ended: false,
        }
    }

    fn follow(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let ends_record = b == b'\n' || b == b'\r';
            self.at = match self.at {
                // As the CSV reader has it, a comment runs to a line feed, not a lone `\r`.
                Place::Comment if b == b'\n' => Place::RecordStart,
                Place::Comment => Place::Comment,
                Place::Quoted if b == b'"' => Place::QuoteInQuoted,
                Place::Quoted => Place::Quoted,
                Place::QuoteInQuoted if b == b'"' => Place::Quoted,
                _ if ends_record => Place::RecordStart,
                Place::RecordStart if b == b'#' => Place::Comment,
                _ if b == self.delimiter => Place::FieldStart,
                Place::RecordStart | Place::FieldStart if b == b'"' => Place::Quoted,
                _ => Place::Unquoted,
            };
        }
    }

    /// The input ended inside a quoted cell.
    fn ended_in_quotes(&self) -> bool {
        self.ended && self.at == Place::Quoted
    }

    /// The kept bytes from offset `from` to `to` (both within what was read).
    fn kept_bytes(&self, from: u64, to: u64) -> &[u8] {
        let start = (from.saturating_sub(self.kept_from) as usize).min(self.kept.len());
        let end = (to.saturating_sub(self.kept_from) as usize).clamp(start, self.kept.len());
        &self.kept[start..end]
    }

    /// Forgets the bytes before offset `to`: the CSV reader has given them back as records.
    fn release(&mut self, to: u64) {
        let n = (to.saturating_sub(self.kept_from) as usize).min(self.kept.len());
        // In large steps: dropping each row's bytes alone would move the reader's whole
        // read-ahead once per row.
        if n == self.kept.len() || n >= RELEASE_STEP {
            self.kept.drain(..n);
            self.kept_from += n as u64;
        }
    }

    /// A watch over what is left to read from offset `from`: the kept bytes after it, the
    /// pending bytes not read yet, then the rest of the input (never wrapped again, so that
    /// many broken rows do not nest readers).
    fn rest_from(self, from: u64) -> QuoteWatch {
        let mut pending = self.kept_bytes(from, self.read).to_vec();
        let unread = self.pending.position() as usize;
        pending.extend_from_slice(&self.pending.get_ref()[unread..]);
        QuoteWatch {
            pending: Cursor::new(pending),
            ..QuoteWatch::new(self.input, self.delimiter)
        }
    }
}

impl Read for QuoteWatch {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.pending.read(buf)?;
        if n == 0 {
            n = self.input.read(buf)?;
            self.ended = n == 0 && !buf.is_empty();
        }
        self.follow(&buf[..n]);
        self.kept.extend_from_slice(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// The number of empty and comment lines at the start of `bytes`, and where the line after them
/// starts: the CSV reader places a record where it began looking for it, before those. Lines
/// end at a line feed, as the CSV reader counts them (a lone `\r` ends a record, not a line).
fn skipped_lines(bytes: &[u8]) -> (u64, usize) {
    let (mut lines, mut at) = (0, 0);
    while let Some(end) = bytes[at..].iter().position(|&b| b == b'\n') {
        let line = &bytes[at..at + end];
        let empty = line.iter().all(|&b| b == b'\r');
        if !empty && line.first() != Some(&b'#') {
            break;
        }
        lines += 1;
        at += end + 1;
    }
    (lines, at)
}

/// The end of the first line of `bytes` (before its line feed) and where the next starts.
fn first_line(bytes: &[u8]) -> (usize, usize) {
    match bytes.iter().position(|&b| b == b'\n') {
        None => (bytes.len(), bytes.len()),
        Some(i) => (i, i + 1),
    }
}

/// Streams the rows of an input.
pub struct TableReader {
    source: Source,
    header: Option<Header>,
    /// The last line plain lines were read to.
    line: u64,
    record: csv::StringRecord,
    /// Lines skipped before the header (leading comments and blank lines).
    header_line: u64,
    /// Lines before the delimited reader's input: it starts again after a line with a quote
    /// never closed.
    line_offset: u64,
}

/// Counts `,`, `;` and tabs outside double quotes.
fn delimiter_counts(line: &str) -> [(u8, usize); 3] {
    let mut counts = [(b'\t', 0), (b';', 0), (b',', 0)];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                for (d, n) in counts.iter_mut() {
                    if *d == b {
                        *n += 1;
                    }
                }
            }
        }
    }
    counts
}

/// The delimiter a header line uses: the most frequent of tab, `;` and `,` (in that order on a
/// tie), or `None` when it has none.
fn detect_delimiter(line: &str) -> Option<u8> {
    let counts = delimiter_counts(line);
    let best = counts.iter().max_by_key(|(_, n)| *n).copied()?;
    // max_by_key returns the last maximum; ties go to the earlier entry.
    let first_max = counts.iter().find(|(_, n)| *n == best.1)?;
    (first_max.1 > 0).then_some(first_max.0)
}

fn split_line(line: &str, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|f| f.trim().to_owned()).collect())
        .unwrap_or_default()
}

impl TableReader {
    /// Reads `input` laid out as `format`, looking for `columns`. Fails when the input cannot be
    /// used at all: a header without the column, or a CSV without a header.
    pub fn new(
        input: impl Read + Send + 'static,
        format: InputFormat,
        columns: &Columns,
    ) -> io::Result<Result<TableReader, LayoutError>> {
        let mut buffered = io::BufReader::new(input);
        // Find the first line that is neither blank nor a comment; remember what was read.
        let mut head = Vec::new();
        let mut first = None;
        let mut skipped = 0u64;
        loop {
            let mut buf = Vec::new();
            if buffered.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            head.extend_from_slice(&buf);
            let text = String::from_utf8_lossy(&buf);
            let text = text.trim_start_matches('\u{feff}').trim();
            if !text.is_empty() && !text.starts_with('#') {
                first = Some(text.to_owned());
                break;
            }
            skipped += 1;
        }
        let header = match (format, first.as_deref()) {
            (InputFormat::Lines, _) | (_, None) => None,
            (InputFormat::Auto | InputFormat::Csv, Some(line)) => {
                match Self::header(line, format, columns) {
                    Ok(h) => h,
                    Err(e) => return Ok(Err(e)),
                }
            }
        };
        let Some(header) = header else {
            let rest = Cursor::new(head).chain(buffered);
            return Ok(Ok(TableReader {
                source: Source::Lines(Box::new(io::BufReader::new(rest))),
                header: None,
                line: 0,
                record: csv::StringRecord::new(),
                header_line: 0,
                line_offset: 0,
            }));
        };
        // The header was read from its own line (a quote in it that runs on takes no row), so
        // the rows' reader starts on the line after it.
        let reader = delimited_reader(QuoteWatch::new(Box::new(buffered), header.delimiter));
        Ok(Ok(TableReader {
            source: Source::Delimited(Box::new(reader)),
            header: Some(header),
            line: 0,
            record: csv::StringRecord::new(),
            header_line: skipped + 1,
            line_offset: skipped + 1,
        }))
    }

    /// The header of a delimited input, `None` for plain lines.
    fn header(
        line: &str,
        format: InputFormat,
        columns: &Columns,
    ) -> Result<Option<Header>, LayoutError> {
        let delimiter = detect_delimiter(line);
        let names = split_line(line, delimiter.unwrap_or(b','));
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let value_columns: Vec<usize> = match &columns.named {
            Some(named) => lower
                .iter()
                .position(|n| *n == named.to_ascii_lowercase())
                .into_iter()
                .collect(),
            None => columns
                .known
                .iter()
                .filter_map(|k| lower.iter().position(|n| n == k))
                .collect(),
        };
        let shown = crate::escape::for_terminal(line);
        if value_columns.is_empty() {
            if delimiter.is_none() && format == InputFormat::Auto && columns.named.is_none() {
                // A plain list.
                return Ok(None);
            }
            let known = columns
                .known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(LayoutError(match &columns.named {
                Some(named) => format!(
                    "the first line `{shown}` has no column `{}`: name a column of its header with {}, or leave {} out",
                    crate::escape::for_terminal(named),
                    columns.flag,
                    columns.flag
                ),
                None => format!(
                    "the first line `{shown}` is not a header naming the {} column ({known}): add a header line, or name the column with {}",
                    columns.what, columns.flag
                ),
            }));
        }
        Ok(Some(Header {
            delimiter: delimiter.unwrap_or(b','),
            names,
            value_columns,
        }))
    }

    /// The header, for a delimited input.
    pub fn header_info(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// A sentence describing the layout, e.g. "semicolon-separated, values from column `host`".
    pub fn describe(&self) -> String {
        match &self.header {
            None => "one value per line".to_owned(),
            Some(h) => format!(
                "{}-separated with a header on line {}, values from column {}",
                h.delimiter_name(),
                self.header_line,
                h.value_columns
                    .iter()
                    .map(|&i| format!("`{}`", crate::escape::for_terminal(&h.names[i])))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }

    fn next_plain(lines: &mut Box<dyn BufRead + Send>, line: &mut u64) -> Option<io::Result<Row>> {
        loop {
            let mut buf = Vec::new();
            match lines.read_until(b'\n', &mut buf) {
                Err(e) => return Some(Err(e)),
                Ok(0) => return None,
                Ok(_) => {}
            }
            *line += 1;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            let mut text = String::from_utf8_lossy(&buf).into_owned();
            if *line == 1 && text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            let t = text.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            // A comment after the value: `example.com # the main site`.
            let value = t.split(" #").next().unwrap_or(t).trim().to_owned();
            return Some(Ok(Row {
                line: *line,
                value,
                cells: Vec::new(),
                text: t.to_owned(),
                problem: None,
            }));
        }
    }
}

impl Iterator for TableReader {
    type Item = io::Result<Row>;

    fn next(&mut self) -> Option<io::Result<Row>> {
        match &mut self.source {
            Source::Lines(lines) => Self::next_plain(lines, &mut self.line),
            Source::Delimited(reader) => loop {
                let from = reader.position().byte();
                let read = reader.read_record(&mut self.record);
                match &read {
                    Ok(false) => return None,
                    Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                        return Some(Err(io::Error::other(e.to_string())));
                    }
                    _ => {}
                }
                let to = reader.position().byte();
                let (skipped, start) = skipped_lines(reader.get_ref().kept_bytes(from, to));
                let line =
                    self.line_offset + self.record.position().map_or(0, |p| p.line()) + skipped;
                if let Err(e) = read {
                    // A row that cannot be decoded (not UTF-8): a row without a value.
                    reader.get_mut().release(to);
                    return Some(Ok(Row {
                        line,
                        value: String::new(),
                        cells: Vec::new(),
                        text: e.to_string(),
                        problem: None,
                    }));
                }
                let cells: Vec<String> = self.record.iter().map(|c| c.trim().to_owned()).collect();
                let header = self
                    .header
                    .as_ref()
                    .expect("a delimited input has a header");
                let item_spans_lines = header
                    .value_columns
                    .iter()
                    .filter_map(|&i| cells.get(i))
                    .any(|c| c.contains(['\n', '\r']));
                let watch = reader.get_ref();
                let runs_to_the_end = watch.ended_in_quotes() && to == watch.read;
                if item_spans_lines || runs_to_the_end {
                    // Its first line is reported; the lines the quote took are read again.
                    let start = from + start as u64;
                    let row_bytes = reader.get_ref().kept_bytes(start, to);
                    let (line_end, next) = first_line(row_bytes);
                    let text = String::from_utf8_lossy(&row_bytes[..line_end])
                        .trim()
                        .to_owned();
                    let next = start + next as u64;
                    let delimiter = header.delimiter;
                    let taken = std::mem::replace(
                        &mut **reader,
                        delimited_reader(QuoteWatch::new(Box::new(io::empty()), delimiter)),
                    );
                    **reader = delimited_reader(taken.into_inner().rest_from(next));
                    self.line_offset = line;
                    return Some(Ok(Row {
                        line,
                        value: String::new(),
                        cells: Vec::new(),
                        text,
                        problem: Some(
                            "a quote `\"` opened on this line is not closed where the cell ends (the lines after it are read on their own)".into(),
                        ),
                    }));
                }
                reader.get_mut().release(to);
                if cells.iter().all(String::is_empty) {
                    continue;
                }
                let value = header
                    .value_columns
                    .iter()
                    .filter_map(|&i| cells.get(i))
                    .find(|c| !c.is_empty())
                    .cloned()
                    .unwrap_or_default();
                let text = cells.join(&char::from(header.delimiter).to_string());
                return Some(Ok(Row {
                    line,
                    value,
                    cells,
                    text,
                    problem: None,
                }));
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAINS: Columns = Columns {
        named: None,
        known: &["domain", "source.fqdn", "host"],
        what: "domain",
        flag: "--domain-column",
    };

    fn read(input: &str, format: InputFormat, columns: &Columns) -> Result<Vec<Row>, LayoutError> {
        TableReader::new(Cursor::new(input.as_bytes().to_vec()), format, columns)
            .unwrap()
            .map(|reader| reader.map(Result::unwrap).collect())
    }

    #[test]
    fn plain_lines_keep_their_numbers_and_drop_comments() {
        let rows = read(
            "# list\n\nexample.com\n  other.example # note\n",
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].value.as_str()), (3, "example.com"));
        assert_eq!((rows[1].line, rows[1].value.as_str()), (4, "other.example"));
    }

    #[test]
    fn the_delimiter_is_detected_and_the_column_recognised() {
        for (input, delimiter) in [
            (
                "time,source.fqdn,note\n2026-11-30T10:00:00Z,a.example,\"x, y\"\n",
                b',',
            ),
            (
                "time;source.fqdn;note\n2026-11-30T10:00:00Z;a.example;\"x; y\"\n",
                b';',
            ),
            (
                "time\tsource.fqdn\tnote\n2026-11-30T10:00:00Z\ta.example\tx, y\n",
                b'\t',
            ),
        ] {
            let reader = TableReader::new(
                Cursor::new(input.as_bytes().to_vec()),
                InputFormat::Auto,
                &DOMAINS,
            )
            .unwrap()
            .unwrap();
            assert_eq!(reader.header_info().unwrap().delimiter, delimiter);
            let rows: Vec<Row> = reader.map(Result::unwrap).collect();
            assert_eq!(rows.len(), 1, "{input}");
            assert_eq!(rows[0].value, "a.example");
            assert_eq!(rows[0].line, 2);
            assert_eq!(rows[0].cells.len(), 3);
        }
    }

    #[test]
    fn a_header_without_the_column_is_one_clear_error() {
        let e = read("time,ip\n1,2\n", InputFormat::Auto, &DOMAINS).unwrap_err();
        assert_eq!(
            e.0,
            "the first line `time,ip` is not a header naming the domain column (`domain`, `source.fqdn`, `host`): add a header line, or name the column with --domain-column"
        );
        let named = Columns {
            named: Some("Website".into()),
            ..DOMAINS
        };
        let e = read("time;ip\n1;2\n", InputFormat::Auto, &named).unwrap_err();
        assert!(
            e.0.contains("has no column `Website`: name a column"),
            "{}",
            e.0
        );
        let rows = read("Time;WEBSITE\n1;site.example\n", InputFormat::Auto, &named).unwrap();
        assert_eq!(rows[0].value, "site.example");
    }

    #[test]
    fn quoted_cells_may_span_lines_and_rows_keep_their_first_line() {
        let rows = read(
            "domain,note\na.example,\"two\nlines\"\nb.example,x\n",
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].value.as_str()), (2, "a.example"));
        assert_eq!((rows[1].line, rows[1].value.as_str()), (4, "b.example"));
    }

    #[test]
    fn a_quote_never_closed_is_reported_on_its_line_and_the_lines_after_it_read_on_their_own() {
        for newline in ["\n", "\r\n"] {
            let input = [
                "domain,note",
                "a.example,1",
                "\"b.example,2", // closed only on line 5, in the middle of its cell
                "c.example,3",
                "d.example,\"two",
                "lines\"",
                "# a comment",
                "",
                "e.example,4",
                "f.example,\"oops", // never closed
                "g.example,5",
                "",
            ]
            .join(newline);
            let rows = read(&input, InputFormat::Auto, &DOMAINS).unwrap();
            let seen: Vec<(u64, &str, &str, bool)> = rows
                .iter()
                .map(|r| {
                    (
                        r.line,
                        r.value.as_str(),
                        r.text.as_str(),
                        r.problem.is_some(),
                    )
                })
                .collect();
            assert_eq!(
                seen,
                [
                    (2, "a.example", "a.example,1", false),
                    (3, "", "\"b.example,2", true),
                    (4, "c.example", "c.example,3", false),
                    (
                        5,
                        "d.example",
                        &*format!("d.example,two{newline}lines"),
                        false
                    ),
                    (9, "e.example", "e.example,4", false),
                    (10, "", "f.example,\"oops", true),
                    (11, "g.example", "g.example,5", false),
                ],
                "{newline:?}"
            );
        }
    }

    #[test]
    fn the_header_is_its_own_line_whatever_comes_before_or_in_it() {
        // A quote in the header that is never closed; a line of spaces before the header.
        for input in [
            "# list\ndomain,\"note\na.example,x\nb.example,y\n",
            "  \ndomain,note\na.example,x\nb.example,y\n",
        ] {
            let rows = read(input, InputFormat::Auto, &DOMAINS).unwrap();
            let lines: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.value.as_str())).collect();
            assert_eq!(lines, [(3, "a.example"), (4, "b.example")], "{input:?}");
        }
    }

    #[test]
    fn a_row_that_is_not_utf8_is_a_row_without_a_value_on_its_own_line() {
        let rows = TableReader::new(
            Cursor::new(b"domain\n# a comment\n\xffx.example\nb.example\n".to_vec()),
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap()
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
        let seen: Vec<(u64, &str, bool)> = rows
            .iter()
            .map(|r| (r.line, r.value.as_str(), r.text.contains("UTF-8")))
            .collect();
        assert_eq!(seen, [(3, "", true), (4, "b.example", false)]);
    }

    #[test]
    fn a_long_input_is_read_again_from_the_right_byte() {
        // Far past the reader's read-ahead and the steps the kept bytes are dropped in.
        let mut input = String::from("domain\n");
        for i in 0..20_000 {
            let quote = if i == 15_000 { "\"" } else { "" };
            input.push_str(&format!("{quote}site{i}.example\n"));
        }
        let rows = read(&input, InputFormat::Auto, &DOMAINS).unwrap();
        assert_eq!(rows.len(), 20_000);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.line, i as u64 + 2);
            if i == 15_000 {
                assert_eq!(row.text, "\"site15000.example");
                assert!(row.problem.is_some());
            } else {
                assert_eq!(row.value, format!("site{i}.example"));
            }
        }
    }

    #[test]
    fn a_quote_on_every_line_costs_each_line_alone() {
        // Each line's quote is closed by the next line's: every row is broken, and each is
        // read again from the line after it without readers nesting.
        let mut input = String::from("domain\n");
        for i in 0..2_000 {
            input.push_str(&format!("\"site{i}.example\n"));
        }
        let rows = read(&input, InputFormat::Auto, &DOMAINS).unwrap();
        assert_eq!(rows.len(), 2_000);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.line, i as u64 + 2);
            assert_eq!(row.text, format!("\"site{i}.example"));
            assert!(row.problem.is_some());
        }
    }

    #[test]
    fn rows_after_comment_and_blank_lines_keep_their_own_line() {
        let rows = read(
            "domain,note\n# one\n\n# two\na.example,1\n\nb.example,2\n",
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap();
        let lines: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.value.as_str())).collect();
        assert_eq!(lines, [(5, "a.example"), (7, "b.example")]);
        // A lone carriage return ends a row but not a line; a comment runs to the line feed.
        let rows = read(
            "domain\na.example\rb.example\n#c\rstill the comment\nc.example\n",
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap();
        let lines: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.value.as_str())).collect();
        assert_eq!(
            lines,
            [(2, "a.example"), (2, "b.example"), (4, "c.example")]
        );
    }

    #[test]
    fn a_row_takes_its_first_filled_known_column() {
        let columns = Columns {
            named: None,
            known: &["source.fqdn", "source.url", "source.ip"],
            what: "item",
            flag: "--column",
        };
        let rows = read(
            "source.ip,source.url,source.fqdn\n192.0.2.1,,\n,https://u.example/x,\n192.0.2.2,,f.example\n",
            InputFormat::Auto,
            &columns,
        )
        .unwrap();
        let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["192.0.2.1", "https://u.example/x", "f.example"]);
    }

    #[test]
    fn a_one_column_csv_with_a_known_header_is_read_as_csv() {
        let rows = read(
            "domain\na.example\nb.example\n",
            InputFormat::Auto,
            &DOMAINS,
        )
        .unwrap();
        let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["a.example", "b.example"]);
        assert!(read("a.example\n", InputFormat::Csv, &DOMAINS).is_err());
    }
}
