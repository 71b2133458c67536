//! The questions the store-reading commands ask (lookup, export, report, diff, certs), as one
//! interface over both engines: `ReadStore`. Each question is answered once, in SQL both
//! engines read (`engine.rs`); an engine supplies its connection and how it looks entries up one
//! by one (`EntryLookup`, where SQLite keeps its statements prepared for a long feed).

use super::engine::{Cells, Engine, Param, one_row};
use super::entries::{Scope, StoredEntry, entry_from_cells};
use super::facts::{self, CertFilter, CertRow, Churn, Fact, Overlap, RunRates, Side};
use super::{Run, RunSummary};
use anyhow::Result;
use std::collections::HashMap;

/// Looks entries up one at a time (a feed's items).
pub trait EntryLookup {
    /// The entry of one domain: its Record in the run, or its latest.
    fn entry(&mut self, domain: &str) -> Result<Option<StoredEntry>>;

    /// How many domains resolved to `address` (in the run; for the latest Records, in any run),
    /// and the entries of the first `limit` of them in name order (for the latest Records, those
    /// whose latest Record still resolved there).
    fn at_address(&mut self, address: &str, limit: usize) -> Result<(u64, Vec<StoredEntry>)>;
}

/// The columns of an entry: one row per entry.
pub(crate) const ENTRY_SELECT: &str = "SELECT r.id, r.run, r.domain, r.registrable_domain, r.line,
    r.started, r.outcome, r.outcome_label, r.tags, r.redirected_to,
    r.found, r.requested_url, r.final_url, r.location, r.redirects, r.address, r.sha256,
    r.valid, r.errors, r.expires, r.signature, r.independence, r.signer, r.key_sound,
    r.canonical, r.languages, r.encryption, r.policy, r.acknowledgments, r.hiring, r.csaf,
    r.bug_bounty, r.contact_list, r.canonical_urls
    FROM records r";

/// The three questions of an `EntryLookup` in `scope`: an entry, the domains behind an
/// address (counted), their entries. Parameters: the domain or address, then the run (for a
/// run's scope), then the limit.
pub(crate) fn lookup_sql(scope: Scope) -> (String, &'static str, String) {
    match scope {
        Scope::Run(_) => (
            format!("{ENTRY_SELECT} WHERE r.run = ?2 AND r.domain = ?1"),
            "SELECT count(*) FROM addresses WHERE address = ?1 AND run = ?2",
            format!(
                "{ENTRY_SELECT} JOIN addresses a ON a.record = r.id
                 WHERE a.address = ?1 AND a.run = ?2 ORDER BY a.domain LIMIT ?3"
            ),
        ),
        Scope::Latest => (
            format!(
                "{ENTRY_SELECT} WHERE r.id = (SELECT id FROM records WHERE domain = ?1
                 ORDER BY started DESC, id DESC LIMIT 1)"
            ),
            "SELECT count(DISTINCT domain) FROM addresses WHERE address = ?1",
            format!(
                "{ENTRY_SELECT} JOIN addresses a ON a.record = r.id
                 WHERE a.address = ?1 AND r.id = (SELECT id FROM records l
                   WHERE l.domain = a.domain ORDER BY l.started DESC, l.id DESC LIMIT 1)
                 ORDER BY a.domain LIMIT ?2"
            ),
        ),
    }
}

/// The store-reading commands' view of a store, on either engine.
pub trait ReadStore {
    /// The engine, to ask it SQL.
    fn engine(&self) -> Box<dyn Engine + '_>;

    /// A looker-up of entries in `scope`, for many questions.
    fn entries(&self, scope: Scope) -> Result<Box<dyn EntryLookup + '_>>;

    fn run(&self, name: &str) -> Result<Option<Run>>;

    /// All runs, oldest first.
    fn runs(&self) -> Result<Vec<Run>>;

    /// All runs, oldest first, with how many domains each recorded and how many had a file.
    fn run_summaries(&self) -> Result<Vec<RunSummary>> {
        let mut counts: HashMap<i64, (u64, u64)> = HashMap::new();
        self.engine().each_row(
            "SELECT run, count(*), sum(found) FROM records GROUP BY run",
            &[],
            &mut |row| {
                let run = row.int(0)?.unwrap_or_default();
                counts.insert(run, (row.count(1)?, row.count(2)?));
                Ok(true)
            },
        )?;
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

    /// The store's name for messages (a path, or a URL without its password).
    fn shown(&self) -> String {
        self.engine().shown()
    }

    /// The names of the runs, by id.
    fn run_names(&self) -> Result<HashMap<i64, String>> {
        Ok(self.runs()?.into_iter().map(|r| (r.id, r.name)).collect())
    }

    /// Calls `each` with the entries in `scope`, in domain order; with `found_only`, only those
    /// with a file. `each` returns `false` to stop.
    fn each_entry(
        &self,
        scope: Scope,
        found_only: bool,
        each: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()> {
        let found = if found_only { " AND r.found = 1" } else { "" };
        let (sql, params) = match scope {
            Scope::Run(run) => (
                format!("{ENTRY_SELECT} WHERE r.run = ?1{found} ORDER BY r.domain"),
                vec![Param::Int(run)],
            ),
            Scope::Latest => (
                format!(
                    "{ENTRY_SELECT} WHERE 1 = 1{found} ORDER BY r.domain, r.started DESC, r.id DESC"
                ),
                Vec::new(),
            ),
        };
        let runs = self.run_names()?;
        let latest_only = scope == Scope::Latest;
        let mut last_domain = String::new();
        self.engine()
            .each_row(&sql, &params, &mut |row: &dyn Cells| {
                let entry = entry_from_cells(row, &runs)?;
                // Across runs, the first Record of a domain is its latest.
                if latest_only {
                    if entry.domain == last_domain {
                        return Ok(true);
                    }
                    last_domain.clone_from(&entry.domain);
                }
                each(entry)
            })
    }

    /// The distinct tag names of the Records in `scope`, sorted.
    fn tag_names(&self, scope: Scope) -> Result<Vec<String>> {
        let (sql, params) = match scope {
            Scope::Run(run) => (
                "SELECT DISTINCT t.key FROM tags t JOIN records r ON r.id = t.record
                 WHERE r.run = ?1 ORDER BY t.key",
                vec![Param::Int(run)],
            ),
            Scope::Latest => ("SELECT DISTINCT key FROM tags ORDER BY key", Vec::new()),
        };
        let mut names = Vec::new();
        self.engine().each_row(sql, &params, &mut |row| {
            names.push(row.owned(0)?.unwrap_or_default());
            Ok(true)
        })?;
        Ok(names)
    }

    fn each_fact(&self, run: i64, each: &mut dyn FnMut(Fact)) -> Result<()> {
        facts::each_fact(&*self.engine(), run, each)
    }
    fn shared_contacts(&self, run: i64, limit: usize) -> Result<facts::SharedContacts> {
        facts::shared_contacts(&*self.engine(), run, limit)
    }
    fn distinct_files(&self, run: i64) -> Result<u64> {
        facts::distinct_files(&*self.engine(), run)
    }
    fn run_rates(&self, run: i64) -> Result<RunRates> {
        facts::run_rates(&*self.engine(), run)
    }
    fn churn(&self, before: i64, after: i64) -> Result<Churn> {
        facts::churn(&*self.engine(), before, after)
    }
    fn each_pair(
        &self,
        before: i64,
        after: i64,
        each: &mut dyn FnMut(String, Side, Side) -> Result<()>,
    ) -> Result<()> {
        facts::each_pair(&*self.engine(), before, after, each)
    }
    fn overlap(&self, before: i64, after: i64) -> Result<Overlap> {
        facts::overlap(&*self.engine(), before, after)
    }
    fn certificates(&self, scope: Scope, filter: &CertFilter) -> Result<Vec<CertRow>> {
        facts::certificates(&*self.engine(), scope, filter)
    }
}

/// An `EntryLookup` that asks the engine each time (PostgreSQL's).
pub(crate) struct EngineLookup<'e> {
    pub engine: Box<dyn Engine + 'e>,
    pub scope: Scope,
    pub runs: HashMap<i64, String>,
}

impl EntryLookup for EngineLookup<'_> {
    fn entry(&mut self, domain: &str) -> Result<Option<StoredEntry>> {
        let (sql, _, _) = lookup_sql(self.scope);
        let mut params = vec![Param::Text(domain.to_owned())];
        if let Scope::Run(run) = self.scope {
            params.push(Param::Int(run));
        }
        let mut found = None;
        let runs = &self.runs;
        self.engine.each_row(&sql, &params, &mut |row| {
            found = Some(entry_from_cells(row, runs)?);
            Ok(false)
        })?;
        Ok(found)
    }

    fn at_address(&mut self, address: &str, limit: usize) -> Result<(u64, Vec<StoredEntry>)> {
        let (_, count_sql, entries_sql) = lookup_sql(self.scope);
        let mut params = vec![Param::Text(address.to_owned())];
        if let Scope::Run(run) = self.scope {
            params.push(Param::Int(run));
        }
        let count = one_row(&*self.engine, count_sql, &params, |row| row.count(0))?;
        if count == 0 {
            return Ok((0, Vec::new()));
        }
        params.push(Param::Int(limit.min(i64::MAX as usize) as i64));
        let mut entries = Vec::new();
        let runs = &self.runs;
        self.engine.each_row(&entries_sql, &params, &mut |row| {
            entries.push(entry_from_cells(row, runs)?);
            Ok(true)
        })?;
        Ok((count, entries))
    }
}
