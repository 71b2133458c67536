//! Name resolution through hickory-resolver: the configured name server (`--dns-server`, plain,
//! DNS over TLS or DNS over HTTPS) or those of `/etc/resolv.conf`; queries in flight bounded;
//! addresses cached for their TTL (at most five minutes); and failures told apart (NXDOMAIN, no
//! address, SERVFAIL, timeout) instead of collapsed into "not found".
//!
//! The library validates answers (ID, question, sender), fails over between name servers,
//! retries over TCP when an answer is truncated and speaks EDNS. What is ours: which servers, the
//! bounds, and reading its errors as the crawl's outcome classes.

use crate::record::Outcome;
use anyhow::{Context, Result, bail};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts, ServerOrderingStrategy,
};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::{RData, RecordType};
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

use super::client::Roots;

/// Where the crawl's questions go when not to the system's resolvers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsServer {
    /// Plain DNS: UDP, and TCP for a truncated answer (`IP[:PORT]`, port 53 by default).
    Plain(SocketAddr),
    /// DNS over TLS, RFC 7858 (`tls://HOST[:PORT]`, port 853 by default).
    Tls { host: String, port: u16 },
    /// DNS over HTTPS, RFC 8484 (`https://HOST[:PORT][/PATH]`, `/dns-query` by default).
    Https {
        host: String,
        port: u16,
        path: String,
    },
}

impl FromStr for DnsServer {
    type Err = String;

    fn from_str(text: &str) -> Result<DnsServer, String> {
        let text = text.trim();
        if let Some((scheme, _)) = text.split_once("://") {
            let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
            let host = match url.host() {
                Some(url::Host::Domain(d)) => d.to_owned(),
                Some(url::Host::Ipv4(ip)) => ip.to_string(),
                Some(url::Host::Ipv6(ip)) => ip.to_string(),
                None => return Err("the URL names no server".into()),
            };
            if !url.username().is_empty() || url.password().is_some() {
                return Err("a DNS server URL takes no user name or password".into());
            }
            return match scheme.to_ascii_lowercase().as_str() {
                "tls" => {
                    if !matches!(url.path(), "" | "/") || url.query().is_some() {
                        return Err("a tls:// DNS server takes no path".into());
                    }
                    Ok(DnsServer::Tls {
                        host,
                        port: url.port().unwrap_or(853),
                    })
                }
                "https" => Ok(DnsServer::Https {
                    host,
                    port: url.port_or_known_default().unwrap_or(443),
                    path: match url.path() {
                        "" | "/" => "/dns-query".to_owned(),
                        path => path.to_owned(),
                    },
                }),
                other => Err(format!(
                    "`{other}://` is not a DNS transport: give IP:PORT, tls://HOST or https://HOST/PATH"
                )),
            };
        }
        if let Ok(address) = text.parse::<SocketAddr>() {
            return Ok(DnsServer::Plain(address));
        }
        match text.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => Ok(DnsServer::Plain(SocketAddr::new(ip, 53))),
            Err(_) => Err(format!(
                "`{text}` is not IP[:PORT], tls://HOST[:PORT] or https://HOST[:PORT]/PATH"
            )),
        }
    }
}

impl fmt::Display for DnsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bracketed = |host: &str| {
            if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_owned()
            }
        };
        match self {
            DnsServer::Plain(address) => write!(f, "{address}"),
            DnsServer::Tls { host, port } => write!(f, "tls://{}:{port}", bracketed(host)),
            DnsServer::Https { host, port, path } => {
                write!(f, "https://{}:{port}{path}", bracketed(host))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Ask this server instead of the ones in `/etc/resolv.conf`.
    pub server: Option<DnsServer>,
    /// How long one query may take.
    pub timeout: Duration,
    /// How often a query is tried.
    pub attempts: usize,
    /// Queries in flight at most.
    pub concurrency: usize,
    /// Whom to trust for a DNS-over-TLS or -HTTPS server's certificate.
    pub roots: Roots,
}

impl Default for DnsConfig {
    fn default() -> DnsConfig {
        DnsConfig {
            server: None,
            timeout: Duration::from_secs(5),
            attempts: 2,
            concurrency: 32,
            roots: Roots::Mozilla,
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

    /// The class of a resolver error: an answer saying the name does not exist, one with no
    /// record of the type asked, one with an error code (or not a DNS answer at all), or no
    /// answer from any server in time.
    fn of(error: &NetError) -> DnsFailure {
        match error {
            _ if error.is_nx_domain() => DnsFailure::NxDomain,
            _ if error.is_no_records_found() => DnsFailure::NoAddress,
            NetError::Dns(DnsError::ResponseCode(_)) | NetError::Proto(_) => DnsFailure::ServFail,
            _ => DnsFailure::Timeout,
        }
    }
}

/// Responses cached at most (hickory counts whole responses, NXDOMAIN ones too). The cache only
/// has to span one domain's redirects, retries and key URLs; at 16,384 a list of names that do
/// not exist filled it with 25 MB of negative answers.
const CACHE_RESPONSES: u64 = 4_096;
/// Addresses are kept at most this long, whatever their TTL: a crawl of a day must not keep
/// an address a day.
const CACHE_TTL_CAP: Duration = Duration::from_secs(300);
/// glibc reads the first three `nameserver` lines; so do we.
const MAX_SERVERS: usize = 3;

pub struct Dns {
    resolver: TokioResolver,
    in_flight: Semaphore,
    /// The DNS-over-TLS or -HTTPS server asked, whose transport `check_transport` tries.
    encrypted: Option<DnsServer>,
}

/// The name servers of a `resolv.conf` (read by hickory), the first three, in order; the local
/// host's when it names none, as glibc does.
pub fn resolv_conf_servers(text: &str) -> Vec<IpAddr> {
    let mut servers: Vec<IpAddr> =
        match hickory_resolver::system_conf::parse_resolv_conf(text.as_bytes()) {
            Ok((config, _)) => config
                .name_servers()
                .iter()
                .map(|s| s.ip)
                // A link-local address (`fe80::1%eth0`) needs its interface, which is lost here.
                .filter(|ip| !matches!(ip, IpAddr::V6(v6) if v6.is_unicast_link_local()))
                .collect(),
            Err(_) => Vec::new(),
        };
    servers.truncate(MAX_SERVERS);
    if servers.is_empty() {
        servers.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    servers
}

/// The addresses of a DNS-over-TLS or -HTTPS server named by host name, found once through the
/// system's resolver (the crawl's own resolver is the one being set up).
fn server_addresses(host: &str, port: u16) -> Result<Vec<IpAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let addresses: Vec<IpAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| {
            format!("cannot resolve the DNS server `{host}` through the system's resolver")
        })?
        .map(|a| a.ip())
        .take(MAX_SERVERS)
        .collect();
    if addresses.is_empty() {
        bail!("the DNS server `{host}` has no address");
    }
    Ok(addresses)
}

fn tls_config(roots: &Roots) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS")?
        .with_root_certificates(super::client::root_store(roots)?)
        .with_no_client_auth())
}

impl Dns {
    pub fn new(config: &DnsConfig) -> Result<Dns> {
        let with_port = |mut server: NameServerConfig, port: u16| {
            for connection in &mut server.connections {
                connection.port = port;
            }
            server
        };
        let name_servers: Vec<NameServerConfig> = match &config.server {
            Some(DnsServer::Plain(address)) => {
                vec![with_port(
                    NameServerConfig::udp_and_tcp(address.ip()),
                    address.port(),
                )]
            }
            Some(DnsServer::Tls { host, port }) => server_addresses(host, *port)?
                .into_iter()
                .map(|ip| with_port(NameServerConfig::tls(ip, host.as_str().into()), *port))
                .collect(),
            Some(DnsServer::Https { host, port, path }) => server_addresses(host, *port)?
                .into_iter()
                .map(|ip| {
                    let server = NameServerConfig::https(
                        ip,
                        host.as_str().into(),
                        Some(path.as_str().into()),
                    );
                    with_port(server, *port)
                })
                .collect(),
            None => resolv_conf_servers(
                &std::fs::read_to_string("/etc/resolv.conf")
                    .context("cannot read the system's DNS configuration (/etc/resolv.conf)")?,
            )
            .into_iter()
            .map(NameServerConfig::udp_and_tcp)
            .collect(),
        };
        let mut options = ResolverOpts::default();
        options.timeout = config.timeout;
        // hickory counts retries after the first try.
        options.attempts = config.attempts.max(1) - 1;
        options.cache_size = CACHE_RESPONSES;
        options.positive_max_ttl = Some(CACHE_TTL_CAP);
        options.negative_max_ttl = Some(CACHE_TTL_CAP);
        // The crawl asks the DNS about the internet; /etc/hosts describes this machine.
        options.use_hosts_file = ResolveHosts::Never;
        // As glibc: the servers in the order given, the next when one fails.
        options.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
        options.num_concurrent_reqs = 1;
        let mut builder = TokioResolver::builder_with_config(
            ResolverConfig::from_parts(None, Vec::new(), name_servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(options);
        if matches!(
            config.server,
            Some(DnsServer::Tls { .. } | DnsServer::Https { .. })
        ) {
            builder = builder.with_tls_config(tls_config(&config.roots)?);
        }
        let resolver = builder.build().context("cannot set up the DNS resolver")?;
        Ok(Dns {
            resolver,
            in_flight: Semaphore::new(config.concurrency.max(1)),
            encrypted: config
                .server
                .clone()
                .filter(|s| !matches!(s, DnsServer::Plain(_))),
        })
    }

    /// For a DNS-over-TLS or -HTTPS server, asks it one question (the root's SOA) and fails with
    /// the reason when no answer comes back: a certificate not trusted, a server that does not
    /// speak the protocol. Without this, every domain of a crawl would end as `dns_timeout`.
    /// Any DNS answer, an error code included, shows the transport works.
    pub async fn check_transport(&self) -> Result<()> {
        let Some(server) = &self.encrypted else {
            return Ok(());
        };
        match self.lookup(".", RecordType::SOA).await {
            Ok(_) | Err(NetError::Dns(_)) => Ok(()),
            // hickory reports a failed handshake as "no connections available", without why.
            Err(error) => bail!(
                "the DNS server {server} does not answer ({error}): check its address and port, \
                 and that its certificate is from a CA the crawl trusts (--ca-file)"
            ),
        }
    }

    /// The addresses of `host` (an IP literal is its own address): its A records, or its AAAA
    /// records when it has no A record.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, DnsFailure> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let name = absolute(host);
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DnsFailure::ServFail)?;
        // A, then AAAA only when the name exists and has no A record: a name that does not
        // exist or a server that does not answer is asked once, not twice (hickory's
        // `Ipv4thenIpv6` asks AAAA after any failure).
        let mut failure = DnsFailure::NoAddress;
        for record_type in [RecordType::A, RecordType::AAAA] {
            match self.lookup(&name, record_type).await {
                Ok(lookup) => {
                    let addresses: Vec<IpAddr> = lookup
                        .answers()
                        .iter()
                        .filter_map(|r| match &r.data {
                            RData::A(a) => Some(IpAddr::V4(a.0)),
                            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                            _ => None,
                        })
                        .collect();
                    if !addresses.is_empty() {
                        return Ok(addresses);
                    }
                }
                Err(e) => {
                    failure = DnsFailure::of(&e);
                    if failure != DnsFailure::NoAddress {
                        return Err(failure);
                    }
                }
            }
        }
        Err(failure)
    }

    /// The OpenPGP keys published for `name` in OPENPGPKEY records (RFC 7929).
    pub async fn openpgpkey(&self, name: &str) -> Result<Vec<Vec<u8>>, DnsFailure> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DnsFailure::ServFail)?;
        let lookup = self
            .lookup(&absolute(name), RecordType::OPENPGPKEY)
            .await
            .map_err(|e| DnsFailure::of(&e))?;
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
}

impl Dns {
    /// The library's lookup, boxed: its future is several kilobytes, and every domain's task
    /// would otherwise carry (and tokio copy) it from start to end.
    fn lookup<'a>(
        &'a self,
        name: &'a str,
        record_type: RecordType,
    ) -> Pin<Box<dyn Future<Output = Result<Lookup, NetError>> + Send + 'a>> {
        Box::pin(self.resolver.lookup(name, record_type))
    }
}

/// `name` made absolute, so that no search domain is appended.
fn absolute(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Message, OpCode, ResponseCode};
    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::{A, AAAA};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UdpSocket;

    /// What the fake server sends for a question: datagrams over UDP, one message over TCP.
    type Respond = dyn Fn(&Message, bool) -> Vec<Message> + Send + Sync;

    /// A name server on 127.0.0.1 (UDP and TCP, same port) answering with `respond`; counts
    /// the questions it is asked.
    async fn fake_server(respond: Arc<Respond>) -> (SocketAddr, Arc<AtomicUsize>) {
        // The port the kernel picks for UDP may be taken for TCP (by some connection's local
        // end); pick again until both are free.
        let (udp, tcp, address) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let address = udp.local_addr().unwrap();
            if let Ok(tcp) = tokio::net::TcpListener::bind(address).await {
                break (udp, tcp, address);
            }
        };
        let asked = Arc::new(AtomicUsize::new(0));
        let (udp_respond, udp_asked) = (respond.clone(), asked.clone());
        tokio::spawn(async move {
            let mut buffer = [0u8; 2048];
            while let Ok((n, from)) = udp.recv_from(&mut buffer).await {
                let query = Message::from_vec(&buffer[..n]).unwrap();
                udp_asked.fetch_add(1, Ordering::SeqCst);
                for reply in udp_respond(&query, false) {
                    let _ = udp.send_to(&reply.to_vec().unwrap(), from).await;
                }
            }
        });
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = tcp.accept().await {
                let length = stream.read_u16().await.unwrap();
                let mut buffer = vec![0u8; usize::from(length)];
                stream.read_exact(&mut buffer).await.unwrap();
                let query = Message::from_vec(&buffer).unwrap();
                for reply in respond(&query, true) {
                    let bytes = reply.to_vec().unwrap();
                    let _ = stream.write_all(&(bytes.len() as u16).to_be_bytes()).await;
                    let _ = stream.write_all(&bytes).await;
                }
            }
        });
        (address, asked)
    }

    fn reply(query: &Message, code: ResponseCode, answers: &[RData], ttl: u32) -> Message {
        let mut reply = Message::response(query.metadata.id, OpCode::Query);
        reply.metadata.response_code = code;
        reply.add_queries(query.queries.clone());
        let name = query.queries[0].name().clone();
        for data in answers {
            reply.add_answer(Record::from_rdata(name.clone(), ttl, data.clone()));
        }
        reply
    }

    /// What `resolve` returns for a name with this one address.
    fn only(ip: &str) -> Result<Vec<IpAddr>, DnsFailure> {
        Ok(vec![ip.parse().unwrap()])
    }

    fn dns(server: SocketAddr) -> Dns {
        Dns::new(&DnsConfig {
            server: Some(DnsServer::Plain(server)),
            timeout: Duration::from_millis(300),
            attempts: 2,
            concurrency: 4,
            roots: Roots::Mozilla,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn an_answer_from_another_address_is_ignored_even_with_the_right_id() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let spoofer = UdpSocket::bind("127.0.0.2:0").await.unwrap();
        let address = server.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buffer = [0u8; 2048];
            let (n, from) = server.recv_from(&mut buffer).await.unwrap();
            let query = Message::from_vec(&buffer[..n]).unwrap();
            let forged = reply(
                &query,
                ResponseCode::NoError,
                &[RData::A(A::new(10, 6, 6, 6))],
                60,
            );
            spoofer
                .send_to(&forged.to_vec().unwrap(), from)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            let real = reply(
                &query,
                ResponseCode::NoError,
                &[RData::A(A::new(192, 0, 2, 9))],
                60,
            );
            server.send_to(&real.to_vec().unwrap(), from).await.unwrap();
        });
        assert_eq!(
            dns(address).resolve("spoofed.test").await,
            only("192.0.2.9")
        );
    }

    #[tokio::test]
    async fn truncated_answers_are_asked_again_over_tcp_and_forged_ones_ignored() {
        let (server, _) = fake_server(Arc::new(|query: &Message, tcp: bool| {
            let real = RData::A(A::new(192, 0, 2, 7));
            if tcp {
                return vec![reply(query, ResponseCode::NoError, &[real], 60)];
            }
            let mut forged = reply(
                query,
                ResponseCode::NoError,
                &[RData::A(A::new(10, 6, 6, 6))],
                60,
            );
            forged.metadata.id = query.metadata.id.wrapping_add(1);
            let mut truncated = reply(query, ResponseCode::NoError, &[], 60);
            truncated.metadata.truncation = true;
            vec![forged, truncated]
        }))
        .await;
        assert_eq!(dns(server).resolve("big.test").await, only("192.0.2.7"));
    }

    #[tokio::test]
    async fn each_failure_has_its_own_class_and_aaaa_is_asked_without_a() {
        let (server, asked) = fake_server(Arc::new(|query: &Message, _tcp: bool| {
            let name = query.queries[0].name().to_ascii();
            let aaaa = query.queries[0].query_type() == RecordType::AAAA;
            match name.as_str() {
                "nx.test." => vec![reply(query, ResponseCode::NXDomain, &[], 0)],
                "fail.test." => vec![reply(query, ResponseCode::ServFail, &[], 0)],
                "v6.test." if aaaa => {
                    let v6 = RData::AAAA(AAAA("2001:db8::1".parse().unwrap()));
                    vec![reply(query, ResponseCode::NoError, &[v6], 60)]
                }
                "silent.test." => vec![],
                _ => vec![reply(query, ResponseCode::NoError, &[], 0)],
            }
        }))
        .await;
        let dns = dns(server);
        assert_eq!(dns.resolve("nx.test").await, Err(DnsFailure::NxDomain));
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "a name that does not exist is not asked for AAAA"
        );
        assert_eq!(dns.resolve("fail.test").await, Err(DnsFailure::ServFail));
        assert_eq!(dns.resolve("silent.test").await, Err(DnsFailure::Timeout));
        assert_eq!(dns.resolve("none.test").await, Err(DnsFailure::NoAddress));
        assert_eq!(dns.resolve("v6.test").await, only("2001:db8::1"));
        assert_eq!(dns.resolve("192.0.2.1").await, only("192.0.2.1"));
    }

    #[tokio::test]
    async fn addresses_are_cached_for_their_ttl_only() {
        let (server, asked) = fake_server(Arc::new(|query: &Message, _tcp: bool| {
            let ttl = if query.queries[0].name().to_ascii() == "kept.test." {
                60
            } else {
                0
            };
            vec![reply(
                query,
                ResponseCode::NoError,
                &[RData::A(A::new(192, 0, 2, 1))],
                ttl,
            )]
        }))
        .await;
        let dns = dns(server);
        for _ in 0..3 {
            dns.resolve("kept.test").await.unwrap();
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            dns.resolve("KEPT.test.").await.unwrap();
        }
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "names are not case-sensitive"
        );
        for _ in 0..3 {
            dns.resolve("fleeting.test").await.unwrap();
        }
        assert_eq!(asked.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn resolv_conf_gives_the_first_three_usable_servers_or_the_local_host() {
        let text = "# comment\nsearch example.com\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n\
                    nameserver 2001:db8::53\noptions timeout:1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n";
        let servers: Vec<String> = resolv_conf_servers(text)
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(servers, ["192.0.2.1", "2001:db8::53", "192.0.2.2"]);
        assert_eq!(
            resolv_conf_servers("search example.com\n")[0].to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn a_dns_server_is_plain_tls_or_https() {
        let parsed = |text: &str| text.parse::<DnsServer>().map(|s| s.to_string());
        for (text, read) in [
            ("192.0.2.53:5353", "192.0.2.53:5353"),
            ("192.0.2.53", "192.0.2.53:53"),
            ("[2001:db8::53]:53", "[2001:db8::53]:53"),
            ("2001:db8::53", "[2001:db8::53]:53"),
            ("tls://dns.quad9.net", "tls://dns.quad9.net:853"),
            ("TLS://192.0.2.53:8853", "tls://192.0.2.53:8853"),
            (
                "https://cloudflare-dns.com",
                "https://cloudflare-dns.com:443/dns-query",
            ),
            (
                "https://[2001:db8::53]:8443/resolve",
                "https://[2001:db8::53]:8443/resolve",
            ),
        ] {
            assert_eq!(parsed(text).as_deref(), Ok(read), "{text}");
        }
        for wrong in [
            "dns.example",
            "udp://192.0.2.53",
            "tls://192.0.2.53/path",
            "https://user:secret@dns.example/dns-query",
        ] {
            assert!(parsed(wrong).is_err(), "{wrong}");
        }
    }
}
