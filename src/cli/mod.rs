//! The command line: one file per subcommand, each holding its flags (clap derive), their
//! validation and its printing; `net` holds the network flags that `check`, `crawl` and
//! `lookup --crawl-missing` share, `output` what every printing command shares.

mod certs;
mod check;
mod crawl;
mod crawl_shared;
mod diff;
mod directory;
mod explain;
mod export;
mod lab;
mod logging;
mod lookup;
mod net;
mod output;
mod report;
mod runs;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Finds who to tell: crawls, validates and verifies security.txt files (RFC 9116).
#[derive(Parser)]
#[command(name = "disclose", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    verbosity: logging::Verbosity,
}

#[derive(Subcommand)]
enum Command {
    /// Check security.txt files, domains or URLs: every finding with its line, rule and fix.
    Check(check::CheckArgs),
    /// Crawl a list of domains into the store: resolve, fetch, validate, record.
    Crawl(crawl::CrawlArgs),
    /// Whom to warn for each item of a threat feed: hosts, URLs, e-mail or IP addresses.
    Lookup(lookup::LookupArgs),
    /// Write the directory as CSV, JSON, JSON Lines, IntelMQ events or the disclose.io list.
    Export(export::ExportArgs),
    /// The runs in a store, with what each holds.
    Runs(runs::RunsArgs),
    /// The certificate inventory: who presents a certificate from a CA, and whom to tell there.
    Certs(certs::CertsArgs),
    /// What changed for each domain between two runs: files, contacts, validity, expiry,
    /// signatures, certificates, outcomes.
    Diff(diff::DiffArgs),
    /// The adoption report of a run: funnel, conformance, signatures, contacts, groups, trend.
    Report(report::ReportArgs),
    /// Explain a diagnostic code, or list them all.
    Explain(explain::ExplainArgs),
    /// A simulated internet on 127.0.0.0/8 to try the crawler on, offline.
    #[command(subcommand)]
    Lab(lab::LabCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.verbosity.install();
    VERBOSITY.set(cli.verbosity).ok();
    if matches!(
        cli.command,
        Command::Lookup(_)
            | Command::Export(_)
            | Command::Report(_)
            | Command::Diff(_)
            | Command::Certs(_)
    ) {
        crate::alloc::keep_freed_memory();
    }
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Crawl(args) => crawl::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Export(args) => export::run(args),
        Command::Runs(args) => runs::run(args),
        Command::Report(args) => report::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Certs(args) => certs::run(args),
        Command::Explain(args) => Ok(explain::run(args)),
        Command::Lab(command) => lab::run(command),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`disclose export … | head`): nothing more to say to anyone.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            disclose::crawl::progress::say_error(&format!("disclose: {e:#}"));
            ExitCode::from(2)
        }
    }
}

/// The `-v`/`-q` of this invocation, for commands that draw progress.
static VERBOSITY: std::sync::OnceLock<logging::Verbosity> = std::sync::OnceLock::new();

/// Whether a progress bar may be drawn (not with `-q`, `-v` or `RUST_LOG`).
fn progress_allowed() -> bool {
    VERBOSITY.get().copied().unwrap_or_default().progress()
}

/// The async runtime the network commands run on.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A crawl's stop signal, driven by Ctrl-C: the first sends `first`; after `Stop::Finish` (let
/// what is in flight end), a second sends `Stop::Abandon`. Call it inside the runtime.
fn stop_on_ctrl_c(
    first: disclose::crawl::Stop,
) -> tokio::sync::watch::Receiver<disclose::crawl::Stop> {
    use disclose::crawl::Stop;
    let (stop_tx, stop) = tokio::sync::watch::channel(Stop::Running);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(first);
            if first == Stop::Finish && tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(Stop::Abandon);
            }
        }
    });
    stop
}

/// `--now`: an RFC 3339 date-time.
fn parse_now(value: &str) -> Result<disclose::format::Timestamp, String> {
    disclose::format::Timestamp::parse_rfc3339(value).map_err(|e| e.to_string())
}

/// True when writing failed because the other end of a pipe was closed. A database's socket
/// broken under a PostgreSQL client is an error like any other, not a reader gone away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let database = e
        .chain()
        .any(|cause| cause.downcast_ref::<postgres::Error>().is_some());
    !database
        && e.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
}
