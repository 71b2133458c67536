//! `disclose diff` as a user runs it: two crawls of the lab, at epoch 0 and at epoch 1 of the
//! same seed (files gone, new, expired, contacts reordered, every signed file signed afresh),
//! compared against the changes the lab's ground truth expects, domain by domain and class by
//! class; the summary, CSV and JSON Lines; runs of different lists.

use disclose::lab::scenario::Mix;
use disclose::lab::world::World;
use disclose::lab::{Lab, LabConfig, Listen};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const DOMAINS: usize = 200;
const SEED: u64 = 44;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-diff-{name}-{}", std::process::id()));
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

fn config() -> LabConfig {
    LabConfig {
        domains: DOMAINS,
        seed: SEED,
        mix: Mix::Realistic,
    }
}

/// Crawls the lab at `epoch` into `db` as run `epoch-N`, the list being all domains but the
/// last `leave_out`.
fn crawl_epoch(rt: &tokio::runtime::Runtime, dir: &Path, db: &Path, epoch: u32, leave_out: usize) {
    // One clock for both labs, so that an unchanged file is the same bytes in both even when
    // the test runs across midnight.
    static NOW: OnceLock<disclose::format::Timestamp> = OnceLock::new();
    let now = *NOW.get_or_init(disclose::crawl::domain::now);
    let lab = rt
        .block_on(Lab::start_at(&config(), Listen::default(), epoch, now))
        .unwrap();
    let ca = dir.join(format!("ca-{epoch}.pem"));
    let list = dir.join(format!("list-{epoch}.txt"));
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    let names: Vec<&str> = lab.world.domains()[..DOMAINS - leave_out]
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    std::fs::write(&list, names.join("\n") + "\n").unwrap();
    let (dns, port) = (lab.dns.to_string(), lab.https_port.to_string());
    let run = format!("epoch-{epoch}");
    let o = disclose(&[
        "crawl",
        list.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--run",
        &run,
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
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    drop(lab);
}

/// A store with the lab crawled at epoch 0 (every domain) and epoch 1 (all but the last five).
fn crawled() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = temp_dir("epochs");
        let db = dir.join("epochs.db");
        crawl_epoch(&rt, &dir, &db, 0, 0);
        crawl_epoch(&rt, &dir, &db, 1, 5);
        db
    })
}

fn expected() -> BTreeMap<String, Vec<&'static str>> {
    let earlier = World::generate(DOMAINS, SEED, Mix::Realistic);
    let later = World::at_epoch(DOMAINS, SEED, Mix::Realistic, 1);
    let skipped: Vec<String> = earlier.domains()[DOMAINS - 5..]
        .iter()
        .map(|d| d.name.clone())
        .collect();
    later
        .expected_changes(&earlier)
        .into_iter()
        .filter(|(d, _)| !skipped.contains(d))
        .collect()
}

#[test]
fn the_diff_of_two_epochs_is_the_labs_expected_changes() {
    let db = crawled();
    let o = disclose(&[
        "diff",
        "epoch-0",
        "epoch-1",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in json["changes"].as_array().unwrap() {
        found
            .entry(c["domain"].as_str().unwrap().to_owned())
            .or_default()
            .push(c["kind"].as_str().unwrap().to_owned());
    }
    let expected: BTreeMap<String, Vec<String>> = expected()
        .into_iter()
        .map(|(d, k)| (d, k.into_iter().map(str::to_owned).collect()))
        .collect();
    let mut wrong = Vec::new();
    for domain in expected.keys().chain(found.keys()) {
        let (e, f) = (expected.get(domain), found.get(domain));
        if e != f {
            wrong.push(format!("{domain}: expected {e:?}, found {f:?}"));
        }
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    // Every kind of epoch change is there at least once, so the comparison above means something.
    let kinds: Vec<&str> = expected.values().flatten().map(String::as_str).collect();
    for kind in [
        "file_appeared",
        "file_disappeared",
        "file_changed",
        "contacts_changed",
        "became_invalid",
        "became_expired",
        "signature_changed",
        "outcome_changed",
    ] {
        assert!(kinds.contains(&kind), "the epoch has no {kind}");
    }
    // The runs are of different lists: the counts say so.
    assert_eq!(json["domains_in_both"], DOMAINS as u64 - 5);
    assert_eq!(json["only_in_before"], 5);
    assert_eq!(json["only_in_after"], 0);
    assert_eq!(json["domains_changed"], expected.len() as u64);
    let counts: BTreeMap<String, u64> = serde_json::from_value(json["counts"].clone()).unwrap();
    for kind in ["contacts_changed", "file_disappeared"] {
        assert_eq!(
            counts[kind],
            kinds.iter().filter(|k| **k == kind).count() as u64,
            "{kind}"
        );
    }
}

#[test]
fn the_summary_comes_first_and_csv_and_jsonl_carry_every_row() {
    let db = crawled();
    let db = db.to_str().unwrap();
    let expected = expected();
    let total: usize = expected.values().map(Vec::len).sum();
    let o = disclose(&["diff", "epoch-0", "epoch-1", "--db", db]);
    let text = String::from_utf8(o.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "epoch-0 → epoch-1: {} domains in both (5 only in epoch-0, 0 only in epoch-1); {} changed",
            DOMAINS - 5,
            expected.len()
        )
    );
    assert!(text.contains("reordered"), "{text}");
    let o = disclose(&["diff", "epoch-0", "epoch-1", "--db", db, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["domain", "change", "before", "after", "detail"]
    );
    assert_eq!(reader.records().count(), total);
    // The summary went to standard error, for the person running it.
    assert!(stderr(&o).contains("changed"), "{}", stderr(&o));
    let o = disclose(&[
        "diff",
        "epoch-0",
        "epoch-1",
        "--db",
        db,
        "--format",
        "jsonl",
        "--only",
        "file_disappeared,file_appeared",
    ]);
    let lines: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let wanted = expected
        .values()
        .flatten()
        .filter(|k| **k == "file_disappeared" || **k == "file_appeared")
        .count();
    assert_eq!(lines.len(), wanted);
    // A run that is not there is named.
    let o = disclose(&["diff", "epoch-0", "epoch-9", "--db", db]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no run `epoch-9`"), "{}", stderr(&o));
}
