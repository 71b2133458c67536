//! One targeted case per diagnostic code: an input that triggers it, at the line it must name,
//! and a near miss that must not. `every_code_has_a_case` keeps the table complete as the
//! catalogue grows.

use disclose::format::armor::{crc24, encode_base64 as base64};
use disclose::format::{self, Code, Context, HttpContext, Timestamp};
use disclose::lab::signing::SigningKey;
use disclose::signature::keys::{
    Discovered, KeyFinder, KeyRequest, KeySource, Keyring, Unreachable,
};
use disclose::signature::verify_file;
use futures_util::FutureExt;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const VALID: &str = "Contact: mailto:security@example.test\n\
                     Expires: 2027-06-01T00:00:00Z\n\
                     Encryption: https://example.test/pgp-key.txt\n";

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-22T00:00:00Z").unwrap()
}

/// An input, the context it is checked in, and the keys its signature is verified with.
struct Input {
    bytes: Vec<u8>,
    ctx: Context,
    /// A keyring to verify the signature with.
    keyring: Option<PathBuf>,
    /// Encryption URIs the key search reports as unreachable.
    unreachable: Vec<String>,
}

fn txt(text: impl Into<Vec<u8>>) -> Input {
    Input {
        bytes: text.into(),
        ctx: Context::at(now()),
        keyring: None,
        unreachable: vec![],
    }
}

fn with_keyring(text: impl Into<Vec<u8>>, keyring: &Path) -> Input {
    Input {
        keyring: Some(keyring.to_owned()),
        ..txt(text)
    }
}

/// A key source that finds nothing and reports the given URIs as unreachable.
struct UnreachableKeys(Vec<String>);

#[async_trait::async_trait]
impl KeySource for UnreachableKeys {
    async fn lookup(&self, _request: &KeyRequest<'_>, found: &mut Discovered) {
        for uri in &self.0 {
            found.unreachable.push(Unreachable {
                uri: uri.clone(),
                reason: "http_status 404".into(),
            });
        }
    }
}

fn at_urls(text: &str, requested: &str, final_url: Option<&str>) -> Input {
    let mut input = txt(text);
    input.ctx.requested_url = Some(requested.into());
    input.ctx.final_url = final_url.map(Into::into);
    input
}

fn served(text: &str, content_type: Option<&str>, legacy_location: bool) -> Input {
    let mut input = at_urls(text, "https://example.test/.well-known/security.txt", None);
    input.ctx.http = Some(HttpContext {
        content_type: content_type.map(Into::into),
        legacy_location,
    });
    input
}

fn with(extra: &str) -> String {
    format!("{VALID}{extra}")
}

fn replace(from: &str, to: &str) -> String {
    VALID.replace(from, to)
}

/// A structurally valid v4 signature packet (not a cryptographically valid signature: the format
/// engine does not verify). `hash` is the OpenPGP hash algorithm id, `issuer` fills the Issuer
/// Fingerprint subpacket.
fn signature_packet(hash: u8, issuer: u8) -> Vec<u8> {
    signature_packet_with(hash, issuer, &[0x00, 0x08, 0xFF, 0x00, 0x07, 0x7F])
}

/// A signature packet whose numbers (MPIs) are `mpis`.
fn signature_packet_with(hash: u8, issuer: u8, mpis: &[u8]) -> Vec<u8> {
    let fpr = [issuer; 20];
    let mut hashed = vec![5, 2, 0x66, 0x00, 0x00, 0x00, 22, 33, 4];
    hashed.extend(fpr);
    let mut unhashed = vec![9, 16];
    unhashed.extend(&fpr[12..]);
    let mut body = vec![4, 0x01, 22, hash];
    body.extend((hashed.len() as u16).to_be_bytes());
    body.extend(hashed);
    body.extend((unhashed.len() as u16).to_be_bytes());
    body.extend(unhashed);
    body.extend([0xAB, 0xCD]);
    body.extend(mpis);
    let mut packet = vec![0xC2, body.len() as u8];
    packet.extend(body);
    packet
}

/// The armoured signature block for `packets`, with its CRC-24 line.
fn armor(packets: &[u8]) -> String {
    let crc = crc24(packets).to_be_bytes();
    let mut lines: Vec<String> = base64(packets)
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    lines.push(format!("={}", base64(&crc[1..])));
    lines.join("\n") + "\n"
}

/// A cleartext-signed file around `text` (which ends with a newline).
fn signed_with(hash_header: &str, text: &str, packets: &[u8]) -> String {
    format!(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: {hash_header}\n\n{text}\
         -----BEGIN PGP SIGNATURE-----\n\n{}-----END PGP SIGNATURE-----\n",
        armor(packets)
    )
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rsa8192")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

fn at_time(mut input: Input, now: &str) -> Input {
    input.ctx.now = Timestamp::parse_rfc3339(now).unwrap();
    input
}

fn signed(text: &str) -> String {
    signed_with("SHA512", text, &signature_packet(10, 0xAA))
}

/// The same file with a CRC-24 line that does not match its data.
fn with_wrong_crc(signed: &str) -> String {
    signed
        .lines()
        .map(|l| {
            if l.len() == 5 && l.starts_with('=') {
                "=AAAA"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn canonical() -> String {
    with("Canonical: https://example.test/.well-known/security.txt\n")
}

fn findings(input: &Input) -> Vec<(Code, Option<usize>)> {
    let mut checked = format::check(&input.bytes, &input.ctx);
    let mut sources: Vec<Box<dyn KeySource>> =
        vec![Box::new(UnreachableKeys(input.unreachable.clone()))];
    if let Some(path) = &input.keyring {
        sources.push(Box::new(Keyring::open(path).unwrap()));
    }
    let verification = verify_file(
        &checked.document,
        &checked.report.fields,
        &KeyFinder::new(sources),
        None,
        input.ctx.now,
    )
    .now_or_never()
    .unwrap();
    checked.report.add(verification.diagnostics);
    checked
        .report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line))
        .collect()
}

/// A file signed with a fresh Cv25519 key on 2026-06-01, and keyrings: the signing key as made
/// (`good`), expiring on 2026-07-20 (`expiring`), revoked (`revoked`), and another key (`other`).
struct Keys {
    text: String,
    expiring_text: String,
    good: PathBuf,
    expiring: PathBuf,
    revoked: PathBuf,
    other: PathBuf,
}

fn keys() -> &'static Keys {
    static KEYS: std::sync::OnceLock<Keys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let t = |s: &str| {
            std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(Timestamp::parse_rfc3339(s).unwrap().unix() as u64)
        };
        let created = t("2026-01-01T00:00:00Z");
        let signed_at = t("2026-06-01T00:00:00Z");
        let write = |name: &str, bytes: Vec<u8>| {
            let path = std::env::temp_dir()
                .join(format!("disclose-diag-{name}-{}.asc", std::process::id()));
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let body = canonical();
        let good = SigningKey::generate("<security@example.test>", created, None).unwrap();
        let expiring = SigningKey::generate(
            "<security@example.test>",
            created,
            Some(std::time::Duration::from_secs(200 * 86_400)),
        )
        .unwrap();
        let other = SigningKey::generate("<other@example.test>", created, None).unwrap();
        let revoked_cert = good
            .cert
            .clone()
            .insert_packets(good.revocation.clone())
            .unwrap()
            .0;
        let revoked = SigningKey {
            cert: revoked_cert,
            revocation: good.revocation.clone(),
        };
        Keys {
            text: String::from_utf8(good.sign(body.as_bytes(), signed_at).unwrap()).unwrap(),
            expiring_text: String::from_utf8(expiring.sign(body.as_bytes(), signed_at).unwrap())
                .unwrap(),
            good: write("good", good.public_armored()),
            expiring: write("expiring", expiring.public_armored()),
            revoked: write("revoked", revoked.public_armored()),
            other: write("other", other.public_armored()),
        }
    })
}

/// (code, triggering input, the line the finding must name, near miss)
fn cases() -> Vec<(Code, Input, Option<usize>, Input)> {
    let long_comments = |n: usize| format!("{}\n", "#".repeat(99)).repeat(n);
    vec![
        // Encoding, line endings and size
        (
            Code::BomInFile,
            txt(format!("\u{feff}{VALID}")),
            Some(1),
            txt(VALID),
        ),
        (
            Code::Utf8,
            txt([with("# caf").as_bytes(), b"\xE9\n"].concat()),
            Some(4),
            txt(with("# café\n")),
        ),
        (
            Code::NoLineSeparators,
            txt(VALID.trim_end()),
            Some(3),
            txt(VALID),
        ),
        (
            Code::LoneCr,
            txt(VALID.replacen('\n', "\r", 1)),
            Some(1),
            txt(VALID.replace('\n', "\r\n")),
        ),
        (
            Code::ControlChar,
            txt(with("# ring \u{7}\n")),
            Some(4),
            txt(with("# tab\tis fine\n")),
        ),
        (
            Code::FileTooLarge,
            txt(with(&long_comments(330))),
            None,
            txt(with(&long_comments(320))),
        ),
        (
            Code::TooManyLines,
            txt(with(&"#\n".repeat(998))),
            Some(1001),
            txt(with(&"#\n".repeat(997))),
        ),
        (
            Code::FieldTooLong,
            txt(with(&format!(
                "Policy: https://example.test/{}\n",
                "a".repeat(2030)
            ))),
            Some(4),
            txt(with(&format!(
                "Policy: https://example.test/{}\n",
                "a".repeat(2000)
            ))),
        ),
        (
            Code::HtmlDocument,
            txt("<!DOCTYPE html>\n<html><body>Not found</body></html>\n"),
            None,
            txt(format!("<!-- Policy: https://example.test/ -->\n{VALID}")),
        ),
        // Line syntax
        (
            Code::InvalidLine,
            txt(with("just some words\n")),
            Some(4),
            txt(with("# just some words\n")),
        ),
        (
            Code::PrecWs,
            txt(replace("Contact:", "Contact :")),
            Some(1),
            txt(VALID),
        ),
        (
            Code::NoSpace,
            txt(replace("Contact: ", "Contact:\t")),
            Some(1),
            txt(VALID),
        ),
        (
            Code::EmptyKey,
            txt(with(": value\n")),
            Some(4),
            txt(with("X-Note: value\n")),
        ),
        (
            Code::EmptyValue,
            txt(with("Policy: \n")),
            Some(4),
            txt(with("Policy: https://example.test/p\n")),
        ),
        (
            Code::LeadingWhitespace,
            txt(with("  Policy: https://example.test/p\n")),
            Some(4),
            txt(with("Policy: https://example.test/p  \n")),
        ),
        (
            Code::InvalidFieldName,
            txt(with("Security policy: https://example.test/p\n")),
            Some(4),
            txt(with("Security-Policy: https://example.test/p\n")),
        ),
        (
            Code::HtmlComment,
            txt(with("<!-- Policy: https://example.test/p -->\n")),
            Some(4),
            txt(with("# Policy: https://example.test/p\n")),
        ),
        // Fields and their values
        (
            Code::NoContact,
            txt("Expires: 2027-06-01T00:00:00Z\n"),
            None,
            txt(VALID),
        ),
        (
            Code::NoExpire,
            txt("Contact: https://example.test/report\n"),
            None,
            txt(VALID),
        ),
        (
            Code::MultiExpire,
            txt(with("Expires: 2027-01-01T00:00:00Z\n")),
            Some(4),
            txt(VALID),
        ),
        (
            Code::InvalidExpiry,
            txt(replace("2027-06-01T00:00:00Z", "2027-06-01")),
            Some(2),
            txt(replace(
                "2027-06-01T00:00:00Z",
                "2027-06-01t00:00:00.5+02:00",
            )),
        ),
        (
            Code::Expired,
            txt(replace("2027-06-01T00:00:00Z", "2026-11-21T23:59:59Z")),
            Some(2),
            txt(replace("2027-06-01T00:00:00Z", "2026-11-22T00:00:01Z")),
        ),
        (
            Code::LongExpiry,
            txt(replace("2027-06-01T00:00:00Z", "2027-11-22T00:00:01Z")),
            Some(2),
            txt(replace("2027-06-01T00:00:00Z", "2027-11-22T00:00:00Z")),
        ),
        (
            Code::ExpiresSoon,
            txt(replace("2027-06-01T00:00:00Z", "2026-12-21T00:00:00Z")),
            Some(2),
            txt(replace("2027-06-01T00:00:00Z", "2026-12-23T00:00:00Z")),
        ),
        (
            Code::InvalidLang,
            txt(with("Preferred-Languages: en, en_US\n")),
            Some(4),
            txt(with("Preferred-Languages: en,cs , zh-Hant\n")),
        ),
        (
            Code::UnregisteredLang,
            txt(with("Preferred-Languages: en, cz\n")),
            Some(4),
            txt(with("Preferred-Languages: En, cs\n")),
        ),
        (
            Code::MultiLang,
            txt(with("Preferred-Languages: en\nPreferred-Languages: nl\n")),
            Some(5),
            txt(with("Preferred-Languages: en, nl\n")),
        ),
        (
            Code::NoUri,
            txt(replace("mailto:security@", "security@")),
            Some(1),
            txt(VALID),
        ),
        (
            Code::TemplatePlaceholder,
            txt(replace(
                "mailto:security@example.test",
                "mailto:security@[yourdomain].com",
            )),
            Some(1),
            txt(replace(
                "mailto:security@example.test",
                "mailto:security@your-domain.test",
            )),
        ),
        (
            Code::ExampleDomain,
            txt(replace(
                "mailto:security@example.test",
                "mailto:security@example.com",
            )),
            Some(1),
            txt(replace(
                "mailto:security@example.test",
                "mailto:security@myexample.com",
            )),
        ),
        (
            Code::InvalidUri,
            txt(with("Policy: https://example.test/our policy\n")),
            Some(4),
            txt(with("Policy: https://example.test/our%20policy\n")),
        ),
        (
            Code::Openpgp4fprKeyId,
            txt(with("Encryption: openpgp4fpr:0123456789ABCDEF\n")),
            Some(4),
            txt(with(
                "Encryption: openpgp4fpr:0123456789ABCDEF0123456789ABCDEF01234567\n",
            )),
        ),
        (
            Code::NoHttps,
            txt(with("Policy: http://example.test/p\n")),
            Some(4),
            txt(with("Policy: https://example.test/p\n")),
        ),
        (
            Code::UnexpectedScheme,
            txt(with("Policy: ftp://example.test/p\n")),
            Some(4),
            txt(with(
                "Encryption: openpgp4fpr:0123456789ABCDEF0123456789ABCDEF01234567\n",
            )),
        ),
        (
            Code::InvalidEmail,
            txt(replace("security@example.test", "security@localhost")),
            Some(1),
            txt(replace(
                "security@example.test",
                "security+cvd@example.co.uk",
            )),
        ),
        (
            Code::InvalidTel,
            txt(with("Contact: tel:070-1234567\n")),
            Some(4),
            txt(with("Contact: tel:+31-70-123-4567\n")),
        ),
        (
            Code::InlineKey,
            txt(with(
                "Encryption: data:application/pgp-keys;base64,mQINBF\n",
            )),
            Some(4),
            txt(with(
                "Encryption: dns:5d2d37ab76d47d36._openpgpkey.example.test?type=OPENPGPKEY\n",
            )),
        ),
        (
            Code::ChainedValues,
            txt(with(
                "Encryption: https://a.example/k.asc, https://b.example/k.asc\n",
            )),
            Some(4),
            txt(with("Contact: mailto:a@example.test,b@example.test\n")),
        ),
        (
            Code::NoEncryption,
            txt("Contact: mailto:security@example.test\nExpires: 2027-06-01T00:00:00Z\n"),
            None,
            txt("Contact: https://example.test/report\nExpires: 2027-06-01T00:00:00Z\n"),
        ),
        (
            Code::NoCanonicalMatch,
            at_urls(
                &canonical(),
                "https://other.example/.well-known/security.txt",
                None,
            ),
            None,
            at_urls(
                &canonical(),
                "HTTPS://Example.TEST:443/.well-known/./security.txt",
                None,
            ),
        ),
        (
            Code::CanonicalPartialMatch,
            at_urls(
                &canonical(),
                "https://example.org/.well-known/security.txt",
                Some("https://example.test/.well-known/security.txt"),
            ),
            None,
            at_urls(
                &with(
                    "Canonical: https://example.org/.well-known/security.txt\nCanonical: https://example.test/.well-known/security.txt\n",
                ),
                "https://example.org/.well-known/security.txt",
                Some("https://example.test/.well-known/security.txt"),
            ),
        ),
        (
            Code::NoCsafFile,
            txt(with("CSAF: https://example.test/advisories/index.json\n")),
            Some(4),
            txt(with(
                "CSAF: https://example.test/.well-known/csaf/provider-metadata.json\n",
            )),
        ),
        (
            Code::MultipleCsafFields,
            txt(with(
                "CSAF: https://example.test/a/provider-metadata.json\nCSAF: https://example.test/b/provider-metadata.json\n",
            )),
            Some(5),
            txt(with(
                "CSAF: https://example.test/a/provider-metadata.json\n",
            )),
        ),
        (
            Code::InvalidBugBounty,
            txt(with("Bug-Bounty: yes\n")),
            Some(4),
            txt(with("Bug-Bounty: False\n")),
        ),
        (
            Code::MultiBugBounty,
            txt(with("Bug-Bounty: True\nbug-bounty: True\n")),
            Some(5),
            txt(with("Bug-Bounty: True\n")),
        ),
        (
            Code::UnknownField,
            txt(with("Last-Updated: 2026-01-01\n")),
            Some(4),
            txt(with("Bug-Bounty: True\n")),
        ),
        (
            Code::MisspelledField,
            txt(with("Encyption: https://example.test/k.asc\n")),
            Some(4),
            txt(with("ENCRYPTION: https://example.test/k.asc\n")),
        ),
        (
            Code::ObsoleteField,
            txt(with(
                "Signature: https://example.test/.well-known/security.txt.sig\n",
            )),
            Some(4),
            txt(with("Signed-By: the security team\n")),
        ),
        // OpenPGP signature envelope
        (Code::NotSigned, txt(VALID), None, txt(signed(&canonical()))),
        (
            Code::NoCanonical,
            txt(signed(VALID)),
            None,
            txt(signed(&canonical())),
        ),
        (
            Code::SignedFormatIssue,
            txt(format!("\n{}", signed(&canonical()))),
            Some(2),
            txt(signed(&canonical())),
        ),
        (
            Code::DataAfterSig,
            txt(signed(&canonical()) + "Contact: mailto:attacker@example.net\n"),
            Some(14),
            txt(signed(&canonical())),
        ),
        (
            Code::TooManyLineSeparators,
            txt(signed(&canonical()) + "\n"),
            Some(14),
            txt(signed(&canonical())),
        ),
        (
            Code::PgpDataError,
            txt(signed(&canonical()).replacen("SHA512\n\n", "SHA512\n", 1)),
            Some(3),
            txt(signed(&canonical())),
        ),
        (
            Code::PgpError,
            txt(with_wrong_crc(&signed(&canonical()))),
            Some(12),
            txt(signed(&canonical())),
        ),
        (
            Code::PgpSignatureError,
            // A literal data packet (type 11) where only signatures belong.
            txt(signed_with(
                "SHA512",
                &canonical(),
                &[0xCB, 0x04, b'b', 0, 0, 0],
            )),
            Some(8),
            txt(signed(&canonical())),
        ),
        (
            Code::HashHeaderMismatch,
            txt(signed_with(
                "SHA256",
                &canonical(),
                &signature_packet(10, 0xAA),
            )),
            Some(1),
            txt(signed_with(
                "SHA256",
                &canonical(),
                &signature_packet(8, 0xAA),
            )),
        ),
        (
            Code::MultipleSignatures,
            txt(signed_with(
                "SHA512",
                &canonical(),
                &[signature_packet(10, 0xAA), signature_packet(10, 0xBB)].concat(),
            )),
            Some(8),
            txt(signed(&canonical())),
        ),
        (
            Code::HashInSignedText,
            txt(signed(&format!("Hash: SHA512\n\n{}", canonical()))),
            Some(4),
            txt(signed(&format!("# Hash: SHA512\n{}", canonical()))),
        ),
        (
            Code::SignatureNumberEncoding,
            // 0x7F declared as 8 bits: one leading zero bit.
            txt(signed_with(
                "SHA512",
                &canonical(),
                &signature_packet_with(10, 0xAA, &[0x00, 0x08, 0xFF, 0x00, 0x08, 0x7F]),
            )),
            Some(8),
            txt(signed(&canonical())),
        ),
        (
            Code::BadSignature,
            with_keyring(
                keys()
                    .text
                    .replace("security@example.test", "attacker@example.net"),
                &keys().good,
            ),
            None,
            with_keyring(keys().text.clone(), &keys().good),
        ),
        (
            Code::SigningKeyNotFound,
            with_keyring(keys().text.clone(), &keys().other),
            None,
            with_keyring(keys().text.clone(), &keys().good),
        ),
        (
            Code::SigningKeyExpired,
            with_keyring(keys().expiring_text.clone(), &keys().expiring),
            None,
            with_keyring(keys().text.clone(), &keys().good),
        ),
        (
            Code::SigningKeyUnevaluated,
            // An RSA-8192 key made on 2026-12-01 (tests/fixtures/rsa8192): judged before it
            // existed, its life cannot be read; judged after, it can.
            at_time(
                with_keyring(fixture("direct.txt"), &fixture_path("direct.key.asc")),
                "2026-11-22T00:00:00Z",
            ),
            None,
            at_time(
                with_keyring(fixture("direct.txt"), &fixture_path("direct.key.asc")),
                "2026-12-24T00:00:00Z",
            ),
        ),
        (
            Code::SigningKeyRevoked,
            with_keyring(keys().text.clone(), &keys().revoked),
            None,
            with_keyring(keys().text.clone(), &keys().good),
        ),
        (
            Code::ExpiresAfterKey,
            // The key expires on 2026-07-20, the file on 2027-06-01 (line 5 of the signed file).
            with_keyring(keys().expiring_text.clone(), &keys().expiring),
            Some(5),
            with_keyring(keys().text.clone(), &keys().good),
        ),
        (
            // Keys are looked for only for a signed file; its Encryption is on line 6.
            Code::EncryptionKeyUnreachable,
            Input {
                unreachable: vec!["https://example.test/pgp-key.txt".into()],
                ..with_keyring(keys().text.clone(), &keys().good)
            },
            Some(6),
            with_keyring(keys().text.clone(), &keys().good),
        ),
        // Bounds: 20 findings of one code are kept, the 21st is counted instead
        (
            Code::TooManyFindings,
            at_urls(
                &format!("{VALID}{}", "X-Field: a\n".repeat(21)),
                "https://example.test/.well-known/security.txt",
                None,
            ),
            None,
            at_urls(
                &format!("{VALID}{}", "X-Field: a\n".repeat(20)),
                "https://example.test/.well-known/security.txt",
                None,
            ),
        ),
        // How the file was served
        (
            Code::Location,
            served(VALID, Some("text/plain; charset=utf-8"), true),
            None,
            served(VALID, Some("text/plain; charset=utf-8"), false),
        ),
        (
            Code::InvalidUriScheme,
            {
                let mut i = served(VALID, Some("text/plain; charset=utf-8"), false);
                i.ctx.final_url = Some("http://example.test/.well-known/security.txt".into());
                i
            },
            None,
            served(VALID, Some("text/plain; charset=utf-8"), false),
        ),
        (
            Code::NoContentType,
            served(VALID, None, false),
            None,
            served(VALID, Some("text/plain; charset=utf-8"), false),
        ),
        (
            Code::InvalidMedia,
            served(VALID, Some("text/html; charset=utf-8"), false),
            None,
            served(VALID, Some("Text/Plain; charset=utf-8"), false),
        ),
        (
            Code::InvalidCharset,
            served(VALID, Some("text/plain; charset=iso-8859-1"), false),
            None,
            served(VALID, Some("text/plain; charset=\"UTF-8\""), false),
        ),
        (
            Code::NoCharset,
            served(VALID, Some("text/plain"), false),
            None,
            served(VALID, Some("text/plain;charset=utf-8"), false),
        ),
    ]
}

#[test]
fn every_code_triggers_on_its_case_and_not_on_the_near_miss() {
    let mut failures = Vec::new();
    for (code, hit, line, miss) in cases() {
        let found = findings(&hit);
        if !found.contains(&(code, line)) {
            failures.push(format!("{code}: expected at {line:?}, found {found:?}"));
        }
        let near = findings(&miss);
        if near.iter().any(|(c, _)| *c == code) {
            failures.push(format!("{code}: near miss also triggers it: {near:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_code_has_a_case() {
    let covered: BTreeSet<Code> = cases().iter().map(|(c, ..)| *c).collect();
    let missing: Vec<_> = Code::ALL.iter().filter(|c| !covered.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "codes without a targeted case: {missing:?}"
    );
}

#[test]
fn the_valid_example_has_no_finding_beyond_the_signature_recommendation() {
    assert_eq!(findings(&txt(VALID)), [(Code::NotSigned, None)]);
    assert_eq!(
        findings(&with_keyring(keys().text.clone(), &keys().good)),
        []
    );
    // The synthetic signature of the structural cases is well-formed but made by no key.
    assert_eq!(
        findings(&txt(signed(&canonical()))),
        [(Code::SigningKeyNotFound, None)]
    );
}

#[test]
fn inputs_that_crash_sectxt_are_plain_findings() {
    for value in [
        "99999999999999999999999",
        "2026-12-01T00:00:00+24:00",
        "2026-02-29T00:00:00Z",
    ] {
        let input = txt(replace("2027-06-01T00:00:00Z", value));
        assert!(
            findings(&input).contains(&(Code::InvalidExpiry, Some(2))),
            "{value}"
        );
    }
}

#[test]
fn an_html_page_is_only_that_finding() {
    let page = "<!DOCTYPE html>\n<html>\n<body>\u{7}Contact: nothing here</body>\n</html>";
    assert_eq!(findings(&txt(page)), [(Code::HtmlDocument, None)]);
    let mut served_page = served(page, Some("text/html"), false);
    served_page.ctx.http.as_mut().unwrap().legacy_location = true;
    let codes: Vec<Code> = findings(&served_page).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        codes,
        [
            Code::HtmlDocument,
            Code::Location,
            Code::InvalidMedia,
            Code::NoCharset
        ]
    );
}

#[test]
fn a_pasted_public_key_block_is_an_inline_key() {
    let text = with(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n",
    );
    let found = findings(&txt(text));
    assert!(found.contains(&(Code::InlineKey, Some(4))));
    assert!(
        !found.iter().any(|(c, _)| *c == Code::InvalidLine),
        "{found:?}"
    );
}

#[test]
fn fields_after_the_signature_are_unsigned_and_never_contacts() {
    let text = signed(&canonical()) + "Contact: mailto:attacker@example.net\n";
    let checked = format::check(text.as_bytes(), &Context::at(now()));
    let fields = &checked.report.fields;
    assert_eq!(fields.contact.len(), 1);
    assert_eq!(fields.contact[0].uri, "mailto:security@example.test");
    assert_eq!(fields.unsigned.len(), 1);
    assert_eq!(fields.unsigned[0].value, "mailto:attacker@example.net");
}

#[test]
fn dash_escaped_and_crlf_signed_text_reads_and_canonicalises() {
    let body = format!("- # a dash-escaped comment\n{}", canonical());
    let lf = signed(&body);
    let crlf = lf.replace('\n', "\r\n");
    for text in [&lf, &crlf] {
        let checked = format::check(text.as_bytes(), &Context::at(now()));
        assert!(
            checked.report.is_valid(),
            "{:?}",
            checked.report.diagnostics
        );
        let signed_text = checked.document.signed_text().unwrap();
        assert!(signed_text.starts_with(b"# a dash-escaped comment\r\nContact: mailto:"));
        assert!(signed_text.ends_with(b"/.well-known/security.txt"));
    }
}

#[test]
fn an_expires_rejected_for_its_syntax_also_says_when_it_would_have_expired() {
    let detail = |value: &str| -> String {
        let input = txt(replace("2027-06-01T00:00:00Z", value));
        let checked = format::check(&input.bytes, &input.ctx);
        let d = checked
            .report
            .diagnostics
            .iter()
            .find(|d| d.code == Code::InvalidExpiry)
            .unwrap_or_else(|| panic!("{value}"));
        d.detail.clone().unwrap_or_default()
    };
    assert!(
        detail("2022-01-01 00:00:00Z").ends_with(
            "Read leniently, it has also passed already (1786 days before 2026-11-22T00:00:00Z)."
        ),
        "{}",
        detail("2022-01-01 00:00:00Z")
    );
    assert!(detail("2030-01-01").contains("more than a year ahead"));
    assert!(!detail("2027-01-01").contains("Read leniently"));
}
