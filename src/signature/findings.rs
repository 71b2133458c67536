//! The findings a signature verdict adds to a file's diagnostics: a bad signature, a key not
//! found, an expired or revoked key, an Expires beyond the key's life, unreachable Encryption
//! keys. Pure: the verdict and what discovery met are passed in.

use super::Verdict;
use super::keys::Unreachable;
use crate::format::{Code, Diagnostic, Fields};

pub fn findings(
    verdict: &Verdict,
    fields: &Fields,
    unreachable: &[Unreachable],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match verdict {
        Verdict::BadSignature {
            fingerprint,
            key_source,
            reason,
        } => out.push(Diagnostic::file(Code::BadSignature).with_detail(format!(
            "key {fingerprint} (from {}) does not verify the signed text: {reason}",
            key_source.location
        ))),
        Verdict::NoKey { issuers, tried } => {
            let looked = if tried.is_empty() {
                "no key source was given (use --keyring, or check the domain to look for keys online)".to_owned()
            } else {
                format!("looked in: {}", tried.join("; "))
            };
            out.push(
                Diagnostic::file(Code::SigningKeyNotFound).with_detail(format!(
                    "the signature names {}; {looked}",
                    if issuers.is_empty() {
                        "no issuer".to_owned()
                    } else {
                        issuers.join(", ")
                    }
                )),
            );
        }
        Verdict::Verified {
            fingerprint,
            key_expired,
            key_expired_at_signing,
            key_revoked,
            key_revoked_at_signing,
            key_expires,
            ..
        } => {
            if key_expired.is_none() {
                out.push(Diagnostic::file(Code::SigningKeyUnevaluated).with_detail(format!(
                    "the self-signatures of key {fingerprint} could not be verified, so whether it has expired or been revoked is unknown"
                )));
            }
            let (key_expired, key_expired_at_signing) = (
                key_expired.unwrap_or(false),
                key_expired_at_signing.unwrap_or(false),
            );
            let (key_revoked, key_revoked_at_signing) = (
                key_revoked.unwrap_or(false),
                key_revoked_at_signing.unwrap_or(false),
            );
            if key_expired || key_expired_at_signing {
                let when = match key_expires {
                    Some(t) if key_expired_at_signing => {
                        format!("on {t}, before it made the signature")
                    }
                    Some(t) => format!("on {t}"),
                    None => "at an unknown date".to_owned(),
                };
                out.push(
                    Diagnostic::file(Code::SigningKeyExpired)
                        .with_detail(format!("key {fingerprint} expired {when}")),
                );
            }
            if key_revoked || key_revoked_at_signing {
                let when = if key_revoked_at_signing {
                    "and was already when it made the signature"
                } else {
                    "since it made the signature"
                };
                out.push(
                    Diagnostic::file(Code::SigningKeyRevoked)
                        .with_detail(format!("key {fingerprint} is revoked, {when}")),
                );
            }
            if let (Some(key_end), Some(expires)) = (key_expires, &fields.expires)
                && let Some(file_end) = expires.timestamp
                && file_end > *key_end
            {
                out.push(
                    Diagnostic::line(Code::ExpiresAfterKey, expires.line).with_detail(format!(
                        "the file expires on {file_end}, the key on {key_end}"
                    )),
                );
            }
        }
        Verdict::Unsigned | Verdict::Malformed { .. } => {}
    }
    for u in unreachable {
        let line = fields
            .encryption
            .iter()
            .find(|e| e.uri == u.uri)
            .map(|e| e.line);
        let d = match line {
            Some(line) => Diagnostic::line(Code::EncryptionKeyUnreachable, line),
            None => Diagnostic::file(Code::EncryptionKeyUnreachable),
        };
        out.push(d.with_detail(format!("{}: {}", u.uri, u.reason)));
    }
    out
}
