//! The cryptographic check: each signature of the block against each candidate key whose
//! fingerprint (or key ID) the signature names, over the canonical signed text; then the state of
//! the key that verified, at signing time and now.
//!
//! The math is checked directly (`Signature::verify_message`), and the key's validity judged
//! apart, so that a signature made with a key that has since expired (or had expired already)
//! is still recognised as authentic, with the expiry reported, as GnuPG does.

use super::{Independence, KeySource, Verdict};
use crate::format::{Document, Timestamp};
use sequoia_openpgp::cert::amalgamation::ValidAmalgamation;
use sequoia_openpgp::packet::Signature;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::policy::StandardPolicy;
use sequoia_openpgp::types::{HashAlgorithm, RevocationStatus};
use sequoia_openpgp::{Cert, Fingerprint, KeyHandle, Packet, PacketPile};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A certificate that may have made a signature, with where it came from.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub cert: Cert,
    pub source: KeySource,
    pub independence: Independence,
}

pub fn to_system_time(t: Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.unix().max(0) as u64)
}

pub fn to_timestamp(t: SystemTime) -> Timestamp {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix(secs)
}

/// The signatures of a signed document, parsed by sequoia, or why they cannot be.
pub fn signatures(doc: &Document) -> Result<Vec<Signature>, String> {
    let envelope = doc.envelope.as_ref().ok_or("the file is not signed")?;
    if envelope.signature_begin.is_none() {
        return Err("the signed message has no signature block".into());
    }
    let armor = envelope
        .armor
        .as_ref()
        .ok_or("the signature block cannot be decoded")?;
    let parse = |bytes: &[u8]| -> Result<Vec<Packet>, String> {
        let pile = PacketPile::from_bytes(bytes).map_err(|e| e.to_string())?;
        Ok(pile.into_children().collect())
    };
    let mut packets = parse(armor)?;
    if packets.iter().any(|p| matches!(p, Packet::Unknown(_)))
        && let Some(normal) = crate::format::armor::normalize_signature_numbers(armor)
    {
        // GnuPG accepts non-minimal MPIs that sequoia rejects; the numbers are the same.
        packets = parse(&normal)?;
    }
    if let Some(Packet::Unknown(u)) = packets.iter().find(|p| matches!(p, Packet::Unknown(_))) {
        return Err(format!("a signature cannot be read: {}", u.error()));
    }
    let signatures: Vec<Signature> = packets
        .into_iter()
        .filter_map(|p| match p {
            Packet::Signature(s) => Some(s),
            _ => None,
        })
        .collect();
    if signatures.is_empty() {
        return Err("the signature block holds no signature".into());
    }
    Ok(signatures)
}

/// The issuers the signatures name, most specific first (fingerprints before key IDs).
pub fn issuers(signatures: &[Signature]) -> Vec<KeyHandle> {
    let mut handles: Vec<KeyHandle> = Vec::new();
    for sig in signatures {
        for handle in sig.get_issuers() {
            if !handles.iter().any(|h| h.aliases(&handle)) {
                handles.push(handle);
            }
        }
    }
    handles.sort_by_key(|h| matches!(h, KeyHandle::KeyID(_)));
    handles
}

/// The policy keys are judged by: sequoia's standard policy, but accepting SHA-1 in the
/// self-signatures of older keys, as GnuPG does. It only describes the key's life (expiry,
/// revocation); how far a key is trusted is its source's independence.
fn key_policy() -> StandardPolicy<'static> {
    let mut policy = StandardPolicy::new();
    policy.accept_hash(HashAlgorithm::SHA1);
    policy
}

/// What a key is like at a moment: alive, revoked, when it expires.
struct KeyState {
    alive: bool,
    revoked: bool,
    expires: Option<SystemTime>,
}

fn key_state(cert: &Cert, key: &Fingerprint, at: SystemTime) -> Option<KeyState> {
    key_state_by_policy(cert, key, at).or_else(|| {
        // A certificate whose self-signatures sequoia's backend cannot check (an RSA primary
        // key over 4096 bits): read them with the large-RSA path instead.
        super::large_rsa::key_life(cert, key, at).map(|life| KeyState {
            alive: life.alive,
            revoked: life.revoked,
            expires: life.expires,
        })
    })
}

fn key_state_by_policy(cert: &Cert, key: &Fingerprint, at: SystemTime) -> Option<KeyState> {
    let policy = key_policy();
    let valid = cert.with_policy(&policy, at).ok()?;
    let ka = valid.keys().key_handle(key.clone()).next()?;
    let revoked = |s: RevocationStatus<'_>| matches!(s, RevocationStatus::Revoked(_));
    let expires = [
        ka.key_expiration_time(),
        valid.primary_key().key_expiration_time(),
    ]
    .into_iter()
    .flatten()
    .min();
    Some(KeyState {
        alive: ka.alive().is_ok() && valid.alive().is_ok(),
        revoked: revoked(ka.revocation_status()) || revoked(valid.revocation_status()),
        expires,
    })
}

/// The verdict on `doc`'s `signatures` (as `signatures` read them) with the given candidate
/// keys. `tried` lists where keys were looked for, for a `no_key` verdict.
pub fn verdict(
    doc: &Document,
    signatures: &[Signature],
    candidates: &[Candidate],
    tried: Vec<String>,
    now: Timestamp,
) -> Verdict {
    let Some(text) = doc.signed_text() else {
        return Verdict::Unsigned;
    };
    let mut bad = None;
    for sig in signatures {
        let handles = sig.get_issuers();
        for candidate in candidates {
            let keys: Vec<_> = if handles.is_empty() {
                candidate.cert.keys().collect()
            } else {
                candidate.cert.keys().key_handles(handles.iter()).collect()
            };
            for ka in keys {
                let fingerprint = ka.key().fingerprint();
                let checked = match sig.verify_message(ka.key(), &text) {
                    // sequoia's backend refuses RSA over 4096 bits; GnuPG verifies them.
                    Err(_) if super::large_rsa::too_large_for_backend(ka.key()) => {
                        super::large_rsa::verify_message(sig, ka.key(), &text)
                            .map_err(anyhow::Error::msg)
                    }
                    other => other,
                };
                match checked {
                    Ok(()) => return verified(sig, candidate, &fingerprint, now),
                    Err(e) => {
                        bad.get_or_insert(Verdict::BadSignature {
                            fingerprint: fingerprint.to_hex(),
                            key_source: candidate.source.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
            }
        }
    }
    bad.unwrap_or_else(|| Verdict::NoKey {
        issuers: issuers(signatures).iter().map(KeyHandle::to_hex).collect(),
        tried,
    })
}

fn verified(sig: &Signature, candidate: &Candidate, key: &Fingerprint, now: Timestamp) -> Verdict {
    let signed_at = sig.signature_creation_time();
    // The key's life as its holder defines it today (the newest self-signature), as GnuPG
    // reads it: an expiry extended after signing counts.
    let state = key_state(&candidate.cert, key, to_system_time(now));
    let at_signing = signed_at.and_then(|t| key_state(&candidate.cert, key, t));
    let expires = state.as_ref().and_then(|s| s.expires);
    // Unknown stays unknown: a key whose life could not be read is not "not expired".
    Verdict::Verified {
        fingerprint: key.to_hex(),
        certificate: candidate.cert.fingerprint().to_hex(),
        key_source: candidate.source.clone(),
        independence: candidate.independence,
        signed_at: signed_at.map(to_timestamp),
        key_expired: state.as_ref().map(|s| !s.alive),
        key_expired_at_signing: state
            .as_ref()
            .map(|_| matches!((expires, signed_at), (Some(e), Some(t)) if e <= t)),
        key_revoked: state.as_ref().map(|s| s.revoked),
        key_revoked_at_signing: state
            .as_ref()
            .map(|_| at_signing.as_ref().is_some_and(|s| s.revoked)),
        key_expires: expires.map(to_timestamp),
    }
}
