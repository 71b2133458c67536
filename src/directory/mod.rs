//! The security-contact directory: what a notification team reads out of the store. An `Entry`
//! is one domain's crawl as a directory entry (contacts in the owner's order, provenance,
//! validity, signature) with a `Confidence` judged when the directory is read (`confidence`).
//! `lookup` answers a threat feed's hosts, URLs, e-mail addresses and IP addresses with labelled
//! fallbacks; `export` writes the directory in the formats pipelines take. Never touches the
//! network (`lookup --crawl-missing` crawls through `crawl` before it answers).

pub mod answers;
pub mod confidence;
pub mod export;
pub mod feed;
pub mod lookup;
pub mod platform;

use crate::format::{Timestamp, uri};
use crate::record::{Independence, Location};
use crate::store::entries::{StoredContact, StoredEntry};
pub use confidence::Confidence;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One domain in the directory: its latest (or chosen run's) crawl, and the file it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The domain crawled: lower-case ASCII, IDNs in their `xn--` form.
    pub domain: String,
    /// Its registrable domain (public suffix + 1), when it has one.
    pub registrable_domain: Option<String>,
    /// The input's extra columns (`organisation`, `sector`, …).
    pub tags: BTreeMap<String, String>,
    /// The run the Record belongs to.
    pub run: String,
    /// When the domain was crawled (RFC 3339, UTC).
    #[schemars(with = "String")]
    pub crawled: Timestamp,
    /// `found`, or why there is no file: the outcome with its detail (`http_status 404`,
    /// `dns_nxdomain`, `tls_error expired`, …).
    pub outcome: String,
    /// How far to trust the contacts, judged at the time the directory was read; `null` when
    /// the domain has no file.
    pub confidence: Option<Confidence>,
    /// The file found; `null` when there is none.
    pub file: Option<EntryFile>,
}

/// The file of an entry: what it says, whether it holds, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryFile {
    /// Contact values in file order: the first is the owner's preferred one (RFC 9116 §2.5.3).
    pub contacts: Vec<EntryContact>,
    /// Preferred-Languages, as written.
    pub preferred_languages: Vec<String>,
    /// Encryption URIs (where to find the key to encrypt a report with).
    pub encryption: Vec<String>,
    /// Policy URIs.
    pub policy: Vec<String>,
    pub acknowledgments: Vec<String>,
    pub hiring: Vec<String>,
    pub csaf: Vec<String>,
    /// `Bug-Bounty: True` or `False`, else `null`.
    pub bug_bounty: Option<bool>,
    /// The Expires date, when it is a valid date-time.
    #[schemars(with = "Option<String>")]
    pub expires: Option<Timestamp>,
    /// Expires has passed at the time the directory was read.
    pub expired: bool,
    /// Whole days from the time of reading to Expires (negative once it has passed).
    pub days_to_expiry: Option<i64>,
    /// No error holds at the time of reading (the crawl's errors, with `expired` judged anew).
    pub valid: bool,
    /// The error codes that hold at the time of reading (`disclose explain CODE`).
    pub errors: Vec<String>,
    pub signature: EntrySignature,
    /// How the Canonical field relates to the URLs: `absent`, `match` (it lists the URL asked
    /// for), `partial` (only the final URL after redirects), `mismatch` (neither).
    pub canonical: String,
    /// The Canonical URIs, as written.
    pub canonical_urls: Vec<String>,
    pub provenance: Provenance,
}

/// One contact, as the file lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryContact {
    /// The URI as written in the file.
    pub uri: String,
    /// `email`, `web`, `phone` or `other`.
    pub kind: String,
    /// For an e-mail contact, the address (percent-decoded, without `mailto:`).
    pub email: Option<String>,
    /// For a web contact on a bug-bounty or disclosure platform, its name (`HackerOne`, …).
    pub platform: Option<String>,
    /// No error concerns the value: it can be used.
    pub valid: bool,
}

/// The file's signature, as verified when it was crawled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntrySignature {
    /// `unsigned`, `verified`, `bad_signature`, `no_key` or `malformed`.
    pub verdict: String,
    /// For a verified signature, where the key came from relative to the file: `pinned`,
    /// `independent`, `same_origin` or `third_party`.
    pub independence: Option<Independence>,
    /// For a verified signature, the fingerprint of the signer's certificate.
    pub signer: Option<String>,
}

/// Where the file came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The URL asked for.
    pub requested_url: String,
    /// The URL that served the file, after redirects.
    pub final_url: String,
    /// The URLs asked before the final one, in order (empty without redirects).
    pub redirects: Vec<String>,
    /// The address the file was fetched from.
    pub address: Option<String>,
    /// `well_known` (`/.well-known/security.txt`) or `legacy` (`/security.txt`).
    pub location: Location,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
}

fn email_of(contact: &StoredContact) -> Option<String> {
    if contact.kind != "email" {
        return None;
    }
    let parsed = uri::parse(&contact.uri).ok()?;
    if !parsed.scheme_is("mailto") {
        return None;
    }
    uri::check_mailto(&parsed).ok()?.into_iter().next()
}

impl Entry {
    /// The entry of a stored Record, judged at `now`.
    pub fn from_stored(stored: StoredEntry, now: Timestamp) -> Entry {
        let (file, confidence) = match stored.file {
            None => (None, None),
            Some(f) => {
                let expired = f.expires.is_some_and(|e| e < now);
                let mut errors: Vec<String> =
                    f.errors.into_iter().filter(|c| c != "expired").collect();
                if expired {
                    errors.push("expired".to_owned());
                }
                let contacts: Vec<EntryContact> = f
                    .contacts
                    .iter()
                    .map(|c| EntryContact {
                        email: email_of(c),
                        platform: (c.kind == "web")
                            .then(|| platform::platform(&c.uri))
                            .flatten()
                            .map(str::to_owned),
                        uri: c.uri.clone(),
                        kind: c.kind.clone(),
                        valid: c.valid,
                    })
                    .collect();
                let confidence = confidence::judge(&confidence::Evidence {
                    usable_contacts: contacts.iter().filter(|c| c.valid).count(),
                    location: f.location,
                    expired,
                    errors: &errors,
                    canonical: &f.canonical,
                    signature: &f.signature,
                    independence: f.independence,
                    key_sound: f.key_sound,
                });
                let file = EntryFile {
                    contacts,
                    preferred_languages: f.languages,
                    encryption: f.encryption,
                    policy: f.policy,
                    acknowledgments: f.acknowledgments,
                    hiring: f.hiring,
                    csaf: f.csaf,
                    bug_bounty: f.bug_bounty,
                    expires: f.expires,
                    expired,
                    days_to_expiry: f
                        .expires
                        .map(|e| (e.unix() - now.unix()).div_euclid(86_400)),
                    valid: errors.is_empty(),
                    errors,
                    signature: EntrySignature {
                        verdict: f.signature,
                        independence: f.independence,
                        signer: f.signer,
                    },
                    canonical: f.canonical,
                    canonical_urls: f.canonical_urls,
                    provenance: Provenance {
                        requested_url: f.requested_url,
                        final_url: f.final_url,
                        redirects: f.redirects,
                        address: f.address,
                        location: f.location,
                        sha256: f.sha256,
                    },
                };
                (Some(file), Some(confidence))
            }
        };
        Entry {
            domain: stored.domain,
            registrable_domain: stored.registrable_domain,
            tags: stored.tags,
            run: stored.run,
            crawled: stored.started,
            outcome: stored.outcome_label,
            confidence,
            file,
        }
    }

    /// The contacts a notifier can use, in the owner's order.
    pub fn usable_contacts(&self) -> impl Iterator<Item = &EntryContact> {
        self.file
            .iter()
            .flat_map(|f| f.contacts.iter().filter(|c| c.valid))
    }

    /// The e-mail addresses of the usable contacts, in order.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.usable_contacts().filter_map(|c| c.email.as_deref())
    }
}

/// Which entries a reader wants (shared by `lookup` and `export`).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries whose Record has each of these tags.
    pub tags: Vec<(String, String)>,
    /// Only entries at least this trustworthy.
    pub min_confidence: Option<Confidence>,
    /// Only entries whose file is valid at the time of reading.
    pub valid_only: bool,
}

impl Filter {
    pub fn admits(&self, entry: &Entry) -> bool {
        self.admits_judged(entry, entry.confidence)
    }

    /// `admits`, with the entry found at `confidence` (a fallback is `inherited`, whatever the
    /// file's own).
    pub fn admits_at(&self, entry: &Entry, confidence: Confidence) -> bool {
        self.admits_judged(entry, Some(confidence))
    }

    fn admits_judged(&self, entry: &Entry, confidence: Option<Confidence>) -> bool {
        self.tags
            .iter()
            .all(|(k, v)| entry.tags.get(k).is_some_and(|have| have == v))
            && self
                .min_confidence
                .is_none_or(|min| confidence.is_some_and(|c| c.at_least(min)))
            && (!self.valid_only || entry.file.as_ref().is_some_and(|f| f.valid))
    }
}

/// The JSON Schemas of what the directory writes, by file name under `docs/schemas/`: an
/// `Entry` (`export --format json|jsonl`), a lookup answer line (`lookup --format
/// json|jsonl`), and the disclose.io program list (`export --format disclose-io`).
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    let value = |s: schemars::Schema| serde_json::to_value(s).unwrap_or_default();
    vec![
        ("entry.schema.json", value(schemars::schema_for!(Entry))),
        (
            "lookup-answer.schema.json",
            value(schemars::schema_for!(answers::AnswerLine)),
        ),
        (
            "disclose-io.schema.json",
            value(schemars::schema_for!(Vec<export::disclose_io::Program>)),
        ),
    ]
}
