//! What the adoption report reads: one row per Record of a run with the facts the report counts
//! (outcome, the file's columns, the certificate's issuer), and, for a Record that found a file,
//! its diagnostic codes read from the Record's JSON (the only part of the JSON read; a file's
//! warnings and notes are not derived into columns). Aggregates that need many rows at once
//! (contacts shared between domains, distinct files, issuers, churn between runs) are SQL
//! queries here, so that the report's memory does not grow with the store.

use super::Store;
use super::derive::{split_contacts, split_lines};
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One Record as the report counts it.
#[derive(Debug, Clone, Default)]
pub struct Fact {
    pub domain: String,
    pub registrable_domain: Option<String>,
    /// The outcome class and its label (`http_status 404`).
    pub outcome: String,
    pub outcome_label: String,
    pub found: bool,
    /// `well_known`, `legacy` or `given`.
    pub location: Option<String>,
    /// The file was reached through a redirect.
    pub redirected: bool,
    pub valid: bool,
    pub expires: Option<i64>,
    pub signature: Option<String>,
    pub independence: Option<String>,
    pub canonical: Option<String>,
    /// Contacts in order: kind and URI.
    pub contacts: Vec<(String, String)>,
    pub languages: Vec<String>,
    pub encryption: Vec<String>,
    pub policy: bool,
    pub acknowledgments: bool,
    pub hiring: bool,
    pub csaf: bool,
    pub bug_bounty: bool,
    pub tags: BTreeMap<String, String>,
    pub issuer: Option<String>,
    /// Every finding of the file (all levels): code and detail.
    pub findings: Vec<(String, Option<String>)>,
    /// The names of the fields no specification defines, as written.
    pub unknown_fields: Vec<String>,
}

/// The part of a Record's JSON the report reads.
#[derive(Deserialize)]
struct FindingsOnly {
    file: Option<FileFindings>,
}

#[derive(Deserialize)]
struct FileFindings {
    #[serde(default)]
    diagnostics: Vec<FindingOnly>,
    fields: Option<UnknownOnly>,
}

#[derive(Deserialize)]
struct UnknownOnly {
    #[serde(default)]
    unknown: Vec<NameOnly>,
}

#[derive(Deserialize)]
struct NameOnly {
    name: String,
}

#[derive(Deserialize)]
struct FindingOnly {
    code: String,
    #[serde(default)]
    detail: Option<String>,
}

/// The key rates of one run, counted by SQL (for a trend).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRates {
    pub domains: u64,
    pub found: u64,
    pub valid: u64,
    /// Files whose Expires was still ahead when they were crawled.
    pub unexpired: u64,
    pub signed: u64,
    pub verified: u64,
}

/// What changed between two runs, over the domains both crawled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Churn {
    pub common: u64,
    /// A file now, none before.
    pub appeared: u64,
    /// A file before, none now.
    pub disappeared: u64,
    /// A file in both, with other content.
    pub changed: u64,
    /// Unexpired when the first run crawled it, expired when the second did.
    pub newly_expired: u64,
}

/// A text column, empty when NULL.
fn text_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
}

/// A 0/1 column, false when NULL.
fn flag_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<bool> {
    Ok(row.get::<_, Option<i64>>(i)?.unwrap_or(0) != 0)
}

impl Store {
    /// Calls `each` with every Record of `run` as the report counts it, in no particular order.
    pub fn each_fact(&self, run: i64, mut each: impl FnMut(Fact)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.domain, r.registrable_domain, r.outcome, r.outcome_label, r.found,
                        r.location, r.redirects, r.valid, r.expires, r.signature, r.independence,
                        r.canonical, r.contact_list, r.languages, r.encryption, r.policy,
                        r.acknowledgments, r.hiring, r.csaf, r.bug_bounty, r.tags, c.issuer,
                        CASE WHEN r.found THEN j.json END
                 FROM records r
                 LEFT JOIN certificates c ON c.record = r.id
                 LEFT JOIN record_json j ON j.record = r.id
                 WHERE r.run = ?1",
            )
            .with_context(|| self.context())?;
        let mut rows = stmt.query([run]).with_context(|| self.context())?;
        while let Some(row) = rows.next().with_context(|| self.context())? {
            let text = |i: usize| text_at(row, i);
            let flag = |i: usize| flag_at(row, i);
            let json: Option<String> = row.get(22)?;
            let file = json
                .and_then(|j| serde_json::from_str::<FindingsOnly>(&j).ok())
                .and_then(|r| r.file);
            let (findings, unknown_fields) = match file {
                Some(f) => (
                    f.diagnostics
                        .into_iter()
                        .map(|d| (d.code, d.detail))
                        .collect(),
                    f.fields
                        .map(|u| u.unknown.into_iter().map(|n| n.name).collect())
                        .unwrap_or_default(),
                ),
                None => Default::default(),
            };
            let lines = |i: usize| -> rusqlite::Result<Vec<String>> { Ok(split_lines(&text(i)?)) };
            each(Fact {
                domain: row.get(0)?,
                registrable_domain: row.get(1)?,
                outcome: row.get(2)?,
                outcome_label: row.get(3)?,
                found: flag(4)?,
                location: row.get(5)?,
                redirected: !text(6)?.is_empty(),
                valid: flag(7)?,
                expires: row.get(8)?,
                signature: row.get(9)?,
                independence: row.get(10)?,
                canonical: row.get(11)?,
                contacts: split_contacts(&text(12)?)
                    .into_iter()
                    .map(|(kind, _, uri)| (kind, uri))
                    .collect(),
                languages: lines(13)?,
                encryption: lines(14)?,
                policy: !text(15)?.is_empty(),
                acknowledgments: !text(16)?.is_empty(),
                hiring: !text(17)?.is_empty(),
                csaf: !text(18)?.is_empty(),
                bug_bounty: flag(19)?,
                tags: row
                    .get::<_, Option<String>>(20)?
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default(),
                issuer: row.get(21)?,
                findings,
                unknown_fields,
            });
        }
        Ok(())
    }

    /// Contacts named by more than one domain's file in `run`, most shared first: a hoster's or
    /// a central team's address.
    pub fn shared_contacts(&self, run: i64, limit: usize) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.uri, count(*) AS n FROM contacts c JOIN records r ON r.id = c.record
                 WHERE r.run = ?1 GROUP BY c.uri HAVING n > 1 ORDER BY n DESC, c.uri LIMIT ?2",
            )
            .with_context(|| self.context())?;
        let rows = stmt
            .query_map(rusqlite::params![run, limit as i64], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<Result<_, _>>()
            .with_context(|| self.context())?;
        Ok(rows)
    }

    /// How many contacts in `run` are named by more than one domain, and how many domains'
    /// files name at least one such contact.
    pub fn shared_contact_totals(&self, run: i64) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "WITH shared AS (
                     SELECT c.uri FROM contacts c JOIN records r ON r.id = c.record
                     WHERE r.run = ?1 GROUP BY c.uri HAVING count(*) > 1)
                 SELECT (SELECT count(*) FROM shared),
                        (SELECT count(DISTINCT c.record) FROM contacts c
                         JOIN records r ON r.id = c.record
                         WHERE r.run = ?1 AND c.uri IN (SELECT uri FROM shared))",
                [run],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .with_context(|| self.context())
    }

    /// Distinct file contents (by SHA-256) among the files of `run`.
    pub fn distinct_files(&self, run: i64) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(DISTINCT sha256) FROM records WHERE run = ?1 AND found = 1",
                [run],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .with_context(|| self.context())
    }

    /// The key rates of `run`, each as a count of domains.
    pub fn run_rates(&self, run: i64) -> Result<RunRates> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(found), 0), coalesce(sum(found AND valid), 0),
                        coalesce(sum(found AND expires > started), 0),
                        coalesce(sum(found AND signature IS NOT NULL AND signature != 'unsigned'), 0),
                        coalesce(sum(found AND signature = 'verified'), 0)
                 FROM records WHERE run = ?1",
                [run],
                |r| {
                    let n = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)? as u64) };
                    Ok(RunRates {
                        domains: n(0)?,
                        found: n(1)?,
                        valid: n(2)?,
                        unexpired: n(3)?,
                        signed: n(4)?,
                        verified: n(5)?,
                    })
                },
            )
            .with_context(|| self.context())
    }

    /// What changed from run `before` to run `after`, over the domains both crawled.
    pub fn churn(&self, before: i64, after: i64) -> Result<Churn> {
        self.conn
            .query_row(
                "SELECT count(*),
                        coalesce(sum(b.found AND NOT a.found), 0),
                        coalesce(sum(a.found AND NOT b.found), 0),
                        coalesce(sum(a.found AND b.found AND a.sha256 != b.sha256), 0),
                        coalesce(sum(a.found AND b.found AND a.expires > a.started
                                     AND b.expires IS NOT NULL AND b.expires <= b.started), 0)
                 FROM records a JOIN records b ON b.run = ?2 AND b.domain = a.domain
                 WHERE a.run = ?1",
                [before, after],
                |r| {
                    let n = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)? as u64) };
                    Ok(Churn {
                        common: n(0)?,
                        appeared: n(1)?,
                        disappeared: n(2)?,
                        changed: n(3)?,
                        newly_expired: n(4)?,
                    })
                },
            )
            .with_context(|| self.context())
    }
}

/// One side of a domain compared between two runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Side {
    pub outcome: String,
    pub outcome_label: String,
    pub found: bool,
    pub valid: bool,
    /// Error codes when crawled.
    pub errors: Vec<String>,
    pub expires: Option<i64>,
    pub started: i64,
    pub signature: Option<String>,
    pub signer: Option<String>,
    pub contacts: Vec<String>,
    pub sha256: Option<String>,
    pub issuer: Option<String>,
}

/// How the domains of two runs overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overlap {
    pub in_both: u64,
    pub only_before: u64,
    pub only_after: u64,
}

const SIDE_COLUMNS: &str = "outcome, outcome_label, found, valid, errors, expires, started, \
                            signature, signer, contact_list, sha256";

fn side(row: &rusqlite::Row<'_>, at: usize, issuer: usize) -> rusqlite::Result<Side> {
    let text = |i: usize| text_at(row, at + i);
    let flag = |i: usize| flag_at(row, at + i);
    Ok(Side {
        outcome: text(0)?,
        outcome_label: text(1)?,
        found: flag(2)?,
        valid: flag(3)?,
        errors: text(4)?.split_whitespace().map(str::to_owned).collect(),
        expires: row.get(at + 5)?,
        started: row.get(at + 6)?,
        signature: row.get(at + 7)?,
        signer: row.get(at + 8)?,
        contacts: split_contacts(&text(9)?)
            .into_iter()
            .map(|(_, _, uri)| uri)
            .collect(),
        sha256: row.get(at + 10)?,
        issuer: row.get(issuer)?,
    })
}

impl Store {
    /// Calls `each` with every domain both runs crawled, in domain order: (domain, before, after).
    pub fn each_pair(
        &self,
        before: i64,
        after: i64,
        mut each: impl FnMut(String, Side, Side) -> Result<()>,
    ) -> Result<()> {
        let columns = |alias: &str| {
            SIDE_COLUMNS
                .split(", ")
                .map(|c| format!("{alias}.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "SELECT a.domain, {}, {}, ca.issuer, cb.issuer
             FROM records a JOIN records b ON b.run = ?2 AND b.domain = a.domain
             LEFT JOIN certificates ca ON ca.record = a.id
             LEFT JOIN certificates cb ON cb.record = b.id
             WHERE a.run = ?1 ORDER BY a.domain",
            columns("a"),
            columns("b")
        );
        let mut stmt = self.conn.prepare(&sql).with_context(|| self.context())?;
        let mut rows = stmt
            .query([before, after])
            .with_context(|| self.context())?;
        while let Some(row) = rows.next().with_context(|| self.context())? {
            let domain: String = row.get(0)?;
            let a = side(row, 1, 23)?;
            let b = side(row, 12, 24)?;
            each(domain, a, b)?;
        }
        Ok(())
    }

    /// How many domains both runs crawled, and how many only one of them.
    pub fn overlap(&self, before: i64, after: i64) -> Result<Overlap> {
        self.conn
            .query_row(
                "SELECT
                    (SELECT count(*) FROM records a JOIN records b ON b.run = ?2 AND b.domain = a.domain WHERE a.run = ?1),
                    (SELECT count(*) FROM records WHERE run = ?1),
                    (SELECT count(*) FROM records WHERE run = ?2)",
                [before, after],
                |r| {
                    let both = r.get::<_, i64>(0)? as u64;
                    Ok(Overlap {
                        in_both: both,
                        only_before: r.get::<_, i64>(1)? as u64 - both,
                        only_after: r.get::<_, i64>(2)? as u64 - both,
                    })
                },
            )
            .with_context(|| self.context())
    }
}

/// A domain's certificate, as the inventory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRow {
    pub domain: String,
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
    pub not_after: Option<i64>,
    /// The outcome of the crawl with its detail (`found`, `tls_error unknown_issuer`).
    pub outcome_label: String,
}

/// Which certificates the inventory lists.
#[derive(Debug, Clone, Default)]
pub struct CertFilter {
    /// The leaf's issuer contains this text (any case).
    pub issuer: Option<String>,
    /// A CA named by fingerprint or certificate: the chain a host presented contains a
    /// certificate with one of these SHA-256 fingerprints (lower-case hex), or a certificate
    /// issued by one of these subjects (the CA's name, as a leaf or an intermediate names its
    /// issuer; a root is seldom sent, its name always is).
    pub fingerprints: Vec<String>,
    pub subjects: Vec<String>,
}

impl Store {
    /// The certificates of the domains in `scope` (each domain's latest Record across runs,
    /// or one run's) that `filter` keeps, in domain order: the certificate its own host
    /// presented, also when the handshake refused it.
    pub fn certificates(
        &self,
        scope: super::entries::Scope,
        filter: &CertFilter,
    ) -> Result<Vec<CertRow>> {
        use rusqlite::types::Value;
        let mut values: Vec<Value> = Vec::new();
        let scope_sql = match scope {
            super::entries::Scope::Run(run) => {
                values.push(Value::Integer(run));
                "r.run = ?".to_owned()
            }
            super::entries::Scope::Latest => {
                "r.id = (SELECT id FROM records l WHERE l.domain = r.domain
                 ORDER BY l.started DESC, l.id DESC LIMIT 1)"
                    .to_owned()
            }
        };
        let mut conditions = vec![scope_sql];
        if let Some(text) = &filter.issuer {
            conditions.push("instr(lower(c.issuer), lower(?)) > 0".into());
            values.push(Value::Text(text.clone()));
        }
        if !filter.fingerprints.is_empty() || !filter.subjects.is_empty() {
            let list = |items: &[String], values: &mut Vec<Value>| -> String {
                values.extend(items.iter().cloned().map(Value::Text));
                let marks = vec!["?"; items.len()].join(", ");
                if marks.is_empty() {
                    "NULL".into()
                } else {
                    marks
                }
            };
            let fp_leaf = list(&filter.fingerprints, &mut values);
            let issuer_leaf = list(&filter.subjects, &mut values);
            let fp_chain = list(&filter.fingerprints, &mut values);
            let subject_chain = list(&filter.subjects, &mut values);
            let issuer_chain = list(&filter.subjects, &mut values);
            conditions.push(format!(
                "(c.sha256 IN ({fp_leaf}) OR c.issuer IN ({issuer_leaf}) OR EXISTS (
                    SELECT 1 FROM chain_certificates k WHERE k.record = r.id AND (
                        k.sha256 IN ({fp_chain}) OR k.subject IN ({subject_chain})
                        OR k.issuer IN ({issuer_chain}))))"
            ));
        }
        let sql = format!(
            "SELECT r.domain, c.subject, c.issuer, c.sha256, c.not_after, r.outcome_label
             FROM certificates c JOIN records r ON r.id = c.record
             WHERE {} ORDER BY r.domain",
            conditions.join(" AND ")
        );
        let mut stmt = self.conn.prepare(&sql).with_context(|| self.context())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok(CertRow {
                    domain: r.get(0)?,
                    subject: r.get(1)?,
                    issuer: r.get(2)?,
                    sha256: r.get(3)?,
                    not_after: r.get(4)?,
                    outcome_label: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()
            .with_context(|| self.context())?;
        Ok(rows)
    }
}
