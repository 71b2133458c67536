//! `Record`: what a crawl learned about one domain, and the one contract between crawling and
//! everything after it (store, lookup, export, report, lab comparison). Serialisable with serde;
//! `RECORD_VERSION` changes whenever a field changes meaning or disappears.
//!
//! Behaviour lives elsewhere: this module only defines the shapes.

use crate::format::{Diagnostic, Fields, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The version of the `Record` shape written by this build. Version 3 stores each finding without
/// the catalogue's text for its code (level, message, hint, reference); versions 1 and 2 are
/// read as they are (version 1 had no `file.signature`).
pub const RECORD_VERSION: u32 = 3;

/// One domain's way through the crawl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// `disclose <version>` that wrote the record.
    pub tool: String,
    /// The domain as crawled: lower-case ASCII (IDNs in their xn-- form), no trailing dot.
    pub domain: String,
    /// The registrable domain (public suffix + 1), when the name has one.
    pub registrable_domain: Option<String>,
    /// Where the domain came from: the input line number (1-based).
    pub line: u64,
    /// Extra columns of a CSV input (`organisation`, `sector`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub started: Timestamp,
    pub duration_ms: u64,
    /// The outcome that sums the domain up: `found` when a file was found, else the outcome of
    /// the last attempt at `/.well-known/security.txt`.
    pub outcome: Outcome,
    /// Every attempt in order, retries included.
    pub attempts: Vec<Attempt>,
    /// The chosen file, when one was found.
    pub file: Option<FoundFile>,
}

/// Which of the two standard locations an attempt asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// `/.well-known/security.txt` (RFC 9116 §3).
    WellKnown,
    /// `/security.txt`, allowed for legacy compatibility.
    Legacy,
    /// A URL someone gave to check (`disclose check https://host/staging/security.txt`).
    Given,
}

impl Location {
    /// The path asked for at a domain's location (a given URL has its own).
    pub fn path(self) -> &'static str {
        match self {
            Location::WellKnown | Location::Given => "/.well-known/security.txt",
            Location::Legacy => "/security.txt",
        }
    }
}

/// One request for one location, with the redirects it followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub location: Location,
    /// 1 for the first try, 2 for the first retry, …
    pub try_number: u32,
    pub url: String,
    /// Milliseconds after the record's start.
    pub started_ms: u64,
    pub duration_ms: u64,
    pub outcome: Outcome,
    /// Every request made, the first one included: URL, address, status.
    pub hops: Vec<Hop>,
}

/// One HTTP request of an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    pub url: String,
    /// The address connected to (or that would have been, for a blocked one).
    pub address: Option<IpAddr>,
    /// The status, when the server answered.
    pub status: Option<u16>,
    /// The `Location` header of a redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The hop's host is in another registrable domain than the crawled domain.
    pub cross_site: bool,
    /// The certificate the server presented (its leaf), when the handshake succeeded or failed
    /// on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    /// The certificates the server sent after its leaf (intermediates, sometimes a root), in
    /// the order sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Certificate>,
}

/// What a server's leaf certificate says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub names: Vec<String>,
    pub not_before: Option<Timestamp>,
    pub not_after: Option<Timestamp>,
    /// SHA-256 of the DER encoding, lower-case hex.
    pub sha256: String,
    /// The serial number, lower-case hex (older Records lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The public key: `RSA 2048`, `EC 256`, `Ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// How a fetch attempt ended: exactly one class per attempt (DESIGN.md, "The outcome model").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Outcome {
    DnsNxdomain,
    DnsNoAddress,
    DnsServfail,
    DnsTimeout,
    /// The name resolved only to addresses the crawler may not contact.
    BlockedAddress {
        addresses: Vec<IpAddr>,
    },
    ConnectRefused,
    ConnectTimeout,
    TlsError {
        reason: TlsReason,
        detail: String,
    },
    /// The server accepted the connection but did not answer in time.
    Timeout,
    HttpStatus {
        status: u16,
    },
    /// Status 200, but an HTML page (or a redirect to one) instead of a file.
    // snake_case alone would make it `soft404`; the class is `soft_404` everywhere else. Stores
    // written before the fix still hold `soft404`.
    #[serde(rename = "soft_404", alias = "soft404")]
    Soft404 {
        reason: String,
    },
    /// The body is larger than the cap; it was not read beyond it.
    TooLarge {
        limit: u64,
        content_length: Option<u64>,
    },
    RedirectError {
        reason: RedirectReason,
        detail: String,
    },
    /// Anything else that went wrong on the connection (reset, protocol error), with its text.
    ConnectionError {
        detail: String,
    },
    Found,
}

impl Outcome {
    /// The snake_case class name, as serialised.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::DnsNxdomain => "dns_nxdomain",
            Outcome::DnsNoAddress => "dns_no_address",
            Outcome::DnsServfail => "dns_servfail",
            Outcome::DnsTimeout => "dns_timeout",
            Outcome::BlockedAddress { .. } => "blocked_address",
            Outcome::ConnectRefused => "connect_refused",
            Outcome::ConnectTimeout => "connect_timeout",
            Outcome::TlsError { .. } => "tls_error",
            Outcome::Timeout => "timeout",
            Outcome::HttpStatus { .. } => "http_status",
            Outcome::Soft404 { .. } => "soft_404",
            Outcome::TooLarge { .. } => "too_large",
            Outcome::RedirectError { .. } => "redirect_error",
            Outcome::ConnectionError { .. } => "connection_error",
            Outcome::Found => "found",
        }
    }

    /// The class with its most telling detail: `http_status 404`, `tls_error expired`.
    pub fn label(&self) -> String {
        match self {
            Outcome::HttpStatus { status } => format!("http_status {status}"),
            Outcome::TlsError { reason, .. } => format!("tls_error {}", reason.as_str()),
            Outcome::RedirectError { reason, .. } => format!("redirect_error {}", reason.as_str()),
            other => other.class().to_owned(),
        }
    }

    /// Failures worth another try: they may not happen again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Outcome::Timeout
                | Outcome::ConnectTimeout
                | Outcome::DnsTimeout
                | Outcome::ConnectionError { .. }
                | Outcome::HttpStatus {
                    status: 429 | 502 | 503 | 504
                }
        )
    }

    /// Worth crawling again in a later run (`crawl --retry-failed`): what failed on the way
    /// (DNS errors and silence, connections, TLS, time, 429 and 5xx answers), as opposed to a
    /// server's definite answer (a file, 404, a soft 404, NXDOMAIN, an address disclose may not
    /// contact). By class and label, as the store keeps them.
    pub fn retry_later(class: &str, label: &str) -> bool {
        match class {
            "dns_servfail" | "dns_timeout" | "connect_refused" | "connect_timeout"
            | "tls_error" | "timeout" | "connection_error" => true,
            "http_status" => label
                .strip_prefix("http_status ")
                .and_then(|s| s.parse::<u16>().ok())
                .is_some_and(|s| s == 429 || s >= 500),
            _ => false,
        }
    }

    /// The server answered over HTTP (so another path on it is worth asking for).
    pub fn server_answered(&self) -> bool {
        Outcome::class_answered(self.class())
    }

    /// `server_answered`, by class as the store keeps it.
    pub fn class_answered(class: &str) -> bool {
        matches!(
            class,
            "http_status" | "soft_404" | "too_large" | "redirect_error"
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsReason {
    Expired,
    NotYetValid,
    UnknownIssuer,
    NameMismatch,
    /// Any other failure of the handshake (protocol versions, alerts, bad certificates).
    Handshake,
}

impl TlsReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsReason::Expired => "expired",
            TlsReason::NotYetValid => "not_yet_valid",
            TlsReason::UnknownIssuer => "unknown_issuer",
            TlsReason::NameMismatch => "name_mismatch",
            TlsReason::Handshake => "handshake",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectReason {
    Loop,
    TooMany,
    /// A redirect from https to plain http.
    Downgrade,
    /// A missing or unusable `Location`, or a scheme other than https.
    BadLocation,
    /// A URL naming a port other than 443 (and those `--allow-ports` allows): not fetched.
    Port,
}

impl RedirectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectReason::Loop => "loop",
            RedirectReason::TooMany => "too_many",
            RedirectReason::Downgrade => "downgrade",
            RedirectReason::BadLocation => "bad_location",
            RedirectReason::Port => "port",
        }
    }
}

/// The file a domain serves, with what the validator found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundFile {
    /// The URL asked for (`https://DOMAIN/.well-known/security.txt` or the legacy one).
    pub requested_url: String,
    /// The URL that served the file, after redirects.
    pub final_url: String,
    pub location: Location,
    pub content_type: Option<String>,
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// The bytes as served (base64 in JSON).
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
    /// No error-level finding.
    pub valid: bool,
    /// An OpenPGP cleartext envelope was found.
    pub signed: bool,
    /// Validator and signature findings together.
    pub diagnostics: Vec<Diagnostic>,
    pub fields: Fields,
    /// The signature verdict (version 2; absent in version 1 Records, read as `unsigned`).
    #[serde(default)]
    pub signature: Verdict,
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
        /// The key has expired by now. `null` (here and in the next three) when the key's life
        /// could not be evaluated: its self-signatures could not be verified.
        key_expired: Option<bool>,
        /// The key had already expired when the signature was made.
        key_expired_at_signing: Option<bool>,
        /// The key or its certificate is revoked (now).
        key_revoked: Option<bool>,
        /// The key or its certificate was already revoked when the signature was made.
        key_revoked_at_signing: Option<bool>,
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

/// Bytes as a base64 string, so that a Record stays readable JSON.
mod base64_bytes {
    use crate::format::armor::{decode_base64, encode_base64};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode_base64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        decode_base64(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_with_their_class() {
        let json = serde_json::to_string(&Outcome::HttpStatus { status: 404 }).unwrap();
        assert_eq!(json, r#"{"class":"http_status","status":404}"#);
        let back: Outcome = serde_json::from_str(&json).unwrap();
        assert_eq!(back.class(), "http_status");
        assert_eq!(back.label(), "http_status 404");
        assert!(Outcome::HttpStatus { status: 503 }.is_transient());
        assert!(!Outcome::HttpStatus { status: 404 }.is_transient());
    }

    #[test]
    fn every_outcome_serialises_with_the_class_the_store_and_reports_use() {
        let every = [
            Outcome::DnsNxdomain,
            Outcome::DnsNoAddress,
            Outcome::DnsServfail,
            Outcome::DnsTimeout,
            Outcome::BlockedAddress { addresses: vec![] },
            Outcome::ConnectRefused,
            Outcome::ConnectTimeout,
            Outcome::TlsError {
                reason: TlsReason::Expired,
                detail: String::new(),
            },
            Outcome::Timeout,
            Outcome::HttpStatus { status: 404 },
            Outcome::Soft404 {
                reason: String::new(),
            },
            Outcome::TooLarge {
                limit: 1,
                content_length: None,
            },
            Outcome::RedirectError {
                reason: RedirectReason::Loop,
                detail: String::new(),
            },
            Outcome::ConnectionError {
                detail: String::new(),
            },
            Outcome::Found,
        ];
        for outcome in every {
            let json: serde_json::Value = serde_json::to_value(&outcome).unwrap();
            assert_eq!(json["class"], outcome.class(), "{outcome:?}");
            let back: Outcome = serde_json::from_value(json).unwrap();
            assert_eq!(back, outcome);
        }
        let old: Outcome = serde_json::from_str(r#"{"class":"soft404","reason":"r"}"#).unwrap();
        assert_eq!(old.class(), "soft_404");
    }

    #[test]
    fn file_bytes_round_trip_as_base64() {
        #[derive(Serialize, Deserialize)]
        struct Wrap(#[serde(with = "base64_bytes")] Vec<u8>);
        for bytes in [
            &b""[..],
            b"a",
            b"ab",
            b"abc",
            b"Contact: mailto:a@b.c\n\xff",
        ] {
            let json = serde_json::to_string(&Wrap(bytes.to_vec())).unwrap();
            let back: Wrap = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0, bytes);
        }
    }
}
