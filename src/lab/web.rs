//! The lab's HTTPS virtual hosts: one listener per loopback address on a shared port, the
//! certificate chosen by SNI, HTTP/1.1 and HTTP/2 (ALPN), and per-scenario behaviour: files,
//! statuses, redirects, soft 404s, slow and endless bodies, oversized and compressed bodies.
//!
//! Each listener counts the connections open on its address: a connection counts from accept
//! until the server is done with it (its response handed over, its handshake failed, or the
//! peer gone), and the peak per address is kept so tests can assert politeness.

use super::ca::{Authority, CertKind};
use super::scenario::Scenario;
use super::signing::SigningKey;
use super::world::{HUB, MAILBOX, World, openpgpkey_name};
use crate::format::Timestamp;
use crate::signature::keys::wkd_hash;
use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, RETRY_AFTER,
    VARY,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::io::Write;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Connections per address: open now, the most ever open at once, and how many in all.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub open: usize,
    pub peak: usize,
    pub total: u64,
}

#[derive(Debug, Default)]
pub struct Counters {
    map: Mutex<HashMap<IpAddr, Count>>,
}

impl Counters {
    fn open(self: &Arc<Self>, addr: IpAddr) -> Slot {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let c = map.entry(addr).or_default();
        c.open += 1;
        c.total += 1;
        c.peak = c.peak.max(c.open);
        Slot {
            counters: self.clone(),
            addr,
        }
    }

    pub fn snapshot(&self) -> BTreeMap<IpAddr, Count> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(a, c)| (*a, *c)).collect()
    }
}

/// One counted connection; dropping it closes the count.
struct Slot {
    counters: Arc<Counters>,
    addr: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.counters.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = map.get_mut(&self.addr) {
            c.open = c.open.saturating_sub(1);
        }
    }
}

/// The lab's OpenPGP keys: the one that signs the signed scenarios' files, and another that
/// signed nothing (served where a scenario publishes the wrong key).
pub struct LabKeys {
    pub signing: SigningKey,
    pub other: SigningKey,
    /// When the files are signed: the lab's start.
    pub signed_at: std::time::SystemTime,
}

pub struct WebState {
    pub world: Arc<World>,
    pub authority: Arc<Authority>,
    pub keys: Arc<LabKeys>,
    pub counters: Arc<Counters>,
    /// Rate-limited domains that have had their one 429.
    limited: Mutex<HashSet<String>>,
    gzip_bomb: Bytes,
    expires: String,
}

impl WebState {
    pub fn new(
        world: Arc<World>,
        authority: Arc<Authority>,
        keys: Arc<LabKeys>,
        now: Timestamp,
    ) -> WebState {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b'#'; 1 << 20];
        for _ in 0..16 {
            let _ = encoder.write_all(&zeros);
        }
        WebState {
            world,
            authority,
            keys,
            counters: Arc::default(),
            limited: Mutex::default(),
            gzip_bomb: Bytes::from(encoder.finish().unwrap_or_default()),
            // From the start of the day, so that a lab started again the same day (another
            // epoch) serves the same bytes for an unchanged file.
            expires: Timestamp::from_unix(now.unix() - now.unix().rem_euclid(86_400))
                .add_days(180)
                .to_string(),
        }
    }

    fn cert_kind(&self, name: &str) -> CertKind {
        match self.world.domain_of(name).map(|d| d.scenario) {
            Some(Scenario::TlsExpired) => CertKind::Expired,
            Some(Scenario::TlsWrongName) => CertKind::WrongName,
            Some(Scenario::TlsUnknownIssuer) => CertKind::UnknownIssuer,
            _ => CertKind::Good,
        }
    }
}

#[derive(Debug)]
struct SniCertificates(Arc<WebState>);

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebState")
    }
}

impl ResolvesServerCert for SniCertificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?;
        self.0.authority.certified_key(name, self.0.cert_kind(name))
    }
}

/// The TLS acceptor shared by all listeners.
pub fn acceptor(state: Arc<WebState>) -> TlsAcceptor {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default protocol versions")
    .with_no_client_auth()
    .with_cert_resolver(Arc::new(SniCertificates(state)));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}

/// Accepts connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<WebState>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let slot = state.counters.open(local.ip());
        tokio::spawn(connection(stream, acceptor.clone(), state.clone(), slot));
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    acceptor: TlsAcceptor,
    state: Arc<WebState>,
    slot: Slot,
) {
    let Ok(mut tls) = acceptor.accept(stream).await else {
        return;
    };
    let sni = tls.get_ref().1.server_name().map(str::to_owned);
    let scenario = sni
        .as_deref()
        .and_then(|n| state.world.domain_of(n))
        .map(|d| d.scenario);
    let slow_key_host = sni.as_deref().is_some_and(|n| n.starts_with("slowkeys."));
    if scenario == Some(Scenario::SlowHeaders) || slow_key_host {
        // Never answer; read until the client gives up (or half a minute passes).
        let mut buf = [0u8; 1024];
        let _ = tokio::time::timeout(Duration::from_secs(30), async {
            while tls.read(&mut buf).await.is_ok_and(|n| n > 0) {}
        })
        .await;
        return;
    }
    if scenario == Some(Scenario::NoCloseNotify) {
        close_without_notify(tls, &state, sni.as_deref().unwrap_or_default()).await;
        return;
    }
    if scenario == Some(Scenario::OversizeHead) {
        oversize_head(tls).await;
        return;
    }
    if scenario == Some(Scenario::EndlessInterim) {
        endless_interim(tls).await;
        return;
    }
    let slot = Arc::new(Mutex::new(Some(slot)));
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let state = state.clone();
        let slot = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        async move { Ok::<_, Infallible>(respond(&state, &request, slot)) }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(false);
    let _ = builder.serve_connection(TokioIo::new(tls), service).await;
}

/// A server as many small ones are: the file as a body delimited by the connection's end (no
/// Content-Length, no chunks), then the TCP connection closed without a TLS close_notify.
/// Browsers and curl take the body; so must the crawler.
async fn close_without_notify(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    state: &WebState,
    host: &str,
) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
            match tls.read(&mut buf).await {
                Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
                _ => return false,
            }
        }
        true
    })
    .await;
    if read != Ok(true) {
        return;
    }
    let path = String::from_utf8_lossy(&request)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let response = if path == WELL_KNOWN {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {PLAIN}\r\nConnection: close\r\n\r\n{}",
            standard_file(state, host, WELL_KNOWN)
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nnot found\n"
            .to_owned()
    };
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.flush().await;
    // Dropping the stream closes the socket without the close_notify a shutdown would send.
    drop(tls);
}

/// A response head no client should read: 1,000 header lines (inside any byte cap a crawler
/// has, past any count a parser accepts). Asking again gets the same; the crawler must not.
async fn oversize_head(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await;
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n");
    for i in 0..1000 {
        head.push_str(&format!("X-Filler-{i}: a\r\n"));
    }
    head.push_str("Content-Length: 0\r\n\r\n");
    let _ = tls.write_all(head.as_bytes()).await;
    let _ = tls.shutdown().await;
}

/// `100 Continue` without end and never an answer, for up to ten seconds or until the client
/// goes away.
async fn endless_interim(mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if tls
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
                || tls.flush().await.is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// A response body that holds the connection's count until it is dropped.
pub struct Counted {
    inner: BoxBody<Bytes, Infallible>,
    _slot: Option<Slot>,
}

impl Body for Counted {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        // The count ends when the last frame is handed over: before the client can have read
        // it, and so before it can open its next connection.
        if matches!(frame, Poll::Ready(None)) || self.inner.is_end_stream() {
            self._slot.take();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn full(text: impl Into<Bytes>) -> BoxBody<Bytes, Infallible> {
    Full::new(text.into()).boxed()
}

const PLAIN: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const WELL_KNOWN: &str = "/.well-known/security.txt";
const LEGACY: &str = "/security.txt";

/// What the lab says, as (status, headers, body).
struct Reply {
    status: u16,
    headers: Vec<(hyper::header::HeaderName, String)>,
    body: BoxBody<Bytes, Infallible>,
}

impl Reply {
    fn text(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: content_type
                .map(|ct| vec![(CONTENT_TYPE, ct.to_owned())])
                .unwrap_or_default(),
            body: full(body),
        }
    }

    fn redirect(status: u16, location: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                (LOCATION, location.to_owned()),
                (CONTENT_TYPE, HTML.to_owned()),
            ],
            body: full("<html><body>Moved</body></html>"),
        }
    }

    fn not_found() -> Reply {
        Reply::text(404, Some(PLAIN), "not found\n")
    }

    fn header(mut self, name: hyper::header::HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

fn respond(state: &WebState, request: &Request<Incoming>, slot: Option<Slot>) -> Response<Counted> {
    let host = request
        .uri()
        .host()
        .map(str::to_owned)
        .or_else(|| {
            request
                .headers()
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| h.split(':').next().unwrap_or(h).to_owned())
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    let accepts_gzip = request
        .headers()
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.split(';').next().unwrap_or("").trim() == "gzip");
    let reply = reply(state, &host, request.uri().path(), accepts_gzip);
    let mut response =
        Response::builder().status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK));
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    // An empty body is never polled: the count ends with the headers.
    let slot = slot.filter(|_| !reply.body.is_end_stream());
    response
        .body(Counted {
            inner: reply.body,
            _slot: slot,
        })
        .unwrap_or_else(|_| {
            Response::new(Counted {
                inner: full(""),
                _slot: None,
            })
        })
}

/// The security.txt file the lab serves for `domain`.
fn file(state: &WebState, domain: &str, contact: &str, canonicals: &[String]) -> String {
    file_with_key(
        state,
        domain,
        contact,
        Some(&format!("https://{domain}/pgp-key.txt")),
        canonicals,
    )
}

fn file_with_key(
    state: &WebState,
    domain: &str,
    contact: &str,
    encryption: Option<&str>,
    canonicals: &[String],
) -> String {
    let mut text = format!("# security.txt of {domain}, served by the disclose lab\n{contact}");
    text.push_str(&format!("Expires: {}\n", state.expires));
    if let Some(uri) = encryption {
        text.push_str(&format!("Encryption: {uri}\n"));
    }
    text.push_str(&format!(
        "Preferred-Languages: en, nl\nPolicy: https://{domain}/policy\n"
    ));
    for c in canonicals {
        text.push_str(&format!("Canonical: {c}\n"));
    }
    text
}

/// How many key URLs the file of `signed-keys-elsewhere` names on a host that never answers.
pub const SLOW_KEY_URLS: usize = 30;

/// The signed file of a signed scenario, with the Encryption that scenario names.
fn signed_file(state: &WebState, domain: &str, scenario: Scenario) -> Reply {
    if scenario == Scenario::SignedKeysElsewhere {
        // A key on another port (a port scan through the crawler), then thirty on a host that
        // never answers: key discovery must stay within its count and the domain's time.
        let mut keys = format!("https://{domain}:6379/key\nEncryption: ");
        let slow: Vec<String> = (0..SLOW_KEY_URLS)
            .map(|n| format!("https://slowkeys.{domain}/key-{n}"))
            .collect();
        keys.push_str(&slow.join("\nEncryption: "));
        let body = file_with_key(
            state,
            domain,
            &format!("Contact: mailto:{MAILBOX}@{domain}\nContact: https://{domain}/report\n"),
            Some(&keys),
            &[format!("https://{domain}{WELL_KNOWN}")],
        );
        return match state
            .keys
            .signing
            .sign(body.as_bytes(), state.keys.signed_at)
        {
            Ok(signed) => Reply::text(200, Some(PLAIN), signed),
            Err(_) => Reply::text(500, Some(PLAIN), "the lab cannot sign\n"),
        };
    }
    let encryption = match scenario {
        Scenario::SignedWkd => None,
        Scenario::SignedDns => Some(format!("dns:{}?type=OPENPGPKEY", openpgpkey_name(domain))),
        Scenario::SignedKeyUnreachable => Some(format!("https://{domain}/missing-key.asc")),
        Scenario::SignedKeyRedirectPrivate => Some(format!("https://{domain}/key")),
        _ => Some(format!("https://{domain}/pgp-key.txt")),
    };
    let body = file_with_key(
        state,
        domain,
        &format!("Contact: mailto:{MAILBOX}@{domain}\nContact: https://{domain}/report\n"),
        encryption.as_deref(),
        &[format!("https://{domain}{WELL_KNOWN}")],
    );
    let Ok(signed) = state
        .keys
        .signing
        .sign(body.as_bytes(), state.keys.signed_at)
    else {
        return Reply::text(500, Some(PLAIN), "the lab cannot sign\n");
    };
    let mut text = String::from_utf8_lossy(&signed).into_owned();
    if scenario == Scenario::SignedTampered {
        text = text.replace(
            &format!("https://{domain}/policy"),
            &format!("https://{domain}/changed-policy"),
        );
    }
    Reply::text(200, Some(PLAIN), text)
}

/// A key, armoured or binary.
fn key_reply(key: &SigningKey, armored: bool) -> Reply {
    if armored {
        Reply::text(200, Some("application/pgp-keys"), key.public_armored())
    } else {
        Reply::text(200, Some("application/octet-stream"), key.public_binary())
    }
}

fn standard_file(state: &WebState, domain: &str, path: &str) -> String {
    let reordered = state.world.domain_of(domain).is_some_and(|d| d.reordered);
    let contacts = if reordered {
        format!("Contact: https://{domain}/report\nContact: mailto:security@{domain}\n")
    } else {
        format!("Contact: mailto:security@{domain}\nContact: https://{domain}/report\n")
    };
    file(
        state,
        domain,
        &contacts,
        &[format!("https://{domain}{path}")],
    )
}

/// The reply to `GET path` on `host`; `accepts_gzip` when the request said `Accept-Encoding: gzip`.
fn reply(state: &WebState, host: &str, path: &str, accepts_gzip: bool) -> Reply {
    if host == HUB {
        return match path {
            WELL_KNOWN => Reply::text(
                200,
                Some(PLAIN),
                file(
                    state,
                    HUB,
                    &format!("Contact: mailto:psirt@{HUB}\n"),
                    &[format!("https://{HUB}{WELL_KNOWN}")],
                ),
            ),
            _ => Reply::not_found(),
        };
    }
    let Some(domain) = state.world.domain_of(host) else {
        return Reply::not_found();
    };
    let d = domain.name.as_str();
    let other_host = host != d;
    let valid = || Reply::text(200, Some(PLAIN), standard_file(state, d, WELL_KNOWN));
    match (domain.scenario, path) {
        (Scenario::Valid, WELL_KNOWN) => valid(),
        (Scenario::LegacyOnly, LEGACY) => {
            Reply::text(200, Some(PLAIN), standard_file(state, d, LEGACY))
        }
        (Scenario::BothPaths, WELL_KNOWN) => Reply::text(
            200,
            Some(PLAIN),
            file(
                state,
                d,
                &format!("Contact: mailto:well-known@{d}\n"),
                &[format!("https://{d}{WELL_KNOWN}")],
            ),
        ),
        (Scenario::BothPaths, LEGACY) => Reply::text(
            200,
            Some(PLAIN),
            file(
                state,
                d,
                &format!("Contact: mailto:legacy@{d}\n"),
                &[format!("https://{d}{LEGACY}")],
            ),
        ),
        (Scenario::Invalid, WELL_KNOWN) => Reply::text(
            200,
            Some(PLAIN),
            format!("Contact: security@{d}\nPolicy: https://{d}/policy\n"),
        ),
        (Scenario::ExpiredFile, WELL_KNOWN) => Reply::text(
            200,
            Some(PLAIN),
            standard_file(state, d, WELL_KNOWN).replace(&state.expires, "2020-01-01T00:00:00Z"),
        ),
        (Scenario::WrongContentType, WELL_KNOWN) => Reply::text(
            200,
            Some("application/octet-stream"),
            standard_file(state, d, WELL_KNOWN),
        ),
        (Scenario::MissingContentType, WELL_KNOWN) => {
            Reply::text(200, None, standard_file(state, d, WELL_KNOWN))
        }
        (Scenario::WrongCharset, WELL_KNOWN) => Reply::text(
            200,
            Some("text/plain; charset=iso-8859-1"),
            standard_file(state, d, WELL_KNOWN),
        ),
        (Scenario::RateLimited, WELL_KNOWN) => {
            let first = state
                .limited
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(d.to_owned());
            if first {
                Reply::text(429, Some(PLAIN), "slow down\n").header(RETRY_AFTER, "1")
            } else {
                valid()
            }
        }
        (Scenario::RedirectSameHost, WELL_KNOWN) => Reply::redirect(301, "/security/security.txt"),
        (Scenario::RedirectSameHost, "/security/security.txt") => valid(),
        (Scenario::RedirectOtherHost, WELL_KNOWN) if !other_host => {
            Reply::redirect(301, &format!("https://www.{d}{WELL_KNOWN}"))
        }
        (Scenario::RedirectOtherHost, WELL_KNOWN) => Reply::text(
            200,
            Some(PLAIN),
            file(
                state,
                d,
                &format!("Contact: mailto:security@{d}\nContact: https://{d}/report\n"),
                &[
                    format!("https://{d}{WELL_KNOWN}"),
                    format!("https://www.{d}{WELL_KNOWN}"),
                ],
            ),
        ),
        (Scenario::RedirectCrossSite, WELL_KNOWN) => {
            Reply::redirect(302, &format!("https://{HUB}{WELL_KNOWN}"))
        }
        (
            s @ (Scenario::SignedSameOrigin
            | Scenario::SignedWkd
            | Scenario::SignedDns
            | Scenario::SignedTampered
            | Scenario::SignedWrongKey
            | Scenario::SignedKeyUnreachable
            | Scenario::SignedKeyRedirectPrivate
            | Scenario::SignedKeysElsewhere),
            WELL_KNOWN,
        ) if !other_host => signed_file(state, d, s),
        (Scenario::SignedSameOrigin | Scenario::SignedTampered, "/pgp-key.txt") => {
            key_reply(&state.keys.signing, true)
        }
        (Scenario::SignedWrongKey, "/pgp-key.txt") => key_reply(&state.keys.other, true),
        (Scenario::SignedKeyRedirectPrivate, "/key") => {
            Reply::redirect(302, &format!("https://internal.{d}/key"))
        }
        (Scenario::SignedWkd, p)
            if other_host
                && p == format!("/.well-known/openpgpkey/{d}/hu/{}", wkd_hash(MAILBOX)) =>
        {
            key_reply(&state.keys.signing, false)
        }
        // An attacker's file inside every limit: 32 KiB of a control character per line, which
        // a validator without bounds turns into tens of thousands of findings.
        (Scenario::HostileFindings, WELL_KNOWN) => {
            Reply::text(200, Some(PLAIN), "\n\u{0}".repeat(16 * 1024))
        }
        (Scenario::Forbidden, _) => {
            Reply::text(403, Some(HTML), "<html><body>Forbidden</body></html>")
        }
        (Scenario::ServerError, _) => Reply::text(500, Some(PLAIN), "internal error\n"),
        (Scenario::Unavailable, _) => Reply::text(503, Some(PLAIN), "unavailable\n"),
        (Scenario::Soft404Html, _) => Reply::text(
            200,
            Some(HTML),
            "<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>Page not found</body></html>\n",
        ),
        (Scenario::Soft404Redirect, "/") => Reply::text(
            200,
            Some(HTML),
            "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body>Home</body></html>\n",
        ),
        (Scenario::Soft404Redirect, _) => Reply::redirect(302, "/"),
        (Scenario::RedirectDowngrade, WELL_KNOWN) => {
            Reply::redirect(301, &format!("http://{d}{WELL_KNOWN}"))
        }
        (Scenario::RedirectOtherPort, WELL_KNOWN) => {
            Reply::redirect(301, &format!("https://{d}:25{WELL_KNOWN}"))
        }
        (Scenario::RedirectLoop, WELL_KNOWN) => Reply::redirect(302, "/loop"),
        (Scenario::RedirectLoop, "/loop") => Reply::redirect(302, WELL_KNOWN),
        (Scenario::RedirectTooMany, WELL_KNOWN) => Reply::redirect(302, "/hop/1"),
        (Scenario::RedirectTooMany, p) if p.starts_with("/hop/") => {
            let n: u32 = p[5..].parse().unwrap_or(0);
            Reply::redirect(302, &format!("/hop/{}", n + 1))
        }
        (Scenario::SlowBody, WELL_KNOWN) => {
            let bytes = Bytes::from(standard_file(state, d, WELL_KNOWN));
            let len = bytes.len();
            let trickle = stream::unfold(0usize, move |i| {
                let bytes = bytes.clone();
                async move {
                    if i >= bytes.len() {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Some((Ok(Frame::data(bytes.slice(i..i + 1))), i + 1))
                }
            });
            Reply {
                status: 200,
                headers: vec![
                    (CONTENT_TYPE, PLAIN.to_owned()),
                    (CONTENT_LENGTH, len.to_string()),
                ],
                body: StreamBody::new(trickle).boxed(),
            }
        }
        (Scenario::EndlessBody, WELL_KNOWN) => {
            let line = Bytes::from_static(
                b"# this file never ends, which is why it is read only up to a cap\n",
            );
            let endless = stream::repeat_with(move || Ok(Frame::data(line.clone())));
            Reply {
                status: 200,
                headers: vec![(CONTENT_TYPE, PLAIN.to_owned())],
                body: StreamBody::new(endless).boxed(),
            }
        }
        (Scenario::OversizeWithLength, WELL_KNOWN) => {
            Reply::text(200, Some(PLAIN), oversize(state, d))
        }
        (Scenario::OversizeChunked, WELL_KNOWN) => {
            let chunks: Vec<Result<Frame<Bytes>, Infallible>> = oversize(state, d)
                .into_bytes()
                .chunks(4096)
                .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
                .collect();
            Reply {
                status: 200,
                headers: vec![(CONTENT_TYPE, PLAIN.to_owned())],
                body: StreamBody::new(stream::iter(chunks)).boxed(),
            }
        }
        // Like a server that compresses text for the clients that ask, and only for them.
        (Scenario::GzipEncoded, WELL_KNOWN) if accepts_gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let _ = encoder.write_all(standard_file(state, d, WELL_KNOWN).as_bytes());
            Reply {
                status: 200,
                headers: vec![
                    (CONTENT_TYPE, PLAIN.to_owned()),
                    (CONTENT_ENCODING, "gzip".to_owned()),
                    (VARY, "Accept-Encoding".to_owned()),
                ],
                body: full(encoder.finish().unwrap_or_default()),
            }
        }
        (Scenario::GzipEncoded, WELL_KNOWN) => valid(),
        (Scenario::GzipBomb, WELL_KNOWN) => Reply {
            status: 200,
            headers: vec![
                (CONTENT_TYPE, PLAIN.to_owned()),
                (CONTENT_ENCODING, "gzip".to_owned()),
            ],
            body: full(state.gzip_bomb.clone()),
        },
        _ => Reply::not_found(),
    }
}

/// A valid file padded with comments to 100 kB, beyond the default 32 KiB cap.
fn oversize(state: &WebState, domain: &str) -> String {
    let mut text = standard_file(state, domain, WELL_KNOWN);
    while text.len() < 100_000 {
        text.push_str("# padding to make the file larger than any crawler should read\n");
    }
    text
}
