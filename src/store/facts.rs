//! What the adoption report reads: one row per Record of a run with the facts the report counts
//! (outcome, the file's columns, the certificate's issuer), and, for a Record that found a file,
//! its diagnostic codes read from the Record's JSON (the only part of the JSON read; a file's
//! warnings and notes are not derived into columns). Aggregates that need many rows at once
//! (contacts shared between domains, distinct files, issuers, churn between runs) are SQL
//! queries here, so that the report's memory does not grow with the store.

use super::derive::{split_contacts, split_lines};
use super::engine::{Cells, Engine, Param, one_row};
use anyhow::Result;
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

/// Calls `each` with every Record of `run` as the report counts it, in no particular order.
pub fn each_fact(engine: &dyn Engine, run: i64, each: &mut dyn FnMut(Fact)) -> Result<()> {
    engine.each_row(
        "SELECT r.domain, r.registrable_domain, r.outcome, r.outcome_label, r.found,
                r.location, r.redirects, r.valid, r.expires, r.signature, r.independence,
                r.canonical, r.contact_list, r.languages, r.encryption, r.policy,
                r.acknowledgments, r.hiring, r.csaf, r.bug_bounty, r.tags, c.issuer,
                CASE WHEN r.found = 1 THEN j.json END
         FROM records r
         LEFT JOIN certificates c ON c.record = r.id
         LEFT JOIN record_json j ON j.record = r.id
         WHERE r.run = ?1",
        &[Param::Int(run)],
        &mut |row| {
            let file = row
                .text(22)?
                .and_then(|j| serde_json::from_str::<FindingsOnly>(j).ok())
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
            let lines =
                |i: usize| -> Result<Vec<String>> { Ok(split_lines(row.text_or_empty(i)?)) };
            let present = |i: usize| -> Result<bool> { Ok(!row.text_or_empty(i)?.is_empty()) };
            each(Fact {
                domain: row.owned(0)?.unwrap_or_default(),
                registrable_domain: row.owned(1)?,
                outcome: row.owned(2)?.unwrap_or_default(),
                outcome_label: row.owned(3)?.unwrap_or_default(),
                found: row.flag(4)?,
                location: row.owned(5)?,
                redirected: present(6)?,
                valid: row.flag(7)?,
                expires: row.int(8)?,
                signature: row.owned(9)?,
                independence: row.owned(10)?,
                canonical: row.owned(11)?,
                contacts: split_contacts(row.text_or_empty(12)?)
                    .into_iter()
                    .map(|(kind, _, uri)| (kind, uri))
                    .collect(),
                languages: lines(13)?,
                encryption: lines(14)?,
                policy: present(15)?,
                acknowledgments: present(16)?,
                hiring: present(17)?,
                csaf: present(18)?,
                bug_bounty: row.flag(19)?,
                tags: row
                    .text(20)?
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default(),
                issuer: row.owned(21)?,
                findings,
                unknown_fields,
            });
            Ok(true)
        },
    )
}

/// Contacts named by more than one domain's file in a run: a hoster's or a central team's
/// address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedContacts {
    /// How many contacts are named by more than one domain.
    pub contacts: u64,
    /// How many domains' files name at least one of them.
    pub files: u64,
    /// The most shared, most first (then by name), with how many domains name each.
    pub most_shared: Vec<(String, u64)>,
}

/// The contacts of `run` named by more than one domain, the `limit` most shared listed. One
/// statement, so that the run's contacts are grouped once: the counts and the list were two
/// queries that grouped them three times (2.8 s of the report's 8 s on 1,000,000 Records; 1.7 s
/// now). A domain whose file names a contact twice does not share it with itself. The counts
/// come on every listed row, so at least one is asked for.
pub fn shared_contacts(engine: &dyn Engine, run: i64, limit: usize) -> Result<SharedContacts> {
    let mut shared = SharedContacts::default();
    engine.each_row(
        "WITH shared AS MATERIALIZED (
             SELECT c.uri, count(DISTINCT c.record) AS n FROM contacts c
             JOIN records r ON r.id = c.record
             WHERE r.run = ?1 GROUP BY c.uri HAVING count(DISTINCT c.record) > 1)
         SELECT uri, n,
                (SELECT count(*) FROM shared),
                (SELECT count(DISTINCT c.record) FROM shared s
                 JOIN contacts c ON c.uri = s.uri JOIN records r ON r.id = c.record
                 WHERE r.run = ?1)
         FROM shared ORDER BY n DESC, uri LIMIT ?2",
        &[
            Param::Int(run),
            Param::Int(limit.clamp(1, i64::MAX as usize) as i64),
        ],
        &mut |row| {
            shared.contacts = row.count(2)?;
            shared.files = row.count(3)?;
            shared
                .most_shared
                .push((row.owned(0)?.unwrap_or_default(), row.count(1)?));
            Ok(true)
        },
    )?;
    shared.most_shared.truncate(limit);
    Ok(shared)
}

/// Distinct file contents (by SHA-256) among the files of `run`.
pub fn distinct_files(engine: &dyn Engine, run: i64) -> Result<u64> {
    one_row(
        engine,
        "SELECT count(DISTINCT sha256) FROM records WHERE run = ?1 AND found = 1",
        &[Param::Int(run)],
        |row| row.count(0),
    )
}

/// The key rates of `run`, each as a count of domains.
pub fn run_rates(engine: &dyn Engine, run: i64) -> Result<RunRates> {
    one_row(
        engine,
        "SELECT count(*),
                coalesce(sum(CASE WHEN found = 1 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN found = 1 AND valid = 1 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN found = 1 AND expires > started THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN found = 1 AND signature IS NOT NULL
                                       AND signature != 'unsigned' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN found = 1 AND signature = 'verified' THEN 1 ELSE 0 END), 0)
         FROM records WHERE run = ?1",
        &[Param::Int(run)],
        |row| {
            Ok(RunRates {
                domains: row.count(0)?,
                found: row.count(1)?,
                valid: row.count(2)?,
                unexpired: row.count(3)?,
                signed: row.count(4)?,
                verified: row.count(5)?,
            })
        },
    )
}

/// What changed from run `before` to run `after`, over the domains both crawled.
pub fn churn(engine: &dyn Engine, before: i64, after: i64) -> Result<Churn> {
    one_row(
        engine,
        "SELECT count(*),
                coalesce(sum(CASE WHEN b.found = 1 AND a.found = 0 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN a.found = 1 AND b.found = 0 THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN a.found = 1 AND b.found = 1 AND a.sha256 != b.sha256
                                  THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN a.found = 1 AND b.found = 1 AND a.expires > a.started
                                  AND b.expires IS NOT NULL AND b.expires <= b.started
                                  THEN 1 ELSE 0 END), 0)
         FROM records a JOIN records b ON b.run = ?2 AND b.domain = a.domain
         WHERE a.run = ?1",
        &[Param::Int(before), Param::Int(after)],
        |row| {
            Ok(Churn {
                common: row.count(0)?,
                appeared: row.count(1)?,
                disappeared: row.count(2)?,
                changed: row.count(3)?,
                newly_expired: row.count(4)?,
            })
        },
    )
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

fn side(row: &dyn Cells, at: usize, issuer: usize) -> Result<Side> {
    let text = |i: usize| -> Result<String> { Ok(row.text_or_empty(at + i)?.to_owned()) };
    Ok(Side {
        outcome: text(0)?,
        outcome_label: text(1)?,
        found: row.flag(at + 2)?,
        valid: row.flag(at + 3)?,
        errors: text(4)?.split_whitespace().map(str::to_owned).collect(),
        expires: row.int(at + 5)?,
        started: row.int(at + 6)?.unwrap_or_default(),
        signature: row.owned(at + 7)?,
        signer: row.owned(at + 8)?,
        contacts: split_contacts(&text(9)?)
            .into_iter()
            .map(|(_, _, uri)| uri)
            .collect(),
        sha256: row.owned(at + 10)?,
        issuer: row.owned(issuer)?,
    })
}

/// Calls `each` with every domain both runs crawled, in domain order: (domain, before, after).
pub fn each_pair(
    engine: &dyn Engine,
    before: i64,
    after: i64,
    each: &mut dyn FnMut(String, Side, Side) -> Result<()>,
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
    engine.each_row(&sql, &[Param::Int(before), Param::Int(after)], &mut |row| {
        let domain = row.owned(0)?.unwrap_or_default();
        let a = side(row, 1, 23)?;
        let b = side(row, 12, 24)?;
        each(domain, a, b)?;
        Ok(true)
    })
}

/// How many domains both runs crawled, and how many only one of them.
pub fn overlap(engine: &dyn Engine, before: i64, after: i64) -> Result<Overlap> {
    one_row(
        engine,
        "SELECT
            (SELECT count(*) FROM records a JOIN records b ON b.run = ?2 AND b.domain = a.domain WHERE a.run = ?1),
            (SELECT count(*) FROM records WHERE run = ?1),
            (SELECT count(*) FROM records WHERE run = ?2)",
        &[Param::Int(before), Param::Int(after)],
        |row| {
            let both = row.count(0)?;
            Ok(Overlap {
                in_both: both,
                only_before: row.count(1)? - both,
                only_after: row.count(2)? - both,
            })
        },
    )
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

/// The certificates of the domains in `scope` (each domain's latest Record across runs, or one
/// run's) that `filter` keeps, in domain order: the certificate its own host presented, also
/// when the handshake refused it.
pub fn certificates(
    engine: &dyn Engine,
    scope: super::entries::Scope,
    filter: &CertFilter,
) -> Result<Vec<CertRow>> {
    let mut values: Vec<Param> = Vec::new();
    let scope_sql = match scope {
        super::entries::Scope::Run(run) => {
            values.push(Param::Int(run));
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
        values.push(Param::Text(text.clone()));
    }
    if !filter.fingerprints.is_empty() || !filter.subjects.is_empty() {
        let list = |items: &[String], values: &mut Vec<Param>| -> String {
            values.extend(items.iter().cloned().map(Param::Text));
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
    let mut rows = Vec::new();
    engine.each_row(&sql, &values, &mut |r| {
        rows.push(CertRow {
            domain: r.owned(0)?.unwrap_or_default(),
            subject: r.owned(1)?.unwrap_or_default(),
            issuer: r.owned(2)?.unwrap_or_default(),
            sha256: r.owned(3)?.unwrap_or_default(),
            not_after: r.int(4)?,
            outcome_label: r.owned(5)?.unwrap_or_default(),
        });
        Ok(true)
    })?;
    Ok(rows)
}
