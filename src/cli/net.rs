//! The network flags shared by `check DOMAIN`, `crawl` and `lookup --crawl-missing`, and their
//! conversion into crawler `Settings`.

use anyhow::{Context, Result};
use clap::Args;
use disclose::crawl::settings::Settings;
use disclose::net::client::Roots;
use disclose::net::guard::AddressPolicy;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the crawler reaches the network; shared by `crawl` and `check DOMAIN`.
#[derive(Args, Clone)]
#[command(next_help_heading = "Network")]
pub struct NetArgs {
    /// Ask this DNS server (IP:PORT) instead of the system's resolvers.
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns_server: Option<SocketAddr>,
    /// Trust only the CA certificates in this PEM file instead of the built-in Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Connect to this port instead of 443 (for the lab).
    #[arg(long, value_name = "PORT")]
    pub https_port: Option<u16>,
    /// Also connect to private, loopback and link-local addresses.
    #[arg(long, conflicts_with = "allow_loopback")]
    pub allow_private: bool,
    /// Also connect to loopback addresses, and to no other non-public ones (for the lab).
    #[arg(long)]
    pub allow_loopback: bool,
    /// Requests in flight per IP address.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub per_ip_concurrency: usize,
    /// Requests per second per IP address (fractions allowed).
    #[arg(long, value_name = "RATE", default_value_t = 10.0)]
    pub per_ip_rate: f64,
    /// Requests in flight per registrable domain.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub per_site_concurrency: usize,
    /// DNS queries in flight.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub dns_concurrency: usize,
    /// Seconds one DNS query may take.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub dns_timeout: f64,
    /// Seconds a TCP and TLS connection may take to set up.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Seconds of network time one attempt (with its redirects) may take.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Seconds of network time one domain may take, all attempts together.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub domain_timeout: f64,
    /// Retries of a transient failure (timeouts, resets, 429, 502–504) per location.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// The longest Retry-After honoured, in seconds; a server asking for more is not retried.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub max_retry_after: f64,
    /// Bytes of a file read at most; a larger one is `too_large`.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024)]
    pub max_bytes: u64,
    /// Redirects followed at most.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_redirects: usize,
    /// The User-Agent header.
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,
    /// How site owners can reach whoever runs the crawl (URL or e-mail), added to the User-Agent.
    #[arg(long, value_name = "URL")]
    pub contact: Option<String>,
    /// Trust the OpenPGP keys in this file (armoured or binary) and try them first.
    #[arg(long, value_name = "FILE")]
    pub keyring: Option<PathBuf>,
    /// Ask this keyserver (HKP, e.g. https://keys.openpgp.org) for `openpgp4fpr:` keys.
    #[arg(long, value_name = "URL")]
    pub keyserver: Option<url::Url>,
}

fn seconds(value: f64, flag: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .with_context(|| format!("--{flag} must be a number of seconds"))
}

impl NetArgs {
    pub fn settings(&self) -> Result<Settings> {
        let mut s = Settings::default();
        s.dns.server = self.dns_server;
        s.dns.timeout = seconds(self.dns_timeout, "dns-timeout")?;
        s.dns.concurrency = self.dns_concurrency.max(1);
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA file `{}`", path.display()))?;
            s.http.roots = Roots::Pem(pem);
        }
        s.http.https_port = self.https_port;
        s.http.connect_timeout = seconds(self.connect_timeout, "connect-timeout")?;
        if let Some(ua) = &self.user_agent {
            s.http.user_agent = ua.clone();
        }
        if let Some(contact) = &self.contact {
            s.http.user_agent = format!("{} (+{contact})", s.http.user_agent);
        }
        s.fetch.policy = if self.allow_private {
            AddressPolicy::AllowPrivate
        } else if self.allow_loopback {
            AddressPolicy::AllowLoopback
        } else {
            AddressPolicy::PublicOnly
        };
        s.fetch.attempt_timeout = seconds(self.timeout, "timeout")?;
        s.fetch.max_bytes = self.max_bytes;
        s.fetch.max_redirects = self.max_redirects;
        s.politeness.per_ip_concurrency = self.per_ip_concurrency.max(1);
        s.politeness.per_ip_rate = self.per_ip_rate;
        s.politeness.per_site_concurrency = self.per_site_concurrency.max(1);
        s.retry.retries = self.retries;
        s.retry.max_retry_after = seconds(self.max_retry_after, "max-retry-after")?;
        s.domain_timeout = seconds(self.domain_timeout, "domain-timeout")?;
        s.keyring = self.keyring.clone();
        s.keyserver = self.keyserver.clone();
        Ok(s)
    }
}
