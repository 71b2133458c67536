//! The store: a schema-1 database made by an earlier disclose upgraded in place, the derived
//! tables equal to what the Records say, a newer or foreign database refused with its path named.

use disclose::store::Store;
use disclose::store::entries::Scope;
use disclose::store::read::ReadStore;
use std::path::{Path, PathBuf};

fn temp_copy_of_fixture(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-schema-1.db"),
        &path,
    )
    .unwrap();
    path
}

/// The fixture is a crawl of the lab of 60 domains with seed 3, by the disclose of 2026-12-01:
/// run `week-1` (the whole list, as CSV with `organisation` and `sector`), run `week-2` (the first
/// 31 domains, plain lines). Its ground truth is the `truth.jsonl` that lab wrote, kept beside it
/// (the lab's scenarios have changed since).
fn fixture_truth() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-schema-1.truth.jsonl"),
    )
    .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_schema_1_store_is_upgraded_in_place_with_its_records_kept() {
    let path = temp_copy_of_fixture("upgrade");
    let before: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare("SELECT domain, record FROM records ORDER BY run, domain")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(before.len(), 91);
    let store = Store::open(&path).unwrap();
    let week1 = store.run("week-1").unwrap().unwrap();
    let week2 = store.run("week-2").unwrap().unwrap();
    assert_eq!(store.count(week1.id).unwrap(), 60);
    assert_eq!(store.count(week2.id).unwrap(), 31);
    // The Records are kept byte for byte, and still read (they are version 2).
    let after: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, disclose::store::SCHEMA_VERSION);
        let mut stmt = conn
            .prepare(
                "SELECT r.domain, j.json FROM records r JOIN record_json j ON j.record = r.id
                 ORDER BY r.run, r.domain",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(before, after);
    let records = store.records(week1.id).unwrap();
    assert!(records.iter().all(|r| r.version == 2));

    // The derived tables say what the Records say: every found domain's contacts in order.
    let truths = fixture_truth();
    let mut seen = 0;
    store
        .each_entry(Scope::Run(week1.id), false, &mut |entry| {
            let truth = truths
                .iter()
                .find(|t| t["domain"] == entry.domain.as_str())
                .expect("a lab domain");
            let contacts: Vec<String> = entry
                .file
                .iter()
                .flat_map(|f| f.contacts.iter().map(|c| c.uri.clone()))
                .collect();
            assert_eq!(
                contacts,
                strings(&truth["expected_contacts"]),
                "{}",
                entry.domain
            );
            assert_eq!(
                entry.outcome_label, truth["expected_outcome"],
                "{}",
                entry.domain
            );
            assert_eq!(entry.tags.len(), 2, "{}", entry.domain);
            if let Some(file) = &entry.file {
                let mut errors = file.errors.clone();
                errors.sort();
                assert_eq!(
                    errors,
                    strings(&truth["expected_errors"]),
                    "{}",
                    entry.domain
                );
            }
            seen += 1;
            Ok(true)
        })
        .unwrap();
    assert_eq!(seen, 60);

    // Opening it again does nothing more.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.count(week1.id).unwrap(), 60);
    let latest = store
        .entries(Scope::Latest)
        .unwrap()
        .entry("valid-000000.test")
        .unwrap()
        .unwrap();
    assert_eq!(latest.run, "week-2");
}
