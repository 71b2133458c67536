//! `disclose diff RUN_A RUN_B`: what changed for each domain between two runs, a summary with
//! counts first, then one row per change (table, CSV, JSON or JSON Lines).

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use disclose::diff::{self, Change, DiffOptions, KINDS};
use disclose::directory::export::csv::Rows;
use disclose::escape::for_terminal;
use disclose::format::Timestamp;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// The summary, then one line per change.
    Table,
    /// One row per change, every cell safe to open in a spreadsheet.
    Csv,
    /// The summary and every change, as one JSON object.
    Json,
    /// One change per line.
    Jsonl,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier run.
    #[arg(value_name = "RUN_A")]
    before: String,

    /// The later run.
    #[arg(value_name = "RUN_B")]
    after: String,

    /// The database to read (as `crawl` wrote it).
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "DISCLOSE_DB",
        default_value = "disclose.db",
        value_parser = disclose::store::location::parse_store_location
    )]
    db: disclose::store::location::StoreLocation,

    /// Say which files of RUN_B expire within this many days of --now.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    within: u32,

    /// Only these kinds of change (repeat, or separate with commas): file_appeared,
    /// file_disappeared, file_changed, contacts_changed, became_valid, became_invalid,
    /// errors_changed, became_expired, expires_soon, signature_changed, issuer_changed,
    /// outcome_changed.
    #[arg(long, value_name = "KIND", value_delimiter = ',', value_parser = parse_kind)]
    only: Vec<&'static str>,

    /// The format to write.
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    format: FormatArg,

    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Judge expiry as if it were this time (RFC 3339). Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = super::parse_now)]
    now: Option<Timestamp>,
}

fn parse_kind(value: &str) -> Result<&'static str, String> {
    KINDS
        .iter()
        .find(|k| **k == value.trim())
        .copied()
        .ok_or_else(|| format!("expected one of {}", KINDS.join(", ")))
}

#[derive(serde::Serialize)]
struct JsonDiff<'a> {
    before: &'a str,
    after: &'a str,
    domains_in_both: u64,
    only_in_before: u64,
    only_in_after: u64,
    domains_changed: u64,
    counts: &'a BTreeMap<&'static str, u64>,
    changes: &'a [Change],
}

pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let store = super::directory::open_read_store(&args.db)?;
    let find = |name: &str| -> Result<i64> {
        match store.run(name)? {
            Some(run) => Ok(run.id),
            None => bail!(
                "there is no run `{}` in `{}` (disclose runs lists them)",
                for_terminal(name),
                args.db
            ),
        }
    };
    let (before, after) = (find(&args.before)?, find(&args.after)?);
    let options = DiffOptions {
        now: args.now.unwrap_or_else(disclose::crawl::domain::now),
        within_days: i64::from(args.within),
    };
    let overlap = store.overlap(before, after)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create `{}`", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut changed_domains = 0u64;
    let mut kept: Vec<Change> = Vec::new();
    let mut rows = Rows::new(false);
    if args.format == FormatArg::Csv {
        rows.row(&["domain", "change", "before", "after", "detail"])?;
        rows.flush_to(&mut out)?;
    }
    let streaming = matches!(args.format, FormatArg::Csv | FormatArg::Jsonl);
    store.each_pair(before, after, &mut |domain, a, b| {
        let changes: Vec<Change> = diff::compare(&domain, &a, &b, &options)
            .into_iter()
            .filter(|c| args.only.is_empty() || args.only.contains(&c.kind))
            .collect();
        if !changes.is_empty() {
            changed_domains += 1;
        }
        for change in changes {
            *counts.entry(change.kind).or_default() += 1;
            match args.format {
                FormatArg::Csv => {
                    rows.row(&[
                        change.domain.as_str(),
                        change.kind,
                        &change.before,
                        &change.after,
                        &change.detail,
                    ])?;
                    rows.flush_to(&mut out)?;
                }
                FormatArg::Jsonl => {
                    serde_json::to_writer(&mut out, &change)?;
                    out.write_all(b"\n")?;
                }
                _ => kept.push(change),
            }
        }
        Ok(())
    })?;
    let summary = format!(
        "{} → {}: {} domains in both ({} only in {}, {} only in {}); {} changed",
        for_terminal(&args.before),
        for_terminal(&args.after),
        overlap.in_both,
        overlap.only_before,
        for_terminal(&args.before),
        overlap.only_after,
        for_terminal(&args.after),
        changed_domains
    );
    match args.format {
        FormatArg::Table => {
            writeln!(out, "{summary}")?;
            for kind in KINDS {
                if let Some(n) = counts.get(kind) {
                    writeln!(out, "  {kind:<18} {n:>8}")?;
                }
            }
            if !kept.is_empty() {
                writeln!(out)?;
            }
            for c in &kept {
                // A file's hash, shortened as git shortens commits; CSV and JSON keep it whole.
                let shown = |v: &str| -> String {
                    match v {
                        "" => "–".into(),
                        v if c.kind == "file_changed" => v.chars().take(12).collect(),
                        v => v.to_owned(),
                    }
                };
                let mut line = format!(
                    "{}  {}  {} → {}",
                    c.domain,
                    c.kind,
                    shown(&c.before),
                    shown(&c.after)
                );
                if !c.detail.is_empty() {
                    line.push_str(&format!("  ({})", c.detail));
                }
                writeln!(out, "{}", for_terminal(&line))?;
            }
        }
        FormatArg::Json => {
            let json = JsonDiff {
                before: &args.before,
                after: &args.after,
                domains_in_both: overlap.in_both,
                only_in_before: overlap.only_before,
                only_in_after: overlap.only_after,
                domains_changed: changed_domains,
                counts: &counts,
                changes: &kept,
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            out.write_all(b"\n")?;
        }
        FormatArg::Csv | FormatArg::Jsonl => {}
    }
    out.flush()?;
    if streaming || args.output.is_some() {
        // The rows went to a program or a file; the summary goes to the person.
        disclose::crawl::progress::say(&summary);
    }
    Ok(ExitCode::SUCCESS)
}
