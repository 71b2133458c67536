//! `disclose crawl LIST`: a list of domains crawled into a run of the store, with a progress bar
//! and a summary per outcome class.

use super::net::NetArgs;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use disclose::crawl::{self, RunConfig, Stop};
use disclose::store::Store;
use disclose::target::{InputFormat, TargetReader};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Lines,
    Csv,
}

#[derive(Args)]
pub struct CrawlArgs {
    /// The list of domains: one per line, or CSV with a `domain` column (`-` reads standard
    /// input).
    #[arg(value_name = "LIST")]
    list: String,

    /// The database to write Records to.
    #[arg(long, value_name = "PATH", default_value = "disclose.db")]
    db: PathBuf,

    /// The run's name; crawling under an existing name resumes it. Default: the list's name
    /// and today's date, e.g. `domains-2026-11-22`.
    #[arg(long, value_name = "NAME")]
    run: Option<String>,

    /// How the list is laid out: `auto` reads a delimited file with a header (comma, semicolon
    /// or tab, detected) when its first line names the domain column, else one domain per line.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "auto")]
    input_format: FormatArg,

    /// The header name of the column holding the domains (default: the first of `domain`,
    /// `domain_name`, `hostname`, `host`, `fqdn`, `source.fqdn`, `website`, `url`,
    /// `source.url`); the other columns become tags.
    #[arg(long, value_name = "NAME")]
    domain_column: Option<String>,

    /// Domains in flight at most.
    #[arg(long, value_name = "N", default_value_t = 256)]
    concurrency: usize,

    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,

    #[command(flatten)]
    net: NetArgs,
}

/// Counts the lines of a list file that may name a domain, for the progress bar's total.
fn count_entries(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line.ok()?;
        let t = line.trim_ascii();
        if !t.is_empty() && !t.starts_with(b"#") {
            n += 1;
        }
    }
    Some(n)
}

pub fn run(args: CrawlArgs) -> Result<ExitCode> {
    let today = disclose::crawl::domain::now().to_string()[..10].to_owned();
    let (input, total, stem): (Box<dyn Read + Send>, Option<u64>, String) = if args.list == "-" {
        (Box::new(std::io::stdin()), None, "stdin".into())
    } else {
        let path = Path::new(&args.list);
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open the list `{}`", args.list))?;
        let stem = path
            .file_stem()
            .map_or("list".into(), |s| s.to_string_lossy().into_owned());
        (Box::new(file), count_entries(path), stem)
    };
    let format = match args.input_format {
        FormatArg::Auto => InputFormat::Auto,
        FormatArg::Lines => InputFormat::Lines,
        FormatArg::Csv => InputFormat::Csv,
    };
    let targets = TargetReader::with_column(input, format, args.domain_column.clone())
        .with_context(|| format!("cannot read the list `{}`", args.list))?;
    let run_name = args
        .run
        .clone()
        .unwrap_or_else(|| format!("{stem}-{today}"));
    let store = Store::open(&args.db)?;
    let arguments = std::env::args().collect::<Vec<_>>().join(" ");
    let (run, resumed) = store.begin_run(&run_name, &arguments, disclose::crawl::domain::now())?;
    if resumed {
        eprintln!(
            "disclose: resuming run `{run_name}` ({} domains recorded so far)",
            store.count(run.id)?
        );
    }
    let rt = super::runtime()?;
    let summary = rt.block_on(async {
        let crawler = Arc::new(args.net.settings()?.build()?);
        let (stop_tx, stop) = tokio::sync::watch::channel(Stop::Running);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(Stop::Finish);
                if tokio::signal::ctrl_c().await.is_ok() {
                    let _ = stop_tx.send(Stop::Abandon);
                }
            }
        });
        let config = RunConfig {
            concurrency: args.concurrency,
            progress: !args.no_progress,
        };
        crawl::crawl_list(crawler, targets, total, &store, &run, &config, stop).await
    })?;
    print!("{summary}");
    println!(
        "records: run `{run_name}` in {} ({} in all)",
        args.db.display(),
        store.count(run.id)?
    );
    Ok(if summary.interrupted {
        eprintln!("disclose: interrupted; run the same command again to resume");
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
