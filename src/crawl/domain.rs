//! One domain's way through the crawl: `/.well-known/security.txt`, then `/security.txt` only
//! when the server answered the first without a file; transient failures retried with backoff
//! and jitter (or after `Retry-After`, within a cap); the file found validated in its context;
//! everything recorded in a `Record`.

use crate::format::{self, Context, HttpContext, Timestamp};
use crate::net::fetch::Fetcher;
use crate::record::{Attempt, FoundFile, Location, Outcome, RECORD_VERSION, Record};
use crate::signature::{self, keys::KeyFinder};
use crate::target::Target;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use url::Url;

#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Retries of a transient failure (timeouts, resets, 429, 502–504), per location.
    pub retries: u32,
    /// The first backoff; each retry doubles it, with jitter.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; a server asking for more is not retried.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> RetryConfig {
        RetryConfig {
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// Crawls one domain.
pub struct DomainCrawler {
    pub fetcher: Arc<Fetcher>,
    /// Where signing keys are looked for.
    pub keys: KeyFinder,
    pub retry: RetryConfig,
    /// Network time one domain may take, all attempts together.
    pub domain_timeout: Duration,
    /// Judge files (Expires, key life) as of this time instead of when they were fetched
    /// (`check --now`).
    pub judge_at: Option<Timestamp>,
}

pub fn now() -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix(secs)
}

fn url_for(domain: &str, location: Location) -> Option<Url> {
    let host = if domain.contains(':') {
        format!("[{domain}]")
    } else {
        domain.to_owned()
    };
    Url::parse(&format!("https://{host}{}", location.path())).ok()
}

/// A factor in [0.5, 1.5) that spreads retries out.
fn jitter() -> f64 {
    let random = RandomState::new().hash_one(Instant::now());
    0.5 + (random % 1000) as f64 / 1000.0
}

impl DomainCrawler {
    /// Crawls a domain: `/.well-known/security.txt`, then `/security.txt` when the server
    /// answered the first without a file.
    pub async fn crawl(&self, target: &Target) -> Record {
        let locations: Vec<(Location, Url)> = [Location::WellKnown, Location::Legacy]
            .into_iter()
            .filter_map(|l| url_for(&target.domain, l).map(|u| (l, u)))
            .collect();
        self.crawl_locations(target, &locations).await
    }

    /// Fetches the file at one URL someone gave (`check https://host/staging/security.txt`),
    /// through the same pipeline, and judges it as served from there.
    pub async fn crawl_url(&self, target: &Target, url: Url) -> Record {
        self.crawl_locations(target, &[(Location::Given, url)])
            .await
    }

    async fn crawl_locations(&self, target: &Target, locations: &[(Location, Url)]) -> Record {
        let started = now();
        let clock = Instant::now();
        let mut budget = self.domain_timeout;
        let site = target.registrable_domain.as_deref();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut file = None;

        'locations: for (location, url) in locations {
            let (location, url) = (*location, url.clone());
            for try_number in 1..=self.retry.retries + 1 {
                let attempt_started = clock.elapsed();
                let fetched = self.fetcher.fetch(&url, site, &mut budget).await;
                let duration_ms = (clock.elapsed() - attempt_started).as_millis() as u64;
                tracing::debug!(
                    domain = %target.domain,
                    url = %crate::escape::for_terminal(url.as_str()),
                    attempt = try_number,
                    hops = fetched.hops.len(),
                    ms = duration_ms,
                    "{}",
                    fetched.outcome.label()
                );
                attempts.push(Attempt {
                    location,
                    try_number,
                    url: url.to_string(),
                    started_ms: attempt_started.as_millis() as u64,
                    duration_ms,
                    outcome: fetched.outcome.clone(),
                    hops: fetched.hops,
                });
                if let Some(body) = fetched.body {
                    let judged = self.judge_at.unwrap_or(started);
                    // Key discovery spends what is left of the domain's time, and no more.
                    let deadline = Instant::now() + budget;
                    file = Some(
                        self.found_file(url.as_str(), location, body, judged, deadline)
                            .await,
                    );
                    break 'locations;
                }
                let wait = match fetched.retry_after {
                    Some(asked) if asked > self.retry.max_retry_after => None,
                    Some(asked) => Some(asked),
                    None => Some(
                        self.retry
                            .backoff
                            .mul_f64(2f64.powi(try_number as i32 - 1) * jitter()),
                    ),
                };
                let retry = fetched.outcome.is_transient()
                    && !fetched.deterministic
                    && try_number <= self.retry.retries
                    && !budget.is_zero();
                match wait {
                    Some(wait) if retry => {
                        tracing::trace!(
                            domain = %target.domain,
                            wait_ms = wait.as_millis() as u64,
                            asked_by_server = fetched.retry_after.is_some(),
                            "retrying after {}",
                            fetched.outcome.label()
                        );
                        tokio::time::sleep(wait).await
                    }
                    _ => break,
                }
            }
            let last = &attempts.last().expect("one attempt per location").outcome;
            if !last.server_answered() {
                // The host itself failed (DNS, address, connection, TLS, time): asking it for
                // another path would only repeat that.
                break;
            }
        }

        let outcome = if file.is_some() {
            Outcome::Found
        } else {
            attempts
                .iter()
                .rev()
                .find(|a| a.location != Location::Legacy)
                .map(|a| a.outcome.clone())
                .unwrap_or(Outcome::DnsNxdomain)
        };
        tracing::debug!(
            domain = %target.domain,
            attempts = attempts.len(),
            ms = clock.elapsed().as_millis() as u64,
            valid = file.as_ref().map(|f| f.valid),
            signature = file.as_ref().map(|f| f.signature.name()),
            "done: {}",
            outcome.label()
        );
        Record {
            version: RECORD_VERSION,
            tool: format!("disclose {}", crate::VERSION),
            domain: target.domain.clone(),
            registrable_domain: target.registrable_domain.clone(),
            line: target.line,
            tags: target.tags.clone(),
            started,
            duration_ms: clock.elapsed().as_millis() as u64,
            outcome,
            attempts,
            file,
        }
    }
}

impl DomainCrawler {
    /// Validates a file in the context it was served in, and verifies its signature.
    async fn found_file(
        &self,
        requested: &str,
        location: Location,
        body: crate::net::fetch::Body,
        now: Timestamp,
        deadline: Instant,
    ) -> FoundFile {
        let ctx = Context {
            now,
            requested_url: Some(requested.to_owned()),
            final_url: Some(body.final_url.clone()),
            http: Some(HttpContext {
                content_type: body.content_type.clone(),
                legacy_location: location == Location::Legacy,
            }),
        };
        let mut checked = format::check(&body.bytes, &ctx);
        let verification = signature::verify_file_within(
            &checked.document,
            &checked.report.fields,
            &self.keys,
            Some(&body.final_url),
            now,
            Some(deadline),
        )
        .await;
        checked.report.add(verification.diagnostics);
        FoundFile {
            requested_url: requested.to_owned(),
            final_url: body.final_url,
            location,
            content_type: body.content_type,
            size: body.bytes.len() as u64,
            sha256: crate::net::cert::sha256_hex(&body.bytes),
            valid: checked.report.is_valid(),
            signed: checked.document.is_signed(),
            diagnostics: checked.report.diagnostics,
            fields: checked.report.fields,
            signature: verification.verdict,
            bytes: body.bytes,
        }
    }
}
