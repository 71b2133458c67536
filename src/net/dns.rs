//! Name resolution: a stub resolver that asks the configured name server (or those of
//! `/etc/resolv.conf`) over UDP, and over TCP when the answer was truncated; that bounds the
//! queries in flight; that caches addresses for their TTL; and that tells failures apart
//! (NXDOMAIN, no address, SERVFAIL, timeout) instead of collapsing them into "not found".
//!
//! Messages are encoded and decoded by hickory-proto; the transport is ours. A crawl asks one
//! question per domain, and a full resolver's machinery (name server pools, request streams,
//! its own cache) cost more CPU than the question itself.
//!
//! Every query goes out from a fresh socket on a port the kernel picks at random, with a random
//! ID and EDNS; only a response from the server asked, with the same ID and question, is taken.

use crate::record::Outcome;
use anyhow::{Context, Result};
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
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

/// The EDNS payload size advertised: the DNS flag day 2020 value, which fits any path's MTU.
const UDP_PAYLOAD: u16 = 1232;
/// Cached names at most; the cache only has to span one domain's redirects and retries.
const CACHE_ENTRIES: usize = 16_384;
/// Addresses are kept at most this long, whatever their TTL.
const CACHE_TTL_CAP: Duration = Duration::from_secs(300);
/// glibc reads the first three `nameserver` lines; so do we.
const MAX_SERVERS: usize = 3;

pub struct Dns {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: usize,
    in_flight: Semaphore,
    cache: Mutex<HashMap<String, (Vec<IpAddr>, Instant)>>,
}

/// The name servers of a `resolv.conf`, in order; the local host's if it names none (as glibc).
pub fn resolv_conf_servers(text: &str) -> Vec<SocketAddr> {
    let mut servers: Vec<SocketAddr> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver")).then(|| words.next())?
        })
        // A scoped IPv6 address (`fe80::1%eth0`) needs an interface index; skip it.
        .filter_map(|address| address.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .take(MAX_SERVERS)
        .collect();
    if servers.is_empty() {
        servers.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53));
    }
    servers
}

/// `name` made absolute, so that no search domain is appended.
fn absolute(name: &str) -> Result<Name, DnsFailure> {
    Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).map_err(|_| DnsFailure::ServFail)
}

impl Dns {
    pub fn new(config: &DnsConfig) -> Result<Dns> {
        let servers = match config.server {
            Some(server) => vec![server],
            None => resolv_conf_servers(
                &std::fs::read_to_string("/etc/resolv.conf")
                    .context("cannot read the system's DNS configuration (/etc/resolv.conf)")?,
            ),
        };
        Ok(Dns {
            servers,
            timeout: config.timeout,
            attempts: config.attempts.max(1),
            in_flight: Semaphore::new(config.concurrency.max(1)),
            cache: Mutex::default(),
        })
    }

    /// The addresses of `host` (an IP literal is its own address): its A records, or its AAAA
    /// records when it has no A record.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, DnsFailure> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(addresses) = self.cached(&host) {
            return Ok(addresses);
        }
        let name = absolute(&host)?;
        let mut ttl = u32::MAX;
        let mut addresses = Vec::new();
        for record_type in [RecordType::A, RecordType::AAAA] {
            let response = self.ask(&name, record_type).await?;
            for record in &response.answers {
                let ip = match &record.data {
                    RData::A(a) => IpAddr::V4(a.0),
                    RData::AAAA(aaaa) => IpAddr::V6(aaaa.0),
                    _ => continue,
                };
                ttl = ttl.min(record.ttl);
                addresses.push(ip);
            }
            if !addresses.is_empty() {
                self.remember(host, &addresses, ttl);
                return Ok(addresses);
            }
        }
        Err(DnsFailure::NoAddress)
    }

    /// The OpenPGP keys published for `name` in OPENPGPKEY records (RFC 7929).
    pub async fn openpgpkey(&self, name: &str) -> Result<Vec<Vec<u8>>, DnsFailure> {
        let response = self.ask(&absolute(name)?, RecordType::OPENPGPKEY).await?;
        let keys: Vec<Vec<u8>> = response
            .answers
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

    fn cached(&self, host: &str) -> Option<Vec<IpAddr>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (addresses, expires) = cache.get(host)?;
        (*expires > Instant::now()).then(|| addresses.clone())
    }

    fn remember(&self, host: String, addresses: &[IpAddr], ttl: u32) {
        let keep = Duration::from_secs(u64::from(ttl)).min(CACHE_TTL_CAP);
        if keep.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, (_, expires)| *expires > now);
            if cache.len() >= CACHE_ENTRIES {
                // Everything is fresh: the crawl is moving faster than the TTLs. Start over
                // rather than track recency; the cache only saves repeated questions.
                cache.clear();
            }
        }
        cache.insert(host, (addresses.to_vec(), now + keep));
    }

    /// Asks every server in turn, `attempts` rounds, until one answers NOERROR (the response)
    /// or NXDOMAIN (`NxDomain`); SERVFAIL, REFUSED and the like are `ServFail`, silence `Timeout`.
    async fn ask(&self, name: &Name, record_type: RecordType) -> Result<Message, DnsFailure> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DnsFailure::ServFail)?;
        // SipHash keyed from the operating system's randomness: an ID no one off the path can guess.
        let id = RandomState::new().hash_one(name) as u16;
        let mut query = Message::query();
        query.metadata.id = id;
        query.metadata.recursion_desired = true;
        query.add_query(Query::query(name.clone(), record_type));
        let mut edns = Edns::new();
        edns.set_max_payload(UDP_PAYLOAD);
        query.set_edns(edns);
        let bytes = query.to_vec().map_err(|_| DnsFailure::ServFail)?;
        let question = (name, record_type, id);
        let mut failure = DnsFailure::Timeout;
        for _ in 0..self.attempts {
            for server in &self.servers {
                let exchange = async {
                    let response = udp_exchange(*server, &bytes, question).await?;
                    if response.metadata.truncation {
                        tcp_exchange(*server, &bytes, question).await
                    } else {
                        Ok(response)
                    }
                };
                // A server that cannot be reached, or does not answer in time, did not answer.
                if let Ok(Ok(response)) = tokio::time::timeout(self.timeout, exchange).await {
                    match response.metadata.response_code {
                        ResponseCode::NoError => return Ok(response),
                        ResponseCode::NXDomain => return Err(DnsFailure::NxDomain),
                        _ => failure = DnsFailure::ServFail,
                    }
                }
            }
        }
        Err(failure)
    }
}

/// True when `response` answers `question` (name, type, ID).
fn answers(response: &Message, (name, record_type, id): (&Name, RecordType, u16)) -> bool {
    response.metadata.id == id
        && response.metadata.message_type == MessageType::Response
        && response
            .queries
            .first()
            .is_some_and(|q| q.query_type() == record_type && q.name() == name)
}

async fn udp_exchange(
    server: SocketAddr,
    query: &[u8],
    question: (&Name, RecordType, u16),
) -> std::io::Result<Message> {
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local).await?;
    socket.send_to(query, server).await?;
    let mut buffer = vec![0u8; usize::from(UDP_PAYLOAD) + 512];
    loop {
        let (n, from) = socket.recv_from(&mut buffer).await?;
        // Anything else (another sender, garbled, late, forged) is ignored; the time limit
        // ends the wait. Checking the sender here spares a `connect` per query.
        if (from.ip(), from.port()) == (server.ip(), server.port())
            && let Ok(response) = Message::from_vec(&buffer[..n])
            && answers(&response, question)
        {
            return Ok(response);
        }
    }
}

async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    question: (&Name, RecordType, u16),
) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(server).await?;
    let length = u16::try_from(query.len()).map_err(std::io::Error::other)?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    let length = stream.read_u16().await?;
    let mut buffer = vec![0u8; usize::from(length)];
    stream.read_exact(&mut buffer).await?;
    match Message::from_vec(&buffer) {
        Ok(response) if answers(&response, question) => Ok(response),
        _ => Err(std::io::Error::other("not an answer to the question")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::OpCode;
    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::{A, AAAA};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

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
            server: Some(server),
            timeout: Duration::from_millis(300),
            attempts: 2,
            concurrency: 4,
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
        let (server, _) = fake_server(Arc::new(|query: &Message, _tcp: bool| {
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
        assert_eq!(
            servers,
            ["192.0.2.1:53", "[2001:db8::53]:53", "192.0.2.2:53"]
        );
        assert_eq!(
            resolv_conf_servers("search example.com\n")[0].to_string(),
            "127.0.0.1:53"
        );
    }
}
