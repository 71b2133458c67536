//! Every knob of the crawl in one place, with the defaults the README documents, and the
//! assembly of a `DomainCrawler` from them.

use super::domain::{DomainCrawler, RetryConfig};
use crate::net::client::{Http, HttpConfig, Roots};
use crate::net::dns::{Dns, DnsConfig};
use crate::net::fetch::{FetchConfig, Fetcher};
use crate::net::guard::AddressPolicy;
use crate::net::limits::{Politeness, PolitenessConfig};
use crate::signature::keys::{
    EncryptionKeys, KeyFinder, KeySource, Keyring, NetworkKeys, WebKeyDirectory,
};
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The User-Agent: the tool, its version, and what it does.
pub fn default_user_agent() -> String {
    format!(
        "disclose/{} (security.txt crawler, RFC 9116)",
        crate::VERSION
    )
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub dns: DnsConfig,
    pub http: HttpConfig,
    pub politeness: PolitenessConfig,
    pub fetch: FetchConfig,
    pub retry: RetryConfig,
    /// Network time one domain may take, all attempts together.
    pub domain_timeout: Duration,
    /// Keys the user trusts, tried before any other source.
    pub keyring: Option<PathBuf>,
    /// A keyserver (HKP) to ask for `openpgp4fpr:` fingerprints.
    pub keyserver: Option<Url>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            dns: DnsConfig::default(),
            http: HttpConfig {
                roots: Roots::Mozilla,
                user_agent: default_user_agent(),
                connect_timeout: Duration::from_secs(5),
                https_port: None,
            },
            politeness: PolitenessConfig::default(),
            fetch: FetchConfig {
                max_bytes: 32 * 1024,
                max_redirects: 5,
                attempt_timeout: Duration::from_secs(10),
                policy: AddressPolicy::PublicOnly,
                allowed_ports: Vec::new(),
            },
            retry: RetryConfig::default(),
            domain_timeout: Duration::from_secs(60),
            keyring: None,
            keyserver: None,
        }
    }
}

impl Settings {
    pub fn build(&self) -> Result<DomainCrawler> {
        let dns = Arc::new(Dns::new(&self.dns)?);
        let fetcher = Arc::new(Fetcher {
            dns: dns.clone(),
            http: Http::new(&self.http)?,
            politeness: Politeness::new(&self.politeness),
            config: self.fetch.clone(),
        });
        let mut sources: Vec<Box<dyn KeySource>> = Vec::new();
        if let Some(path) = &self.keyring {
            sources.push(Box::new(Keyring::open(path)?));
        }
        let network = Arc::new(NetworkKeys::new(
            fetcher.clone(),
            dns,
            self.keyserver.clone(),
        ));
        sources.push(Box::new(EncryptionKeys(network.clone())));
        sources.push(Box::new(WebKeyDirectory(network)));
        Ok(DomainCrawler {
            fetcher,
            keys: KeyFinder::new(sources),
            retry: self.retry.clone(),
            domain_timeout: self.domain_timeout,
            judge_at: None,
        })
    }
}
