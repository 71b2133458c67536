//! `disclose lookup ITEM… | --file FEED`: whom to warn for each item of a threat feed, from the
//! store, with the rule that found the contact and how far to trust it. A table on a terminal;
//! CSV (the feed's columns kept), JSON, JSON Lines or IntelMQ events for a pipeline.

use super::directory::{DirectoryArgs, open_read_store};
use super::net::NetArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::crawl::progress::say;
use disclose::crawl::{self, RunConfig, Stop};
use disclose::directory::answers::{self, AnswerFormat, AnswerWriter, Answered};
use disclose::directory::export::ExportOptions;
use disclose::directory::export::intelmq;
use disclose::directory::feed::{self, Answering};
use disclose::directory::lookup::{Answer, Status, parse_item};
use disclose::escape::for_terminal;
use disclose::format::Timestamp;
use disclose::input::{Columns, InputFormat, Row, TableReader};
use disclose::store::entries::Scope;
use disclose::store::location::StoreLocation;
use disclose::store::postgres::PgStore;
use disclose::store::read::ReadStore;
use disclose::store::{Run, Store};
use disclose::target::{Target, TargetReader, registrable_domain};
use std::collections::BTreeSet;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The header names a feed's item column may have, in order of preference (IntelMQ's first).
pub const ITEM_COLUMNS: &[&str] = &[
    "source.fqdn",
    "source.url",
    "source.ip",
    "source.reverse_dns",
    "source.account",
    "fqdn",
    "domain",
    "hostname",
    "host",
    "url",
    "uri",
    "ip",
    "ip_address",
    "address",
    "email",
    "e-mail",
];

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// A table on a terminal, JSON Lines otherwise.
    Auto,
    /// A table for people.
    Table,
    /// One row per feed line: the feed's columns, then disclose_* columns.
    Csv,
    /// A JSON array of answers.
    Json,
    /// One answer per line.
    Jsonl,
    /// One IntelMQ event per feed line.
    Intelmq,
}

#[derive(Args)]
pub struct LookupArgs {
    /// Items to look up: host names, URLs, e-mail addresses or IP addresses, defanged ones too
    /// (`hxxps://`, `example[.]com`, `name[at]example.com`).
    #[arg(value_name = "ITEM", required_unless_present = "file")]
    items: Vec<String>,

    /// Read the items from this feed (`-` reads standard input): one per line, or a CSV with a
    /// header (comma, semicolon or tab, detected), whose other columns come back with the answers.
    #[arg(long, value_name = "FEED", conflicts_with = "items")]
    file: Option<String>,

    /// The feed's column holding the items. Default: in each row, the first filled of
    /// source.fqdn, source.url, source.ip, source.reverse_dns, source.account, fqdn, domain,
    /// hostname, host, url, uri, ip, ip_address, address, email, e-mail.
    #[arg(long, value_name = "NAME", requires = "file")]
    column: Option<String>,

    /// How to write the answers.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "auto")]
    format: FormatArg,

    /// CSV as Excel opens it on a double-click in Dutch and German locales (`;`, byte-order
    /// mark).
    #[arg(long)]
    excel: bool,

    /// Crawl the hosts the store does not know (and their registrable domains) through the
    /// crawl pipeline before answering, into the run named by --run (default
    /// `lookup-YYYY-MM-DD`). Needs the network flags a crawl needs.
    #[arg(long)]
    crawl_missing: bool,

    /// Threads answering the feed, each with its own connection to the store. Default: the
    /// machine's cores, at most 8.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,

    /// IntelMQ's `feed.name`.
    #[arg(long, value_name = "TEXT", default_value = intelmq::DEFAULT_FEED_NAME)]
    feed_name: String,

    /// IntelMQ's `feed.provider` (your organisation).
    #[arg(long, value_name = "TEXT", default_value = intelmq::DEFAULT_FEED_PROVIDER)]
    feed_provider: String,

    #[command(flatten)]
    directory: DirectoryArgs,

    #[command(flatten)]
    net: NetArgs,
}

/// The feed: its rows, streamed, and its header.
struct Feed {
    rows: Box<dyn Iterator<Item = std::io::Result<Row>>>,
    header: Vec<String>,
    name: String,
    /// The items came as arguments, not in a file.
    arguments: bool,
}

impl Feed {
    /// Where a row is, for messages: `argument 3`, `` `feed.csv` line 7 ``.
    fn place(&self, line: u64) -> String {
        if self.arguments {
            format!("argument {line}")
        } else {
            format!("{} line {line}", self.name)
        }
    }
}

fn open_feed(args: &LookupArgs) -> Result<Feed> {
    let Some(file) = &args.file else {
        let rows: Vec<std::io::Result<Row>> = args
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                Ok(Row {
                    line: i as u64 + 1,
                    value: item.trim().to_owned(),
                    cells: Vec::new(),
                    text: item.clone(),
                    problem: None,
                })
            })
            .collect();
        return Ok(Feed {
            rows: Box::new(rows.into_iter()),
            header: Vec::new(),
            name: "the arguments".to_owned(),
            arguments: true,
        });
    };
    let input: Box<dyn Read + Send> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(file).with_context(|| format!("cannot open the feed `{file}`"))?,
        )
    };
    let columns = Columns {
        named: args.column.clone(),
        known: ITEM_COLUMNS,
        what: "item",
        flag: "--column",
    };
    let reader = TableReader::new(input, InputFormat::Auto, &columns)
        .with_context(|| format!("cannot read the feed `{file}`"))?
        .with_context(|| format!("cannot read the feed `{file}`"))?;
    let header = reader
        .header_info()
        .map(|h| h.names.clone())
        .unwrap_or_default();
    Ok(Feed {
        rows: Box::new(reader),
        header,
        name: format!("`{file}`"),
        arguments: false,
    })
}

fn answer_format(format: FormatArg) -> Option<AnswerFormat> {
    match format {
        FormatArg::Csv => Some(AnswerFormat::Csv),
        FormatArg::Json => Some(AnswerFormat::Json),
        FormatArg::Jsonl => Some(AnswerFormat::Jsonl),
        FormatArg::Intelmq => Some(AnswerFormat::Intelmq),
        FormatArg::Table => None,
        FormatArg::Auto if std::io::stdout().is_terminal() => None,
        FormatArg::Auto => Some(AnswerFormat::Jsonl),
    }
}

pub fn run(args: LookupArgs) -> Result<ExitCode> {
    if args.excel && args.format != FormatArg::Csv {
        bail!("--excel is for --format csv");
    }
    // Every flag is checked before anything is opened or crawled.
    let settings = if args.crawl_missing {
        Some(args.net.settings()?)
    } else {
        None
    };
    let mut feed = open_feed(&args)?;
    let (store, scope) = if args.crawl_missing {
        let rows: Vec<std::io::Result<Row>> = feed.rows.by_ref().collect();
        let rows = rows.into_iter().collect::<std::io::Result<Vec<Row>>>()?;
        let settings = settings.expect("checked above");
        let (store, run): (Box<dyn ReadStore>, i64) = match &args.directory.db {
            StoreLocation::Sqlite(path) => {
                let store = Store::open(path)?;
                let run = crawl_missing(&args, &store, &rows, settings)?;
                (Box::new(store), run)
            }
            StoreLocation::Postgres(location) => {
                let store = PgStore::open(location, Duration::from_secs(300))?;
                let run = crawl_missing_shared(&args, &store, location, &rows, settings)?;
                (Box::new(store), run)
            }
        };
        feed.rows = Box::new(rows.into_iter().map(Ok));
        let scope = if args.directory.run.is_some() {
            Scope::Run(run)
        } else {
            Scope::Latest
        };
        (store, scope)
    } else {
        let reading = args.directory.open()?;
        (reading.store, reading.scope)
    };
    let threads = if feed.arguments {
        1
    } else {
        args.threads.map_or_else(feed::default_threads, usize::from)
    };
    let db = &args.directory.db;
    let open = move || open_read_store(db);
    let answering = Answering {
        open: &open,
        scope,
        now: args.directory.now(),
        filter: args.directory.filter(),
        threads,
    };
    // The threads open connections of their own.
    drop(store);
    let options = ExportOptions {
        excel: args.excel,
        feed_name: args.feed_name.clone(),
        feed_provider: args.feed_provider.clone(),
        ..ExportOptions::default()
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(super::output::OUTPUT_BUFFER, stdout.lock());
    let mut writer = answer_format(args.format)
        .map(|f| AnswerWriter::new(f, feed.header.clone(), options.clone()));
    let options = options.clone();
    let mut table: Vec<(u64, Answer)> = Vec::new();
    if let Some(w) = &mut writer {
        w.begin(&mut out)?;
    }
    let (mut usable, mut unanswered, mut lines) = (0u64, 0u64, 0u64);
    let rows = std::mem::replace(&mut feed.rows, Box::new(std::iter::empty()));
    let feed_name = feed.name.clone();
    let rows = rows.map(|row| {
        let row = row.with_context(|| format!("cannot read {feed_name}"))?;
        let item = row.value.clone();
        Ok((row, item))
    });
    let format = answer_format(args.format);
    let header = feed.header.clone();
    let renderer = move || -> feed::Renderer<'static, Row, Rendered> {
        let mut writer = format.map(|f| AnswerWriter::new(f, header.clone(), options.clone()));
        // Rendered here, then copied out at its size: growing each answer's bytes from nothing
        // and freeing them on the writing thread cost the allocator fresh pages all along.
        let mut scratch = Vec::new();
        Box::new(move |row: Row, mut answer: Answer| {
            if let Some(problem) = &row.problem {
                answer.error = Some(problem.clone());
            }
            let invalid = answer.status == Status::Invalid;
            let answered = !answer.matches.is_empty();
            let error = answer.error.clone();
            let output = match &mut writer {
                Some(w) => {
                    scratch.clear();
                    w.render(
                        &mut scratch,
                        &Answered {
                            line: row.line,
                            cells: &row.cells,
                            answer: &answer,
                        },
                    )?;
                    Output::Bytes(scratch.as_slice().into())
                }
                None => Output::Table(answer),
            };
            Ok(Rendered {
                line: row.line,
                text: row.text,
                invalid,
                error,
                answered,
                output,
            })
        })
    };
    feed::answer_rows(&answering, rows, &renderer, |done| {
        lines += 1;
        if done.invalid {
            say(&format!(
                "disclose: {}: `{}`: {}; answered as invalid",
                feed.place(done.line),
                done.text,
                done.error.as_deref().unwrap_or("")
            ));
        } else {
            usable += 1;
        }
        if !done.answered {
            unanswered += 1;
        }
        match (done.output, &mut writer) {
            (Output::Bytes(bytes), Some(w)) => {
                w.separate(&mut out)?;
                out.write_all(&bytes)?;
            }
            (Output::Table(answer), _) => table.push((done.line, answer)),
            (Output::Bytes(_), None) => unreachable!("answers are rendered only with a format"),
        }
        Ok(())
    })?;
    match &mut writer {
        Some(w) => w.finish(&mut out)?,
        None => write_table(&mut out, &table)?,
    }
    out.flush()?;
    if usable == 0 {
        bail!(
            "no usable item in {} ({lines} {} read): give host names, URLs, e-mail addresses or IP addresses{}",
            feed.name,
            if lines == 1 { "line" } else { "lines" },
            if feed.header.is_empty() || args.column.is_some() {
                ""
            } else {
                ", or name the feed's item column with --column"
            }
        );
    }
    Ok(if unanswered == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A feed row answered, as a lookup thread hands it back.
struct Rendered {
    line: u64,
    /// The row as the feed gave it, for messages.
    text: String,
    invalid: bool,
    error: Option<String>,
    /// At least one match.
    answered: bool,
    output: Output,
}

enum Output {
    /// The answer in the output format, without a JSON array's separator.
    Bytes(Vec<u8>),
    /// The answer itself, for the table, which is laid out once all are in.
    Table(Answer),
}

/// The feed's hosts (and their registrable domains) that the store does not know in the
/// scope the lookup will answer from.
fn missing_hosts(
    args: &LookupArgs,
    store: &dyn ReadStore,
    rows: &[Row],
) -> Result<BTreeSet<String>> {
    let scope_run = match &args.directory.run {
        Some(name) => store.run(name)?.map(|r| r.id),
        None => None,
    };
    let scope = scope_run.map_or(Scope::Latest, Scope::Run);
    let mut reader = store.entries(scope)?;
    let mut missing = BTreeSet::new();
    for row in rows {
        let Ok(item) = parse_item(&row.value) else {
            continue;
        };
        let Some(host) = item.host else { continue };
        let registrable = registrable_domain(&host);
        for name in std::iter::once(host).chain(registrable) {
            if reader.entry(&name)?.is_none() {
                missing.insert(name);
            }
        }
    }
    Ok(missing)
}

/// The feed's missing hosts, and the run `--crawl-missing` crawls them into (`--run`, else
/// `lookup-DATE`), begun with `begin` (either engine's `begin_run`); says what it will crawl.
fn begin_missing_run(
    args: &LookupArgs,
    store: &dyn ReadStore,
    rows: &[Row],
    begin: impl FnOnce(&str, &str, Timestamp) -> Result<(Run, bool)>,
) -> Result<(BTreeSet<String>, Run)> {
    let missing = missing_hosts(args, store, rows)?;
    let now = disclose::crawl::domain::now();
    let run_name = args
        .directory
        .run
        .clone()
        .unwrap_or_else(|| format!("lookup-{}", &now.to_string()[..10]));
    let arguments =
        disclose::store::location::redact_arguments(&std::env::args().collect::<Vec<_>>());
    let (run, _) = begin(&run_name, &arguments, now)?;
    if !missing.is_empty() {
        say(&format!(
            "disclose: crawling {} hosts the store does not know into run `{run_name}`",
            missing.len()
        ));
    }
    Ok((missing, run))
}

/// `crawl_missing` on a PostgreSQL store: the missing hosts are queued in the run and crawled
/// by this process as the run's worker.
fn crawl_missing_shared(
    args: &LookupArgs,
    store: &PgStore,
    location: &disclose::store::location::PostgresLocation,
    rows: &[Row],
    settings: disclose::crawl::settings::Settings,
) -> Result<i64> {
    let (missing, run) = begin_missing_run(args, store, rows, |name, arguments, now| {
        store.begin_run(name, arguments, now)
    })?;
    if missing.is_empty() {
        return Ok(run.id);
    }
    let targets: Vec<Target> = missing
        .iter()
        .enumerate()
        .filter_map(|(i, host)| {
            let mut target = Target::from_value(host).ok()?;
            target.line = i as u64 + 1;
            Some(target)
        })
        .collect();
    store.enqueue(run.id, &targets)?;
    let rt = super::runtime()?;
    let crawler = {
        let _guard = rt.enter();
        Arc::new(settings.build()?)
    };
    rt.block_on(crawler.fetcher.dns.check_transport())?;
    let queue = store.queue_progress(run.id)?;
    let (summary, _, _) = super::crawl_shared::work(
        &rt,
        crawler,
        store,
        &run,
        queue,
        &super::crawl_shared::Worker {
            location,
            concurrency: 64,
            progress: super::progress_allowed(),
            lease: Duration::from_secs(60),
        },
    )?;
    for line in summary.to_string().lines() {
        say(line);
    }
    if summary.interrupted {
        bail!("interrupted while crawling the missing hosts; nothing was answered");
    }
    Ok(run.id)
}

/// Crawls the feed's hosts that the store does not know (and their registrable domains), and
/// returns the run they went into.
fn crawl_missing(
    args: &LookupArgs,
    store: &Store,
    rows: &[Row],
    settings: disclose::crawl::settings::Settings,
) -> Result<i64> {
    let (missing, run) = begin_missing_run(args, store, rows, |name, arguments, now| {
        store.begin_run(name, arguments, now)
    })?;
    if missing.is_empty() {
        return Ok(run.id);
    }
    let list: String = missing.iter().map(|h| format!("{h}\n")).collect();
    let targets = TargetReader::new(std::io::Cursor::new(list.into_bytes()), InputFormat::Lines)?;
    let rt = super::runtime()?;
    let summary = rt.block_on(async {
        let crawler = Arc::new(settings.build()?);
        crawler.fetcher.dns.check_transport().await?;
        let stop = super::stop_on_ctrl_c(Stop::Abandon);
        let config = RunConfig {
            concurrency: 64,
            progress: true,
        };
        crawl::crawl_list(
            crawler,
            targets,
            Some(missing.len() as u64),
            store,
            &run,
            &config,
            stop,
        )
        .await
    })?;
    for line in summary.to_string().lines() {
        say(line);
    }
    if summary.interrupted {
        bail!("interrupted while crawling the missing hosts; nothing was answered");
    }
    Ok(run.id)
}

fn cell(text: &str, width: usize) -> String {
    let shown = for_terminal(text);
    let n = shown.chars().count();
    if n <= width {
        format!("{shown:<width$}")
    } else {
        let cut: String = shown.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// What the table's answer column says.
fn answer_text(a: &Answer) -> String {
    let best = a.best();
    match a.status {
        Status::Found => format!("own file ({})", best.map_or("", |m| m.domain.as_str())),
        Status::Fallback => {
            let m = best.expect("a fallback has a match");
            let own = match &a.crawled {
                Some(c) => c.outcome.clone(),
                None => "not crawled".to_owned(),
            };
            format!("{} {} (own: {own})", m.rule.as_str(), m.domain)
        }
        Status::NoFile => format!(
            "no file: {}",
            a.crawled.as_ref().map_or("", |c| c.outcome.as_str())
        ),
        Status::NotCrawled => "not crawled".to_owned(),
        Status::NoUsableContact => "own file, no usable contact".to_owned(),
        Status::Address => {
            let info = a.address_info.as_ref();
            let n = info.map_or(0, |i| i.domains);
            let shared = info.is_some_and(|i| i.shared);
            let domains = if n == 1 { "domain" } else { "domains" };
            match best {
                Some(m) if shared => format!("shared address, {n} {domains}: {}…", m.domain),
                Some(m) => format!("address, {n} {domains}: {}", m.domain),
                None => format!("address, {n} {domains}, none with a contact"),
            }
        }
        Status::UnknownAddress => "no crawled domain at this address".to_owned(),
        Status::Invalid => format!("invalid: {}", a.error.as_deref().unwrap_or("")),
    }
}

fn write_table(out: &mut dyn Write, answers: &[(u64, Answer)]) -> std::io::Result<()> {
    let rows: Vec<[String; 5]> = answers
        .iter()
        .map(|(line, a)| {
            let best = a.best();
            let contacts: Vec<&str> = best
                .map(|m| m.entry.usable_contacts().map(|c| c.uri.as_str()).collect())
                .unwrap_or_default();
            let contact = match contacts.as_slice() {
                [] => String::new(),
                [one] => (*one).to_owned(),
                [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
            };
            [
                line.to_string(),
                a.item.clone(),
                answer_text(a),
                best.map(|m| m.confidence.to_string()).unwrap_or_default(),
                contact,
            ]
        })
        .collect();
    let header = ["line", "item", "answer", "confidence", "contact"];
    let caps = [6, 40, 60, 25, usize::MAX];
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .map(|r| for_terminal(&r[i]).chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
                .min(caps[i])
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == cells.len() - 1 {
                s.push_str(&for_terminal(c));
            } else {
                s.push_str(&cell(c, widths[i]));
                s.push_str("  ");
            }
        }
        s.trim_end().to_owned()
    };
    writeln!(out, "{}", line(&header.map(str::to_owned)))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    let notes: Vec<String> = answers
        .iter()
        .filter(|(_, a)| a.address_info.as_ref().is_some_and(|i| i.shared))
        .map(|(line, a)| format!("line {line}: {}", answers::note(a)))
        .collect();
    for n in notes {
        writeln!(out, "{}", for_terminal(&n))?;
    }
    Ok(())
}
