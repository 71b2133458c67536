//! The rows the directory reads: one domain's Record summed up from the derived tables (its
//! file, contacts in order, provenance), never from the Record's JSON. Plain values; what they
//! mean for a notifier (confidence, fallbacks) is the directory's business.

use super::derive::{split_contacts, split_lines};
use super::engine::Cells;
use crate::format::Timestamp;
use crate::record::{Independence, Location};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};

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

/// An entry from the columns of `ENTRY_SELECT`, naming its run from `runs`.
pub(crate) fn entry_from_cells(
    row: &dyn Cells,
    runs: &HashMap<i64, String>,
) -> Result<StoredEntry> {
    let text = |i: usize| -> Result<&str> { Ok(row.text(i)?.unwrap_or_default()) };
    let owned = |i: usize| -> Result<Option<String>> { Ok(row.text(i)?.map(str::to_owned)) };
    let required = |i: usize| -> Result<String> {
        row.text(i)?
            .map(str::to_owned)
            .with_context(|| format!("column {i} of an entry is empty"))
    };
    let int = |i: usize| -> Result<i64> {
        row.int(i)?
            .with_context(|| format!("column {i} of an entry is empty"))
    };
    let flag = |i: usize| -> Result<bool> { Ok(row.int(i)?.unwrap_or(0) != 0) };
    let lines = |i: usize| -> Result<Vec<String>> { Ok(split_lines(text(i)?)) };
    let file = if !flag(10)? {
        None
    } else {
        Some(StoredFile {
            requested_url: required(11)?,
            final_url: required(12)?,
            location: parse_location(text(13)?),
            redirects: lines(14)?,
            address: owned(15)?,
            sha256: required(16)?,
            valid: flag(17)?,
            errors: text(18)?
                .split(' ')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            expires: row.int(19)?.map(Timestamp::from_unix),
            signature: required(20)?,
            independence: row.text(21)?.and_then(parse_independence),
            signer: owned(22)?,
            key_sound: flag(23)?,
            canonical: required(24)?,
            canonical_urls: lines(33)?,
            contacts: split_contacts(text(32)?)
                .into_iter()
                .map(|(kind, valid, uri)| StoredContact { uri, kind, valid })
                .collect(),
            languages: lines(25)?,
            encryption: lines(26)?,
            policy: lines(27)?,
            acknowledgments: lines(28)?,
            hiring: lines(29)?,
            csaf: lines(30)?,
            bug_bounty: row.int(31)?.map(|b| b != 0),
        })
    };
    Ok(StoredEntry {
        record: int(0)?,
        run: {
            let id = int(1)?;
            runs.get(&id).cloned().unwrap_or_else(|| id.to_string())
        },
        domain: required(2)?,
        registrable_domain: owned(3)?,
        line: int(4)? as u64,
        started: Timestamp::from_unix(int(5)?),
        outcome: required(6)?,
        outcome_label: required(7)?,
        redirected_to: owned(9)?,
        tags: match row.text(8)? {
            Some(json) => serde_json::from_str(json).context("stored tags cannot be read")?,
            None => BTreeMap::new(),
        },
        file,
    })
}
