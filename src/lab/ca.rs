//! The lab's certificate authority (rcgen): a test CA whose PEM the crawler is told to trust, a
//! rogue CA nobody trusts, and leaf certificates minted on demand per server name: good ones,
//! expired ones, ones for the wrong name, and ones from the rogue CA. All leaves share one ECDSA
//! key so that minting is a signature, not a key generation; a bounded cache keeps memory flat at
//! hundreds of thousands of names.

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Which certificate a server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertKind {
    Good,
    Expired,
    /// Valid and trusted, but for another name.
    WrongName,
    /// Valid, for the right name, from a CA the crawler does not trust.
    UnknownIssuer,
}

const CACHE_LIMIT: usize = 20_000;

pub struct Authority {
    ca: CertifiedIssuer<'static, KeyPair>,
    rogue: CertifiedIssuer<'static, KeyPair>,
    leaf_key: KeyPair,
    cache: Mutex<HashMap<(String, CertKind), Arc<CertifiedKey>>>,
}

fn ca_params(name: &str) -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "disclose lab");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2099, 12, 31);
    Ok(params)
}

impl Authority {
    pub fn new() -> Result<Authority> {
        let ca = CertifiedIssuer::self_signed(ca_params("disclose lab CA")?, KeyPair::generate()?)
            .context("cannot create the lab CA")?;
        let rogue =
            CertifiedIssuer::self_signed(ca_params("disclose lab rogue CA")?, KeyPair::generate()?)
                .context("cannot create the lab's rogue CA")?;
        Ok(Authority {
            ca,
            rogue,
            leaf_key: KeyPair::generate()?,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate the crawler must trust, as PEM.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// A certificate of `kind` for `name`, ready for rustls.
    pub fn certified_key(&self, name: &str, kind: CertKind) -> Option<Arc<CertifiedKey>> {
        let key = (name.to_owned(), kind);
        if let Some(found) = self.cache.lock().ok()?.get(&key) {
            return Some(found.clone());
        }
        let minted = Arc::new(self.mint(name, kind).ok()?);
        let mut cache = self.cache.lock().ok()?;
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, minted.clone());
        Some(minted)
    }

    fn mint(&self, name: &str, kind: CertKind) -> Result<CertifiedKey> {
        let san = match kind {
            CertKind::WrongName => "wrong-name.invalid".to_owned(),
            _ => name.to_owned(),
        };
        let mut params = CertificateParams::new(vec![san])?;
        params.distinguished_name.push(DnType::CommonName, name);
        let (not_before, not_after) = match kind {
            CertKind::Expired => (date_time_ymd(2020, 1, 1), date_time_ymd(2021, 1, 1)),
            _ => (date_time_ymd(2024, 1, 1), date_time_ymd(2099, 1, 1)),
        };
        params.not_before = not_before;
        params.not_after = not_after;
        let issuer = match kind {
            CertKind::UnknownIssuer => &self.rogue,
            _ => &self.ca,
        };
        let cert = params.signed_by(&self.leaf_key, issuer)?;
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        CertifiedKey::from_der(chain, key, &rustls::crypto::ring::default_provider())
            .context("rustls rejects a minted certificate")
    }
}
