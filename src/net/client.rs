//! The HTTP client: reqwest over rustls (ring), trusting the Mozilla roots or a CA file, never
//! following redirects itself (`fetch` follows them hop by hop) and never resolving names itself.
//! The crawler resolves, checks and rate-limits an address first, then *pins* the host to it;
//! the client's resolver answers only with pinned addresses, so every connection goes exactly
//! where the guard and the limiter said it may.

use anyhow::{Context, Result, bail};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which certificate authorities the client trusts.
#[derive(Debug, Clone)]
pub enum Roots {
    /// The Mozilla root store compiled into disclose (not the machine's store, so results do not
    /// depend on where the crawl runs).
    Mozilla,
    /// Only the certificates of this PEM file (`--ca-file`), e.g. the lab's test CA.
    Pem(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub roots: Roots,
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Connect to this port instead of 443 (labs and tests).
    pub https_port: Option<u16>,
}

/// Host → address pins shared with the client's resolver.
#[derive(Default)]
struct Pins {
    map: Mutex<HashMap<String, (IpAddr, usize)>>,
    port: u16,
}

impl Resolve for PinnedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let pinned = {
            let map = self.0.map.lock().unwrap_or_else(|e| e.into_inner());
            map.get(name.as_str()).map(|(ip, _)| *ip)
        };
        let port = self.0.port;
        Box::pin(async move {
            match pinned {
                Some(ip) => Ok(Box::new(std::iter::once(SocketAddr::new(ip, port))) as Addrs),
                None => Err(format!("no address was pinned for {}", name.as_str()).into()),
            }
        })
    }
}

struct PinnedResolver(Arc<Pins>);

pub struct Http {
    client: reqwest::Client,
    pins: Arc<Pins>,
}

/// A host pinned to an address for the duration of a request.
pub struct Pin<'a> {
    pins: &'a Pins,
    host: String,
    /// The address the request will go to.
    pub ip: IpAddr,
}

impl Drop for Pin<'_> {
    fn drop(&mut self) {
        let mut map = self.pins.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = map.get_mut(&self.host) {
            entry.1 -= 1;
            if entry.1 == 0 {
                map.remove(&self.host);
            }
        }
    }
}

/// Makes ring the process's rustls provider; harmless when it already is.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Http {
    pub fn new(config: &HttpConfig) -> Result<Http> {
        install_crypto_provider();
        let roots: Vec<reqwest::Certificate> = match &config.roots {
            Roots::Mozilla => webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .filter_map(|der| reqwest::Certificate::from_der(der).ok())
                .collect(),
            Roots::Pem(pem) => reqwest::Certificate::from_pem_bundle(pem)
                .context("the CA file holds no usable PEM certificate")?,
        };
        if roots.is_empty() {
            bail!("no trusted certificate authority");
        }
        let pins = Arc::new(Pins {
            map: Mutex::default(),
            port: config.https_port.unwrap_or(0),
        });
        let client = reqwest::Client::builder()
            .tls_certs_only(roots)
            .tls_info(true)
            // One request per connection: HTTP/1.1 is all a server must speak, and HTTP/2's
            // connection preface, settings and stream machinery buy nothing for a single GET.
            .http1_only()
            // Nor do TCP keep-alive probes on a connection that lives one request; the fetch's
            // own time limits bound a silent server.
            .tcp_keepalive(None)
            .tcp_keepalive_interval(None)
            .tcp_keepalive_retries(None)
            .tcp_user_timeout(None)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(PinnedResolver(pins.clone()))
            .no_proxy()
            .pool_max_idle_per_host(0)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Http { client, pins })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Pins `host` to `ip`, or to the address it is already pinned to by another request (the
    /// guard approved that one too), and returns the pin in force.
    pub fn pin(&self, host: &str, ip: IpAddr) -> Pin<'_> {
        let mut map = self.pins.map.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(host.to_owned()).or_insert((ip, 0));
        entry.1 += 1;
        Pin {
            pins: &self.pins,
            host: host.to_owned(),
            ip: entry.0,
        }
    }
}
