//! The lab: a simulated internet on 127.0.0.0/8 for testing and demonstrating the crawler. An
//! authoritative DNS server, a test CA and HTTPS virtual hosts on many loopback addresses, driven
//! by a scenario table, with a ground truth of what a correct crawler concludes. Never used by a
//! production path: the crawler meets the lab only through DNS, TCP and TLS, as it meets the
//! internet.

pub mod ca;
pub mod dns;
pub mod run;
pub mod scenario;
pub mod signing;
pub mod web;
pub mod world;

use crate::crawl::settings::Settings;
use crate::net::client::Roots;
use crate::net::guard::AddressPolicy;
use anyhow::{Context, Result, bail};
use ca::CertKind;
use hickory_server::Server;
use scenario::Mix;
use signing::SigningKey;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, UdpSocket};
use tokio::task::JoinHandle;
use web::{Count, Counters, WebState};
use world::{BLACKHOLE_ADDRESSES, World, blackhole_address};

#[derive(Debug, Clone)]
pub struct LabConfig {
    pub domains: usize,
    pub seed: u64,
    pub mix: Mix,
}

/// Where the lab listens, when it must be on fixed ports: tools that resolve through the system
/// find its DNS server only on port 53 (of a loopback address named in a private resolv.conf),
/// and tools that cannot be told another port fetch from 443. Both need root.
#[derive(Debug, Clone, Copy, Default)]
pub struct Listen {
    pub dns: Option<SocketAddr>,
    pub https_port: Option<u16>,
}

/// A running lab. Dropping it stops every server.
pub struct Lab {
    pub world: Arc<World>,
    /// Where the lab's DNS server answers (UDP and TCP).
    pub dns: SocketAddr,
    /// The same DNS server over TLS (RFC 7858), its certificate for the IP address, from the
    /// lab CA.
    pub dns_tls: SocketAddr,
    /// The same DNS server over HTTPS (RFC 8484), at `/dns-query`.
    pub dns_https: SocketAddr,
    /// The port every HTTPS virtual host listens on.
    pub https_port: u16,
    /// The test CA, PEM.
    pub ca_pem: String,
    /// The second CA's certificate (an intermediate under `ca_pem`'s CA), as PEM.
    pub second_ca_pem: String,
    counters: Arc<Counters>,
    tasks: Vec<JoinHandle<()>>,
    /// Listeners that never accept and the connections that fill their queues, kept open.
    _blackholes: (Vec<std::net::TcpListener>, Vec<tokio::net::TcpStream>),
}

impl Drop for Lab {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The lab DNS server's UDP receive buffer, in bytes.
const DNS_RECEIVE_BUFFER: usize = 4 << 20;

/// The DNS server's UDP socket and TCP listener, on one port. A port the kernel picks for UDP
/// may be taken for TCP (by the local end of some connection: a busy test run has thousands), so
/// an unspecified port is picked again until both are free; a given one is used or refused.
async fn bind_dns(address: SocketAddr) -> Result<(UdpSocket, TcpListener)> {
    let mut tries = 0;
    loop {
        let udp = UdpSocket::bind(address)
            .await
            .context("cannot bind the lab DNS server")?;
        // Several crawls at once (`benches/shared.py`'s four workers) send the one socket a
        // thousand queries in a burst; the default buffer (208 KB) dropped a fifth of them, and
        // each dropped query cost its crawl a resolver timeout of idle time. Best effort: the
        // kernel caps it at `net.core.rmem_max`.
        let _ = socket2::SockRef::from(&udp).set_recv_buffer_size(DNS_RECEIVE_BUFFER);
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(_) if address.port() == 0 && tries < 50 => tries += 1,
            Err(e) => return Err(e).context("cannot bind the lab DNS server over TCP"),
        }
    }
}

/// Binds a listener on every address on one shared port: `fixed`, or a free one.
fn bind_all(addresses: &[IpAddr], fixed: Option<u16>) -> Result<(u16, Vec<TcpListener>)> {
    'attempt: for _ in 0..20 {
        let first = std::net::TcpListener::bind(SocketAddr::new(addresses[0], fixed.unwrap_or(0)))
            .with_context(|| match fixed {
                Some(port) => format!(
                    "cannot bind port {port} on the lab addresses (root is needed below 1024)"
                ),
                None => "cannot bind a loopback address".to_owned(),
            })?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for ip in &addresses[1..] {
            match std::net::TcpListener::bind(SocketAddr::new(*ip, port)) {
                Ok(l) => listeners.push(l),
                Err(e) if fixed.is_some() => bail!("cannot bind {ip}:{port}: {e}"),
                Err(_) => continue 'attempt,
            }
        }
        let listeners = listeners
            .into_iter()
            .map(|l| {
                l.set_nonblocking(true)?;
                TcpListener::from_std(l)
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        // The refusing address must have nothing on this port.
        if std::net::TcpStream::connect_timeout(
            &SocketAddr::new(world::REFUSED_ADDRESS, port),
            Duration::from_millis(200),
        )
        .is_ok()
        {
            continue;
        }
        return Ok((port, listeners));
    }
    bail!("cannot find a port free on every lab address")
}

/// Listeners that never accept, their queues filled, so that connecting to them times out: a
/// full accept queue makes the kernel drop new SYNs. The queues are filled all at once; a connect
/// that is not accepted within 50 ms shows the queue is full.
async fn blackholes(port: u16) -> Result<(Vec<std::net::TcpListener>, Vec<tokio::net::TcpStream>)> {
    let mut listeners = Vec::new();
    let mut connects = tokio::task::JoinSet::new();
    for i in 0..BLACKHOLE_ADDRESSES {
        let addr = SocketAddr::new(blackhole_address(i), port);
        let socket = TcpSocket::new_v4()?;
        socket
            .bind(addr)
            .context("cannot bind a blackhole address")?;
        listeners.push(socket.listen(0)?.into_std()?);
        for _ in 0..2 {
            connects.spawn(tokio::time::timeout(
                Duration::from_millis(50),
                tokio::net::TcpStream::connect(addr),
            ));
        }
    }
    let mut fillers = Vec::new();
    while let Some(done) = connects.join_next().await {
        if let Ok(Ok(Ok(stream))) = done {
            fillers.push(stream);
        }
    }
    Ok((listeners, fillers))
}

impl Lab {
    pub async fn start(config: &LabConfig) -> Result<Lab> {
        Lab::start_with(config, Listen::default()).await
    }

    /// `start`, listening where `listen` says.
    pub async fn start_with(config: &LabConfig, listen: Listen) -> Result<Lab> {
        Lab::start_at_epoch(config, listen, 0).await
    }

    /// `start_with`, serving the world as it is at `epoch` (`World::at_epoch`).
    pub async fn start_at_epoch(config: &LabConfig, listen: Listen, epoch: u32) -> Result<Lab> {
        Lab::start_at(config, listen, epoch, crate::crawl::domain::now()).await
    }

    /// `start_at_epoch` with the lab's clock at `now`: the files' Expires are derived from the
    /// day it falls on, so that two labs started with the same `now` serve the same bytes for
    /// an unchanged file.
    pub async fn start_at(
        config: &LabConfig,
        listen: Listen,
        epoch: u32,
        now: crate::format::Timestamp,
    ) -> Result<Lab> {
        let world = Arc::new(World::at_epoch(
            config.domains,
            config.seed,
            config.mix,
            epoch,
        ));
        let authority = Arc::new(ca::Authority::new()?);
        let signed_at = std::time::SystemTime::now();
        let keys = Arc::new(web::LabKeys {
            signing: SigningKey::generate(
                "disclose lab <security@lab.test>",
                signed_at - Duration::from_secs(3600),
                None,
            )?,
            other: SigningKey::generate(
                "disclose lab, unrelated <other@lab.test>",
                signed_at - Duration::from_secs(3600),
                None,
            )?,
            signed_at,
        });
        let state = Arc::new(WebState::new(
            world.clone(),
            authority.clone(),
            keys.clone(),
            now,
        ));
        let acceptor = web::acceptor(state.clone());

        let (https_port, listeners) = bind_all(&world::listening_addresses(), listen.https_port)?;
        let mut tasks: Vec<JoinHandle<()>> = listeners
            .into_iter()
            .map(|l| tokio::spawn(web::serve(l, acceptor.clone(), state.clone())))
            .collect();
        let blackholes = blackholes(https_port).await?;

        let dns_addr = listen.dns.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
        let (udp, tcp) = bind_dns(dns_addr).await?;
        let dns = udp.local_addr()?;
        let mut server = Server::new(dns::LabDns {
            world: world.clone(),
            key: keys.signing.public_binary(),
        });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 65_535);
        // DNS over TLS and over HTTPS on ports of their own, with a certificate for the address.
        let certificate: Arc<dyn rustls::server::ResolvesServerCert> =
            Arc::new(rustls::sign::SingleCertAndKey::from(
                authority
                    .certified_key(&dns.ip().to_string(), CertKind::Good)
                    .context("cannot mint the lab DNS server's certificate")?,
            ));
        let tls = TcpListener::bind(SocketAddr::new(dns.ip(), 0))
            .await
            .context("cannot bind the lab's DNS-over-TLS listener")?;
        let dns_tls = tls.local_addr()?;
        server
            .register_tls_listener(tls, Duration::from_secs(5), certificate.clone())
            .context("cannot start the lab's DNS-over-TLS listener")?;
        let https = TcpListener::bind(SocketAddr::new(dns.ip(), 0))
            .await
            .context("cannot bind the lab's DNS-over-HTTPS listener")?;
        let dns_https = https.local_addr()?;
        server
            .register_https_listener(
                https,
                Duration::from_secs(5),
                certificate,
                None,
                "/dns-query".to_owned(),
            )
            .context("cannot start the lab's DNS-over-HTTPS listener")?;
        tasks.push(tokio::spawn(async move {
            let _ = server.block_until_done().await;
        }));

        Ok(Lab {
            world,
            dns,
            dns_tls,
            dns_https,
            https_port,
            ca_pem: authority.ca_pem(),
            second_ca_pem: authority.second_ca_pem(),
            counters: state.counters.clone(),
            tasks,
            _blackholes: blackholes,
        })
    }

    /// Writes `domains.txt`, `ca.pem`, `ca2.pem` (the second CA, for `disclose certs`) and
    /// `truth.jsonl` into `dir`.
    pub fn write_files(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let mut domains = std::io::BufWriter::new(std::fs::File::create(dir.join("domains.txt"))?);
        let mut truth = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.jsonl"))?);
        for d in self.world.domains() {
            writeln!(domains, "{}", d.name)?;
            serde_json::to_writer(&mut truth, &self.world.truth(d))?;
            writeln!(truth)?;
        }
        domains.flush()?;
        truth.flush()?;
        std::fs::write(dir.join("ca.pem"), &self.ca_pem)?;
        std::fs::write(dir.join("ca2.pem"), &self.second_ca_pem)?;
        Ok(())
    }

    /// Writes `changes.jsonl` into `dir`: for each domain that changed since `earlier`, the
    /// kinds of change `disclose diff` must report (`{"domain":…,"changes":[…]}`).
    pub fn write_changes(&self, earlier: &World, dir: &Path) -> Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("changes.jsonl"))?);
        for (domain, changes) in self.world.expected_changes(earlier) {
            serde_json::to_writer(
                &mut out,
                &serde_json::json!({"domain": domain, "changes": changes}),
            )?;
            writeln!(out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// Connections per address the lab has seen: open now, peak, total.
    pub fn connections(&self) -> BTreeMap<IpAddr, Count> {
        self.counters.snapshot()
    }

    /// Crawler settings that reach this lab: its DNS server, CA and port, loopback allowed and
    /// nothing else, timeouts short enough for tests, politeness as configured by the caller.
    pub fn crawler_settings(&self) -> Settings {
        let mut s = Settings::default();
        s.dns.server = Some(crate::net::dns::DnsServer::Plain(self.dns));
        s.dns.timeout = Duration::from_secs(1);
        s.dns.attempts = 1;
        s.http.roots = Roots::Pem(self.ca_pem.clone().into_bytes());
        s.http.https_port = Some(self.https_port);
        s.http.connect_timeout = Duration::from_secs(2);
        s.fetch.policy = AddressPolicy::AllowLoopback;
        s.fetch.attempt_timeout = Duration::from_secs(3);
        s.retry.retries = 1;
        s.retry.backoff = Duration::from_millis(100);
        s.retry.max_retry_after = Duration::from_secs(2);
        s.politeness.per_ip_rate = 1000.0;
        s.domain_timeout = Duration::from_secs(12);
        s
    }
}
