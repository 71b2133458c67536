//! The result of checking one security.txt file, shown to people (compiler-style findings with
//! the offending line and a caret) and to programs (one JSON object per file).
//!
//! Used by `disclose check`; anything from the file passes through `escape::for_terminal` before
//! it is written.

use crate::escape::for_terminal;
use crate::format::parse::Envelope;
use crate::format::{Checked, Diagnostic, Level};
use crate::signature::{Independence, Verdict};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::{self, Write};

/// The styles of the human output; plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    error: Style,
    recommendation: Style,
    notification: Style,
    emphasis: Style,
    gutter: Style,
}

impl Styles {
    pub fn colored() -> Styles {
        let bold = Style::new().bold();
        Styles {
            error: bold.fg_color(Some(AnsiColor::Red.into())),
            recommendation: bold.fg_color(Some(AnsiColor::Yellow.into())),
            notification: bold.fg_color(Some(AnsiColor::Cyan.into())),
            emphasis: bold,
            gutter: bold.fg_color(Some(AnsiColor::Blue.into())),
        }
    }

    pub fn plain() -> Styles {
        let p = Style::new();
        Styles {
            error: p,
            recommendation: p,
            notification: p,
            emphasis: p,
            gutter: p,
        }
    }

    fn level(&self, level: Level) -> Style {
        match level {
            Level::Error => self.error,
            Level::Recommendation => self.recommendation,
            Level::Notification => self.notification,
        }
    }
}

/// How the summary line describes a signature verdict.
fn describe_verdict(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Unsigned => String::new(),
        Verdict::Verified {
            fingerprint,
            key_source,
            independence,
            ..
        } => format!(
            " (signature verified: key {fingerprint}, {} from {}, {})",
            format!("{:?}", key_source.kind).to_lowercase(),
            for_terminal(&key_source.location),
            match independence {
                Independence::Pinned => "pinned",
                Independence::Independent => "independent of the web server",
                Independence::SameOrigin => "same origin as the file",
                Independence::ThirdParty => "third party",
            }
        ),
        Verdict::BadSignature { .. } => {
            " (signature: BAD, the text was changed after signing)".into()
        }
        Verdict::NoKey { .. } => " (signed; the key was not found, so not verified)".into(),
        Verdict::Malformed { .. } => " (signed; the signature cannot be checked)".into(),
    }
}

/// Writes every finding about `checked` like a compiler would (errors and line findings first;
/// advice about the whole file, such as `not_signed`, after them), then, for a valid file, what a
/// reader takes from it (contacts in order, expiry as of `now`), and a summary line with the
/// signature verdict.
pub fn write_human(
    out: &mut dyn Write,
    source: &str,
    checked: &Checked,
    verdict: &Verdict,
    now: crate::format::Timestamp,
    styles: Styles,
) -> io::Result<()> {
    let source = for_terminal(source);
    let doc = &checked.document;
    let number_width = doc.lines.len().max(1).to_string().len();
    let pad = " ".repeat(number_width);
    let g = styles.gutter;
    let mut ordered: Vec<&Diagnostic> = checked.report.diagnostics.iter().collect();
    ordered.sort_by_key(|d| d.line.is_none() && d.level() != Level::Error);
    for d in ordered {
        let level = d.level();
        let ls = styles.level(level);
        let e = styles.emphasis;
        writeln!(
            out,
            "{ls}{level}[{code}]{ls:#}{e}: {msg}{e:#}",
            code = d.code,
            msg = d.message()
        )?;
        match (d.line, d.column) {
            (Some(line), Some(col)) => writeln!(out, "{pad}{g}-->{g:#} {source}:{line}:{col}")?,
            (Some(line), None) => writeln!(out, "{pad}{g}-->{g:#} {source}:{line}")?,
            _ => writeln!(out, "{pad}{g}-->{g:#} {source}")?,
        }
        if let Some(line) = d.line.and_then(|n| doc.lines.get(n - 1)) {
            let text = doc.line_text(line);
            writeln!(out, "{pad} {g}|{g:#}")?;
            writeln!(
                out,
                "{g}{:>number_width$} |{g:#} {}",
                line.number,
                for_terminal(text)
            )?;
            if let Some(col) = d.column {
                let (indent, width) = caret_span(text, col, d.width);
                writeln!(
                    out,
                    "{pad} {g}|{g:#} {}{ls}{}{ls:#}",
                    " ".repeat(indent),
                    "^".repeat(width)
                )?;
            }
        }
        if let Some(detail) = &d.detail {
            writeln!(
                out,
                "{pad} {g}={g:#} {e}note{e:#}: {}",
                for_terminal(detail)
            )?;
        }
        let entry = d.code.entry();
        writeln!(out, "{pad} {g}={g:#} {e}help{e:#}: {}", entry.hint)?;
        writeln!(out, "{pad} {g}={g:#} {e}see{e:#}: {}", entry.reference)?;
        writeln!(out)?;
    }
    let report = &checked.report;
    if report.is_valid() {
        write_summary(out, &report.fields, now, styles)?;
    }
    let validity = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    let vs = if report.is_valid() {
        styles.emphasis
    } else {
        styles.error
    };
    writeln!(
        out,
        "{source}: {vs}{validity}{vs:#}: {}, {}, {}{}",
        plural(report.count(Level::Error), "error"),
        plural(report.count(Level::Recommendation), "recommendation"),
        plural(report.count(Level::Notification), "notification"),
        describe_verdict(verdict)
    )
}

/// What a reader takes from a valid file: its contacts in order, and when it expires.
fn write_summary(
    out: &mut dyn Write,
    fields: &crate::format::Fields,
    now: crate::format::Timestamp,
    styles: Styles,
) -> io::Result<()> {
    let e = styles.emphasis;
    for (i, c) in fields.contact.iter().enumerate() {
        let label = if i == 0 { "contacts:" } else { "" };
        let preferred = if i == 0 && fields.contact.len() > 1 {
            " (preferred)"
        } else {
            ""
        };
        writeln!(
            out,
            "{e}{label:<10}{e:#} {}. {}{preferred}",
            i + 1,
            for_terminal(&c.uri)
        )?;
    }
    if let Some(ts) = fields.expires.as_ref().and_then(|x| x.timestamp) {
        let days = (ts.unix() - now.unix()).div_euclid(86_400);
        writeln!(out, "{e}{:<10}{e:#} {ts}, in {days} days", "expires:")?;
    }
    if !fields.preferred_languages.is_empty() {
        writeln!(
            out,
            "{e}{:<10}{e:#} {}",
            "languages:",
            for_terminal(&fields.preferred_languages.join(", "))
        )?;
    }
    Ok(())
}

/// Where the caret goes under an escaped line: the escaped width of the text before `column`,
/// and of the `width` characters from it.
fn caret_span(text: &str, column: usize, width: usize) -> (usize, usize) {
    let start = text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let end = text[start..]
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(i, _)| start + i);
    let indent = for_terminal(&text[..start]).chars().count();
    let width = for_terminal(&text[start..end]).chars().count().max(1);
    (indent, width)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The JSON form of one checked file (one line of `disclose check --json`).
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub file: &'a str,
    pub valid: bool,
    pub signed: bool,
    pub errors: usize,
    pub recommendations: usize,
    pub notifications: usize,
    #[serde(serialize_with = "crate::format::diagnostic::serialize_full")]
    pub diagnostics: &'a [Diagnostic],
    pub fields: &'a crate::format::Fields,
    pub envelope: Option<JsonEnvelope<'a>>,
    pub signature: &'a Verdict,
}

/// What the signature envelope says, before any verification.
#[derive(Debug, Serialize)]
pub struct JsonEnvelope<'a> {
    pub header_line: usize,
    pub hash_algorithms: &'a [String],
    pub signatures: &'a [crate::format::armor::SignatureInfo],
}

impl<'a> JsonReport<'a> {
    pub fn new(file: &'a str, checked: &'a Checked, signature: &'a Verdict) -> JsonReport<'a> {
        let report = &checked.report;
        JsonReport {
            file,
            valid: report.is_valid(),
            signed: checked.document.is_signed(),
            errors: report.count(Level::Error),
            recommendations: report.count(Level::Recommendation),
            notifications: report.count(Level::Notification),
            diagnostics: &report.diagnostics,
            fields: &report.fields,
            envelope: checked
                .document
                .envelope
                .as_ref()
                .map(|e: &'a Envelope| JsonEnvelope {
                    header_line: e.header_line,
                    hash_algorithms: &e.hash_algorithms,
                    signatures: &e.signatures,
                }),
            signature,
        }
    }
}

/// A Record as `disclose check --json` prints it: the stored form, with each finding's catalogue
/// text (level, message, hint, reference) written out as for a local file.
pub fn record_json(record: &crate::record::Record) -> serde_json::Value {
    let mut value = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    if let Some(file) = &record.file {
        let full: Vec<_> = file
            .diagnostics
            .iter()
            .map(crate::format::diagnostic::Full)
            .collect();
        value["file"]["diagnostics"] = serde_json::to_value(full).unwrap_or_default();
    }
    value
}

/// Writes what the crawl of one domain found: each attempt with its hops, then the file's
/// findings as `write_human` shows them, under the URL that served it.
pub fn write_record_human(
    out: &mut dyn Write,
    record: &crate::record::Record,
    now: crate::format::Timestamp,
    styles: Styles,
) -> io::Result<()> {
    let e = styles.emphasis;
    for attempt in &record.attempts {
        let retry = if attempt.try_number > 1 {
            format!(" (try {})", attempt.try_number)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{e}{}{e:#}{retry}: {}",
            for_terminal(&attempt.url),
            attempt.outcome.label()
        )?;
        for hop in &attempt.hops {
            let status = hop.status.map_or("---".to_owned(), |s| s.to_string());
            let address = hop.address.map(|a| a.to_string()).unwrap_or_default();
            let mut line = format!("  {status} {} {address}", for_terminal(&hop.url));
            if let Some(location) = &hop.location {
                line.push_str(&format!(" -> {}", for_terminal(location)));
            }
            if hop.cross_site {
                line.push_str(" [other site]");
            }
            writeln!(out, "{line}")?;
        }
        if let Some(detail) = outcome_detail(&attempt.outcome) {
            writeln!(out, "  {}", for_terminal(&detail))?;
        }
    }
    match &record.file {
        Some(file) => {
            writeln!(out)?;
            let ctx = crate::format::Context {
                now,
                requested_url: Some(file.requested_url.clone()),
                final_url: Some(file.final_url.clone()),
                http: Some(crate::format::HttpContext {
                    content_type: file.content_type.clone(),
                    legacy_location: file.location == crate::record::Location::Legacy,
                }),
            };
            // The document for showing lines; the findings as recorded (signature ones included).
            let mut checked = crate::format::check(&file.bytes, &ctx);
            checked.report.diagnostics = file.diagnostics.clone();
            write_human(out, &file.final_url, &checked, &file.signature, now, styles)
        }
        None => {
            writeln!(
                out,
                "{}: {}no security.txt file{:#}: {}",
                record.domain,
                styles.error,
                styles.error,
                record.outcome.label()
            )?;
            write_what_to_do(out, record, now, styles)
        }
    }
}

/// For a domain without a file, what its owner can do about it.
fn write_what_to_do(
    out: &mut dyn Write,
    record: &crate::record::Record,
    now: crate::format::Timestamp,
    styles: Styles,
) -> io::Result<()> {
    use crate::record::Outcome;
    let e = styles.emphasis;
    let domain = &record.domain;
    let help = match &record.outcome {
        Outcome::DnsNxdomain => format!(
            "`{domain}` does not exist in DNS: check the name, or publish the file on the host people know"
        ),
        Outcome::DnsNoAddress | Outcome::DnsServfail | Outcome::DnsTimeout => format!(
            "`{domain}` has no usable address in DNS (A or AAAA): the file must be served on the host itself"
        ),
        Outcome::BlockedAddress { .. } => format!(
            "`{domain}` resolves only to private or reserved addresses, which the internet cannot reach"
        ),
        Outcome::ConnectRefused | Outcome::ConnectTimeout | Outcome::Timeout => format!(
            "nothing answered on https://{domain}/ (port 443): the file must be served over HTTPS"
        ),
        Outcome::TlsError { .. } => {
            "fix the certificate: readers refuse a file from a host whose certificate they cannot verify"
                .to_owned()
        }
        _ => String::new(),
    };
    if !help.is_empty() {
        writeln!(out, "  = {e}help{e:#}: {}", for_terminal(&help))?;
        return Ok(());
    }
    let next_year = now.add_days(300).to_string();
    writeln!(
        out,
        "  = {e}help{e:#}: publish the file at https://{domain}/.well-known/security.txt, served as \
         `text/plain; charset=utf-8`; the smallest valid one is:"
    )?;
    writeln!(out, "      Contact: mailto:security@{domain}")?;
    writeln!(out, "      Expires: {next_year}")?;
    writeln!(
        out,
        "  = {e}see{e:#}: RFC 9116 §3 (location), §2.5.3 (Contact), §2.5.5 (Expires, less than a year ahead)"
    )
}

/// The explanation an outcome carries, if any.
fn outcome_detail(outcome: &crate::record::Outcome) -> Option<String> {
    use crate::record::Outcome;
    match outcome {
        Outcome::TlsError { detail, .. }
        | Outcome::RedirectError { detail, .. }
        | Outcome::ConnectionError { detail } => Some(detail.clone()),
        Outcome::Soft404 { reason } => Some(reason.clone()),
        Outcome::TooLarge {
            limit,
            content_length,
        } => Some(match content_length {
            Some(n) => format!("the body is {n} bytes; the limit is {limit}"),
            None => format!("the body is larger than the limit of {limit} bytes"),
        }),
        Outcome::BlockedAddress { addresses } => Some(format!(
            "not a public address: {}",
            addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_lands_under_the_escaped_column() {
        assert_eq!(caret_span("Contact: http://x", 10, 4), (9, 4));
        // A tab before the column is shown as two characters.
        assert_eq!(caret_span("Contact:\thttp://x", 10, 4), (10, 4));
        // Past the end of the line (a missing final newline is reported there).
        assert_eq!(caret_span("abc", 4, 1), (3, 1));
    }
}
