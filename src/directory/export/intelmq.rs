//! Entries as IntelMQ events: JSON Lines with IntelMQ's flat dotted keys, one event per domain
//! with a file, which its stock file collector and JSON parser take without a custom bot
//! (`../shared/research/formats.md` §1). `source.abuse_contact` holds the file's usable e-mail
//! addresses in the owner's order; everything IntelMQ has no field for goes under `extra.`
//! (keys matching IntelMQ's `^[a-z_][a-z_0-9]+(\.[a-z_0-9]+)*$`).

use super::{Export, ExportOptions};
use crate::directory::Entry;
use crate::format::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const DEFAULT_FEED_NAME: &str = "disclose security.txt directory";
pub const DEFAULT_FEED_PROVIDER: &str = "disclose";

/// An event, keys sorted.
pub type Event = BTreeMap<String, Value>;

/// The time form IntelMQ's DateTime accepts as valid as it is.
pub fn intelmq_time(t: Timestamp) -> String {
    let text = t.to_string();
    match text.strip_suffix('Z') {
        Some(base) => format!("{base}+00:00"),
        None => text,
    }
}

/// The event of an entry with a file; `None` without one.
pub fn event(entry: &Entry, options: &ExportOptions) -> Option<Event> {
    let file = entry.file.as_ref()?;
    let mut e = Event::new();
    let mut put = |key: &str, value: Value| {
        e.insert(key.to_owned(), value);
    };
    put("__type", json!("Event"));
    put("feed.name", json!(options.feed_name));
    put("feed.provider", json!(options.feed_provider));
    put("time.observation", json!(intelmq_time(entry.crawled)));
    put("time.source", json!(intelmq_time(entry.crawled)));
    put("classification.taxonomy", json!("other"));
    put("classification.type", json!("other"));
    put("classification.identifier", json!("security-txt"));
    if entry.domain.parse::<std::net::IpAddr>().is_err() {
        put("source.fqdn", json!(entry.domain));
    }
    if let Some(address) = &file.provenance.address {
        put("source.ip", json!(address));
    }
    if options.source_url {
        put("source.url", json!(file.provenance.final_url));
    }
    let emails: Vec<String> = entry.emails().map(str::to_lowercase).collect();
    if !emails.is_empty() {
        put("source.abuse_contact", json!(emails.join(",")));
    }
    let uris = |v: &[String]| json!(v);
    put(
        "extra.securitytxt_contact",
        json!(
            file.contacts
                .iter()
                .map(|c| c.uri.as_str())
                .collect::<Vec<_>>()
        ),
    );
    put("extra.securitytxt_policy", uris(&file.policy));
    put("extra.securitytxt_encryption", uris(&file.encryption));
    put("extra.securitytxt_canonical", uris(&file.canonical_urls));
    if let Some(expires) = file.expires {
        put("extra.securitytxt_expires", json!(intelmq_time(expires)));
    }
    if !file.preferred_languages.is_empty() {
        put(
            "extra.securitytxt_preferred_languages",
            json!(file.preferred_languages.join(", ")),
        );
    }
    put("extra.securitytxt_signature", json!(file.signature.verdict));
    put("extra.securitytxt_valid", json!(file.valid));
    put("extra.securitytxt_errors", json!(file.errors));
    put("extra.securitytxt_url", json!(file.provenance.final_url));
    if let Some(c) = entry.confidence {
        put("extra.disclose_confidence", json!(c.as_str()));
    }
    put("extra.disclose_run", json!(entry.run));
    if let Some(r) = &entry.registrable_domain {
        put("extra.registrable_domain", json!(r));
    }
    Some(e)
}

pub struct IntelmqExport {
    options: ExportOptions,
}

impl IntelmqExport {
    pub fn new(options: &ExportOptions) -> IntelmqExport {
        IntelmqExport {
            options: options.clone(),
        }
    }
}

impl Export for IntelmqExport {
    fn entry(&mut self, out: &mut dyn Write, entry: &Entry) -> io::Result<()> {
        if let Some(event) = event(entry, &self.options) {
            serde_json::to_writer(&mut *out, &event)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// True when `key` is a key IntelMQ accepts (`message.py`).
pub fn valid_key(key: &str) -> bool {
    let mut parts = key.split('.');
    let first = parts.next().unwrap_or("");
    let part_ok = |p: &str, first: bool| {
        let mut chars = p.chars();
        match chars.next() {
            Some(c) if c.is_ascii_lowercase() || c == '_' || (!first && c.is_ascii_digit()) => {}
            _ => return false,
        }
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    part_ok(first, true) && first.len() >= 2 && parts.all(|p| part_ok(p, false))
}

/// Makes a column name an IntelMQ key segment: lower case, every other character `_`.
pub fn key_segment(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_intelmqs_rule() {
        for key in [
            "source.fqdn",
            "extra.securitytxt_contact",
            "extra.input.source_fqdn",
            "__type",
        ] {
            assert!(valid_key(key), "{key}");
        }
        for key in ["extra.security-txt", "Source.fqdn", "x", "extra..a"] {
            assert!(!valid_key(key), "{key}");
        }
        assert_eq!(key_segment("Source FQDN"), "source_fqdn");
        assert_eq!(key_segment("2nd"), "_2nd");
        assert_eq!(
            intelmq_time(Timestamp::from_unix(0)),
            "1970-01-01T00:00:00+00:00"
        );
    }
}
