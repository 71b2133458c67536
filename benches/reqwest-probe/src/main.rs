//! Whether reqwest can carry the crawl's HTTP (issue 14): it is sent, as the crawl would send it
//! (HTTP/1.1, rustls with ring, redirects off, no pool, one `Client` per request pinned by
//! `resolve` to the address the guard approved), to lab hosts given on the command line, and it
//! prints what came back and how long it took; then the cost of building one such `Client`.
//!
//!     disclose lab serve --domains 3000 --seed 1 --out lab      # note its DNS server and port
//!     cargo run --release -- DNS_ADDR lab/ca.pem HTTPS_PORT valid-000000.test \
//!         no-close-notify-000049.test endless-interim-000051.test
//!
//! `H2=1` offers HTTP/2 as well. Results (2026-12-01) are in docs/benchmarks.md.
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn tls(ca: &[u8]) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = if std::env::var_os("H2").is_some() {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    config
}

fn client(config: &rustls::ClientConfig, name: &str, address: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(config.clone())
        .resolve(name, address)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dns: SocketAddr = args[1].parse().unwrap();
    let ca = std::fs::read(&args[2]).unwrap();
    let port: u16 = args[3].parse().unwrap();
    let config = tls(&ca);
    let mut server = NameServerConfig::udp_and_tcp(dns.ip());
    for c in &mut server.connections {
        c.port = dns.port();
    }
    let resolver = TokioResolver::builder_with_config(
        ResolverConfig::from_parts(None, vec![], vec![server]),
        TokioRuntimeProvider::default(),
    )
    .build()
    .unwrap();
    for name in &args[4..] {
        let ip = resolver
            .lookup_ip(format!("{name}."))
            .await
            .unwrap()
            .iter()
            .next()
            .unwrap();
        let address = SocketAddr::new(ip, port);
        let c = client(&config, name, address);
        let started = Instant::now();
        let result = async {
            let response = c
                .get(format!("https://{name}/.well-known/security.txt"))
                .send()
                .await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body.len()))
        }
        .await;
        let took = started.elapsed();
        match result {
            Ok((status, n)) => println!("{name}: {status}, {n} bytes, {took:.2?}"),
            Err(e) => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text.push_str(&format!(" <- {s}"));
                    source = s.source();
                }
                println!("{name}: error after {took:.2?}: {text}");
            }
        }
    }
    // The cost of a Client per request (the approved address differs per request).
    let n = 20_000;
    let started = Instant::now();
    for i in 0..n {
        let c = client(
            &config,
            "valid-000000.test",
            SocketAddr::from(([127, 1, 0, (i % 200) as u8], port)),
        );
        std::hint::black_box(c);
    }
    println!(
        "one reqwest::Client built (preconfigured rustls, resolve override, no pool): {:.1} µs",
        started.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
