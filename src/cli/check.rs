//! `disclose check TARGET…`: security.txt files checked locally, or domains and URLs fetched
//! through the crawl pipeline, with every finding shown for people or as JSON. Domains are
//! fetched concurrently and reported in the order they were given.

use super::net::NetArgs;
use super::output::ColorChoice;
use anyhow::Result;
use clap::Args;
use disclose::check::{JsonReport, write_human, write_record_human};
use disclose::crawl::domain::DomainCrawler;
use disclose::format::{self, Context as CheckContext, Timestamp};
use disclose::record::Record;
use disclose::signature::{
    self,
    keys::{KeyFinder, Keyring},
};
use disclose::target::Target;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use url::Url;

#[derive(Args)]
pub struct CheckArgs {
    /// Files to check (`-` reads standard input), domains to fetch the file of (both standard
    /// locations are tried), or URLs (a URL with a path other than the standard ones is fetched
    /// as it is, e.g. a staging copy).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,

    /// Print one JSON object per target (JSON Lines): a file's findings, or a domain's Record.
    #[arg(long)]
    json: bool,

    /// Judge as if the time were this RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z, for
    /// reproducible results (Expires, key life; for domains too). Default: the current time.
    #[arg(long, value_name = "RFC3339", value_parser = super::parse_now)]
    now: Option<Timestamp>,

    /// The https URL a local file is (or will be) served from; Canonical is checked against it.
    #[arg(long, value_name = "URL", value_parser = https_url)]
    url: Option<String>,

    /// When to colour the human output.
    #[arg(long, value_name = "WHEN", value_enum, default_value = "auto")]
    color: ColorChoice,

    #[command(flatten)]
    net: NetArgs,
}

fn https_url(value: &str) -> Result<String, String> {
    match Url::parse(value.trim()) {
        Ok(url) if url.scheme() == "https" && url.host_str().is_some() => Ok(url.to_string()),
        Ok(url) => Err(format!(
            "`{}:` is not https: security.txt is served over https",
            url.scheme()
        )),
        Err(e) => Err(format!(
            "not an absolute URL ({e}), e.g. https://example.org/.well-known/security.txt"
        )),
    }
}

/// A `check` argument: a file to read, a host to fetch from, or a URL to fetch.
enum CheckTarget {
    File(Vec<u8>),
    Domain(Target),
    Url(Target, Url),
}

/// File names end like this; domain names never do (no such top-level domains).
const FILE_ENDINGS: &[&str] = &[".txt", ".asc", ".sig", ".gpg", ".text", ".md"];

fn resolve_target(value: &str) -> Result<CheckTarget, String> {
    if value == "-" {
        let mut buf = Vec::new();
        return std::io::stdin()
            .read_to_end(&mut buf)
            .map(|_| CheckTarget::File(buf))
            .map_err(|e| format!("cannot read standard input: {e}"));
    }
    let shown = disclose::escape::for_terminal(value);
    if value.contains("://") {
        let url = Url::parse(value).map_err(|e| format!("`{shown}` is not a URL: {e}"))?;
        let target = Target::from_value(value)
            .map_err(|why| format!("`{shown}` has no host to check ({why})"))?;
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(format!("`{shown}` is not a web address"));
        }
        let standard = ["", "/", "/.well-known/security.txt", "/security.txt"];
        return Ok(if standard.contains(&url.path()) && url.query().is_none() {
            CheckTarget::Domain(target)
        } else {
            let mut given = url;
            given.set_scheme("https").ok();
            CheckTarget::Url(target, given)
        });
    }
    match std::fs::read(value) {
        Ok(bytes) => Ok(CheckTarget::File(bytes)),
        Err(e) => {
            let lower = value.to_ascii_lowercase();
            let file_like = value.contains(['/', '\\'])
                || FILE_ENDINGS.iter().any(|end| lower.ends_with(end))
                || e.kind() != std::io::ErrorKind::NotFound;
            if file_like {
                return Err(format!("cannot read `{shown}`: {e}"));
            }
            Target::from_value(value)
                .map(CheckTarget::Domain)
                .map_err(|why| format!("`{shown}` is neither a file nor a domain ({why})"))
        }
    }
}

/// How many domains are fetched at once.
const DOMAINS_AT_ONCE: usize = 8;

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let judged_now = args.now.unwrap_or_else(disclose::crawl::domain::now);
    let mut ctx = CheckContext::at(judged_now);
    ctx.requested_url = args.url.clone();
    let styles = args.color.styles();
    let keyring = match &args.net.keyring {
        Some(path) => KeyFinder::new(vec![Box::new(Keyring::open(path)?)]),
        None => KeyFinder::default(),
    };
    // Every argument is read first; the network ones are fetched concurrently while the output
    // goes out in argument order.
    let targets: Vec<Result<CheckTarget, String>> =
        args.targets.iter().map(|v| resolve_target(v)).collect();
    let needs_network = targets
        .iter()
        .any(|t| matches!(t, Ok(CheckTarget::Domain(_) | CheckTarget::Url(..))));
    let rt = super::runtime()?;
    let mut pending: Vec<Option<tokio::task::JoinHandle<Record>>> = Vec::new();
    if needs_network {
        let settings = args.net.settings()?;
        let crawler: Arc<DomainCrawler> = {
            let _guard = rt.enter();
            let mut crawler = settings.build()?;
            crawler.judge_at = args.now;
            Arc::new(crawler)
        };
        rt.block_on(crawler.fetcher.dns.check_transport())?;
        let slots = Arc::new(tokio::sync::Semaphore::new(DOMAINS_AT_ONCE));
        for t in &targets {
            let job = match t {
                Ok(CheckTarget::Domain(target)) => Some((target.clone(), None)),
                Ok(CheckTarget::Url(target, url)) => Some((target.clone(), Some(url.clone()))),
                _ => None,
            };
            pending.push(job.map(|(target, url)| {
                let crawler = crawler.clone();
                let slots = slots.clone();
                rt.spawn(async move {
                    let _slot = slots.acquire_owned().await;
                    match url {
                        Some(url) => crawler.crawl_url(&target, url).await,
                        None => crawler.crawl(&target).await,
                    }
                })
            }));
        }
    } else {
        pending.resize_with(targets.len(), || None);
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut valid, mut invalid, mut failed) = (0, 0, 0);
    for ((value, target), job) in args.targets.iter().zip(targets).zip(pending) {
        let ok = match target {
            Err(message) => {
                disclose::crawl::progress::say(&format!("disclose: {message}"));
                failed += 1;
                continue;
            }
            Ok(CheckTarget::File(bytes)) => {
                let mut checked = format::check(&bytes, &ctx);
                // A local file's signature is checked against the keyring only: no network.
                let verification = futures_util::FutureExt::now_or_never(signature::verify_file(
                    &checked.document,
                    &checked.report.fields,
                    &keyring,
                    args.url.as_deref(),
                    judged_now,
                ))
                .expect("keyring lookups do not wait");
                checked.report.add(verification.diagnostics);
                if args.json {
                    let report = JsonReport::new(value, &checked, &verification.verdict);
                    serde_json::to_writer(&mut out, &report)?;
                    writeln!(out)?;
                } else {
                    write_human(
                        &mut out,
                        value,
                        &checked,
                        &verification.verdict,
                        judged_now,
                        styles,
                    )?;
                }
                checked.report.is_valid()
            }
            Ok(CheckTarget::Domain(_) | CheckTarget::Url(..)) => {
                let job = job.expect("a network target has a job");
                let record = wait_showing(&rt, job, value)?;
                if args.json {
                    serde_json::to_writer(&mut out, &disclose::check::record_json(&record))?;
                    writeln!(out)?;
                } else {
                    let now = args.now.unwrap_or(record.started);
                    write_record_human(&mut out, &record, now, styles)?;
                }
                record.file.as_ref().is_some_and(|f| f.valid)
            }
        };
        if ok {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    if !args.json && args.targets.len() > 1 {
        writeln!(
            out,
            "checked {} targets: {valid} valid, {invalid} invalid or without a file{}",
            valid + invalid,
            if failed > 0 {
                format!(", {failed} unreadable")
            } else {
                String::new()
            }
        )?;
    }
    Ok(match (failed, invalid) {
        (0, 0) => ExitCode::SUCCESS,
        (0, _) => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}

/// Waits for one domain's crawl; on a terminal, a spinner says what is being waited for.
fn wait_showing(
    rt: &tokio::runtime::Runtime,
    job: tokio::task::JoinHandle<Record>,
    value: &str,
) -> Result<Record> {
    let spinner = if super::progress_allowed() && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!(
            "checking {}",
            disclose::escape::for_terminal(value)
        ));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(bar)
    } else {
        None
    };
    let record = rt.block_on(job);
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    Ok(record?)
}
