//! `disclose` as a user runs it: output, JSON schema, exit statuses, escaping, and the generated
//! documentation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-22T00:00:00Z";

fn disclose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(args)
        .output()
        .expect("run disclose")
}

fn corpus(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn a_valid_file_exits_0_and_says_so() {
    let key = corpus("017.key.asc");
    let o = disclose(&["check", "--now", NOW, "--keyring", &key, &corpus("017.txt")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "017.txt: valid: 0 errors, 0 recommendations, 0 notifications (signature verified: key "
        ),
        "{out}"
    );
    assert!(out.trim_end().ends_with("pinned)"), "{out}");
    // Without the key, the signature cannot be checked: a notification, still valid.
    let o = disclose(&["check", "--now", NOW, &corpus("017.txt")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("1 notification (signed; the key was not found, so not verified)"));
}

#[test]
fn an_invalid_file_exits_1_with_compiler_style_findings() {
    let o = disclose(&["check", "--now", NOW, &corpus("145.txt")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let expected = "\
recommendation[unregistered_lang]: a Preferred-Languages tag is well-formed but names a subtag the IANA registry does not have
 --> PATH:2:26
  |
2 | Preferred-Languages: en, cz
  |                          ^^
  = note: `cz` is not a registered language subtag; did you mean `cs`?
  = help: use the registered subtag, like `cs` for Czech (`cz` is the country)
  = see: RFC 9116 §2.5.8 (RFC 5646 §2.2.9)
";
    assert!(
        out.contains(&expected.replace("PATH", &corpus("145.txt"))),
        "{out}"
    );
    assert!(out.contains("error[no_expire]: the file has no Expires field"));
    assert!(
        out.ends_with("145.txt: invalid: 2 errors, 2 recommendations, 0 notifications\n"),
        "{out}"
    );
}

#[test]
fn json_output_is_one_object_per_file_with_the_documented_schema() {
    let o = disclose(&[
        "check",
        "--json",
        "--now",
        NOW,
        &corpus("009.txt"),
        &corpus("145.txt"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let signed = &lines[0];
    assert_eq!(signed["valid"], true);
    assert_eq!(signed["signed"], true);
    assert_eq!(signed["envelope"]["hash_algorithms"][0], "SHA512");
    assert_eq!(
        signed["fields"]["expires"]["timestamp"],
        "2026-11-29T00:00:00Z"
    );
    assert_eq!(signed["fields"]["contact"][0]["kind"], "email");
    let invalid = &lines[1];
    assert_eq!(invalid["valid"], false);
    assert_eq!(invalid["signed"], false);
    assert_eq!(invalid["envelope"], serde_json::Value::Null);
    let d = invalid["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unregistered_lang")
        .unwrap();
    assert_eq!(d["level"], "recommendation");
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 26);
    assert_eq!(d["reference"], "RFC 9116 §2.5.8 (RFC 5646 §2.2.9)");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("tag is well-formed")
    );
    for key in [
        "errors",
        "recommendations",
        "notifications",
        "fields",
        "diagnostics",
        "file",
    ] {
        assert!(invalid.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn now_pins_the_verdict_on_expiry() {
    let file = corpus("009.txt"); // Expires: 2026-11-29T00:00:00Z
    assert_eq!(
        disclose(&["check", "--now", "2026-11-28T00:00:00Z", &file])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        disclose(&["check", "--now", "2026-11-30T00:00:00Z", &file])
            .status
            .code(),
        Some(1)
    );
    let bad = disclose(&["check", "--now", "yesterday", &file]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--now"));
}

#[test]
fn url_checks_canonical() {
    let file = corpus("017.txt");
    let mine = disclose(&[
        "check",
        "--now",
        NOW,
        "--url",
        "https://www.vipsa.se/.well-known/security.txt",
        &file,
    ]);
    let theirs = disclose(&[
        "check",
        "--now",
        NOW,
        "--url",
        "https://example.test/.well-known/security.txt",
        &file,
    ]);
    let canonical = std::fs::read_to_string(&file).unwrap();
    assert!(
        canonical.contains("Canonical: https://www.vipsa.se/.well-known/security.txt"),
        "fixture changed"
    );
    assert_eq!(mine.status.code(), Some(0), "{}", stdout(&mine));
    assert_eq!(theirs.status.code(), Some(1));
    assert!(stdout(&theirs).contains("error[no_canonical_match]"));
}

#[test]
fn stdin_is_read_for_a_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(["check", "--json", "--now", NOW, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Contact: https://example.test/report\nExpires: 2027-06-01T00:00:00Z\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["file"], "-");
    assert_eq!(
        v["fields"]["contact"][0]["uri"],
        "https://example.test/report"
    );
}

#[test]
fn targets_that_are_neither_files_nor_domains_exit_2_with_a_clear_error() {
    let o = disclose(&["check", "not a domain"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`not a domain` is neither a file nor a domain"),
        "{err}"
    );
    let o = disclose(&[
        "check",
        "--now",
        NOW,
        &corpus("017.txt"),
        "/nonexistent/security.txt",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read `/nonexistent/security.txt`"));
    assert!(
        stdout(&o).contains("017.txt: valid"),
        "the readable file is still checked"
    );
}

#[test]
fn file_contents_never_reach_the_terminal_raw() {
    let path = temp_file(
        "hostile.txt",
        b"Contact: mailto:a@example.test\nExpires: 2027-06-01T00:00:00Z\n\x1b[2J\x1b]0;owned\x07: x\nPolicy: https://example.test/\xe2\x80\xaetxt.exe\n",
    );
    let o = disclose(&[
        "check",
        "--color",
        "never",
        "--now",
        NOW,
        path.to_str().unwrap(),
    ]);
    assert!(
        !o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07),
        "raw control bytes in output"
    );
    let out = stdout(&o);
    assert!(out.contains("\\u{1b}[2J"), "{out}");
    assert!(out.contains("\\u{202e}"), "{out}");
}

#[test]
fn colour_is_off_when_not_a_terminal_and_on_when_asked() {
    let file = corpus("145.txt");
    assert!(
        !disclose(&["check", "--now", NOW, &file])
            .stdout
            .contains(&0x1b)
    );
    assert!(
        disclose(&["check", "--color", "always", "--now", NOW, &file])
            .stdout
            .contains(&0x1b)
    );
}

#[test]
fn several_files_end_with_a_summary() {
    let o = disclose(&[
        "check",
        "--now",
        NOW,
        &corpus("017.txt"),
        &corpus("145.txt"),
    ]);
    assert!(stdout(&o).ends_with("checked 2 targets: 1 valid, 1 invalid or without a file\n"));
}

#[test]
fn explain_prints_an_entry_and_suggests_near_codes() {
    let o = disclose(&["explain", "no_expire"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.starts_with("no_expire (error)\n  the file has no Expires field\n"),
        "{out}"
    );
    assert!(out.contains("enforces: RFC 9116 §2.5.5"));
    assert!(out.contains("same code and meaning in sectxt 0.9.8"));
    let o = disclose(&["explain", "no_expiry"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("did you mean `no_expire` (the file has no Expires field)")
    );
    // Any case, `-` for `_`; and a word of what it means finds the code.
    assert_eq!(disclose(&["explain", "NO-EXPIRE"]).status.code(), Some(0));
    let o = disclose(&["explain", "placeholder"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("did you mean `template_placeholder`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn explain_list_names_every_code_with_its_level() {
    let out = stdout(&disclose(&["explain", "--list"]));
    assert_eq!(out.lines().count(), disclose::format::Code::ALL.len());
    assert!(
        out.lines()
            .any(|l| l.starts_with("no_charset") && l.contains("recommendation"))
    );
    // The message column starts at the same place on every line.
    let starts: std::collections::BTreeSet<usize> = out
        .lines()
        .map(|l| {
            let level = ["error", "recommendation", "notification"]
                .iter()
                .find_map(|lv| l.find(&format!(" {lv} ")).map(|i| i + 1 + lv.len()))
                .unwrap();
            level + l[level..].len() - l[level..].trim_start().len()
        })
        .collect();
    assert_eq!(starts.len(), 1, "{out}");
}

#[test]
fn docs_diagnostics_md_is_generated_from_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let generated = stdout(&disclose(&["explain", "--markdown"]));
    if std::env::var_os("DISCLOSE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/diagnostics.md is out of date: run `cargo run -- explain --markdown > docs/diagnostics.md`"
    );
}
