//! One fetch attempt: a URL followed hop by hop until it yields a file or an outcome.
//!
//! Every hop is resolved, guarded and rate-limited on its own, sent to the address so approved,
//! then recorded (URL, address, status, certificate). Redirects are followed by hand up to the
//! limit; a downgrade to http, a loop or a bad `Location` ends the attempt. The body is read in
//! chunks and abandoned at the byte cap, compressed or not. Status 200 with an HTML page is a soft
//! 404, not a file.
//!
//! Time limits apply to network time only: waiting for a politeness slot is not the server's
//! fault, so the clock of a hop starts once its slots are held.

use super::cert;
use super::client::{BodyError, Http};
use super::dns::Dns;
use super::guard::AddressPolicy;
use super::limits::Politeness;
use crate::format::Timestamp;
use crate::format::parse::looks_like_html;
use crate::record::{Hop, Outcome, RedirectReason};
use crate::target::registrable_domain;
use hyper::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use std::time::{Duration, Instant};
use url::Url;

#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Bytes of body read at most; a larger body is `too_large`.
    pub max_bytes: u64,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Network time one attempt may take, all hops together.
    pub attempt_timeout: Duration,
    pub policy: AddressPolicy,
    /// Ports besides 443 that a redirect or a key URL may name (`--allow-ports`). A URL that
    /// names another port is not fetched: a server must not turn the crawler into a port
    /// scanner of third parties (SMTP on 25, Redis on 6379, …).
    pub allowed_ports: Vec<u16>,
}

/// Everything the fetch stage needs, shared by all requests of a crawl.
pub struct Fetcher {
    pub dns: std::sync::Arc<Dns>,
    pub http: Http,
    pub politeness: Politeness,
    pub config: FetchConfig,
}

/// A body that was read whole.
#[derive(Debug, Clone)]
pub struct Body {
    pub final_url: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub outcome: Outcome,
    pub hops: Vec<Hop>,
    /// The file, when the outcome is `found`.
    pub body: Option<Body>,
    /// What the server asked for with `Retry-After`, if anything.
    pub retry_after: Option<Duration>,
    /// The failure would recur on a retry: the server's answer was not HTTP.
    pub deterministic: bool,
}

/// What one hop ended in.
enum Step {
    Done(Outcome, Option<Body>),
    Redirect(Url),
}

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

impl Fetcher {
    /// Fetches `url` for a domain whose registrable domain is `site`. `budget` is the network
    /// time the domain has left; what this attempt uses is taken off it.
    pub async fn fetch(&self, url: &Url, site: Option<&str>, budget: &mut Duration) -> Fetched {
        self.fetch_limited(url, site, budget, self.config.max_bytes)
            .await
    }

    /// `fetch`, reading at most `max_bytes` of body (for keys, which may be larger than files).
    pub async fn fetch_limited(
        &self,
        url: &Url,
        site: Option<&str>,
        budget: &mut Duration,
        max_bytes: u64,
    ) -> Fetched {
        let mut fetched = Fetched {
            outcome: Outcome::Timeout,
            hops: Vec::new(),
            body: None,
            retry_after: None,
            deterministic: false,
        };
        let mut seen: Vec<Url> = vec![url.clone()];
        let mut current = url.clone();
        let mut left = self.config.attempt_timeout.min(*budget);
        loop {
            // Only network time counts against the budget, not waiting for politeness slots.
            let before = left;
            let step = self
                .hop(&current, site, max_bytes, &mut fetched, &mut left)
                .await;
            *budget = budget.saturating_sub(before.saturating_sub(left));
            match step {
                Step::Done(outcome, body) => {
                    fetched.outcome = outcome;
                    fetched.body = body;
                    return fetched;
                }
                Step::Redirect(next) => {
                    let reason = if next.scheme() == "http" {
                        Some((
                            RedirectReason::Downgrade,
                            format!("redirect to plain http: {next}"),
                        ))
                    } else if next.scheme() != "https" {
                        Some((
                            RedirectReason::BadLocation,
                            format!("redirect to a non-https URL: {next}"),
                        ))
                    } else if seen.contains(&next) {
                        Some((RedirectReason::Loop, format!("redirect back to {next}")))
                    } else if seen.len() > self.config.max_redirects {
                        Some((
                            RedirectReason::TooMany,
                            format!("more than {} redirects", self.config.max_redirects),
                        ))
                    } else {
                        None
                    };
                    if let Some((reason, detail)) = reason {
                        fetched.outcome = Outcome::RedirectError { reason, detail };
                        return fetched;
                    }
                    seen.push(next.clone());
                    current = next;
                }
            }
        }
    }

    /// One request: resolve, guard, wait for the slots, ask, and read what came back.
    async fn hop(
        &self,
        url: &Url,
        site: Option<&str>,
        max_bytes: u64,
        fetched: &mut Fetched,
        left: &mut Duration,
    ) -> Step {
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return bad_location(format!("{url} has no host")),
        };
        if let Some(port) = url.port()
            && port != 443
            && !self.config.allowed_ports.contains(&port)
        {
            let hop = Hop {
                url: url.to_string(),
                address: None,
                status: None,
                location: None,
                cross_site: false,
                certificate: None,
                chain: Vec::new(),
            };
            fetched.hops.push(hop);
            return Step::Done(
                Outcome::RedirectError {
                    reason: RedirectReason::Port,
                    detail: format!(
                        "{url} names port {port}; only 443 is followed (--allow-ports adds others)"
                    ),
                },
                None,
            );
        }
        let hop_site = registrable_domain(&host);
        let mut hop = Hop {
            url: url.to_string(),
            address: None,
            status: None,
            location: None,
            cross_site: site.is_some() && hop_site.as_deref() != site,
            certificate: None,
            chain: Vec::new(),
        };
        let addresses = match self.dns.resolve(&host).await {
            Ok(a) => a,
            Err(failure) => {
                fetched.hops.push(hop);
                return Step::Done(failure.outcome(), None);
            }
        };
        let Some(ip) = addresses
            .iter()
            .copied()
            .find(|ip| self.config.policy.allows(*ip))
        else {
            hop.address = addresses.first().copied();
            tracing::debug!(
                addresses = ?addresses,
                "refused to connect for {}: no address disclose may contact",
                crate::escape::for_terminal(url.as_str())
            );
            fetched.hops.push(hop);
            return Step::Done(Outcome::BlockedAddress { addresses }, None);
        };
        hop.address = Some(ip);
        let waited = Instant::now();
        let _slots = self.politeness.acquire(ip, hop_site.as_deref()).await;
        tracing::trace!(
            address = %ip,
            wait_ms = waited.elapsed().as_millis() as u64,
            "politeness slot for {}",
            crate::escape::for_terminal(url.as_str())
        );

        if left.is_zero() {
            fetched.hops.push(hop);
            return Step::Done(Outcome::Timeout, None);
        }
        let started = Instant::now();
        let limit = *left;
        let result =
            tokio::time::timeout(limit, self.request(url, ip, max_bytes, &mut hop, fetched)).await;
        *left = left.saturating_sub(started.elapsed());
        fetched.hops.push(hop);
        match result {
            Ok(step) => step,
            Err(_) => Step::Done(Outcome::Timeout, None),
        }
    }

    async fn request(
        &self,
        url: &Url,
        ip: std::net::IpAddr,
        limit: u64,
        hop: &mut Hop,
        fetched: &mut Fetched,
    ) -> Step {
        let response = match self
            .http
            .get_presenting(url, ip, "text/plain, */*;q=0.5")
            .await
        {
            Ok(r) => r,
            Err(refused) => {
                // A certificate the handshake refused is recorded all the same: who uses a
                // distrusted or expired CA is a question for the certificate inventory.
                record_presented(hop, &refused.presented);
                fetched.deterministic |= refused.deterministic;
                return Step::Done(refused.outcome, None);
            }
        };
        let status = response.status;
        hop.status = Some(status);
        record_presented(hop, &response.presented);
        let header = |name| response.header(name).map(str::to_owned);
        let content_type = header(CONTENT_TYPE);

        if REDIRECTS.contains(&status) {
            let Some(location) = header(LOCATION) else {
                return bad_location(format!("status {status} without a Location header"));
            };
            hop.location = Some(location.clone());
            return match url.join(&location) {
                Ok(next) => {
                    tracing::debug!(
                        status,
                        from = %crate::escape::for_terminal(url.as_str()),
                        "redirect to {}",
                        crate::escape::for_terminal(next.as_str())
                    );
                    Step::Redirect(next)
                }
                Err(e) => bad_location(format!("Location `{location}` is not a URL: {e}")),
            };
        }
        if status != 200 {
            if matches!(status, 429 | 503) {
                fetched.retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            }
            return Step::Done(Outcome::HttpStatus { status }, None);
        }

        let bytes = match response.body(limit).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge { content_length }) => {
                return Step::Done(
                    Outcome::TooLarge {
                        limit,
                        content_length,
                    },
                    None,
                );
            }
            Err(BodyError::Failed(outcome)) => return Step::Done(outcome, None),
        };

        let media = content_type.as_deref().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        let html_type = matches!(
            media.as_deref(),
            Some("text/html" | "application/xhtml+xml")
        );
        let html_body = looks_like_html(&String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]));
        if html_type || html_body {
            let mut reason = if html_type {
                format!("an HTML page served as `{}`", media.unwrap_or_default())
            } else {
                "the body is an HTML page".to_owned()
            };
            if !fetched.hops.is_empty() {
                reason.push_str(&format!(" after a redirect to {url}"));
            }
            return Step::Done(Outcome::Soft404 { reason }, None);
        }
        Step::Done(
            Outcome::Found,
            Some(Body {
                final_url: url.to_string(),
                content_type,
                bytes,
            }),
        )
    }
}

fn bad_location(detail: String) -> Step {
    Step::Done(
        Outcome::RedirectError {
            reason: RedirectReason::BadLocation,
            detail,
        },
        None,
    )
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = Timestamp::parse_http_date(value.trim())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    Some(Duration::from_secs(
        at.unix().saturating_sub(now).max(0) as u64
    ))
}

/// Records the certificates a server presented on its hop: the leaf, and what came after it.
fn record_presented(hop: &mut Hop, presented: &[rustls::pki_types::CertificateDer<'static>]) {
    hop.certificate = presented.first().map(|c| cert::describe(c));
    hop.chain = presented
        .iter()
        .skip(1)
        .map(|c| cert::describe(c))
        .collect();
}
