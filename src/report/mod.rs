//! The adoption report (`disclose report`): the figures a standards body or a CERT publishes
//! about security.txt in a population, computed from one run in the store, every rate with its
//! denominator. `Report` holds every figure (its JSON is the `json` format, described by
//! `docs/schemas/report.schema.json`); `markdown` and `html` render it; `charts` draws the HTML
//! page's charts. Never touches the network.
//!
//! What counts as a file: a Record whose outcome is `found`, i.e. a body the crawler recognised
//! as security.txt by its content (an HTML page or an error page served with status 200 is a
//! soft 404, counted apart). A domain's steps in the funnel are cumulative: each step counts the
//! domains of the previous step that also pass it.

pub mod charts;
pub mod html;
pub mod markdown;

use crate::format::Timestamp;
use crate::format::catalogue::{Code, Level};
use crate::store::facts::Fact;
use crate::store::read::ReadStore;
use anyhow::{Result, bail};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How a report is made.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The run reported on.
    pub run: String,
    /// Earlier (or later) runs for the trend, besides `run`.
    pub compare: Vec<String>,
    /// An input column to break the key rates down by.
    pub group_by: Option<String>,
    /// Groups with fewer domains get no rates.
    pub min_group: u64,
    /// When expiry is judged.
    pub now: Timestamp,
}

/// Every figure of the report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    pub metadata: Metadata,
    /// Cumulative steps from the population to a verified, canonical file.
    pub funnel: Vec<Step>,
    /// Domains whose answer at the well-known path (or, after it, the legacy path) was an HTML
    /// or error page served with status 200: counted apart, never as files.
    pub soft_404: Count,
    pub locations: Locations,
    pub failures: Failures,
    /// Every diagnostic code found, with how many files carry it; most frequent first.
    pub diagnostics: Vec<CodeCount>,
    /// The ten commonest error codes, with a one-line fix.
    pub top_errors: Vec<CodeCount>,
    pub expiry: Expiry,
    pub signatures: Signatures,
    pub fields: FieldUsage,
    pub contacts: Contacts,
    pub tls: Tls,
    pub groups: Option<Groups>,
    pub trend: Option<Trend>,
}

/// What was measured, how, and when.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Metadata {
    pub run: String,
    /// The command line the run was crawled with (its list, limits, resolver and User-Agent).
    pub command: String,
    /// The input list, as named on the command line.
    pub input: Option<String>,
    pub user_agent: String,
    pub dns_resolver: String,
    pub domains: u64,
    pub crawl_started: String,
    pub crawl_finished: Option<String>,
    /// The disclose that crawled, and the one that wrote the report.
    pub crawled_by: String,
    pub reported_by: String,
    /// When expiry was judged (RFC 3339).
    pub judged_at: String,
    pub what_counts_as_a_file: String,
}

/// A count with its share of a denominator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Count {
    pub count: u64,
    pub of: u64,
    /// `count / of` in percent; null when `of` is 0.
    pub percent: Option<f64>,
}

impl Count {
    pub fn new(count: u64, of: u64) -> Count {
        Count {
            count,
            of,
            percent: (of > 0).then(|| 100.0 * count as f64 / of as f64),
        }
    }
}

/// One funnel step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Step {
    /// A stable key: `resolves`, `reachable`, …
    pub key: &'static str,
    pub label: &'static str,
    pub count: u64,
    /// Percent of the previous step (null for the first step or an empty previous step).
    pub of_previous: Option<f64>,
    /// Percent of all domains.
    pub of_all: Option<f64>,
}

/// Where the files were found.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Locations {
    pub files: u64,
    pub well_known: u64,
    /// Only at `/security.txt`, after the well-known path answered without a file.
    pub legacy: u64,
    /// Files reached through at least one redirect (counted in their location too).
    pub via_redirect: u64,
    /// At a URL given on the command line (`check URL`).
    pub given: u64,
    /// Files at both paths: not measured, since the crawl stops at the first file (null).
    pub both: Option<u64>,
}

/// Why the domains without a file have none.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Failures {
    /// Outcome label → domains, over all domains without a file (`dns_nxdomain`,
    /// `tls_error expired`, `http_status 404`, …).
    pub by_outcome: BTreeMap<String, u64>,
    /// The same, in groups: dns, blocked, connect, tls, timeout, http_4xx, http_5xx,
    /// http_other, soft_404, too_large, redirect, connection.
    pub by_group: BTreeMap<String, u64>,
}

/// A diagnostic code's frequency.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CodeCount {
    pub code: String,
    /// error, recommendation or notification.
    pub level: String,
    /// Files carrying it at least once.
    pub files: u64,
    /// Percent of all files.
    pub percent_of_files: Option<f64>,
    /// What to do about it.
    pub fix: String,
}

/// When the files expire, judged at `metadata.judged_at`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Expiry {
    /// Files with a readable Expires (the denominator below).
    pub with_expires: u64,
    pub expired: Count,
    pub within_30_days: Count,
    pub within_90_days: Count,
    pub more_than_a_year: Count,
    /// Days to expiry, in buckets (negative: already expired).
    pub histogram: Vec<Bucket>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Bucket {
    pub label: &'static str,
    pub count: u64,
}

/// Signatures over all files.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Signatures {
    pub signed: Count,
    /// Verdict → files (unsigned, verified, bad_signature, no_key, malformed).
    pub verdicts: BTreeMap<String, u64>,
    /// A verified signature's key source → files (independent, same_site, same_origin, …).
    pub verified_by_independence: BTreeMap<String, u64>,
}

/// How many files use each field.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FieldUsage {
    pub files: u64,
    pub policy: Count,
    pub encryption: Count,
    /// Encryption URIs by scheme (`https`, `openpgp4fpr`, `dns`, …): URIs, not files.
    pub encryption_schemes: BTreeMap<String, u64>,
    pub acknowledgments: Count,
    pub preferred_languages: Count,
    /// Language tag (lower case) → files naming it; the commonest twenty.
    pub languages: Vec<Named>,
    pub hiring: Count,
    pub csaf: Count,
    pub bug_bounty: Count,
    /// Field names no specification defines → files; the commonest twenty.
    pub unknown_fields: Vec<Named>,
    /// Misspelled field names, as `Contacts → Contact`, → files; the commonest twenty.
    pub misspellings: Vec<Named>,
}

/// A name (a language, a field, an issuer, a contact) with a count.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Named {
    pub name: String,
    pub count: u64,
}

/// The contacts of the files.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Contacts {
    pub files: u64,
    pub contacts: u64,
    /// Files with 0, 1, 2, 3 and 4 or more contacts.
    pub per_file: BTreeMap<String, u64>,
    /// Contacts by kind (email, web, phone, other).
    pub kinds: BTreeMap<String, u64>,
    /// Files by the kind of their first contact (the owner's preferred channel).
    pub first_listed: BTreeMap<String, u64>,
    /// E-mail contacts at the site's own registrable domain, and elsewhere.
    pub email_same_domain: u64,
    pub email_other_domain: u64,
    /// Web contacts on a known bug-bounty or disclosure platform.
    pub on_platform: u64,
    /// Contacts named by more than one domain's file, and the files naming one.
    pub shared_contacts: u64,
    pub files_with_shared_contact: u64,
    /// The most shared contacts (hosters, central teams), with the number of files naming them.
    pub most_shared: Vec<Named>,
    /// Distinct files by content hash, against `files` domains.
    pub distinct_files: u64,
}

/// The certificates of the domains' own hosts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tls {
    /// Domains whose certificate was recorded.
    pub certificates: u64,
    /// Issuer → domains, the commonest fifteen.
    pub issuers: Vec<Named>,
}

/// Key rates with a Wilson 95 % interval.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Rate {
    pub count: u64,
    pub of: u64,
    /// Percent; null when the denominator is below `min_group` (suppressed) or zero.
    pub percent: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The key rates broken down by an input column.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Groups {
    pub tag: String,
    pub min_group: u64,
    pub rows: Vec<GroupRow>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupRow {
    /// The column's value; empty for domains without one.
    pub value: String,
    pub domains: u64,
    /// Fewer domains than `min_group`: rates are withheld.
    pub suppressed: bool,
    pub rates: KeyRates,
}

/// The rates every breakdown shows, each over all domains of the group or run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KeyRates {
    /// Has a file.
    pub present: Rate,
    /// Has a file without errors.
    pub valid: Rate,
    /// Has a file whose Expires is ahead.
    pub unexpired: Rate,
    /// Has a signed file.
    pub signed: Rate,
    /// Has a file whose signature verified.
    pub verified: Rate,
}

/// The key rates over runs, and what changed between consecutive runs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Trend {
    pub runs: Vec<TrendPoint>,
    pub churn: Vec<ChurnRow>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrendPoint {
    pub run: String,
    pub started: String,
    pub domains: u64,
    /// Unexpired is judged at each run's crawl time, so that the runs compare.
    pub rates: KeyRates,
    /// The disclose that crawled it: a different version may be a method change.
    pub crawled_by: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChurnRow {
    pub from: String,
    pub to: String,
    /// Domains crawled in both runs (the denominator).
    pub domains_in_both: u64,
    pub appeared: u64,
    pub disappeared: u64,
    pub changed: u64,
    pub newly_expired: u64,
}

/// The Wilson score interval at 95 %, in percent.
pub fn wilson(count: u64, of: u64) -> Option<(f64, f64)> {
    if of == 0 {
        return None;
    }
    let (n, z) = (of as f64, 1.959_963_984_540_054_f64);
    let p = count as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = p + z * z / (2.0 * n);
    let margin = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    Some((
        100.0 * ((centre - margin) / denominator).max(0.0),
        100.0 * ((centre + margin) / denominator).min(1.0),
    ))
}

fn rate(count: u64, of: u64, min: u64) -> Rate {
    if of < min.max(1) {
        return Rate {
            count,
            of,
            percent: None,
            low: None,
            high: None,
        };
    }
    let (low, high) = wilson(count, of).unzip();
    Rate {
        count,
        of,
        percent: Some(100.0 * count as f64 / of as f64),
        low,
        high,
    }
}

/// Counts toward the key rates.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    domains: u64,
    present: u64,
    valid: u64,
    unexpired: u64,
    signed: u64,
    verified: u64,
}

impl Tally {
    fn rates(&self, min: u64) -> KeyRates {
        KeyRates {
            present: rate(self.present, self.domains, min),
            valid: rate(self.valid, self.domains, min),
            unexpired: rate(self.unexpired, self.domains, min),
            signed: rate(self.signed, self.domains, min),
            verified: rate(self.verified, self.domains, min),
        }
    }
}

const TRANSPORT_CODES: [&str; 4] = [
    "no_content_type",
    "invalid_media",
    "invalid_charset",
    "no_charset",
];
const CONTACT_EXPIRES_CODES: [&str; 4] = ["no_contact", "no_expire", "multi_expire", "no_uri"];

/// The funnel's steps, in order.
const STEPS: [(&str, &str); 13] = [
    ("domains", "domains in the list"),
    ("resolves", "name resolves to an address"),
    ("reachable", "HTTPS reachable (TLS handshake completed)"),
    ("answered", "any HTTP answer at the well-known path"),
    ("file", "security.txt file recognised"),
    ("served_correctly", "served as text/plain; charset=utf-8"),
    (
        "contact_and_expires",
        "has a Contact and exactly one Expires",
    ),
    ("unexpired", "Expires is ahead"),
    ("valid", "valid (no errors)"),
    ("signed", "signed"),
    ("verified", "signature verified"),
    (
        "verified_independent",
        "verified with a key from another source",
    ),
    ("canonical", "Canonical matches the URL fetched"),
];

/// The group an outcome label belongs to in the failure breakdown.
fn failure_group(outcome: &str, label: &str) -> &'static str {
    match outcome {
        "dns_nxdomain" | "dns_no_address" | "dns_servfail" | "dns_timeout" => "dns",
        "blocked_address" => "blocked",
        "connect_refused" | "connect_timeout" => "connect",
        "tls_error" => "tls",
        "timeout" => "timeout",
        "soft_404" => "soft_404",
        "too_large" => "too_large",
        "redirect_error" => "redirect",
        "connection_error" => "connection",
        "http_status" => match label
            .strip_prefix("http_status ")
            .and_then(|s| s.parse::<u16>().ok())
        {
            Some(400..=499) => "http_4xx",
            Some(500..=599) => "http_5xx",
            _ => "http_other",
        },
        _ => "other",
    }
}

/// Keeps the commonest names of a count without letting hostile input grow it without bound:
/// past `CAP` distinct names, new ones are counted under "(other)".
#[derive(Default)]
struct NameCounts(HashMap<String, u64>);

impl NameCounts {
    const CAP: usize = 10_000;

    fn add(&mut self, name: &str) {
        if let Some(n) = self.0.get_mut(name) {
            *n += 1;
        } else if self.0.len() < Self::CAP {
            self.0.insert(name.to_owned(), 1);
        } else {
            *self.0.entry("(other)".to_owned()).or_default() += 1;
        }
    }

    fn top(&self, n: usize) -> Vec<Named> {
        let mut v: Vec<Named> = self
            .0
            .iter()
            .map(|(name, &count)| Named {
                name: name.clone(),
                count,
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        v.truncate(n);
        v
    }
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_owned()).or_default() += 1;
}

fn email_domain(uri: &str) -> Option<String> {
    let address = uri
        .strip_prefix("mailto:")
        .or_else(|| uri.strip_prefix("MAILTO:"))?;
    let address = address.split('?').next()?;
    let domain = address.rsplit_once('@')?.1;
    crate::target::registrable_domain(&domain.to_ascii_lowercase())
}

/// The value of a flag in a stored command line (`--user-agent X`).
fn flag_value<'a>(command: &'a str, flag: &str) -> Option<&'a str> {
    let mut words = command.split(' ');
    while let Some(word) = words.next() {
        if word == flag {
            return words.next();
        }
        if let Some(value) = word.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            return Some(value);
        }
    }
    None
}

/// Builds the report of `options.run` from the store.
pub fn build(store: &dyn ReadStore, options: &ReportOptions) -> Result<Report> {
    let Some(run) = store.run(&options.run)? else {
        bail!(
            "there is no run `{}` in the database (disclose runs lists them)",
            options.run
        );
    };
    let now = options.now.unix();
    let mut steps = [0u64; STEPS.len()];
    let mut soft_404 = 0;
    let mut locations = Locations {
        files: 0,
        well_known: 0,
        legacy: 0,
        via_redirect: 0,
        given: 0,
        both: None,
    };
    let mut by_outcome = BTreeMap::new();
    let mut by_group = BTreeMap::new();
    let mut code_files: HashMap<String, u64> = HashMap::new();
    let (mut with_expires, mut expired, mut within_30, mut within_90, mut over_year) =
        (0, 0, 0, 0, 0);
    let mut histogram = EXPIRY_BUCKETS.map(|(label, ..)| Bucket { label, count: 0 });
    let mut verdicts = BTreeMap::new();
    let mut by_independence = BTreeMap::new();
    let mut signed = 0;
    let (mut policy, mut encryption, mut acknowledgments, mut languages_files) = (0, 0, 0, 0);
    let (mut hiring, mut csaf, mut bug_bounty) = (0, 0, 0);
    let mut schemes = BTreeMap::new();
    let mut languages = NameCounts::default();
    let mut unknown = NameCounts::default();
    let mut misspelled = NameCounts::default();
    let mut per_file = BTreeMap::new();
    let mut kinds = BTreeMap::new();
    let mut first_listed = BTreeMap::new();
    let (mut contacts_total, mut email_same, mut email_other, mut on_platform) = (0, 0, 0, 0);
    let mut issuers = NameCounts::default();
    let mut certificates = 0;
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();

    store.each_fact(run.id, &mut |fact: Fact| {
        let codes: Vec<&str> = fact.findings.iter().map(|(c, _)| c.as_str()).collect();
        let has = |list: &[&str]| codes.iter().any(|c| list.contains(c));
        let unexpired = fact.expires.is_some_and(|e| e > now);
        let is_signed = fact.signature.as_deref().is_some_and(|s| s != "unsigned");
        let verified = fact.signature.as_deref() == Some("verified");
        let reachable = !matches!(
            failure_group(&fact.outcome, &fact.outcome_label),
            "dns" | "blocked" | "connect" | "tls"
        );
        let answered = fact.found || crate::record::Outcome::class_answered(&fact.outcome);
        let passes = [
            true,
            !fact.outcome.starts_with("dns_"),
            reachable,
            answered,
            fact.found,
            !has(&TRANSPORT_CODES),
            !has(&CONTACT_EXPIRES_CODES),
            unexpired,
            fact.valid,
            is_signed,
            verified,
            verified && fact.independence.as_deref() == Some("independent"),
            fact.canonical.as_deref() == Some("match"),
        ];
        for (i, pass) in passes.iter().enumerate() {
            if !pass {
                break;
            }
            steps[i] += 1;
        }
        if let Some(tag) = &options.group_by {
            let g = groups
                .entry(fact.tags.get(tag).cloned().unwrap_or_default())
                .or_default();
            g.domains += 1;
            if fact.found {
                g.present += 1;
                g.valid += u64::from(fact.valid);
                g.unexpired += u64::from(unexpired);
                g.signed += u64::from(is_signed);
                g.verified += u64::from(verified);
            }
        }
        if let Some(issuer) = &fact.issuer {
            certificates += 1;
            issuers.add(issuer);
        }
        if !fact.found {
            if fact.outcome == "soft_404" {
                soft_404 += 1;
            }
            bump(&mut by_outcome, &fact.outcome_label);
            bump(
                &mut by_group,
                failure_group(&fact.outcome, &fact.outcome_label),
            );
            return;
        }
        locations.files += 1;
        match fact.location.as_deref() {
            Some("legacy") => locations.legacy += 1,
            Some("given") => locations.given += 1,
            _ => locations.well_known += 1,
        }
        locations.via_redirect += u64::from(fact.redirected);
        let mut seen: Vec<&str> = codes.clone();
        seen.sort_unstable();
        seen.dedup();
        for code in seen {
            *code_files.entry(code.to_owned()).or_default() += 1;
        }
        let mut names: Vec<&String> = fact.unknown_fields.iter().collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            if name.eq_ignore_ascii_case("hash") || name.eq_ignore_ascii_case("signature") {
                continue;
            }
            match crate::format::validate::near_miss(name) {
                Some(meant) => misspelled.add(&format!("{name} → {}", meant.as_str())),
                None => unknown.add(name),
            }
        }
        if let Some(e) = fact.expires {
            with_expires += 1;
            let days = (e - now).div_euclid(86_400);
            expired += u64::from(e <= now);
            within_30 += u64::from(e > now && days < 30);
            within_90 += u64::from(e > now && days < 90);
            over_year += u64::from(days > 365);
            if let Some(i) = EXPIRY_BUCKETS
                .iter()
                .position(|(_, from, to)| days >= *from && days < *to)
            {
                histogram[i].count += 1;
            }
        }
        bump(
            &mut verdicts,
            fact.signature.as_deref().unwrap_or("unsigned"),
        );
        signed += u64::from(is_signed);
        if verified {
            bump(
                &mut by_independence,
                fact.independence.as_deref().unwrap_or("unknown"),
            );
        }
        policy += u64::from(fact.policy);
        acknowledgments += u64::from(fact.acknowledgments);
        hiring += u64::from(fact.hiring);
        csaf += u64::from(fact.csaf);
        bug_bounty += u64::from(fact.bug_bounty);
        encryption += u64::from(!fact.encryption.is_empty());
        for uri in &fact.encryption {
            let scheme = uri
                .split_once(':')
                .map(|(s, _)| s.to_ascii_lowercase())
                .unwrap_or_else(|| "(none)".into());
            bump(&mut schemes, &scheme);
        }
        languages_files += u64::from(!fact.languages.is_empty());
        let mut tags: Vec<String> = fact
            .languages
            .iter()
            .map(|l| l.trim().to_ascii_lowercase())
            .collect();
        tags.sort_unstable();
        tags.dedup();
        for tag in &tags {
            languages.add(tag);
        }
        let n = fact.contacts.len();
        bump(
            &mut per_file,
            match n {
                0..=3 => ["0", "1", "2", "3"][n],
                _ => "4+",
            },
        );
        contacts_total += n as u64;
        if let Some((kind, _)) = fact.contacts.first() {
            bump(&mut first_listed, kind);
        }
        let site = fact
            .registrable_domain
            .clone()
            .or_else(|| crate::target::registrable_domain(&fact.domain));
        for (kind, uri) in &fact.contacts {
            bump(&mut kinds, kind);
            if let Some(domain) = email_domain(uri) {
                if Some(&domain) == site.as_ref() {
                    email_same += 1;
                } else {
                    email_other += 1;
                }
            }
            on_platform += u64::from(crate::directory::platform::platform(uri).is_some());
        }
    })?;

    let domains = steps[0];
    let funnel = STEPS
        .iter()
        .enumerate()
        .map(|(i, (key, label))| Step {
            key,
            label,
            count: steps[i],
            of_previous: (i > 0)
                .then(|| Count::new(steps[i], steps[i - 1]).percent)
                .flatten(),
            of_all: Count::new(steps[i], domains).percent,
        })
        .collect();
    let files = locations.files;
    let mut diagnostics: Vec<CodeCount> = code_files
        .into_iter()
        .map(|(code, n)| code_count(&code, n, files))
        .collect();
    diagnostics.sort_by(|a, b| b.files.cmp(&a.files).then_with(|| a.code.cmp(&b.code)));
    let top_errors = diagnostics
        .iter()
        .filter(|c| c.level == "error")
        .take(10)
        .cloned()
        .collect();
    let shared = store.shared_contacts(run.id, 15)?;
    let (shared_contacts, files_with_shared_contact) = (shared.contacts, shared.files);
    let most_shared = shared
        .most_shared
        .into_iter()
        .map(|(name, count)| Named { name, count })
        .collect();
    let groups = options.group_by.as_ref().map(|tag| Groups {
        tag: tag.clone(),
        min_group: options.min_group,
        rows: groups
            .into_iter()
            .map(|(value, t)| GroupRow {
                value,
                domains: t.domains,
                suppressed: t.domains < options.min_group,
                rates: t.rates(options.min_group),
            })
            .collect(),
    });
    let trend = if options.compare.is_empty() {
        None
    } else {
        Some(trend(store, &run.name, &options.compare)?)
    };
    let command = run.arguments.clone();
    let default_agent = crate::crawl::settings::default_user_agent();
    let user_agent = match (
        flag_value(&command, "--user-agent"),
        flag_value(&command, "--contact"),
    ) {
        (Some(ua), _) => ua.to_owned(),
        (None, Some(contact)) => format!("{default_agent} (+{contact})"),
        (None, None) => default_agent,
    };
    Ok(Report {
        metadata: Metadata {
            run: run.name.clone(),
            input: command
                .split(' ')
                .skip_while(|w| *w != "crawl")
                .nth(1)
                .filter(|w| !w.starts_with('-'))
                .map(str::to_owned),
            user_agent,
            dns_resolver: flag_value(&command, "--dns-server")
                .map(|s| s.to_owned())
                .unwrap_or_else(|| "the system's (/etc/resolv.conf)".into()),
            command,
            domains,
            crawl_started: run.started.clone(),
            crawl_finished: run.finished.clone(),
            crawled_by: format!("disclose {}", run.version),
            reported_by: format!("disclose {}", env!("CARGO_PKG_VERSION")),
            judged_at: options.now.to_rfc3339(),
            what_counts_as_a_file: "a body at /.well-known/security.txt (or, when that path answered without one, /security.txt) that reads as a security.txt file by its content; an HTML or error page served with status 200 is a soft 404 and never a file".into(),
        },
        funnel,
        soft_404: Count::new(soft_404, domains),
        locations,
        failures: Failures {
            by_outcome,
            by_group,
        },
        diagnostics,
        top_errors,
        expiry: Expiry {
            with_expires,
            expired: Count::new(expired, with_expires),
            within_30_days: Count::new(within_30, with_expires),
            within_90_days: Count::new(within_90, with_expires),
            more_than_a_year: Count::new(over_year, with_expires),
            histogram: histogram.into(),
        },
        signatures: Signatures {
            signed: Count::new(signed, files),
            verdicts,
            verified_by_independence: by_independence,
        },
        fields: FieldUsage {
            files,
            policy: Count::new(policy, files),
            encryption: Count::new(encryption, files),
            encryption_schemes: schemes,
            acknowledgments: Count::new(acknowledgments, files),
            preferred_languages: Count::new(languages_files, files),
            languages: languages.top(20),
            hiring: Count::new(hiring, files),
            csaf: Count::new(csaf, files),
            bug_bounty: Count::new(bug_bounty, files),
            unknown_fields: unknown.top(20),
            misspellings: misspelled.top(20),
        },
        contacts: Contacts {
            files,
            contacts: contacts_total,
            per_file,
            kinds,
            first_listed,
            email_same_domain: email_same,
            email_other_domain: email_other,
            on_platform,
            shared_contacts,
            files_with_shared_contact,
            most_shared,
            distinct_files: store.distinct_files(run.id)?,
        },
        tls: Tls {
            certificates,
            issuers: issuers.top(15),
        },
        groups,
        trend,
    })
}

/// Days-to-expiry buckets: label, from (inclusive), to (exclusive).
const EXPIRY_BUCKETS: [(&str, i64, i64); 8] = [
    ("expired over a year ago", i64::MIN, -365),
    ("expired within a year", -365, 0),
    ("0–29 days", 0, 30),
    ("30–89 days", 30, 90),
    ("90–179 days", 90, 180),
    ("180–365 days", 180, 366),
    ("1–2 years", 366, 731),
    ("over 2 years", 731, i64::MAX),
];

fn code_count(code: &str, files: u64, all: u64) -> CodeCount {
    let known = Code::from_name(code);
    CodeCount {
        code: code.to_owned(),
        level: known
            .map(|c| match c.level() {
                Level::Error => "error",
                Level::Recommendation => "recommendation",
                Level::Notification => "notification",
            })
            .unwrap_or("unknown")
            .to_owned(),
        files,
        percent_of_files: Count::new(files, all).percent,
        fix: known.map(|c| c.entry().hint.to_owned()).unwrap_or_default(),
    }
}

/// The key rates of `current` and of each compared run, oldest first, and the churn between
/// consecutive ones.
fn trend(store: &dyn ReadStore, current: &str, compare: &[String]) -> Result<Trend> {
    let mut runs = Vec::new();
    for name in compare.iter().map(String::as_str).chain([current]) {
        match store.run(name)? {
            Some(run) if !runs.iter().any(|r: &crate::store::Run| r.id == run.id) => runs.push(run),
            Some(_) => {}
            None => bail!("there is no run `{name}` to compare with (disclose runs lists them)"),
        }
    }
    runs.sort_by(|a, b| a.started.cmp(&b.started).then(a.id.cmp(&b.id)));
    let mut points = Vec::new();
    for run in &runs {
        let r = store.run_rates(run.id)?;
        let tally = Tally {
            domains: r.domains,
            present: r.found,
            valid: r.valid,
            unexpired: r.unexpired,
            signed: r.signed,
            verified: r.verified,
        };
        points.push(TrendPoint {
            run: run.name.clone(),
            started: run.started.clone(),
            domains: r.domains,
            rates: tally.rates(1),
            crawled_by: format!("disclose {}", run.version),
        });
    }
    let mut churn = Vec::new();
    for pair in runs.windows(2) {
        let c = store.churn(pair[0].id, pair[1].id)?;
        churn.push(ChurnRow {
            from: pair[0].name.clone(),
            to: pair[1].name.clone(),
            domains_in_both: c.common,
            appeared: c.appeared,
            disappeared: c.disappeared,
            changed: c.changed,
            newly_expired: c.newly_expired,
        });
    }
    Ok(Trend {
        runs: points,
        churn,
    })
}

/// The report's JSON Schema (`docs/schemas/report.schema.json`).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).expect("a schema serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_published_values() {
        // 8 of 10: the textbook interval is 49.0 % to 94.3 %.
        let (low, high) = wilson(8, 10).unwrap();
        assert!(
            (low - 49.0).abs() < 0.1 && (high - 94.3).abs() < 0.1,
            "{low} {high}"
        );
        let (low, high) = wilson(0, 20).unwrap();
        assert_eq!(low, 0.0);
        assert!((high - 16.1).abs() < 0.1, "{high}");
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn a_rate_below_the_minimum_denominator_is_withheld() {
        let r = rate(3, 9, 10);
        assert_eq!((r.count, r.of, r.percent, r.low), (3, 9, None, None));
        assert_eq!(rate(5, 10, 10).percent, Some(50.0));
    }

    #[test]
    fn command_line_flags_are_read_back() {
        let cmd =
            "disclose crawl list.csv --db x.db --contact mailto:a@b.example --dns-server=1.1.1.1";
        assert_eq!(flag_value(cmd, "--contact"), Some("mailto:a@b.example"));
        assert_eq!(flag_value(cmd, "--dns-server"), Some("1.1.1.1"));
        assert_eq!(flag_value(cmd, "--user-agent"), None);
    }

    #[test]
    fn e_mail_domains_compare_by_registrable_domain() {
        assert_eq!(
            email_domain("mailto:security@Mail.Example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(email_domain("https://example.com/"), None);
    }
}
