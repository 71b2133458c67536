//! `disclose runs`: the runs in a store, with what each holds; on a PostgreSQL store, also each
//! run's queue (queued, in flight, done across all workers) and its workers with their rates.

use anyhow::Result;
use clap::Args;
use disclose::store::location::StoreLocation;
use disclose::store::postgres::PgStore;
use disclose::store::postgres::queue::{QueueProgress, WorkerRow};
use disclose::store::read::ReadStore;
use disclose::store::{RunSummary, Store};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct RunsArgs {
    /// The database to read: a file, or a postgres:// URL.
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "DISCLOSE_DB",
        default_value = "disclose.db",
        value_parser = disclose::store::location::parse_store_location
    )]
    db: StoreLocation,

    /// One JSON object per run instead of a table.
    #[arg(long)]
    json: bool,
}

/// A run with, on PostgreSQL, its queue and workers.
struct RunRow {
    summary: RunSummary,
    queue: Option<QueueProgress>,
    workers: Vec<WorkerRow>,
}

/// How long `runs` waits for a PostgreSQL server that does not answer.
const PATIENCE: Duration = Duration::from_secs(10);

fn read_runs(db: &StoreLocation) -> Result<Vec<RunRow>> {
    Ok(match db {
        StoreLocation::Sqlite(path) => Store::open_existing(path)?
            .run_summaries()?
            .into_iter()
            .map(|summary| RunRow {
                summary,
                queue: None,
                workers: Vec::new(),
            })
            .collect(),
        StoreLocation::Postgres(location) => {
            let store = PgStore::open_existing(location, PATIENCE)?;
            let mut rows = Vec::new();
            for summary in store.run_summaries()? {
                let queue = store.queue_progress(summary.run.id)?;
                rows.push(RunRow {
                    queue: (queue.total() > 0).then_some(queue),
                    workers: store.workers(summary.run.id)?,
                    summary,
                });
            }
            rows
        }
    })
}

/// A worker's Records per second over the time it ran.
fn rate(w: &WorkerRow) -> f64 {
    let ran = if w.stopped {
        w.age - w.silent_for
    } else {
        w.age
    };
    if ran > 0.0 {
        w.written as f64 / ran
    } else {
        0.0
    }
}

pub fn run(args: RunsArgs) -> Result<ExitCode> {
    let rows = read_runs(&args.db)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for row in &rows {
            let s = &row.summary;
            let mut value = serde_json::json!({
                "name": s.run.name,
                "started": s.run.started,
                "finished": s.run.finished,
                "domains": s.domains,
                "found": s.found,
                "version": s.run.version,
                "arguments": s.run.arguments,
            });
            if let Some(q) = row.queue {
                value["queue"] = serde_json::json!({
                    "queued": q.queued, "in_flight": q.in_flight, "done": q.done,
                });
                value["workers"] = row
                    .workers
                    .iter()
                    .map(|w| {
                        serde_json::json!({
                            "host": w.host, "pid": w.pid, "written": w.written,
                            "records_per_second": (rate(w) * 10.0).round() / 10.0,
                            "seconds_since_heartbeat": w.silent_for.round(),
                            "stopped": w.stopped,
                        })
                    })
                    .collect();
            }
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(out, "no runs in {}", args.db)?;
        return Ok(ExitCode::SUCCESS);
    }
    let queued = rows.iter().any(|r| r.queue.is_some());
    let name_width = rows
        .iter()
        .map(|r| r.summary.run.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    write!(
        out,
        "{:<name_width$}  {:<20}  {:<20}  {:>9}  {:>9}",
        "run", "started", "finished", "domains", "found"
    )?;
    if queued {
        write!(out, "  {:>9}  {:>9}", "queued", "in flight")?;
    }
    writeln!(out)?;
    for row in &rows {
        let s = &row.summary;
        write!(
            out,
            "{:<name_width$}  {:<20}  {:<20}  {:>9}  {:>9}",
            disclose::escape::for_terminal(&s.run.name),
            s.run.started,
            s.run.finished.as_deref().unwrap_or("(not finished)"),
            s.domains,
            s.found
        )?;
        if let Some(q) = row.queue {
            write!(out, "  {:>9}  {:>9}", q.queued, q.in_flight)?;
        }
        writeln!(out)?;
        for w in &row.workers {
            let state = if w.stopped {
                "stopped".to_owned()
            } else {
                format!("last heard {:.0} s ago", w.silent_for)
            };
            writeln!(
                out,
                "  worker {}:{}  {} Records, {:.1}/s, {state}",
                disclose::escape::for_terminal(&w.host),
                w.pid,
                w.written,
                rate(w)
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
