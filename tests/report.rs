//! `disclose report` as a user runs it, on a store filled by crawling the lab with a tagged
//! list: every funnel step and failure class against the lab's ground truth, groups (one below
//! --min-group), a trend with exact churn, hostile text escaped in the HTML, and the HTML page
//! rendered in headless Chromium when `DISCLOSE_CHROMIUM` names one (`.ci/run` installs it).

use disclose::lab::scenario::{Mix, Scenario};
use disclose::lab::world::Truth;
use disclose::lab::{Lab, LabConfig};
use disclose::record::{Outcome, Record};
use disclose::store::Store;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const DOMAINS: usize = 130;
const SEED: u64 = 33;
/// Judge expiry at a fixed time, shortly after the crawl (lab files expire months ahead).
const NOW: &str = "2027-01-01T00:00:00Z";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn disclose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(args)
        .output()
        .expect("run disclose")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The sector each lab domain is tagged with: `small` for three domains (below --min-group),
/// the rest alternating between `health` and `energy`.
fn sector(i: usize) -> &'static str {
    match i {
        0..=2 => "small",
        _ if i.is_multiple_of(2) => "health",
        _ => "energy",
    }
}

struct Crawled {
    db: PathBuf,
    truth: Vec<(Truth, &'static str)>,
}

/// One CLI crawl of the lab (run `week-1`) with a CSV list tagged by sector, made once.
fn crawled() -> &'static Crawled {
    static CRAWLED: OnceLock<Crawled> = OnceLock::new();
    CRAWLED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let lab = rt
            .block_on(Lab::start(&LabConfig {
                domains: DOMAINS,
                seed: SEED,
                mix: Mix::Realistic,
            }))
            .unwrap();
        let dir = temp_dir("crawl");
        let (db, ca, list) = (dir.join("r.db"), dir.join("ca.pem"), dir.join("list.csv"));
        std::fs::write(&ca, &lab.ca_pem).unwrap();
        let mut csv = String::from("domain,sector\n");
        let mut truth = Vec::new();
        for (i, d) in lab.world.domains().iter().enumerate() {
            csv.push_str(&format!("{},{}\n", d.name, sector(i)));
            truth.push((lab.world.truth(d), sector(i)));
        }
        std::fs::write(&list, csv).unwrap();
        let (dns, port) = (lab.dns.to_string(), lab.https_port.to_string());
        let o = disclose(&[
            "crawl",
            list.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--run",
            "week-1",
            "--dns-server",
            &dns,
            "--ca-file",
            ca.to_str().unwrap(),
            "--https-port",
            &port,
            "--allow-loopback",
            "--per-ip-rate",
            "1000",
            "--timeout",
            "3",
            "--connect-timeout",
            "2",
            "--domain-timeout",
            "12",
            "--dns-timeout",
            "1",
            "--contact",
            "mailto:crawler@example.org",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        drop(lab);
        Crawled { db, truth }
    })
}

fn report(db: &Path, args: &[&str]) -> Value {
    let mut all = vec![
        "report",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
        "--now",
        NOW,
    ];
    all.extend(args);
    let o = disclose(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn has(t: &Truth, code: &str) -> bool {
    t.expected_errors.iter().any(|e| e == code)
}

fn records(db: &Path, run: &str) -> Vec<Record> {
    let store = Store::open(db).unwrap();
    let run = store.run(run).unwrap().unwrap();
    store.records(run.id).unwrap()
}

#[test]
fn the_funnel_and_failures_match_the_labs_ground_truth() {
    let c = crawled();
    let r = report(&c.db, &["--run", "week-1"]);
    let truth: Vec<&Truth> = c.truth.iter().map(|(t, _)| t).collect();
    let count = |f: &dyn Fn(&Truth) -> bool| truth.iter().filter(|t| f(t)).count() as u64;
    let outcome = |t: &Truth| t.expected_outcome.clone();
    let class = |t: &Truth| outcome(t).split(' ').next().unwrap().to_owned();
    let found = |t: &Truth| outcome(t) == "found";
    let resolves = |t: &Truth| !class(t).starts_with("dns_");
    let reachable = |t: &Truth| {
        resolves(t)
            && !matches!(
                class(t).as_str(),
                "blocked_address" | "connect_refused" | "connect_timeout" | "tls_error"
            )
    };
    let answered = |t: &Truth| {
        found(t)
            || matches!(
                class(t).as_str(),
                "http_status" | "soft_404" | "too_large" | "redirect_error"
            )
    };
    let served = |t: &Truth| {
        found(t)
            && !["invalid_media", "no_content_type", "invalid_charset"]
                .iter()
                .any(|c| has(t, c))
    };
    let contact_expires = |t: &Truth| {
        served(t)
            && !["no_contact", "no_expire", "no_uri"]
                .iter()
                .any(|c| has(t, c))
    };
    let unexpired = |t: &Truth| contact_expires(t) && !has(t, "expired");
    let valid = |t: &Truth| unexpired(t) && t.expected_errors.is_empty();
    let signed = |t: &Truth| valid(t) && t.expected_signature != "unsigned";
    let verified = |t: &Truth| signed(t) && t.expected_signature.starts_with("verified");
    let independent = |t: &Truth| signed(t) && t.expected_signature == "verified independent";
    let expected = [
        ("domains", DOMAINS as u64),
        ("resolves", count(&resolves)),
        ("reachable", count(&reachable)),
        ("answered", count(&answered)),
        ("file", count(&found)),
        ("served_correctly", count(&served)),
        ("contact_and_expires", count(&contact_expires)),
        ("unexpired", count(&unexpired)),
        ("valid", count(&valid)),
        ("signed", count(&signed)),
        ("verified", count(&verified)),
        ("verified_independent", count(&independent)),
    ];
    let funnel: BTreeMap<String, u64> = r["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_owned(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect();
    for (key, n) in expected {
        assert_eq!(funnel[key], n, "funnel step {key}");
    }
    // The last step: verified with an independent key and a matching Canonical, as the
    // Records say (the truth does not model Canonical).
    let truth_of: BTreeMap<&str, &Truth> = truth.iter().map(|t| (t.domain.as_str(), *t)).collect();
    let canonical = records(&c.db, "week-1")
        .iter()
        .filter(|rec| independent(truth_of[rec.domain.as_str()]))
        .filter(|rec| {
            disclose::store::derive::derive(rec)
                .file
                .is_some_and(|f| f.canonical == "match")
        })
        .count() as u64;
    assert_eq!(funnel["canonical"], canonical);
    // Every step is a subset of the one before, with its percentages.
    let steps = r["funnel"].as_array().unwrap();
    for pair in steps.windows(2) {
        let (a, b) = (
            pair[0]["count"].as_u64().unwrap(),
            pair[1]["count"].as_u64().unwrap(),
        );
        assert!(b <= a);
        if a > 0 {
            let p = pair[1]["of_previous"].as_f64().unwrap();
            assert!((p - 100.0 * b as f64 / a as f64).abs() < 1e-9);
        }
    }
    // Soft 404s apart, and each failure class with its exact count.
    assert_eq!(
        r["soft_404"]["count"].as_u64().unwrap(),
        count(&|t| class(t) == "soft_404")
    );
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for t in &truth {
        if !found(t) {
            *failures.entry(outcome(t)).or_default() += 1;
        }
    }
    let reported: BTreeMap<String, u64> =
        serde_json::from_value(r["failures"]["by_outcome"].clone()).unwrap();
    assert_eq!(reported, failures);
    let by_group: BTreeMap<String, u64> =
        serde_json::from_value(r["failures"]["by_group"].clone()).unwrap();
    assert_eq!(by_group["dns"], count(&|t| class(t).starts_with("dns_")));
    assert_eq!(by_group["tls"], count(&|t| class(t) == "tls_error"));
    // Locations: the legacy-only scenario is the only file found at /security.txt.
    let legacy = truth
        .iter()
        .filter(|t| t.scenario == Scenario::LegacyOnly)
        .count() as u64;
    assert_eq!(r["locations"]["legacy"].as_u64().unwrap(), legacy);
    assert_eq!(r["locations"]["both"], Value::Null);
    // Every error code's file count is the number of files the truth gives it.
    let diagnostics = r["diagnostics"].as_array().unwrap();
    for code in [
        "expired",
        "invalid_media",
        "no_content_type",
        "invalid_charset",
        "bad_signature",
    ] {
        let files = diagnostics
            .iter()
            .find(|d| d["code"] == code)
            .map(|d| d["files"].as_u64().unwrap())
            .unwrap_or(0);
        assert_eq!(files, count(&|t| has(t, code)), "{code}");
    }
    // The metadata names the list, the User-Agent with its contact, the resolver.
    let m = &r["metadata"];
    assert_eq!(m["domains"].as_u64().unwrap(), DOMAINS as u64);
    assert!(m["input"].as_str().unwrap().ends_with("list.csv"));
    assert!(
        m["user_agent"]
            .as_str()
            .unwrap()
            .ends_with("(+mailto:crawler@example.org)"),
        "{}",
        m["user_agent"]
    );
    assert_eq!(m["judged_at"], NOW);
    // Contacts: every lab file with contacts lists the site's own security@ address first.
    assert_eq!(
        r["contacts"]["first_listed"]["email"].as_u64(),
        Some(count(&|t| found(t) && !has(t, "no_contact")))
    );
    // Shared contacts, counted from the Records: a contact the files of two domains or more
    // name (the lab's cross-site redirects all land on one team's file).
    let mut naming: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for record in records(&c.db, "week-1") {
        for contact in record.file.iter().flat_map(|f| &f.fields.contact) {
            naming
                .entry(contact.uri.clone())
                .or_default()
                .insert(record.domain.clone());
        }
    }
    naming.retain(|_, domains| domains.len() > 1);
    assert!(!naming.is_empty(), "the lab's sites share contacts");
    let files: BTreeSet<&String> = naming.values().flatten().collect();
    assert_eq!(
        r["contacts"]["shared_contacts"].as_u64(),
        Some(naming.len() as u64)
    );
    assert_eq!(
        r["contacts"]["files_with_shared_contact"].as_u64(),
        Some(files.len() as u64)
    );
    let mut most: Vec<(String, u64)> = naming
        .iter()
        .map(|(uri, domains)| (uri.clone(), domains.len() as u64))
        .collect();
    most.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    most.truncate(15);
    let reported: Vec<(String, u64)> = r["contacts"]["most_shared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_owned(),
                n["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(reported, most);
}

#[test]
fn groups_give_wilson_intervals_and_withhold_small_groups() {
    let c = crawled();
    let r = report(
        &c.db,
        &[
            "--run",
            "week-1",
            "--group-by",
            "sector",
            "--min-group",
            "10",
        ],
    );
    let rows = r["groups"]["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|g| g["value"].as_str().unwrap()).collect();
    assert_eq!(names, ["energy", "health", "small"]);
    for row in rows {
        let value = row["value"].as_str().unwrap();
        let members: Vec<&Truth> = c
            .truth
            .iter()
            .filter(|(_, s)| *s == value)
            .map(|(t, _)| t)
            .collect();
        assert_eq!(row["domains"].as_u64().unwrap(), members.len() as u64);
        let present = members
            .iter()
            .filter(|t| t.expected_outcome == "found")
            .count() as u64;
        let rate = &row["rates"]["present"];
        assert_eq!(rate["count"].as_u64().unwrap(), present, "{value}");
        if value == "small" {
            assert_eq!(row["suppressed"], true);
            assert_eq!(rate["percent"], Value::Null);
            assert_eq!(rate["low"], Value::Null);
        } else {
            let p = rate["percent"].as_f64().unwrap();
            let (low, high) = disclose::report::wilson(present, members.len() as u64).unwrap();
            assert!((p - 100.0 * present as f64 / members.len() as f64).abs() < 1e-9);
            assert_eq!(rate["low"].as_f64().unwrap(), low);
            assert_eq!(rate["high"].as_f64().unwrap(), high);
            assert!(low < p && p < high);
        }
    }
    // Markdown says a withheld rate is withheld.
    let o = disclose(&[
        "report",
        "--db",
        c.db.to_str().unwrap(),
        "--run",
        "week-1",
        "--group-by",
        "sector",
        "--now",
        NOW,
    ]);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.contains("| small | 3 | withheld ("), "{md}");
    assert!(md.contains("## By sector"));
}

/// A copy of the crawled store with a second run, `week-2`, made from `week-1`'s Records: one
/// file gone, one file changed, one file expired, one domain new, one domain not crawled again.
fn two_runs() -> (PathBuf, BTreeMap<&'static str, u64>) {
    // Made once: several tests read it, in parallel.
    static TWO: OnceLock<(PathBuf, BTreeMap<&'static str, u64>)> = OnceLock::new();
    TWO.get_or_init(make_two_runs).clone()
}

fn make_two_runs() -> (PathBuf, BTreeMap<&'static str, u64>) {
    let c = crawled();
    let dir = temp_dir("trend");
    let db = dir.join("two.db");
    std::fs::copy(&c.db, &db).unwrap();
    let mut week1 = records(&db, "week-1");
    week1.sort_by(|a, b| a.domain.cmp(&b.domain));
    // Files whose Expires was ahead when crawled.
    let mut files = week1
        .iter()
        .filter(|r| {
            r.file.as_ref().is_some_and(|f| {
                f.fields
                    .expires
                    .as_ref()
                    .and_then(|e| e.timestamp)
                    .is_some_and(|t| t > r.started)
            })
        })
        .map(|r| r.domain.clone());
    let (gone, changed, expiring) = (
        files.next().unwrap(),
        files.next().unwrap(),
        files.next().unwrap(),
    );
    let dropped = week1
        .iter()
        .find(|r| r.file.is_none())
        .unwrap()
        .domain
        .clone();
    let mut week2 = Vec::new();
    for mut record in week1.clone() {
        if record.domain == dropped {
            continue;
        }
        record.started =
            disclose::format::Timestamp::parse_rfc3339("2026-12-08T00:00:00Z").unwrap();
        if record.domain == gone {
            record.file = None;
            record.outcome = Outcome::HttpStatus { status: 404 };
        } else if record.domain == changed {
            let file = record.file.as_mut().unwrap();
            file.bytes.extend_from_slice(b"# changed\n");
            file.sha256 = "0".repeat(64);
        } else if record.domain == expiring {
            let file = record.file.as_mut().unwrap();
            let expires = file.fields.expires.as_mut().unwrap();
            expires.timestamp =
                Some(disclose::format::Timestamp::parse_rfc3339("2026-12-07T00:00:00Z").unwrap());
        }
        week2.push(record);
    }
    let mut new = week1.iter().find(|r| r.file.is_some()).unwrap().clone();
    new.domain = "new-in-week-2.test".into();
    week2.push(new);
    let mut store = Store::open(&db).unwrap();
    let (run, _) = store
        .begin_run(
            "week-2",
            "disclose crawl list.csv --run week-2",
            disclose::format::Timestamp::parse_rfc3339("2026-12-08T00:00:00Z").unwrap(),
        )
        .unwrap();
    store.write(run.id, &week2).unwrap();
    let expected = BTreeMap::from([
        ("domains_in_both", DOMAINS as u64 - 1),
        ("appeared", 0),
        ("disappeared", 1),
        ("changed", 1),
        ("newly_expired", 1),
    ]);
    (db, expected)
}

#[test]
fn a_trend_gives_rates_per_run_and_exact_churn() {
    let (db, expected) = two_runs();
    let r = report(&db, &["--run", "week-2", "--compare", "week-1"]);
    let runs = r["trend"]["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|p| p["run"].as_str().unwrap()).collect();
    assert_eq!(names, ["week-1", "week-2"]);
    let present: Vec<u64> = runs
        .iter()
        .map(|p| p["rates"]["present"]["count"].as_u64().unwrap())
        .collect();
    // One file gone and one new domain with a file: the same count of files.
    assert_eq!(present[0], present[1]);
    assert_eq!(runs[1]["domains"].as_u64().unwrap(), DOMAINS as u64);
    let churn = &r["trend"]["churn"][0];
    assert_eq!(churn["from"], "week-1");
    assert_eq!(churn["to"], "week-2");
    for (key, n) in expected {
        assert_eq!(churn[key].as_u64().unwrap(), n, "{key}");
    }
    // An unknown run to compare with is an error that names it.
    let o = disclose(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--compare",
        "week-0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no run `week-0`"), "{}", stderr(&o));
}

/// A store whose files carry markup, script and bidirectional controls where a report shows
/// text from strangers: field names, contacts shared by two sites, a certificate's issuer, a
/// group value from the list.
fn hostile_store() -> PathBuf {
    let c = crawled();
    let dir = temp_dir("hostile");
    let db = dir.join("hostile.db");
    let template = records(&c.db, "week-1")
        .into_iter()
        .find(|r| {
            r.file
                .as_ref()
                .is_some_and(|f| !f.fields.contact.is_empty())
        })
        .unwrap();
    let mut store = Store::open(&db).unwrap();
    let (run, _) = store
        .begin_run(
            "hostile",
            "disclose crawl <b>list</b>.csv",
            disclose::crawl::domain::now(),
        )
        .unwrap();
    let mut batch = Vec::new();
    for i in 0..2 {
        let mut r = template.clone();
        r.domain = format!("hostile-{i}.test");
        for attempt in &mut r.attempts {
            for hop in &mut attempt.hops {
                hop.url = hop.url.replace(&template.domain, &r.domain);
            }
        }
        r.tags.insert(
            "sector".into(),
            "<script>alert('tag')</script>\u{202E}gnp.exe".into(),
        );
        let file = r.file.as_mut().unwrap();
        file.fields.contact[0].uri = "mailto:<img src=x onerror=alert(1)>@evil.test".into();
        file.fields
            .unknown
            .push(disclose::format::validate::OtherField {
                name: "X-<script>alert(\"field\")</script>\u{202E}".into(),
                value: "v".into(),
                line: 9,
            });
        for attempt in &mut r.attempts {
            for hop in &mut attempt.hops {
                if let Some(cert) = &mut hop.certificate {
                    cert.issuer = "CN=<svg onload=alert(2)>\u{2066}Evil CA".into();
                }
            }
        }
        batch.push(r);
    }
    store.write(run.id, &batch).unwrap();
    db
}

#[test]
fn text_from_strangers_comes_out_escaped_in_html_and_markdown() {
    let db = hostile_store();
    let o = disclose(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "html",
        "--group-by",
        "sector",
        "--min-group",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = String::from_utf8(o.stdout).unwrap();
    for raw in [
        "<script",
        "<img",
        "<svg onload",
        "<b>",
        "\u{202E}",
        "\u{2066}",
    ] {
        assert!(!html.contains(raw), "{raw:?} reached the HTML");
    }
    for escaped in [
        "&lt;script&gt;alert(&#39;tag&#39;)&lt;/script&gt;",
        "mailto:&lt;img src=x onerror=alert(1)&gt;@evil.test",
        "&lt;svg onload=alert(2)&gt;",
        "&lt;b&gt;list&lt;/b&gt;.csv",
    ] {
        assert!(html.contains(escaped), "{escaped} not found");
    }
    // No script at all, and nothing loaded from elsewhere.
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    let o = disclose(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--group-by",
        "sector",
        "--min-group",
        "1",
    ]);
    let md = String::from_utf8(o.stdout).unwrap();
    for raw in ["\u{202E}", "\u{2066}"] {
        assert!(!md.contains(raw), "{raw:?} reached the Markdown");
    }
    // Every `<` is escaped, so no tag reaches a Markdown renderer.
    for (i, _) in md.match_indices('<') {
        assert!(md[..i].ends_with('\\'), "unescaped `<` at byte {i}");
    }
    assert!(md.contains("\\<script\\>"), "{md}");
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(chromium) = std::env::var_os("DISCLOSE_CHROMIUM") else {
        eprintln!(
            "skipped: set DISCLOSE_CHROMIUM to a Chromium binary (Debian: apt-get install chromium) to render the HTML report"
        );
        return;
    };
    let (db, _) = two_runs();
    let dir = temp_dir("chromium");
    let page = dir.join("report.html");
    let o = disclose(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--run",
        "week-2",
        "--compare",
        "week-1",
        "--group-by",
        "sector",
        "--min-group",
        "10",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let rendered = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1100,4200",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("run chromium");
    let log = stderr(&rendered);
    assert!(rendered.status.success(), "{log}");
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") || line.contains("Uncaught")),
            "console message: {line}"
        );
    }
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    // The DOM Chromium built holds every chart, each with drawn shapes.
    let dom = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            &format!("--user-data-dir={}", dir.join("profile").display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    for chart in ["funnel", "expiry", "codes", "groups", "trend"] {
        let start = dom
            .find(&format!("id=\"chart-{chart}\""))
            .unwrap_or_else(|| panic!("chart {chart} missing"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg") && (figure.contains("<rect") || figure.contains("<polyline")),
            "chart {chart} is empty"
        );
    }
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn the_json_report_follows_its_documented_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/report.schema.json");
    let generated = serde_json::to_string_pretty(&disclose::report::schema()).unwrap() + "\n";
    if std::env::var_os("DISCLOSE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/schemas/report.schema.json is stale: run `DISCLOSE_BLESS=1 cargo test --test report the_json_report`"
    );
    let schema: Value = serde_json::from_str(&written).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let (db, _) = two_runs();
    let r = report(
        &db,
        &[
            "--run",
            "week-2",
            "--compare",
            "week-1",
            "--group-by",
            "sector",
        ],
    );
    let errors: Vec<String> = validator.iter_errors(&r).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
