//! The PostgreSQL store against a real PostgreSQL: a throwaway cluster started by the test
//! (Debian's `postgresql`; the tests say they skipped without it). The same Records written to
//! SQLite and to PostgreSQL read back alike, with the same derived rows; a Record is written
//! once whatever is sent twice; a newer or foreign database is refused; a password never
//! reaches a message.

use disclose::store::Store;
use disclose::store::location::StoreLocation;
use disclose::store::postgres::PgStore;
use disclose::store::postgres::cluster::ThrowawayCluster;
use std::path::Path;
use std::time::Duration;

fn postgres_location(url: &str) -> disclose::store::location::PostgresLocation {
    match url.parse::<StoreLocation>().unwrap() {
        StoreLocation::Postgres(pg) => *pg,
        StoreLocation::Sqlite(_) => panic!("{url} is not a PostgreSQL URL"),
    }
}

/// The schema-1 fixture (two runs of a 60-domain lab crawl), upgraded in a temporary copy.
fn fixture_store(dir: &Path) -> Store {
    let path = dir.join("store.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-schema-1.db"),
        &path,
    )
    .unwrap();
    Store::open(&path).unwrap()
}

/// The rows of a derived table, as text, in a fixed order, from either engine.
const DERIVED: [&str; 5] = [
    "SELECT r.domain || '|' || c.position || '|' || c.uri || '|' || c.kind || '|' || c.valid
     FROM contacts c JOIN records r ON r.id = c.record JOIN runs u ON u.id = r.run
     ORDER BY u.name, r.domain, c.position",
    "SELECT a.address || '|' || a.domain || '|' || u.name
     FROM addresses a JOIN runs u ON u.id = a.run ORDER BY 1",
    "SELECT r.domain || '|' || u.name || '|' || c.sha256 || '|' || c.issuer || '|' || coalesce(c.not_after, 0)
     FROM certificates c JOIN records r ON r.id = c.record JOIN runs u ON u.id = r.run ORDER BY 1",
    "SELECT r.domain || '|' || u.name || '|' || t.key || '=' || t.value
     FROM tags t JOIN records r ON r.id = t.record JOIN runs u ON u.id = r.run ORDER BY 1",
    "SELECT u.name || '|' || r.domain || '|' || r.outcome_label || '|' || r.found || '|' ||
            coalesce(r.valid, -1) || '|' || coalesce(r.contact_list, '') || '|' || coalesce(r.expires, 0)
     FROM records r JOIN runs u ON u.id = r.run ORDER BY 1",
];

#[test]
fn records_written_to_postgres_read_back_as_sqlite_reads_them() {
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = fixture_store(dir.path());
    let url = cluster.database("same_records").unwrap();
    let pg = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();

    let now = disclose::format::Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
    for run in sqlite.runs().unwrap() {
        let records = sqlite.records(run.id).unwrap();
        let (pg_run, existed) = pg.begin_run(&run.name, &run.arguments, now).unwrap();
        assert!(!existed);
        // Sent in two overlapping batches, as a retried batch would be: each Record lands once.
        let half = records.len() / 2;
        assert_eq!(
            pg.write(pg_run.id, &records[..half + 3]).unwrap(),
            half as u64 + 3
        );
        assert_eq!(
            pg.write(pg_run.id, &records[half..]).unwrap(),
            (records.len() - half - 3) as u64
        );
        assert_eq!(pg.records(pg_run.id).unwrap(), records, "run {}", run.name);
        assert_eq!(pg.count(pg_run.id).unwrap(), records.len() as u64);
        assert_eq!(
            pg.outcomes(pg_run.id).unwrap(),
            sqlite.outcomes(run.id).unwrap()
        );
        let first = &records[0];
        assert_eq!(
            pg.record(pg_run.id, &first.domain).unwrap().as_ref(),
            Some(first)
        );
        assert_eq!(
            pg.recorded_line(pg_run.id, &first.domain).unwrap(),
            sqlite.recorded_line(run.id, &first.domain).unwrap()
        );
        assert_eq!(pg.recorded_line(pg_run.id, "not-in.example").unwrap(), None);
        pg.finish_run(pg_run.id, now).unwrap();
    }
    let summaries = |s: Vec<disclose::store::RunSummary>| -> Vec<(String, u64, u64)> {
        s.into_iter()
            .map(|s| (s.run.name, s.domains, s.found))
            .collect()
    };
    assert_eq!(
        summaries(pg.run_summaries().unwrap()),
        summaries(sqlite.run_summaries().unwrap())
    );
    assert_eq!(summaries(pg.run_summaries().unwrap()).len(), 2);

    // The derived rows are the same on both engines.
    let lite = rusqlite::Connection::open(dir.path().join("store.db")).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for sql in DERIVED {
        let from_sqlite: Vec<String> = lite
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let from_postgres: Vec<String> = client
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!from_sqlite.is_empty(), "{sql}");
        assert_eq!(from_postgres, from_sqlite, "{sql}");
    }

    // Opened again (a second worker), the store is as it was.
    let again = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    assert_eq!(again.runs().unwrap().len(), 2);
    let (run, existed) = again.begin_run("week-1", "", now).unwrap();
    assert!(existed);
    assert_eq!(run.finished.as_deref(), Some("2026-12-01T00:00:00Z"));
    // Resumed: no longer finished.
    assert_eq!(again.run("week-1").unwrap().unwrap().finished, None);
}

#[test]
fn a_newer_or_foreign_database_is_refused_and_a_password_never_shown() {
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let newer = cluster.database("newer").unwrap();
    PgStore::open(&postgres_location(&newer), Duration::from_secs(5)).unwrap();
    let mut client = postgres::Client::connect(&newer, postgres::NoTls).unwrap();
    client
        .batch_execute("UPDATE disclose_schema SET version = 99")
        .unwrap();
    let e = PgStore::open(&postgres_location(&newer), Duration::from_secs(5))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("was written by a newer disclose (schema 99"),
        "{e}"
    );

    let foreign = cluster.database("foreign").unwrap();
    let mut client = postgres::Client::connect(&foreign, postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE TABLE invoices (id INTEGER)")
        .unwrap();
    let e = PgStore::open(&postgres_location(&foreign), Duration::from_secs(5))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("holds another program's tables (`invoices`"),
        "{e}"
    );

    // A server that is not there: the error names the database, without the password.
    let socket = cluster.socket_dir().display().to_string();
    let wrong = format!("postgres://disclose:s3cret@{}:1/none", url_encode(&socket));
    let e = format!(
        "{:#}",
        PgStore::open(&postgres_location(&wrong), Duration::from_secs(0))
            .err()
            .unwrap()
    );
    assert!(!e.contains("s3cret"), "{e}");
    assert!(
        e.contains("cannot reach the database `postgres://disclose:***@"),
        "{e}"
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
