//! Persistence of runs and Records in SQLite (bundled, so nothing is needed on the machine).
//!
//! A run has a name; crawling under a name that exists resumes it. Records are written by a
//! dedicated thread in batched transactions, so a Record is either committed whole or absent:
//! a crawl killed at any moment loses only the domains in flight, and the primary key
//! (run, domain) makes a second copy impossible. WAL mode lets the crawl read (resume checks)
//! while the writer writes.

use crate::format::Timestamp;
use crate::record::Record;
use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    started TEXT NOT NULL,
    finished TEXT,
    arguments TEXT NOT NULL,
    version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    run INTEGER NOT NULL REFERENCES runs(id),
    domain TEXT NOT NULL,
    line INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    found INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run, domain)
) WITHOUT ROWID;
";

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
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl Store {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = open_connection(path)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            bail!(
                "`{}` was written by a newer disclose (schema {version}; this one knows {SCHEMA_VERSION})",
                path.display()
            );
        }
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("`{}` is not a disclose database", path.display()))?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
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

    /// The run called `name`, created if it does not exist yet.
    pub fn begin_run(&self, name: &str, arguments: &str, now: Timestamp) -> Result<(Run, bool)> {
        if let Some(run) = self.run(name)? {
            self.conn
                .execute("UPDATE runs SET finished = NULL WHERE id = ?1", [run.id])?;
            return Ok((run, true));
        }
        self.conn.execute(
            "INSERT INTO runs (name, started, arguments, version) VALUES (?1, ?2, ?3, ?4)",
            params![name, now.to_string(), arguments, crate::VERSION],
        )?;
        Ok((
            self.run(name)?.context("the run just created is missing")?,
            false,
        ))
    }

    pub fn run(&self, name: &str) -> Result<Option<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE name = ?1");
        Ok(self.conn.query_row(&sql, [name], run_from_row).optional()?)
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"))?;
        let runs = stmt
            .query_map([], run_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(runs)
    }

    pub fn finish_run(&self, run: i64, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET finished = ?2 WHERE id = ?1",
            params![run, now.to_string()],
        )?;
        Ok(())
    }

    /// The input line a domain was recorded from in this run, if it was recorded.
    pub fn recorded_line(&self, run: i64, domain: &str) -> Result<Option<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT line FROM records WHERE run = ?1 AND domain = ?2")?;
        Ok(stmt
            .query_row(params![run, domain], |r| r.get::<_, i64>(0))
            .optional()?
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
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM records WHERE run = ?1", [run], |r| {
                    r.get(0)
                })?;
        Ok(n as u64)
    }

    /// Every Record of a run, in domain order.
    pub fn records(&self, run: i64) -> Result<Vec<Record>> {
        let mut stmt = self
            .conn
            .prepare("SELECT record FROM records WHERE run = ?1 ORDER BY domain")?;
        let rows = stmt.query_map([run], |r| r.get::<_, String>(0))?;
        rows.map(|json| {
            let json = json?;
            serde_json::from_str(&json).context("a stored record cannot be read")
        })
        .collect()
    }

    /// One domain's Record in a run.
    pub fn record(&self, run: i64, domain: &str) -> Result<Option<Record>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM records WHERE run = ?1 AND domain = ?2",
                params![run, domain],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| serde_json::from_str(&j).context("a stored record cannot be read"))
            .transpose()
    }
}

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
                    written += write_batch(&mut conn, run, &batch)?;
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
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO records (run, domain, line, outcome, found, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for record in batch {
            let json = serde_json::to_string(record)?;
            written += stmt.execute(params![
                run,
                record.domain,
                record.line as i64,
                record.outcome.class(),
                record.file.is_some(),
                json
            ])? as u64;
        }
    }
    tx.commit()
        .context("cannot commit records to the database")?;
    Ok(written)
}
