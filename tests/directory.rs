//! The directory as a notification team uses it: `lookup` and `export` run as a user runs them,
//! on a store filled by crawling the lab, checked against the lab's ground truth and against the
//! Records themselves; the exports' schemas; spreadsheet safety; expiry judged at `--now`;
//! `--crawl-missing`.

use disclose::directory::Entry;
use disclose::directory::answers::AnswerLine;
use disclose::lab::run::{RunOptions, run};
use disclose::lab::scenario::{Mix, Scenario};
use disclose::lab::world::{HOT_ADDRESSES, World, shared_address};
use disclose::lab::{Lab, LabConfig};
use disclose::record::Record;
use disclose::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

const SEED: u64 = 21;
const DOMAINS: usize = 240;

/// Lab work in this file happens one at a time: it is timing-sensitive.
static LAB: Mutex<()> = Mutex::new(());

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("disclose-dir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn world() -> World {
    World::generate(DOMAINS, SEED, Mix::Realistic)
}

/// A store with one crawl of the lab, made once for the whole file (run `lab`).
fn crawled_store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let _lab = LAB.lock().unwrap_or_else(|e| e.into_inner());
        let db = temp_dir("crawled").join("lab.db");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = LabConfig {
            domains: DOMAINS,
            seed: SEED,
            mix: Mix::Realistic,
        };
        let options = RunOptions {
            concurrency: 128,
            per_ip_concurrency: 2,
            db: Some(db.clone()),
            progress: false,
        };
        let (verdict, summary) = rt.block_on(run(&config, &options)).unwrap();
        assert!(
            verdict.all_correct(),
            "{:?}\n{summary}",
            verdict.wrong.first()
        );
        db
    })
}

fn disclose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_disclose"))
        .args(args)
        .output()
        .expect("run disclose")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Looks items up as JSON Lines.
fn lookup(db: &Path, extra: &[&str], items: &[&str]) -> (Vec<AnswerLine>, Output) {
    let mut args = vec!["lookup", "--db", db.to_str().unwrap(), "--format", "jsonl"];
    args.extend(extra);
    args.extend(items);
    let o = disclose(&args);
    (answer_lines(&o), o)
}

/// The answers of a lookup that wrote JSON Lines.
fn answer_lines(o: &Output) -> Vec<AnswerLine> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Looks a feed file up, with `extra` flags.
fn lookup_feed(db: &Path, feed: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--file",
        feed.to_str().unwrap(),
    ];
    args.extend(extra);
    disclose(&args)
}

fn name_of(world: &World, scenario: Scenario) -> String {
    world
        .domains()
        .iter()
        .find(|d| d.scenario == scenario)
        .expect("the scenario is in the lab")
        .name
        .clone()
}

fn contacts(a: &AnswerLine) -> Vec<String> {
    a.answer
        .best()
        .and_then(|m| m.entry.file.as_ref())
        .map(|f| f.contacts.iter().map(|c| c.uri.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn lookup_answers_hosts_urls_and_addresses_with_labelled_fallbacks() {
    let db = crawled_store();
    let world = world();
    let valid = name_of(&world, Scenario::Valid);
    let truth = world.truth(world.domains().iter().find(|d| d.name == valid).unwrap());
    let other_host = name_of(&world, Scenario::RedirectOtherHost);
    let not_found = name_of(&world, Scenario::NotFound);
    let invalid = name_of(&world, Scenario::Invalid);
    let items = [
        valid.clone(),
        format!("https://{valid}/some/path?q=1"),
        format!("security@{valid}"),
        format!("deep.sub.{valid}"),
        format!("hxxps://deep[.]sub[.]{valid}/x"),
        format!("www.{other_host}"),
        not_found.clone(),
        invalid.clone(),
        "never-crawled.example".to_owned(),
        "not a host".to_owned(),
    ];
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    let (answers, o) = lookup(db, &[], &items);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(answers.len(), items.len());
    let status: Vec<&str> = answers.iter().map(|a| a.answer.status.as_str()).collect();
    assert_eq!(
        status,
        [
            "found",
            "found",
            "found",
            "fallback",
            "fallback",
            "fallback",
            "no_file",
            "no_usable_contact",
            "not_crawled",
            "invalid"
        ]
    );
    // One answer per line, in order, with the line number.
    assert_eq!(
        answers.iter().map(|a| a.line).collect::<Vec<_>>(),
        (1..=items.len() as u64).collect::<Vec<_>>()
    );
    // The exact host, its URL and an e-mail address at it: its own file, contacts in order.
    for a in &answers[..3] {
        let m = a.answer.best().unwrap();
        assert_eq!(m.rule.as_str(), "exact");
        assert_eq!(m.domain, valid);
        assert_eq!(m.confidence.as_str(), "valid");
        assert_eq!(contacts(a), truth.expected_contacts);
        assert_eq!(a.answer.crawled.as_ref().unwrap().outcome, "found");
    }
    assert_eq!(
        answers[1].answer.kind.unwrap(),
        disclose::directory::lookup::ItemKind::Url
    );
    // A subdomain nobody crawled: its registrable domain's file, labelled, never silent.
    for a in &answers[3..5] {
        assert!(a.answer.crawled.is_none(), "not crawled");
        let m = a.answer.best().unwrap();
        assert_eq!(
            (m.rule.as_str(), m.domain.as_str()),
            ("parent_domain", valid.as_str())
        );
        assert_eq!(m.confidence.as_str(), "inherited");
        assert_eq!(m.entry.confidence.unwrap().as_str(), "valid");
    }
    assert_eq!(
        answers[4].answer.host.as_deref(),
        Some(format!("deep.sub.{valid}").as_str())
    );
    // The www host a domain redirects to was never crawled itself: its apex twin answers.
    let m = answers[5].answer.best().unwrap();
    assert_eq!(
        (m.rule.as_str(), m.domain.as_str()),
        ("www_twin", other_host.as_str())
    );
    // Crawled without a file: the outcome says why, and it is not "not crawled".
    assert_eq!(
        answers[6].answer.crawled.as_ref().unwrap().outcome,
        "http_status 404"
    );
    assert!(answers[6].answer.matches.is_empty());
    // The invalid scenario's only contact is not a URI: a file, but nothing usable.
    assert!(answers[7].answer.matches.is_empty());
    assert!(answers[8].answer.crawled.is_none());
    assert!(
        stderr(&o).contains("argument 10: `not a host`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_address_answers_with_its_domains_and_a_shared_one_is_marked() {
    let db = crawled_store();
    let world = world();
    let hot = (0..HOT_ADDRESSES)
        .map(shared_address)
        .max_by_key(|a| world.domains().iter().filter(|d| d.address == *a).count())
        .unwrap();
    let (answers, o) = lookup(db, &[], &[&hot.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let a = &answers[0].answer;
    assert_eq!(a.status.as_str(), "address");
    let info = a.address_info.as_ref().unwrap();
    assert!(info.shared, "{info:?}");
    assert!(info.domains >= disclose::directory::lookup::SHARED_ADDRESS_DOMAINS);
    assert!(!a.matches.is_empty());
    assert!(a.matches.len() <= disclose::directory::lookup::ADDRESS_DOMAINS_LISTED);
    for m in &a.matches {
        assert_eq!(m.rule.as_str(), "shared_address");
        let domain = world.domains().iter().find(|d| d.name == m.domain).unwrap();
        assert_eq!(domain.address, hot, "{}", m.domain);
    }
    // Best first.
    let ranks: Vec<_> = a.matches.iter().map(|m| m.confidence).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(ranks, sorted);
    // The table says so too.
    let o = disclose(&[
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "table",
        &hot.to_string(),
        "192.0.2.99",
    ]);
    let table = stdout(&o);
    assert!(table.contains("shared address,"), "{table}");
    assert!(
        table.contains("no crawled domain at this address"),
        "{table}"
    );
    assert!(
        table.contains("the hoster's abuse contact may be the better channel"),
        "{table}"
    );
}

#[test]
fn confidence_follows_the_ranking_and_expiry_is_judged_at_now() {
    let db = crawled_store();
    let world = world();
    let level = |scenario: Scenario, now: Option<&str>| -> String {
        let name = name_of(&world, scenario);
        let mut extra = vec![];
        if let Some(now) = now {
            extra = vec!["--now", now];
        }
        let (answers, _) = lookup(db, &extra, &[&name]);
        answers[0]
            .answer
            .best()
            .map(|m| m.confidence.to_string())
            .unwrap_or_default()
    };
    assert_eq!(level(Scenario::SignedDns, None), "verified");
    assert_eq!(level(Scenario::SignedWkd, None), "verified");
    assert_eq!(level(Scenario::SignedSameOrigin, None), "valid");
    assert_eq!(level(Scenario::Valid, None), "valid");
    assert_eq!(
        level(Scenario::RedirectCrossSite, None),
        "valid_canonical_elsewhere"
    );
    assert_eq!(level(Scenario::WrongContentType, None), "invalid");
    assert_eq!(level(Scenario::ExpiredFile, None), "expired");
    assert_eq!(level(Scenario::LegacyOnly, None), "legacy_only");
    // The lab's files expire 180 days after it started; a year on they are all expired, and
    // the file that expired in 2020 was good in 2019.
    let later = "2099-01-01T00:00:00Z";
    assert_eq!(level(Scenario::Valid, Some(later)), "expired");
    assert_eq!(level(Scenario::SignedDns, Some(later)), "expired");
    assert_eq!(
        level(Scenario::ExpiredFile, Some("2019-06-01T00:00:00Z")),
        "valid"
    );
    let name = name_of(&world, Scenario::Valid);
    let (answers, _) = lookup(db, &["--now", later], &[&name]);
    let file = answers[0]
        .answer
        .best()
        .unwrap()
        .entry
        .file
        .clone()
        .unwrap();
    assert!(file.expired && !file.valid);
    assert_eq!(file.errors, ["expired"]);
    assert!(file.days_to_expiry.unwrap() < 0);
    // --min-confidence keeps only what is at least that good.
    let (answers, _) = lookup(
        db,
        &["--min-confidence", "valid"],
        &[&name_of(&world, Scenario::ExpiredFile)],
    );
    assert!(answers[0].answer.matches.is_empty());
    assert_eq!(answers[0].answer.status.as_str(), "no_usable_contact");
}

#[test]
fn a_feed_keeps_its_columns_in_csv_and_intelmq() {
    let db = crawled_store();
    let world = world();
    let valid = name_of(&world, Scenario::Valid);
    let dir = temp_dir("feed");
    let feed = dir.join("feed.csv");
    // Excel in a Dutch locale: semicolons; IntelMQ's column names; a quoted cell.
    std::fs::write(
        &feed,
        format!(
            "time.source;source.ip;source.fqdn;classification.type;comment\n\
             2026-11-30T10:00:00Z;;{valid};phishing;\"seen; twice\"\n\
             2026-11-30T11:00:00Z;192.0.2.99;;scanner;\n"
        ),
    )
    .unwrap();
    let o = lookup_feed(db, &feed, &["--format", "csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..5],
        [
            "time.source",
            "source.ip",
            "source.fqdn",
            "classification.type",
            "comment"
        ]
    );
    assert!(header.contains(&"disclose_contact".to_owned()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("comment")], "seen; twice");
    assert_eq!(&rows[0][col("disclose_line")], "2");
    assert_eq!(&rows[0][col("disclose_status")], "found");
    assert_eq!(
        &rows[0][col("disclose_contact")],
        format!("mailto:security@{valid}")
    );
    assert_eq!(&rows[1][col("disclose_status")], "unknown_address");
    // The same feed as IntelMQ events: the indicator as source.*, the contact as
    // source.abuse_contact, the feed's columns under extra.input.
    let o = lookup_feed(db, &feed, &["--format", "intelmq"]);
    let events: Vec<serde_json::Map<String, serde_json::Value>> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    for e in &events {
        for key in e.keys() {
            assert!(
                disclose::directory::export::intelmq::valid_key(key),
                "{key}"
            );
        }
    }
    assert_eq!(events[0]["source.fqdn"], valid.as_str());
    assert_eq!(
        events[0]["source.abuse_contact"],
        format!("security@{valid}").as_str()
    );
    assert_eq!(events[0]["extra.input.classification_type"], "phishing");
    assert_eq!(events[0]["extra.disclose_rule"], "exact");
    assert_eq!(events[1]["source.ip"], "192.0.2.99");
    assert!(!events[1].contains_key("source.abuse_contact"));
    // A header without an item column is one clear error.
    std::fs::write(&feed, "a;b\n1;2\n").unwrap();
    let o = lookup_feed(db, &feed, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a header naming the item column"),
        "{}",
        stderr(&o)
    );
}

/// A long feed is answered on several threads; the answers come back in the feed's order, the
/// same as on one thread, in every format, and a bad line is reported once, with its number.
#[test]
fn a_feed_without_a_usable_item_fails_and_says_what_it_read() {
    let db = crawled_store();
    let dir = temp_dir("unusable-feed");
    // The column named holds notes, not items (so naming a column is not suggested).
    let feed = dir.join("feed.csv");
    std::fs::write(&feed, "note,seen\nnot a host,1\nalso not one,2\n").unwrap();
    let o = lookup_feed(db, &feed, &["--column", "note", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("line 2: `not a host,1`"), "{err}");
    assert!(
        err.contains(&format!(
            "no usable item in `{}` (2 lines read): give host names, URLs, e-mail addresses or IP addresses\n",
            feed.display()
        )),
        "{err}"
    );
    // One line of plain text: the count says line, not lines.
    let plain = dir.join("feed.txt");
    std::fs::write(&plain, "nothing here\n").unwrap();
    let o = lookup_feed(db, &plain, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("(1 line read): give host names, URLs, e-mail addresses or IP addresses\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_quote_never_closed_in_a_feed_costs_only_its_own_line() {
    let db = crawled_store();
    let valid = name_of(&world(), Scenario::Valid);
    let dir = temp_dir("stray-quote");
    let feed = dir.join("feed.csv");
    std::fs::write(
        &feed,
        format!("source.fqdn,comment\n{valid},a\n\"{valid},b\n{valid},c\n"),
    )
    .unwrap();
    let o = lookup_feed(db, &feed, &["--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let answers = answer_lines(&o);
    let seen: Vec<(u64, &str, Option<&str>)> = answers
        .iter()
        .map(|a| (a.line, a.answer.status.as_str(), a.answer.error.as_deref()))
        .collect();
    let reason = "a quote `\"` opened on this line is not closed where the cell ends (the lines after it are read on their own)";
    assert_eq!(
        seen,
        [
            (2, "found", None),
            (3, "invalid", Some(reason)),
            (4, "found", None)
        ]
    );
    assert!(
        stderr(&o).contains(&format!(
            "line 3: `\"{valid},b`: {reason}; answered as invalid"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_long_feed_is_answered_in_its_order_whatever_the_threads() {
    let db = crawled_store();
    let world = world();
    let dir = temp_dir("long-feed");
    let feed = dir.join("feed.txt");
    // More lines than the threads hold in flight at once (chunks of 256, four per thread), so
    // that chunks are handed out again as answers are written.
    let mut lines = Vec::new();
    for (i, domain) in world.domains().iter().cycle().take(4_000).enumerate() {
        lines.push(match i % 4 {
            0 => domain.name.clone(),
            1 => format!("hxxps://{}/login?id={i}", domain.name),
            2 => shared_address(0).to_string(),
            _ => format!("unknown{i}.example.net"),
        });
    }
    lines[2_345] = "not a host".to_owned();
    std::fs::write(&feed, lines.join("\n") + "\n").unwrap();
    let run = |threads: &str, format: &str| {
        let o = lookup_feed(db, &feed, &["--format", format, "--threads", threads]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(
            stderr(&o)
                .lines()
                .filter(|l| l.contains("answered as invalid"))
                .collect::<Vec<_>>(),
            [format!(
                "disclose: `{}` line 2346: `not a host`: a domain name cannot contain spaces; answered as invalid",
                feed.display()
            )],
            "{}",
            stderr(&o)
        );
        o.stdout
    };
    let one = run("1", "json");
    let answers: Vec<AnswerLine> = serde_json::from_slice(&one).unwrap();
    assert_eq!(
        answers.iter().map(|a| a.line).collect::<Vec<_>>(),
        (1..=4_000).collect::<Vec<u64>>()
    );
    for (answer, line) in answers.iter().zip(&lines) {
        assert_eq!(&answer.answer.item, line);
    }
    assert_eq!(run("3", "json"), one);
    assert_eq!(run("3", "csv"), run("1", "csv"));
    let jsonl = run("2", "jsonl");
    assert_eq!(jsonl, run("1", "jsonl"));
    // The entries a thread rendered once (the shared address's, the hosts asked again) are
    // written as the answer's own serialisation writes them.
    for line in String::from_utf8(jsonl).unwrap().lines() {
        let answer: AnswerLine = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&answer).unwrap(), line);
    }
}

/// The Records of the lab run, by domain.
fn records(db: &Path) -> Vec<Record> {
    let store = Store::open(db).unwrap();
    let run = store.run("lab").unwrap().unwrap();
    store.records(run.id).unwrap()
}

fn export(db: &Path, format: &str, extra: &[&str]) -> Output {
    let mut args = vec!["export", "--db", db.to_str().unwrap(), "--format", format];
    args.extend(extra);
    let o = disclose(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    o
}

#[test]
fn each_export_reads_back_as_the_records_say() {
    let db = crawled_store();
    let records = records(db);
    let with_file: Vec<&Record> = records.iter().filter(|r| r.file.is_some()).collect();
    let now = ["--now", "2026-01-01T00:00:00Z"];

    // JSON Lines and JSON: one entry per domain with a file, equal to its Record.
    let jsonl = stdout(&export(db, "jsonl", &now));
    let entries: Vec<Entry> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let json: Vec<Entry> = serde_json::from_slice(&export(db, "json", &now).stdout).unwrap();
    assert_eq!(entries, json);
    assert_eq!(entries.len(), with_file.len());
    for (entry, record) in entries.iter().zip(&with_file) {
        let file = record.file.as_ref().unwrap();
        let e = entry.file.as_ref().unwrap();
        assert_eq!(entry.domain, record.domain);
        let uris: Vec<&str> = e.contacts.iter().map(|c| c.uri.as_str()).collect();
        let want: Vec<&str> = file.fields.contact.iter().map(|c| c.uri.as_str()).collect();
        assert_eq!(uris, want, "{}", record.domain);
        assert_eq!(e.provenance.final_url, file.final_url);
        assert_eq!(e.provenance.sha256, file.sha256);
        assert_eq!(e.signature.verdict, file.signature.name());
        let mut errors: Vec<String> = file
            .diagnostics
            .iter()
            .filter(|d| d.level() == disclose::format::Level::Error)
            .map(|d| d.code.as_str().to_owned())
            .filter(|c| c != "expired")
            .collect();
        if e.expired {
            errors.push("expired".into());
        }
        assert_eq!(e.errors, errors, "{}", record.domain);
        assert_eq!(entry.crawled, record.started);
    }
    // --include-missing adds the domains without a file, with their outcome.
    let all = stdout(&export(db, "jsonl", &["--include-missing"]));
    assert_eq!(all.lines().count(), records.len());

    // CSV: one row per domain and contact.
    let csv_out = export(db, "csv", &now);
    assert!(csv_out.stdout.ends_with(b"\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..disclose::directory::export::csv::COLUMNS.len()],
        disclose::directory::export::csv::COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected_rows: usize = with_file
        .iter()
        .map(|r| r.file.as_ref().unwrap().fields.contact.len().max(1))
        .sum();
    assert_eq!(rows.len(), expected_rows);
    let first = with_file[0];
    assert_eq!(&rows[0][0], first.domain);
    assert_eq!(
        &rows[0][3],
        first.file.as_ref().unwrap().fields.contact[0].uri
    );

    // IntelMQ: one event per domain with a file, keys IntelMQ accepts, e-mails as abuse contact.
    let events: Vec<serde_json::Map<String, serde_json::Value>> =
        stdout(&export(db, "intelmq", &now))
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(events.len(), with_file.len());
    for (event, entry) in events.iter().zip(&entries) {
        for key in event.keys() {
            assert!(
                disclose::directory::export::intelmq::valid_key(key),
                "{key}"
            );
        }
        assert_eq!(event["source.fqdn"], entry.domain.as_str());
        let emails: Vec<String> = entry.emails().map(str::to_lowercase).collect();
        match event.get("source.abuse_contact") {
            Some(v) => assert_eq!(v.as_str().unwrap(), emails.join(",")),
            None => assert!(emails.is_empty()),
        }
        assert!(
            event["time.observation"]
                .as_str()
                .unwrap()
                .ends_with("+00:00")
        );
    }
}

fn schema(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/schemas")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[test]
fn exports_validate_against_the_documented_schemas() {
    let db = crawled_store();
    let strict = |name: &str| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema(name))
            .unwrap()
    };
    let entry = strict("entry.schema.json");
    for line in stdout(&export(db, "jsonl", &["--include-missing"])).lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Err(e) = entry.validate(&value) {
            panic!("{e} at {}: {line}", e.instance_path());
        }
    }
    let answer = strict("lookup-answer.schema.json");
    let world = world();
    let (_, o) = lookup(
        db,
        &[],
        &[
            &name_of(&world, Scenario::Valid),
            &format!("x.{}", name_of(&world, Scenario::Valid)),
            "127.1.0.1",
            "unknown.example",
        ],
    );
    for line in stdout(&o).lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(answer.is_valid(&value), "{line}");
    }
    let programs: serde_json::Value =
        serde_json::from_slice(&export(db, "disclose-io", &[]).stdout).unwrap();
    assert!(!programs.as_array().unwrap().is_empty());
    let list = strict("disclose-io.schema.json");
    if let Err(e) = list.validate(&programs) {
        panic!("{e} at {}", e.instance_path());
    }
    // Written as diodb's CI writes it: three-space indent, sorted by program name.
    let text = stdout(&export(db, "disclose-io", &[]));
    assert!(
        text.starts_with("[\n   {\n      \"program_name\""),
        "{text}"
    );
    let names: Vec<&str> = programs
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["program_name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
}

#[test]
fn docs_schemas_are_generated_from_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas");
    for (name, generated) in disclose::directory::schemas() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        if std::env::var_os("DISCLOSE_BLESS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), &text).unwrap();
        }
        let written = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            written == text,
            "docs/schemas/{name} is stale: run `DISCLOSE_BLESS=1 cargo test --test directory docs_schemas`"
        );
    }
}

#[test]
fn hostile_contacts_and_tags_come_out_inert_in_csv() {
    let db = crawled_store();
    let dir = temp_dir("hostile");
    let hostile_db = dir.join("hostile.db");
    std::fs::copy(db, &hostile_db).unwrap();
    let mut store = Store::open(&hostile_db).unwrap();
    let mut record = records(db)
        .into_iter()
        .find(|r| r.file.as_ref().is_some_and(|f| f.fields.contact.len() == 2))
        .unwrap();
    record.domain = "hostile.example".into();
    let file = record.file.as_mut().unwrap();
    file.fields.contact[0].uri = "=HYPERLINK(\"https://evil.example\",\"click\")".into();
    file.fields.contact[1].uri = "mailto:a@b.example\r\n=1+1".into();
    record
        .tags
        .insert("organisation".into(), "@SUM(1+1)*cmd|' /C calc'!A0".into());
    let (run, _) = store
        .begin_run("hostile", "test", disclose::crawl::domain::now())
        .unwrap();
    store.write(run.id, &[record]).unwrap();
    drop(store);
    let o = export(&hostile_db, "csv", &["--run", "hostile"]);
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(
        &rows[0][3],
        "'=HYPERLINK(\"https://evil.example\",\"click\")"
    );
    // A line break cannot come from a file (a value is one line); one in a Record is a space.
    assert_eq!(&rows[1][3], "mailto:a@b.example  =1+1");
    let org = header.iter().position(|h| h == "organisation").unwrap();
    assert_eq!(&rows[0][org], "'@SUM(1+1)*cmd|' /C calc'!A0");
    // No cell of any row starts a formula, and every row is one line.
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r', '\n']),
                "{cell:?}"
            );
            assert!(!cell.contains(['\r', '\n']), "{cell:?}");
        }
    }
    // --excel: semicolons and a byte-order mark.
    let excel = export(&hostile_db, "csv", &["--run", "hostile", "--excel"]);
    assert!(
        excel
            .stdout
            .starts_with(b"\xEF\xBB\xBF\"domain\";\"registrable_domain\"")
    );
}

#[test]
fn lookup_crawl_missing_crawls_unknown_hosts_first() {
    let _lab = LAB.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let lab = rt
        .block_on(Lab::start(&LabConfig {
            domains: 20,
            seed: 5,
            mix: Mix::AllValid,
        }))
        .unwrap();
    let dir = temp_dir("missing");
    let db = dir.join("store.db");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    let name = lab.world.domains()[3].name.clone();
    let (dns, port) = (lab.dns.to_string(), lab.https_port.to_string());
    let net = [
        "--dns-server",
        dns.as_str(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--https-port",
        port.as_str(),
        "--allow-loopback",
        "--per-ip-rate",
        "1000",
    ];
    // Without --crawl-missing, an empty store has nothing to say.
    let o = disclose(&["lookup", "--db", db.to_str().unwrap(), &name]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("there is no database"),
        "{}",
        stderr(&o)
    );
    let mut args = vec![
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "jsonl",
        "--crawl-missing",
    ];
    args.extend(net);
    args.push(&name);
    let o = disclose(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let answer: AnswerLine = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(answer.answer.status.as_str(), "found");
    assert_eq!(
        contacts(&answer),
        [
            format!("mailto:security@{name}"),
            format!("https://{name}/report")
        ]
    );
    let store = Store::open(&db).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].name.starts_with("lookup-"), "{}", runs[0].name);
    // Asked again, nothing new is crawled.
    let o = disclose(&args);
    assert!(!stderr(&o).contains("crawling"), "{}", stderr(&o));
    drop(lab);
}

#[test]
fn the_certificate_inventory_finds_a_distrusted_cas_hosts_though_their_handshakes_failed() {
    let db = crawled_store();
    let world = world();
    let rogue: Vec<String> = world
        .domains()
        .iter()
        .filter(|d| d.scenario == Scenario::TlsUnknownIssuer)
        .map(|d| d.name.clone())
        .collect();
    assert!(!rogue.is_empty());
    let o = disclose(&[
        "certs",
        "--db",
        db.to_str().unwrap(),
        "--issuer",
        "lab ROGUE ca",
        "--format",
        "jsonl",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let domains: Vec<&str> = rows
        .iter()
        .map(|r| r["row"]["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, rogue);
    for r in &rows {
        assert_eq!(r["row"]["crawl_outcome"], "tls_error unknown_issuer");
        assert_eq!(
            r["row"]["issuer"],
            "CN=disclose lab rogue CA, O=disclose lab"
        );
        assert_eq!(r["row"]["sha256"].as_str().unwrap().len(), 64);
        // The lookup answer for the host, as `lookup` gives it.
        assert_eq!(r["item"], r["row"]["domain"]);
    }
    // The summary counts the refused handshakes by reason, as the lab's truth has them.
    let o = disclose(&["certs", "--db", db.to_str().unwrap(), "--summary"]);
    let text = stdout(&o);
    let count = |s: Scenario| world.domains().iter().filter(|d| d.scenario == s).count();
    for (reason, scenario) in [
        ("unknown_issuer", Scenario::TlsUnknownIssuer),
        ("expired", Scenario::TlsExpired),
        ("name_mismatch", Scenario::TlsWrongName),
    ] {
        assert!(
            text.contains(&format!("{:>8}  {reason}\n", count(scenario))),
            "{reason}: {text}"
        );
    }
    assert!(
        text.contains(&format!(
            "{:>8}  CN=disclose lab rogue CA, O=disclose lab",
            rogue.len()
        )),
        "{text}"
    );
    // CSV: the certificate's columns first, then lookup's.
    let o = disclose(&[
        "certs",
        "--db",
        db.to_str().unwrap(),
        "--issuer",
        "rogue",
        "--format",
        "csv",
    ]);
    let header = stdout(&o).lines().next().unwrap().to_owned();
    assert!(
        header.starts_with("\"domain\",\"issuer\",\"subject\",\"sha256\",\"not_after\",\"crawl_outcome\",\"disclose_line\""),
        "{header}"
    );
    // Nothing matches: said, exit 2.
    let o = disclose(&[
        "certs",
        "--db",
        db.to_str().unwrap(),
        "--issuer",
        "DigiNotar",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no certificate"), "{}", stderr(&o));
}
