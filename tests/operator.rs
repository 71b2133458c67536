//! The command line around the crawl as an operator meets it on day one, run as a user runs it:
//! closed pipes, interrupts, failed starts, nonsense flag values, files that are not there, URLs
//! with a path, re-running a list, store files that are not stores, and what a site owner is told.

use disclose::lab::scenario::{Mix, Scenario};
use disclose::lab::{Lab, LabConfig};
use disclose::store::Store;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Lab tests run one at a time: they are timing-sensitive.
static LAB_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lab_lock() -> std::sync::MutexGuard<'static, ()> {
    LAB_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-op-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A running lab, with the flags that reach it.
struct Running {
    lab: Lab,
    /// The runtime the lab's servers run on; dropped with it.
    _rt: tokio::runtime::Runtime,
    flags: Vec<String>,
}

fn lab(domains: usize, seed: u64, mix: Mix, dir: &Path) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let lab = rt
        .block_on(Lab::start(&LabConfig { domains, seed, mix }))
        .unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    let flags = [
        "--dns-server",
        &lab.dns.to_string(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--https-port",
        &lab.https_port.to_string(),
        "--allow-loopback",
        "--per-ip-rate",
        "1000",
        "--dns-timeout",
        "1",
        "--connect-timeout",
        "2",
        "--timeout",
        "3",
    ]
    .map(str::to_owned)
    .to_vec();
    Running {
        lab,
        _rt: rt,
        flags,
    }
}

impl Running {
    fn name_of(&self, scenario: Scenario) -> String {
        self.lab
            .world
            .domains()
            .iter()
            .find(|d| d.scenario == scenario)
            .unwrap()
            .name
            .clone()
    }

    fn list(&self, dir: &Path) -> PathBuf {
        let path = dir.join("domains.txt");
        let text: String = self
            .lab
            .world
            .domains()
            .iter()
            .map(|d| format!("{}\n", d.name))
            .collect();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn with(&self, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(self.flags.iter().cloned());
        all
    }

    /// `crawl -q` of the whole lab into `db`, each domain given 8 s.
    fn crawl_quietly(&self, dir: &Path, db: &Path) -> std::process::Output {
        let list = self.list(dir);
        bin()
            .args(self.with(&[
                "crawl",
                list.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
                "-q",
                "--domain-timeout",
                "8",
            ]))
            .output()
            .unwrap()
    }
}

#[test]
fn a_closed_pipe_silences_the_crawl_which_finishes_and_exits_as_by_sigpipe() {
    let _lock = lab_lock();
    let dir = temp_dir("pipe");
    let lab = lab(60, 3, Mix::AllValid, &dir);
    let list = lab.list(&dir);
    let db = dir.join("crawl.db");
    let args = lab.with(&[
        "crawl",
        list.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--run",
        "piped",
    ]);
    let mut child = bin()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once: `disclose crawl … 2>&1 | head -0`.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141));
    let store = Store::open(&db).unwrap();
    let run = store.run("piped").unwrap().unwrap();
    assert!(run.finished.is_some(), "the run is marked finished");
    assert_eq!(store.count(run.id).unwrap(), 60);

    // `check` into a closed pipe ends quietly with 0.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".txt"))
        .collect();
    files.sort();
    let mut child = bin()
        .args(["check", "--now", "2026-11-22T00:00:00Z"])
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn the_first_interrupt_stops_the_crawl_even_after_the_whole_list_was_read() {
    let _lock = lab_lock();
    let dir = temp_dir("interrupt");
    let lab = lab(120, 4, Mix::Realistic, &dir);
    // Only servers that take their time: every domain is in flight at once, the list read.
    let slow: String = lab
        .lab
        .world
        .domains()
        .iter()
        .filter(|d| {
            matches!(
                d.scenario,
                Scenario::SlowHeaders | Scenario::SlowBody | Scenario::ConnectTimeout
            )
        })
        .map(|d| format!("{}\n", d.name))
        .collect();
    let list = dir.join("slow.txt");
    std::fs::write(&list, slow).unwrap();
    let db = dir.join("crawl.db");
    let mut args: Vec<String> = [
        "crawl",
        list.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--run",
        "slow",
        "--retries",
        "0",
    ]
    .map(str::to_owned)
    .to_vec();
    // The lab's flags, with time limits longer than the test waits for: only the interrupt can
    // end the crawl early.
    let mut flags = lab.flags.iter();
    while let Some(flag) = flags.next() {
        if flag == "--allow-loopback" {
            args.push(flag.clone());
            continue;
        }
        let value = flags.next().cloned().unwrap_or_default();
        let value = match flag.as_str() {
            "--timeout" | "--connect-timeout" => "20".to_owned(),
            _ => value,
        };
        args.extend([flag.clone(), value]);
    }
    let child = bin()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // The second interrupt abandons what is in flight.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    assert!(err(&o).contains("stopping: finishing"), "{}", err(&o));
    assert!(
        err(&o).contains("run the same command again to resume"),
        "{}",
        err(&o)
    );
    let store = Store::open(&db).unwrap();
    assert!(store.run("slow").unwrap().unwrap().finished.is_none());
}

#[test]
fn a_failed_start_touches_no_store() {
    let dir = temp_dir("failed-start");
    let list = dir.join("list.txt");
    std::fs::write(&list, "example.org\n").unwrap();
    let db = dir.join("never.db");
    let not_a_key = dir.join("not-a-key.asc");
    std::fs::write(&not_a_key, "hello\n").unwrap();
    for (extra, says) in [
        (
            vec!["--ca-file", "/nonexistent/ca.pem"],
            "cannot read the CA file `/nonexistent/ca.pem`",
        ),
        (
            vec!["--keyring", not_a_key.to_str().unwrap()],
            "is not an OpenPGP keyring",
        ),
        (vec!["--timeout", "1e30"], "at most 86400"),
        (vec!["--domain-column", "site"], "has no column `site`"),
    ] {
        let mut args = vec![
            "crawl",
            list.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ];
        args.extend(&extra);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(err(&o).contains(says), "{extra:?}: {}", err(&o));
        assert!(!db.exists(), "{extra:?} created the store");
    }
}

#[test]
fn nonsense_values_are_usage_errors_that_name_the_flag_and_its_range() {
    for (args, flag, says) in [
        (vec!["--timeout", "0"], "--timeout", "more than 0"),
        (
            vec!["--domain-timeout", "0"],
            "--domain-timeout",
            "more than 0",
        ),
        (vec!["--dns-timeout", "-1"], "--dns-timeout", "out of range"),
        (vec!["--max-bytes", "0"], "--max-bytes", "1024"),
        (vec!["--concurrency", "0"], "--concurrency", "1..=100000"),
        (vec!["--per-ip-rate", "0"], "--per-ip-rate", "more than 0"),
        (vec!["--per-ip-rate", "nan"], "--per-ip-rate", "more than 0"),
        (
            vec!["--per-ip-concurrency", "0"],
            "--per-ip-concurrency",
            "from 1 to 10000",
        ),
        (vec!["--run", ""], "--run", "needs a name"),
        (
            vec!["--contact", "not a url"],
            "--contact",
            "neither a web address",
        ),
        (vec!["--keyserver", "ftp://x"], "--keyserver", "https://"),
        (
            vec!["--dns-server", "dns.example"],
            "--dns-server",
            "is not IP[:PORT], tls://HOST[:PORT] or https://HOST[:PORT]/PATH",
        ),
        (
            vec!["--dns-server", "quic://192.0.2.53"],
            "--dns-server",
            "`quic://` is not a DNS transport",
        ),
    ] {
        let mut all = vec!["crawl", "list.txt"];
        all.extend(&args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = err(&o);
        assert!(e.contains(flag) && e.contains(says), "{args:?}: {e}");
    }
    let o = run(&["check", "--url", "notaurl", "x.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--url") && err(&o).contains("not an absolute URL"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_file_that_is_not_there_is_not_looked_up_in_dns() {
    let dir = temp_dir("missing-file");
    for name in ["security.txt", "keys/key.asc", "sub/dir"] {
        let o = bin()
            .current_dir(&dir)
            .args(["check", name])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(
            err(&o).contains(&format!("cannot read `{name}`: No such file")),
            "{name}: {}",
            err(&o)
        );
    }
}

#[test]
fn check_takes_a_url_with_a_path_as_it_is_and_judges_domains_at_now() {
    let _lock = lab_lock();
    let dir = temp_dir("check-url");
    let lab = lab(60, 3, Mix::Realistic, &dir);
    let same_host = lab.name_of(Scenario::RedirectSameHost);
    let url = format!("https://{same_host}/security/security.txt");
    let o = bin()
        .args(lab.with(&["check", "--json", &url]))
        .output()
        .unwrap();
    let record: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(record["attempts"].as_array().unwrap().len(), 1, "{record}");
    assert_eq!(record["attempts"][0]["url"], url.as_str());
    assert_eq!(record["attempts"][0]["location"], "given");
    assert_eq!(record["file"]["final_url"], url.as_str());

    // --now judges a domain's file too: the lab's files expire 180 days after it started.
    let valid = lab.name_of(Scenario::Valid);
    let o = bin().args(lab.with(&["check", &valid])).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains(&format!(
            "contacts:  1. mailto:security@{valid} (preferred)"
        )),
        "{text}"
    );
    assert!(
        text.contains("expires:   ") && text.contains("days"),
        "{text}"
    );
    let o = bin()
        .args(lab.with(&["check", "--now", "2099-01-01T00:00:00Z", &valid]))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("error[expired]"), "{}", out(&o));
}

#[test]
fn a_site_owner_is_told_what_to_do() {
    let _lock = lab_lock();
    let dir = temp_dir("owner");
    let lab = lab(60, 3, Mix::Realistic, &dir);
    let missing = lab.name_of(Scenario::NotFound);
    let expired = lab.name_of(Scenario::TlsExpired);
    let o = bin()
        .args(lab.with(&["check", &missing, &expired]))
        .output()
        .unwrap();
    let text = out(&o);
    assert!(
        text.contains(&format!(
            "publish the file at https://{missing}/.well-known/security.txt"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("Contact: mailto:security@{missing}")),
        "{text}"
    );
    assert!(text.contains("the certificate expired on "), "{text}");
    assert!(!text.contains("UNIX"), "{text}");
    assert!(text.contains("checked 2 targets"), "{text}");
}

#[test]
fn running_a_list_again_starts_a_new_run_and_retry_failed_crawls_the_failures_again() {
    let _lock = lab_lock();
    let dir = temp_dir("rerun");
    let lab = lab(60, 3, Mix::Realistic, &dir);
    let list = lab.list(&dir);
    let db = dir.join("crawl.db");
    let db_s = db.to_str().unwrap();
    let crawl = |extra: &[&str]| {
        let mut args = vec!["crawl", list.to_str().unwrap(), "--db", db_s];
        args.extend(extra);
        bin().args(lab.with(&args)).output().unwrap()
    };
    let today = &disclose::crawl::domain::now().to_string()[..10];
    let first = crawl(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", err(&first));
    assert!(
        out(&first).contains(&format!("run `domains-{today}` in")),
        "{}",
        out(&first)
    );
    // The same command again: the finished run is not resumed into nothing; a new run is made.
    let second = crawl(&[]);
    assert_eq!(second.status.code(), Some(0), "{}", err(&second));
    assert!(
        out(&second).contains("crawled 60 domains"),
        "{}",
        out(&second)
    );
    assert!(
        out(&second).contains(&format!("run `domains-{today}-2` in")),
        "{}",
        out(&second)
    );
    // Naming the finished run is refused, and says what to do instead.
    let named = crawl(&["--run", &format!("domains-{today}")]);
    assert_eq!(named.status.code(), Some(2));
    assert!(err(&named).contains("--retry-failed"), "{}", err(&named));
    // --retry-failed crawls again what may not fail again, and reports the run's totals.
    let store = Store::open(&db).unwrap();
    let run_id = store.run(&format!("domains-{today}")).unwrap().unwrap().id;
    let retryable: u64 = store
        .records(run_id)
        .unwrap()
        .iter()
        .filter(|r| disclose::record::Outcome::retry_later(r.outcome.class(), &r.outcome.label()))
        .count() as u64;
    assert!(retryable > 0);
    drop(store);
    let retried = crawl(&["--run", &format!("domains-{today}"), "--retry-failed"]);
    assert_eq!(retried.status.code(), Some(0), "{}", err(&retried));
    assert!(
        err(&retried).contains(&format!("crawling again {retryable} domains")),
        "{}",
        err(&retried)
    );
    assert!(
        out(&retried).contains(&format!("crawled {retryable} domains")),
        "{}",
        out(&retried)
    );
    assert!(out(&retried).contains("60 domains"), "{}", out(&retried));
    let store = Store::open(&db).unwrap();
    assert_eq!(store.count(run_id).unwrap(), 60);
    // Two lists piped on standard input never share a run.
    for _ in 0..2 {
        let mut args = lab.with(&["crawl", "-", "--db", db_s]);
        args.push("--no-progress".into());
        let mut child = bin()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let name = lab.name_of(Scenario::Valid);
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{name}\n").as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(out(&o).contains("crawled 1 domains"), "{}", out(&o));
    }
}

#[test]
fn a_list_without_a_usable_domain_fails_and_leaves_no_run() {
    let dir = temp_dir("no-domain");
    let list = dir.join("bad.txt");
    std::fs::write(&list, "not a domain\nlocalhost\n").unwrap();
    let db = dir.join("crawl.db");
    let o = run(&[
        "crawl",
        list.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("no usable domain in the list (2 lines rejected"),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("input: line 1:"), "{}", err(&o));
    let store = Store::open(&db).unwrap();
    assert!(store.runs().unwrap().is_empty());
}

#[test]
fn a_file_that_is_not_a_store_is_named_in_the_error() {
    let dir = temp_dir("stores");
    let text = dir.join("a.txt");
    std::fs::write(
        &text,
        "just some text, long enough to be more than a header of one page\n".repeat(100),
    )
    .unwrap();
    let o = run(&["runs", "--db", text.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains(&format!("`{}` is not a disclose database", text.display())),
        "{}",
        err(&o)
    );
    let foreign = dir.join("other.db");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.execute_batch("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT);")
        .unwrap();
    drop(conn);
    let o = run(&["runs", "--db", foreign.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("of another program (it has a table `things`"),
        "{}",
        err(&o)
    );
    let newer = dir.join("newer.db");
    drop(Store::open(&newer).unwrap());
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let o = run(&["runs", "--db", newer.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("was written by a newer disclose (schema 99"),
        "{}",
        err(&o)
    );
}

#[test]
fn verbose_logs_go_to_standard_error_and_quiet_leaves_only_the_output() {
    let _lock = lab_lock();
    let dir = temp_dir("verbosity");
    let lab = lab(60, 3, Mix::Realistic, &dir);
    let valid = lab.name_of(Scenario::Valid);
    let redirecting = lab.name_of(Scenario::RedirectOtherHost);
    // -v: each attempt and the domain's result on standard error; standard output is the JSON.
    let o = bin()
        .args(lab.with(&["check", "--json", "-v", &valid, &redirecting]))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for line in out(&o).lines() {
        let _: serde_json::Value = serde_json::from_str(line).expect("only JSON on stdout");
    }
    let log = err(&o);
    assert!(
        log.contains(&format!("DEBUG done: found domain={valid}")),
        "{log}"
    );
    assert!(log.contains("DEBUG redirect to https://www."), "{log}");
    assert!(!log.contains("TRACE"), "{log}");
    // -vv: politeness waits too.
    let o = bin()
        .args(lab.with(&["check", "-vv", &valid]))
        .output()
        .unwrap();
    assert!(err(&o).contains("TRACE politeness slot for"), "{}", err(&o));
    // RUST_LOG overrides: nothing below warnings.
    let o = bin()
        .env("RUST_LOG", "disclose=warn")
        .args(lab.with(&["check", "-v", &valid]))
        .output()
        .unwrap();
    assert!(!err(&o).contains("DEBUG"), "{}", err(&o));
    // -q: a crawl says nothing on standard error; its summary is output and stays.
    let db = dir.join("quiet.db");
    let o = lab.crawl_quietly(&dir, &db);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(err(&o), "");
    assert!(out(&o).contains("crawled 60 domains"), "{}", out(&o));
    // Errors still reach it.
    let o = bin()
        .args([
            "runs",
            "-q",
            "--db",
            dir.join("nothing.db").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("disclose:"), "{}", err(&o));
}

#[test]
fn certs_finds_a_cas_customers_by_its_pem_fingerprint_or_name() {
    let _lock = lab_lock();
    let dir = temp_dir("certs");
    let lab = lab(120, 9, Mix::Realistic, &dir);
    let db = dir.join("certs.db");
    let o = lab.crawl_quietly(&dir, &db);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let second = dir.join("ca2.pem");
    std::fs::write(&second, &lab.lab.second_ca_pem).unwrap();
    let domains = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["certs", "--db", db.to_str().unwrap(), "--format", "jsonl"];
        all.extend(args);
        let o = bin().args(&all).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        out(&o)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["row"]["domain"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    let by_file = domains(&["--ca-file", second.to_str().unwrap()]);
    assert!(!by_file.is_empty());
    // Exactly the hosts the second CA issued for: a quarter of the names, by the lab's rule.
    for d in &by_file {
        assert!(disclose::lab::ca::from_second_ca(d), "{d}");
    }
    let records = {
        let store = disclose::store::Store::open(&db).unwrap();
        let run = store.runs().unwrap().pop().unwrap();
        store.records(run.id).unwrap()
    };
    let presenting: Vec<String> = records
        .iter()
        .filter(|r| {
            r.attempts.iter().flat_map(|a| &a.hops).any(|h| {
                h.chain
                    .first()
                    .is_some_and(|c| c.subject.contains(disclose::lab::ca::SECOND_CA))
            })
        })
        .map(|r| r.domain.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(by_file, presenting);
    // The same hosts by the intermediate's fingerprint, with colons and upper case, and by the
    // name of the leaves' issuer.
    let fingerprint = records
        .iter()
        .flat_map(|r| r.attempts.iter().flat_map(|a| &a.hops))
        .find_map(|h| h.chain.first())
        .unwrap()
        .sha256
        .to_ascii_uppercase();
    let colons: Vec<String> = fingerprint
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    assert_eq!(domains(&["--ca-fingerprint", &colons.join(":")]), by_file);
    assert_eq!(domains(&["--issuer", "issuing ca 2"]), by_file);
    // The chain is described by x509-parser: the intermediate's key and serial are there.
    let chain = records
        .iter()
        .flat_map(|r| r.attempts.iter().flat_map(|a| &a.hops))
        .find_map(|h| h.chain.first())
        .unwrap();
    assert!(
        chain.key.as_deref().is_some_and(|k| k.starts_with("EC ")),
        "{chain:?}"
    );
    assert!(chain.serial.is_some());
    // Who breaks without the second CA: its hosts, all of which work today. Without the lab's
    // root: every host it certifies, directly or through the second CA, except those whose
    // handshake fails already (an expired certificate, a wrong name): they are broken.
    assert_eq!(domains(&["--distrust", second.to_str().unwrap()]), by_file);
    let root = dir.join("ca.pem");
    let without_root = domains(&["--distrust", root.to_str().unwrap()]);
    let failing: Vec<String> = records
        .iter()
        .filter(|r| r.outcome.class() == "tls_error")
        .map(|r| r.domain.clone())
        .collect();
    assert!(!failing.is_empty());
    assert!(by_file.iter().all(|d| without_root.contains(d)));
    assert!(without_root.iter().all(|d| !failing.contains(d)));
    assert!(without_root.len() > by_file.len());
    let o = bin()
        .args([
            "certs",
            "--db",
            db.to_str().unwrap(),
            "--distrust",
            &fingerprint,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).lines().count(), by_file.len());
    // A bad fingerprint is a usage error naming the flag.
    let o = bin()
        .args([
            "certs",
            "--db",
            db.to_str().unwrap(),
            "--ca-fingerprint",
            "abc",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--ca-fingerprint"), "{}", err(&o));
}
