//! `disclose runs`: the runs in a store, with what each holds.

use anyhow::Result;
use clap::Args;
use disclose::store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RunsArgs {
    /// The database to read.
    #[arg(
        long,
        value_name = "PATH",
        env = "DISCLOSE_DB",
        default_value = "disclose.db"
    )]
    db: PathBuf,

    /// One JSON object per run instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: RunsArgs) -> Result<ExitCode> {
    let store = Store::open_existing(&args.db)?;
    let summaries = store.run_summaries()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for s in &summaries {
            let value = serde_json::json!({
                "name": s.run.name,
                "started": s.run.started,
                "finished": s.run.finished,
                "domains": s.domains,
                "found": s.found,
                "version": s.run.version,
                "arguments": s.run.arguments,
            });
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if summaries.is_empty() {
        writeln!(out, "no runs in {}", args.db.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    let name_width = summaries
        .iter()
        .map(|s| s.run.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    writeln!(
        out,
        "{:<name_width$}  {:<20}  {:<20}  {:>9}  {:>9}",
        "run", "started", "finished", "domains", "found"
    )?;
    for s in &summaries {
        writeln!(
            out,
            "{:<name_width$}  {:<20}  {:<20}  {:>9}  {:>9}",
            disclose::escape::for_terminal(&s.run.name),
            s.run.started,
            s.run.finished.as_deref().unwrap_or("(not finished)"),
            s.domains,
            s.found
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
