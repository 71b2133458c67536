//! The crawler against the lab, as a library and as the `disclose` binary: every scenario's
//! outcome, contacts and findings; politeness as the lab's servers count it; the address guard;
//! resumption after an interruption and after `kill -9`; bad input lines; `check DOMAIN`.
//!
//! Lab tests run one at a time (`LAB_LOCK`): they are timing-sensitive, and two of them at once on
//! a two-core machine would measure each other.

use disclose::crawl::{self, RunConfig, Stop};
use disclose::lab::run::{RunOptions, compare, run};
use disclose::lab::scenario::{Mix, Scenario};
use disclose::lab::{Lab, LabConfig};
use disclose::net::guard::AddressPolicy;
use disclose::record::Outcome;
use disclose::store::Store;
use disclose::target::{InputFormat, TargetReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

static LAB_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start_lab(domains: usize, seed: u64, mix: Mix) -> Lab {
    Lab::start(&LabConfig { domains, seed, mix }).await.unwrap()
}

/// A run configuration without a progress bar.
fn quiet(concurrency: usize) -> RunConfig {
    RunConfig {
        concurrency,
        progress: false,
    }
}

/// The name of the first domain of `scenario` in the lab.
fn name_of(lab: &Lab, scenario: Scenario) -> String {
    let domain = lab.world.domains().iter().find(|d| d.scenario == scenario);
    domain.expect("the scenario is in the lab").name.clone()
}

fn list_of(lab: &Lab) -> String {
    lab.world
        .domains()
        .iter()
        .map(|d| format!("{}\n", d.name))
        .collect()
}

fn reader(text: &str) -> TargetReader {
    TargetReader::new(
        std::io::Cursor::new(text.as_bytes().to_vec()),
        InputFormat::Auto,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_of_2000_domains_is_crawled_100_percent_correctly_and_politely() {
    let _lab = LAB_LOCK.lock().await;
    let config = LabConfig {
        domains: 2000,
        seed: 7,
        mix: Mix::Realistic,
    };
    let options = RunOptions {
        concurrency: 256,
        per_ip_concurrency: 2,
        db: None,
        progress: false,
    };
    let (verdict, summary) = run(&config, &options).await.unwrap();
    for w in verdict.wrong.iter().take(20) {
        eprintln!(
            "{:?} {}: expected {}, got {}",
            w.scenario, w.domain, w.expected, w.actual
        );
    }
    assert_eq!(
        (verdict.correct, verdict.domains),
        (2000, 2000),
        "{summary}"
    );
    assert!(
        verdict.politeness.violations.is_empty(),
        "{:?}",
        verdict.politeness
    );
    // Every outcome class of the design occurs in the realistic mix.
    for class in [
        "found",
        "dns_nxdomain",
        "dns_no_address",
        "dns_servfail",
        "dns_timeout",
        "blocked_address",
        "connect_refused",
        "connect_timeout",
        "tls_error",
        "timeout",
        "http_status",
        "soft_404",
        "too_large",
        "redirect_error",
    ] {
        assert!(
            summary.outcomes.contains_key(class),
            "no {class} in {summary}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_limit_holds_at_one_connection() {
    let _lab = LAB_LOCK.lock().await;
    let config = LabConfig {
        domains: 400,
        seed: 11,
        mix: Mix::AllValid,
    };
    let options = RunOptions {
        concurrency: 128,
        per_ip_concurrency: 1,
        db: None,
        progress: false,
    };
    let (verdict, _) = run(&config, &options).await.unwrap();
    assert!(verdict.all_correct(), "{:?}", verdict.wrong.first());
    // Four hot addresses host a third of the 400 domains: without the limit they would see
    // dozens of connections at once.
    assert_eq!(verdict.politeness.peak, 1, "{:?}", verdict.politeness);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_allow_private_lab_domains_are_blocked_and_nothing_is_contacted() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(60, 2, Mix::Realistic).await;
    let mut settings = lab.crawler_settings();
    settings.fetch.policy = AddressPolicy::PublicOnly;
    let crawler = settings.build().unwrap();
    for domain in lab.world.domains() {
        let target = disclose::target::Target::from_value(&domain.name).unwrap();
        let record = crawler.crawl(&target).await;
        let expected_dns_failure = matches!(
            domain.scenario,
            Scenario::NxDomain | Scenario::NoAddress | Scenario::ServFail | Scenario::DnsTimeout
        );
        if !expected_dns_failure {
            assert_eq!(record.outcome.class(), "blocked_address", "{}", domain.name);
            assert!(matches!(
                &record.attempts[0].outcome,
                Outcome::BlockedAddress { addresses } if addresses == &vec![domain.address]
            ));
        }
    }
    let total: u64 = lab.connections().values().map(|c| c.total).sum();
    assert_eq!(
        total,
        0,
        "the crawler connected to the lab: {:?}",
        lab.connections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_stopped_part_way_resumes_with_exactly_one_record_per_domain() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(300, 4, Mix::AllValid).await;
    let dir = temp_dir("resume");
    let db = dir.join("crawl.db");
    let store = Store::open(&db).unwrap();
    let (run, resumed) = store
        .begin_run("weekly", "test", disclose::crawl::domain::now())
        .unwrap();
    assert!(!resumed);
    let mut settings = lab.crawler_settings();
    settings.politeness.per_ip_rate = 40.0;
    let crawler = Arc::new(settings.build().unwrap());
    let config = quiet(16);

    // Abandon the crawl once some domains are recorded.
    let (stop_tx, stop) = tokio::sync::watch::channel(Stop::Running);
    let watcher = {
        let db = db.clone();
        let run_id = run.id;
        tokio::spawn(async move {
            let store = Store::open(&db).unwrap();
            while store.count(run_id).unwrap() < 50 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            stop_tx.send(Stop::Abandon).unwrap();
        })
    };
    let first = crawl::crawl_list(
        crawler.clone(),
        reader(&list_of(&lab)),
        None,
        &store,
        &run,
        &config,
        stop,
    )
    .await
    .unwrap();
    watcher.await.unwrap();
    assert!(first.interrupted);
    let recorded = store.count(run.id).unwrap();
    assert!((50..300).contains(&recorded), "{recorded}");
    assert!(store.run("weekly").unwrap().unwrap().finished.is_none());

    let (run, resumed) = store
        .begin_run("weekly", "test", disclose::crawl::domain::now())
        .unwrap();
    assert!(resumed);
    let (_tx, stop) = tokio::sync::watch::channel(Stop::Running);
    let second = crawl::crawl_list(
        crawler,
        reader(&list_of(&lab)),
        None,
        &store,
        &run,
        &config,
        stop,
    )
    .await
    .unwrap();
    assert!(!second.interrupted);
    assert_eq!(second.resumed, recorded);
    assert_eq!(second.crawled + recorded, 300);
    let records = store.records(run.id).unwrap();
    assert_eq!(records.len(), 300);
    let (correct, wrong) = compare(&lab.world, &records);
    assert_eq!(correct, 300, "{:?}", wrong.first());
    assert!(store.run("weekly").unwrap().unwrap().finished.is_some());
}

fn disclose_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
}

fn lab_flags(lab: &Lab, dir: &Path) -> Vec<String> {
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    vec![
        "--dns-server".into(),
        lab.dns.to_string(),
        "--ca-file".into(),
        ca.to_string_lossy().into_owned(),
        "--https-port".into(),
        lab.https_port.to_string(),
        "--allow-loopback".into(),
        "--dns-timeout".into(),
        "1".into(),
        "--connect-timeout".into(),
        "2".into(),
        "--timeout".into(),
        "3".into(),
    ]
}

/// `crawl LIST --db DB --run RUN --no-progress`, then `extra`, then the lab's flags, those named
/// in `replaced` with other values.
fn crawl_args(
    lab: &Lab,
    dir: &Path,
    (list, db, run): (&Path, &Path, &str),
    extra: &[&str],
    replaced: &[(&str, String)],
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "crawl".into(),
        list.to_string_lossy().into_owned(),
        "--db".into(),
        db.to_string_lossy().into_owned(),
        "--run".into(),
        run.into(),
        "--no-progress".into(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let mut flags = lab_flags(lab, dir);
    for (flag, value) in replaced {
        let at = flags.iter().position(|f| f == flag).expect("a lab flag");
        flags[at + 1] = value.clone();
    }
    args.extend(flags);
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_with_sigkill_resumes_without_loss_or_duplicates() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(400, 5, Mix::AllValid).await;
    let dir = temp_dir("kill");
    let list = dir.join("domains.txt");
    std::fs::write(&list, list_of(&lab)).unwrap();
    let db = dir.join("crawl.db");
    let args = crawl_args(
        &lab,
        &dir,
        (&list, &db, "killed"),
        &["--concurrency", "8", "--per-ip-rate", "30"],
        &[],
    );

    let mut child = disclose_bin()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = Store::open(&db).ok().and_then(|s| {
            s.run("killed")
                .ok()
                .flatten()
                .and_then(|r| s.count(r.id).ok())
        });
        if n.is_some_and(|n| n >= 40) || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no chance to flush or clean up
    child.wait().unwrap();
    let before = {
        let store = Store::open(&db).unwrap();
        store
            .count(store.run("killed").unwrap().unwrap().id)
            .unwrap()
    };
    assert!((40..400).contains(&before), "{before}");

    let output = tokio::task::spawn_blocking(move || disclose_bin().args(&args).output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("resuming run `killed`"), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "skipped {before} domains recorded by an earlier attempt"
        )),
        "{stdout}"
    );
    let store = Store::open(&db).unwrap();
    let records = store
        .records(store.run("killed").unwrap().unwrap().id)
        .unwrap();
    assert_eq!(records.len(), 400);
    let (correct, wrong) = compare(&lab.world, &records);
    assert_eq!(correct, 400, "{:?}", wrong.first());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_over_tls_and_over_https_give_the_same_outcomes_as_plain_dns() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(150, 21, Mix::Realistic).await;
    let dir = temp_dir("encrypted-dns");
    let list = dir.join("domains.txt");
    std::fs::write(&list, list_of(&lab)).unwrap();
    for (run, server) in [
        ("tls", format!("tls://{}", lab.dns_tls)),
        ("https", format!("https://{}/dns-query", lab.dns_https)),
    ] {
        let db = dir.join(format!("{run}.db"));
        let args = crawl_args(
            &lab,
            &dir,
            (&list, &db, run),
            &["--per-ip-rate", "1000"],
            &[("--dns-server", server.clone())],
        );
        let output =
            tokio::task::spawn_blocking(move || disclose_bin().args(&args).output().unwrap())
                .await
                .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{server}: {stderr}");
        let store = Store::open(&db).unwrap();
        let records = store.records(store.run(run).unwrap().unwrap().id).unwrap();
        assert_eq!(records.len(), 150, "{server}");
        let (correct, wrong) = compare(&lab.world, &records);
        assert_eq!(correct, 150, "{server}: {:?}", wrong.first());
        // The lab's DNS failure classes all came back through the encrypted transport.
        for class in [
            "dns_nxdomain",
            "dns_no_address",
            "dns_servfail",
            "dns_timeout",
        ] {
            assert!(
                records.iter().any(|r| r.outcome.class() == class),
                "{server}: no {class}"
            );
        }
    }
    // A resolver whose certificate the crawl does not trust stops the crawl before it starts,
    // saying why, rather than ending every domain as dns_timeout.
    let other_ca = dir.join("other-ca.pem");
    let other_lab = start_lab(1, 1, Mix::AllValid).await;
    std::fs::write(&other_ca, &other_lab.ca_pem).unwrap();
    let db = dir.join("untrusted.db");
    let args = crawl_args(
        &lab,
        &dir,
        (&list, &db, "untrusted"),
        &[],
        &[
            ("--dns-server", format!("tls://{}", lab.dns_tls)),
            ("--ca-file", other_ca.to_string_lossy().into_owned()),
        ],
    );
    let output = tokio::task::spawn_blocking(move || disclose_bin().args(&args).output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the DNS server tls://{} does not answer",
            lab.dns_tls
        )) && stderr.contains("--ca-file"),
        "{stderr}"
    );
    assert!(!db.exists(), "the store was touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_and_duplicates_are_reported_with_their_numbers_and_skipped() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(40, 9, Mix::Realistic).await;
    let valid = lab
        .world
        .domains()
        .iter()
        .find(|d| d.scenario == Scenario::Valid)
        .unwrap();
    let dir = temp_dir("input");
    let list = dir.join("mixed.txt");
    let text = format!(
        "# a list with everything a real list has\n\
         \n\
         {v}\n\
         https://{v_upper}/.well-known/security.txt\n\
         not a domain at all\n\
         bücher.test\n\
         http://user@{v}:8443/x\n\
         -bad-.test\n\
         localhost\n",
        v = valid.name,
        v_upper = valid.name.to_uppercase(),
    );
    std::fs::write(&list, text).unwrap();
    let db = dir.join("crawl.db");
    let mut args: Vec<String> = vec![
        "crawl".into(),
        list.to_string_lossy().into_owned(),
        "--db".into(),
        db.to_string_lossy().into_owned(),
        "--run".into(),
        "input".into(),
        "--no-progress".into(),
    ];
    args.extend(lab_flags(&lab, &dir));
    let output = tokio::task::spawn_blocking(move || disclose_bin().args(&args).output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr
            .contains("input: line 5: a domain name cannot contain spaces: `not a domain at all`"),
        "{stderr}"
    );
    assert!(stderr.contains("input: line 8:"), "{stderr}");
    assert!(
        stderr.contains("input: line 9: not a domain name (it has no dot): `localhost`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "input: line 4: `{}` is a duplicate of line 3; skipped",
            valid.name
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("input: line 7:") && stderr.contains("duplicate of line 3"),
        "{stderr}"
    );
    assert!(
        stdout.contains("crawled 2 domains: 1 with a security.txt file"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped 2 duplicate lines")
            && stdout.contains("skipped 3 lines that are not domains"),
        "{stdout}"
    );
    let store = Store::open(&db).unwrap();
    let records = store
        .records(store.run("input").unwrap().unwrap().id)
        .unwrap();
    let domains: Vec<(&str, u64)> = records
        .iter()
        .map(|r| (r.domain.as_str(), r.line))
        .collect();
    assert_eq!(
        domains,
        [(valid.name.as_str(), 3), ("xn--bcher-kva.test", 6)]
    );
    assert_eq!(records[1].outcome, Outcome::DnsNxdomain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_domain_fetches_through_the_same_pipeline() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(40, 9, Mix::Realistic).await;
    let dir = temp_dir("check");
    let flags = lab_flags(&lab, &dir);
    let (legacy, tls) = (
        name_of(&lab, Scenario::LegacyOnly),
        name_of(&lab, Scenario::TlsExpired),
    );
    let run_check = move |extra: Vec<String>| {
        let flags = flags.clone();
        tokio::task::spawn_blocking(move || {
            disclose_bin()
                .arg("check")
                .args(extra)
                .args(flags)
                .output()
                .unwrap()
        })
    };
    let human = run_check(vec!["--color".into(), "never".into(), legacy.clone()])
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "https://{legacy}/.well-known/security.txt: http_status 404"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("https://{legacy}/security.txt: found")),
        "{out}"
    );
    assert!(out.contains("error[location]"), "{out}");

    let json = run_check(vec!["--json".into(), format!("https://{tls}/anything")])
        .await
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(record["domain"], tls.as_str());
    assert_eq!(record["outcome"]["class"], "tls_error");
    assert_eq!(record["outcome"]["reason"], "expired");
    assert_eq!(json.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_transient_failures_are_retried_and_retry_after_is_honoured() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(40, 9, Mix::Realistic).await;
    let crawler = lab.crawler_settings().build().unwrap();
    let crawl = |s: Scenario| {
        let name = name_of(&lab, s);
        let target = disclose::target::Target::from_value(&name).unwrap();
        let crawler = &crawler;
        async move { crawler.crawl(&target).await }
    };
    let tries = |r: &disclose::record::Record| -> Vec<(String, u32, String)> {
        r.attempts
            .iter()
            .map(|a| (format!("{:?}", a.location), a.try_number, a.outcome.label()))
            .collect()
    };

    // 500 is not transient: one try per location.
    let r = crawl(Scenario::ServerError).await;
    assert_eq!(tries(&r).len(), 2, "{:?}", tries(&r));
    // 503 is: the lab's crawler settings allow one retry per location.
    let r = crawl(Scenario::Unavailable).await;
    assert_eq!(tries(&r).len(), 4, "{:?}", tries(&r));
    assert!(tries(&r).iter().all(|t| t.2 == "http_status 503"));
    // 429 with Retry-After: 1, then the file: the retry waits as asked.
    let r = crawl(Scenario::RateLimited).await;
    assert_eq!(
        tries(&r),
        [
            ("WellKnown".into(), 1, "http_status 429".into()),
            ("WellKnown".into(), 2, "found".into())
        ]
    );
    assert!(
        r.attempts[1].started_ms >= 1000,
        "retried after {} ms",
        r.attempts[1].started_ms
    );
    // A host-level failure is not asked for the legacy path.
    let r = crawl(Scenario::Refused).await;
    assert!(
        r.attempts
            .iter()
            .all(|a| a.location == disclose::record::Location::WellKnown)
    );

    // The certificate of the server that answered is recorded.
    let r = crawl(Scenario::Valid).await;
    let cert = r.attempts[0].hops[0]
        .certificate
        .as_ref()
        .expect("a certificate");
    assert_eq!(cert.names, std::slice::from_ref(&r.domain));
    assert!(
        cert.issuer.contains("CN=disclose lab CA"),
        "{}",
        cert.issuer
    );
    assert_eq!(cert.sha256.len(), 64);
    let file = r.file.as_ref().unwrap();
    assert_eq!(
        file.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(file.size, file.bytes.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_asks_for_gzip_decodes_it_and_cuts_a_gzip_bomb_at_the_cap() {
    use disclose::net::client::{BodyError, Http};
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(60, 9, Mix::Realistic).await;
    let http = Http::new(&lab.crawler_settings().http).unwrap();
    let get = |s: Scenario| {
        let domain = lab
            .world
            .domains()
            .iter()
            .find(|d| d.scenario == s)
            .unwrap();
        let url = url::Url::parse(&format!("https://{}/.well-known/security.txt", domain.name));
        let (http, ip) = (&http, domain.address);
        async move { http.get(&url.unwrap(), ip, "text/plain").await.unwrap() }
    };

    let encoded = get(Scenario::GzipEncoded).await;
    assert_eq!(encoded.status, 200);
    assert_eq!(
        encoded.header(hyper::header::CONTENT_ENCODING),
        Some("gzip")
    );
    let text = String::from_utf8(encoded.body(32 * 1024).await.unwrap()).unwrap();
    let name = name_of(&lab, Scenario::GzipEncoded);
    assert!(
        text.contains(&format!("Contact: mailto:security@{name}\n")),
        "{text}"
    );

    // 16 MiB of '#' in about 16 kB of gzip: its declared length is under the cap, decoding stops
    // at the cap all the same.
    let bomb = get(Scenario::GzipBomb).await;
    assert!(matches!(
        bomb.body(32 * 1024).await,
        Err(BodyError::TooLarge { content_length: Some(n) }) if n < 32 * 1024
    ));

    // The same cap on an unencoded body, declared too long or not declared at all, and a body
    // within it read whole.
    let declared = get(Scenario::OversizeWithLength).await;
    assert!(matches!(
        declared.body(32 * 1024).await,
        Err(BodyError::TooLarge { content_length: Some(n) }) if n > 32 * 1024
    ));
    let oversize = get(Scenario::OversizeChunked).await;
    assert!(matches!(
        oversize.body(32 * 1024).await,
        Err(BodyError::TooLarge {
            content_length: None
        })
    ));
    let valid = get(Scenario::Valid).await;
    assert_eq!(valid.header(hyper::header::CONTENT_ENCODING), None);
    let text = String::from_utf8(valid.body(32 * 1024).await.unwrap()).unwrap();
    let name = name_of(&lab, Scenario::Valid);
    assert!(
        text.contains(&format!("Contact: mailto:security@{name}\n")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_columns_become_tags_of_the_records() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(20, 9, Mix::AllValid).await;
    let dir = temp_dir("csv");
    let store = Store::open(&dir.join("crawl.db")).unwrap();
    let (run, _) = store
        .begin_run("csv", "test", disclose::crawl::domain::now())
        .unwrap();
    let names: Vec<&str> = lab
        .world
        .domains()
        .iter()
        .map(|d| d.name.as_str())
        .take(2)
        .collect();
    let csv = format!(
        "domain,organisation,layer\n{},\"Ministry of Tests, The Hague\",ministry\n{},Agency,agency\n",
        names[0], names[1]
    );
    let (_tx, stop) = tokio::sync::watch::channel(Stop::Running);
    let crawler = Arc::new(lab.crawler_settings().build().unwrap());
    let config = quiet(4);
    crawl::crawl_list(crawler, reader(&csv), None, &store, &run, &config, stop)
        .await
        .unwrap();
    let record = store.record(run.id, names[0]).unwrap().unwrap();
    assert_eq!(record.line, 2);
    assert_eq!(record.tags["organisation"], "Ministry of Tests, The Hague");
    assert_eq!(record.tags["layer"], "ministry");
}

/// Starts `disclose lab serve` with `args` and returns it with what it printed before serving.
async fn lab_serve(args: &[&str]) -> (std::process::Child, String) {
    let mut child = disclose_bin()
        .args(["lab", "serve"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| !l.starts_with("serving"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    (child, lines.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_serve_writes_its_files_and_serves_until_interrupted() {
    let _lab = LAB_LOCK.lock().await;
    let dir = temp_dir("serve");
    let (mut child, text) = lab_serve(&[
        "--domains",
        "50",
        "--seed",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ])
    .await;
    assert!(text.contains("DNS server   127.0.0.1:"), "{text}");
    assert!(text.contains("disclose crawl"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("domains.txt"))
            .unwrap()
            .lines()
            .count(),
        50
    );
    assert!(
        std::fs::read_to_string(dir.join("ca.pem"))
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(truth.lines().next().unwrap()).unwrap();
    assert_eq!(first["scenario"], "valid");
    assert_eq!(first["expected_outcome"], "found");
    assert!(child.try_wait().unwrap().is_none(), "the lab keeps serving");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_serve_listens_on_the_ports_it_is_given() {
    let _lab = LAB_LOCK.lock().await;
    let dir = temp_dir("serve-fixed");
    // Ports free right now; the lab's HTTPS addresses are other loopback addresses, where a port
    // free on 127.0.0.1 is as good as certainly free too.
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (dns_port, https_port) = (free(), free());
    let dns = format!("127.0.0.1:{dns_port}");
    let (mut child, text) = lab_serve(&[
        "--domains",
        "10",
        "--out",
        dir.to_str().unwrap(),
        "--dns-listen",
        &dns,
        "--https-port",
        &https_port.to_string(),
    ])
    .await;
    assert!(text.contains(&format!("DNS server   {dns} ")), "{text}");
    assert!(
        text.contains(&format!("HTTPS port   {https_port} ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("--dns-server {dns} "))
            && text.contains(&format!("--https-port {https_port} ")),
        "{text}"
    );
    // Something answers on both.
    assert!(std::net::TcpStream::connect(&dns).is_ok());
    assert!(std::net::TcpStream::connect(("127.1.0.1", https_port)).is_ok());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_files_are_verified_through_each_key_source() {
    let _lab = LAB_LOCK.lock().await;
    let lab = start_lab(60, 2, Mix::Realistic).await;
    let crawler = lab.crawler_settings().build().unwrap();
    let crawl = |s: Scenario| {
        let name = name_of(&lab, s);
        let target = disclose::target::Target::from_value(&name).unwrap();
        let crawler = &crawler;
        async move { crawler.crawl(&target).await.file.expect("a file") }
    };
    use disclose::signature::{Independence, KeySourceKind, Verdict};
    let source = |f: &disclose::record::FoundFile| match &f.signature {
        Verdict::Verified {
            key_source,
            independence,
            ..
        } => (key_source.kind, *independence),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        source(&crawl(Scenario::SignedSameOrigin).await),
        (KeySourceKind::Https, Independence::SameOrigin)
    );
    assert_eq!(
        source(&crawl(Scenario::SignedWkd).await),
        (KeySourceKind::Wkd, Independence::Independent)
    );
    assert_eq!(
        source(&crawl(Scenario::SignedDns).await),
        (KeySourceKind::Dns, Independence::Independent)
    );

    let tampered = crawl(Scenario::SignedTampered).await;
    assert_eq!(tampered.signature.name(), "bad_signature");
    assert!(!tampered.valid);

    let codes =
        |f: &disclose::record::FoundFile| f.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
    use disclose::format::Code;
    let wrong = crawl(Scenario::SignedWrongKey).await;
    assert_eq!(wrong.signature.name(), "no_key");
    assert!(codes(&wrong).contains(&Code::SigningKeyNotFound));
    // A key URL that redirects into a private network is refused like any other address.
    for (scenario, reason) in [
        (Scenario::SignedKeyUnreachable, "http_status 404"),
        (Scenario::SignedKeyRedirectPrivate, "blocked_address"),
    ] {
        let f = crawl(scenario).await;
        assert_eq!(f.signature.name(), "no_key", "{scenario:?}");
        let unreachable = f
            .diagnostics
            .iter()
            .find(|d| d.code == Code::EncryptionKeyUnreachable)
            .unwrap_or_else(|| panic!("{scenario:?}: {:?}", codes(&f)));
        assert!(
            unreachable.detail.as_deref().unwrap().ends_with(reason),
            "{:?}",
            unreachable.detail
        );
    }
}
