//! Persistence of runs and Records in SQLite (bundled, so nothing is needed on the machine), and
//! the tables derived from Records for the directory's questions.
//!
//! A run has a name; crawling under a name that exists resumes it. Records are written by a
//! dedicated thread in batched transactions, each Record with its derived rows (`derive`), so a
//! Record is either committed whole or absent: a crawl killed at any moment loses only the
//! domains in flight, and the key (run, domain) makes a second copy impossible. WAL mode lets
//! the crawl read (resume checks) while the writer writes. `schema` says what the tables hold and
//! how an older store is upgraded; `entries` what the directory reads back.

pub mod derive;
pub mod engine;
pub mod entries;
pub mod facts;
pub mod location;
pub mod postgres;
pub mod read;
mod schema;

use crate::format::Timestamp;
use crate::record::Record;
use anyhow::{Context, Result, bail};
use entries::{Scope, StoredEntry};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use schema::SCHEMA_VERSION;

/// A crawl run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub name: String,
    pub started: String,
    pub finished: Option<String>,
    pub arguments: String,
    pub version: String,
}

/// A run with what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run: Run,
    /// Domains recorded.
    pub domains: u64,
    /// Domains with a file.
    pub found: u64,
}

const RUN_COLUMNS: &str = "id, name, started, finished, arguments, version";

fn run_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        name: r.get(1)?,
        started: r.get(2)?,
        finished: r.get(3)?,
        arguments: r.get(4)?,
        version: r.get(5)?,
    })
}

/// A connection to the database for everything but writing Records.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open the database `{}`", path.display()))?;
    let configure = || -> rusqlite::Result<()> {
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MiB of pages (SQLite's default is 2 MiB): the indexes' upper levels of a store of
        // millions of Records stay in memory, and a lookup reads a few pages, not a dozen.
        conn.pragma_update(None, "cache_size", -32768)?;
        Ok(())
    };
    configure().map_err(|e| describe_open_error(e, path))?;
    Ok(conn)
}

/// Says which file is wrong, and how, in words.
fn describe_open_error(e: rusqlite::Error, path: &Path) -> anyhow::Error {
    let shown = path.display();
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            anyhow::anyhow!("`{shown}` is not a disclose database (it is not an SQLite file)")
        }
        Some(rusqlite::ErrorCode::ReadOnly) => anyhow::anyhow!(
            "cannot write to the database `{shown}`: it is read-only (check its permissions and those of its directory)"
        ),
        Some(rusqlite::ErrorCode::CannotOpen) => {
            anyhow::anyhow!("cannot open the database `{shown}`")
        }
        _ => anyhow::Error::new(e).context(format!("cannot use the database `{shown}`")),
    }
}

impl Store {
    /// Opens the database at `path`, creating it if it does not exist, upgrading it if an older
    /// disclose wrote it; refuses one from a newer disclose or another program.
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = open_connection(path)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| describe_open_error(e, path))?;
        let shown = path.display();
        if version > SCHEMA_VERSION {
            bail!(
                "`{shown}` was written by a newer disclose (schema {version}; this one knows {SCHEMA_VERSION}): use that version, or another database"
            );
        }
        if version == 0 {
            let foreign: Option<String> = conn
                .query_row(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| describe_open_error(e, path))?;
            if let Some(table) = foreign {
                bail!(
                    "`{shown}` is an SQLite database of another program (it has a table `{}` and no disclose schema): give disclose a database of its own",
                    crate::escape::for_terminal(&table)
                );
            }
            conn.execute_batch(schema::TABLES)
                .map_err(|e| describe_open_error(e, path))?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|e| describe_open_error(e, path))?;
        } else if version == 1 {
            upgrade_from_1(&mut conn, path)?;
        } else {
            // Tables added within schema 2 (chain_certificates) are created when missing.
            conn.execute_batch(schema::TABLES)
                .map_err(|e| describe_open_error(e, path))?;
        }
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// Opens a database that must exist already: for the commands that only read.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            bail!(
                "there is no database `{}`: crawl into it first (`disclose crawl LIST --db {}`), or name another with --db",
                path.display(),
                path.display()
            );
        }
        Store::open(path)
    }

    /// Another connection to the same database, for a task that cannot share this one
    /// (a connection is not `Sync`). The schema is already in place.
    pub fn reopen(&self) -> Result<Store> {
        Ok(Store {
            conn: open_connection(&self.path)?,
            path: self.path.clone(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn context(&self) -> String {
        format!("cannot read the database `{}`", self.path.display())
    }

    /// The run called `name`, created if it does not exist yet; `true` when it existed.
    pub fn begin_run(&self, name: &str, arguments: &str, now: Timestamp) -> Result<(Run, bool)> {
        if let Some(run) = self.run(name)? {
            self.conn
                .execute("UPDATE runs SET finished = NULL WHERE id = ?1", [run.id])
                .with_context(|| self.context())?;
            return Ok((run, true));
        }
        self.conn
            .execute(
                "INSERT INTO runs (name, started, arguments, version) VALUES (?1, ?2, ?3, ?4)",
                params![name, now.to_string(), arguments, crate::VERSION],
            )
            .map_err(|e| describe_open_error(e, &self.path))?;
        Ok((
            self.run(name)?.context("the run just created is missing")?,
            false,
        ))
    }

    pub fn run(&self, name: &str) -> Result<Option<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE name = ?1");
        self.conn
            .query_row(&sql, [name], run_from_row)
            .optional()
            .with_context(|| self.context())
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"))
            .with_context(|| self.context())?;
        let runs = stmt
            .query_map([], run_from_row)?
            .collect::<Result<_, _>>()
            .with_context(|| self.context())?;
        Ok(runs)
    }

    pub fn finish_run(&self, run: i64, now: Timestamp) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET finished = ?2 WHERE id = ?1",
                params![run, now.to_string()],
            )
            .with_context(|| self.context())?;
        Ok(())
    }

    /// How many domains of a run ended in each outcome class.
    pub fn outcomes(&self, run: i64) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT outcome, count(*) FROM records WHERE run = ?1 GROUP BY outcome")
            .with_context(|| self.context())?;
        let counts = stmt
            .query_map([run], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<Result<_, _>>()
            .with_context(|| self.context())?;
        Ok(counts)
    }

    /// Removes a run that holds no Records (one a failed start left empty).
    pub fn delete_empty_run(&self, run: i64) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM runs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM records WHERE run = ?1)",
                [run],
            )
            .with_context(|| self.context())?;
        Ok(())
    }

    /// Forgets the Records of a run whose outcome `retry` says is worth another crawl (with
    /// their derived rows), so that resuming the run crawls those domains again. Returns how
    /// many were forgotten. One transaction: all or none.
    pub fn forget(&mut self, run: i64, retry: impl Fn(&str, &str) -> bool) -> Result<u64> {
        let context = self.context();
        let tx = self.conn.transaction().with_context(|| context.clone())?;
        let ids: Vec<i64> = {
            let mut stmt =
                tx.prepare("SELECT id, outcome, outcome_label FROM records WHERE run = ?1")?;
            let rows = stmt.query_map([run], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, class, label) = row?;
                if retry(&class, &label) {
                    ids.push(id);
                }
            }
            ids
        };
        for table in [
            "record_json",
            "contacts",
            "addresses",
            "certificates",
            "chain_certificates",
            "tags",
        ] {
            let mut stmt = tx.prepare(&format!("DELETE FROM {table} WHERE record = ?1"))?;
            for id in &ids {
                stmt.execute([id])?;
            }
        }
        {
            let mut stmt = tx.prepare("DELETE FROM records WHERE id = ?1")?;
            for id in &ids {
                stmt.execute([id])?;
            }
        }
        tx.commit().with_context(|| context)?;
        Ok(ids.len() as u64)
    }

    /// The input line a domain was recorded from in this run, if it was recorded.
    pub fn recorded_line(&self, run: i64, domain: &str) -> Result<Option<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT line FROM records WHERE run = ?1 AND domain = ?2")?;
        Ok(stmt
            .query_row(params![run, domain], |r| r.get::<_, i64>(0))
            .optional()
            .with_context(|| self.context())?
            .map(|l| l as u64))
    }

    /// Calls `each` with every domain recorded in `run`, streaming (a run may hold millions).
    pub fn each_recorded_domain(&self, run: i64, mut each: impl FnMut(&str)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT domain FROM records WHERE run = ?1")?;
        let mut rows = stmt.query([run])?;
        while let Some(row) = rows.next()? {
            each(row.get_ref(0)?.as_str()?);
        }
        Ok(())
    }

    pub fn count(&self, run: i64) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records WHERE run = ?1", [run], |r| {
                r.get(0)
            })
            .with_context(|| self.context())?;
        Ok(n as u64)
    }

    fn parse_record(&self, json: &str, run: i64, domain: &str) -> Result<Record> {
        serde_json::from_str(json).with_context(|| {
            format!(
                "the Record of `{}` in run {run} of `{}` cannot be read",
                crate::escape::for_terminal(domain),
                self.path.display()
            )
        })
    }

    /// Calls `each` with every Record of a run, in domain order, streaming.
    pub fn each_record(&self, run: i64, mut each: impl FnMut(Record) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.domain, j.json FROM records r JOIN record_json j ON j.record = r.id
                 WHERE r.run = ?1 ORDER BY r.domain",
            )
            .with_context(|| self.context())?;
        let mut rows = stmt.query([run])?;
        while let Some(row) = rows.next()? {
            let domain: String = row.get(0)?;
            let json: String = row.get(1)?;
            each(self.parse_record(&json, run, &domain)?)?;
        }
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
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT j.json FROM records r JOIN record_json j ON j.record = r.id
                 WHERE r.run = ?1 AND r.domain = ?2",
                params![run, domain],
                |r| r.get(0),
            )
            .optional()
            .with_context(|| self.context())?;
        json.map(|j| self.parse_record(&j, run, domain)).transpose()
    }

    /// Writes Records in one transaction (what `Writer` does on its thread); a Record the run
    /// already has is left as it is. Returns how many were new.
    pub fn write(&mut self, run: i64, batch: &[Record]) -> Result<u64> {
        write_batch(&mut self.conn, run, batch)
    }

    /// A reader of entries in `scope`, its statements prepared once for many questions.
    pub fn reader(&self, scope: Scope) -> Result<EntryReader<'_>> {
        // Statements kept here rather than in rusqlite's cache: the cache clears a statement's
        // bindings when it takes it back, and SQLite then prepares again every statement whose
        // plan it marked as depending on a parameter (measured: 120 µs per entry instead of 15).
        let (entry, count, at_address) = read::lookup_sql(scope);
        // One read transaction for all the reader's questions: a transaction per question took
        // and released the WAL's shared lock (two system calls) each time.
        let transaction = self.conn.execute_batch("BEGIN").is_ok();
        Ok(EntryReader {
            store: self,
            scope,
            runs: self.run_names()?,
            transaction,
            entry: self.conn.prepare(&entry).with_context(|| self.context())?,
            count: self.conn.prepare(count).with_context(|| self.context())?,
            at_address: self
                .conn
                .prepare(&at_address)
                .with_context(|| self.context())?,
        })
    }

    /// The names of the runs, by id.
    fn run_names(&self) -> Result<HashMap<i64, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name FROM runs")
            .with_context(|| self.context())?;
        let names = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()
            .with_context(|| self.context())?;
        Ok(names)
    }
}

impl read::ReadStore for Store {
    fn engine(&self) -> Box<dyn engine::Engine + '_> {
        Box::new(engine::SqliteEngine {
            conn: &self.conn,
            shown: self.path.display().to_string(),
        })
    }

    fn entries(&self, scope: Scope) -> Result<Box<dyn read::EntryLookup + '_>> {
        Ok(Box::new(self.reader(scope)?))
    }

    fn run(&self, name: &str) -> Result<Option<Run>> {
        Store::run(self, name)
    }

    fn runs(&self) -> Result<Vec<Run>> {
        Store::runs(self)
    }
}

/// Answers questions about entries in one scope with statements prepared once.
pub struct EntryReader<'s> {
    store: &'s Store,
    scope: Scope,
    runs: HashMap<i64, String>,
    /// The reader began a transaction, which it ends when dropped.
    transaction: bool,
    entry: rusqlite::Statement<'s>,
    count: rusqlite::Statement<'s>,
    at_address: rusqlite::Statement<'s>,
}

impl read::EntryLookup for EntryReader<'_> {
    fn entry(&mut self, domain: &str) -> Result<Option<StoredEntry>> {
        let store = self.store;
        let rows = match self.scope {
            Scope::Run(run) => self.entry.query(params![domain, run]),
            Scope::Latest => self.entry.query(params![domain]),
        }
        .with_context(|| store.context())?;
        let mut found = None;
        read_entries(rows, &self.runs, &|| store.context(), |entry| {
            found = Some(entry);
            Ok(false)
        })?;
        Ok(found)
    }

    fn at_address(&mut self, address: &str, limit: usize) -> Result<(u64, Vec<StoredEntry>)> {
        let store = self.store;
        let limit = limit.min(i64::MAX as usize) as i64;
        let count: i64 = match self.scope {
            Scope::Run(run) => self.count.query_row(params![address, run], |r| r.get(0)),
            Scope::Latest => self.count.query_row(params![address], |r| r.get(0)),
        }
        .with_context(|| store.context())?;
        if count == 0 {
            return Ok((0, Vec::new()));
        }
        let rows = match self.scope {
            Scope::Run(run) => self.at_address.query(params![address, run, limit]),
            Scope::Latest => self.at_address.query(params![address, limit]),
        }
        .with_context(|| store.context())?;
        let mut entries = Vec::new();
        read_entries(rows, &self.runs, &|| store.context(), |entry| {
            entries.push(entry);
            Ok(true)
        })?;
        Ok((count as u64, entries))
    }
}

impl Drop for EntryReader<'_> {
    fn drop(&mut self) {
        if self.transaction {
            let _ = self.store.conn.execute_batch("COMMIT");
        }
    }
}

/// Reads the rows of an `ENTRY_SELECT` as entries, naming their runs from `runs`. The store's
/// errors get `context`; those of `each` (a closed pipe, say) pass as they are.
fn read_entries(
    mut rows: rusqlite::Rows<'_>,
    runs: &HashMap<i64, String>,
    context: &dyn Fn() -> String,
    mut each: impl FnMut(StoredEntry) -> Result<bool>,
) -> Result<()> {
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(()),
            Err(e) => return Err(anyhow::Error::new(e).context(context())),
        };
        let entry = entry_from_row(row, runs).with_context(context)?;
        if !each(entry)? {
            return Ok(());
        }
    }
}

fn entry_from_row(row: &rusqlite::Row<'_>, runs: &HashMap<i64, String>) -> Result<StoredEntry> {
    entries::entry_from_cells(&engine::sqlite_cells(row), runs)
}

/// How many Records an upgrade must hold before it shows a progress bar.
const UPGRADE_PROGRESS_FROM: u64 = 10_000;

/// Upgrades a schema-1 store in place, in one transaction: the Records are moved into the
/// schema-2 table as they are (byte for byte) and the derived tables are built from them.
fn upgrade_from_1(conn: &mut Connection, path: &Path) -> Result<()> {
    let shown = path.display();
    let total: i64 = conn
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .map_err(|e| describe_open_error(e, path))?;
    let total = total as u64;
    crate::crawl::progress::say(&format!(
        "disclose: upgrading `{shown}` from schema 1 to {SCHEMA_VERSION} ({total} Records); older disclose versions will not read it afterwards"
    ));
    let bar = crate::crawl::progress::upgrade_bar(total, total >= UPGRADE_PROGRESS_FROM);
    let tx = conn
        .transaction()
        .map_err(|e| describe_open_error(e, path))?;
    tx.execute_batch(&format!(
        "ALTER TABLE records RENAME TO {old};",
        old = schema::SCHEMA_1_RECORDS
    ))
    .map_err(|e| describe_open_error(e, path))?;
    tx.execute_batch(schema::TABLES)
        .with_context(|| format!("cannot upgrade `{shown}`"))?;
    {
        let mut read = tx.prepare(&format!(
            "SELECT run, domain, line, record FROM {} ORDER BY run, domain",
            schema::SCHEMA_1_RECORDS
        ))?;
        let mut rows = read.query([])?;
        let mut writes = Inserts::prepare(&tx)?;
        while let Some(row) = rows.next()? {
            let run: i64 = row.get(0)?;
            let domain: String = row.get(1)?;
            let json: String = row.get(3)?;
            let record: Record = serde_json::from_str(&json).with_context(|| {
                format!(
                    "cannot upgrade `{shown}`: the Record of `{}` in run {run} cannot be read",
                    crate::escape::for_terminal(&domain)
                )
            })?;
            // The Record keeps the line it was stored with.
            let line: i64 = row.get(2)?;
            writes.insert(run, &record, line, &json)?;
            bar.inc(1);
        }
    }
    tx.execute_batch(&format!("DROP TABLE {};", schema::SCHEMA_1_RECORDS))?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()
        .with_context(|| format!("cannot commit the upgrade of `{shown}`"))?;
    bar.finish_and_clear();
    Ok(())
}

/// The prepared statements that write one Record and its derived rows.
struct Inserts<'t> {
    conn: &'t Connection,
    record: rusqlite::CachedStatement<'t>,
    json: rusqlite::CachedStatement<'t>,
    contact: rusqlite::CachedStatement<'t>,
    address: rusqlite::CachedStatement<'t>,
    certificate: rusqlite::CachedStatement<'t>,
    chain: rusqlite::CachedStatement<'t>,
    tag: rusqlite::CachedStatement<'t>,
}

impl<'t> Inserts<'t> {
    fn prepare(tx: &'t rusqlite::Transaction<'_>) -> Result<Inserts<'t>> {
        Ok(Inserts {
            conn: tx,
            record: tx.prepare_cached(
                "INSERT OR IGNORE INTO records (run, domain, registrable_domain, line, started,
                 outcome, outcome_label, found, redirected_to, tags, requested_url, final_url,
                 location, redirects, address, sha256, size, content_type, valid, errors, expires,
                 signature, independence, signer, key_sound, canonical, canonical_urls,
                 contact_list, languages, encryption, policy, acknowledgments, hiring, csaf,
                 bug_bounty)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32,
                 ?33, ?34, ?35)",
            )?,
            json: tx.prepare_cached("INSERT INTO record_json (record, json) VALUES (?1, ?2)")?,
            contact: tx.prepare_cached(
                "INSERT INTO contacts (record, position, uri, kind, valid) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            address: tx.prepare_cached(
                "INSERT OR IGNORE INTO addresses (address, domain, run, record) VALUES (?1, ?2, ?3, ?4)",
            )?,
            certificate: tx.prepare_cached(
                "INSERT INTO certificates (record, sha256, subject, issuer, not_before, not_after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            chain: tx.prepare_cached(
                "INSERT INTO chain_certificates (record, position, sha256, subject, issuer, not_after)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            tag: tx.prepare_cached(
                "INSERT OR IGNORE INTO tags (record, key, value) VALUES (?1, ?2, ?3)",
            )?,
        })
    }

    /// Writes `record` (as `json`) into `run`; `false` when the run already had the domain.
    fn insert(&mut self, run: i64, record: &Record, line: i64, json: &str) -> Result<bool> {
        let d = derive::derive(record);
        let f = d.file.as_ref();
        let inserted = self.record.execute(params![
            run,
            record.domain,
            record.registrable_domain,
            line,
            d.started,
            record.outcome.class(),
            d.outcome_label,
            record.file.is_some(),
            d.redirected_to,
            d.tags,
            f.map(|f| &f.requested_url),
            f.map(|f| &f.final_url),
            f.map(|f| f.location),
            f.map(|f| &f.redirects),
            f.and_then(|f| f.address.as_ref()),
            f.map(|f| &f.sha256),
            f.map(|f| f.size),
            f.and_then(|f| f.content_type.as_ref()),
            f.map(|f| f.valid),
            f.map(|f| &f.errors),
            f.and_then(|f| f.expires),
            f.map(|f| f.signature),
            f.and_then(|f| f.independence),
            f.and_then(|f| f.signer.as_ref()),
            f.map(|f| f.key_sound),
            f.map(|f| f.canonical),
            f.map(|f| &f.canonical_urls),
            f.map(|f| &f.contact_list),
            f.map(|f| &f.languages),
            f.map(|f| &f.encryption),
            f.map(|f| &f.policy),
            f.map(|f| &f.acknowledgments),
            f.map(|f| &f.hiring),
            f.map(|f| &f.csaf),
            f.and_then(|f| f.bug_bounty),
        ])?;
        if inserted == 0 {
            return Ok(false);
        }
        let id = self.conn.last_insert_rowid();
        self.json.execute(params![id, json])?;
        for c in &d.contacts {
            self.contact
                .execute(params![id, c.position, c.uri, c.kind, c.valid])?;
        }
        for a in &d.addresses {
            self.address.execute(params![a, record.domain, run, id])?;
        }
        if let Some(c) = &d.certificate {
            self.certificate.execute(params![
                id,
                c.sha256,
                c.subject,
                c.issuer,
                c.not_before,
                c.not_after
            ])?;
        }
        for (i, c) in d.chain.iter().enumerate() {
            self.chain.execute(params![
                id,
                i as i64 + 1,
                c.sha256,
                c.subject,
                c.issuer,
                c.not_after
            ])?;
        }
        for (key, value) in &record.tags {
            self.tag.execute(params![id, key, value])?;
        }
        Ok(true)
    }
}

/// Writes a batch of Records in one transaction; returns how many were new.
pub type RecordSink = Box<dyn FnMut(&[Record]) -> Result<u64> + Send>;

/// Writes Records in batches on its own thread. Dropping the sender side (via `finish`) commits
/// what is left. Records arrive in groups (`Vec`), so that the thread is woken once per group
/// rather than once per Record.
pub struct Writer {
    sender: Option<mpsc::SyncSender<Vec<Record>>>,
    thread: Option<JoinHandle<Result<u64>>>,
}

/// How many Records a transaction holds at most, and how long the first may wait for company.
/// The crawl's groups (64 Records, or 100 ms) spare wake-ups; waiting for more of them makes
/// fewer, larger transactions (measured: committing each group as it came cost ~1.5% more CPU).
const BATCH_SIZE: usize = 256;
const BATCH_WAIT: Duration = Duration::from_millis(200);

impl Writer {
    /// Starts the writer for `run` on the database at `path`. `committed` is called after each
    /// commit with the domains it made durable.
    pub fn start(
        path: &Path,
        run: i64,
        committed: impl Fn(&[String]) + Send + 'static,
    ) -> Result<Writer> {
        let mut conn = open_connection(path)?;
        Writer::start_with(
            Box::new(move |batch: &[Record]| write_batch(&mut conn, run, batch)),
            committed,
        )
    }

    /// Starts a writer that hands each batch to `sink` (which writes it in one transaction and
    /// returns how many Records were new): the PostgreSQL store's, or SQLite's.
    pub fn start_with(
        mut sink: RecordSink,
        committed: impl Fn(&[String]) + Send + 'static,
    ) -> Result<Writer> {
        let (sender, receiver) = mpsc::sync_channel::<Vec<Record>>(16);
        let thread = std::thread::Builder::new()
            .name("disclose-store".into())
            .spawn(move || -> Result<u64> {
                let mut written = 0;
                let mut batch: Vec<Record> = Vec::with_capacity(BATCH_SIZE);
                while let Ok(first) = receiver.recv() {
                    batch.extend(first);
                    let deadline = Instant::now() + BATCH_WAIT;
                    while batch.len() < BATCH_SIZE {
                        let left = deadline.saturating_duration_since(Instant::now());
                        match receiver.recv_timeout(left) {
                            Ok(more) => batch.extend(more),
                            Err(_) => break,
                        }
                    }
                    written += sink(&batch)?;
                    let domains: Vec<String> = batch.drain(..).map(|r| r.domain).collect();
                    committed(&domains);
                }
                Ok(written)
            })
            .context("cannot start the store thread")?;
        Ok(Writer {
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// A handle to send Records with, from any thread.
    pub fn sender(&self) -> mpsc::SyncSender<Vec<Record>> {
        self.sender.clone().expect("the writer is running")
    }

    /// Commits what is pending and stops; returns how many Records were written.
    pub fn finish(mut self) -> Result<u64> {
        self.sender.take();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => bail!("the store thread panicked"),
            None => Ok(0),
        }
    }
}

fn write_batch(conn: &mut Connection, run: i64, batch: &[Record]) -> Result<u64> {
    let tx = conn.transaction()?;
    let mut written = 0;
    {
        let mut inserts = Inserts::prepare(&tx)?;
        for record in batch {
            let json = serde_json::to_string(record)?;
            written += u64::from(inserts.insert(run, record, record.line as i64, &json)?);
        }
    }
    tx.commit()
        .context("cannot commit records to the database")?;
    Ok(written)
}
