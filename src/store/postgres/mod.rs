//! The store on PostgreSQL, for crawls that several machines share: the same runs, Records and
//! derived rows as the SQLite store (`store/mod.rs`; its doc says what they mean), with the same
//! method names, so that the commands' code is one and the engine a choice of `--db`.
//!
//! Written so far: opening (connect with retry and backoff, create or check the schema under an
//! advisory lock so that workers starting together do not race), runs, writing Records with
//! their derived rows in one transaction per batch (a Record the run already has is left as it
//! is: `ON CONFLICT DO NOTHING` on (run, domain), so a Record is written once whatever retries),
//! reading them back, and the work queue (`queue`). The commands' switch to this engine builds
//! on it.
//!
//! rust-postgres's blocking client runs its own small runtime, so it must not be called from a
//! task of the crawl's runtime; like SQLite's writer, it is used from plain threads.

pub mod cluster;
pub mod queue;
mod schema;

use super::derive;
use super::location::PostgresLocation;
use super::{Run, RunSummary};
use crate::format::Timestamp;
use crate::record::Record;
use anyhow::{Context, Result, bail};
use postgres::types::ToSql;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub use schema::SCHEMA_VERSION;

/// A connection to a PostgreSQL store.
pub struct PgStore {
    client: RefCell<postgres::Client>,
    location: PostgresLocation,
}

/// An arbitrary key of the advisory lock held while the schema is checked or created.
const SCHEMA_LOCK: i64 = 0x6469_7363_6c6f_7365; // "disclose"

/// How long to wait between attempts to reach the database: doubling from one second to 30.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(5)).min(Duration::from_secs(30))
}

/// Connects to `location`, retrying with backoff for up to `patience`, and saying so on
/// standard error each time.
pub fn connect(location: &PostgresLocation, patience: Duration) -> Result<postgres::Client> {
    let deadline = Instant::now() + patience;
    let mut attempt = 0;
    loop {
        let error = match location.config().connect(postgres::NoTls) {
            Ok(client) => return Ok(client),
            Err(e) => e,
        };
        let wait = backoff(attempt);
        if Instant::now() + wait > deadline {
            return Err(anyhow::Error::new(error)
                .context(format!("cannot reach the database `{location}`")));
        }
        crate::crawl::progress::say(&format!(
            "disclose: cannot reach the database `{location}` ({}); trying again in {} s",
            crate::escape::for_terminal(&error.to_string()),
            wait.as_secs()
        ));
        std::thread::sleep(wait);
        attempt += 1;
    }
}

const RUN_COLUMNS: &str = "id, name, started, finished, arguments, version";

fn run_from_row(row: &postgres::Row) -> Run {
    Run {
        id: row.get(0),
        name: row.get(1),
        started: row.get(2),
        finished: row.get(3),
        arguments: row.get(4),
        version: row.get(5),
    }
}

impl PgStore {
    /// Opens the store at `location`, creating its tables in an empty database, refusing one
    /// written by a newer disclose or holding another program's tables. Waits up to `patience`
    /// for the database to answer.
    pub fn open(location: &PostgresLocation, patience: Duration) -> Result<PgStore> {
        PgStore::open_with(location, patience, true)
    }

    /// Opens a store that must hold disclose's tables already: for the commands that only read.
    pub fn open_existing(location: &PostgresLocation, patience: Duration) -> Result<PgStore> {
        PgStore::open_with(location, patience, false)
    }

    fn open_with(location: &PostgresLocation, patience: Duration, create: bool) -> Result<PgStore> {
        let mut client = connect(location, patience)?;
        let context = || format!("cannot use the database `{location}`");
        let mut tx = client.transaction().with_context(context)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .with_context(context)?;
        let ours: bool = tx
            .query_one("SELECT to_regclass('disclose_schema') IS NOT NULL", &[])
            .with_context(context)?
            .get(0);
        if ours {
            let version: Option<i64> = tx
                .query_opt("SELECT max(version) FROM disclose_schema", &[])
                .with_context(context)?
                .and_then(|r| r.get(0));
            let version = version.unwrap_or(0);
            if version > SCHEMA_VERSION {
                bail!(
                    "`{location}` was written by a newer disclose (schema {version}; this one knows {SCHEMA_VERSION}): use that version, or another database"
                );
            }
        } else {
            if !create {
                bail!(
                    "`{location}` holds no disclose store yet: crawl into it first, or name another with --db"
                );
            }
            let foreign: Option<String> = tx
                .query_opt(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema() LIMIT 1",
                    &[],
                )
                .with_context(context)?
                .map(|r| r.get(0));
            if let Some(table) = foreign {
                bail!(
                    "`{location}` holds another program's tables (`{}`, and no disclose schema): give disclose a database of its own",
                    crate::escape::for_terminal(&table)
                );
            }
        }
        tx.batch_execute(schema::TABLES).with_context(context)?;
        tx.batch_execute(schema::QUEUE_TABLES)
            .with_context(context)?;
        if !ours {
            tx.execute(
                "INSERT INTO disclose_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .with_context(context)?;
        }
        tx.commit().with_context(context)?;
        Ok(PgStore {
            client: RefCell::new(client),
            location: location.clone(),
        })
    }

    pub fn location(&self) -> &PostgresLocation {
        &self.location
    }

    /// Runs `operation`, and when it fails, tries again with backoff (reconnecting if the
    /// connection was lost) for up to `patience`, saying so each time: for a worker whose
    /// database restarts or whose network drops for a while. Only for operations that may be
    /// repeated (a batch written twice is written once).
    pub fn with_retries<T>(
        &self,
        what: &str,
        patience: Duration,
        mut operation: impl FnMut(&PgStore) -> Result<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + patience;
        let mut attempt = 0;
        loop {
            let error = match operation(self) {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let wait = backoff(attempt);
            if Instant::now() + wait > deadline {
                return Err(error);
            }
            crate::crawl::progress::say(&format!(
                "disclose: cannot {what} ({}); trying again in {} s",
                crate::escape::for_terminal(&format!("{:#}", error)),
                wait.as_secs()
            ));
            std::thread::sleep(wait);
            attempt += 1;
            if self.client.borrow().is_closed() {
                // A new connection, one attempt: the loop is the patience.
                if let Ok(client) = self.location.config().connect(postgres::NoTls) {
                    *self.client.borrow_mut() = client;
                }
            }
        }
    }

    fn context(&self) -> String {
        format!("cannot read the database `{}`", self.location)
    }

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<postgres::Row>> {
        self.client
            .borrow_mut()
            .query(sql, params)
            .with_context(|| self.context())
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.client
            .borrow_mut()
            .execute(sql, params)
            .with_context(|| self.context())
    }

    /// The run called `name`, created if it does not exist yet; `true` when it existed.
    pub fn begin_run(&self, name: &str, arguments: &str, now: Timestamp) -> Result<(Run, bool)> {
        if let Some(run) = self.run(name)? {
            self.execute("UPDATE runs SET finished = NULL WHERE id = $1", &[&run.id])?;
            return Ok((run, true));
        }
        // Two workers may start the same run at once: the second finds the first's.
        self.execute(
            "INSERT INTO runs (name, started, arguments, version) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
            &[&name, &now.to_string(), &arguments, &crate::VERSION],
        )?;
        Ok((
            self.run(name)?.context("the run just created is missing")?,
            false,
        ))
    }

    pub fn run(&self, name: &str) -> Result<Option<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE name = $1");
        Ok(self.query(&sql, &[&name])?.first().map(run_from_row))
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id");
        Ok(self.query(&sql, &[])?.iter().map(run_from_row).collect())
    }

    /// All runs, oldest first, with how many domains each recorded and how many had a file.
    pub fn run_summaries(&self) -> Result<Vec<RunSummary>> {
        let counts: BTreeMap<i64, (u64, u64)> = self
            .query(
                "SELECT run, count(*), sum(found) FROM records GROUP BY run",
                &[],
            )?
            .iter()
            .map(|r| {
                let found: Option<i64> = r.get(2);
                (
                    r.get::<_, i64>(0),
                    (r.get::<_, i64>(1) as u64, found.unwrap_or(0) as u64),
                )
            })
            .collect();
        Ok(self
            .runs()?
            .into_iter()
            .map(|run| {
                let (domains, found) = counts.get(&run.id).copied().unwrap_or_default();
                RunSummary {
                    run,
                    domains,
                    found,
                }
            })
            .collect())
    }

    pub fn finish_run(&self, run: i64, now: Timestamp) -> Result<()> {
        self.execute(
            "UPDATE runs SET finished = $2 WHERE id = $1",
            &[&run, &now.to_string()],
        )?;
        Ok(())
    }

    /// Removes a run that holds nothing (one a failed start left empty).
    pub fn delete_empty_run(&self, run: i64) -> Result<()> {
        self.execute(
            "DELETE FROM runs WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM records WHERE run = $1)
             AND NOT EXISTS (SELECT 1 FROM queue WHERE run = $1)
             AND NOT EXISTS (SELECT 1 FROM workers WHERE run = $1)",
            &[&run],
        )?;
        Ok(())
    }

    /// How many domains of a run ended in each outcome class.
    pub fn outcomes(&self, run: i64) -> Result<BTreeMap<String, u64>> {
        Ok(self
            .query(
                "SELECT outcome, count(*) FROM records WHERE run = $1 GROUP BY outcome",
                &[&run],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect())
    }

    /// The input line a domain was recorded from in this run, if it was recorded.
    pub fn recorded_line(&self, run: i64, domain: &str) -> Result<Option<u64>> {
        Ok(self
            .query(
                "SELECT line FROM records WHERE run = $1 AND domain = $2",
                &[&run, &domain],
            )?
            .first()
            .map(|r| r.get::<_, i64>(0) as u64))
    }

    pub fn count(&self, run: i64) -> Result<u64> {
        let rows = self.query("SELECT count(*) FROM records WHERE run = $1", &[&run])?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0) as u64))
    }

    fn parse_record(&self, json: &str, run: i64, domain: &str) -> Result<Record> {
        serde_json::from_str(json).with_context(|| {
            format!(
                "the Record of `{}` in run {run} of `{}` cannot be read",
                crate::escape::for_terminal(domain),
                self.location
            )
        })
    }

    /// Calls `each` with every Record of a run, in domain order, streaming (a portal of rows
    /// at a time, so that memory does not grow with the run).
    pub fn each_record(&self, run: i64, mut each: impl FnMut(Record) -> Result<()>) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().with_context(|| self.context())?;
        let portal = tx
            .bind(
                "SELECT r.domain, j.json FROM records r JOIN record_json j ON j.record = r.id
                 WHERE r.run = $1 ORDER BY r.domain",
                &[&run],
            )
            .with_context(|| self.context())?;
        loop {
            let rows = tx
                .query_portal(&portal, 1024)
                .with_context(|| self.context())?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let domain: &str = row.get(0);
                let json: &str = row.get(1);
                each(self.parse_record(json, run, domain)?)?;
            }
        }
        tx.commit().with_context(|| self.context())?;
        Ok(())
    }

    /// Every Record of a run, in domain order (for tests and small runs; `each_record` streams).
    pub fn records(&self, run: i64) -> Result<Vec<Record>> {
        let mut all = Vec::new();
        self.each_record(run, |r| {
            all.push(r);
            Ok(())
        })?;
        Ok(all)
    }

    /// One domain's Record in a run.
    pub fn record(&self, run: i64, domain: &str) -> Result<Option<Record>> {
        let rows = self.query(
            "SELECT j.json FROM records r JOIN record_json j ON j.record = r.id
             WHERE r.run = $1 AND r.domain = $2",
            &[&run, &domain],
        )?;
        rows.first()
            .map(|r| self.parse_record(r.get(0), run, domain))
            .transpose()
    }

    /// Writes Records in one transaction; a Record the run already has is left as it is.
    /// Returns how many were new.
    pub fn write(&self, run: i64, batch: &[Record]) -> Result<u64> {
        let mut client = self.client.borrow_mut();
        write_batch(&mut client, run, batch)
            .with_context(|| format!("cannot write Records to the database `{}`", self.location))
    }
}

impl crate::store::read::ReadStore for PgStore {
    fn engine(&self) -> Box<dyn crate::store::engine::Engine + '_> {
        Box::new(crate::store::engine::PostgresEngine {
            client: &self.client,
            shown: self.location.to_string(),
        })
    }

    fn entries(
        &self,
        scope: crate::store::entries::Scope,
    ) -> Result<Box<dyn crate::store::read::EntryLookup + '_>> {
        Ok(Box::new(crate::store::read::EngineLookup {
            engine: self.engine(),
            scope,
            runs: self.run_names()?,
        }))
    }

    fn run(&self, name: &str) -> Result<Option<Run>> {
        PgStore::run(self, name)
    }

    fn runs(&self) -> Result<Vec<Run>> {
        PgStore::runs(self)
    }

    fn run_summaries(&self) -> Result<Vec<RunSummary>> {
        PgStore::run_summaries(self)
    }
}

fn flag(value: bool) -> i32 {
    i32::from(value)
}

/// Writes `batch` into `run` in one transaction, each Record with its derived rows.
fn write_batch(client: &mut postgres::Client, run: i64, batch: &[Record]) -> Result<u64> {
    let mut tx = client.transaction()?;
    let record_insert = tx.prepare(
        "INSERT INTO records (run, domain, registrable_domain, line, started,
         outcome, outcome_label, found, redirected_to, tags, requested_url, final_url,
         location, redirects, address, sha256, size, content_type, valid, errors, expires,
         signature, independence, signer, key_sound, canonical, canonical_urls,
         contact_list, languages, encryption, policy, acknowledgments, hiring, csaf,
         bug_bounty)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
         $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32,
         $33, $34, $35)
         ON CONFLICT (run, domain) DO NOTHING RETURNING id",
    )?;
    let json_insert = tx.prepare("INSERT INTO record_json (record, json) VALUES ($1, $2)")?;
    let contact_insert = tx.prepare(
        "INSERT INTO contacts (record, position, uri, kind, valid) VALUES ($1, $2, $3, $4, $5)",
    )?;
    let address_insert = tx.prepare(
        "INSERT INTO addresses (address, domain, run, record) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )?;
    let certificate_insert = tx.prepare(
        "INSERT INTO certificates (record, sha256, subject, issuer, not_before, not_after)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    let chain_insert = tx.prepare(
        "INSERT INTO chain_certificates (record, position, sha256, subject, issuer, not_after)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    let tag_insert = tx.prepare(
        "INSERT INTO tags (record, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )?;
    let queue_done = tx.prepare(
        "UPDATE queue SET done = 1, worker = NULL, lease_until = NULL
         WHERE run = $1 AND domain = $2 AND done = 0",
    )?;
    let mut written = 0;
    for record in batch {
        let json = serde_json::to_string(record)?;
        let d = derive::derive(record);
        let f = d.file.as_ref();
        let line = record.line as i64;
        let class = record.outcome.class();
        let found = flag(record.file.is_some());
        let size = f.map(|f| f.size);
        let valid = f.map(|f| flag(f.valid));
        let key_sound = f.map(|f| flag(f.key_sound));
        let bug_bounty = f.and_then(|f| f.bug_bounty).map(flag);
        let location = f.map(|f| f.location);
        let signature = f.map(|f| f.signature);
        let independence = f.and_then(|f| f.independence);
        let canonical = f.map(|f| f.canonical);
        let id: Option<i64> = tx
            .query_opt(
                &record_insert,
                &[
                    &run,
                    &record.domain,
                    &record.registrable_domain,
                    &line,
                    &d.started,
                    &class,
                    &d.outcome_label,
                    &found,
                    &d.redirected_to,
                    &d.tags,
                    &f.map(|f| &f.requested_url),
                    &f.map(|f| &f.final_url),
                    &location,
                    &f.map(|f| &f.redirects),
                    &f.and_then(|f| f.address.as_ref()),
                    &f.map(|f| &f.sha256),
                    &size,
                    &f.and_then(|f| f.content_type.as_ref()),
                    &valid,
                    &f.map(|f| &f.errors),
                    &f.and_then(|f| f.expires),
                    &signature,
                    &independence,
                    &f.and_then(|f| f.signer.as_ref()),
                    &key_sound,
                    &canonical,
                    &f.map(|f| &f.canonical_urls),
                    &f.map(|f| &f.contact_list),
                    &f.map(|f| &f.languages),
                    &f.map(|f| &f.encryption),
                    &f.map(|f| &f.policy),
                    &f.map(|f| &f.acknowledgments),
                    &f.map(|f| &f.hiring),
                    &f.map(|f| &f.csaf),
                    &bug_bounty,
                ],
            )?
            .map(|r| r.get(0));
        // Done in the queue (when the run has one) in the same transaction as the Record,
        // whether this worker's write is the first or a late second one.
        tx.execute(&queue_done, &[&run, &record.domain])?;
        let Some(id) = id else {
            continue;
        };
        written += 1;
        tx.execute(&json_insert, &[&id, &json])?;
        for c in &d.contacts {
            tx.execute(
                &contact_insert,
                &[&id, &c.position, &c.uri, &c.kind, &flag(c.valid)],
            )?;
        }
        for a in &d.addresses {
            tx.execute(&address_insert, &[a, &record.domain, &run, &id])?;
        }
        if let Some(c) = &d.certificate {
            tx.execute(
                &certificate_insert,
                &[
                    &id,
                    &c.sha256,
                    &c.subject,
                    &c.issuer,
                    &c.not_before,
                    &c.not_after,
                ],
            )?;
        }
        for (i, c) in d.chain.iter().enumerate() {
            let position = i as i64 + 1;
            tx.execute(
                &chain_insert,
                &[
                    &id,
                    &position,
                    &c.sha256,
                    &c.subject,
                    &c.issuer,
                    &c.not_after,
                ],
            )?;
        }
        for (key, value) in &record.tags {
            tx.execute(&tag_insert, &[&id, key, value])?;
        }
    }
    tx.commit()?;
    Ok(written)
}
