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
pub mod large_rsa;
pub mod verify;

use crate::format::{Diagnostic, Document, Fields, Timestamp, uri};
use keys::{KeyFinder, KeyRequest};

// The verdict shapes are part of the Record, the contract between crawling and what comes after;
// they live there so that the contract imports nothing that computes it.
pub use crate::record::{Independence, KeySource, KeySourceKind, Verdict};

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
    verify_file_within(doc, fields, finder, file_url, now, None).await
}

/// `verify_file`, looking for keys only until `deadline` (the domain's time budget).
pub async fn verify_file_within(
    doc: &Document,
    fields: &Fields,
    finder: &KeyFinder,
    file_url: Option<&str>,
    now: Timestamp,
    deadline: Option<std::time::Instant>,
) -> Verification {
    if !doc.is_signed() {
        return Verification {
            verdict: Verdict::Unsigned,
            diagnostics: vec![],
        };
    }
    // A `Hash:` header that does not match the signature: GnuPG refuses to check it ("signature
    // digest conflict"), and so does disclose.
    if let Some(conflict) = doc
        .findings
        .iter()
        .find(|d| d.code == crate::format::Code::HashHeaderMismatch)
    {
        return Verification {
            verdict: Verdict::Malformed {
                reason: format!(
                    "{}; GnuPG refuses to check such a signature",
                    conflict
                        .detail
                        .as_deref()
                        .unwrap_or("the `Hash:` header is wrong")
                ),
            },
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
        deadline,
    };
    let found = finder.find(&request).await;
    let verdict = verify::verdict(doc, &signatures, &found.candidates, found.tried, now);
    let diagnostics = findings::findings(&verdict, fields, &found.unreachable);
    Verification {
        verdict,
        diagnostics,
    }
}
