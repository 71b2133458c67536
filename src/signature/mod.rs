//! OpenPGP cleartext signatures, verified for real with sequoia-openpgp: the verdict for a file
//! (`verify`), where keys come from and how far they can be trusted (`keys`), and the findings a
//! verdict adds to a file's diagnostics (`findings`).
//!
//! Verification works on the format engine's reading of the file: the canonical signed text
//! (`Document::signed_text`) is checked against each signature with each candidate key whose
//! fingerprint matches an issuer of the signature. So the text that verifies is exactly the text
//! the fields were read from, whatever the file's line endings or envelope quirks.

pub mod findings;
pub mod keys;
pub mod verify;

use crate::format::{Diagnostic, Document, Fields, Timestamp, uri};
use keys::{KeyFinder, KeyRequest};
use serde::{Deserialize, Serialize};

/// Where a key came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySource {
    pub kind: KeySourceKind,
    /// The file, URL, DNS name or keyserver query the key came from.
    pub location: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySourceKind {
    /// A keyring file the user gave (`--keyring`).
    Keyring,
    /// An https URL named in the file's `Encryption` field.
    Https,
    /// An OPENPGPKEY record (RFC 7929), named by a `dns:` URI in `Encryption`.
    Dns,
    /// The Web Key Directory of a `mailto:` Contact's domain.
    Wkd,
    /// A keyserver, asked for an `openpgp4fpr:` fingerprint (`--keyserver`).
    Keyserver,
}

/// How independent a key's source is from the server that served the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Independence {
    /// From the user's own keyring: the user decided to trust it.
    Pinned,
    /// From DNS or another host of the same registrable domain: an attacker who changed the file
    /// would have to control that too.
    Independent,
    /// From the host that served the file: proves the file is intact, not who wrote it.
    SameOrigin,
    /// From a keyserver or another organisation's host.
    ThirdParty,
}

/// The verdict on a file's signature.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The file has no cleartext signature.
    #[default]
    Unsigned,
    /// A signature verifies with a key whose fingerprint it names.
    Verified {
        /// The fingerprint of the (sub)key that made the signature.
        fingerprint: String,
        /// The fingerprint of the certificate it belongs to.
        certificate: String,
        key_source: KeySource,
        independence: Independence,
        signed_at: Option<Timestamp>,
        /// The key has expired by now.
        key_expired: bool,
        /// The key had already expired when the signature was made.
        key_expired_at_signing: bool,
        /// The key or its certificate is revoked (now).
        key_revoked: bool,
        /// The key or its certificate was already revoked when the signature was made.
        key_revoked_at_signing: bool,
        /// When the key expires, if it does.
        key_expires: Option<Timestamp>,
    },
    /// A key named by the signature was found, and the signature does not match the signed text:
    /// the text was changed after signing.
    BadSignature {
        fingerprint: String,
        key_source: KeySource,
        reason: String,
    },
    /// No key matching the signature's issuers was found.
    NoKey {
        /// The issuer fingerprints (or key IDs) the signatures name.
        issuers: Vec<String>,
        /// The places keys were looked for.
        tried: Vec<String>,
    },
    /// The signature block cannot be read as OpenPGP signatures.
    Malformed { reason: String },
}

impl Verdict {
    /// The snake_case name of the verdict.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Unsigned => "unsigned",
            Verdict::Verified { .. } => "verified",
            Verdict::BadSignature { .. } => "bad_signature",
            Verdict::NoKey { .. } => "no_key",
            Verdict::Malformed { .. } => "malformed",
        }
    }
}

/// A file's signature verdict and the findings it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub verdict: Verdict,
    pub diagnostics: Vec<Diagnostic>,
}

/// Verifies a parsed file's signature: looks for the keys its signatures name with `finder`
/// (guided by the file's Encryption URIs and e-mail contacts), checks the signatures, and says
/// what that means for the file. `file_url` is where the file was served from, if it was.
pub async fn verify_file(
    doc: &Document,
    fields: &Fields,
    finder: &KeyFinder,
    file_url: Option<&str>,
    now: Timestamp,
) -> Verification {
    if !doc.is_signed() {
        return Verification {
            verdict: Verdict::Unsigned,
            diagnostics: vec![],
        };
    }
    let signatures = match verify::signatures(doc) {
        Ok(s) => s,
        Err(reason) => {
            return Verification {
                verdict: Verdict::Malformed { reason },
                diagnostics: vec![],
            };
        }
    };
    let issuers = verify::issuers(&signatures);
    let encryption: Vec<String> = fields.encryption.iter().map(|e| e.uri.clone()).collect();
    let emails: Vec<String> = fields
        .contact
        .iter()
        .filter_map(|c| uri::parse(&c.uri).ok().filter(|u| u.scheme_is("mailto")))
        .filter_map(|u| uri::check_mailto(&u).ok())
        .flatten()
        .collect();
    let request = KeyRequest {
        issuers: &issuers,
        encryption: &encryption,
        emails: &emails,
        file_url,
    };
    let found = finder.find(&request).await;
    let verdict = verify::verdict(doc, &signatures, &found.candidates, found.tried, now);
    let diagnostics = findings::findings(&verdict, fields, &found.unreachable);
    Verification {
        verdict,
        diagnostics,
    }
}
