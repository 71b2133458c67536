//! What the store derives from a Record when it writes it: the rows of the indexed tables
//! (`schema.rs`). Engine-neutral: plain values, no SQL.

use crate::format::Code;
use crate::record::{Location, Outcome, Record, Verdict};
use std::net::IpAddr;

/// The derived rows of one Record.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub started: i64,
    pub outcome_label: String,
    /// The other host the last attempt's redirects led to.
    pub redirected_to: Option<String>,
    pub tags: Option<String>,
    pub file: Option<FileRow>,
    pub contacts: Vec<ContactRow>,
    pub addresses: Vec<String>,
    pub certificate: Option<CertificateRow>,
    /// The certificates presented after that leaf, in the order sent.
    pub chain: Vec<CertificateRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub requested_url: String,
    pub final_url: String,
    pub location: &'static str,
    pub redirects: String,
    pub address: Option<String>,
    pub sha256: String,
    pub size: i64,
    pub content_type: Option<String>,
    pub valid: bool,
    pub errors: String,
    pub expires: Option<i64>,
    pub signature: &'static str,
    pub independence: Option<&'static str>,
    pub signer: Option<String>,
    pub key_sound: bool,
    pub canonical: &'static str,
    pub canonical_urls: String,
    /// The contacts in order, one per line: kind, valid (`0`/`1`) and URI, tab-separated.
    pub contact_list: String,
    pub languages: String,
    pub encryption: String,
    pub policy: String,
    pub acknowledgments: String,
    pub hiring: String,
    pub csaf: String,
    pub bug_bounty: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub position: i64,
    pub uri: String,
    pub kind: &'static str,
    pub valid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
}

/// Lists of values are stored one per line: a field value is one line of a file, so it cannot
/// hold a line feed (one in a Record made some other way is stored as a space).
pub fn join_lines<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for v in values {
        if !out.is_empty() {
            out.push('\n');
        }
        push_line(&mut out, v);
    }
    out
}

fn push_line(out: &mut String, value: &str) {
    if value.contains('\n') {
        out.push_str(&value.replace('\n', " "));
    } else {
        out.push_str(value);
    }
}

pub fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        vec![]
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

pub fn location_name(location: Location) -> &'static str {
    match location {
        Location::WellKnown => "well_known",
        Location::Legacy => "legacy",
        Location::Given => "given",
    }
}

fn host_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    Some(match url.host()? {
        url::Host::Domain(d) => d.to_ascii_lowercase(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    })
}

fn independence_name(i: crate::record::Independence) -> &'static str {
    use crate::record::Independence;
    match i {
        Independence::Pinned => "pinned",
        Independence::Independent => "independent",
        Independence::SameOrigin => "same_origin",
        Independence::ThirdParty => "third_party",
    }
}

/// The rows derived from `record`.
pub fn derive(record: &Record) -> Derived {
    let own_host = |url: &str| host_of(url).is_some_and(|h| h == record.domain);
    let mut addresses: Vec<IpAddr> = Vec::new();
    let mut certificate = None;
    let mut chain = Vec::new();
    for attempt in &record.attempts {
        for hop in &attempt.hops {
            if !own_host(&hop.url) {
                continue;
            }
            if let Some(a) = hop.address
                && !addresses.contains(&a)
            {
                addresses.push(a);
            }
            if certificate.is_none()
                && let Some(c) = &hop.certificate
            {
                certificate = Some(certificate_row(c));
                chain = hop.chain.iter().map(certificate_row).collect();
            }
        }
        if let Outcome::BlockedAddress { addresses: blocked } = &attempt.outcome
            && attempt.hops.first().is_some_and(|h| own_host(&h.url))
        {
            for a in blocked {
                if !addresses.contains(a) {
                    addresses.push(*a);
                }
            }
        }
    }

    let (file, contacts) = match &record.file {
        None => (None, vec![]),
        Some(f) => {
            let hops = record
                .attempts
                .last()
                .map(|a| a.hops.as_slice())
                .unwrap_or_default();
            let redirects = join_lines(
                hops.iter()
                    .take(hops.len().saturating_sub(1))
                    .map(|h| h.url.as_str()),
            );
            let errors: Vec<&str> = f
                .diagnostics
                .iter()
                .filter(|d| d.level() == crate::format::Level::Error)
                .map(|d| d.code.as_str())
                .collect();
            let has = |code: Code| f.diagnostics.iter().any(|d| d.code == code);
            let canonical = if has(Code::NoCanonicalMatch) {
                "mismatch"
            } else if has(Code::CanonicalPartialMatch) {
                "partial"
            } else if f.fields.canonical.is_empty() {
                "absent"
            } else {
                "match"
            };
            let (independence, signer, key_sound) = match &f.signature {
                Verdict::Verified {
                    certificate,
                    independence,
                    key_revoked,
                    key_expired_at_signing,
                    ..
                } => (
                    Some(independence_name(*independence)),
                    Some(certificate.clone()),
                    *key_revoked == Some(false) && *key_expired_at_signing == Some(false),
                ),
                _ => (None, None, false),
            };
            let uris = |values: &[crate::format::validate::UriValue]| {
                join_lines(values.iter().map(|v| v.uri.as_str()))
            };
            let fields = &f.fields;
            let mut contact_list = String::new();
            for c in &fields.contact {
                if !contact_list.is_empty() {
                    contact_list.push('\n');
                }
                contact_list.push_str(contact_kind_name(c.kind));
                contact_list.push_str(if c.valid { "\t1\t" } else { "\t0\t" });
                push_line(&mut contact_list, &c.uri);
            }
            let file = FileRow {
                requested_url: f.requested_url.clone(),
                final_url: f.final_url.clone(),
                location: location_name(f.location),
                redirects,
                address: hops.last().and_then(|h| h.address).map(|a| a.to_string()),
                sha256: f.sha256.clone(),
                size: f.size as i64,
                content_type: f.content_type.clone(),
                valid: f.valid,
                errors: errors.join(" "),
                expires: fields
                    .expires
                    .as_ref()
                    .and_then(|e| e.timestamp)
                    .map(|t| t.unix()),
                signature: f.signature.name(),
                independence,
                signer,
                key_sound,
                canonical,
                canonical_urls: uris(&fields.canonical),
                contact_list,
                languages: join_lines(fields.preferred_languages.iter().map(String::as_str)),
                encryption: uris(&fields.encryption),
                policy: uris(&fields.policy),
                acknowledgments: uris(&fields.acknowledgments),
                hiring: uris(&fields.hiring),
                csaf: uris(&fields.csaf),
                bug_bounty: fields.bug_bounty,
            };
            let contacts = fields
                .contact
                .iter()
                .enumerate()
                .map(|(i, c)| ContactRow {
                    position: i as i64 + 1,
                    uri: c.uri.clone(),
                    kind: contact_kind_name(c.kind),
                    valid: c.valid,
                })
                .collect();
            (Some(file), contacts)
        }
    };
    let redirected_to = record
        .attempts
        .last()
        .and_then(|a| a.hops.last())
        .and_then(|h| host_of(&h.url))
        .filter(|h| *h != record.domain);
    Derived {
        started: record.started.unix(),
        redirected_to,
        outcome_label: record.outcome.label(),
        tags: (!record.tags.is_empty())
            .then(|| serde_json::to_string(&record.tags).unwrap_or_default()),
        file,
        contacts,
        addresses: addresses.iter().map(IpAddr::to_string).collect(),
        certificate,
        chain,
    }
}

fn certificate_row(c: &crate::record::Certificate) -> CertificateRow {
    CertificateRow {
        sha256: c.sha256.clone(),
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        not_before: c.not_before.map(|t| t.unix()),
        not_after: c.not_after.map(|t| t.unix()),
    }
}

pub fn contact_kind_name(kind: crate::format::validate::ContactKind) -> &'static str {
    use crate::format::validate::ContactKind;
    match kind {
        ContactKind::Email => "email",
        ContactKind::Web => "web",
        ContactKind::Phone => "phone",
        ContactKind::Other => "other",
    }
}

/// Reads a `contact_list` back: (kind, valid, URI) in order. A URI may hold a tab; it is last.
pub fn split_contacts(text: &str) -> Vec<(String, bool, String)> {
    split_lines(text)
        .into_iter()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let kind = parts.next()?.to_owned();
            let valid = parts.next()? == "1";
            let uri = parts.next()?.to_owned();
            Some((kind, valid, uri))
        })
        .collect()
}
