//! The network flags shared by `check DOMAIN`, `crawl` and `lookup --crawl-missing`, their
//! validation (a value outside its range is a usage error naming the flag and the range), and
//! their conversion into crawler `Settings`, which reads and checks every file they name before
//! anything else happens.

use anyhow::{Context, Result};
use clap::Args;
use disclose::crawl::settings::Settings;
use disclose::net::client::Roots;
use disclose::net::dns::DnsServer;
use disclose::net::guard::AddressPolicy;
use disclose::signature::keys::Keyring;
use std::path::PathBuf;
use std::time::Duration;

/// How the crawler reaches the network; shared by `crawl`, `check DOMAIN` and
/// `lookup --crawl-missing`.
#[derive(Args, Clone)]
#[command(next_help_heading = "Network")]
pub struct NetArgs {
    /// Ask this DNS server instead of the system's resolvers: `IP[:PORT]` (plain DNS, port 53
    /// by default), `tls://HOST[:PORT]` (DNS over TLS, port 853) or `https://HOST[:PORT]/PATH`
    /// (DNS over HTTPS, `/dns-query` by default). A HOST name is resolved once, at the start,
    /// through the system's resolver; its certificate is checked against the same roots as the
    /// crawl's (`--ca-file`).
    #[arg(long, value_name = "SERVER")]
    pub dns_server: Option<DnsServer>,
    /// Trust only the CA certificates in this PEM file instead of the built-in Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Connect to this port instead of 443 (for the lab).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub https_port: Option<u16>,
    /// Also connect to private, loopback and link-local addresses.
    #[arg(long, conflicts_with = "allow_loopback")]
    pub allow_private: bool,
    /// Also connect to loopback addresses, and to no other non-public ones (for the lab).
    #[arg(long)]
    pub allow_loopback: bool,
    /// Ports besides 443 that a redirect or a key URL may name, comma-separated (e.g.
    /// `8443`). By default a URL with another port is not fetched.
    #[arg(long, value_name = "PORTS", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..))]
    pub allow_ports: Vec<u16>,
    /// Requests in flight per IP address (1–10000).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = count(1, 10_000))]
    pub per_ip_concurrency: usize,
    /// Requests per second per IP address (fractions allowed; more than 0, at most 1000000).
    #[arg(long, value_name = "RATE", default_value_t = 10.0, value_parser = rate, allow_negative_numbers = true)]
    pub per_ip_rate: f64,
    /// Requests in flight per registrable domain (1–10000).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = count(1, 10_000))]
    pub per_site_concurrency: usize,
    /// DNS queries in flight (1–10000).
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = count(1, 10_000))]
    pub dns_concurrency: usize,
    /// Seconds one DNS query may take (more than 0, at most a day).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds, allow_negative_numbers = true)]
    pub dns_timeout: Duration,
    /// Seconds a TCP and TLS connection may take to set up (more than 0, at most a day).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds, allow_negative_numbers = true)]
    pub connect_timeout: Duration,
    /// Seconds of network time one attempt (with its redirects) may take (more than 0, at most
    /// a day).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds, allow_negative_numbers = true)]
    pub timeout: Duration,
    /// Seconds of network time one domain may take, all attempts together (more than 0, at most
    /// a day).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = seconds, allow_negative_numbers = true)]
    pub domain_timeout: Duration,
    /// Retries of a transient failure (timeouts, resets, 429, 502–504) per location (0–10).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// The longest Retry-After honoured, in seconds; a server asking for more is not retried
    /// (0 to a day).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = seconds_or_zero, allow_negative_numbers = true)]
    pub max_retry_after: Duration,
    /// Bytes of a file read at most; a larger one is `too_large` (1024 to 104857600).
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024, value_parser = clap::value_parser!(u64).range(1024..=100 * 1024 * 1024))]
    pub max_bytes: u64,
    /// Redirects followed at most (0–20).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = count(0, 20))]
    pub max_redirects: usize,
    /// The User-Agent header.
    #[arg(long, value_name = "TEXT", value_parser = header_text)]
    pub user_agent: Option<String>,
    /// How site owners can reach whoever runs the crawl, added to the User-Agent: an https URL,
    /// a `mailto:` URI or an e-mail address.
    #[arg(long, value_name = "URL", value_parser = contact)]
    pub contact: Option<String>,
    /// Trust the OpenPGP keys in this file (armoured or binary) and try them first.
    #[arg(long, value_name = "FILE")]
    pub keyring: Option<PathBuf>,
    /// Ask this keyserver (HKP over TLS: `https://` or `hkps://`, e.g.
    /// https://keys.openpgp.org) for `openpgp4fpr:` keys.
    #[arg(long, value_name = "URL", value_parser = keyserver)]
    pub keyserver: Option<url::Url>,
}

/// A whole number from `min` to `max`.
fn count(min: usize, max: usize) -> impl Fn(&str) -> Result<usize, String> + Clone {
    move |value: &str| {
        let n: usize = value
            .trim()
            .parse()
            .map_err(|_| format!("`{value}` is not a whole number (from {min} to {max})"))?;
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{n} is out of range: from {min} to {max}"))
        }
    }
}

const A_DAY: f64 = 86_400.0;

fn parse_seconds(value: &str, zero: bool) -> Result<Duration, String> {
    let secs: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number of seconds"))?;
    let low_ok = if zero { secs >= 0.0 } else { secs > 0.0 };
    if !secs.is_finite() || !low_ok || secs > A_DAY {
        return Err(format!(
            "{value} is out of range: {} seconds, at most 86400 (a day)",
            if zero { "from 0" } else { "more than 0" }
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Seconds, more than 0 and at most a day.
pub fn seconds(value: &str) -> Result<Duration, String> {
    parse_seconds(value, false)
}

fn seconds_or_zero(value: &str) -> Result<Duration, String> {
    parse_seconds(value, true)
}

fn rate(value: &str) -> Result<f64, String> {
    let rate: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number of requests per second"))?;
    if rate.is_finite() && rate > 0.0 && rate <= 1_000_000.0 {
        Ok(rate)
    } else {
        Err(format!(
            "{value} is out of range: more than 0 and at most 1000000 requests per second"
        ))
    }
}

/// Text for an HTTP header: printable, on one line.
fn header_text(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("it is empty".into());
    }
    if value.chars().any(|c| c.is_control()) {
        return Err("it holds a control character".into());
    }
    Ok(value.to_owned())
}

/// An https URL, a `mailto:` URI, or an e-mail address (made a `mailto:` URI).
fn contact(value: &str) -> Result<String, String> {
    let value = header_text(value)?;
    let value = value.trim();
    if let Ok(url) = url::Url::parse(value) {
        match url.scheme() {
            "https" | "http" if url.host_str().is_some() => return Ok(url.to_string()),
            "mailto" if value.contains('@') => return Ok(value.to_owned()),
            _ => {}
        }
    }
    if !value.contains(char::is_whitespace)
        && let Some((local, domain)) = value.split_once('@')
        && !local.is_empty()
        && domain.contains('.')
    {
        return Ok(format!("mailto:{value}"));
    }
    Err(format!(
        "`{value}` is neither a web address (https://…) nor an e-mail address"
    ))
}

fn keyserver(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "https" | "hkps" if url.host_str().is_some() => Ok(url),
        other => Err(format!(
            "`{other}://` is not HKP over TLS: give an https:// or hkps:// keyserver"
        )),
    }
}

impl NetArgs {
    /// The crawler's settings, every file the flags name read and checked.
    pub fn settings(&self) -> Result<Settings> {
        let mut s = Settings::default();
        s.dns.server = self.dns_server.clone();
        s.dns.timeout = self.dns_timeout;
        s.dns.concurrency = self.dns_concurrency;
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA file `{}`", path.display()))?;
            s.http.roots = Roots::Pem(pem);
            s.dns.roots = s.http.roots.clone();
        }
        s.http.https_port = self.https_port;
        s.http.connect_timeout = self.connect_timeout;
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
        s.fetch.attempt_timeout = self.timeout;
        s.fetch.max_bytes = self.max_bytes;
        s.fetch.max_redirects = self.max_redirects;
        s.fetch.allowed_ports = self.allow_ports.clone();
        s.politeness.per_ip_concurrency = self.per_ip_concurrency;
        s.politeness.per_ip_rate = self.per_ip_rate;
        s.politeness.per_site_concurrency = self.per_site_concurrency;
        s.retry.retries = self.retries;
        s.retry.max_retry_after = self.max_retry_after;
        s.domain_timeout = self.domain_timeout;
        if let Some(path) = &self.keyring {
            // Read now, so that a bad keyring stops the command before it starts anything.
            Keyring::open(path)?;
        }
        s.keyring = self.keyring.clone();
        s.keyserver = self.keyserver.clone();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_out_of_range_are_refused_with_the_range() {
        assert!(seconds("0").unwrap_err().contains("more than 0"));
        assert!(seconds("1e30").unwrap_err().contains("at most 86400"));
        assert!(seconds("nan").unwrap_err().contains("out of range"));
        assert!(seconds("-1").is_err());
        assert_eq!(seconds("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(seconds_or_zero("0"), Ok(Duration::ZERO));
        assert!(rate("0").is_err() && rate("nan").is_err() && rate("inf").is_err());
        assert_eq!(rate("0.5"), Ok(0.5));
        assert_eq!(
            count(1, 10)("0"),
            Err("0 is out of range: from 1 to 10".into())
        );
        assert_eq!(count(1, 10)("3"), Ok(3));
    }

    #[test]
    fn a_contact_is_a_url_or_an_address() {
        assert_eq!(
            contact("https://cert.example/crawler").as_deref(),
            Ok("https://cert.example/crawler")
        );
        assert_eq!(
            contact("ops@cert.example").as_deref(),
            Ok("mailto:ops@cert.example")
        );
        assert!(contact("not a url").is_err());
        assert!(contact("ftp://x.example").is_err());
        assert!(keyserver("ftp://x").unwrap_err().contains("https://"));
        assert!(keyserver("hkps://keys.openpgp.org").is_ok());
    }
}
