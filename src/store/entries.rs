//! The rows the directory reads: one domain's Record summed up from the derived tables (its
//! file, contacts in order, provenance), never from the Record's JSON. Plain values; what they
//! mean for a notifier (confidence, fallbacks) is the directory's business.

use crate::format::Timestamp;
use crate::record::{Independence, Location};
use std::collections::BTreeMap;

/// One Record as the directory sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub record: i64,
    /// The name of the run the Record belongs to.
    pub run: String,
    pub domain: String,
    pub registrable_domain: Option<String>,
    pub line: u64,
    /// When the domain was crawled.
    pub started: Timestamp,
    /// The outcome class (`found`, `http_status`, …) and with its detail (`http_status 404`).
    pub outcome: String,
    pub outcome_label: String,
    /// Another host the domain's redirects led to (for a file, or for the last failed attempt).
    pub redirected_to: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub file: Option<StoredFile>,
}

/// The file a Record found, as derived when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    pub requested_url: String,
    pub final_url: String,
    pub location: Location,
    /// The URLs asked before the final one (the redirect chain), in order.
    pub redirects: Vec<String>,
    pub address: Option<String>,
    pub sha256: String,
    /// No error when it was crawled.
    pub valid: bool,
    /// The error codes when it was crawled.
    pub errors: Vec<String>,
    pub expires: Option<Timestamp>,
    /// The signature verdict's name (`unsigned`, `verified`, `bad_signature`, `no_key`, `malformed`).
    pub signature: String,
    pub independence: Option<Independence>,
    /// The fingerprint of the certificate that verified the signature.
    pub signer: Option<String>,
    /// The verifying key was neither revoked nor already expired when it signed.
    pub key_sound: bool,
    /// How Canonical relates to the URLs: `absent`, `match`, `partial`, `mismatch`.
    pub canonical: String,
    pub canonical_urls: Vec<String>,
    pub contacts: Vec<StoredContact>,
    pub languages: Vec<String>,
    pub encryption: Vec<String>,
    pub policy: Vec<String>,
    pub acknowledgments: Vec<String>,
    pub hiring: Vec<String>,
    pub csaf: Vec<String>,
    pub bug_bounty: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    pub uri: String,
    /// `email`, `web`, `phone` or `other`.
    pub kind: String,
    /// No error concerns the value.
    pub valid: bool,
}

/// Which Records a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The Records of one run.
    Run(i64),
    /// The latest Record of each domain, across runs.
    Latest,
}

pub(crate) fn parse_location(text: &str) -> Location {
    match text {
        "legacy" => Location::Legacy,
        "given" => Location::Given,
        _ => Location::WellKnown,
    }
}

pub(crate) fn parse_independence(text: &str) -> Option<Independence> {
    Some(match text {
        "pinned" => Independence::Pinned,
        "independent" => Independence::Independent,
        "same_origin" => Independence::SameOrigin,
        "third_party" => Independence::ThirdParty,
        _ => return None,
    })
}
