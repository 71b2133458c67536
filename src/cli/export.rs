//! `disclose export`: the directory written for a pipeline or a spreadsheet, streamed from the
//! store.

use super::directory::DirectoryArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::directory::Entry;
use disclose::directory::export::{self, ExportFormat, ExportOptions, intelmq};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// One row per domain and contact, every cell safe to open in a spreadsheet.
    Csv,
    /// A JSON array of entries (docs/schemas/entry.schema.json).
    Json,
    /// One entry per line.
    Jsonl,
    /// IntelMQ events, one per line, for its file collector and JSON parser.
    Intelmq,
    /// The disclose.io program list, as `diosts` writes it.
    DiscloseIo,
}

impl From<FormatArg> for ExportFormat {
    fn from(f: FormatArg) -> ExportFormat {
        match f {
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Json => ExportFormat::Json,
            FormatArg::Jsonl => ExportFormat::Jsonl,
            FormatArg::Intelmq => ExportFormat::Intelmq,
            FormatArg::DiscloseIo => ExportFormat::DiscloseIo,
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_enum)]
    format: FormatArg,

    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// CSV as Excel opens it on a double-click in Dutch and German locales: `;` between
    /// cells and a byte-order mark.
    #[arg(long)]
    excel: bool,

    /// Also the domains crawled without a file (csv, json, jsonl), with the outcome that says
    /// why.
    #[arg(long)]
    include_missing: bool,

    /// IntelMQ's `feed.name`.
    #[arg(long, value_name = "TEXT", default_value = intelmq::DEFAULT_FEED_NAME)]
    feed_name: String,

    /// IntelMQ's `feed.provider` (your organisation).
    #[arg(long, value_name = "TEXT", default_value = intelmq::DEFAULT_FEED_PROVIDER)]
    feed_provider: String,

    /// Leave IntelMQ's `source.url` out (for pipelines that treat it as an indicator); the
    /// file's URL stays in `extra.securitytxt_url`.
    #[arg(long)]
    no_source_url: bool,

    #[command(flatten)]
    directory: DirectoryArgs,
}

pub fn run(args: ExportArgs) -> Result<ExitCode> {
    let format = ExportFormat::from(args.format);
    if args.excel && format != ExportFormat::Csv {
        bail!("--excel is for --format csv");
    }
    if args.include_missing && matches!(format, ExportFormat::Intelmq | ExportFormat::DiscloseIo) {
        bail!("--include-missing is for csv, json and jsonl: the other formats hold contacts only");
    }
    if let Some(path) = &args.output
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!(
            "cannot write `{}`: there is no directory `{}`",
            path.display(),
            dir.display()
        );
    }
    let reading = args.directory.open()?;
    let options = ExportOptions {
        tag_columns: reading.store.tag_names(reading.scope)?,
        excel: args.excel,
        feed_name: args.feed_name.clone(),
        feed_provider: args.feed_provider.clone(),
        source_url: !args.no_source_url,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::with_capacity(
            super::output::OUTPUT_BUFFER,
            std::fs::File::create(path)
                .with_context(|| format!("cannot create `{}`", path.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(
            super::output::OUTPUT_BUFFER,
            std::io::stdout().lock(),
        )),
    };
    let mut exporter = export::exporter(format, &options);
    exporter.begin(&mut out)?;
    let (mut read, mut written) = (0u64, 0u64);
    let found_only = !args.include_missing;
    reading
        .store
        .each_entry(reading.scope, found_only, &mut |stored| {
            read += 1;
            let entry = Entry::from_stored(stored, reading.now);
            // Domains without a file come only with --include-missing (the query leaves them out
            // otherwise), and only when no confidence or validity is asked for.
            if reading.filter.admits(&entry) {
                written += 1;
                exporter.entry(&mut out, &entry)?;
            }
            Ok(true)
        })?;
    exporter.finish(&mut out)?;
    out.flush()?;
    if let Some(path) = &args.output {
        disclose::crawl::progress::say(&format!(
            "exported {written} of {read} domains to {}",
            path.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
