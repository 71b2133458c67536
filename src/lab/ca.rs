//! The lab's certificate authority (rcgen): a test CA whose PEM the crawler is told to trust, a
//! second CA under it (an intermediate, sent with its certificates) that issues a quarter of the
//! good certificates, a rogue CA nobody trusts, and leaf certificates minted on demand per server name: good ones,
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

/// The common name of the lab's second CA.
pub const SECOND_CA: &str = "disclose lab issuing CA 2";

/// Whether the good certificate for `name` comes from the second CA: a quarter of the names,
/// by a hash of the name (FNV-1a), so that the ground truth can say which.
pub fn from_second_ca(name: &str) -> bool {
    let hash = name
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    hash % 4 == 0
}

pub struct Authority {
    ca: CertifiedIssuer<'static, KeyPair>,
    /// An intermediate under `ca` that issues a share of the good certificates
    /// (`from_second_ca`), sent with them: what a host of a commercial CA presents.
    second: CertifiedIssuer<'static, KeyPair>,
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
        let second = CertifiedIssuer::signed_by(ca_params(SECOND_CA)?, KeyPair::generate()?, &ca)
            .context("cannot create the lab's second CA")?;
        Ok(Authority {
            ca,
            second,
            rogue,
            leaf_key: KeyPair::generate()?,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate the crawler must trust, as PEM.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// The second CA's certificate (an intermediate under the lab CA), as PEM.
    pub fn second_ca_pem(&self) -> String {
        self.second.pem()
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
        let second = kind == CertKind::Good && from_second_ca(name);
        let issuer = match kind {
            CertKind::UnknownIssuer => &self.rogue,
            _ if second => &self.second,
            _ => &self.ca,
        };
        let cert = params.signed_by(&self.leaf_key, issuer)?;
        let mut chain = vec![CertificateDer::from(cert.der().to_vec())];
        if second {
            chain.push(CertificateDer::from(self.second.der().to_vec()));
        }
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        CertifiedKey::from_der(chain, key, &rustls::crypto::ring::default_provider())
            .context("rustls rejects a minted certificate")
    }
}
