//! The format engine against the real corpus (`tests/corpus`, a byte-exact copy of
//! `../shared/corpus`): every file parses and validates without panic, the findings of each file
//! are pinned in `tests/corpus-expectations.txt`, and the files the issue names behave as stated.
//!
//! After an intended change of verdicts, regenerate the expectations with
//! `DISCLOSE_BLESS=1 cargo test --test corpus` and review the diff like code.

use disclose::format::{self, Checked, Code, Context, Timestamp};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-22T00:00:00Z";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn check_file(name: &str) -> Checked {
    let bytes = std::fs::read(corpus_dir().join(name)).expect("corpus file");
    format::check(&bytes, &Context::at(Timestamp::parse_rfc3339(NOW).unwrap()))
}

fn corpus_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() == 7 && n.ends_with(".txt"))
        .collect();
    names.sort();
    names
}

/// One line per file: name, verdict, and each code with its line (`-` for the whole file).
fn summary(name: &str, checked: &Checked) -> String {
    let codes: Vec<String> = checked
        .report
        .diagnostics
        .iter()
        .map(|d| match d.line {
            Some(l) => format!("{}@{l}", d.code),
            None => d.code.to_string(),
        })
        .collect();
    let verdict = if checked.report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    format!("{name}\t{verdict}\t{}", codes.join(" "))
}

#[test]
fn every_corpus_file_matches_its_pinned_findings() {
    let files = corpus_files();
    assert_eq!(files.len(), 206, "the corpus has 206 security.txt files");
    let mut actual = String::from(
        "# Findings of `disclose check --now 2026-11-22T00:00:00Z` for every file of tests/corpus.\n\
         # Regenerate with DISCLOSE_BLESS=1 cargo test --test corpus, and review the diff.\n",
    );
    for name in &files {
        actual.push_str(&summary(name, &check_file(name)));
        actual.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-expectations.txt");
    if std::env::var_os("DISCLOSE_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let differences: Vec<String> = expected
        .lines()
        .zip(actual.lines())
        .filter(|(e, a)| e != a)
        .map(|(e, a)| format!("  expected: {e}\n  actual:   {a}"))
        .collect();
    assert!(
        differences.is_empty() && expected.lines().count() == actual.lines().count(),
        "findings changed for {} file(s) (DISCLOSE_BLESS=1 to accept):\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// MANIFEST.tsv says which files carry a cleartext signature; the parser must agree.
#[test]
fn envelope_detection_agrees_with_the_manifest() {
    let manifest = std::fs::read_to_string(corpus_dir().join("MANIFEST.tsv")).unwrap();
    let mut rows = 0;
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (id, signed) = (cols[0], cols[5]);
        let checked = check_file(&format!("{id}.txt"));
        assert_eq!(checked.document.is_signed(), signed == "yes", "{id}");
        rows += 1;
    }
    assert_eq!(rows, 206);
}

fn codes_by_line(checked: &Checked) -> BTreeMap<Code, Vec<Option<usize>>> {
    let mut map: BTreeMap<Code, Vec<Option<usize>>> = BTreeMap::new();
    for d in &checked.report.diagnostics {
        map.entry(d.code).or_default().push(d.line);
    }
    map
}

fn detail(checked: &Checked, code: Code) -> String {
    checked
        .report
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .and_then(|d| d.detail.clone())
        .unwrap_or_else(|| panic!("no {code} finding"))
}

#[test]
fn a_second_hash_line_inside_the_signed_text_is_reported_and_harmless() {
    // 003: Internet.nl's own file; GnuPG verifies it; its signed text starts with `Hash: SHA512`.
    let c = check_file("003.txt");
    assert!(c.report.is_valid());
    let env = c.document.envelope.as_ref().unwrap();
    assert_eq!(env.hash_algorithms, ["SHA512"]);
    assert_eq!(codes_by_line(&c)[&Code::HashInSignedText], [Some(4)]);
    assert!(c.report.fields.unknown.iter().any(|f| f.name == "Hash"));
    assert!(
        c.document
            .signed_text()
            .unwrap()
            .starts_with(b"Hash: SHA512\r\n\r\n# Canonical URLs\r\n")
    );
}

#[test]
fn two_signatures_in_one_block_name_both_issuers() {
    let c = check_file("161.txt");
    let env = c.document.envelope.as_ref().unwrap();
    assert_eq!(env.signatures.len(), 2);
    assert_eq!(env.hash_algorithms, ["SHA384"]);
    let note = detail(&c, Code::MultipleSignatures);
    assert!(
        note.contains("F37A55FF1713EAAFDD4EF7C1B25ECFC69E1033FA"),
        "{note}"
    );
    assert!(
        note.contains("C361EBAF0D3E5FC0E5ED50182FB77A8F827D7A42"),
        "{note}"
    );
}

#[test]
fn a_quoted_printable_signature_is_recognised_as_such() {
    let c = check_file("195.txt");
    assert!(c.document.is_signed());
    assert!(detail(&c, Code::PgpDataError).contains("quoted-printable"));
    // The fields of the signed text are still read.
    assert_eq!(
        c.report.fields.contact[0].uri,
        "https://internet.nl/disclosure/"
    );
}

#[test]
fn an_html_page_is_one_finding_not_a_flood() {
    let c = check_file("141.txt");
    assert_eq!(c.report.codes(), [Code::HtmlDocument]);
    assert_eq!(c.report.fields, Default::default());
}

#[test]
fn crlf_lf_mixed_and_bom_files_read_the_same_fields() {
    // 009 is CRLF and signed; 057 mixes CRLF and LF inside the signed text; 173 starts with a BOM.
    let c = check_file("009.txt");
    assert!(c.document.is_signed());
    assert!(!c.report.codes().contains(&Code::NoLineSeparators));
    assert!(!c.report.fields.contact.is_empty());
    let c = check_file("057.txt");
    assert!(c.document.is_signed() && !c.report.fields.contact.is_empty());
    let c = check_file("173.txt");
    assert_eq!(codes_by_line(&c)[&Code::BomInFile], [Some(1)]);
    assert_eq!(c.report.fields.contact[0].uri, "mailto:info@nordapi.com");
}

#[test]
fn known_mistakes_get_their_specific_findings() {
    let expect = |file: &str, code: Code, needle: &str| {
        let c = check_file(file);
        let note = detail(&c, code);
        assert!(note.contains(needle), "{file} {code}: {note}");
    };
    expect(
        "002.txt",
        Code::NoUri,
        "mailto:openssl-security@openssl.org",
    );
    expect("002.txt", Code::MisspelledField, "Acknowledgments");
    expect("012.txt", Code::InvalidExpiry, "no seconds");
    expect("032.txt", Code::InvalidExpiry, "2026-12-19T00:00:00Z");
    expect("044.txt", Code::InvalidExpiry, "2022-03-17T12:00:00+01:00");
    expect("157.txt", Code::InvalidExpiry, "2038-01-19T03:14:07.000Z");
    expect(
        "063.txt",
        Code::TemplatePlaceholder,
        "`DATE_EXP` looks like a template placeholder",
    );
    expect(
        "139.txt",
        Code::TemplatePlaceholder,
        "`{Expiration Date in ISO 8601 Format}` looks like",
    );
    expect("074.txt", Code::InvalidFieldName, "Security policy");
    expect("100.txt", Code::MisspelledField, "Contact");
    expect("132.txt", Code::ChainedValues, "2 values");
    expect("145.txt", Code::UnregisteredLang, "`cs`");
    expect("146.txt", Code::InvalidUri, "backslash");
    expect("171.txt", Code::UnregisteredLang, "`uk`");
    expect("192.txt", Code::UnregisteredLang, "`en`");
    expect("018.txt", Code::UnexpectedScheme, "httpd:");
    expect("001.txt", Code::InlineKey, "data:");
    expect("022.txt", Code::PgpDataError, "nothing is signed");
}

#[test]
fn typed_fields_come_out_in_file_order() {
    let c = check_file("009.txt");
    let f = &c.report.fields;
    assert!(f.contact.iter().all(|c| c.valid));
    assert_eq!(
        f.expires.as_ref().unwrap().timestamp.unwrap().to_string(),
        "2026-11-29T00:00:00Z"
    );
    assert!(!f.encryption.is_empty() && !f.canonical.is_empty());
    let c = check_file("083.txt");
    let kinds: Vec<_> = c
        .report
        .fields
        .contact
        .iter()
        .map(|c| (c.kind, c.valid))
        .collect();
    use disclose::format::validate::ContactKind::*;
    assert_eq!(kinds, [(Email, false), (Other, false)]);
}
