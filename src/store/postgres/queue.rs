//! The work queue that lets several `disclose` processes, on several machines, crawl one run:
//! the list is loaded once into `queue`; each worker registers in `workers`, claims domains in
//! batches (`FOR UPDATE SKIP LOCKED`, so that two workers never wait on or take the same rows)
//! under a lease it renews with its heartbeat, and a domain is done when its Record is written
//! (`write_batch` marks it in the same transaction). A worker that dies stops renewing: when its
//! lease ends its domains are claimed again by the others, and a late write of the dead worker
//! changes nothing (`ON CONFLICT DO NOTHING`), so each domain gets exactly one Record.
//!
//! PostgreSQL is the coordinator: no protocol of our own between workers.

use super::PgStore;
use crate::target::Target;
use anyhow::{Context, Result};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Where a run's queue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueProgress {
    /// Listed, not claimed (or claimed under a lease that has ended).
    pub queued: u64,
    /// Claimed by a worker whose lease holds.
    pub in_flight: u64,
    /// Recorded.
    pub done: u64,
    /// The machine that started the run is still loading its list.
    pub loading: bool,
}

impl QueueProgress {
    pub fn total(&self) -> u64 {
        self.queued + self.in_flight + self.done
    }
}

/// What loading part of a list into a queue did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Enqueued {
    /// Domains new to the queue.
    pub added: u64,
    /// Domains listed before on another line: (line, domain, the earlier line).
    pub duplicates: Vec<(u64, String, u64)>,
}

/// A worker of a run, as the `workers` table has it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerRow {
    pub id: i64,
    pub host: String,
    pub pid: i64,
    /// Seconds since it started, and since its last heartbeat.
    pub age: f64,
    pub silent_for: f64,
    pub stopped: bool,
    /// Records it wrote.
    pub written: u64,
}

/// This machine's name, for the `workers` table.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn tags_json(target: &Target) -> Option<String> {
    (!target.tags.is_empty())
        .then(|| serde_json::to_string(&target.tags).expect("a map of strings serialises"))
}

impl PgStore {
    /// Adds `targets` to the run's queue; a domain already listed (or already recorded) is
    /// left as it is: listed again from the same line (the list loaded twice), silently; from
    /// another line, it is a duplicate and returned as such. One transaction per call: give it
    /// a few thousand at a time.
    pub fn enqueue(&self, run: i64, targets: &[Target]) -> Result<Enqueued> {
        // A domain listed twice in this batch: the first line is queued, the others reported.
        let mut enqueued = Enqueued::default();
        let mut first_line: HashMap<&str, u64> = HashMap::new();
        let mut unique: Vec<&Target> = Vec::with_capacity(targets.len());
        for target in targets {
            match first_line.entry(&target.domain) {
                Entry::Occupied(earlier) => {
                    if *earlier.get() != target.line {
                        enqueued.duplicates.push((
                            target.line,
                            target.domain.clone(),
                            *earlier.get(),
                        ));
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(target.line);
                    unique.push(target);
                }
            }
        }
        let domains: Vec<&str> = unique.iter().map(|t| t.domain.as_str()).collect();
        let registrable: Vec<Option<&str>> = unique
            .iter()
            .map(|t| t.registrable_domain.as_deref())
            .collect();
        let lines: Vec<i64> = unique.iter().map(|t| t.line as i64).collect();
        let tags: Vec<Option<String>> = unique.iter().map(|t| tags_json(t)).collect();
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(|| self.context())?;
        // One statement for the batch: a row per statement made loading a list cost more
        // server time than crawling it. A domain already recorded in the run (a list loaded
        // again after a crash) is queued as done.
        let added: HashSet<String> = tx
            .query(
                "INSERT INTO queue (run, domain, registrable_domain, line, tags, done)
                 SELECT $1, l.domain, l.registrable_domain, l.line, l.tags,
                        CASE WHEN EXISTS (SELECT 1 FROM records r
                                          WHERE r.run = $1 AND r.domain = l.domain)
                             THEN 1 ELSE 0 END
                 FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[])
                      AS l(domain, registrable_domain, line, tags)
                 ON CONFLICT (run, domain) DO NOTHING
                 RETURNING domain",
                &[&run, &domains, &registrable, &lines, &tags],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        enqueued.added = added.len() as u64;
        // The others were queued before: from another line, they are duplicates; from the
        // same line, the same list loaded again.
        let queued_before: Vec<&str> = domains
            .iter()
            .copied()
            .filter(|d| !added.contains(*d))
            .collect();
        if !queued_before.is_empty() {
            for row in tx.query(
                "SELECT domain, line FROM queue WHERE run = $1 AND domain = ANY($2)",
                &[&run, &queued_before],
            )? {
                let domain: &str = row.get(0);
                let earlier = row.get::<_, i64>(1) as u64;
                let line = first_line.get(domain).copied().unwrap_or(earlier);
                if earlier != line {
                    enqueued.duplicates.push((line, domain.to_owned(), earlier));
                }
            }
        }
        tx.commit().with_context(|| self.context())?;
        enqueued.duplicates.sort_by_key(|(line, _, _)| *line);
        Ok(enqueued)
    }

    /// Forgets the Records of `run` whose outcome `retry` says is worth another crawl (with their
    /// derived rows) and puts their domains back in the queue, so that the run's workers crawl
    /// them again (`crawl --retry-failed`). Returns how many. One transaction: all or none.
    pub fn forget_for_retry(&self, run: i64, retry: impl Fn(&str, &str) -> bool) -> Result<u64> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(|| self.context())?;
        let rows = tx.query(
            "SELECT id, domain, outcome, outcome_label FROM records WHERE run = $1",
            &[&run],
        )?;
        let (mut ids, mut domains): (Vec<i64>, Vec<String>) = (Vec::new(), Vec::new());
        for row in &rows {
            if retry(row.get(2), row.get(3)) {
                ids.push(row.get(0));
                domains.push(row.get(1));
            }
        }
        for table in [
            "record_json",
            "contacts",
            "addresses",
            "certificates",
            "chain_certificates",
            "tags",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE record = ANY($1)"),
                &[&ids],
            )?;
        }
        tx.execute("DELETE FROM records WHERE id = ANY($1)", &[&ids])?;
        tx.execute(
            "UPDATE queue SET done = 0, worker = NULL, lease_until = NULL
             WHERE run = $1 AND domain = ANY($2)",
            &[&run, &domains],
        )?;
        tx.commit().with_context(|| self.context())?;
        Ok(ids.len() as u64)
    }

    /// Registers this process as a worker of `run`; returns its id.
    pub fn register_worker(&self, run: i64) -> Result<i64> {
        let pid = i64::from(std::process::id());
        let row = self
            .client
            .borrow_mut()
            .query_one(
                "INSERT INTO workers (run, host, pid) VALUES ($1, $2, $3) RETURNING id",
                &[&run, &host_name(), &pid],
            )
            .with_context(|| self.context())?;
        Ok(row.get(0))
    }

    /// Says the worker is alive: its heartbeat, and the leases of the domains it holds renewed
    /// for `lease`.
    pub fn heartbeat(&self, worker: i64, lease: Duration) -> Result<()> {
        let seconds = lease.as_secs_f64();
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(|| self.context())?;
        tx.execute(
            "UPDATE workers SET heartbeat = now() WHERE id = $1",
            &[&worker],
        )?;
        tx.execute(
            "UPDATE queue SET lease_until = now() + make_interval(secs => $2)
             WHERE worker = $1 AND done = 0",
            &[&worker, &seconds],
        )?;
        tx.commit().with_context(|| self.context())?;
        Ok(())
    }

    /// Claims up to `n` domains of the run for `worker`, in list order, under a lease of
    /// `lease`: those never claimed, and those whose claim's lease has ended (a worker that
    /// died). Rows another worker is claiming at this moment are skipped, not waited for.
    pub fn claim(&self, run: i64, worker: i64, n: usize, lease: Duration) -> Result<Vec<Target>> {
        self.claim_some(run, worker, n, lease, true)
    }

    /// `claim`, looking for ended leases only when `expired_too`: the domains never claimed
    /// are the head of an index, while finding ended leases means reading every claim in
    /// flight, which a worker claiming several times a second need not do each time.
    pub fn claim_some(
        &self,
        run: i64,
        worker: i64,
        n: usize,
        lease: Duration,
        expired_too: bool,
    ) -> Result<Vec<Target>> {
        let mut targets = Vec::new();
        if expired_too {
            targets = self.claim_rows(
                run,
                worker,
                n,
                lease,
                "worker IS NOT NULL AND lease_until < now()",
            )?;
        }
        if targets.len() < n {
            let free = self.claim_rows(run, worker, n - targets.len(), lease, "worker IS NULL")?;
            targets.extend(free);
        }
        targets.sort_by_key(|t| t.line);
        Ok(targets)
    }

    /// Claims up to `n` of the run's waiting domains that match `which`, in list order.
    fn claim_rows(
        &self,
        run: i64,
        worker: i64,
        n: usize,
        lease: Duration,
        which: &str,
    ) -> Result<Vec<Target>> {
        let limit = n.min(i64::MAX as usize) as i64;
        let seconds = lease.as_secs_f64();
        let rows = self
            .client
            .borrow_mut()
            .query(
                &format!(
                    "UPDATE queue q SET worker = $2, lease_until = now() + make_interval(secs => $4)
                     FROM (SELECT domain FROM queue
                           WHERE run = $1 AND done = 0 AND {which}
                           ORDER BY line LIMIT $3
                           FOR UPDATE SKIP LOCKED) AS free
                     WHERE q.run = $1 AND q.domain = free.domain
                     RETURNING q.domain, q.registrable_domain, q.line, q.tags"
                ),
                &[&run, &worker, &limit, &seconds],
            )
            .with_context(|| self.context())?;
        rows.iter()
            .map(|r| {
                let tags: Option<&str> = r.get(3);
                Ok(Target {
                    domain: r.get(0),
                    registrable_domain: r.get(1),
                    line: r.get::<_, i64>(2) as u64,
                    tags: tags
                        .map(serde_json::from_str)
                        .transpose()
                        .context("a queued domain's tags cannot be read")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Gives back the domains `worker` holds and has not recorded (a worker stopping early, or
    /// interrupted), and marks it stopped.
    pub fn release(&self, worker: i64) -> Result<u64> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(|| self.context())?;
        let released = tx.execute(
            "UPDATE queue SET worker = NULL, lease_until = NULL WHERE worker = $1 AND done = 0",
            &[&worker],
        )?;
        tx.execute(
            "UPDATE workers SET stopped = now(), heartbeat = now() WHERE id = $1",
            &[&worker],
        )?;
        tx.commit().with_context(|| self.context())?;
        Ok(released)
    }

    /// Gives back the domains leased to `worker` in `run` that it does not hold (`held`: those
    /// it received and has not yet recorded). A claim whose answer was lost (the connection
    /// dropped after the server committed it) leased domains the worker never received; its
    /// heartbeat would renew them as long as it lives, and the run would never finish.
    pub fn release_unheld(&self, run: i64, worker: i64, held: &[String]) -> Result<u64> {
        self.execute(
            "UPDATE queue SET worker = NULL, lease_until = NULL
             WHERE run = $1 AND worker = $2 AND done = 0 AND NOT (domain = ANY($3))",
            &[&run, &worker, &held],
        )
    }

    /// Adds `n` to the Records `worker` wrote (for per-worker rates).
    pub fn count_written(&self, worker: i64, n: u64) -> Result<()> {
        let n = n as i64;
        self.execute(
            "UPDATE workers SET written = written + $2 WHERE id = $1",
            &[&worker, &n],
        )?;
        Ok(())
    }

    /// The Records all the run's workers have written (`count_written`), from the workers'
    /// rows alone.
    pub fn written_in_run(&self, run: i64) -> Result<u64> {
        let row = self
            .client
            .borrow_mut()
            .query_one(
                "SELECT coalesce(sum(written), 0)::bigint FROM workers WHERE run = $1",
                &[&run],
            )
            .with_context(|| self.context())?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    /// Where the run's queue stands, across all workers.
    pub fn queue_progress(&self, run: i64) -> Result<QueueProgress> {
        let rows = self.query(
            "SELECT count(*) FILTER (WHERE done = 0 AND (worker IS NULL OR lease_until < now())),
                    count(*) FILTER (WHERE done = 0 AND worker IS NOT NULL AND lease_until >= now()),
                    count(*) FILTER (WHERE done = 1),
                    (SELECT coalesce(max(loading), 0) FROM queue_loads WHERE run = $1)
             FROM queue WHERE run = $1",
            &[&run],
        )?;
        let row = rows.first().context("no answer to a count")?;
        Ok(QueueProgress {
            queued: row.get::<_, i64>(0) as u64,
            in_flight: row.get::<_, i64>(1) as u64,
            done: row.get::<_, i64>(2) as u64,
            loading: row.get::<_, i32>(3) != 0,
        })
    }

    /// Whether the run's queue is finished: no domain waits or is in flight, and its list is not
    /// being loaded. Asked by each waiting worker twice a second at the end of a run, so it
    /// reads the heads of the partial indexes over unfinished domains, never the whole queue as
    /// `queue_progress` does.
    pub fn queue_finished(&self, run: i64) -> Result<bool> {
        let rows = self.query(
            "SELECT NOT EXISTS (SELECT 1 FROM queue WHERE run = $1 AND done = 0 AND worker IS NULL)
                AND NOT EXISTS (SELECT 1 FROM queue
                                WHERE run = $1 AND done = 0 AND worker IS NOT NULL)
                AND (SELECT coalesce(max(loading), 0) FROM queue_loads WHERE run = $1) = 0",
            &[&run],
        )?;
        Ok(rows.first().context("no answer to a question")?.get(0))
    }

    /// Says whether the run's list is being loaded (`true` before the first domain is queued,
    /// `false` once the whole list is), committed at once so that joining workers see it.
    pub fn set_loading(&self, run: i64, loading: bool) -> Result<()> {
        let loading = i32::from(loading);
        self.execute(
            "INSERT INTO queue_loads (run, loading) VALUES ($1, $2)
             ON CONFLICT (run) DO UPDATE SET loading = $2",
            &[&run, &loading],
        )?;
        Ok(())
    }

    /// How many workers of the run have said they are alive within `alive_within` and have
    /// not stopped: the share of the run's politeness each takes is one in that many.
    pub fn live_workers(&self, run: i64, alive_within: Duration) -> Result<u64> {
        let seconds = alive_within.as_secs_f64();
        let rows = self.query(
            "SELECT count(*) FROM workers WHERE run = $1 AND stopped IS NULL
             AND heartbeat >= now() - make_interval(secs => $2)",
            &[&run, &seconds],
        )?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0) as u64))
    }

    /// The run's workers, oldest first.
    pub fn workers(&self, run: i64) -> Result<Vec<WorkerRow>> {
        Ok(self
            .query(
                "SELECT id, host, pid, extract(epoch FROM now() - started)::float8,
                        extract(epoch FROM now() - heartbeat)::float8, stopped IS NOT NULL, written
                 FROM workers WHERE run = $1 ORDER BY id",
                &[&run],
            )?
            .iter()
            .map(|r| WorkerRow {
                id: r.get(0),
                host: r.get(1),
                pid: r.get(2),
                age: r.get(3),
                silent_for: r.get(4),
                stopped: r.get(5),
                written: r.get::<_, i64>(6) as u64,
            })
            .collect())
    }
}
