//! What a server's certificate says, for the Record: subject, issuer, subjectAltName entries,
//! validity, serial, public key and SHA-256 fingerprint. Parsed by `x509-parser` (fuzzed and
//! widely used); a certificate it cannot read is described by its fingerprint alone, never a
//! panic. Trust decisions are rustls's; this is only description.

use crate::format::Timestamp;
use crate::record::Certificate;
use std::net::IpAddr;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Describes a DER-encoded certificate.
pub fn describe(der: &[u8]) -> Certificate {
    let mut cert = Certificate {
        subject: String::new(),
        issuer: String::new(),
        names: Vec::new(),
        not_before: None,
        not_after: None,
        sha256: sha256_hex(der),
        serial: None,
        key: None,
    };
    let Ok((_, x)) = X509Certificate::from_der(der) else {
        return cert;
    };
    cert.subject = x.subject().to_string();
    cert.issuer = x.issuer().to_string();
    let validity = x.validity();
    cert.not_before = Some(Timestamp::from_unix(validity.not_before.timestamp()));
    cert.not_after = Some(Timestamp::from_unix(validity.not_after.timestamp()));
    if let Ok(Some(san)) = x.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => cert.names.push((*dns).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        cert.names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let serial = x.tbs_certificate.raw_serial();
    cert.serial = Some(serial.iter().map(|b| format!("{b:02x}")).collect());
    cert.key = key_description(&x);
    cert
}

/// The public key's type and size: `RSA 2048`, `EC 256`, `Ed25519`.
fn key_description(x: &X509Certificate<'_>) -> Option<String> {
    let spki = x.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let modulus: &[u8] = {
                let first = rsa.modulus.iter().position(|&b| b != 0)?;
                &rsa.modulus[first..]
            };
            let bits = modulus.len() * 8 - modulus[0].leading_zeros() as usize;
            Some(format!("RSA {bits}"))
        }
        Ok(PublicKey::EC(point)) => Some(format!("EC {}", point.key_size())),
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => Some("Ed25519".into()),
            "1.3.101.113" => Some("Ed448".into()),
            other => Some(other.to_owned()),
        },
    }
}

/// The SHA-256 of `data` as lower-case hex, as Records write fingerprints and file digests.
pub fn sha256_hex(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    // Two table lookups per byte: this runs twice per domain, where `format!` per byte showed.
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_generated_certificate() {
        let mut params = rcgen::CertificateParams::new(vec![
            "example.test".to_owned(),
            "www.example.test".to_owned(),
        ])
        .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "example.test");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Lab");
        params.not_before = rcgen::date_time_ymd(2026, 1, 2);
        params.not_after = rcgen::date_time_ymd(2027, 3, 4);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let c = describe(cert.der());
        assert_eq!(c.names, ["example.test", "www.example.test"]);
        assert!(
            c.subject.contains("CN=example.test") && c.subject.contains("O=Lab"),
            "{}",
            c.subject
        );
        assert_eq!(c.issuer, c.subject);
        assert_eq!(c.not_before.unwrap().to_string(), "2026-01-02T00:00:00Z");
        assert_eq!(c.not_after.unwrap().to_string(), "2027-03-04T00:00:00Z");
        assert_eq!(c.sha256.len(), 64);
        assert_eq!(c.key.as_deref(), Some("EC 256"));
        assert!(c.serial.as_deref().is_some_and(|s| !s.is_empty()));
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        for data in [
            &b""[..],
            b"\x30",
            b"\x30\x84\xff\xff\xff\xff",
            b"\x30\x03\x30\x01",
            &[0x30; 64],
        ] {
            let c = describe(data);
            assert_eq!(c.subject, "");
            assert_eq!(c.sha256, sha256_hex(data));
        }
        // A real certificate cut short: described by its fingerprint alone.
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["example.test".to_owned()]).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let cut = &der[..der.len() / 2];
        assert_eq!(describe(cut).issuer, "");
    }
}
