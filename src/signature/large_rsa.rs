//! RSA keys larger than sequoia's pure-Rust backend takes (it refuses moduli over 4096 bits;
//! GnuPG verifies up to 16384, and some security teams use 8192).
//!
//! Sequoia still does everything OpenPGP-specific here: it computes each digest exactly as it
//! would (`verify_message`, `hash_subkey_binding`, …) and reads every subpacket. Only the last
//! step, the RSA PKCS#1 v1.5 check of the digest, is done by the `rsa` crate (the same version
//! sequoia's backend uses), with a larger size limit. This module also reads the life of a key
//! whose certificate sequoia could not validate because its self-signatures are made by such a
//! key: those self-signatures are verified here, and their expiry and revocation read as
//! sequoia would read them.

use sequoia_openpgp::crypto::hash::Hash;
use sequoia_openpgp::crypto::mpi;
use sequoia_openpgp::packet::key::{PrimaryRole, PublicParts, SubordinateRole, UnspecifiedRole};
use sequoia_openpgp::packet::{Key, Signature};
use sequoia_openpgp::types::{HashAlgorithm, SignatureType};
use sequoia_openpgp::{Cert, Fingerprint};
use std::time::SystemTime;

/// The largest RSA modulus verified, in bits: GnuPG's limit.
const MAX_BITS: usize = 16384;

/// True for an RSA key the backend refuses: a modulus over 4096 bits.
pub fn too_large_for_backend<R: sequoia_openpgp::packet::key::KeyRole>(
    key: &Key<PublicParts, R>,
) -> bool {
    matches!(key.mpis(), mpi::PublicKey::RSA { n, .. } if n.bits() > 4096)
}

fn padding(hash: HashAlgorithm) -> Result<rsa::Pkcs1v15Sign, String> {
    Ok(match hash {
        HashAlgorithm::SHA1 => rsa::Pkcs1v15Sign::new::<sha1collisiondetection::Sha1CD>(),
        HashAlgorithm::SHA224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlgorithm::SHA256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlgorithm::SHA384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlgorithm::SHA512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        other => return Err(format!("{other} is not used with large RSA keys")),
    })
}

/// Checks `sig` over `digest` with the RSA `key`, as sequoia's `verify_digest` would but for
/// large moduli: the key predates the signature, versions agree, and the RSA check holds.
pub fn verify_digest(
    sig: &Signature,
    key: &Key<PublicParts, UnspecifiedRole>,
    digest: &[u8],
) -> Result<(), String> {
    let (mpi::PublicKey::RSA { e, n }, mpi::Signature::RSA { s }) = (key.mpis(), sig.mpis()) else {
        return Err("not an RSA key and signature".into());
    };
    if (sig.version() == 6) != (key.version() == 6) {
        return Err("the signature and key versions do not match".into());
    }
    match sig.signature_creation_time() {
        Some(t) if t >= key.creation_time() => {}
        Some(_) => return Err("the signature predates the key".into()),
        None => return Err("the signature has no creation time".into()),
    }
    let public = rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(n.value()),
        rsa::BigUint::from_bytes_be(e.value()),
        MAX_BITS,
    )
    .map_err(|e| e.to_string())?;
    let size = n.value().len();
    let raw = s.value();
    if raw.len() > size {
        return Err("the signature is longer than the modulus".into());
    }
    // A signature value may be shorter than the modulus (leading zeros); the check wants both
    // the same length.
    let mut padded = vec![0u8; size - raw.len()];
    padded.extend_from_slice(raw);
    public
        .verify(padding(sig.hash_algo())?, digest, &padded)
        .map_err(|e| e.to_string())
}

/// `Signature::verify_message` for a large RSA key: the digest as sequoia computes it.
pub fn verify_message(
    sig: &Signature,
    key: &Key<PublicParts, UnspecifiedRole>,
    message: &[u8],
) -> Result<(), String> {
    if !matches!(sig.typ(), SignatureType::Binary | SignatureType::Text) {
        return Err(format!("a {} signature does not sign a message", sig.typ()));
    }
    let mut hash = sig
        .hash_algo()
        .context()
        .map_err(|e| e.to_string())?
        .for_signature(sig.version());
    if let Some(salt) = sig.salt() {
        hash.update(salt);
    }
    hash.update(message);
    sig.hash(&mut hash).map_err(|e| e.to_string())?;
    let digest = hash.into_digest().map_err(|e| e.to_string())?;
    verify_digest(sig, key, &digest)
}

/// What a key is like at a moment, read from self-signatures verified here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLife {
    pub alive: bool,
    pub revoked: bool,
    pub expires: Option<SystemTime>,
}

fn digest_of(
    sig: &Signature,
    fill: impl FnOnce(&mut sequoia_openpgp::crypto::hash::Context) -> sequoia_openpgp::Result<()>,
) -> Option<Vec<u8>> {
    let mut hash = sig.hash_algo().context().ok()?.for_signature(sig.version());
    fill(&mut hash).ok()?;
    hash.into_digest().ok()
}

fn primary(cert: &Cert) -> Key<PublicParts, UnspecifiedRole> {
    cert.primary_key().key().clone().role_into_unspecified()
}

/// The life of `key` (the primary key or a subkey of `cert`) at `at`, for a certificate whose
/// primary key is too large for the backend, from its self-signatures that sequoia set aside as
/// unverifiable. `None` when no self-signature verifies here either.
pub fn key_life(cert: &Cert, key: &Fingerprint, at: SystemTime) -> Option<KeyLife> {
    let pk: &Key<PublicParts, PrimaryRole> = cert.primary_key().key();
    if !too_large_for_backend(pk) {
        return None;
    }
    let signer = primary(cert);
    let verified = |sig: &Signature, digest: Option<Vec<u8>>| {
        digest.is_some_and(|d| verify_digest(sig, &signer, &d).is_ok())
    };
    let alive_at = |sig: &Signature| sig.signature_creation_time().is_some_and(|t| t <= at);
    let mut primary_binding: Option<&Signature> = None;
    let mut subkey_binding: Option<&Signature> = None;
    let mut primary_revoked = false;
    let mut subkey_revoked = false;
    let subkey: Option<Key<PublicParts, SubordinateRole>> = cert
        .keys()
        .subkeys()
        .find(|k| k.key().fingerprint() == *key)
        .map(|k| k.key().clone());
    let newer = |a: Option<&Signature>, b: &Signature| {
        a.is_none_or(|a| a.signature_creation_time() < b.signature_creation_time())
    };
    for sig in cert.bad_signatures() {
        if !alive_at(sig) {
            continue;
        }
        match sig.typ() {
            SignatureType::DirectKey
                if verified(sig, digest_of(sig, |h| sig.hash_direct_key(h, pk)))
                    && newer(primary_binding, sig) =>
            {
                primary_binding = Some(sig);
            }
            SignatureType::GenericCertification
            | SignatureType::PersonaCertification
            | SignatureType::CasualCertification
            | SignatureType::PositiveCertification => {
                let ok = cert.userids().any(|u| {
                    verified(
                        sig,
                        digest_of(sig, |h| sig.hash_userid_binding(h, pk, u.userid())),
                    )
                });
                if ok && newer(primary_binding, sig) {
                    primary_binding = Some(sig);
                }
            }
            SignatureType::KeyRevocation => {
                primary_revoked |= verified(sig, digest_of(sig, |h| sig.hash_direct_key(h, pk)));
            }
            SignatureType::SubkeyBinding => {
                if let Some(sk) = &subkey
                    && verified(sig, digest_of(sig, |h| sig.hash_subkey_binding(h, pk, sk)))
                    && newer(subkey_binding, sig)
                {
                    subkey_binding = Some(sig);
                }
            }
            SignatureType::SubkeyRevocation => {
                if let Some(sk) = &subkey {
                    subkey_revoked |=
                        verified(sig, digest_of(sig, |h| sig.hash_subkey_binding(h, pk, sk)));
                }
            }
            _ => {}
        }
    }
    let primary_binding = primary_binding?;
    let expiry = |created: SystemTime, sig: &Signature| {
        sig.key_validity_period().map(|period| created + period)
    };
    let primary_expires = expiry(pk.creation_time(), primary_binding);
    let (key_expires, revoked) = if *key == pk.fingerprint() {
        (None, primary_revoked)
    } else {
        let sk = subkey.as_ref()?;
        let binding = subkey_binding?;
        (
            expiry(sk.creation_time(), binding),
            primary_revoked || subkey_revoked,
        )
    };
    let expires = [primary_expires, key_expires].into_iter().flatten().min();
    Some(KeyLife {
        alive: expires.is_none_or(|e| e > at),
        revoked,
        expires,
    })
}
