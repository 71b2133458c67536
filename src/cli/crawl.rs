//! `disclose crawl LIST`: a list of domains crawled into a run of the store, with a progress bar
//! and a summary per outcome class.
//!
//! Everything the command needs (flags, the list, the CA file, the keyring) is checked before the
//! store is touched, so a failed start leaves no run behind. A run resumes only while it is
//! unfinished; a finished one is crawled again only with `--retry-failed`, for the domains whose
//! failure may not happen again.

use super::net::NetArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::crawl::progress::{say, stderr_closed};
use disclose::crawl::{self, RunConfig, Stop, Summary};
use disclose::record::Outcome;
use disclose::store::{Run, Store};
use disclose::target::{InputFormat, TargetReader};
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Lines,
    Csv,
}

impl From<FormatArg> for InputFormat {
    fn from(f: FormatArg) -> InputFormat {
        match f {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Lines => InputFormat::Lines,
            FormatArg::Csv => InputFormat::Csv,
        }
    }
}

#[derive(Args)]
pub struct CrawlArgs {
    /// The list of domains: one per line, or CSV with a header naming the domain column
    /// (`-` reads standard input). With a PostgreSQL --db it is loaded into the run's queue,
    /// and may be left out to join a run another machine loaded.
    #[arg(value_name = "LIST")]
    pub(super) list: Option<String>,

    /// The database to write Records to.
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "DISCLOSE_DB",
        default_value = "disclose.db",
        value_parser = disclose::store::location::parse_store_location
    )]
    pub(super) db: disclose::store::location::StoreLocation,

    /// The run's name. Crawling under the name of an unfinished run resumes it. Default: the
    /// list's name and today's date (`domains-2026-11-22`, then `domains-2026-11-22-2` once that
    /// run has finished); from standard input, always a new run.
    #[arg(long, value_name = "NAME", value_parser = run_name)]
    pub(super) run: Option<String>,

    /// Crawl again, in the finished run named by --run (or the list's latest run of today), the
    /// domains whose failure may not happen again: DNS errors and silence, refused or timed-out
    /// connections, TLS errors, time-outs, broken connections, 429 and 5xx answers.
    #[arg(long)]
    pub(super) retry_failed: bool,

    /// How the list is laid out: `auto` reads a delimited file with a header (comma, semicolon
    /// or tab, detected) when its first line names the domain column, else one domain per line.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "auto")]
    input_format: FormatArg,

    /// The header name of the column holding the domains (default: the first of `domain`,
    /// `domain_name`, `domainname`, `hostname`, `host`, `fqdn`, `source.fqdn`, `website`, `url`,
    /// `source.url`); the other columns become tags.
    #[arg(long, value_name = "NAME")]
    pub(super) domain_column: Option<String>,

    /// Domains in flight at most (1–100000).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(super) concurrency: u64,

    /// Never show a progress bar.
    #[arg(long)]
    pub(super) no_progress: bool,

    /// How many machines crawl this run together (a PostgreSQL --db): each takes this share of
    /// --per-ip-rate, --per-ip-concurrency and --per-site-concurrency (a concurrency at least
    /// 1), so that the run as a whole keeps the limits. Give every worker the same number.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub(super) workers: u64,

    /// How long a worker's claimed domains stay its own without a heartbeat (a PostgreSQL
    /// --db): when a worker dies, the others take its domains after this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(3..=86_400))]
    pub(super) lease: u64,

    #[command(flatten)]
    pub(super) net: NetArgs,
}

/// A run name: printable text, 1 to 200 characters.
fn run_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Err("a run needs a name".into());
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("a run name is at most 200 printable characters".into());
    }
    Ok(name.to_owned())
}

/// The list, opened and its layout checked.
pub(super) struct List {
    pub(super) targets: TargetReader,
    /// How many rows it has (for the progress bar), when it is a file.
    pub(super) rows: Option<u64>,
    /// The list's file name without extension, or `stdin`.
    pub(super) stem: String,
}

pub(super) fn open_list(args: &CrawlArgs, list: &str) -> Result<List> {
    let format = InputFormat::from(args.input_format);
    let column = args.domain_column.clone();
    if list == "-" {
        let targets = TargetReader::with_column(std::io::stdin(), format, column)
            .context("cannot read the list from standard input")?;
        return Ok(List {
            targets,
            rows: None,
            stem: "stdin".into(),
        });
    }
    let path = Path::new(list);
    let open = || -> Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::fs::File::open(path).with_context(|| {
            format!("cannot open the list `{list}`")
        })?))
    };
    let targets = TargetReader::with_column(open()?, format, column.clone())
        .with_context(|| format!("cannot read the list `{list}`"))?;
    // A first pass counts the rows the crawl will take, bad ones included, so that the bar ends
    // at its total; it reads the file again rather than holding it.
    let rows = TargetReader::with_column(open()?, format, column)
        .ok()
        .map(|reader| reader.take_while(Result::is_ok).count() as u64);
    let stem = path
        .file_stem()
        .map_or("list".into(), |s| s.to_string_lossy().into_owned());
    Ok(List {
        targets,
        rows,
        stem,
    })
}

/// Which run this crawl writes to, and whether it resumes it.
struct RunChoice {
    run: Run,
    resumed: bool,
    created: bool,
}

fn choose_run(
    store: &mut Store,
    args: &CrawlArgs,
    stem: &str,
    arguments: &str,
) -> Result<RunChoice> {
    let now = disclose::crawl::domain::now();
    let today = &now.to_string()[..10];
    let name = match &args.run {
        Some(name) => name.clone(),
        None => {
            // The list's runs of today: `stem-date`, `stem-date-2`, …; the last one is resumed
            // while unfinished (or retried), else a new one is started. Standard input is a new
            // list each time.
            let base = format!("{stem}-{today}");
            let mut last: Option<(String, Run)> = None;
            let mut next = base.clone();
            for n in 1.. {
                let candidate = if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                };
                match store.run(&candidate)? {
                    Some(run) => last = Some((candidate, run)),
                    None => {
                        next = candidate;
                        break;
                    }
                }
            }
            match last {
                Some((name, run))
                    if stem != "stdin" && (run.finished.is_none() || args.retry_failed) =>
                {
                    name
                }
                _ => next,
            }
        }
    };
    match store.run(&name)? {
        Some(run) if run.finished.is_some() && !args.retry_failed => bail!(
            "run `{name}` finished on {}: give another --run name to crawl the list again, or \
             --retry-failed to crawl its failed domains again",
            run.finished.as_deref().unwrap_or_default()
        ),
        Some(_) => {
            let (run, _) = store.begin_run(&name, arguments, now)?;
            if args.retry_failed {
                let forgotten = store.forget(run.id, Outcome::retry_later)?;
                say(&format!(
                    "disclose: run `{name}`: crawling again {forgotten} domains whose failure may not happen again"
                ));
            } else {
                say(&format!(
                    "disclose: resuming run `{name}` ({} domains recorded so far)",
                    store.count(run.id)?
                ));
            }
            if differs(&run.arguments, arguments) {
                say(&format!(
                    "disclose: warning: run `{name}` was started as `{}`; this crawl's flags differ",
                    disclose::escape::for_terminal(&run.arguments)
                ));
            }
            Ok(RunChoice {
                run,
                resumed: true,
                created: false,
            })
        }
        None if args.retry_failed => bail!(
            "there is no run `{name}` to retry: --retry-failed crawls again the failed domains of a finished run"
        ),
        None => {
            let (run, _) = store.begin_run(&name, arguments, now)?;
            Ok(RunChoice {
                run,
                resumed: false,
                created: true,
            })
        }
    }
}

/// Two command lines differ beyond the program's path and `--retry-failed`.
fn differs(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .skip(1)
            .filter(|w| *w != "--retry-failed")
            .map(str::to_owned)
            .collect()
    };
    words(a) != words(b)
}

pub fn run(args: CrawlArgs) -> Result<ExitCode> {
    if let disclose::store::location::StoreLocation::Postgres(location) = &args.db {
        return super::crawl_shared::run(&args, location);
    }
    let Some(list_name) = &args.list else {
        bail!(
            "give the list to crawl (a LIST may be left out only to join a run shared through a PostgreSQL --db)"
        );
    };
    if args.workers != 1 {
        bail!("--workers is for a run shared through a PostgreSQL --db");
    }
    // Everything is checked before the store is touched: flags, files, the list's layout, and
    // the crawler's own set-up.
    let settings = args.net.settings()?;
    let list = open_list(&args, list_name)?;
    let rt = super::runtime()?;
    let crawler = {
        let _guard = rt.enter();
        Arc::new(settings.build()?)
    };
    rt.block_on(crawler.fetcher.dns.check_transport())?;
    let db = args.db.sqlite_path("`disclose crawl`")?;
    let mut store = Store::open(db)?;
    let arguments =
        disclose::store::location::redact_arguments(&std::env::args().collect::<Vec<_>>());
    let choice = choose_run(&mut store, &args, &list.stem, &arguments)?;
    let run = choice.run;
    let summary = rt.block_on(async {
        let stop = super::stop_on_ctrl_c(Stop::Finish);
        let config = RunConfig {
            concurrency: args.concurrency as usize,
            progress: !args.no_progress && super::progress_allowed(),
        };
        crawl::crawl_list(
            crawler,
            list.targets,
            list.rows,
            &store,
            &run,
            &config,
            stop,
        )
        .await
    })?;
    let usable = summary.crawled + summary.resumed + summary.duplicates;
    if usable == 0 && summary.input_errors > 0 && !choice.resumed {
        if choice.created {
            store.delete_empty_run(run.id)?;
        }
        bail!(
            "no usable domain in the list ({} lines rejected, each reported above); nothing was crawled",
            summary.input_errors
        );
    }
    let totals = store.outcomes(run.id)?;
    let report = report(&summary, &run.name, &db.display(), &totals);
    Ok(print_report(
        &report,
        summary
            .interrupted
            .then_some("disclose: interrupted; run the same command again to resume"),
    ))
}

/// Prints the end-of-crawl report and says how the crawl ended: `130` when it was
/// interrupted (`interrupted` says what becomes of its domains), `141` when the output went
/// nowhere (the reader of a pipe left: the crawl finished and kept its Records; a program
/// killed by SIGPIPE exits so), else success.
pub(super) fn print_report(report: &str, interrupted: Option<&str>) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let printed = stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush());
    if let Some(message) = interrupted {
        say(message);
        return ExitCode::from(130);
    }
    if printed.is_err() || stderr_closed() {
        return ExitCode::from(141);
    }
    ExitCode::SUCCESS
}

/// The end-of-crawl report: what this invocation did, then what the run holds.
pub(super) fn report(
    summary: &Summary,
    run: &str,
    db: &dyn std::fmt::Display,
    totals: &std::collections::BTreeMap<String, u64>,
) -> String {
    let mut out = summary.to_string();
    let all: u64 = totals.values().sum();
    let found = totals.get("found").copied().unwrap_or(0);
    out.push_str(&format!(
        "run `{}` in {}: {all} domains, {found} with a security.txt file\n",
        disclose::escape::for_terminal(run),
        db
    ));
    if summary.resumed > 0 || summary.crawled != all {
        for (class, n) in totals {
            out.push_str(&format!("  {class:<16} {n:>8}\n"));
        }
    }
    out
}
