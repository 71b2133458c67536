//! The directory's benchmark: a store of 1,000,000 Records made from lab Records (the schema-1
//! fixture's, with varied domains, addresses and contacts; nothing is crawled), then, each timed
//! as the release binary runs it (wall time, CPU, peak resident memory):
//!
//! - `export --format csv` and `--format jsonl` of every domain with a file, beside the bare
//!   `sqlite3` query that reads the same rows (records, files and contacts joined) as the floor;
//! - `lookup` of a 100,000-item feed (hosts, URLs and IP addresses, a third unknown), beside a
//!   bare `sqlite3` join of the same hosts against the store's index;
//! - `report` (JSON and HTML) of the run, beside one `sqlite3` query computing the funnel's
//!   steps from the records table as the floor;
//! - opening a 1,000,000-Record schema-1 store, which upgrades it to schema 2, beside the bare
//!   `sqlite3` read of every Record it has to parse.
//!
//! Each command but the upgrade runs three times (`--repeat N`) and the run of median wall time
//! is reported.
//!
//! Run: `cargo bench --bench directory` (sizes: `-- --records N --feed N`). Needs `sqlite3` and
//! `/usr/bin/time` (Debian: `apt-get install sqlite3 time`) and about 8 GB of disk. Prints a
//! Markdown table for `docs/benchmarks.md`.

use disclose::record::Record;
use disclose::store::Store;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What an entry is read from: the columns the store's own entry query reads.
const ENTRY_COLUMNS: &str = "r.id, r.run, r.domain, r.registrable_domain, r.line, r.started,
    r.outcome, r.outcome_label, r.tags, r.redirected_to, r.found, r.requested_url, r.final_url,
    r.location, r.redirects, r.address, r.sha256, r.valid, r.errors, r.expires, r.signature,
    r.independence, r.signer, r.key_sound, r.canonical, r.languages, r.encryption, r.policy,
    r.acknowledgments, r.hiring, r.csaf, r.bug_bounty, r.contact_list, r.canonical_urls";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The lab Records of the schema-1 fixture, read through a temporary upgraded copy.
fn templates(dir: &Path) -> Vec<Record> {
    let copy = dir.join("templates.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-schema-1.db"),
        &copy,
    )
    .unwrap();
    let store = Store::open(&copy).unwrap();
    let run = store.run("week-1").unwrap().unwrap();
    store.records(run.id).unwrap()
}

/// The address of the `i`th domain: a fifth share ten hot addresses (shared hosting), the rest
/// are spread over 200,000.
fn address(i: usize) -> IpAddr {
    let n = if i.is_multiple_of(5) {
        i % 10
    } else {
        10 + i % 200_000
    };
    IpAddr::V4(Ipv4Addr::new(198, (n >> 16) as u8, (n >> 8) as u8, n as u8))
}

fn domain(i: usize) -> String {
    format!("site{i:07}.example")
}

/// The `i`th Record: a template with its domain, URLs, contacts and addresses replaced.
fn varied(template: &Record, i: usize) -> Record {
    let json = serde_json::to_string(template).unwrap();
    let json = json.replace(&template.domain, &domain(i));
    let mut record: Record = serde_json::from_str(&json).unwrap();
    record.registrable_domain = Some(domain(i));
    record.line = i as u64 + 1;
    for attempt in &mut record.attempts {
        for hop in &mut attempt.hops {
            if hop.address.is_some() {
                hop.address = Some(address(i));
            }
        }
    }
    record
}

fn generate_schema_2(path: &Path, templates: &[Record], n: usize) -> f64 {
    let started = Instant::now();
    let mut store = Store::open(path).unwrap();
    let (run, _) = store
        .begin_run("bench", "generated", disclose::crawl::domain::now())
        .unwrap();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        batch.push(varied(&templates[i % templates.len()], i));
        if batch.len() == 10_000 {
            store.write(run.id, &batch).unwrap();
            batch.clear();
        }
    }
    store.write(run.id, &batch).unwrap();
    started.elapsed().as_secs_f64()
}

/// A schema-1 store as disclose 0.1.0 of 2026-12-01 wrote it.
fn generate_schema_1(path: &Path, templates: &[Record], n: usize) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, started TEXT NOT NULL,
           finished TEXT, arguments TEXT NOT NULL, version TEXT NOT NULL);
         CREATE TABLE records (run INTEGER NOT NULL REFERENCES runs(id), domain TEXT NOT NULL,
           line INTEGER NOT NULL, outcome TEXT NOT NULL, found INTEGER NOT NULL, record TEXT NOT NULL,
           PRIMARY KEY (run, domain)) WITHOUT ROWID;
         INSERT INTO runs VALUES (1, 'bench', '2026-12-01T00:00:00Z', NULL, 'generated', '0.1.0');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO records VALUES (1, ?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for i in 0..n {
            let mut r = varied(&templates[i % templates.len()], i);
            r.version = 2;
            insert
                .execute(rusqlite::params![
                    r.domain,
                    r.line as i64,
                    r.outcome.class(),
                    r.file.is_some(),
                    serde_json::to_string(&r).unwrap()
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Wall seconds, CPU seconds and peak resident MB of a command, from `/usr/bin/time`.
struct Measured {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
}

/// Times of each command, of which the median is reported: this machine's speed varies by a
/// quarter from one run to the next (`--repeat N`; the schema-1 upgrade, which changes its
/// file, runs once).
static REPEAT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(3);

/// Runs the command `REPEAT` times; the run of median wall time.
fn measure(program: &str, args: &[&str], stdin: Option<&Path>) -> Measured {
    let repeat = REPEAT.load(std::sync::atomic::Ordering::Relaxed).max(1);
    let mut runs: Vec<Measured> = (0..repeat)
        .map(|_| measure_once(program, args, stdin))
        .collect();
    runs.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    let times: Vec<String> = runs.iter().map(|m| format!("{:.2}", m.wall)).collect();
    eprintln!(
        "  {program} {}: {} s",
        args.first().unwrap_or(&""),
        times.join(", ")
    );
    runs.swap_remove(repeat / 2)
}

fn measure_once(program: &str, args: &[&str], stdin: Option<&Path>) -> Measured {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f").arg("%e %U %S %M").arg(program).args(args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    if let Some(path) = stdin {
        cmd.stdin(std::fs::File::open(path).unwrap());
    }
    let out = cmd.output().expect("run /usr/bin/time");
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or_default();
    let f: Vec<f64> = last
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // `lookup` exits 1 when some item has no contact, as a third of the feed has not.
    let ok =
        out.status.success() || (args.first() == Some(&"lookup") && out.status.code() == Some(1));
    assert!(ok && f.len() == 4, "{program} {args:?}: {err}");
    Measured {
        wall: f[0],
        cpu: f[1] + f[2],
        rss_mb: f[3] / 1024.0,
    }
}

fn row(out: &mut String, what: &str, items: usize, m: &Measured, floor: Option<&Measured>) {
    let rate = items as f64 / m.wall.max(1e-9);
    let ratio = floor.map_or("—".to_owned(), |f| {
        format!("{:.1}×", m.wall / f.wall.max(1e-9))
    });
    out.push_str(&format!(
        "| {what} | {items} | {:.1} | {:.1} | {:.0} | {:.0} | {ratio} |\n",
        m.wall, m.cpu, rate, m.rss_mb
    ));
}

fn main() {
    // `cargo bench` passes `--bench`; criterion-style filters are not used here.
    let n = arg("--records", 1_000_000);
    let feed_size = arg("--feed", 100_000);
    REPEAT.store(arg("--repeat", 3), std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("disclose-bench-directory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_disclose");
    let templates = templates(&dir);
    let found = templates.iter().filter(|t| t.file.is_some()).count();

    eprintln!("generating a schema-2 store of {n} Records…");
    let db = dir.join("store.db");
    let generated = generate_schema_2(&db, &templates, n);
    let db_s = db.to_str().unwrap();
    let size_mb = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let with_file = (0..n)
        .filter(|i| templates[i % templates.len()].file.is_some())
        .count();

    let mut table = String::new();
    table.push_str("| what | items | wall s | CPU s | items/s | peak RSS MB | × floor |\n");
    table.push_str("|---|---|---|---|---|---|---|\n");

    eprintln!("export…");
    // Every command, the floors included, finds the store in the page cache.
    let _ = measure_once("cat", &[db_s], None);
    let floor_scan = measure(
        "sqlite3",
        &[
            "-csv",
            db_s,
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM records r WHERE r.run = 1 AND r.found = 1 ORDER BY r.domain"
            ),
        ],
        None,
    );
    row(
        &mut table,
        "floor: `sqlite3 -csv` of the same rows",
        with_file,
        &floor_scan,
        None,
    );
    for format in ["csv", "jsonl"] {
        for scope in [&["--run", "bench"][..], &[][..]] {
            let mut args = vec!["export", "--db", db_s, "--format", format];
            args.extend(scope);
            let m = measure(bin, &args, None);
            let what = format!(
                "`export --format {format}`{}",
                if scope.is_empty() {
                    " (latest across runs)"
                } else {
                    " --run"
                }
            );
            row(&mut table, &what, with_file, &m, Some(&floor_scan));
        }
    }

    eprintln!("report…");
    let _ = measure_once("cat", &[db_s], None);
    // The floor: the funnel's steps that the records table answers, in one query.
    let floor_funnel = measure(
        "sqlite3",
        &[
            db_s,
            "SELECT count(*),
                    sum(outcome NOT LIKE 'dns_%'),
                    sum(outcome NOT IN ('dns_nxdomain','dns_no_address','dns_servfail','dns_timeout',
                        'blocked_address','connect_refused','connect_timeout','tls_error')),
                    sum(found OR outcome IN ('http_status','soft_404','too_large','redirect_error')),
                    sum(found), sum(found AND valid), sum(found AND expires > 1798761600),
                    sum(found AND signature != 'unsigned'), sum(found AND signature = 'verified'),
                    sum(outcome = 'soft_404')
             FROM records WHERE run = 1",
        ],
        None,
    );
    row(
        &mut table,
        "floor: `sqlite3`, the funnel in one query",
        n,
        &floor_funnel,
        None,
    );
    for format in ["json", "html"] {
        let out = dir.join(format!("report.{format}"));
        let m = measure(
            bin,
            &[
                "report",
                "--db",
                db_s,
                "--run",
                "bench",
                "--format",
                format,
                "-o",
                out.to_str().unwrap(),
            ],
            None,
        );
        row(
            &mut table,
            &format!("`report --format {format}`"),
            n,
            &m,
            Some(&floor_funnel),
        );
    }

    eprintln!("lookup…");
    let _ = measure_once("cat", &[db_s], None);
    let feed = dir.join("feed.txt");
    let hosts = dir.join("hosts.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&feed).unwrap());
        let mut h = std::io::BufWriter::new(std::fs::File::create(&hosts).unwrap());
        for k in 0..feed_size {
            let i = (k * 7919) % n;
            let (item, host) = match k % 6 {
                0 | 1 => (domain(i), domain(i)),
                2 => (format!("https://{}/login.php?id={k}", domain(i)), domain(i)),
                3 => (address(i).to_string(), String::new()),
                _ => {
                    let unknown = format!("unknown{k}.example.net");
                    (unknown.clone(), unknown)
                }
            };
            writeln!(f, "{item}").unwrap();
            if !host.is_empty() {
                writeln!(h, "{host}").unwrap();
            }
        }
    }
    let floor_lookup = measure(
        "sqlite3",
        &[
            db_s,
            "CREATE TEMP TABLE feed (host TEXT);",
            &format!(".import {} feed", hosts.display()),
            &format!(
                "SELECT feed.host, {ENTRY_COLUMNS} FROM feed LEFT JOIN records r ON r.id =
                 (SELECT id FROM records WHERE domain = feed.host ORDER BY started DESC, id DESC LIMIT 1);"
            ),
        ],
        None,
    );
    row(
        &mut table,
        "floor: `sqlite3` of the same entries for the feed's hosts",
        feed_size,
        &floor_lookup,
        None,
    );
    let m = measure(
        bin,
        &[
            "lookup",
            "--db",
            db_s,
            "--file",
            feed.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
        None,
    );
    row(
        &mut table,
        "`lookup --file` (jsonl)",
        feed_size,
        &m,
        Some(&floor_lookup),
    );
    let m = measure(
        bin,
        &[
            "lookup",
            "--db",
            db_s,
            "--file",
            feed.to_str().unwrap(),
            "--format",
            "csv",
        ],
        None,
    );
    row(
        &mut table,
        "`lookup --file` (csv)",
        feed_size,
        &m,
        Some(&floor_lookup),
    );

    eprintln!("schema-1 upgrade…");
    let old = dir.join("schema1.db");
    generate_schema_1(&old, &templates, n);
    let old_s = old.to_str().unwrap();
    let copy = dir.join("schema1-floor.db");
    std::fs::copy(&old, &copy).unwrap();
    let floor_read = measure(
        "sqlite3",
        &[
            copy.to_str().unwrap(),
            "SELECT run, domain, length(record) FROM records ORDER BY run, domain;",
        ],
        None,
    );
    row(
        &mut table,
        "floor: `sqlite3` read of every schema-1 Record",
        n,
        &floor_read,
        None,
    );
    let m = measure_once(bin, &["runs", "--db", old_s], None);
    row(
        &mut table,
        "open a schema-1 store (upgrade to schema 2)",
        n,
        &m,
        Some(&floor_read),
    );

    println!(
        "Store: {n} Records ({with_file} with a file, from the {} lab Records of the schema-1 fixture, {found} with a file), {size_mb:.0} MB; written through `Store::write` in {generated:.0} s ({:.0} Records/s).\n",
        templates.len(),
        n as f64 / generated
    );
    println!("{table}");
    if std::env::var_os("DISCLOSE_BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
