//! Properties of the format engine over generated inputs: any bytes are parsed and validated
//! without panic in any context, and any valid document reads back the fields it was written
//! with, whatever its line endings, field-name case, comments and blank lines.

use disclose::format::validate::ContactKind;
use disclose::format::{self, Context, HttpContext, Level, Timestamp};
use proptest::prelude::*;

/// `cases` generated inputs (`PROPTEST_CASES` overrides, for a long run by hand); failures are
/// reported, not written to regression files in the tree.
fn config(cases: u32) -> ProptestConfig {
    let from_env = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    ProptestConfig {
        cases: from_env.unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-22T00:00:00Z").unwrap()
}

/// Pieces that steer random input into the parser's deeper paths: armour, fields, separators.
const FRAGMENTS: &[&str] = &[
    "-----BEGIN PGP SIGNED MESSAGE-----",
    "-----BEGIN PGP SIGNATURE-----",
    "-----END PGP SIGNATURE-----",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    "Hash: SHA512",
    "Hash: ",
    "Contact: ",
    "Expires: ",
    "Preferred-Languages: ",
    "Canonical: ",
    "CSAF: ",
    "Bug-Bounty: ",
    "mailto:",
    "https://",
    "tel:+",
    "openpgp4fpr:",
    "data:",
    "2027-01-01T00:00:00Z",
    "+24:00",
    "99999999999999999999",
    "en, nl",
    "- ",
    "#",
    ":",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "=",
    "=3D",
    "iQIz",
    "<html>",
    "<!--",
    "%",
    "%zz",
    "[",
    "@",
    "\u{feff}",
    "\u{0}",
    "é",
    "\u{202e}",
];

fn any_context() -> impl Strategy<Value = Context> {
    (
        prop::option::of(prop::sample::select(vec![
            "https://example.com/.well-known/security.txt",
            "http://example.com/security.txt",
            "not a url",
        ])),
        prop::option::of(prop::sample::select(vec![
            "https://www.example.com/.well-known/security.txt",
            "HTTPS://EXAMPLE.COM:443/.well-known/security.txt",
        ])),
        prop::option::of(prop::option::of(prop::sample::select(vec![
            "text/plain; charset=utf-8",
            "text/html",
            "text/plain; charset",
            ";;;=",
        ]))),
        any::<bool>(),
    )
        .prop_map(|(requested, final_url, http, legacy)| {
            let mut ctx = Context::at(now());
            ctx.requested_url = requested.map(Into::into);
            ctx.final_url = final_url.map(Into::into);
            ctx.http = http.map(|content_type| HttpContext {
                content_type: content_type.map(Into::into),
                legacy_location: legacy,
            });
            ctx
        })
}

fn exercise(bytes: &[u8], ctx: &Context) {
    let checked = format::check(bytes, ctx);
    // Every finding points inside the document, and the renderers cope with all of them.
    for d in &checked.report.diagnostics {
        if let Some(line) = d.line {
            assert!(
                line >= 1 && line <= checked.document.lines.len().max(1001),
                "{d:?}"
            );
        }
    }
    // Signature verification reads the armour with sequoia: it must not panic either.
    let verification = futures_util::FutureExt::now_or_never(disclose::signature::verify_file(
        &checked.document,
        &checked.report.fields,
        &disclose::signature::keys::KeyFinder::default(),
        None,
        now(),
    ))
    .expect("no key source, nothing to wait for");
    let mut out = Vec::new();
    disclose::check::write_human(
        &mut out,
        "input",
        &checked,
        &verification.verdict,
        now(),
        disclose::check::Styles::plain(),
    )
    .unwrap();
    assert!(
        !out.iter().any(|&b| b == 0x1b || b == 0),
        "raw control bytes reached the output"
    );
    serde_json::to_string(&disclose::check::JsonReport::new(
        "input",
        &checked,
        &verification.verdict,
    ))
    .unwrap();
    let _ = checked.document.signed_text();
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), ctx in any_context()) {
        exercise(&bytes, &ctx);
    }

    #[test]
    fn arbitrary_fragment_soup_never_panics(
        parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..120),
        ctx in any_context(),
    ) {
        exercise(parts.concat().as_bytes(), &ctx);
    }
}

/// A document written from known values.
#[derive(Debug, Clone)]
struct Model {
    contacts: Vec<(String, ContactKind)>,
    expires_in_days: i64,
    encryption: Vec<String>,
    policy: Vec<String>,
    languages: Vec<&'static str>,
    bug_bounty: Option<bool>,
    crlf: bool,
    shout_names: bool,
    comment_every: usize,
}

fn web_uri() -> impl Strategy<Value = String> {
    ("[a-z]{1,10}", "[a-z]{2,6}", "[a-z0-9/_.-]{0,20}")
        .prop_map(|(host, tld, path)| format!("https://{host}.{tld}/{path}"))
}

fn contact() -> impl Strategy<Value = (String, ContactKind)> {
    prop_oneof![
        (
            "[a-z0-9]{1,8}([.+-][a-z0-9]{1,6})?",
            "[a-z]{1,10}",
            "[a-z]{2,6}"
        )
            .prop_map(|(local, host, tld)| (
                format!("mailto:{local}@{host}.{tld}"),
                ContactKind::Email
            )),
        web_uri().prop_map(|u| (u, ContactKind::Web)),
        "[1-9][0-9]{1,3}-[0-9]{3,4}-[0-9]{3,6}"
            .prop_map(|n| (format!("tel:+{n}"), ContactKind::Phone)),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    (
        prop::collection::vec(contact(), 1..5),
        31i64..360,
        prop::collection::vec(web_uri(), 1..3),
        prop::collection::vec(web_uri(), 0..3),
        prop::sample::subsequence(
            vec!["en", "nl", "de", "fr", "pt-BR", "zh-Hant", "sr-Latn"],
            0..4,
        ),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
        1usize..6,
    )
        .prop_map(
            |(
                contacts,
                expires_in_days,
                encryption,
                policy,
                languages,
                bug_bounty,
                crlf,
                shout_names,
                comment_every,
            )| Model {
                contacts,
                expires_in_days,
                encryption,
                policy,
                languages,
                bug_bounty,
                crlf,
                shout_names,
                comment_every,
            },
        )
}

fn render(m: &Model) -> String {
    let expires = now().add_days(m.expires_in_days);
    let mut fields: Vec<(&str, String)> = Vec::new();
    fields.extend(m.contacts.iter().map(|(u, _)| ("Contact", u.clone())));
    fields.push(("Expires", expires.to_string()));
    fields.extend(m.encryption.iter().map(|u| ("Encryption", u.clone())));
    fields.extend(m.policy.iter().map(|u| ("Policy", u.clone())));
    if !m.languages.is_empty() {
        fields.push(("Preferred-Languages", m.languages.join(", ")));
    }
    if let Some(b) = m.bug_bounty {
        fields.push(("Bug-Bounty", if b { "True" } else { "False" }.to_owned()));
    }
    let eol = if m.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i % m.comment_every == 0 {
            out.push_str(&format!("# section {i}{eol}{eol}"));
        }
        let name = if m.shout_names {
            name.to_uppercase()
        } else {
            name.to_string()
        };
        out.push_str(&format!("{name}: {value}{eol}"));
    }
    out
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn valid_documents_round_trip_their_fields(m in model()) {
        let text = render(&m);
        let checked = format::check(text.as_bytes(), &Context::at(now()));
        let report = &checked.report;
        prop_assert!(report.is_valid(), "{text}\n{:?}", report.diagnostics);
        prop_assert_eq!(report.count(Level::Recommendation), 1, "only not_signed: {:?}", report.diagnostics);
        let f = &report.fields;
        let contacts: Vec<(String, ContactKind)> = f.contact.iter().map(|c| (c.uri.clone(), c.kind)).collect();
        prop_assert_eq!(contacts, m.contacts.clone());
        prop_assert_eq!(f.expires.as_ref().unwrap().timestamp, Some(now().add_days(m.expires_in_days)));
        let encryption: Vec<&str> = f.encryption.iter().map(|e| e.uri.as_str()).collect();
        prop_assert_eq!(encryption, m.encryption.iter().map(String::as_str).collect::<Vec<_>>());
        let policy: Vec<&str> = f.policy.iter().map(|e| e.uri.as_str()).collect();
        prop_assert_eq!(policy, m.policy.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(&f.preferred_languages, &m.languages);
        prop_assert_eq!(f.bug_bounty, m.bug_bounty);
        prop_assert!(f.unknown.is_empty() && f.unsigned.is_empty());
    }
}
