//! `disclose report`: the adoption report of a run, as Markdown, JSON or a self-contained HTML
//! page, read from the store only.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::format::Timestamp;
use disclose::report::{self, ReportOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Readable tables.
    Md,
    /// Every figure, for further analysis (docs/schemas/report.schema.json).
    Json,
    /// One self-contained page with charts: no external script, font or style.
    Html,
}

#[derive(Args)]
pub struct ReportArgs {
    /// The database to read (as `crawl` wrote it).
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "DISCLOSE_DB",
        default_value = "disclose.db",
        value_parser = disclose::store::location::parse_store_location
    )]
    db: disclose::store::location::StoreLocation,

    /// The run to report on. Default: the latest.
    #[arg(long, value_name = "NAME")]
    run: Option<String>,

    /// Other runs for the trend (key rates per run and churn between consecutive runs).
    /// Repeat, or give several.
    #[arg(long, value_name = "RUN", num_args = 1..)]
    compare: Vec<String>,

    /// Break the key rates down by this column of the crawled list (e.g. `sector`).
    #[arg(long, value_name = "TAG")]
    group_by: Option<String>,

    /// Withhold a group's rates when it has fewer domains than this.
    #[arg(long, value_name = "N", default_value_t = 10)]
    min_group: u64,

    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "md")]
    format: FormatArg,

    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Judge expiry as if it were this time (RFC 3339). Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = super::parse_now)]
    now: Option<Timestamp>,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    if args.min_group == 0 {
        bail!("--min-group must be at least 1");
    }
    let store = super::directory::open_read_store(&args.db)?;
    let run = match args.run {
        Some(name) => name,
        None => match store.runs()?.pop() {
            Some(run) => run.name,
            None => bail!("`{}` holds no run yet: crawl a list first", args.db),
        },
    };
    let options = ReportOptions {
        run,
        compare: args.compare,
        group_by: args.group_by.map(|t| t.to_ascii_lowercase()),
        min_group: args.min_group,
        now: args.now.unwrap_or_else(disclose::crawl::domain::now),
    };
    let built = report::build(&*store, &options)?;
    let text = match args.format {
        FormatArg::Md => report::markdown::render(&built),
        FormatArg::Json => serde_json::to_string_pretty(&built)? + "\n",
        FormatArg::Html => report::html::render(&built)?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            disclose::crawl::progress::say(&format!(
                "wrote the report of run `{}` to {}",
                disclose::escape::for_terminal(&options.run),
                path.display()
            ));
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
