//! The floor of the crawl benchmark: for each domain, one DNS query (raw UDP), one TCP
//! connection, a TLS 1.3 handshake (rustls with ring, as disclose uses), one GET of
//! `/.well-known/security.txt`, and a count of its `Contact:` lines. Nothing else: no
//! politeness, no redirects, no validation, no store. What disclose costs above this is its
//! overhead.
//!
//! Built and run by `benches/crawl.py`; by hand:
//! `cargo bench --bench baseline -- --dns 127.53.53.53:53 --ca lab/ca.pem < lab/domains.txt`
//! prints `domain<TAB>status<TAB>contacts` per domain (status `error:KIND` when there is none).

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{BufRead, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BYTES: u64 = 32 * 1024;

struct Options {
    dns: SocketAddr,
    ca: String,
    port: u16,
    concurrency: usize,
}

fn options() -> Options {
    let mut o = Options {
        dns: "127.0.0.1:53".parse().unwrap(),
        ca: String::new(),
        port: 443,
        concurrency: 256,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--dns" => o.dns = value().parse().expect("--dns ADDR:PORT"),
            "--ca" => o.ca = value(),
            "--port" => o.port = value().parse().expect("--port PORT"),
            "--concurrency" => o.concurrency = value().parse().expect("--concurrency N"),
            _ => {} // `cargo bench` adds `--bench`
        }
    }
    assert!(!o.ca.is_empty(), "--ca PEM is required");
    o
}

async fn resolve(dns: SocketAddr, host: &str) -> Result<IpAddr, &'static str> {
    let name = Name::from_ascii(format!("{host}.")).map_err(|_| "name")?;
    let mut query = Message::query();
    query.add_query(Query::query(name, RecordType::A));
    query.metadata.recursion_desired = true;
    query.metadata.id = rand_id(host);
    let socket = UdpSocket::bind("0.0.0.0:0").await.map_err(|_| "socket")?;
    socket
        .send_to(&query.to_vec().map_err(|_| "encode")?, dns)
        .await
        .map_err(|_| "send")?;
    let mut buf = [0u8; 1500];
    let n = tokio::time::timeout(TIMEOUT, socket.recv(&mut buf))
        .await
        .map_err(|_| "dns_timeout")?
        .map_err(|_| "recv")?;
    let answer = Message::from_vec(&buf[..n]).map_err(|_| "decode")?;
    answer
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            _ => None,
        })
        .ok_or("dns_no_address")
}

fn rand_id(host: &str) -> u16 {
    host.bytes()
        .fold(0u16, |h, b| h.wrapping_mul(31).wrapping_add(u16::from(b)))
}

async fn fetch(
    host: String,
    options: Arc<Options>,
    tls: tokio_rustls::TlsConnector,
) -> (String, String, usize) {
    let result = async {
        let ip = resolve(options.dns, &host).await?;
        let tcp = tokio::time::timeout(TIMEOUT, TcpStream::connect((ip, options.port)))
            .await
            .map_err(|_| "connect_timeout")?
            .map_err(|_| "connect")?;
        let name = ServerName::try_from(host.clone()).map_err(|_| "name")?;
        let mut stream = tokio::time::timeout(TIMEOUT, tls.connect(name, tcp))
            .await
            .map_err(|_| "tls_timeout")?
            .map_err(|_| "tls")?;
        let request = format!(
            "GET /.well-known/security.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|_| "write")?;
        let mut response = Vec::new();
        tokio::time::timeout(
            TIMEOUT,
            (&mut stream).take(MAX_BYTES).read_to_end(&mut response),
        )
        .await
        .map_err(|_| "timeout")?
        .map_err(|_| "read")?;
        let text = String::from_utf8_lossy(&response);
        let status = text.split(' ').nth(1).unwrap_or("?").to_owned();
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let contacts = body
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("contact:"))
            .count();
        Ok::<_, &'static str>((status, contacts))
    }
    .await;
    match result {
        Ok((status, contacts)) => (host, status, contacts),
        Err(kind) => (host, format!("error:{kind}"), 0),
    }
}

fn main() {
    let options = Arc::new(options());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&options.ca).expect("a PEM CA file") {
        roots
            .add(cert.expect("a certificate"))
            .expect("a usable CA");
    }
    let config = rustls::ClientConfig::builder_with_protocol_versions(&[&rustls::version::TLS13])
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let slots = Arc::new(tokio::sync::Semaphore::new(options.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        for line in stdin.lock().lines().map_while(Result::ok) {
            let host = line.trim().to_owned();
            if host.is_empty() || host.starts_with('#') {
                continue;
            }
            let slot = slots.clone().acquire_owned().await.unwrap();
            let (options, tls) = (options.clone(), tls.clone());
            tasks.spawn(async move {
                let r = fetch(host, options, tls).await;
                drop(slot);
                r
            });
            while let Some(Ok((host, status, contacts))) = tasks.try_join_next() {
                let _ = writeln!(out, "{host}\t{status}\t{contacts}");
            }
        }
        while let Some(Ok((host, status, contacts))) = tasks.join_next().await {
            let _ = writeln!(out, "{host}\t{status}\t{contacts}");
        }
    });
}
