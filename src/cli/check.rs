//! `disclose check TARGET…`: security.txt files checked locally, or domains and URLs fetched
//! through the crawl pipeline, with every finding shown for people or as JSON.

use super::net::NetArgs;
use super::output::ColorChoice;
use anyhow::Result;
use clap::Args;
use disclose::check::{JsonReport, write_human, write_record_human};
use disclose::format::{self, Context as CheckContext, Timestamp};
use disclose::signature::{
    self,
    keys::{KeyFinder, Keyring},
};
use disclose::target::Target;
use std::io::{Read, Write};
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// Files to check (`-` reads standard input), or domains and URLs to fetch the file of
    /// (a URL is reduced to its host, whose two standard locations are tried).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,

    /// Print one JSON object per target (JSON Lines): a file's findings, or a domain's Record.
    #[arg(long)]
    json: bool,

    /// Check local files as if the time were this RFC 3339 date-time, e.g.
    /// 2026-01-01T00:00:00Z, for reproducible results. Default: the current time.
    #[arg(long, value_name = "RFC3339", value_parser = super::parse_now)]
    now: Option<Timestamp>,

    /// The URL a local file is (or will be) served from; Canonical is checked against it.
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// When to colour the human output.
    #[arg(long, value_name = "WHEN", value_enum, default_value = "auto")]
    color: ColorChoice,

    #[command(flatten)]
    net: NetArgs,
}

/// A `check` argument: a file to read, or a host to fetch from.
enum CheckTarget {
    File(Vec<u8>),
    Network(Target),
}

fn resolve_target(value: &str) -> Result<CheckTarget, String> {
    if value == "-" {
        let mut buf = Vec::new();
        return std::io::stdin()
            .read_to_end(&mut buf)
            .map(|_| CheckTarget::File(buf))
            .map_err(|e| format!("cannot read standard input: {e}"));
    }
    let shown = disclose::escape::for_terminal(value);
    match std::fs::read(value) {
        Ok(bytes) => Ok(CheckTarget::File(bytes)),
        // A missing name without a path separator, or anything URL-shaped, is a network target.
        Err(e)
            if value.contains("://")
                || (e.kind() == std::io::ErrorKind::NotFound && !value.contains(['/', '\\'])) =>
        {
            Target::from_value(value)
                .map(CheckTarget::Network)
                .map_err(|why| format!("`{shown}` is neither a file nor a domain ({why})"))
        }
        Err(e) => Err(format!("cannot read `{shown}`: {e}")),
    }
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let now = args.now.unwrap_or_else(disclose::crawl::domain::now);
    let mut ctx = CheckContext::at(now);
    ctx.requested_url = args.url.clone();
    let styles = args.color.styles();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut valid, mut invalid, mut failed) = (0, 0, 0);
    let keyring = match &args.net.keyring {
        Some(path) => KeyFinder::new(vec![Box::new(Keyring::open(path)?)]),
        None => KeyFinder::default(),
    };
    let mut crawler = None;
    let mut rt = None;
    for value in &args.targets {
        let ok = match resolve_target(value) {
            Err(message) => {
                eprintln!("disclose: {message}");
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
                    now,
                ))
                .expect("keyring lookups do not wait");
                checked.report.add(verification.diagnostics);
                if args.json {
                    let report = JsonReport::new(value, &checked, &verification.verdict);
                    serde_json::to_writer(&mut out, &report)?;
                    writeln!(out)?;
                } else {
                    write_human(&mut out, value, &checked, &verification.verdict, styles)?;
                }
                checked.report.is_valid()
            }
            Ok(CheckTarget::Network(target)) => {
                let rt = match &rt {
                    Some(rt) => rt,
                    None => rt.insert(super::runtime()?),
                };
                let crawler = match &crawler {
                    Some(c) => c,
                    None => {
                        let _guard = rt.enter();
                        crawler.insert(args.net.settings()?.build()?)
                    }
                };
                let record = rt.block_on(crawler.crawl(&target));
                if args.json {
                    serde_json::to_writer(&mut out, &disclose::check::record_json(&record))?;
                    writeln!(out)?;
                } else {
                    write_record_human(&mut out, &record, styles)?;
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
