//! What a server's certificate says, for the Record: subject, issuer, subjectAltName entries,
//! validity and SHA-256 fingerprint. A small DER reader over the few X.509 fields needed
//! (RFC 5280 §4.1), bounds-checked throughout: a malformed certificate yields what could be read,
//! never a panic. Trust decisions are rustls's; this is only description.

use crate::format::Timestamp;
use crate::record::Certificate;
use std::fmt::Write;
use std::net::IpAddr;

/// One DER element: tag and content.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Reads consecutive DER elements from a buffer.
struct Der<'a> {
    data: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8]) -> Self {
        Der { data }
    }

    fn next(&mut self) -> Option<Element<'a>> {
        let (&tag, rest) = self.data.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        let (content, rest) = rest.split_at(len);
        self.data = rest;
        Some(Element { tag, content })
    }
}

/// Describes a DER-encoded certificate.
pub fn describe(der: &[u8]) -> Certificate {
    let mut cert = Certificate {
        subject: String::new(),
        issuer: String::new(),
        names: Vec::new(),
        not_before: None,
        not_after: None,
        sha256: sha256_hex(der),
    };
    read_tbs(der, &mut cert);
    cert
}

fn read_tbs(der: &[u8], cert: &mut Certificate) -> Option<()> {
    let outer = Der::new(der).next()?;
    let tbs = Der::new(outer.content).next()?;
    let mut fields = Der::new(tbs.content);
    let mut element = fields.next()?;
    if element.tag == 0xa0 {
        element = fields.next()?; // explicit version; now the serial number
    }
    let _serial = element;
    let _signature_algorithm = fields.next()?;
    cert.issuer = name(fields.next()?.content);
    let validity = fields.next()?;
    let mut times = Der::new(validity.content);
    cert.not_before = times.next().and_then(|t| time(&t));
    cert.not_after = times.next().and_then(|t| time(&t));
    cert.subject = name(fields.next()?.content);
    let _public_key = fields.next()?;
    while let Some(element) = fields.next() {
        if element.tag == 0xa3 {
            read_extensions(element.content, cert);
        }
    }
    Some(())
}

fn read_extensions(explicit: &[u8], cert: &mut Certificate) -> Option<()> {
    let list = Der::new(explicit).next()?;
    let mut extensions = Der::new(list.content);
    while let Some(extension) = extensions.next() {
        let mut parts = Der::new(extension.content);
        let oid = parts.next()?;
        if oid.content != [0x55, 0x1d, 0x11] {
            continue; // not subjectAltName (2.5.29.17)
        }
        let mut value = parts.next()?;
        if value.tag == 0x01 {
            value = parts.next()?; // the critical flag
        }
        let names = Der::new(value.content).next()?;
        let mut general_names = Der::new(names.content);
        while let Some(general) = general_names.next() {
            match general.tag {
                0x82 => cert
                    .names
                    .push(String::from_utf8_lossy(general.content).into_owned()),
                0x87 => {
                    let ip = match general.content.len() {
                        4 => <[u8; 4]>::try_from(general.content).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(general.content).ok().map(IpAddr::from),
                        _ => None,
                    };
                    cert.names.extend(ip.map(|ip| ip.to_string()));
                }
                _ => {}
            }
        }
    }
    Some(())
}

/// A distinguished name as `CN=…, O=…`, in the certificate's order.
fn name(rdn_sequence: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut rdns = Der::new(rdn_sequence);
    while let Some(set) = rdns.next() {
        let mut attributes = Der::new(set.content);
        while let Some(attribute) = attributes.next() {
            let mut pair = Der::new(attribute.content);
            let (Some(oid), Some(value)) = (pair.next(), pair.next()) else {
                continue;
            };
            let label = match oid.content {
                [0x55, 0x04, 0x03] => "CN".to_owned(),
                [0x55, 0x04, 0x06] => "C".to_owned(),
                [0x55, 0x04, 0x07] => "L".to_owned(),
                [0x55, 0x04, 0x08] => "ST".to_owned(),
                [0x55, 0x04, 0x0a] => "O".to_owned(),
                [0x55, 0x04, 0x0b] => "OU".to_owned(),
                other => oid_text(other),
            };
            parts.push(format!(
                "{label}={}",
                String::from_utf8_lossy(value.content)
            ));
        }
    }
    parts.join(", ")
}

fn oid_text(bytes: &[u8]) -> String {
    let Some((&first, rest)) = bytes.split_first() else {
        return String::new();
    };
    let mut out = format!("{}.{}", first / 40, first % 40);
    let mut value: u64 = 0;
    for &b in rest {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            let _ = write!(out, ".{value}");
            value = 0;
        }
    }
    out
}

/// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ).
fn time(element: &Element<'_>) -> Option<Timestamp> {
    let text = std::str::from_utf8(element.content).ok()?;
    let digits = text.strip_suffix('Z')?;
    let full = match (element.tag, digits.len()) {
        (0x17, 12) => {
            let yy: u32 = digits[..2].parse().ok()?;
            format!("{}{digits}", if yy >= 50 { "19" } else { "20" })
        }
        (0x18, 14) => digits.to_owned(),
        _ => return None,
    };
    if !full.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    );
    Timestamp::parse_rfc3339(&rfc3339).ok()
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
            let _ = describe(data);
        }
    }
}
