//! `disclose crawl --db postgres://…`: a run shared by several machines. With a LIST, the list
//! is loaded into the run's queue (streamed, bad lines and duplicates reported with their line
//! numbers) and this machine starts crawling; without one, it joins the run. Each worker takes
//! its share (`--workers N`) of the politeness limits, claims domains from the queue, and ends
//! when the queue is done; the last one marks the run finished.

use super::crawl::{CrawlArgs, open_list, print_report, report};
use anyhow::{Context, Result, bail};
use disclose::crawl::progress::say;
use disclose::crawl::{self, QueueWorker, RunConfig, Stop};
use disclose::store::location::PostgresLocation;
use disclose::store::postgres::PgStore;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How long a worker waits for the database at start (with backoff, saying so) before it gives
/// up: long enough for a database restart.
const PATIENCE: Duration = Duration::from_secs(300);

/// Domains loaded into the queue per transaction.
const LOAD_CHUNK: usize = 5_000;

/// How this process works as one of a shared run's workers.
pub(super) struct Worker<'a> {
    pub location: &'a PostgresLocation,
    pub concurrency: usize,
    pub progress: bool,
    pub lease: Duration,
}

/// Works as one of `run`'s workers until its queue is done (or Ctrl-C): registers, claims and
/// crawls, gives back what it still holds, and finishes the run when nothing is left. Returns
/// what this worker did, the queue at the end and the run's outcome counts. Called outside the
/// runtime (`rt`), which it enters for the crawl only.
pub(super) fn work(
    rt: &tokio::runtime::Runtime,
    crawler: Arc<disclose::crawl::domain::DomainCrawler>,
    store: &PgStore,
    run: &disclose::store::Run,
    queue_at_start: disclose::store::postgres::queue::QueueProgress,
    how: &Worker<'_>,
) -> Result<(
    disclose::crawl::Summary,
    disclose::store::postgres::queue::QueueProgress,
    std::collections::BTreeMap<String, u64>,
)> {
    let location = how.location;
    let worker = store.register_worker(run.id)?;
    let queue_worker = QueueWorker {
        claims: PgStore::open(location, PATIENCE)?,
        heartbeats: PgStore::open(location, PATIENCE)?,
        writes: PgStore::open(location, PATIENCE)?,
        worker,
        batch: (how.concurrency / 4).clamp(8, 1024),
        lease: how.lease,
        queue_at_start,
    };
    let crawled = rt.block_on(async {
        let stop = super::stop_on_ctrl_c(Stop::Finish);
        let config = RunConfig {
            concurrency: how.concurrency,
            progress: how.progress,
        };
        crawl::crawl_queue(crawler, queue_worker, run, &config, stop).await
    });
    // Whatever happened, the domains this worker still holds go back to the queue at once (the
    // database may have restarted meanwhile: this connection is then made again).
    let released = store.with_retries("give this worker's domains back", PATIENCE, |s| {
        s.release(worker)
    });
    let summary = crawled?;
    released?;
    let interrupted = summary.interrupted;
    let (queue, totals) = store.with_retries("read the run's progress", PATIENCE, |s| {
        let queue = s.queue_progress(run.id)?;
        if queue.queued == 0 && queue.in_flight == 0 && !interrupted {
            s.finish_run(run.id, disclose::crawl::domain::now())?;
        }
        Ok((queue, s.outcomes(run.id)?))
    })?;
    Ok((summary, queue, totals))
}

pub fn run(args: &CrawlArgs, location: &PostgresLocation) -> Result<ExitCode> {
    let Some(name) = args.run.clone() else {
        bail!(
            "a run shared through PostgreSQL needs its name: --run NAME, the same on every machine"
        );
    };
    let mut settings = args.net.settings()?;
    let share = args.workers as f64;
    let divide = |n: usize| -> usize { (n / args.workers as usize).max(1) };
    settings.politeness.per_ip_rate /= share;
    settings.politeness.per_ip_concurrency = divide(settings.politeness.per_ip_concurrency);
    settings.politeness.per_site_concurrency = divide(settings.politeness.per_site_concurrency);
    let list = args
        .list
        .as_deref()
        .map(|list| open_list(args, list))
        .transpose()?;
    let rt = super::runtime()?;
    let crawler = {
        let _guard = rt.enter();
        Arc::new(settings.build()?)
    };
    rt.block_on(crawler.fetcher.dns.check_transport())?;

    let store = PgStore::open(location, PATIENCE)?;
    let arguments =
        disclose::store::location::redact_arguments(&std::env::args().collect::<Vec<_>>());
    let existing = store.run(&name)?;
    if existing.is_none() && args.retry_failed {
        bail!(
            "there is no run `{}` to retry: --retry-failed crawls again the failed domains of a run",
            disclose::escape::for_terminal(&name)
        );
    }
    if list.is_none() && existing.is_none() {
        bail!(
            "there is no run `{}` in `{location}` to join: start it on one machine with its list (`disclose crawl LIST --db … --run {}`)",
            disclose::escape::for_terminal(&name),
            disclose::escape::for_terminal(&name)
        );
    }
    let (run, _) = store.begin_run(&name, &arguments, disclose::crawl::domain::now())?;
    if args.retry_failed {
        // Put back once, by this worker; the others join as usual (without the flag).
        let again = store.forget_for_retry(run.id, disclose::record::Outcome::retry_later)?;
        say(&format!(
            "disclose: run `{}`: crawling again {again} domains whose failure may not happen again",
            disclose::escape::for_terminal(&name)
        ));
    }
    let mut input_errors = 0u64;
    let mut duplicates = 0u64;
    if let Some(list) = list {
        store.set_loading(run.id, true)?;
        let mut chunk = Vec::with_capacity(LOAD_CHUNK);
        let mut load = |chunk: &mut Vec<disclose::target::Target>| -> Result<()> {
            let enqueued = store.enqueue(run.id, chunk)?;
            for (line, domain, earlier) in enqueued.duplicates {
                duplicates += 1;
                say(&format!(
                    "input: line {line}: `{domain}` is a duplicate of line {earlier}; skipped"
                ));
            }
            chunk.clear();
            Ok(())
        };
        for item in list.targets {
            match item.context("cannot read the list")? {
                Ok(target) => chunk.push(target),
                Err(bad) => {
                    input_errors += 1;
                    say(&format!("input: {bad}"));
                }
            }
            if chunk.len() >= LOAD_CHUNK {
                load(&mut chunk)?;
            }
        }
        load(&mut chunk)?;
        store.set_loading(run.id, false)?;
        if store.queue_progress(run.id)?.total() == 0 {
            store.delete_empty_run(run.id)?;
            bail!(
                "no usable domain in the list ({input_errors} lines rejected, each reported above); nothing was crawled"
            );
        }
    }
    let mut queue = store.queue_progress(run.id)?;
    let mut told = false;
    while queue.total() == 0 && queue.loading {
        // Joined before the first domains were queued: the starting machine is loading.
        if !told {
            say(&format!(
                "disclose: waiting for the list of run `{}` to be loaded by the machine that started it",
                disclose::escape::for_terminal(&name)
            ));
            told = true;
        }
        std::thread::sleep(Duration::from_millis(500));
        queue = store.queue_progress(run.id)?;
    }
    if queue.total() == 0 {
        bail!(
            "run `{}` has nothing queued: start it with its list (`disclose crawl LIST --db … --run {}`)",
            disclose::escape::for_terminal(&name),
            disclose::escape::for_terminal(&name)
        );
    }
    let worked = work(
        &rt,
        crawler,
        &store,
        &run,
        queue,
        &Worker {
            location,
            concurrency: args.concurrency as usize,
            progress: !args.no_progress && super::progress_allowed(),
            lease: Duration::from_secs(args.lease),
        },
    )?;
    let (mut summary, queue, totals) = worked;
    summary.input_errors += input_errors;
    summary.duplicates += duplicates;
    let mut text = report(&summary, &run.name, location, &totals);
    text.push_str(&format!(
        "queue: {} queued, {} in flight, {} done\n",
        queue.queued, queue.in_flight, queue.done
    ));
    Ok(print_report(
        &text,
        summary
            .interrupted
            .then_some("disclose: interrupted; this worker's domains went back to the queue"),
    ))
}
