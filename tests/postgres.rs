//! The PostgreSQL store against a real PostgreSQL: a throwaway cluster started by the test
//! (Debian's `postgresql`; the tests say they skipped without it). The same Records written to
//! SQLite and to PostgreSQL read back alike, with the same derived rows; a Record is written
//! once whatever is sent twice; a newer or foreign database is refused; a password never
//! reaches a message.

use disclose::store::Store;
use disclose::store::location::StoreLocation;
use disclose::store::postgres::PgStore;
use disclose::store::postgres::cluster::ThrowawayCluster;
use disclose::store::read::ReadStore;
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

    // An extension's views are the database's own, not another program's data.
    let extended = cluster.database("extended").unwrap();
    let mut client = postgres::Client::connect(&extended, postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE EXTENSION pg_buffercache")
        .unwrap();
    PgStore::open(&postgres_location(&extended), Duration::from_secs(5))
        .expect("a database with an extension takes a store");

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

fn target_of(record: &disclose::record::Record) -> disclose::target::Target {
    disclose::target::Target {
        domain: record.domain.clone(),
        registrable_domain: record.registrable_domain.clone(),
        line: record.line,
        tags: record.tags.clone(),
    }
}

#[test]
fn workers_claim_disjoint_batches_and_a_dead_workers_domains_go_back() {
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = fixture_store(dir.path());
    let week_1 = sqlite.run("week-1").unwrap().unwrap();
    let records = sqlite.records(week_1.id).unwrap();
    let targets: Vec<_> = records.iter().map(target_of).collect();
    assert_eq!(targets.len(), 60);
    let url = cluster.database("queue").unwrap();
    let location = postgres_location(&url);
    let patience = Duration::from_secs(5);
    let store = PgStore::open(&location, patience).unwrap();
    let now = disclose::format::Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();

    // Three workers claim from one run at once, seven at a time: every domain once.
    let (run, _) = store.begin_run("together", "", now).unwrap();
    assert_eq!(store.enqueue(run.id, &targets).unwrap().added, 60);
    assert_eq!(
        store.enqueue(run.id, &targets[..10]).unwrap(),
        disclose::store::postgres::queue::Enqueued::default(),
        "the same lines again: nothing new, no duplicate"
    );
    let mut again = targets[0].clone();
    again.line = 99;
    let enqueued = store.enqueue(run.id, &[again]).unwrap();
    assert_eq!(
        enqueued.duplicates,
        vec![(99, targets[0].domain.clone(), targets[0].line)]
    );
    // Twice in one batch: the first line is queued, the second reported against it.
    let (twice_run, _) = store.begin_run("twice", "", now).unwrap();
    let mut twice = targets[3].clone();
    twice.line = 100;
    let enqueued = store
        .enqueue(
            twice_run.id,
            &[targets[3].clone(), targets[4].clone(), twice],
        )
        .unwrap();
    assert_eq!(enqueued.added, 2);
    assert_eq!(
        enqueued.duplicates,
        vec![(100, targets[3].domain.clone(), targets[3].line)]
    );
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let location = location.clone();
                scope.spawn(move || {
                    let store = PgStore::open(&location, patience).unwrap();
                    let worker = store.register_worker(run.id).unwrap();
                    let mut mine = Vec::new();
                    loop {
                        let batch = store
                            .claim(run.id, worker, 7, Duration::from_secs(60))
                            .unwrap();
                        if batch.is_empty() {
                            return mine;
                        }
                        mine.extend(batch.into_iter().map(|t| t.domain));
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<String> = claimed.concat();
    all.sort();
    let mut expected: Vec<String> = targets.iter().map(|t| t.domain.clone()).collect();
    expected.sort();
    assert_eq!(all, expected, "each domain claimed exactly once");
    assert_eq!(
        store.queue_progress(run.id).unwrap(),
        disclose::store::postgres::queue::QueueProgress {
            queued: 0,
            in_flight: 60,
            done: 0,
            loading: false
        }
    );
    assert_eq!(
        store.live_workers(run.id, Duration::from_secs(60)).unwrap(),
        3
    );

    // A worker that dies holding domains: when its lease ends they are claimed again, and its
    // late write of one of them adds nothing.
    let (run, _) = store.begin_run("one-dies", "", now).unwrap();
    store.enqueue(run.id, &targets).unwrap();
    let dying = store.register_worker(run.id).unwrap();
    let held = store
        .claim(run.id, dying, 10, Duration::from_millis(500))
        .unwrap();
    assert_eq!(held.len(), 10);
    let listed = targets.iter().find(|t| t.domain == held[0].domain).unwrap();
    assert_eq!(
        &held[0], listed,
        "the list's line and columns travel with the domain"
    );
    assert!(!held[0].tags.is_empty());
    assert!(
        held.windows(2).all(|w| w[0].line < w[1].line),
        "claimed in list order"
    );
    let survivor = PgStore::open(&location, patience).unwrap();
    let alive = survivor.register_worker(run.id).unwrap();
    let rest = survivor
        .claim(run.id, alive, 100, Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        rest.len(),
        50,
        "the dying worker's domains are not taken while it holds them"
    );
    std::thread::sleep(Duration::from_millis(700));
    let taken_over = survivor
        .claim(run.id, alive, 100, Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        taken_over.iter().map(|t| &t.domain).collect::<Vec<_>>(),
        held.iter().map(|t| &t.domain).collect::<Vec<_>>()
    );
    assert!(
        !store.queue_finished(run.id).unwrap(),
        "every domain is claimed, none written: the run is not finished"
    );
    assert_eq!(survivor.write(run.id, &records).unwrap(), 60);
    assert!(store.queue_finished(run.id).unwrap());
    store.set_loading(run.id, true).unwrap();
    assert!(
        !store.queue_finished(run.id).unwrap(),
        "a list still loading may bring more"
    );
    store.set_loading(run.id, false).unwrap();
    assert_eq!(store.write(run.id, &records[..1]).unwrap(), 0);
    assert_eq!(store.count(run.id).unwrap(), 60);
    assert_eq!(
        store.queue_progress(run.id).unwrap(),
        disclose::store::postgres::queue::QueueProgress {
            queued: 0,
            in_flight: 0,
            done: 60,
            loading: false
        }
    );

    // A heartbeat keeps a lease; a release gives the domains back at once.
    let (run, _) = store.begin_run("heartbeat", "", now).unwrap();
    store.enqueue(run.id, &targets).unwrap();
    let steady = store.register_worker(run.id).unwrap();
    let kept = store
        .claim(run.id, steady, 5, Duration::from_millis(500))
        .unwrap();
    store.heartbeat(steady, Duration::from_secs(60)).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let other = survivor.register_worker(run.id).unwrap();
    let got = survivor
        .claim(run.id, other, 100, Duration::from_secs(60))
        .unwrap();
    assert_eq!(got.len(), 55);
    assert!(got.iter().all(|t| !kept.contains(t)));
    assert_eq!(store.release(steady).unwrap(), 5);
    assert_eq!(
        survivor
            .claim(run.id, other, 100, Duration::from_secs(60))
            .unwrap(),
        kept
    );
    let workers = store.workers(run.id).unwrap();
    assert_eq!(workers.len(), 2);
    assert!(workers[0].stopped && !workers[1].stopped);
    assert_eq!(workers[0].pid, i64::from(std::process::id()));

    // A claim whose answer was lost: the worker received four of the ten domains leased to it;
    // it gives back the six it does not hold, which another worker then gets at once.
    let (run, _) = store.begin_run("lost answer", "", now).unwrap();
    store.enqueue(run.id, &targets[..20]).unwrap();
    let unlucky = store.register_worker(run.id).unwrap();
    let leased = store
        .claim(run.id, unlucky, 10, Duration::from_secs(60))
        .unwrap();
    let held: Vec<String> = leased[..4].iter().map(|t| t.domain.clone()).collect();
    assert_eq!(store.release_unheld(run.id, unlucky, &held).unwrap(), 6);
    let helper = survivor.register_worker(run.id).unwrap();
    let got = survivor
        .claim(run.id, helper, 100, Duration::from_secs(60))
        .unwrap();
    assert_eq!(got.len(), 16);
    assert!(leased[4..].iter().all(|t| got.contains(t)));
    assert!(leased[..4].iter().all(|t| !got.contains(t)));
    assert_eq!(store.release_unheld(run.id, unlucky, &held).unwrap(), 0);
    store.release(unlucky).unwrap();
    survivor.release(helper).unwrap();

    // Domains recorded before they were listed (a resumed run) are queued as done.
    let (run, _) = store.begin_run("resumed", "", now).unwrap();
    store.write(run.id, &records[..20]).unwrap();
    store.enqueue(run.id, &targets).unwrap();
    assert_eq!(store.queue_progress(run.id).unwrap().done, 20);
    assert_eq!(store.queue_progress(run.id).unwrap().queued, 40);
}

#[test]
fn runs_lists_a_postgres_stores_runs_with_their_queue_and_workers() {
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = fixture_store(dir.path());
    let week_1 = sqlite.run("week-1").unwrap().unwrap();
    let records = sqlite.records(week_1.id).unwrap();
    let url = cluster.database("runs").unwrap();
    let store = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    let now = disclose::format::Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
    let (run, _) = store
        .begin_run("week-1", "disclose crawl list.csv", now)
        .unwrap();
    store
        .enqueue(run.id, &records.iter().map(target_of).collect::<Vec<_>>())
        .unwrap();
    let worker = store.register_worker(run.id).unwrap();
    let claimed = store
        .claim(run.id, worker, 25, Duration::from_secs(60))
        .unwrap();
    let crawled: Vec<_> = records
        .iter()
        .filter(|r| claimed[..20].iter().any(|t| t.domain == r.domain))
        .cloned()
        .collect();
    assert_eq!(store.write(run.id, &crawled).unwrap(), 20);
    store.count_written(worker, 20).unwrap();

    let runs = |args: &[&str]| -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_disclose"))
            .args(["runs", "--db", &url])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(runs(&["--json"]).trim()).unwrap();
    assert_eq!(json["name"], "week-1");
    assert_eq!(json["domains"], 20);
    assert_eq!(
        json["queue"],
        serde_json::json!({"queued": 35, "in_flight": 5, "done": 20})
    );
    assert_eq!(json["workers"][0]["written"], 20);
    assert_eq!(json["workers"][0]["stopped"], false);
    let table = runs(&[]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].ends_with("queued  in flight"), "{table}");
    assert!(
        lines[1].starts_with("week-1") && lines[1].ends_with("35          5"),
        "{table}"
    );
    assert!(
        lines[2].contains(&format!(":{}  20 Records", std::process::id())),
        "{table}"
    );

    // An empty database is no store yet; it is left empty.
    let empty = cluster.database("empty").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(["runs", "--db", &empty])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("holds no disclose store yet"), "{stderr}");
}

/// The lab's flags for a crawl from the command line (its CA written into `dir`).
fn lab_flags(lab: &disclose::lab::Lab, dir: &Path) -> Vec<String> {
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    [
        "--dns-server",
        &lab.dns.to_string(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--https-port",
        &lab.https_port.to_string(),
        "--allow-loopback",
        "--dns-timeout",
        "1",
        "--connect-timeout",
        "2",
        "--timeout",
        "3",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// A lab on a runtime of its own, its domain list written into a temporary directory, and the
/// flags a crawl of it needs (from `lab_flags`). The runtime must outlive the lab's use.
struct LabWithList {
    rt: tokio::runtime::Runtime,
    lab: disclose::lab::Lab,
    dir: tempfile::TempDir,
    list: std::path::PathBuf,
    flags: Vec<String>,
}

fn lab_with_list(domains: usize, seed: u64, mix: disclose::lab::scenario::Mix) -> LabWithList {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lab = rt
        .block_on(disclose::lab::Lab::start(&disclose::lab::LabConfig {
            domains,
            seed,
            mix,
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("domains.txt");
    let names: String = lab
        .world
        .domains()
        .iter()
        .map(|d| format!("{}\n", d.name))
        .collect();
    std::fs::write(&list, names).unwrap();
    let flags = lab_flags(&lab, dir.path());
    LabWithList {
        rt,
        lab,
        dir,
        list,
        flags,
    }
}

#[test]
fn three_workers_crawl_one_lab_within_its_limits_and_survive_one_killed() {
    use disclose::lab::scenario::Mix;
    use std::process::{Command, Stdio};
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let LabWithList {
        rt: _runtime,
        lab,
        dir,
        list,
        flags,
    } = lab_with_list(300, 7, Mix::AllValid);
    // Trust authentication ignores the password: it is there to be kept secret.
    let url = cluster
        .database("shared")
        .unwrap()
        .replace("postgres://disclose@", "postgres://disclose:s3cret@");
    let worker = |with_list: bool| -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_disclose"));
        c.arg("crawl");
        if with_list {
            c.arg(&list);
        }
        c.args(["--db", &url, "--run", "shared", "--no-progress"])
            .args(["--workers", "3", "--per-ip-concurrency", "3"])
            .args(["--per-ip-rate", "60", "--concurrency", "8", "--lease", "3"])
            .args(&flags);
        c
    };
    let location = postgres_location(&url);
    let store = PgStore::open(&location, Duration::from_secs(5)).unwrap();
    let recorded = || -> u64 {
        store
            .run("shared")
            .unwrap()
            .map_or(0, |run| store.count(run.id).unwrap())
    };

    let first_log = dir.path().join("first.log");
    let mut first = worker(true)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&first_log).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while store.run("shared").unwrap().is_none() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let others: Vec<_> = (0..2)
        .map(|_| {
            worker(false)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    while recorded() < 60 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    first.kill().unwrap(); // SIGKILL: its claims are left to expire
    first.wait().unwrap();
    let killed_at = recorded();
    assert!(
        (60..300).contains(&killed_at),
        "{killed_at} Records when the first worker was killed; it said: {}",
        std::fs::read_to_string(&first_log).unwrap_or_default()
    );
    for other in others {
        let out = other.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
        assert!(
            stdout.contains("run `shared` in postgres://disclose:***@"),
            "{stdout}"
        );
    }

    // Exactly one Record per listed domain, each right; the run is finished and its queue done.
    let run = store.run("shared").unwrap().unwrap();
    assert!(run.finished.is_some(), "the last worker finishes the run");
    assert!(!run.arguments.contains("s3cret"), "{}", run.arguments);
    assert!(
        run.arguments.contains("postgres://disclose:***@"),
        "{}",
        run.arguments
    );
    let records = store.records(run.id).unwrap();
    assert_eq!(records.len(), 300);
    let (correct, wrong) = disclose::lab::run::compare(&lab.world, &records);
    assert_eq!(correct, 300, "{:?}", wrong.first());
    assert_eq!(
        store.queue_progress(run.id).unwrap(),
        disclose::store::postgres::queue::QueueProgress {
            queued: 0,
            in_flight: 0,
            done: 300,
            loading: false
        }
    );
    let workers = store.workers(run.id).unwrap();
    assert_eq!(workers.len(), 3);
    assert!(workers.iter().all(|w| w.written > 0), "{workers:?}");
    assert!(
        !workers[0].stopped,
        "the killed worker never said it stopped"
    );
    assert_eq!(
        workers.iter().map(|w| w.written).sum::<u64>(),
        300,
        "{workers:?}"
    );

    // Politeness held for the run as a whole: three workers, each with a third of the
    // per-address concurrency, never had more than three connections open to one address.
    let peak = lab.connections().values().map(|c| c.peak).max().unwrap();
    assert!(
        (1..=3).contains(&peak),
        "peak {peak} connections to one address"
    );
}

#[test]
fn every_reading_command_answers_alike_on_both_engines() {
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = fixture_store(dir.path());
    let sqlite_path = dir.path().join("store.db");
    let url = cluster.database("alike").unwrap();
    let pg = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    for run in sqlite.runs().unwrap() {
        let started = disclose::format::Timestamp::parse_rfc3339(&run.started).unwrap();
        let (copy, _) = pg.begin_run(&run.name, &run.arguments, started).unwrap();
        pg.write(copy.id, &sqlite.records(run.id).unwrap()).unwrap();
        if let Some(finished) = &run.finished {
            let finished = disclose::format::Timestamp::parse_rfc3339(finished).unwrap();
            pg.finish_run(copy.id, finished).unwrap();
        }
    }
    drop(sqlite);

    let now = "2026-12-15T00:00:00Z";
    let commands: Vec<Vec<&str>> = vec![
        vec!["runs", "--json"],
        vec![
            "lookup",
            "valid-000000.test",
            "https://www.both-paths-000002.test/login",
            "security@expired-file-000004.test",
            "sub.gzip-encoded-000008.test",
            "127.1.0.4",
            "nowhere.example",
            "--format",
            "jsonl",
            "--now",
            now,
        ],
        vec![
            "lookup",
            "valid-000000.test",
            "--run",
            "week-1",
            "--format",
            "csv",
            "--now",
            now,
        ],
        vec!["export", "--format", "csv", "--now", now],
        vec![
            "export",
            "--format",
            "jsonl",
            "--now",
            now,
            "--include-missing",
        ],
        vec!["export", "--format", "intelmq", "--now", now],
        vec!["export", "--format", "disclose-io", "--now", now],
        vec![
            "export",
            "--format",
            "csv",
            "--run",
            "week-1",
            "--tag",
            "sector=sector-1",
            "--now",
            now,
        ],
        vec!["report", "--format", "json", "--now", now],
        vec![
            "report",
            "--format",
            "md",
            "--run",
            "week-1",
            "--group-by",
            "sector",
            "--now",
            now,
        ],
        vec![
            "report",
            "--format",
            "json",
            "--run",
            "week-2",
            "--compare",
            "week-1",
            "--now",
            now,
        ],
        vec!["diff", "week-1", "week-2", "--format", "json", "--now", now],
        vec!["certs", "--summary", "--now", now],
        vec!["certs", "--issuer", "lab", "--format", "csv", "--now", now],
    ];
    let run = |db: &str, args: &[&str]| -> (Option<i32>, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_disclose"))
            .args(args)
            .args(["--db", db])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sqlite_db = sqlite_path.to_str().unwrap();
    for args in commands {
        let (lite_code, lite_out, lite_err) = run(sqlite_db, &args);
        let (pg_code, pg_out, pg_err) = run(&url, &args);
        assert!(
            lite_code.is_some_and(|c| c <= 1),
            "{args:?} on SQLite: {lite_err}"
        );
        assert!(!lite_out.is_empty(), "{args:?} printed nothing");
        assert_eq!(pg_code, lite_code, "{args:?}: {pg_err}");
        assert_eq!(
            pg_out.replace(&url, "DB"),
            lite_out.replace(sqlite_db, "DB"),
            "{args:?}"
        );
    }
}

#[test]
fn a_worker_rides_out_a_database_restart() {
    use disclose::lab::scenario::Mix;
    use std::process::{Command, Stdio};
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let LabWithList {
        rt: _runtime,
        lab,
        dir: _dir,
        list,
        flags,
    } = lab_with_list(200, 9, Mix::AllValid);
    let url = cluster.database("restart").unwrap();
    let worker = Command::new(env!("CARGO_BIN_EXE_disclose"))
        .arg("crawl")
        .arg(&list)
        .args(["--db", &url, "--run", "restart", "--no-progress"])
        .args(["--per-ip-rate", "20", "--concurrency", "4"])
        .args(&flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let location = postgres_location(&url);
    let recorded = || -> u64 {
        let store = PgStore::open(&location, Duration::from_secs(5)).unwrap();
        store
            .run("restart")
            .unwrap()
            .map_or(0, |run| store.count(run.id).unwrap())
    };
    let started = std::time::Instant::now();
    while recorded() < 20 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = recorded();
    cluster.restart_after(Duration::from_secs(2)).unwrap();
    let out = worker.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        before < 200,
        "the crawl ended before the restart ({before})"
    );
    assert!(stderr.contains("trying again in"), "{stderr}");
    let store = PgStore::open(&location, Duration::from_secs(5)).unwrap();
    let run = store.run("restart").unwrap().unwrap();
    let records = store.records(run.id).unwrap();
    assert_eq!(records.len(), 200);
    let (correct, wrong) = disclose::lab::run::compare(&lab.world, &records);
    assert_eq!(correct, 200, "{:?}", wrong.first());
    assert!(run.finished.is_some(), "{stdout}\n{stderr}");
}

#[test]
fn retry_failed_puts_a_shared_runs_retryable_failures_back_in_its_queue() {
    use disclose::lab::scenario::Mix;
    use std::process::Command;
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    let LabWithList {
        rt: _runtime,
        lab,
        dir: _dir,
        list,
        flags,
    } = lab_with_list(120, 4, Mix::Realistic);
    let url = cluster.database("retry").unwrap();
    let crawl = |list: Option<&Path>, extra: &[&str]| -> (String, String) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_disclose"));
        c.arg("crawl");
        if let Some(list) = list {
            c.arg(list);
        }
        let out = c
            .args([
                "--db",
                &url,
                "--run",
                "retry",
                "--no-progress",
                "--per-ip-rate",
                "1000",
            ])
            .args(extra)
            .args(&flags)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        (stdout, stderr)
    };
    crawl(Some(&list), &[]);
    let store = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    let run = store.run("retry").unwrap().unwrap();
    assert!(run.finished.is_some());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let forgotten_expected = client
        .query(
            "SELECT outcome, outcome_label FROM records WHERE run = $1",
            &[&run.id],
        )
        .unwrap()
        .iter()
        .filter(|r| disclose::record::Outcome::retry_later(r.get(0), r.get(1)))
        .count() as u64;
    assert!(
        forgotten_expected > 0,
        "the realistic lab has failures to retry"
    );

    let (stdout, stderr) = crawl(None, &["--retry-failed"]);
    assert!(
        stderr.contains(&format!("crawling again {forgotten_expected} domains")),
        "{stderr}"
    );
    assert!(
        stdout.starts_with(&format!("crawled {forgotten_expected} domains")),
        "{stdout}"
    );
    assert_eq!(store.count(run.id).unwrap(), 120);
    let records = store.records(run.id).unwrap();
    let (correct, wrong) = disclose::lab::run::compare(&lab.world, &records);
    assert_eq!(correct, 120, "{:?}", wrong.first());
    assert!(store.run("retry").unwrap().unwrap().finished.is_some());
}

#[test]
fn lookup_crawls_the_hosts_a_postgres_store_does_not_know() {
    use disclose::lab::scenario::Mix;
    let Some(cluster) = ThrowawayCluster::start().unwrap() else {
        return;
    };
    // Every part bound: the directory holds the lab's CA file until the test ends.
    let LabWithList {
        rt: _runtime,
        lab,
        dir: _dir,
        list: _,
        flags,
    } = lab_with_list(20, 5, Mix::AllValid);
    let url = cluster.database("lookup").unwrap();
    PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    let names: Vec<String> = lab.world.domains()[..3]
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args([
            "lookup",
            "--db",
            &url,
            "--crawl-missing",
            "--format",
            "jsonl",
        ])
        .args(["--run", "feed", "--per-ip-rate", "1000"])
        .arg(format!("https://{}/login", names[0]))
        .arg(format!("security@{}", names[1]))
        .arg(&names[2])
        .args(&flags)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("crawling 3 hosts the store does not know into run `feed`"),
        "{stderr}"
    );
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3);
    for (answer, name) in answers.iter().zip(&names) {
        assert_eq!(answer["status"], "found", "{answer}");
        assert_eq!(answer["matches"][0]["domain"], name.as_str());
    }
    let store = PgStore::open(&postgres_location(&url), Duration::from_secs(5)).unwrap();
    let run = store.run("feed").unwrap().unwrap();
    assert_eq!(store.count(run.id).unwrap(), 3);
    assert!(run.finished.is_some());
}
