//! Name resolution with hickory-resolver: the system configuration or a given name server, a
//! bound on queries in flight, and failures told apart (NXDOMAIN, no address, SERVFAIL,
//! timeout) instead of collapsed into "not found".

use crate::record::Outcome;
use anyhow::{Context, Result};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Ask this server instead of the ones in `/etc/resolv.conf`.
    pub server: Option<SocketAddr>,
    /// How long one query may take.
    pub timeout: Duration,
    /// How often a query is tried.
    pub attempts: usize,
    /// Queries in flight at most.
    pub concurrency: usize,
}

impl Default for DnsConfig {
    fn default() -> DnsConfig {
        DnsConfig {
            server: None,
            timeout: Duration::from_secs(5),
            attempts: 2,
            concurrency: 32,
        }
    }
}

/// Why a name did not resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsFailure {
    NxDomain,
    NoAddress,
    ServFail,
    Timeout,
}

impl DnsFailure {
    pub fn outcome(self) -> Outcome {
        match self {
            DnsFailure::NxDomain => Outcome::DnsNxdomain,
            DnsFailure::NoAddress => Outcome::DnsNoAddress,
            DnsFailure::ServFail => Outcome::DnsServfail,
            DnsFailure::Timeout => Outcome::DnsTimeout,
        }
    }
}

pub struct Dns {
    resolver: TokioResolver,
    in_flight: Semaphore,
}

impl Dns {
    pub fn new(config: &DnsConfig) -> Result<Dns> {
        let mut opts = ResolverOpts::default();
        opts.timeout = config.timeout;
        opts.attempts = config.attempts;
        opts.ip_strategy = LookupIpStrategy::Ipv4thenIpv6;
        opts.cache_size = 16_384;
        opts.max_active_requests = config.concurrency.max(32);
        let builder = match config.server {
            Some(addr) => {
                let mut cfg = ResolverConfig::from_parts(None, vec![], vec![]);
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut ns.connections {
                    connection.port = addr.port();
                }
                cfg.add_name_server(ns);
                TokioResolver::builder_with_config(cfg, TokioRuntimeProvider::default())
            }
            None => TokioResolver::builder_tokio()
                .context("cannot read the system's DNS configuration (/etc/resolv.conf)")?,
        };
        let resolver = builder
            .with_options(opts)
            .build()
            .context("cannot start the DNS resolver")?;
        Ok(Dns {
            resolver,
            in_flight: Semaphore::new(config.concurrency.max(1)),
        })
    }

    /// The addresses of `host` (an IP literal is its own address).
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, DnsFailure> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DnsFailure::ServFail)?;
        // The trailing dot makes the name absolute, so no search domain is appended.
        match self.resolver.lookup_ip(format!("{host}.")).await {
            Ok(lookup) => {
                let addrs: Vec<IpAddr> = lookup.iter().collect();
                if addrs.is_empty() {
                    Err(DnsFailure::NoAddress)
                } else {
                    Ok(addrs)
                }
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

impl Dns {
    /// The OpenPGP keys published for `name` in OPENPGPKEY records (RFC 7929).
    pub async fn openpgpkey(&self, name: &str) -> Result<Vec<Vec<u8>>, DnsFailure> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DnsFailure::ServFail)?;
        let name = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.lookup(name, RecordType::OPENPGPKEY).await {
            Ok(lookup) => {
                let keys: Vec<Vec<u8>> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::OPENPGPKEY(k) => Some(k.public_key.clone()),
                        _ => None,
                    })
                    .collect();
                if keys.is_empty() {
                    Err(DnsFailure::NoAddress)
                } else {
                    Ok(keys)
                }
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

fn classify(error: &NetError) -> DnsFailure {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no)) => match no.response_code {
            ResponseCode::NXDomain => DnsFailure::NxDomain,
            ResponseCode::NoError => DnsFailure::NoAddress,
            _ => DnsFailure::ServFail,
        },
        NetError::Timeout => DnsFailure::Timeout,
        NetError::Dns(DnsError::ResponseCode(_)) => DnsFailure::ServFail,
        // Every name server timed out or refused the connection.
        NetError::NoConnections | NetError::Io(_) => DnsFailure::Timeout,
        _ => DnsFailure::ServFail,
    }
}
