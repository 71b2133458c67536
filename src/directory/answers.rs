//! Writing lookup answers, one per feed line in feed order, with the feed's own columns kept:
//! CSV (the feed's columns, then `disclose_*` columns), JSON Lines or a JSON array (the answer
//! with `line` and `row`), or IntelMQ events (the feed's indicator as `source.*`, the contact as
//! `source.abuse_contact`, the feed's other columns under `extra.input.`).

use super::export::ExportOptions;
use super::export::csv::Rows;
use super::export::intelmq::{self, Event};
use super::lookup::{Answer, ItemKind, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The formats of `disclose lookup` besides the terminal table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFormat {
    Csv,
    Json,
    Jsonl,
    Intelmq,
}

/// One feed line and its answer.
pub struct Answered<'a> {
    pub line: u64,
    /// The feed's cells for a delimited feed (empty for plain lines).
    pub cells: &'a [String],
    pub answer: &'a Answer,
}

/// The columns `disclose lookup --format csv` adds after the feed's.
pub const CSV_COLUMNS: &[&str] = &[
    "line",
    "item",
    "status",
    "rule",
    "domain",
    "confidence",
    "contact",
    "contacts",
    "emails",
    "preferred_languages",
    "encryption",
    "expires",
    "security_txt",
    "outcome",
    "crawled",
    "run",
    "address_domains",
    "note",
];

/// Writes answers in a format.
pub struct AnswerWriter {
    format: AnswerFormat,
    header: Vec<String>,
    options: ExportOptions,
    rows: Rows,
    first: bool,
}

impl AnswerWriter {
    /// `header` is the feed's header (empty for plain lines).
    pub fn new(format: AnswerFormat, header: Vec<String>, options: ExportOptions) -> AnswerWriter {
        AnswerWriter {
            format,
            rows: Rows::new(options.excel),
            header,
            options,
            first: true,
        }
    }

    pub fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.format {
            AnswerFormat::Csv => {
                if self.options.excel {
                    out.write_all(b"\xEF\xBB\xBF")?;
                }
                let prefix = if self.header.is_empty() {
                    ""
                } else {
                    "disclose_"
                };
                let mut header = self.header.clone();
                header.extend(CSV_COLUMNS.iter().map(|c| format!("{prefix}{c}")));
                self.rows.row(&header)?;
                self.rows.flush_to(out)
            }
            AnswerFormat::Json => out.write_all(b"["),
            _ => Ok(()),
        }
    }

    pub fn answer(&mut self, out: &mut dyn Write, a: &Answered<'_>) -> io::Result<()> {
        self.separate(out)?;
        self.render(out, a)
    }

    /// What goes before an answer: in a JSON array, the comma after the one before.
    pub fn separate(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == AnswerFormat::Json {
            out.write_all(if self.first { b"\n" } else { b",\n" })?;
        }
        self.first = false;
        Ok(())
    }

    /// An answer by itself, without what `separate` writes: a writer of its own per thread can
    /// render answers in parallel, and one writer puts them together.
    pub fn render(&mut self, out: &mut dyn Write, a: &Answered<'_>) -> io::Result<()> {
        match self.format {
            AnswerFormat::Csv => {
                let mut row: Vec<String> =
                    Vec::with_capacity(self.header.len() + CSV_COLUMNS.len());
                if !self.header.is_empty() {
                    row.extend(
                        (0..self.header.len()).map(|i| a.cells.get(i).cloned().unwrap_or_default()),
                    );
                }
                row.extend(csv_cells(a));
                self.rows.row(&row)?;
                self.rows.flush_to(out)
            }
            AnswerFormat::Json | AnswerFormat::Jsonl => {
                serde_json::to_writer(&mut *out, &JsonAnswer::new(a, &self.header))?;
                if self.format == AnswerFormat::Jsonl {
                    out.write_all(b"\n")?;
                }
                Ok(())
            }
            AnswerFormat::Intelmq => {
                serde_json::to_writer(&mut *out, &intelmq_event(a, &self.header, &self.options))?;
                out.write_all(b"\n")
            }
        }
    }

    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == AnswerFormat::Json {
            out.write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    }
}

/// One line of `disclose lookup --format jsonl`, as a reader gets it back
/// (`docs/schemas/lookup-answer.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnswerLine {
    /// The feed line (or argument) the item came from.
    pub line: u64,
    /// The feed's columns, by header name (absent for plain lines).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub row: BTreeMap<String, String>,
    #[serde(flatten)]
    pub answer: Answer,
}

/// The answer as JSON, with its feed line and the feed's columns (an `AnswerLine`, borrowed).
#[derive(Serialize)]
struct JsonAnswer<'a> {
    line: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    row: BTreeMap<&'a str, &'a str>,
    #[serde(flatten)]
    answer: &'a Answer,
}

impl<'a> JsonAnswer<'a> {
    fn new(a: &'a Answered<'a>, header: &'a [String]) -> JsonAnswer<'a> {
        JsonAnswer {
            line: a.line,
            row: header
                .iter()
                .zip(a.cells)
                .map(|(h, c)| (h.as_str(), c.as_str()))
                .collect(),
            answer: a.answer,
        }
    }
}

/// A sentence about the answer for people reading the CSV.
pub fn note(answer: &Answer) -> String {
    let own = || match &answer.crawled {
        Some(c) => format!("crawled, no usable file of its own ({})", c.outcome),
        None => "not crawled".to_owned(),
    };
    match answer.status {
        Status::Found => String::new(),
        Status::Fallback => {
            let m = answer.best().expect("a fallback has a match");
            format!(
                "{}; inherited from {} ({}): RFC 9116 gives a file only its own host",
                own(),
                m.domain,
                m.rule.as_str()
            )
        }
        Status::NoFile | Status::NotCrawled => own(),
        Status::NoUsableContact => {
            "its file has no usable contact (or none at the confidence asked for)".to_owned()
        }
        Status::Address => match &answer.address_info {
            Some(info) if info.shared => format!(
                "shared address: {} crawled domains resolve to it; the hoster's abuse contact may be the better channel",
                info.domains
            ),
            Some(info) => format!("{} crawled domains resolve to it", info.domains),
            None => String::new(),
        },
        Status::UnknownAddress => "no crawled domain resolves to this address".to_owned(),
        Status::Invalid => answer.error.clone().unwrap_or_default(),
    }
}

fn csv_cells(a: &Answered<'_>) -> Vec<String> {
    let answer = a.answer;
    let best = answer.best();
    let entry = best.map(|m| &m.entry);
    let file = entry.and_then(|e| e.file.as_ref());
    let contacts: Vec<&str> = entry
        .map(|e| e.usable_contacts().map(|c| c.uri.as_str()).collect())
        .unwrap_or_default();
    vec![
        a.line.to_string(),
        answer.item.clone(),
        answer.status.as_str().to_owned(),
        best.map(|m| m.rule.as_str().to_owned()).unwrap_or_default(),
        best.map(|m| m.domain.clone()).unwrap_or_default(),
        best.map(|m| m.confidence.to_string()).unwrap_or_default(),
        contacts
            .first()
            .map(|c| (*c).to_owned())
            .unwrap_or_default(),
        contacts.join(" "),
        entry
            .map(|e| e.emails().collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        file.map(|f| f.preferred_languages.join(", "))
            .unwrap_or_default(),
        file.map(|f| f.encryption.join(" ")).unwrap_or_default(),
        file.and_then(|f| f.expires)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        file.map(|f| f.provenance.final_url.clone())
            .unwrap_or_default(),
        answer
            .crawled
            .as_ref()
            .map(|c| c.outcome.clone())
            .unwrap_or_else(|| {
                if answer.host.is_some() {
                    "not crawled".to_owned()
                } else {
                    String::new()
                }
            }),
        answer
            .crawled
            .as_ref()
            .map(|c| c.crawled.to_string())
            .unwrap_or_default(),
        entry
            .map(|e| e.run.clone())
            .or_else(|| answer.crawled.as_ref().map(|c| c.run.clone()))
            .unwrap_or_default(),
        answer
            .address_info
            .as_ref()
            .map(|i| i.domains.to_string())
            .unwrap_or_default(),
        note(answer),
    ]
}

/// The IntelMQ event for a feed line: the best match's event, with the feed's indicator as
/// `source.*` and the lookup's findings under `extra.disclose_*`.
fn intelmq_event(a: &Answered<'_>, header: &[String], options: &ExportOptions) -> Event {
    let answer = a.answer;
    let mut event = match answer.best() {
        Some(m) => intelmq::event(&m.entry, options).unwrap_or_default(),
        None => Event::new(),
    };
    // The event describes the feed's indicator, not the file: the file's own URL and address
    // stay as `extra.securitytxt_url`.
    event.remove("source.url");
    event.remove("source.ip");
    event.remove("source.fqdn");
    let mut put = |key: &str, value: Value| {
        event.insert(key.to_owned(), value);
    };
    put("__type", json!("Event"));
    put("feed.name", json!(options.feed_name));
    put("feed.provider", json!(options.feed_provider));
    put("classification.taxonomy", json!("other"));
    put("classification.type", json!("other"));
    put("classification.identifier", json!("security-txt"));
    if let Some(host) = &answer.host {
        put("source.fqdn", json!(host));
    }
    if let Some(address) = &answer.address {
        put("source.ip", json!(address));
    }
    if answer.kind == Some(ItemKind::Url)
        && let Ok(url) = url::Url::parse(&super::lookup::refang(&answer.item))
    {
        put("source.url", json!(url.as_str()));
    }
    put("extra.disclose_item", json!(answer.item));
    put("extra.disclose_line", json!(a.line));
    put("extra.disclose_status", json!(answer.status.as_str()));
    if let Some(m) = answer.best() {
        put("extra.disclose_rule", json!(m.rule.as_str()));
        put("extra.disclose_domain", json!(m.domain));
        put("extra.disclose_confidence", json!(m.confidence.as_str()));
    }
    if let Some(c) = &answer.crawled {
        put("extra.disclose_outcome", json!(c.outcome));
    }
    if let Some(info) = &answer.address_info {
        put("extra.disclose_address_domains", json!(info.domains));
        put("extra.disclose_shared_address", json!(info.shared));
    }
    for (name, cell) in header.iter().zip(a.cells) {
        if !cell.is_empty() {
            put(
                &format!("extra.input.{}", intelmq::key_segment(name)),
                json!(cell),
            );
        }
    }
    event
}
