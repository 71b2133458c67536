//! The ASCII armour of an OpenPGP signature block and a structural reading of its packets
//! (RFC 9580 §6, §4.2, §5.2): base64, the optional CRC-24, and for each signature packet its
//! version, type, algorithms, creation time and issuers.
//!
//! No cryptography happens here; `crate::signature` verifies. This layer exists so the format
//! engine can tell a damaged block from a well-formed one and name the issuers, without I/O and
//! without pulling a crypto library into the pure validator.

use super::datetime::Timestamp;
use serde::Serialize;

/// What the packets of a signature block say about one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureInfo {
    pub version: u8,
    /// 0x01 (canonical text) for a cleartext signature.
    pub signature_type: u8,
    pub public_key_algorithm: &'static str,
    pub hash_algorithm: &'static str,
    pub created: Option<Timestamp>,
    /// Issuer fingerprints (upper-case hex), from the Issuer Fingerprint subpacket.
    pub issuer_fingerprints: Vec<String>,
    /// Issuer key IDs (upper-case hex), from the Issuer Key ID subpacket or a v3 header.
    pub issuer_key_ids: Vec<String>,
    /// The signature's numbers (MPIs) are minimally encoded, as RFC 9580 §3.2 requires. GnuPG
    /// accepts non-minimal ones; strict implementations reject the signature.
    pub minimal_numbers: bool,
}

impl SignatureInfo {
    /// The most specific name of the issuer: a fingerprint if there is one, else a key ID.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer_fingerprints
            .first()
            .or(self.issuer_key_ids.first())
            .map(String::as_str)
    }
}

/// Encodes bytes as padded base64 (RFC 4648).
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 armour data. The error says what is wrong, and suspects quoted-printable damage
/// when it sees `=3D`.
pub fn decode_base64(data: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for (i, c) in data.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return Err(format!("`{}` is not a base64 character", char::from(c))),
        };
        if padding > 0 {
            return Err(format!(
                "base64 data continues after `=` padding (at character {i})"
            ));
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if padding > 2 {
        return Err("too much `=` padding".into());
    }
    Ok(out)
}

/// The CRC-24 of RFC 9580 §6.1.1.
pub fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

pub fn hash_algorithm_name(id: u8) -> &'static str {
    match id {
        1 => "MD5",
        2 => "SHA1",
        3 => "RIPEMD160",
        8 => "SHA256",
        9 => "SHA384",
        10 => "SHA512",
        11 => "SHA224",
        12 => "SHA3-256",
        14 => "SHA3-512",
        _ => "unknown",
    }
}

fn public_key_algorithm_name(id: u8) -> &'static str {
    match id {
        1..=3 => "RSA",
        17 => "DSA",
        18 => "ECDH",
        19 => "ECDSA",
        22 => "EdDSA",
        25 => "X25519",
        26 => "X448",
        27 => "Ed25519",
        28 => "Ed448",
        _ => "unknown",
    }
}

/// A bounds-checked reader over packet bytes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err("a packet is cut short".into());
        };
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn be(&mut self, n: usize) -> Result<usize, String> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0, |acc, &b| (acc << 8) | usize::from(b)))
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// Walks the packets of a decoded signature block. Every packet must be a signature.
pub fn parse_signatures(data: &[u8]) -> Result<Vec<SignatureInfo>, String> {
    let mut r = Reader { data, pos: 0 };
    let mut signatures = Vec::new();
    while !r.done() {
        let header = r.u8()?;
        if header & 0x80 == 0 {
            return Err("the data is not OpenPGP packets".into());
        }
        let (tag, len) = if header & 0x40 != 0 {
            let tag = header & 0x3F;
            let o1 = r.u8()?;
            let len = match o1 {
                0..=191 => usize::from(o1),
                192..=223 => ((usize::from(o1) - 192) << 8) + usize::from(r.u8()?) + 192,
                255 => r.be(4)?,
                _ => return Err("a signature packet uses partial body lengths".into()),
            };
            (tag, len)
        } else {
            let tag = (header >> 2) & 0x0F;
            let len = match header & 0x03 {
                0 => r.be(1)?,
                1 => r.be(2)?,
                2 => r.be(4)?,
                _ => data.len() - r.pos,
            };
            (tag, len)
        };
        let body = r.take(len)?;
        if tag != 2 {
            return Err(format!(
                "the block holds a packet of type {tag} where only signatures (type 2) belong"
            ));
        }
        signatures.push(parse_signature(body)?);
    }
    if signatures.is_empty() {
        return Err("the signature block holds no signature".into());
    }
    Ok(signatures)
}

fn parse_signature(body: &[u8]) -> Result<SignatureInfo, String> {
    let mut r = Reader { data: body, pos: 0 };
    let version = r.u8()?;
    let mut info = SignatureInfo {
        version,
        signature_type: 0,
        public_key_algorithm: "unknown",
        hash_algorithm: "unknown",
        created: None,
        issuer_fingerprints: Vec::new(),
        issuer_key_ids: Vec::new(),
        minimal_numbers: true,
    };
    match version {
        3 => {
            if r.u8()? != 5 {
                return Err("a version 3 signature has a wrong hashed length".into());
            }
            info.signature_type = r.u8()?;
            info.created = Some(Timestamp::from_unix(r.be(4)? as i64));
            info.issuer_key_ids.push(hex(r.take(8)?));
            info.public_key_algorithm = public_key_algorithm_name(r.u8()?);
            info.hash_algorithm = hash_algorithm_name(r.u8()?);
            r.take(2)?;
        }
        4..=6 => {
            info.signature_type = r.u8()?;
            info.public_key_algorithm = public_key_algorithm_name(r.u8()?);
            info.hash_algorithm = hash_algorithm_name(r.u8()?);
            let len_size = if version == 4 { 2 } else { 4 };
            let hashed_len = r.be(len_size)?;
            read_subpackets(r.take(hashed_len)?, &mut info)?;
            let unhashed_len = r.be(len_size)?;
            read_subpackets(r.take(unhashed_len)?, &mut info)?;
            r.take(2)?;
            if version == 6 {
                let salt = usize::from(r.u8()?);
                r.take(salt)?;
            }
        }
        v => return Err(format!("signature version {v} is not an OpenPGP version")),
    }
    if r.done() {
        return Err("the signature packet has no signature data".into());
    }
    if uses_mpis(
        body.get(if version == 3 { 15 } else { 2 })
            .copied()
            .unwrap_or(0),
    ) {
        info.minimal_numbers = normalize_mpis(&body[r.pos..]).is_none();
    }
    Ok(info)
}

/// Algorithms whose signatures are MPIs (RSA, DSA, ECDSA, legacy EdDSA); newer ones use fixed-size
/// fields.
fn uses_mpis(public_key_algorithm: u8) -> bool {
    matches!(public_key_algorithm, 1 | 3 | 17 | 19 | 22)
}

/// Re-encodes a run of MPIs minimally (RFC 9580 §3.2): the bit count starts at the most
/// significant set bit and no zero bytes lead. `None` when they already are, or the data is not
/// a run of MPIs (fixed-size fields of newer algorithms are left alone).
fn normalize_mpis(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut r = Reader { data, pos: 0 };
    let mut changed = false;
    while !r.done() {
        let bits = r.be(2).ok()?;
        let bytes = r.take(bits.div_ceil(8)).ok()?;
        let value: &[u8] = match bytes.iter().position(|&b| b != 0) {
            Some(i) => &bytes[i..],
            None => &[],
        };
        let actual = value.first().map_or(0, |&b| {
            (value.len() - 1) * 8 + (8 - b.leading_zeros() as usize)
        });
        changed |= actual != bits;
        out.extend_from_slice(&(actual as u16).to_be_bytes());
        out.extend_from_slice(value);
    }
    changed.then_some(out)
}

/// The packets of a signature block with every signature's MPIs re-encoded minimally, for
/// verifiers that reject the non-minimal encodings GnuPG accepts (the numbers, and so the
/// signatures, are unchanged: MPIs are not part of the signed data). `None` when nothing changed.
pub fn normalize_signature_numbers(packets: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(packets.len());
    let mut r = Reader {
        data: packets,
        pos: 0,
    };
    let mut changed = false;
    while !r.done() {
        let header = r.u8().ok()?;
        if header & 0x80 == 0 {
            return None;
        }
        let (tag, len) = if header & 0x40 != 0 {
            let o1 = r.u8().ok()?;
            let len = match o1 {
                0..=191 => usize::from(o1),
                192..=223 => ((usize::from(o1) - 192) << 8) + usize::from(r.u8().ok()?) + 192,
                255 => r.be(4).ok()?,
                _ => return None,
            };
            (header & 0x3F, len)
        } else {
            let len = match header & 0x03 {
                0 => r.be(1).ok()?,
                1 => r.be(2).ok()?,
                2 => r.be(4).ok()?,
                _ => packets.len() - r.pos,
            };
            ((header >> 2) & 0x0F, len)
        };
        let mut body = r.take(len).ok()?.to_vec();
        if tag == 2 && body.first() == Some(&4) && body.get(2).is_some_and(|&a| uses_mpis(a)) {
            // v4: version, type, algorithms, two subpacket areas, hash prefix, then the MPIs.
            let hashed = 6 + usize::from(u16::from_be_bytes([*body.get(4)?, *body.get(5)?]));
            let unhashed_at = hashed;
            let unhashed = usize::from(u16::from_be_bytes([
                *body.get(unhashed_at)?,
                *body.get(unhashed_at + 1)?,
            ]));
            let mpis_at = unhashed_at + 2 + unhashed + 2;
            if let Some(normal) = body.get(mpis_at..).and_then(normalize_mpis) {
                body.truncate(mpis_at);
                body.extend(normal);
                changed = true;
            }
        }
        out.push(0xC0 | tag);
        out.push(0xFF);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend(body);
    }
    changed.then_some(out)
}

fn read_subpackets(data: &[u8], info: &mut SignatureInfo) -> Result<(), String> {
    let mut r = Reader { data, pos: 0 };
    while !r.done() {
        let o1 = r.u8()?;
        let len = match o1 {
            0..=191 => usize::from(o1),
            192..=254 => ((usize::from(o1) - 192) << 8) + usize::from(r.u8()?) + 192,
            255 => r.be(4)?,
        };
        if len == 0 {
            return Err("a signature subpacket has length zero".into());
        }
        let body = r.take(len)?;
        let (kind, value) = (body[0] & 0x7F, &body[1..]);
        match kind {
            2 if value.len() == 4 => {
                let secs = value.iter().fold(0i64, |acc, &b| (acc << 8) | i64::from(b));
                info.created = Some(Timestamp::from_unix(secs));
            }
            16 if value.len() == 8 => info.issuer_key_ids.push(hex(value)),
            33 if value.len() > 1 => info.issuer_fingerprints.push(hex(&value[1..])),
            _ => {}
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_errors() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8h").unwrap(), b"hello!");
        for bytes in [&b""[..], b"a", b"ab", b"abc", b"\xff\x00\x10"] {
            assert_eq!(decode_base64(&encode_base64(bytes)).unwrap(), bytes);
        }
        assert!(decode_base64("aGVs bG8=").is_err());
        assert!(decode_base64("aGVsbG8=3D").is_err());
    }

    #[test]
    fn crc24_matches_the_rfc_reference() {
        // The CRC-24 of an empty input is the initial value.
        assert_eq!(crc24(b""), 0xB704CE);
        assert_ne!(crc24(b"a"), crc24(b"b"));
    }

    #[test]
    fn mpis_are_re_encoded_minimally() {
        // 16 declared bits for the value 2: one leading zero byte and a wrong bit count.
        assert_eq!(normalize_mpis(&[0, 16, 0, 2]), Some(vec![0, 2, 2]));
        assert_eq!(normalize_mpis(&[0, 2, 2]), None);
        assert_eq!(normalize_mpis(&[0, 9, 1, 0]), None);
        assert_eq!(normalize_mpis(&[0, 12, 1, 0]), Some(vec![0, 9, 1, 0]));
    }

    #[test]
    fn never_panics_on_truncated_packets() {
        for data in [
            &[0x88u8][..],
            &[0xC2, 0xFF, 0, 0],
            &[0x89, 0x00, 0x05, 4, 1],
            &[0xC2, 3, 4, 1, 22],
        ] {
            assert!(parse_signatures(data).is_err());
        }
    }
}
