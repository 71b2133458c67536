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

use super::Run;
use super::derive;
use super::location::PostgresLocation;
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
            // An extension's tables and views (pg_stat_statements', PostGIS's) are the
            // database's, not another program's data: a store may be created beside them.
            let foreign: Option<String> = tx
                .query_opt(
                    "SELECT c.relname::text FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                           AND d.deptype = 'e')
                     ORDER BY c.relname LIMIT 1",
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
        if !ours {
            // Only a new store gets the DDL: `CREATE INDEX IF NOT EXISTS` and `ALTER TABLE` lock
            // their tables even when there is nothing to do, and a reader or a joining worker
            // opening the store while others write then deadlocked with them (seen in a test).
            tx.batch_execute(schema::TABLES).with_context(context)?;
            tx.batch_execute(schema::QUEUE_TABLES)
                .with_context(context)?;
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
            "WITH unloaded AS (DELETE FROM queue_loads WHERE run = $1)
             DELETE FROM runs WHERE id = $1
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
}

fn flag(value: bool) -> i32 {
    i32::from(value)
}

/// The columns of a batch of Records, one array each, for `unnest`: a batch is written in a
/// handful of statements, not a handful per Record (each statement is a round trip to the
/// server; per Record, the writer was the crawl's bottleneck).
#[derive(Default)]
struct RecordColumns {
    domain: Vec<String>,
    registrable_domain: Vec<Option<String>>,
    line: Vec<i64>,
    started: Vec<i64>,
    outcome: Vec<&'static str>,
    outcome_label: Vec<String>,
    found: Vec<i32>,
    redirected_to: Vec<Option<String>>,
    tags: Vec<Option<String>>,
    requested_url: Vec<Option<String>>,
    final_url: Vec<Option<String>>,
    location: Vec<Option<&'static str>>,
    redirects: Vec<Option<String>>,
    address: Vec<Option<String>>,
    sha256: Vec<Option<String>>,
    size: Vec<Option<i64>>,
    content_type: Vec<Option<String>>,
    valid: Vec<Option<i32>>,
    errors: Vec<Option<String>>,
    expires: Vec<Option<i64>>,
    signature: Vec<Option<&'static str>>,
    independence: Vec<Option<&'static str>>,
    signer: Vec<Option<String>>,
    key_sound: Vec<Option<i32>>,
    canonical: Vec<Option<&'static str>>,
    canonical_urls: Vec<Option<String>>,
    contact_list: Vec<Option<String>>,
    languages: Vec<Option<String>>,
    encryption: Vec<Option<String>>,
    policy: Vec<Option<String>>,
    acknowledgments: Vec<Option<String>>,
    hiring: Vec<Option<String>>,
    csaf: Vec<Option<String>>,
    bug_bounty: Vec<Option<i32>>,
}

impl RecordColumns {
    fn push(&mut self, record: &Record, d: &derive::Derived) {
        let f = d.file.as_ref();
        self.domain.push(record.domain.clone());
        self.registrable_domain
            .push(record.registrable_domain.clone());
        self.line.push(record.line as i64);
        self.started.push(d.started);
        self.outcome.push(record.outcome.class());
        self.outcome_label.push(d.outcome_label.clone());
        self.found.push(flag(record.file.is_some()));
        self.redirected_to.push(d.redirected_to.clone());
        self.tags.push(d.tags.clone());
        self.requested_url.push(f.map(|f| f.requested_url.clone()));
        self.final_url.push(f.map(|f| f.final_url.clone()));
        self.location.push(f.map(|f| f.location));
        self.redirects.push(f.map(|f| f.redirects.clone()));
        self.address.push(f.and_then(|f| f.address.clone()));
        self.sha256.push(f.map(|f| f.sha256.clone()));
        self.size.push(f.map(|f| f.size));
        self.content_type
            .push(f.and_then(|f| f.content_type.clone()));
        self.valid.push(f.map(|f| flag(f.valid)));
        self.errors.push(f.map(|f| f.errors.clone()));
        self.expires.push(f.and_then(|f| f.expires));
        self.signature.push(f.map(|f| f.signature));
        self.independence.push(f.and_then(|f| f.independence));
        self.signer.push(f.and_then(|f| f.signer.clone()));
        self.key_sound.push(f.map(|f| flag(f.key_sound)));
        self.canonical.push(f.map(|f| f.canonical));
        self.canonical_urls
            .push(f.map(|f| f.canonical_urls.clone()));
        self.contact_list.push(f.map(|f| f.contact_list.clone()));
        self.languages.push(f.map(|f| f.languages.clone()));
        self.encryption.push(f.map(|f| f.encryption.clone()));
        self.policy.push(f.map(|f| f.policy.clone()));
        self.acknowledgments
            .push(f.map(|f| f.acknowledgments.clone()));
        self.hiring.push(f.map(|f| f.hiring.clone()));
        self.csaf.push(f.map(|f| f.csaf.clone()));
        self.bug_bounty.push(f.and_then(|f| f.bug_bounty).map(flag));
    }
}

/// Writes `batch` into `run` in one transaction, each Record with its derived rows; a Record
/// the run already has is left as it is (with its rows). Returns how many were new.
fn write_batch(client: &mut postgres::Client, run: i64, batch: &[Record]) -> Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let derived: Vec<derive::Derived> = batch.iter().map(derive::derive).collect();
    let mut columns = RecordColumns::default();
    for (record, d) in batch.iter().zip(&derived) {
        columns.push(record, d);
    }
    let c = &columns;
    let mut tx = client.transaction()?;
    // Done in the queue (when the run has one) in the same transaction as the Records,
    // whether this worker's write is the first or a late second one.
    tx.execute(
        "UPDATE queue SET done = 1, worker = NULL, lease_until = NULL
         WHERE run = $1 AND domain = ANY($2) AND done = 0",
        &[&run, &c.domain],
    )?;
    let inserted = tx.query(
        "INSERT INTO records (run, domain, registrable_domain, line, started,
         outcome, outcome_label, found, redirected_to, tags, requested_url, final_url,
         location, redirects, address, sha256, size, content_type, valid, errors, expires,
         signature, independence, signer, key_sound, canonical, canonical_urls,
         contact_list, languages, encryption, policy, acknowledgments, hiring, csaf,
         bug_bounty)
         SELECT $1::bigint, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[],
             $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[],
             $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[],
             $18::text[], $19::int[], $20::text[], $21::bigint[], $22::text[], $23::text[],
             $24::text[], $25::int[], $26::text[], $27::text[], $28::text[], $29::text[],
             $30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::int[])
         ON CONFLICT (run, domain) DO NOTHING RETURNING id, domain",
        &[
            &run,
            &c.domain,
            &c.registrable_domain,
            &c.line,
            &c.started,
            &c.outcome,
            &c.outcome_label,
            &c.found,
            &c.redirected_to,
            &c.tags,
            &c.requested_url,
            &c.final_url,
            &c.location,
            &c.redirects,
            &c.address,
            &c.sha256,
            &c.size,
            &c.content_type,
            &c.valid,
            &c.errors,
            &c.expires,
            &c.signature,
            &c.independence,
            &c.signer,
            &c.key_sound,
            &c.canonical,
            &c.canonical_urls,
            &c.contact_list,
            &c.languages,
            &c.encryption,
            &c.policy,
            &c.acknowledgments,
            &c.hiring,
            &c.csaf,
            &c.bug_bounty,
        ],
    )?;
    let ids: std::collections::HashMap<&str, i64> = inserted
        .iter()
        .map(|row| (row.get::<_, &str>(1), row.get::<_, i64>(0)))
        .collect();
    let mut json = (Vec::new(), Vec::new());
    let mut contacts = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut addresses = (Vec::new(), Vec::new(), Vec::new());
    let mut certificates = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut chain = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut tags = (Vec::new(), Vec::new(), Vec::new());
    for (record, d) in batch.iter().zip(&derived) {
        let Some(&id) = ids.get(record.domain.as_str()) else {
            continue;
        };
        json.0.push(id);
        json.1.push(serde_json::to_string(record)?);
        for contact in &d.contacts {
            contacts.0.push(id);
            contacts.1.push(contact.position);
            contacts.2.push(contact.uri.as_str());
            contacts.3.push(contact.kind);
            contacts.4.push(flag(contact.valid));
        }
        for a in &d.addresses {
            addresses.0.push(a.as_str());
            addresses.1.push(record.domain.as_str());
            addresses.2.push(id);
        }
        if let Some(cert) = &d.certificate {
            certificates.0.push(id);
            certificates.1.push(cert.sha256.as_str());
            certificates.2.push(cert.subject.as_str());
            certificates.3.push(cert.issuer.as_str());
            certificates.4.push(cert.not_before);
            certificates.5.push(cert.not_after);
        }
        for (i, cert) in d.chain.iter().enumerate() {
            chain.0.push(id);
            chain.1.push(i as i64 + 1);
            chain.2.push(cert.sha256.as_str());
            chain.3.push(cert.subject.as_str());
            chain.4.push(cert.issuer.as_str());
            chain.5.push(cert.not_after);
        }
        for (key, value) in &record.tags {
            tags.0.push(id);
            tags.1.push(key.as_str());
            tags.2.push(value.as_str());
        }
    }
    tx.execute(
        "INSERT INTO record_json (record, json) SELECT * FROM unnest($1::bigint[], $2::text[])",
        &[&json.0, &json.1],
    )?;
    tx.execute(
        "INSERT INTO contacts (record, position, uri, kind, valid)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[])",
        &[
            &contacts.0,
            &contacts.1,
            &contacts.2,
            &contacts.3,
            &contacts.4,
        ],
    )?;
    tx.execute(
        "INSERT INTO addresses (address, domain, run, record)
         SELECT a, d, $1::bigint, r FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(a, d, r)
         ON CONFLICT DO NOTHING",
        &[&run, &addresses.0, &addresses.1, &addresses.2],
    )?;
    if !certificates.0.is_empty() {
        tx.execute(
            "INSERT INTO certificates (record, sha256, subject, issuer, not_before, not_after)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                  $5::bigint[], $6::bigint[])",
            &[
                &certificates.0,
                &certificates.1,
                &certificates.2,
                &certificates.3,
                &certificates.4,
                &certificates.5,
            ],
        )?;
    }
    if !chain.0.is_empty() {
        tx.execute(
            "INSERT INTO chain_certificates (record, position, sha256, subject, issuer, not_after)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                                  $5::text[], $6::bigint[])",
            &[&chain.0, &chain.1, &chain.2, &chain.3, &chain.4, &chain.5],
        )?;
    }
    if !tags.0.is_empty() {
        tx.execute(
            "INSERT INTO tags (record, key, value)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&tags.0, &tags.1, &tags.2],
        )?;
    }
    tx.commit()?;
    Ok(ids.len() as u64)
}
