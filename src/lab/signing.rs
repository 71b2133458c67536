//! Making signed security.txt files, for the lab's signed scenarios and for tests: a Cv25519
//! key (generating RSA keys takes minutes in a debug build), and cleartext signatures made with
//! sequoia as `gpg --clearsign` makes them. Nothing in production signs.

use anyhow::{Context, Result};
use sequoia_openpgp::Cert;
use sequoia_openpgp::cert::{CertBuilder, CipherSuite};
use sequoia_openpgp::policy::StandardPolicy;
use sequoia_openpgp::serialize::stream::{Message, Signer};
use sequoia_openpgp::serialize::{Serialize, SerializeInto};
use std::io::Write;
use std::time::{Duration, SystemTime};

/// A signing key with its certificate.
pub struct SigningKey {
    /// The certificate with its secret keys.
    pub cert: Cert,
    /// A revocation certificate for it, made at generation.
    pub revocation: sequoia_openpgp::packet::Signature,
}

impl SigningKey {
    /// A new Cv25519 key for `user_id`, valid for `validity` from `created` (or forever).
    pub fn generate(
        user_id: &str,
        created: SystemTime,
        validity: Option<Duration>,
    ) -> Result<SigningKey> {
        let (cert, revocation) = CertBuilder::general_purpose(Some(user_id))
            .set_cipher_suite(CipherSuite::Cv25519)
            .set_creation_time(created)
            .set_validity_period(validity)
            .generate()
            .context("cannot generate a signing key")?;
        Ok(SigningKey { cert, revocation })
    }

    /// The certificate's fingerprint, upper-case hex.
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The public certificate, ASCII-armoured, as served at an `Encryption` URL.
    pub fn public_armored(&self) -> Vec<u8> {
        self.cert.armored().to_vec().unwrap_or_default()
    }

    /// The public certificate in binary form, as WKD and OPENPGPKEY records carry it.
    pub fn public_binary(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.cert.serialize(&mut out);
        out
    }

    /// `text` cleartext-signed at `at`, as `gpg --clearsign` would.
    pub fn sign(&self, text: &[u8], at: SystemTime) -> Result<Vec<u8>> {
        let policy = StandardPolicy::new();
        let keypair = self
            .cert
            .keys()
            .unencrypted_secret()
            .with_policy(&policy, at)
            .supported()
            .for_signing()
            .next()
            .context("the key cannot sign")?
            .key()
            .clone()
            .into_keypair()?;
        let mut out = Vec::new();
        {
            let message = Message::new(&mut out);
            let mut signer = Signer::new(message, keypair)?
                .cleartext()
                .creation_time(at)
                .build()?;
            signer.write_all(text)?;
            signer.finalize()?;
        }
        Ok(out)
    }
}
