//! Servers and lists that stay inside every limit and still try to hurt the crawler or others
//! through it: a file made of findings, a file naming key locations by the dozen (slow, or on
//! another port), a redirect to another port, and lines and arguments that carry terminal
//! escapes.

use disclose::crawl::settings::Settings;
use disclose::lab::scenario::{Mix, Scenario};
use disclose::lab::{Lab, LabConfig};
use disclose::record::{Outcome, RedirectReason, Verdict};
use disclose::target::Target;
use std::process::Command;
use std::time::{Duration, Instant};

static LAB_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The lab every test here crawls one host of: 60 domains of the realistic mix hold each
/// scenario these tests need.
fn start_lab(rt: &tokio::runtime::Runtime) -> Lab {
    rt.block_on(Lab::start(&LabConfig {
        domains: 60,
        seed: 2,
        mix: Mix::Realistic,
    }))
    .unwrap()
}

fn name_of(lab: &Lab, scenario: Scenario) -> String {
    lab.world
        .domains()
        .iter()
        .find(|d| d.scenario == scenario)
        .unwrap()
        .name
        .clone()
}

fn crawl_one(
    rt: &tokio::runtime::Runtime,
    settings: &Settings,
    name: &str,
) -> disclose::record::Record {
    let crawler = {
        let _guard = rt.enter();
        settings.build().unwrap()
    };
    rt.block_on(crawler.crawl(&Target::from_value(name).unwrap()))
}

#[test]
fn a_file_made_of_findings_gives_a_record_of_bounded_size() {
    let _lock = LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let lab = start_lab(&rt);
    let name = name_of(&lab, Scenario::HostileFindings);
    let record = crawl_one(&rt, &lab.crawler_settings(), &name);
    let file = record.file.as_ref().expect("the file is found");
    // 32 KiB of "\n\0": a control character and an invalid line on each of 16,384 lines.
    assert_eq!(file.size, 32 * 1024);
    assert!(file.diagnostics.len() <= disclose::format::validate::FINDINGS_IN_ALL + 1);
    let left_out = file
        .diagnostics
        .iter()
        .find(|d| d.code == disclose::format::Code::TooManyFindings)
        .expect("what was left out is said");
    assert_eq!(
        left_out.detail.as_deref(),
        Some(
            "left out: 16364 `control_char` (lines 22–16385), 16364 `invalid_line` (lines 22–16385)"
        )
    );
    // The Record stays small: its JSON, less the file's own bytes (in base64), under 16 KiB.
    let json = serde_json::to_string(&record).unwrap();
    let body = 32 * 1024 * 4 / 3 + 4;
    assert!(json.len() < body + 16 * 1024, "{} bytes", json.len());
    assert!(!file.valid);
}

#[test]
fn key_discovery_stays_within_its_count_the_domains_time_and_port_443() {
    let _lock = LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let lab = start_lab(&rt);
    let name = name_of(&lab, Scenario::SignedKeysElsewhere);
    let mut settings = lab.crawler_settings();
    settings.fetch.attempt_timeout = Duration::from_secs(2);
    settings.domain_timeout = Duration::from_secs(5);
    let started = Instant::now();
    let record = crawl_one(&rt, &settings, &name);
    let took = started.elapsed();
    // Thirty key URLs on a host that never answers would take a minute at 2 s each; the
    // domain's 5 s of network time bound it (the file's own fetch and politeness aside).
    assert!(took < Duration::from_secs(8), "{took:?}");
    let file = record.file.as_ref().unwrap();
    let Verdict::NoKey { tried, .. } = &file.signature else {
        panic!("{:?}", file.signature)
    };
    let looked = tried.iter().filter(|t| t.starts_with("https://")).count();
    assert!(
        looked <= disclose::signature::keys::KEY_LOOKUPS_PER_FILE,
        "{tried:?}"
    );
    assert!(
        tried
            .iter()
            .any(|t| t.contains("more key locations not looked up")),
        "{tried:?}"
    );
    // The key on port 6379 was refused before any connection, and said so.
    let unreachable: Vec<&str> = file
        .diagnostics
        .iter()
        .filter(|d| d.code == disclose::format::Code::EncryptionKeyUnreachable)
        .filter_map(|d| d.detail.as_deref())
        .collect();
    assert!(
        unreachable
            .iter()
            .any(|d| d.starts_with(&format!("https://{name}:6379/key: redirect_error port"))),
        "{unreachable:?}"
    );
}

#[test]
fn a_redirect_to_another_port_is_not_followed() {
    let _lock = LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let lab = start_lab(&rt);
    let name = name_of(&lab, Scenario::RedirectOtherPort);
    let record = crawl_one(&rt, &lab.crawler_settings(), &name);
    let Outcome::RedirectError { reason, detail } = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert_eq!(*reason, RedirectReason::Port);
    assert!(detail.contains("names port 25"), "{detail}");
    let hops = &record.attempts[0].hops;
    assert_eq!(hops.len(), 2);
    assert_eq!(
        hops[1].address, None,
        "no address was even looked up for it"
    );
    // With the port allowed, it is followed (and the lab, listening on one port, answers).
    let mut settings = lab.crawler_settings();
    settings.fetch.allowed_ports = vec![25];
    let record = crawl_one(&rt, &settings, &name);
    assert_ne!(record.outcome.label(), "redirect_error port");
}

#[test]
fn lines_and_arguments_never_reach_the_terminal_raw() {
    let dir = std::env::temp_dir().join(format!("disclose-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("list.txt");
    // A clear-screen, a window title, OSC 52 (write the clipboard), and invisible characters.
    std::fs::write(
        &list,
        "\u{1b}[2J\u{1b}[3Jexample\u{7}.org\n\
         \u{1b}]0;pwned\u{7}://x.example\n\
         [\u{1b}]52;c;cHduZWQ=\u{7}]\n\
         exa\u{e0041}mple.org\n\
         a\u{3164}b.example\n",
    )
    .unwrap();
    let db = dir.join("hostile.db");
    let o = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args([
            "crawl",
            list.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--no-progress",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("input: line 1:"), "{stderr}");
    for raw in ['\u{1b}', '\u{7}', '\u{e0041}', '\u{3164}'] {
        assert!(
            !stderr.contains(raw),
            "{raw:?} reached the terminal: {stderr:?}"
        );
    }
    assert!(stderr.contains("\\u{1b}]0;pwned"), "{stderr}");
    // An argument of `check` that is neither a file nor a domain, likewise.
    let o = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(["check", "\u{1b}]52;c;cHduZWQ=\u{7}"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
}

#[test]
fn a_response_head_no_parser_takes_is_not_asked_for_again() {
    let _lock = LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let lab = start_lab(&rt);
    let name = name_of(&lab, Scenario::OversizeHead);
    let settings = lab.crawler_settings();
    assert!(
        settings.retry.retries > 0,
        "retries are on, so not retrying is a decision"
    );
    let record = crawl_one(&rt, &settings, &name);
    let Outcome::ConnectionError { detail } = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert!(detail.contains("too large"), "{detail}");
    assert_eq!(record.attempts.len(), 1, "{:?}", record.attempts);
}

#[test]
fn endless_interim_responses_are_cut_off_not_waited_out() {
    let _lock = LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let lab = start_lab(&rt);
    let name = name_of(&lab, Scenario::EndlessInterim);
    let mut settings = lab.crawler_settings();
    settings.fetch.attempt_timeout = Duration::from_secs(8);
    let started = Instant::now();
    let record = crawl_one(&rt, &settings, &name);
    let took = started.elapsed();
    let Outcome::ConnectionError { detail } = &record.outcome else {
        panic!("{:?}", record.outcome)
    };
    assert!(detail.contains("16 interim (1xx) responses"), "{detail}");
    // Cut off after a handful (the server sends one every 5 ms), not after the 8 s limit, and
    // not asked again.
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(record.attempts.len(), 1, "{:?}", record.attempts);
}
