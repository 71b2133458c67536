//! A file through the whole format engine and both renderings: parse, validate (bounded),
//! verify (no key), then the human output (no control character but line feeds may reach a
//! terminal) and the JSON output (parses back).
#![no_main]

use disclose::check::{JsonReport, Styles, write_human};
use disclose::format::{self, Context, Timestamp};
use disclose::signature::{keys::KeyFinder, verify_file};
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_unix(1_795_000_000);
    let mut ctx = Context::at(now);
    ctx.requested_url = Some("https://example.test/.well-known/security.txt".into());
    let mut checked = format::check(data, &ctx);
    assert!(checked.report.diagnostics.len() <= format::validate::FINDINGS_IN_ALL + 1);
    let verification = verify_file(
        &checked.document,
        &checked.report.fields,
        &KeyFinder::default(),
        None,
        now,
    )
    .now_or_never()
    .expect("no key source, nothing to wait for");
    checked.report.add(verification.diagnostics);
    let mut human = Vec::new();
    write_human(&mut human, "input", &checked, &verification.verdict, now, Styles::plain()).unwrap();
    let text = String::from_utf8(human).expect("the human output is UTF-8");
    assert!(
        !text.chars().any(|c| c != '\n' && disclose::escape::needs_escape(c)),
        "a character a terminal would interpret reached the human output"
    );
    let report = JsonReport::new("input", &checked, &verification.verdict);
    let json = serde_json::to_string(&report).unwrap();
    let _: serde_json::Value = serde_json::from_str(&json).expect("the JSON output parses");
});
