//! The scheduler: streams targets from the list, crawls them with bounded concurrency, and hands
//! finished Records to the store's writer.
//!
//! Duplicates and resumption are one mechanism: a domain already recorded in this run (or being
//! crawled right now) is not crawled again. When the recorded copy came from the same input line,
//! this is a resumed run and the domain is skipped silently; from another line, it is a duplicate
//! and is reported with both line numbers. The store is the memory of what was done, so memory
//! does not grow with the list; a fixed-size filter in front of it (`seen`) spares the store
//! read for the domains it has certainly never recorded, which are nearly all of them.
//!
//! Stopping: `Stop::Finish` stops taking new domains and lets those in flight finish;
//! `Stop::Abandon` drops them (they are crawled again on resume). Either way, what finished is
//! committed.

pub mod domain;
pub mod progress;
pub mod seen;
pub mod settings;

use crate::store::postgres::PgStore;
use crate::store::{Run, Store, Writer};
use crate::target::{InputError, Target, TargetReader};
use anyhow::{Context, Result, anyhow};
use domain::DomainCrawler;
use futures_util::FutureExt;
use progress::Progress;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

/// A request to stop the crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Running,
    /// Take no new domains; finish those in flight.
    Finish,
    /// Take no new domains; abandon those in flight.
    Abandon,
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Domains in flight at most.
    pub concurrency: usize,
    /// Show a progress bar when standard error is a terminal.
    pub progress: bool,
}

/// What a crawl did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Domains crawled by this invocation.
    pub crawled: u64,
    /// Domains skipped because this run had recorded them before (resumed).
    pub resumed: u64,
    /// Lines naming a domain already seen on another line.
    pub duplicates: u64,
    /// Lines that are not a domain.
    pub input_errors: u64,
    /// Domains skipped because crawling them hit an internal error (a bug: please report).
    pub crashed: u64,
    /// Crawled domains per outcome class.
    pub outcomes: BTreeMap<String, u64>,
    /// The crawl was stopped before the end of the list.
    pub interrupted: bool,
}

impl Summary {
    pub fn found(&self) -> u64 {
        self.outcomes.get("found").copied().unwrap_or(0)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "crawled {} domains: {} with a security.txt file{}",
            self.crawled,
            self.found(),
            if self.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        )?;
        for (class, n) in &self.outcomes {
            writeln!(f, "  {class:<16} {n:>8}")?;
        }
        if self.resumed > 0 {
            writeln!(
                f,
                "skipped {} domains recorded by an earlier attempt of this run",
                self.resumed
            )?;
        }
        if self.duplicates > 0 {
            writeln!(f, "skipped {} duplicate lines", self.duplicates)?;
        }
        if self.input_errors > 0 {
            writeln!(
                f,
                "skipped {} lines that are not domains",
                self.input_errors
            )?;
        }
        Ok(())
    }
}

/// A domain whose crawl panicked.
struct Crashed {
    domain: String,
    line: u64,
    message: String,
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Resolves once the stop signal reaches `wanted` (or beyond); never, if nobody can send it.
async fn stop_reaches(stop: &mut watch::Receiver<Stop>, wanted: Stop) {
    let reached = |s: Stop| match wanted {
        Stop::Running => true,
        Stop::Finish => s != Stop::Running,
        Stop::Abandon => s == Stop::Abandon,
    };
    loop {
        if reached(*stop.borrow_and_update()) {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Crawls every target of `targets` into `run` of `store`.
pub async fn crawl_list(
    crawler: Arc<DomainCrawler>,
    targets: TargetReader,
    total: Option<u64>,
    store: &Store,
    run: &Run,
    config: &RunConfig,
    stop: watch::Receiver<Stop>,
) -> Result<Summary> {
    let progress = Progress::new(total, config.progress);

    // Domains in flight or waiting to be committed, with the line they came from.
    let claimed: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let writer = {
        let claimed = claimed.clone();
        Writer::start(store.path(), run.id, forget_when_committed(claimed))?
    };

    // The list is read on its own thread: file reads block.
    let (tx, rx) = mpsc::channel::<Input>(1024);
    let reader = std::thread::Builder::new()
        .name("disclose-input".into())
        .spawn(move || {
            for item in targets {
                let last = item.is_err();
                if tx.blocking_send(item).is_err() || last {
                    break;
                }
            }
        })
        .context("cannot start the input thread")?;

    // The loop runs as a task on the runtime's workers rather than on the caller's thread: every
    // finished domain wakes it, and a wake within the worker pool costs no thread hand-off
    // (measured: the `block_on` thread paid a futex wake and a context switch per domain). The
    // task reads the store through its own connection, since a connection cannot be shared.
    let lookup = store.reopen()?;
    let schedule = tokio::spawn(schedule(
        crawler,
        rx,
        Box::new(lookup),
        run.id,
        config.concurrency,
        claimed,
        writer.sender(),
        progress,
        stop,
    ));
    let scheduled = schedule.await;
    let _ = reader.join();
    // Whatever ended the crawl, what finished is committed before the error is told.
    let written = writer.finish().context("cannot write the records");
    let (summary, progress) = scheduled.context("the crawl scheduler failed")??;
    progress.finish();
    written?;
    if !summary.interrupted {
        store.finish_run(run.id, domain::now())?;
    }
    Ok(summary)
}

type Input = std::io::Result<Result<Target, InputError>>;

/// The writer's callback: domains committed are no longer in flight.
fn forget_when_committed(
    claimed: Arc<Mutex<HashMap<String, u64>>>,
) -> impl Fn(&[String]) + Send + 'static {
    move |domains| {
        let mut claimed = claimed.lock().unwrap_or_else(|e| e.into_inner());
        for d in domains {
            claimed.remove(d);
        }
    }
}

/// What the scheduler asks the store about the run: which domains it has recorded, and from
/// which line (to tell a resumed domain from a duplicate).
pub trait RecordedDomains: Send {
    fn each_recorded_domain(&self, run: i64, each: &mut dyn FnMut(&str)) -> Result<()>;
    fn recorded_line(&self, run: i64, domain: &str) -> Result<Option<u64>>;
}

impl RecordedDomains for Store {
    fn each_recorded_domain(&self, run: i64, each: &mut dyn FnMut(&str)) -> Result<()> {
        Store::each_recorded_domain(self, run, each)
    }

    fn recorded_line(&self, run: i64, domain: &str) -> Result<Option<u64>> {
        Store::recorded_line(self, run, domain)
    }
}

/// A shared run's queue hands each domain out once and never one already recorded (duplicates
/// were reported when the list was queued), so there is nothing to ask.
struct HandedOutOnce;

impl RecordedDomains for HandedOutOnce {
    fn each_recorded_domain(&self, _: i64, _: &mut dyn FnMut(&str)) -> Result<()> {
        Ok(())
    }

    fn recorded_line(&self, _: i64, _: &str) -> Result<Option<u64>> {
        Ok(None)
    }
}

/// A worker's part in a run shared through PostgreSQL (`crawl_queue`): its connections, opened
/// before the crawl starts (rust-postgres's blocking client must not be called from the crawl's
/// runtime), and how it claims.
pub struct QueueWorker {
    /// Claims domains (on the claiming thread).
    pub claims: PgStore,
    /// Renews the leases and says the worker is alive (on the heartbeat thread).
    pub heartbeats: PgStore,
    /// Writes Records (on the writer thread).
    pub writes: PgStore,
    pub worker: i64,
    /// Domains claimed at a time.
    pub batch: usize,
    /// How long a claim holds without a heartbeat: a worker silent that long is taken as dead.
    pub lease: std::time::Duration,
    /// The run's queue when the worker starts (for the progress bar).
    pub queue_at_start: crate::store::postgres::queue::QueueProgress,
}

/// How long a worker keeps trying a database that does not answer before it gives up (its
/// claims then go back to the queue when their lease ends).
const DATABASE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// Crawls the domains `worker` claims from `run`'s queue until the queue is empty and no other
/// worker holds a domain that could come back (its lease ending), or until stopped.
pub async fn crawl_queue(
    crawler: Arc<DomainCrawler>,
    worker: QueueWorker,
    run: &Run,
    config: &RunConfig,
    stop: watch::Receiver<Stop>,
) -> Result<Summary> {
    let queue = worker.queue_at_start;
    let progress = Progress::shared(queue.total(), queue.done, config.progress);
    let bar = progress.shared_position();
    let claimed: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let QueueWorker {
        claims,
        heartbeats,
        writes,
        worker,
        batch,
        lease,
        queue_at_start: _,
    } = worker;
    let run_id = run.id;
    let held: Held = Arc::default();
    let writer = {
        let forget = forget_when_committed(claimed.clone());
        let held = held.clone();
        Writer::start_with(
            Box::new(move |records: &[crate::record::Record]| {
                writes.with_retries("write Records", DATABASE_PATIENCE, |store| {
                    let n = store.write(run_id, records)?;
                    store.count_written(worker, n)?;
                    Ok(n)
                })
            }),
            move |domains: &[String]| {
                forget(domains);
                let mut held = held.lock().unwrap_or_else(|e| e.into_inner());
                for d in domains {
                    held.remove(d);
                }
            },
        )?
    };
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heartbeat = {
        let stopping = stopping.clone();
        std::thread::Builder::new()
            .name("disclose-heartbeat".into())
            .spawn(move || {
                let every = lease / 3;
                let mut last = std::time::Instant::now();
                let mut shown = std::time::Instant::now();
                let mut counter = RunCounter::default();
                while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    // The bar shows the whole run's progress, all workers.
                    if shown.elapsed() >= std::time::Duration::from_secs(1) {
                        if let Ok((done, total)) = counter.read(&heartbeats, run_id) {
                            bar.set_length(total);
                            bar.set_position(done.min(total));
                        }
                        shown = std::time::Instant::now();
                    }
                    if last.elapsed() >= every {
                        let beat =
                            heartbeats.with_retries("renew this worker's claims", every, |s| {
                                s.heartbeat(worker, lease)
                            });
                        if let Err(e) = beat {
                            progress::say(&format!(
                                "disclose: cannot renew this worker's claims: {e:#}; trying again"
                            ));
                        }
                        last = std::time::Instant::now();
                    }
                }
            })
            .context("cannot start the heartbeat thread")?
    };
    let (tx, rx) = mpsc::channel::<Input>(batch.max(1));
    let claimer = {
        let stopping = stopping.clone();
        std::thread::Builder::new()
            .name("disclose-claims".into())
            .spawn(move || {
                let claimer = Claimer {
                    store: &claims,
                    run: run_id,
                    worker,
                    batch,
                    lease,
                    held: &held,
                };
                claimer.claim_until_done(&tx, &stopping)
            })
            .context("cannot start the claiming thread")?
    };
    let schedule = tokio::spawn(schedule(
        crawler,
        rx,
        Box::new(HandedOutOnce),
        run.id,
        config.concurrency,
        claimed,
        writer.sender(),
        progress,
        stop,
    ));
    let scheduled = schedule.await;
    stopping.store(true, std::sync::atomic::Ordering::Relaxed);
    let claimed = claimer.join();
    let _ = heartbeat.join();
    let written = writer.finish().context("cannot write the records");
    let (summary, progress) = scheduled.context("the crawl scheduler failed")??;
    progress.finish();
    written?;
    match claimed {
        Ok(result) => result?,
        Err(_) => anyhow::bail!("the claiming thread panicked"),
    }
    Ok(summary)
}

/// The run's progress for a worker's bar, read every second without counting the queue each
/// time (a count reads every row of a run of millions): the queue is counted now and then, and
/// in between the Records all the run's workers say they wrote since are added.
#[derive(Default)]
struct RunCounter {
    /// The queue's count, the workers' Records written at that moment, and when.
    counted: Option<(
        crate::store::postgres::queue::QueueProgress,
        u64,
        std::time::Instant,
    )>,
}

impl RunCounter {
    /// How often the queue is counted again.
    const RECOUNT: std::time::Duration = std::time::Duration::from_secs(30);

    /// Done and total.
    fn read(&mut self, store: &PgStore, run: i64) -> Result<(u64, u64)> {
        let written = store.written_in_run(run)?;
        match self.counted {
            Some((queue, written_then, at)) if at.elapsed() < Self::RECOUNT => Ok((
                queue.done + written.saturating_sub(written_then),
                queue.total(),
            )),
            _ => {
                let queue = store.queue_progress(run)?;
                self.counted = Some((queue, written, std::time::Instant::now()));
                Ok((queue.done, queue.total()))
            }
        }
    }
}

/// The domains this worker has claimed and not yet recorded: what it may keep leased.
type Held = Arc<Mutex<std::collections::HashSet<String>>>;

/// A worker's claiming of domains from the run's queue.
struct Claimer<'a> {
    store: &'a PgStore,
    run: i64,
    worker: i64,
    /// Domains claimed at a time.
    batch: usize,
    lease: std::time::Duration,
    held: &'a Held,
}

impl Claimer<'_> {
    /// Claims batches for the scheduler until the run's queue is done. When nothing is free
    /// but other workers still hold domains, it waits: should one of them die, its domains
    /// come back when its lease ends. A database that does not answer is retried with backoff,
    /// and nothing unclaimed is ever sent.
    fn claim_until_done(
        &self,
        tx: &mpsc::Sender<Input>,
        stopping: &std::sync::atomic::AtomicBool,
    ) -> Result<()> {
        // Ended leases (a worker that died) are looked for a few times per lease, and whenever
        // nothing else is left.
        let look_for_expired = (self.lease / 4).max(std::time::Duration::from_millis(200));
        let mut looked = std::time::Instant::now();
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
            let expired_too = looked.elapsed() >= look_for_expired;
            if expired_too {
                looked = std::time::Instant::now();
            }
            let (targets, finished) = self.claim(expired_too)?;
            if let Some(finished) = finished {
                if finished {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
                continue;
            }
            for target in targets {
                if tx.blocking_send(Ok(Ok(target))).is_err() {
                    // The scheduler stopped taking domains; the claims go back when released.
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// One claim, retried while the database does not answer; with nothing claimed, whether
    /// the run's queue is finished.
    fn claim(&self, expired_too: bool) -> Result<(Vec<Target>, Option<bool>)> {
        let (run, worker, batch, lease) = (self.run, self.worker, self.batch, self.lease);
        let mut failed_before = false;
        self.store
            .with_retries("claim domains", DATABASE_PATIENCE, |store| {
                if failed_before {
                    // The attempt that failed may have claimed domains on the server whose
                    // answer never came: they are leased to this worker, which would renew
                    // them for as long as it runs without ever crawling them.
                    let held: Vec<String> = self
                        .held
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .cloned()
                        .collect();
                    store.release_unheld(run, worker, &held)?;
                }
                failed_before = true;
                let mut claimed = store.claim_some(run, worker, batch, lease, expired_too)?;
                if claimed.is_empty() && !expired_too {
                    claimed = store.claim(run, worker, batch, lease)?;
                }
                self.held
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(claimed.iter().map(|t| t.domain.clone()));
                if claimed.is_empty() {
                    Ok((claimed, Some(store.queue_finished(run)?)))
                } else {
                    Ok((claimed, None))
                }
            })
    }
}

/// Records handed to the store's writer this many at a time, or every `FLUSH_EVERY`, whichever
/// comes first: waking the writer thread for every Record cost a futex wake and two context
/// switches per domain.
const RECORDS_PER_SEND: usize = 64;
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The list's targets as the scheduler takes them: up to `INPUTS_PER_TAKE` at a time from the
/// input thread's channel. Taking them one by one woke the input thread (blocked on the full
/// channel) once per domain; taking a group frees as many places at once, and one wake-up
/// lets the thread refill them all.
struct Inputs {
    rx: mpsc::Receiver<Input>,
    taken: std::vec::IntoIter<Input>,
}

const INPUTS_PER_TAKE: usize = 64;

impl Inputs {
    /// The next target, or `None` at the end of the list. Cancel-safe, as `select!` needs.
    async fn next(&mut self) -> Option<Input> {
        if self.taken.len() == 0 {
            let mut group = Vec::with_capacity(INPUTS_PER_TAKE);
            if self.rx.recv_many(&mut group, INPUTS_PER_TAKE).await == 0 {
                return None;
            }
            self.taken = group.into_iter();
        }
        self.taken.next()
    }
}

/// Finished Records on their way to the store's writer.
struct Outbox {
    pending: Vec<crate::record::Record>,
    writer: std::sync::mpsc::SyncSender<Vec<crate::record::Record>>,
}

impl Outbox {
    fn push(&mut self, record: crate::record::Record) -> Result<()> {
        self.pending.push(record);
        if self.pending.len() >= RECORDS_PER_SEND {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(RECORDS_PER_SEND));
        self.writer
            .send(batch)
            .map_err(|_| anyhow!("the store writer stopped"))
    }
}

/// Takes domains from `rx` and crawls them, at most `concurrency` at a time, sending each
/// Record to the writer.
#[allow(clippy::too_many_arguments)]
async fn schedule(
    crawler: Arc<DomainCrawler>,
    rx: mpsc::Receiver<Input>,
    store: Box<dyn RecordedDomains>,
    run: i64,
    concurrency: usize,
    claimed: Arc<Mutex<HashMap<String, u64>>>,
    records: std::sync::mpsc::SyncSender<Vec<crate::record::Record>>,
    mut progress: Progress,
    mut stop: watch::Receiver<Stop>,
) -> Result<(Summary, Progress)> {
    let mut summary = Summary::default();
    let mut seen = seen::Seen::default();
    store
        .each_recorded_domain(run, &mut |domain| seen.insert(domain))
        .context("cannot read what this run has recorded")?;
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut in_flight: JoinSet<Result<crate::record::Record, Crashed>> = JoinSet::new();
    let mut input_done = false;
    let mut inputs = Inputs {
        rx,
        taken: Default::default(),
    };
    let mut outbox = Outbox {
        pending: Vec::with_capacity(RECORDS_PER_SEND),
        writer: records,
    };
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let finish_record = |done: Result<crate::record::Record, Crashed>,
                         summary: &mut Summary,
                         progress: &mut Progress,
                         outbox: &mut Outbox|
     -> Result<()> {
        let record = match done {
            Ok(record) => record,
            Err(crash) => {
                summary.crashed += 1;
                progress.skipped();
                progress.note(&format!(
                    "internal error while crawling `{}` (line {}), skipped: {}; please report it",
                    crash.domain,
                    crash.line,
                    crate::escape::for_terminal(&crash.message)
                ));
                claimed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&crash.domain);
                return Ok(());
            }
        };
        summary.crawled += 1;
        *summary
            .outcomes
            .entry(record.outcome.class().to_owned())
            .or_default() += 1;
        progress.done(&record.outcome);
        outbox.push(record)
    };

    while !input_done {
        tokio::select! {
            biased;
            _ = stop_reaches(&mut stop, Stop::Finish) => {
                summary.interrupted = true;
                break;
            }
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                finish_record(done.context("a crawl task failed")?, &mut summary, &mut progress, &mut outbox)?;
            }
            _ = flush.tick() => outbox.flush()?,
            item = inputs.next() => {
                let target = match item {
                    None => { input_done = true; continue; }
                    Some(Err(e)) => {
                        outbox.flush()?;
                        return Err(e).context("cannot read the list");
                    }
                    Some(Ok(Err(bad))) => {
                        summary.input_errors += 1;
                        progress.skipped();
                        progress.note(&format!("input: {bad}"));
                        continue;
                    }
                    Some(Ok(Ok(target))) => target,
                };
                // Every domain claimed or recorded is in `seen`, so only its "maybe" needs a look
                // at the domains in flight and then at the store.
                let earlier = if seen.may_contain(&target.domain) {
                    let in_flight = claimed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&target.domain)
                        .copied();
                    match in_flight {
                        Some(line) => Some(line),
                        None => store.recorded_line(run, &target.domain)?,
                    }
                } else {
                    None
                };
                match earlier {
                    Some(line) if line == target.line => {
                        summary.resumed += 1;
                        progress.skipped();
                        continue;
                    }
                    Some(line) => {
                        summary.duplicates += 1;
                        progress.skipped();
                        progress.note(&format!(
                            "input: line {}: `{}` is a duplicate of line {line}; skipped",
                            target.line, target.domain
                        ));
                        continue;
                    }
                    None => {}
                }
                seen.insert(&target.domain);
                claimed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(target.domain.clone(), target.line);
                // Wait for a slot, but keep collecting finished domains and watching for a stop.
                let slot = loop {
                    tokio::select! {
                        biased;
                        _ = stop_reaches(&mut stop, Stop::Finish) => break None,
                        Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                            finish_record(done.context("a crawl task failed")?, &mut summary, &mut progress, &mut outbox)?;
                        }
                        _ = flush.tick() => outbox.flush()?,
                        slot = slots.clone().acquire_owned() => break slot.ok(),
                    }
                };
                let Some(slot) = slot else {
                    claimed.lock().unwrap_or_else(|e| e.into_inner()).remove(&target.domain);
                    summary.interrupted = true;
                    break;
                };
                let crawler = crawler.clone();
                in_flight.spawn(async move {
                    // A bug that some server's answer triggers must not end the crawl: the
                    // domain is reported and skipped (and tried again when the run resumes).
                    let crawled = AssertUnwindSafe(crawler.crawl(&target)).catch_unwind().await;
                    drop(slot);
                    crawled.map_err(|panic| Crashed {
                        domain: target.domain,
                        line: target.line,
                        message: panic_message(&panic),
                    })
                });
            }
        }
    }
    drop(inputs);

    // The list is read (or the crawl was told to stop): finish what is in flight. An interrupt
    // now still stops the crawl (the run is left to resume); a second abandons what is in flight.
    let mut told = false;
    let mut stop_finish = stop.clone();
    while !in_flight.is_empty() {
        if !told && *stop.borrow() != Stop::Running {
            told = true;
            summary.interrupted = true;
            progress.note(&format!(
                "stopping: finishing {} domains in flight (interrupt again to abandon them)",
                in_flight.len()
            ));
        }
        tokio::select! {
            biased;
            _ = stop_reaches(&mut stop, Stop::Abandon) => {
                in_flight.abort_all();
                summary.interrupted = true;
                break;
            }
            _ = stop_reaches(&mut stop_finish, Stop::Finish), if !told => {}
            Some(done) = in_flight.join_next() => {
                if let Ok(record) = done {
                    finish_record(record, &mut summary, &mut progress, &mut outbox)?;
                }
            }
            _ = flush.tick() => outbox.flush()?,
        }
    }
    if *stop.borrow() != Stop::Running {
        summary.interrupted = true;
    }
    while in_flight.join_next().await.is_some() {}
    outbox.flush()?;
    Ok((summary, progress))
}
