//! `disclose lab run`: start a lab, crawl it with the real crawler into a store, and compare every
//! Record with the ground truth: outcome class, contacts in order, error-level findings. The
//! per-address connection peaks the lab saw are checked against the politeness limit.

use super::scenario::Scenario;
use super::world::{SHARED_ADDRESSES, Truth, World, shared_address};
use super::{Lab, LabConfig};
use crate::crawl::{self, RunConfig, Stop, Summary};
use crate::format::Level;
use crate::record::Record;
use crate::signature::Verdict as SignatureVerdict;
use crate::store::Store;
use crate::target::{InputFormat, TargetReader};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One Record that does not match the ground truth.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Wrong {
    pub domain: String,
    pub scenario: Scenario,
    pub expected: String,
    pub actual: String,
}

/// An address where the lab saw more simultaneous connections than the crawler may open.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Violation {
    pub address: IpAddr,
    pub peak: usize,
}

/// Simultaneous connections the lab saw, against the crawler's per-address limit. Judged on the
/// shared addresses, where every response completes; the isolated pool, where servers misbehave
/// on purpose and count abandoned connections until they notice, is reported only.
#[derive(Debug, Clone, Serialize)]
pub struct Politeness {
    /// The per-address concurrency the crawler was given.
    pub limit: usize,
    /// The most simultaneous connections on any shared address.
    pub peak: usize,
    /// The most simultaneous connections on any isolated address.
    pub isolated_peak: usize,
    /// Shared addresses that saw more than the limit.
    pub violations: Vec<Violation>,
}

/// The result of `lab run`.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub domains: usize,
    pub correct: usize,
    pub wrong: Vec<Wrong>,
    pub politeness: Politeness,
}

impl Verdict {
    pub fn all_correct(&self) -> bool {
        self.wrong.is_empty()
            && self.correct == self.domains
            && self.politeness.violations.is_empty()
    }
}

/// What a Record says, in the terms of the ground truth.
fn describe(record: &Record) -> (String, Vec<String>, Vec<String>, String) {
    let contacts = record
        .file
        .as_ref()
        .map(|f| f.fields.contact.iter().map(|c| c.uri.clone()).collect())
        .unwrap_or_default();
    let mut errors: Vec<String> = record
        .file
        .as_ref()
        .map(|f| {
            f.diagnostics
                .iter()
                .filter(|d| d.level() == Level::Error)
                .map(|d| d.code.to_string())
                .collect()
        })
        .unwrap_or_default();
    errors.sort();
    errors.dedup();
    let signature = match record.file.as_ref().map(|f| &f.signature) {
        Some(SignatureVerdict::Verified { independence, .. }) => format!(
            "verified {}",
            serde_json::to_value(independence)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
        Some(other) => other.name().to_owned(),
        None => "unsigned".to_owned(),
    };
    (record.outcome.label(), contacts, errors, signature)
}

fn check(truth: &Truth, record: Option<&Record>) -> Option<Wrong> {
    let wrong = |expected: String, actual: String| {
        Some(Wrong {
            domain: truth.domain.clone(),
            scenario: truth.scenario,
            expected,
            actual,
        })
    };
    let Some(record) = record else {
        return wrong(truth.expected_outcome.clone(), "no record".into());
    };
    let (outcome, contacts, errors, signature) = describe(record);
    if outcome != truth.expected_outcome {
        return wrong(truth.expected_outcome.clone(), outcome);
    }
    if contacts != truth.expected_contacts {
        return wrong(
            format!("contacts {:?}", truth.expected_contacts),
            format!("contacts {contacts:?}"),
        );
    }
    if errors != truth.expected_errors {
        return wrong(
            format!("errors {:?}", truth.expected_errors),
            format!("errors {errors:?}"),
        );
    }
    if truth.expected_outcome == "found" && signature != truth.expected_signature {
        return wrong(
            format!("signature {}", truth.expected_signature),
            format!("signature {signature}"),
        );
    }
    None
}

/// Compares Records with the ground truth of `world`.
pub fn compare(world: &World, records: &[Record]) -> (usize, Vec<Wrong>) {
    let by_domain: HashMap<&str, &Record> =
        records.iter().map(|r| (r.domain.as_str(), r)).collect();
    let mut wrong = Vec::new();
    let mut correct = 0;
    for domain in world.domains() {
        match check(
            &world.truth(domain),
            by_domain.get(domain.name.as_str()).copied(),
        ) {
            None => correct += 1,
            Some(w) => wrong.push(w),
        }
    }
    (correct, wrong)
}

/// Options of `lab run` beyond the lab itself.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub concurrency: usize,
    pub per_ip_concurrency: usize,
    /// Keep the crawl's Records in this database (else a temporary one is removed afterwards).
    pub db: Option<PathBuf>,
    pub progress: bool,
}

/// Starts a lab of `config`, crawls it, and judges the result.
pub async fn run(config: &LabConfig, options: &RunOptions) -> Result<(Verdict, Summary)> {
    let lab = Lab::start(config).await?;
    let mut settings = lab.crawler_settings();
    settings.politeness.per_ip_concurrency = options.per_ip_concurrency;
    let crawler = Arc::new(settings.build()?);

    let temporary = options.db.is_none();
    let db = options.db.clone().unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::env::temp_dir().join(format!("disclose-lab-{}-{nanos}.db", std::process::id()))
    });
    let result = crawl_and_judge(&lab, crawler, &db, options).await;
    if temporary {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    result
}

async fn crawl_and_judge(
    lab: &Lab,
    crawler: Arc<crawl::domain::DomainCrawler>,
    db: &Path,
    options: &RunOptions,
) -> Result<(Verdict, Summary)> {
    let store = Store::open(db)?;
    let list: String = lab
        .world
        .domains()
        .iter()
        .map(|d| format!("{}\n", d.name))
        .collect();
    let targets = TargetReader::new(std::io::Cursor::new(list.into_bytes()), InputFormat::Lines)?;
    let (run, _) = store.begin_run("lab", "disclose lab run", crate::crawl::domain::now())?;
    let (_stop_tx, stop) = tokio::sync::watch::channel(Stop::Running);
    let summary = crawl::crawl_list(
        crawler,
        targets,
        Some(lab.world.domains().len() as u64),
        &store,
        &run,
        &RunConfig {
            concurrency: options.concurrency,
            progress: options.progress,
        },
        stop,
    )
    .await
    .context("the crawl of the lab failed")?;
    let records = store.records(run.id)?;
    let (correct, wrong) = compare(&lab.world, &records);
    let peaks = lab.connections();
    let shared: Vec<IpAddr> = (0..SHARED_ADDRESSES).map(shared_address).collect();
    let (on_shared, on_isolated): (Vec<_>, Vec<_>) =
        peaks.iter().partition(|(a, _)| shared.contains(a));
    let violations: Vec<Violation> = on_shared
        .iter()
        .filter(|(_, c)| c.peak > options.per_ip_concurrency)
        .map(|(a, c)| Violation {
            address: **a,
            peak: c.peak,
        })
        .collect();
    let verdict = Verdict {
        domains: lab.world.domains().len(),
        correct,
        wrong,
        politeness: Politeness {
            limit: options.per_ip_concurrency,
            peak: on_shared.iter().map(|(_, c)| c.peak).max().unwrap_or(0),
            isolated_peak: on_isolated.iter().map(|(_, c)| c.peak).max().unwrap_or(0),
            violations,
        },
    };
    Ok((verdict, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::scenario::Mix;
    use crate::record::{Outcome, RECORD_VERSION};

    fn record(domain: &str, outcome: Outcome) -> Record {
        Record {
            version: RECORD_VERSION,
            tool: "test".into(),
            domain: domain.into(),
            registrable_domain: None,
            line: 1,
            tags: Default::default(),
            started: crate::format::Timestamp::from_unix(0),
            duration_ms: 0,
            outcome,
            attempts: vec![],
            file: None,
        }
    }

    #[test]
    fn the_judge_flags_wrong_outcomes_missing_records_and_wrong_contacts() {
        let world = World::generate(40, 1, Mix::Realistic);
        let pick = |s: Scenario| world.domains().iter().find(|d| d.scenario == s).unwrap();
        let not_found = pick(Scenario::NotFound);
        let nx = pick(Scenario::NxDomain);
        let valid = pick(Scenario::Valid);

        let right = record(&not_found.name, Outcome::HttpStatus { status: 404 });
        assert_eq!(check(&world.truth(not_found), Some(&right)), None);
        let wrong = check(
            &world.truth(nx),
            Some(&record(&nx.name, Outcome::DnsServfail)),
        )
        .unwrap();
        assert_eq!(
            (wrong.expected.as_str(), wrong.actual.as_str()),
            ("dns_nxdomain", "dns_servfail")
        );
        assert_eq!(check(&world.truth(nx), None).unwrap().actual, "no record");
        // A file found, but without the contacts the lab served.
        let found = record(&valid.name, Outcome::Found);
        assert!(
            check(&world.truth(valid), Some(&found))
                .unwrap()
                .expected
                .starts_with("contacts")
        );

        let (correct, wrong) = compare(&world, &[right]);
        assert_eq!((correct, wrong.len()), (1, 39));
    }
}
