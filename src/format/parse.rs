//! Bytes to `Document`: lines with their spans and kinds, the OpenPGP cleartext envelope, and the
//! findings that need nothing but the bytes (encoding, line endings, size, line syntax, armour).
//!
//! Accepts any input and never panics. One pass splits lines and a second classifies them, so the
//! work is linear in the input size. A file is read the way a forgiving human would read it (a
//! lone CR still ends a line, an indented field is still a field) while every deviation from the
//! RFC 9116 grammar is reported.

use super::armor::{self, SignatureInfo};
use super::catalogue::Code;
use super::diagnostic::Diagnostic;
use std::ops::Range;

/// RFC 9116 §5.4: parsers may refuse files larger than this.
pub const MAX_FILE_BYTES: usize = 32 * 1024;
/// RFC 9116 §5.4: parsers may refuse files with more lines than this.
pub const MAX_LINES: usize = 1000;
/// RFC 9116 §5.4: parsers may refuse fields longer than this many characters.
pub const MAX_FIELD_CHARS: usize = 2048;

const SIGNED_HEADER: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const SIGNATURE_BEGIN: &str = "-----BEGIN PGP SIGNATURE-----";
const SIGNATURE_END: &str = "-----END PGP SIGNATURE-----";

/// The fields RFC 9116 defines, plus the ones registered with IANA since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldName {
    Acknowledgments,
    Canonical,
    Contact,
    Encryption,
    Expires,
    Hiring,
    Policy,
    PreferredLanguages,
    Csaf,
    BugBounty,
}

impl FieldName {
    pub const ALL: [FieldName; 10] = [
        FieldName::Acknowledgments,
        FieldName::Canonical,
        FieldName::Contact,
        FieldName::Encryption,
        FieldName::Expires,
        FieldName::Hiring,
        FieldName::Policy,
        FieldName::PreferredLanguages,
        FieldName::Csaf,
        FieldName::BugBounty,
    ];

    /// The registered spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Acknowledgments => "Acknowledgments",
            FieldName::Canonical => "Canonical",
            FieldName::Contact => "Contact",
            FieldName::Encryption => "Encryption",
            FieldName::Expires => "Expires",
            FieldName::Hiring => "Hiring",
            FieldName::Policy => "Policy",
            FieldName::PreferredLanguages => "Preferred-Languages",
            FieldName::Csaf => "CSAF",
            FieldName::BugBounty => "Bug-Bounty",
        }
    }

    /// Field names are case-insensitive.
    pub fn parse(name: &str) -> Option<FieldName> {
        FieldName::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    CrLf,
    Lf,
    /// A carriage return alone: not a valid separator, but read as one.
    Cr,
    /// The last line of a file that does not end with a line break.
    None,
}

/// Which part of the file a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// A file without a signature envelope.
    Plain,
    /// The signed text of a cleartext-signed file.
    Signed,
    /// The envelope itself: the signed-message header, its armour headers, the signature block.
    Armor,
    /// Text before the signed-message header or after the signature: not covered by it.
    Unsigned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    Blank,
    Comment,
    Field(Field),
    Armor,
    /// Neither a field, a comment nor blank; a finding says why.
    Invalid,
}

/// A field line: name and value as byte ranges into the line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: Range<usize>,
    pub value: Range<usize>,
    pub known: Option<FieldName>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub number: usize,
    /// Where the line is in the input, without its line ending.
    pub bytes: Range<usize>,
    text: Range<usize>,
    /// Where the line's content starts in its text: 2 for a dash-escaped signed line (`- `).
    pub content_start: usize,
    pub ending: LineEnding,
    pub region: Region,
    pub kind: LineKind,
}

/// The OpenPGP cleartext signature framework around the signed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Line number of `-----BEGIN PGP SIGNED MESSAGE-----`.
    pub header_line: usize,
    /// The algorithms named by `Hash:` armour headers.
    pub hash_algorithms: Vec<String>,
    /// Indices into `Document::lines` of the signed text.
    pub signed_lines: Range<usize>,
    /// Line numbers of the signature block's BEGIN and END lines, when present.
    pub signature_begin: Option<usize>,
    pub signature_end: Option<usize>,
    /// The decoded signature block; `None` when the armour or packets are damaged.
    pub armor: Option<Vec<u8>>,
    /// What the signature packets say, when the block decoded.
    pub signatures: Vec<SignatureInfo>,
}

/// A parsed security.txt file.
#[derive(Debug, Clone)]
pub struct Document {
    input: Vec<u8>,
    text: String,
    pub lines: Vec<Line>,
    /// The file started with a UTF-8 byte order mark (stripped before reading).
    pub bom: bool,
    /// The file is an HTML page; no fields were read from it.
    pub html: bool,
    pub envelope: Option<Envelope>,
    pub(crate) findings: Vec<Diagnostic>,
}

impl Document {
    /// The input the document was parsed from.
    pub fn input(&self) -> &[u8] {
        &self.input
    }

    /// A line as written (decoded; invalid UTF-8 shown as U+FFFD), without its ending.
    pub fn line_text(&self, line: &Line) -> &str {
        &self.text[line.text.clone()]
    }

    pub fn field_name<'a>(&'a self, line: &Line, field: &Field) -> &'a str {
        &self.line_text(line)[field.name.clone()]
    }

    pub fn field_value<'a>(&'a self, line: &Line, field: &Field) -> &'a str {
        &self.line_text(line)[field.value.clone()]
    }

    pub fn is_signed(&self) -> bool {
        self.envelope.is_some()
    }

    /// The fields whose content counts: the whole file when unsigned, the signed text when
    /// signed.
    pub fn content_fields(&self) -> impl Iterator<Item = (&Line, &Field)> {
        self.fields_in(|r| matches!(r, Region::Plain | Region::Signed))
    }

    /// Fields outside the signed text of a signed file: never to be used as its contents.
    pub fn unsigned_fields(&self) -> impl Iterator<Item = (&Line, &Field)> {
        self.fields_in(|r| r == Region::Unsigned)
    }

    fn fields_in(&self, keep: impl Fn(Region) -> bool) -> impl Iterator<Item = (&Line, &Field)> {
        self.lines.iter().filter_map(move |line| match &line.kind {
            LineKind::Field(f) if keep(line.region) => Some((line, f)),
            _ => None,
        })
    }

    /// The signed text in the canonical form its signature covers (RFC 9580 §7.2): dash-escapes
    /// removed, trailing spaces and tabs removed, lines joined by CRLF, without the line break
    /// before the signature block. Built from the input bytes, not the decoded text.
    pub fn signed_text(&self) -> Option<Vec<u8>> {
        let envelope = self.envelope.as_ref()?;
        let mut out = Vec::new();
        for (n, line) in self.lines[envelope.signed_lines.clone()].iter().enumerate() {
            if n > 0 {
                out.extend_from_slice(b"\r\n");
            }
            let raw = &self.input[line.bytes.start + line.content_start..line.bytes.end];
            let end = raw
                .iter()
                .rposition(|&b| b != b' ' && b != b'\t')
                .map_or(0, |i| i + 1);
            out.extend_from_slice(&raw[..end]);
        }
        Some(out)
    }
}

/// Parses any bytes into a document.
pub fn parse(input: &[u8]) -> Document {
    let mut doc = Document {
        input: input.to_vec(),
        text: String::new(),
        lines: Vec::new(),
        bom: false,
        html: false,
        envelope: None,
        findings: Vec::new(),
    };
    split_lines(&mut doc);
    check_file(&mut doc);
    match find_marker(&doc, 0, SIGNED_HEADER) {
        Some(header) => read_signed(&mut doc, header),
        None if looks_like_html(&doc.text) => {
            // The page is not a security.txt file; details of its bytes are only noise.
            doc.html = true;
            for line in &mut doc.lines {
                line.kind = LineKind::Invalid;
            }
            doc.findings.clear();
            doc.findings.push(Diagnostic::file(Code::HtmlDocument));
        }
        None => {
            let all = 0..doc.lines.len();
            read_plain(&mut doc, all, Region::Plain);
        }
    }
    doc.findings.sort_by_key(Diagnostic::position);
    doc
}

fn split_lines(doc: &mut Document) {
    let input = &doc.input;
    let mut pos = 0;
    if input.starts_with(b"\xEF\xBB\xBF") {
        doc.bom = true;
        pos = 3;
        doc.findings.push(Diagnostic::at(Code::BomInFile, 1, 1, 1));
    }
    let mut first_invalid = None;
    let mut lone_cr: Option<(usize, usize)> = None;
    while pos < input.len() {
        let end = input[pos..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(input.len(), |i| pos + i);
        let (ending, next) = match input.get(end) {
            None => (LineEnding::None, end),
            Some(b'\n') => (LineEnding::Lf, end + 1),
            Some(_) if input.get(end + 1) == Some(&b'\n') => (LineEnding::CrLf, end + 2),
            Some(_) => (LineEnding::Cr, end + 1),
        };
        let number = doc.lines.len() + 1;
        let decoded = String::from_utf8_lossy(&input[pos..end]);
        if first_invalid.is_none() && matches!(decoded, std::borrow::Cow::Owned(_)) {
            let col = decoded.chars().position(|c| c == '\u{FFFD}').unwrap_or(0) + 1;
            first_invalid = Some((number, col));
        }
        if ending == LineEnding::Cr {
            lone_cr.get_or_insert((number, 0)).1 += 1;
        }
        let start = doc.text.len();
        doc.text.push_str(&decoded);
        doc.lines.push(Line {
            number,
            bytes: pos..end,
            text: start..doc.text.len(),
            content_start: 0,
            ending,
            region: Region::Plain,
            kind: LineKind::Blank,
        });
        pos = next;
    }
    if let Some((line, col)) = first_invalid {
        doc.findings.push(
            Diagnostic::at(Code::Utf8, line, col, 1)
                .with_detail(format!("the first invalid byte is on line {line}")),
        );
    }
    if let Some((line, count)) = lone_cr {
        let width = doc.text[doc.lines[line - 1].text.clone()].chars().count() + 1;
        doc.findings.push(
            Diagnostic::at(Code::LoneCr, line, width, 1).with_detail(format!(
                "{count} line(s) end with a lone CR, the first is line {line}"
            )),
        );
    }
}

/// Findings about the file as a whole: size, line count, final line break, control characters.
fn check_file(doc: &mut Document) {
    if doc.input.len() > MAX_FILE_BYTES {
        doc.findings
            .push(Diagnostic::file(Code::FileTooLarge).with_detail(format!(
                "the file is {} bytes; the limit is {MAX_FILE_BYTES}",
                doc.input.len()
            )));
    }
    if doc.lines.len() > MAX_LINES {
        doc.findings.push(
            Diagnostic::line(Code::TooManyLines, MAX_LINES + 1)
                .with_detail(format!("the file has {} lines", doc.lines.len())),
        );
    }
    if let Some(last) = doc.lines.last()
        && last.ending == LineEnding::None
    {
        let col = doc.line_text(last).chars().count() + 1;
        doc.findings
            .push(Diagnostic::at(Code::NoLineSeparators, last.number, col, 1));
    }
    let mut found = Vec::new();
    for line in &doc.lines {
        if let Some((col, c)) = doc
            .line_text(line)
            .chars()
            .enumerate()
            .find(|(_, c)| c.is_ascii_control() && *c != '\t')
        {
            found.push(
                Diagnostic::at(Code::ControlChar, line.number, col + 1, 1).with_detail(format!(
                    "U+{:04X} at column {}",
                    c as u32,
                    col + 1
                )),
            );
        }
    }
    doc.findings.extend(found);
}

fn trimmed(doc: &Document, i: usize) -> &str {
    doc.line_text(&doc.lines[i]).trim()
}

fn find_marker(doc: &Document, from: usize, marker: &str) -> Option<usize> {
    (from..doc.lines.len()).find(|&i| trimmed(doc, i) == marker)
}

/// An HTML page served or saved as security.txt: the first thing in it is markup, and it has the
/// tags of a page. Looks at the first few KiB only. Shared with the crawler's soft-404 check.
pub fn looks_like_html(head: &str) -> bool {
    let head: String = head
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    head.trim_start().starts_with('<')
        && ["<html", "<!doctype html", "<head", "<body"]
            .iter()
            .any(|tag| head.contains(tag))
}

/// Classifies lines that hold content (fields, comments), and recognises armoured blocks that
/// appear without a signed-message header.
fn read_plain(doc: &mut Document, range: Range<usize>, region: Region) {
    let mut i = range.start;
    while i < range.end {
        let t = trimmed(doc, i);
        if let Some(kind) = t
            .strip_prefix("-----BEGIN PGP ")
            .and_then(|s| s.strip_suffix("-----"))
        {
            let kind = kind.to_owned();
            let end_marker = format!("-----END PGP {kind}-----");
            let end = find_marker(doc, i + 1, &end_marker)
                .filter(|&e| e < range.end)
                .map_or(range.end, |e| e + 1);
            let number = doc.lines[i].number;
            let finding = if kind == "PUBLIC KEY BLOCK" {
                Diagnostic::line(Code::InlineKey, number)
                    .with_detail("an armoured public key is pasted into the file")
            } else if kind == "SIGNATURE" {
                Diagnostic::line(Code::PgpDataError, number).with_detail(
                    "a signature block without a `-----BEGIN PGP SIGNED MESSAGE-----` header: nothing is signed",
                )
            } else {
                Diagnostic::line(Code::PgpDataError, number).with_detail(format!(
                    "an armoured `{kind}` block does not belong in security.txt"
                ))
            };
            doc.findings.push(finding);
            for line in &mut doc.lines[i..end] {
                line.region = Region::Armor;
                line.kind = LineKind::Armor;
            }
            i = end;
            continue;
        }
        doc.lines[i].region = region;
        classify(doc, i);
        i += 1;
    }
}

/// Reads a cleartext-signed file whose signed-message header is at line index `header`.
fn read_signed(doc: &mut Document, header: usize) {
    let n = doc.lines.len();
    if header > 0 {
        let number = doc.lines[header].number;
        doc.findings.push(
            Diagnostic::line(Code::SignedFormatIssue, number).with_detail(format!(
                "the header is on line {number}; the {header} line(s) before it are not signed"
            )),
        );
        read_plain(doc, 0..header, Region::Unsigned);
    }
    mark_armor(doc, header);
    let mut envelope = Envelope {
        header_line: doc.lines[header].number,
        hash_algorithms: Vec::new(),
        signed_lines: 0..0,
        signature_begin: None,
        signature_end: None,
        armor: None,
        signatures: Vec::new(),
    };

    // Armour headers up to the blank line that starts the signed text.
    let mut i = header + 1;
    while i < n {
        let t = trimmed(doc, i).to_owned();
        if t.is_empty() {
            mark_armor(doc, i);
            i += 1;
            break;
        }
        match t.split_once(':') {
            Some((key, value)) if key.eq_ignore_ascii_case("Hash") => {
                mark_armor(doc, i);
                for alg in value.split(',').map(str::trim) {
                    if !is_hash_name(alg) {
                        doc.findings.push(
                            Diagnostic::line(Code::PgpDataError, doc.lines[i].number)
                                .with_detail(format!("`{alg}` is not an OpenPGP hash algorithm")),
                        );
                    }
                    envelope.hash_algorithms.push(alg.to_owned());
                }
                i += 1;
            }
            _ => {
                doc.findings.push(
                    Diagnostic::line(Code::PgpDataError, doc.lines[i].number).with_detail(
                        "no blank line between the `Hash:` armour headers and the signed text",
                    ),
                );
                break;
            }
        }
    }

    // The signed text, up to the signature block.
    let signed_start = i;
    while i < n && trimmed(doc, i) != SIGNATURE_BEGIN {
        doc.lines[i].region = Region::Signed;
        let text = doc.line_text(&doc.lines[i]);
        if text.starts_with("- ") {
            doc.lines[i].content_start = 2;
        } else if text.starts_with('-') {
            doc.findings.push(
                Diagnostic::at(Code::PgpDataError, doc.lines[i].number, 1, 1)
                    .with_detail("a signed line starting with `-` must be dash-escaped as `- -`"),
            );
        }
        classify(doc, i);
        i += 1;
    }
    envelope.signed_lines = signed_start..i;
    if i == n {
        doc.findings.push(
            Diagnostic::line(Code::PgpDataError, envelope.header_line)
                .with_detail("the signed message has no `-----BEGIN PGP SIGNATURE-----` block"),
        );
        doc.envelope = Some(envelope);
        return;
    }

    // The signature block.
    let begin = i;
    envelope.signature_begin = Some(doc.lines[begin].number);
    mark_armor(doc, begin);
    i += 1;
    while i < n && is_armor_header(trimmed(doc, i)) {
        mark_armor(doc, i);
        i += 1;
    }
    if i < n && trimmed(doc, i).is_empty() {
        mark_armor(doc, i);
        i += 1;
    } else if i < n {
        doc.findings.push(
            Diagnostic::line(Code::PgpDataError, doc.lines[i].number)
                .with_detail("no blank line after `-----BEGIN PGP SIGNATURE-----` and its headers"),
        );
    }
    let data_start = i;
    while i < n && trimmed(doc, i) != SIGNATURE_END {
        mark_armor(doc, i);
        i += 1;
    }
    let data_lines = data_start..i;
    if i == n {
        doc.findings.push(
            Diagnostic::line(Code::PgpDataError, doc.lines[begin].number)
                .with_detail("the signature block has no `-----END PGP SIGNATURE-----` line"),
        );
    } else {
        envelope.signature_end = Some(doc.lines[i].number);
        mark_armor(doc, i);
        i += 1;
    }
    decode_signature_block(doc, &mut envelope, data_lines, doc.lines[begin].number);

    // Whatever follows the signature is not signed.
    let after = i;
    read_plain(doc, after..n, Region::Unsigned);
    let mut trailing_blank = None;
    for line in &doc.lines[after..] {
        match line.kind {
            LineKind::Blank => trailing_blank = trailing_blank.or(Some(line.number)),
            _ => {
                trailing_blank = None;
                if line.region == Region::Unsigned {
                    doc.findings
                        .push(Diagnostic::line(Code::DataAfterSig, line.number));
                }
            }
        }
    }
    if let Some(number) = trailing_blank {
        doc.findings
            .push(Diagnostic::line(Code::TooManyLineSeparators, number));
    }
    doc.envelope = Some(envelope);
}

fn mark_armor(doc: &mut Document, i: usize) {
    doc.lines[i].region = Region::Armor;
    doc.lines[i].kind = LineKind::Armor;
}

fn is_armor_header(t: &str) -> bool {
    t.split_once(": ").is_some_and(|(key, _)| {
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

fn is_hash_name(name: &str) -> bool {
    [
        "MD5",
        "SHA1",
        "RIPEMD160",
        "SHA256",
        "SHA384",
        "SHA512",
        "SHA224",
        "SHA3-256",
        "SHA3-512",
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

/// Decodes the base64 data and CRC of the signature block and reads its packets.
fn decode_signature_block(
    doc: &mut Document,
    envelope: &mut Envelope,
    data_lines: Range<usize>,
    begin_number: usize,
) {
    let mut data = String::new();
    let mut crc = None;
    let mut first_line = begin_number;
    let mut quoted_printable = false;
    for i in data_lines {
        let t = trimmed(doc, i);
        if data.is_empty() && crc.is_none() {
            first_line = doc.lines[i].number;
        }
        quoted_printable |= t.contains("=3D");
        if t.len() == 5 && t.starts_with('=') {
            crc = Some((t[1..].to_owned(), doc.lines[i].number));
        } else {
            data.push_str(t);
        }
    }
    let qp_note = if quoted_printable {
        "; the armour contains `=3D`, the quoted-printable encoding of `=`: a mail client or CMS mangled the signature"
    } else {
        ""
    };
    let decoded = match armor::decode_base64(&data) {
        Ok(d) if !d.is_empty() => d,
        Ok(_) => {
            doc.findings.push(
                Diagnostic::line(Code::PgpError, begin_number)
                    .with_detail("the signature block holds no data"),
            );
            return;
        }
        Err(e) => {
            doc.findings.push(
                Diagnostic::line(Code::PgpDataError, first_line)
                    .with_detail(format!("the armour is not base64: {e}{qp_note}")),
            );
            return;
        }
    };
    if let Some((crc_text, crc_line)) = crc {
        let expected = armor::decode_base64(&crc_text)
            .ok()
            .filter(|b| b.len() == 3)
            .map(|b| u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]));
        if expected != Some(armor::crc24(&decoded)) {
            doc.findings.push(
                Diagnostic::line(Code::PgpError, crc_line).with_detail(format!(
                    "the CRC-24 checksum does not match the data{qp_note}"
                )),
            );
            return;
        }
    }
    match armor::parse_signatures(&decoded) {
        Ok(signatures) => {
            for sig in &signatures {
                // Without a `Hash:` header, OpenPGP (RFC 4880 §7) means MD5.
                let named: &[String] = &envelope.hash_algorithms;
                let matches = if named.is_empty() {
                    sig.hash_algorithm.eq_ignore_ascii_case("MD5")
                } else {
                    named
                        .iter()
                        .any(|h| h.eq_ignore_ascii_case(sig.hash_algorithm))
                };
                if !matches {
                    let detail = if named.is_empty() {
                        format!(
                            "the cleartext header has no `Hash:` line, which means MD5, and the signature uses {}",
                            sig.hash_algorithm
                        )
                    } else {
                        format!(
                            "the signature uses {} but the `Hash:` header names {}",
                            sig.hash_algorithm,
                            named.join(", ")
                        )
                    };
                    doc.findings.push(
                        Diagnostic::line(Code::HashHeaderMismatch, envelope.header_line)
                            .with_detail(detail),
                    );
                }
            }
            if signatures.iter().any(|s| !s.minimal_numbers) {
                doc.findings.push(Diagnostic::line(
                    Code::SignatureNumberEncoding,
                    begin_number,
                ));
            }
            if signatures.len() > 1 {
                let issuers: Vec<&str> = signatures
                    .iter()
                    .map(|s| s.issuer().unwrap_or("an unnamed key"))
                    .collect();
                doc.findings.push(
                    Diagnostic::line(Code::MultipleSignatures, begin_number).with_detail(format!(
                        "{} signatures, by {}",
                        signatures.len(),
                        issuers.join(" and ")
                    )),
                );
            }
            envelope.signatures = signatures;
            envelope.armor = Some(decoded);
        }
        Err(e) => doc
            .findings
            .push(Diagnostic::line(Code::PgpSignatureError, begin_number).with_detail(e)),
    }
}

/// Classifies one content line and reports what is wrong with its syntax.
fn classify(doc: &mut Document, i: usize) {
    let line = &doc.lines[i];
    let number = line.number;
    let start = line.content_start;
    let text = doc.line_text(line);
    let content = text[start..].trim_end_matches([' ', '\t']);
    let body = content.trim_start_matches([' ', '\t']);
    let body_at = start + (content.len() - body.len());
    let col = |byte: usize| text[..byte].chars().count() + 1;
    let mut findings = Vec::new();

    let kind = if body.is_empty() {
        LineKind::Blank
    } else {
        if body_at > start {
            findings.push(Diagnostic::at(
                Code::LeadingWhitespace,
                number,
                col(start),
                body_at - start,
            ));
        }
        if body.starts_with('#') {
            LineKind::Comment
        } else if body.starts_with("<!--") {
            findings.push(Diagnostic::at(Code::HtmlComment, number, col(body_at), 4));
            LineKind::Invalid
        } else {
            classify_field(body, body_at, number, &col, &mut findings)
        }
    };
    if let LineKind::Field(_) = kind
        && body.chars().count() > MAX_FIELD_CHARS
    {
        findings.push(
            Diagnostic::line(Code::FieldTooLong, number).with_detail(format!(
                "the field is {} characters long",
                body.chars().count()
            )),
        );
    }
    doc.findings.extend(findings);
    doc.lines[i].kind = kind;
}

fn classify_field(
    body: &str,
    at: usize,
    number: usize,
    col: &dyn Fn(usize) -> usize,
    findings: &mut Vec<Diagnostic>,
) -> LineKind {
    let width = body.chars().count();
    let Some(colon) = body.find(':') else {
        findings.push(Diagnostic::at(Code::InvalidLine, number, col(at), width));
        return LineKind::Invalid;
    };
    let raw_name = &body[..colon];
    let name = raw_name.trim_end_matches([' ', '\t']);
    let after = &body[colon + 1..];
    if name.is_empty() {
        findings.push(Diagnostic::at(Code::EmptyKey, number, col(at), 1));
        return LineKind::Invalid;
    }
    if after.starts_with("//") && super::uri::scheme(body).is_some() {
        findings.push(
            Diagnostic::at(Code::InvalidLine, number, col(at), width)
                .with_detail("this is a bare URI; a field is written `Name: value`"),
        );
        return LineKind::Invalid;
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_graphic()) {
        let what = if c == ' ' || c == '\t' {
            "a field name cannot contain spaces".to_owned()
        } else {
            format!("`{c}` cannot appear in a field name")
        };
        findings.push(
            Diagnostic::at(
                Code::InvalidFieldName,
                number,
                col(at),
                name.chars().count(),
            )
            .with_detail(format!("{what}; `{name}` is not a field")),
        );
        return LineKind::Invalid;
    }
    if name.len() < raw_name.len() {
        findings.push(Diagnostic::at(
            Code::PrecWs,
            number,
            col(at + name.len()),
            raw_name.len() - name.len(),
        ));
    }
    let value = after.trim_start_matches([' ', '\t']);
    if value.is_empty() {
        findings.push(
            Diagnostic::at(Code::EmptyValue, number, col(at + colon), 1)
                .with_detail(format!("`{name}` has no value")),
        );
        return LineKind::Invalid;
    }
    if !after.starts_with(' ') {
        findings.push(Diagnostic::at(Code::NoSpace, number, col(at + colon), 1));
    }
    let value_at = at + colon + 1 + (after.len() - value.len());
    LineKind::Field(Field {
        name: at..at + name.len(),
        value: value_at..value_at + value.len(),
        known: FieldName::parse(name),
    })
}
