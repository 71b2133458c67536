//! Signatures verified for real: every signed corpus file against what GnuPG said with the
//! repository's key, files signed here and then tampered with, key expiry and revocation, and
//! the verdict as `disclose check --keyring` shows it.

use disclose::format::{self, Code, Context, Timestamp};
use disclose::lab::signing::SigningKey;
use disclose::signature::keys::{KeyFinder, Keyring};
use disclose::signature::{Independence, KeySourceKind, Verdict, Verification, verify_file};
use futures_util::FutureExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).unwrap()
}

fn system(t: Timestamp) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.unix() as u64)
}

/// Checks `bytes` with the keys of `keyring`, at `now`.
fn check_with(
    bytes: &[u8],
    keyring: Option<&Path>,
    now: Timestamp,
) -> (format::Checked, Verification) {
    let mut checked = format::check(bytes, &Context::at(now));
    let finder = match keyring {
        Some(path) => KeyFinder::new(vec![Box::new(Keyring::open(path).unwrap())]),
        None => KeyFinder::default(),
    };
    let verification = verify_file(
        &checked.document,
        &checked.report.fields,
        &finder,
        None,
        now,
    )
    .now_or_never()
    .expect("keyring lookups do not wait");
    checked.report.add(verification.diagnostics.clone());
    (checked, verification)
}

#[test]
fn every_signed_corpus_file_gets_the_verdict_gnupg_gave() {
    let manifest = std::fs::read_to_string(corpus().join("MANIFEST.tsv")).unwrap();
    let now = at("2026-11-22T00:00:00Z");
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (id, signed, key_file, gpg) = (cols[0], cols[5], cols[6], cols[7]);
        if signed != "yes" || key_file.is_empty() {
            continue;
        }
        let bytes = std::fs::read(corpus().join(format!("{id}.txt"))).unwrap();
        let (_, v) = check_with(&bytes, Some(&corpus().join(key_file)), now);
        let ours = match &v.verdict {
            Verdict::Verified {
                key_expired: Some(false),
                ..
            } => "good",
            Verdict::Verified {
                key_expired: Some(true),
                ..
            } => "good-expired-key",
            Verdict::Verified {
                key_expired: None, ..
            } => "good-key-unknown",
            Verdict::BadSignature { .. } => "bad",
            Verdict::NoKey { .. } => "wrong-key",
            Verdict::Malformed { .. } => "unparseable",
            Verdict::Unsigned => "unsigned",
        };
        if ours != gpg {
            mismatches.push(format!("{id}: GnuPG said {gpg}, disclose {:?}", v.verdict));
        }
        compared += 1;
    }
    assert_eq!(compared, 37, "signed corpus files with a key");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn a_verified_file_names_its_signer_and_the_key_source() {
    let (checked, v) = check_with(
        &std::fs::read(corpus().join("009.txt")).unwrap(),
        Some(&corpus().join("009.key.asc")),
        at("2026-11-22T00:00:00Z"),
    );
    let Verdict::Verified {
        fingerprint,
        key_source,
        independence,
        signed_at,
        key_expired,
        ..
    } = &v.verdict
    else {
        panic!("{:?}", v.verdict)
    };
    assert_eq!(fingerprint.len(), 40);
    assert_eq!(key_source.kind, KeySourceKind::Keyring);
    assert_eq!(*independence, Independence::Pinned);
    assert!(signed_at.is_some() && *key_expired == Some(false));
    assert!(checked.report.is_valid());
    // The mis-encoded RSA signature GnuPG accepts (119) verifies too, with a recommendation.
    let (checked, v) = check_with(
        &std::fs::read(corpus().join("119.txt")).unwrap(),
        Some(&corpus().join("119.key.asc")),
        at("2026-11-22T00:00:00Z"),
    );
    assert_eq!(v.verdict.name(), "verified");
    assert!(
        checked
            .report
            .codes()
            .contains(&Code::SignatureNumberEncoding)
    );
}

#[test]
fn a_tampered_corpus_file_is_a_bad_signature_and_invalid() {
    // 165: the repository edited its file after signing; sectxt calls it valid.
    let (checked, v) = check_with(
        &std::fs::read(corpus().join("165.txt")).unwrap(),
        Some(&corpus().join("165.key.asc")),
        at("2026-11-22T00:00:00Z"),
    );
    assert_eq!(v.verdict.name(), "bad_signature");
    assert!(!checked.report.is_valid());
    assert!(checked.report.codes().contains(&Code::BadSignature));
}

/// A file signed here with a fresh Cv25519 key, and that key written to a keyring file.
struct Signed {
    key: SigningKey,
    text: String,
    keyring: PathBuf,
}

const BODY: &str = "Contact: mailto:security@example.test\n\
                    Expires: 2027-06-01T00:00:00Z\n\
                    Encryption: https://example.test/pgp-key.txt\n\
                    Canonical: https://example.test/.well-known/security.txt\n";

fn signed(name: &str, validity: Option<Duration>) -> Signed {
    let created = system(at("2026-01-01T00:00:00Z"));
    let key = SigningKey::generate("<security@example.test>", created, validity).unwrap();
    let text = String::from_utf8(
        key.sign(BODY.as_bytes(), system(at("2026-06-01T00:00:00Z")))
            .unwrap(),
    )
    .unwrap();
    let keyring =
        std::env::temp_dir().join(format!("disclose-sig-{name}-{}.asc", std::process::id()));
    std::fs::write(&keyring, key.public_armored()).unwrap();
    Signed { key, text, keyring }
}

fn verdict_of(text: &str, keyring: &Path) -> (format::Checked, Verification) {
    check_with(text.as_bytes(), Some(keyring), at("2026-11-22T00:00:00Z"))
}

#[test]
fn a_file_signed_here_verifies_and_every_forbidden_change_breaks_it() {
    let s = signed("tamper", None);
    let (checked, v) = verdict_of(&s.text, &s.keyring);
    assert_eq!(v.verdict.name(), "verified", "{:?}", v.verdict);
    assert!(
        checked.report.is_valid(),
        "{:?}",
        checked.report.diagnostics
    );
    let Verdict::Verified { certificate, .. } = &v.verdict else {
        unreachable!()
    };
    assert_eq!(certificate, &s.key.fingerprint());

    // A changed Contact, a changed space inside a line, a removed line: all bad.
    for (what, tampered) in [
        (
            "contact",
            s.text
                .replace("security@example.test", "attacker@example-other.test"),
        ),
        (
            "inner whitespace",
            s.text.replace("Contact: mailto", "Contact:  mailto"),
        ),
        (
            "removed line",
            s.text
                .replace("Encryption: https://example.test/pgp-key.txt\n", ""),
        ),
    ] {
        let (checked, v) = verdict_of(&tampered, &s.keyring);
        assert_eq!(v.verdict.name(), "bad_signature", "{what}: {:?}", v.verdict);
        assert!(
            checked.report.codes().contains(&Code::BadSignature),
            "{what}"
        );
        assert!(!checked.report.is_valid(), "{what}");
    }
}

#[test]
fn changes_the_cleartext_rules_allow_keep_the_signature() {
    let s = signed("allowed", None);
    for (what, changed) in [
        ("CRLF line endings", s.text.replace('\n', "\r\n")),
        (
            "trailing whitespace",
            s.text.replace(
                "Contact: mailto:security@example.test\n",
                "Contact: mailto:security@example.test  \t\n",
            ),
        ),
        (
            "Version armour header",
            s.text.replace(
                "-----BEGIN PGP SIGNATURE-----\n",
                "-----BEGIN PGP SIGNATURE-----\nComment: added later\n",
            ),
        ),
    ] {
        let (_, v) = verdict_of(&changed, &s.keyring);
        assert_eq!(v.verdict.name(), "verified", "{what}: {:?}", v.verdict);
    }
}

#[test]
fn a_line_added_after_the_signature_is_unsigned_and_never_a_contact() {
    let s = signed("after", None);
    let text = format!("{}Contact: mailto:attacker@example-other.test\n", s.text);
    let (checked, v) = verdict_of(&text, &s.keyring);
    assert_eq!(v.verdict.name(), "verified");
    let fields = &checked.report.fields;
    assert_eq!(fields.contact.len(), 1);
    assert_eq!(fields.contact[0].uri, "mailto:security@example.test");
    assert_eq!(
        fields.unsigned[0].value,
        "mailto:attacker@example-other.test"
    );
    assert!(checked.report.codes().contains(&Code::DataAfterSig));
}

#[test]
fn a_key_that_does_not_match_is_not_used() {
    let s = signed("signer", None);
    let other = signed("other", None);
    let (checked, v) = verdict_of(&s.text, &other.keyring);
    let Verdict::NoKey { issuers, tried } = &v.verdict else {
        panic!("{:?}", v.verdict)
    };
    assert!(!issuers.is_empty());
    assert!(tried[0].starts_with("keyring "), "{tried:?}");
    assert!(checked.report.codes().contains(&Code::SigningKeyNotFound));
    assert!(
        checked.report.is_valid(),
        "a missing key is a notification, not an error"
    );
}

#[test]
fn expired_and_revoked_keys_are_reported_with_the_signature_still_verified() {
    // Created 2026-01-01, valid 200 days (to 2026-07-20), signed 2026-06-01, checked 2026-11-22:
    // expired now but not when it signed, and before the file's Expires (2027-06-01).
    let s = signed("expiring", Some(Duration::from_secs(200 * 86_400)));
    let (checked, v) = verdict_of(&s.text, &s.keyring);
    let Verdict::Verified {
        key_expired,
        key_expired_at_signing,
        key_expires,
        ..
    } = &v.verdict
    else {
        panic!("{:?}", v.verdict)
    };
    assert_eq!(
        (*key_expired, *key_expired_at_signing),
        (Some(true), Some(false))
    );
    assert_eq!(key_expires.unwrap().to_string(), "2026-07-20T00:00:00Z");
    let codes = checked.report.codes();
    assert!(
        codes.contains(&Code::SigningKeyExpired) && codes.contains(&Code::ExpiresAfterKey),
        "{codes:?}"
    );

    let mut s = signed("revoked", None);
    s.key.cert = s
        .key
        .cert
        .clone()
        .insert_packets(s.key.revocation.clone())
        .unwrap()
        .0;
    std::fs::write(&s.keyring, s.key.public_armored()).unwrap();
    let (checked, v) = verdict_of(&s.text, &s.keyring);
    assert!(
        matches!(
            v.verdict,
            Verdict::Verified {
                key_revoked: Some(true),
                ..
            }
        ),
        "{:?}",
        v.verdict
    );
    assert!(checked.report.codes().contains(&Code::SigningKeyRevoked));
}

#[test]
fn check_with_a_keyring_shows_the_verdict() {
    let s = signed("cli", None);
    let file = std::env::temp_dir().join(format!("disclose-sig-cli-{}.txt", std::process::id()));
    std::fs::write(&file, &s.text).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_disclose"))
            .args(["check", "--now", "2026-11-22T00:00:00Z"])
            .args(args)
            .arg(&file)
            .output()
            .unwrap()
    };
    let keyring = s.keyring.to_str().unwrap();
    let human = String::from_utf8(run(&["--keyring", keyring]).stdout).unwrap();
    assert!(human.contains("(signature verified: key "), "{human}");
    assert!(human.contains("pinned"), "{human}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["--json", "--keyring", keyring]).stdout).unwrap();
    assert_eq!(json["signature"]["verdict"], "verified");
    assert_eq!(json["signature"]["independence"], "pinned");
    assert_eq!(json["signature"]["key_source"]["kind"], "keyring");
    assert_eq!(json["signature"]["key_expired"], false);
    assert!(
        json["signature"]["signed_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-01")
    );
    let without: serde_json::Value = serde_json::from_slice(&run(&["--json"]).stdout).unwrap();
    assert_eq!(without["signature"]["verdict"], "no_key");
}

fn rsa8192(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rsa8192")
        .join(name)
}

/// RSA keys over 4096 bits, which sequoia's backend refuses and GnuPG verifies. The fixtures
/// were made once with GnuPG 2.2.40 (`--enable-large-rsa`): `direct.txt` signed by an RSA-8192
/// key; `subkey.txt` signed on 2022-06-01 (faked time) by an RSA-3072 subkey, bound by an RSA-8192
/// primary key, that expired on 2023-01-01. GnuPG: "Good signature" for both, and "This key has
/// expired" for the second.
#[test]
fn rsa_keys_over_4096_bits_verify_and_their_life_is_read() {
    let now = at("2026-12-24T00:00:00Z");
    let bytes = std::fs::read(rsa8192("direct.txt")).unwrap();
    let (checked, v) = check_with(&bytes, Some(&rsa8192("direct.key.asc")), now);
    let Verdict::Verified {
        fingerprint,
        key_expired,
        key_revoked,
        ..
    } = &v.verdict
    else {
        panic!("{:?}", v.verdict)
    };
    assert_eq!(fingerprint, "A098BB1DB490BA630F34C35CBBA60387BFD784AD");
    assert_eq!((*key_expired, *key_revoked), (Some(false), Some(false)));
    assert!(!checked.report.codes().contains(&Code::BadSignature));

    let bytes = std::fs::read(rsa8192("subkey.txt")).unwrap();
    let (checked, v) = check_with(&bytes, Some(&rsa8192("subkey.key.asc")), now);
    let Verdict::Verified {
        fingerprint,
        certificate,
        key_expired,
        key_expired_at_signing,
        key_expires,
        ..
    } = &v.verdict
    else {
        panic!("{:?}", v.verdict)
    };
    assert_eq!(fingerprint, "D39FA0E18AEAEDF6E55E84B59E4E9469364FFB33");
    assert_eq!(certificate, "F87530562189CD5EA893E9A22B03E241F40B65F4");
    assert_eq!(
        (*key_expired, *key_expired_at_signing),
        (Some(true), Some(false))
    );
    assert_eq!(
        key_expires.map(|t| t.to_string()).as_deref(),
        Some("2023-01-01T12:00:00Z")
    );
    assert!(checked.report.codes().contains(&Code::SigningKeyExpired));

    // A key whose life cannot be read is not called alive: before this key existed, nothing
    // about it can be said, and the verdict says so.
    let bytes = std::fs::read(rsa8192("direct.txt")).unwrap();
    let (checked, v) = check_with(
        &bytes,
        Some(&rsa8192("direct.key.asc")),
        at("2026-11-22T00:00:00Z"),
    );
    let Verdict::Verified { key_expired, .. } = &v.verdict else {
        panic!("{:?}", v.verdict)
    };
    assert_eq!(*key_expired, None);
    assert!(
        checked
            .report
            .codes()
            .contains(&Code::SigningKeyUnevaluated)
    );
}

/// GnuPG refuses a clearsigned file whose `Hash:` header is missing or names another algorithm
/// ("signature digest conflict … Can't check signature"); so does disclose, with the finding
/// that says which.
#[test]
fn a_hash_header_that_does_not_match_the_signature_is_malformed_as_gnupg_has_it() {
    let s = signed("hash-header", None);
    assert!(s.text.contains("\nHash: SHA512\n"), "{}", s.text);
    for (what, text, says) in [
        (
            "missing",
            s.text.replace("Hash: SHA512\n", ""),
            "no `Hash:` line, which means MD5, and the signature uses SHA512",
        ),
        (
            "another algorithm",
            s.text.replace("Hash: SHA512\n", "Hash: SHA256\n"),
            "the signature uses SHA512 but the `Hash:` header names SHA256",
        ),
    ] {
        let (checked, v) = verdict_of(&text, &s.keyring);
        assert_eq!(v.verdict.name(), "malformed", "{what}: {:?}", v.verdict);
        let finding = checked
            .report
            .diagnostics
            .iter()
            .find(|d| d.code == Code::HashHeaderMismatch)
            .unwrap_or_else(|| panic!("{what}: {:?}", checked.report.diagnostics));
        assert_eq!(finding.line, Some(1));
        assert!(
            finding.detail.as_deref().unwrap().contains(says),
            "{what}: {finding:?}"
        );
        assert!(!checked.report.is_valid());
    }
}
