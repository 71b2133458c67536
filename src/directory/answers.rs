//! Writing lookup answers, one per feed line in feed order, with the feed's own columns kept:
//! CSV (the feed's columns, then `disclose_*` columns), JSON Lines or a JSON array (the answer
//! with `line` and `row`), or IntelMQ events (the feed's indicator as `source.*`, the contact as
//! `source.abuse_contact`, the feed's other columns under `extra.input.`). A writer renders each
//! entry's JSON once and reuses it in later answers that name the same entry.

use super::export::ExportOptions;
use super::export::csv::Rows;
use super::export::intelmq::{self, Event};
use super::lookup::{Answer, ItemKind, Match, Rule, Status};
use super::{Confidence, Entry};
use schemars::JsonSchema;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

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
    rendered: RenderedEntries,
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
            rendered: RenderedEntries::default(),
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
                self.rendered.render(&a.answer.matches)?;
                let answer = JsonAnswer::new(a, &self.header, &self.rendered);
                serde_json::to_writer(&mut *out, &answer)?;
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

/// The answer as JSON, with its feed line and the feed's columns: an `AnswerLine`, borrowed,
/// written with each entry's JSON as `RenderedEntries` keeps it. (Its fields are those of
/// `AnswerLine` in the same order; a test compares the two.)
struct JsonAnswer<'a> {
    line: u64,
    row: BTreeMap<&'a str, &'a str>,
    answer: &'a Answer,
    rendered: &'a RenderedEntries,
}

impl<'a> JsonAnswer<'a> {
    fn new(
        a: &'a Answered<'a>,
        header: &'a [String],
        rendered: &'a RenderedEntries,
    ) -> JsonAnswer<'a> {
        JsonAnswer {
            line: a.line,
            row: header
                .iter()
                .zip(a.cells)
                .map(|(h, c)| (h.as_str(), c.as_str()))
                .collect(),
            answer: a.answer,
            rendered,
        }
    }
}

impl Serialize for JsonAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Taken apart, so that a field added to `Answer` cannot be left out here unnoticed.
        let Answer {
            item,
            kind,
            host,
            address,
            status,
            crawled,
            matches,
            address_info,
            error,
        } = self.answer;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("line", &self.line)?;
        if !self.row.is_empty() {
            map.serialize_entry("row", &self.row)?;
        }
        map.serialize_entry("item", item)?;
        map.serialize_entry("kind", kind)?;
        map.serialize_entry("host", host)?;
        map.serialize_entry("address", address)?;
        map.serialize_entry("status", status)?;
        map.serialize_entry("crawled", crawled)?;
        map.serialize_entry(
            "matches",
            &RenderedMatches {
                matches,
                rendered: self.rendered,
            },
        )?;
        map.serialize_entry("address_info", address_info)?;
        map.serialize_entry("error", error)?;
        map.end()
    }
}

/// An answer's matches, each entry's JSON taken as it was rendered.
struct RenderedMatches<'a> {
    matches: &'a [Match],
    rendered: &'a RenderedEntries,
}

impl Serialize for RenderedMatches<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.matches.len()))?;
        for m in self.matches {
            let Match {
                rule,
                domain,
                confidence,
                entry,
            } = m;
            let rendered = self.rendered.get(entry);
            seq.serialize_element(&RenderedMatch {
                rule,
                domain,
                confidence,
                entry: rendered,
                unrendered: entry,
            })?;
        }
        seq.end()
    }
}

struct RenderedMatch<'a> {
    rule: &'a Rule,
    domain: &'a str,
    confidence: &'a Confidence,
    entry: Option<&'a RawValue>,
    unrendered: &'a Entry,
}

impl Serialize for RenderedMatch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("rule", self.rule)?;
        map.serialize_entry("domain", self.domain)?;
        map.serialize_entry("confidence", self.confidence)?;
        match self.entry {
            Some(raw) => map.serialize_entry("entry", raw)?,
            None => map.serialize_entry("entry", self.unrendered)?,
        }
        map.end()
    }
}

/// The JSON of the entries a thread's answers name, rendered once per entry. A shared address's
/// ten entries recur in every answer for it (a third of a feed's JSON in the benchmark), and a
/// host a feed names many times (a phishing feed's URLs on one host) recurs too; the resolver
/// hands out the same `Arc<Entry>` each time. Keyed by the entry's allocation, which the cache
/// keeps alive (it holds the `Arc`) so that no other entry can come to have that address.
struct RenderedEntries {
    by_entry: HashMap<usize, (Arc<Entry>, Box<RawValue>)>,
    /// Entries kept at most: `RENDERED_ENTRIES`, less in a test.
    limit: usize,
}

impl Default for RenderedEntries {
    fn default() -> RenderedEntries {
        RenderedEntries {
            by_entry: HashMap::new(),
            limit: RENDERED_ENTRIES,
        }
    }
}

/// Entries rendered at most; then the cache starts again, so that a long feed's memory stays
/// bounded (each is about 1.5 KB of JSON and its entry).
const RENDERED_ENTRIES: usize = 4_096;

impl RenderedEntries {
    fn key(entry: &Arc<Entry>) -> usize {
        Arc::as_ptr(entry) as usize
    }

    /// Renders the entries of `matches` not yet rendered.
    fn render(&mut self, matches: &[Match]) -> serde_json::Result<()> {
        for m in matches {
            let key = RenderedEntries::key(&m.entry);
            if self.by_entry.contains_key(&key) {
                continue;
            }
            if self.by_entry.len() >= self.limit {
                self.by_entry.clear();
            }
            let raw = serde_json::value::to_raw_value(&*m.entry)?;
            self.by_entry.insert(key, (Arc::clone(&m.entry), raw));
        }
        Ok(())
    }

    fn get(&self, entry: &Arc<Entry>) -> Option<&RawValue> {
        self.by_entry
            .get(&RenderedEntries::key(entry))
            .map(|(_, raw)| &**raw)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An address's answer with three matches: one entry twice (the same `Arc`), then another.
    fn address_answer() -> Answer {
        let line = r#"{"line":1,"item":"192.0.2.1","kind":"address","host":null,"address":"192.0.2.1","status":"address","crawled":null,"matches":[{"rule":"address","domain":"a.example","confidence":"valid","entry":{"domain":"a.example","registrable_domain":"a.example","tags":{},"run":"lab","crawled":"2026-12-01T13:02:50Z","outcome":"found","confidence":"valid","file":{"contacts":[{"uri":"mailto:security@a.example","kind":"email","email":"security@a.example","platform":null,"valid":true}],"preferred_languages":["en"],"encryption":[],"policy":[],"acknowledgments":[],"hiring":[],"csaf":[],"bug_bounty":null,"expires":"2027-05-30T13:02:48Z","expired":false,"days_to_expiry":179,"valid":true,"errors":[],"signature":{"verdict":"unsigned","independence":null,"signer":null},"canonical":"match","canonical_urls":["https://a.example/.well-known/security.txt"],"provenance":{"requested_url":"https://a.example/.well-known/security.txt","final_url":"https://a.example/.well-known/security.txt","redirects":[],"address":"192.0.2.1","location":"well_known","sha256":"7e6addf8ecabf444be86b5a2e81926109215aa4d8ad0900772febd6980b02a7e"}}}}],"address_info":{"domains":3,"shared":false},"error":null}"#;
        let mut answer = serde_json::from_str::<AnswerLine>(line).unwrap().answer;
        let first = answer.matches[0].clone();
        let mut other = (*first.entry).clone();
        other.domain = "b.example".into();
        answer.matches.push(first);
        answer.matches.push(Match {
            domain: "b.example".into(),
            entry: Arc::new(other),
            ..answer.matches[0].clone()
        });
        answer
    }

    fn jsonl(writer: &mut AnswerWriter, answer: &Answer, cells: &[String]) -> String {
        let mut out = Vec::new();
        let answered = Answered {
            line: 7,
            cells,
            answer,
        };
        writer.render(&mut out, &answered).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The JSON written with entries rendered once is what `AnswerLine`'s own serialisation
    /// writes, for an entry rendered before, for one the cache let go of in the middle of an
    /// answer, and with the feed's columns.
    #[test]
    fn answers_with_rendered_entries_are_written_as_answer_lines() {
        let answer = address_answer();
        let header = vec!["source.ip".to_owned(), "note".to_owned()];
        let cells = vec!["192.0.2.1".to_owned(), "=1+1".to_owned()];
        let expected = serde_json::to_string(&AnswerLine {
            line: 7,
            row: header.iter().cloned().zip(cells.iter().cloned()).collect(),
            answer: answer.clone(),
        })
        .unwrap()
            + "\n";
        for limit in [RENDERED_ENTRIES, 1] {
            let mut writer = AnswerWriter::new(
                AnswerFormat::Jsonl,
                header.clone(),
                ExportOptions::default(),
            );
            writer.rendered.limit = limit;
            assert_eq!(
                jsonl(&mut writer, &answer, &cells),
                expected,
                "limit {limit}"
            );
            assert_eq!(
                jsonl(&mut writer, &answer, &cells),
                expected,
                "limit {limit}"
            );
        }
        let plain = serde_json::to_string(&AnswerLine {
            line: 7,
            row: BTreeMap::new(),
            answer: answer.clone(),
        })
        .unwrap()
            + "\n";
        let mut writer = AnswerWriter::new(AnswerFormat::Jsonl, vec![], ExportOptions::default());
        assert_eq!(jsonl(&mut writer, &answer, &[]), plain);
    }
}
