//! The HTTP client: one GET per connection, HTTP/1.1 over rustls (ring), to the address the
//! caller chose. The crawler resolves, guards and rate-limits an address first, then connects to
//! exactly that address, so no connection goes anywhere the guard and the limiter did not see.
//! Redirects are not followed here (`fetch` follows them hop by hop), responses are read up to
//! a byte cap (after gzip decoding, so a compressed bomb is cut off like any other large body),
//! and every failure is classified into an outcome: refused, timed out, which TLS error.
//!
//! Built on hyper's connection API rather than on reqwest (which runs on hyper too): measured
//! against the lab (`benches/reqwest-probe`, docs/benchmarks.md), reqwest 0.13 fails a body
//! that ends with the connection when the server sends no TLS close_notify, which browsers and
//! curl accept (its TLS stream is sealed inside its connector, so `CloseTolerant` cannot wrap
//! it), and it cannot bound interim (1xx) responses (a request's extensions do not reach hyper,
//! so `on_informational` cannot be set): a server sending them without end holds a request for
//! its whole time limit. Both are guarantees of the crawl.

use crate::record::{Outcome, TlsReason};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, Connection};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::error::Error as StdError;
use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use url::Url;

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
    /// TCP and TLS set-up together may take this long.
    pub connect_timeout: Duration,
    /// Connect to this port instead of the URL's (labs and tests).
    pub https_port: Option<u16>,
}

pub struct Http {
    tls: TlsConnector,
    user_agent: HeaderValue,
    connect_timeout: Duration,
    https_port: Option<u16>,
}

pub(crate) fn root_store(roots: &Roots) -> Result<rustls::RootCertStore> {
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Roots::Mozilla => {
            store.add_parsable_certificates(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
            );
        }
        Roots::Pem(pem) => {
            let certs = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .context("the CA file is not valid PEM")?;
            store.add_parsable_certificates(certs);
        }
    }
    if store.is_empty() {
        bail!("no trusted certificate authority (the CA file holds no usable certificate)");
    }
    Ok(store)
}

tokio::task_local! {
    /// Where `Presented` puts the certificates a server presented whose verification failed,
    /// for the connection the current task is making.
    static PRESENTED: Arc<std::sync::Mutex<Vec<CertificateDer<'static>>>>;
}

/// The webpki verifier, unchanged in what it accepts, that also keeps the chain a server
/// presented when verification fails: the day a CA is distrusted its customers fail with
/// `unknown_issuer`, and that is when their certificates matter. The connection is refused all
/// the same; no request is sent.
#[derive(Debug)]
struct Presented {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
}

impl rustls::client::danger::ServerCertVerifier for Presented {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if verdict.is_err() {
            let _ = PRESENTED.try_with(|slot| {
                let mut chain = slot.lock().unwrap_or_else(|e| e.into_inner());
                *chain = std::iter::once(end_entity)
                    .chain(intermediates)
                    .map(|c| c.clone().into_owned())
                    .collect();
            });
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// Interim (1xx) responses taken before a request is given up: HTTP/1.1 servers send one
/// (`100 Continue`, `103 Early Hints`) or two.
const MAX_INTERIM_RESPONSES: usize = 16;

/// A request that did not get an answer: how it ended, and the certificates the server
/// presented if the handshake failed on them.
#[derive(Debug)]
pub struct Refused {
    pub outcome: Outcome,
    pub presented: Vec<CertificateDer<'static>>,
    /// The server's answer broke HTTP in a way that asking again would only repeat (a response
    /// head too large, a malformed status line): not worth a retry.
    pub deterministic: bool,
}

impl From<Outcome> for Refused {
    fn from(outcome: Outcome) -> Refused {
        Refused {
            outcome,
            presented: Vec::new(),
            deterministic: false,
        }
    }
}

/// A failed request, classified, and whether the server's answer was not HTTP.
fn refused(context: &str, error: &hyper::Error) -> Refused {
    Refused {
        outcome: classify(context, error),
        presented: Vec::new(),
        deterministic: error.is_parse() || error.is_parse_too_large() || error.is_parse_status(),
    }
}

impl Http {
    pub fn new(config: &HttpConfig) -> Result<Http> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(root_store(&config.roots)?),
            provider.clone(),
        )
        .build()
        .context("cannot set up certificate verification")?;
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("cannot set up TLS")?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Presented { inner: verifier }))
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        // Each server is asked once; a session ticket it sends would never be used, and storing
        // thousands of them costs memory and locking.
        tls.resumption = rustls::client::Resumption::disabled();
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .context("the user agent is not a valid HTTP header value")?;
        Ok(Http {
            tls: TlsConnector::from(Arc::new(tls)),
            user_agent,
            connect_timeout: config.connect_timeout,
            https_port: config.https_port,
        })
    }

    /// Sends `GET url` to `ip` and returns the response head; the body is read with
    /// [`Exchange::body`]. The host name of `url` is used for SNI, certificate verification and
    /// the `Host` header.
    pub async fn get(
        &self,
        url: &Url,
        ip: IpAddr,
        accept: &'static str,
    ) -> Result<Exchange, Outcome> {
        self.get_presenting(url, ip, accept)
            .await
            .map_err(|refused| refused.outcome)
    }

    /// `get`, and when the TLS handshake fails on the server's certificates, the chain it
    /// presented.
    pub async fn get_presenting(
        &self,
        url: &Url,
        ip: IpAddr,
        accept: &'static str,
    ) -> Result<Exchange, Refused> {
        let port = self
            .https_port
            .or_else(|| url.port_or_known_default())
            .unwrap_or(443);
        let address = SocketAddr::new(ip, port);
        let server_name = match url.host() {
            Some(url::Host::Domain(d)) => ServerName::try_from(d.to_owned()),
            Some(url::Host::Ipv4(v4)) => Ok(ServerName::from(IpAddr::V4(v4))),
            Some(url::Host::Ipv6(v6)) => Ok(ServerName::from(IpAddr::V6(v6))),
            None => return Err(failed(format!("{url} has no host")).into()),
        }
        .map_err(|e| {
            failed(format!(
                "{url}: the host is not a valid TLS server name: {e}"
            ))
        })?;
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let mut request =
            hyper::Request::get(&url[url::Position::BeforePath..url::Position::AfterQuery])
                .header(header::HOST, host)
                .header(header::USER_AGENT, self.user_agent.clone())
                .header(header::ACCEPT, accept)
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Empty::<Bytes>::new())
                .map_err(|e| failed(format!("cannot make a request for {url}: {e}")))?;

        let presented = Arc::new(std::sync::Mutex::new(Vec::new()));
        let connecting = PRESENTED.scope(presented.clone(), self.connect(address, server_name));
        let stream = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Err(_) => return Err(Outcome::ConnectTimeout.into()),
            Ok(Err(outcome)) => {
                let chain =
                    std::mem::take(&mut *presented.lock().unwrap_or_else(|e| e.into_inner()));
                return Err(Refused {
                    outcome,
                    presented: chain,
                    deterministic: false,
                });
            }
            Ok(Ok(stream)) => stream,
        };
        let presented: Vec<CertificateDer<'static>> = stream
            .get_ref()
            .1
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
            .unwrap_or_default();
        let (mut sender, mut connection) = http1::handshake(TokioIo::new(CloseTolerant(stream)))
            .await
            .map_err(|e| refused("the request failed", &e))?;
        // A server may send interim (1xx) responses before its answer; hyper skips them. One
        // that sends them without end would hold the request (and a core) until its time limit:
        // past a few, it is not going to answer.
        let interim = Arc::new((
            std::sync::atomic::AtomicUsize::new(0),
            tokio::sync::Notify::new(),
        ));
        {
            let interim = interim.clone();
            hyper::ext::on_informational(&mut request, move |_| {
                let seen = interim.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if seen == MAX_INTERIM_RESPONSES {
                    interim.1.notify_one();
                }
            });
        }
        let mut connection_done = false;
        let response = tokio::select! {
            response = drive(
                &mut connection,
                &mut connection_done,
                sender.send_request(request),
            ) => response.map_err(|e| refused("the request failed", &e))?,
            () = interim.1.notified() => {
                return Err(Refused {
                    outcome: failed(format!(
                        "the server sent {MAX_INTERIM_RESPONSES} interim (1xx) responses and no answer"
                    )),
                    presented: Vec::new(),
                    deterministic: true,
                });
            }
        };
        let (head, body) = response.into_parts();
        Ok(Exchange {
            status: head.status.as_u16(),
            headers: head.headers,
            presented,
            body,
            connection,
            connection_done,
        })
    }

    async fn connect(
        &self,
        address: SocketAddr,
        server_name: ServerName<'static>,
    ) -> Result<TlsStream<TcpStream>, Outcome> {
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => Outcome::ConnectRefused,
                std::io::ErrorKind::TimedOut => Outcome::ConnectTimeout,
                _ => failed(format!("cannot connect to {address}: {e}")),
            })?;
        // One small request goes out whole; waiting to coalesce it only adds latency.
        let _ = tcp.set_nodelay(true);
        self.tls
            .connect(server_name, tcp)
            .await
            .map_err(|e| classify("the TLS handshake failed", &e))
    }
}

type Wire = Connection<TokioIo<CloseTolerant>, Empty<Bytes>>;

/// The TLS stream, read as browsers and curl read it: a server that closes the connection
/// without a TLS close_notify has ended its data, not failed. Many small servers do so after a
/// body delimited by the connection's end (no Content-Length, no chunks). A body whose length
/// was declared and that is cut short is still an error, which hyper sees by itself; only a
/// body delimited by the connection's end could be cut off unnoticed, as in every browser.
pub struct CloseTolerant(TlsStream<TcpStream>);

impl AsyncRead for CloseTolerant {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.get_mut().0).poll_read(cx, buf) {
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for CloseTolerant {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// A response whose head has arrived; the connection lives as long as this does.
pub struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    /// The certificates the server presented (DER), its end-entity certificate first.
    pub presented: Vec<CertificateDer<'static>>,
    body: Incoming,
    connection: Wire,
    connection_done: bool,
}

/// Why a body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    /// It is longer than the cap (after decoding); `content_length` is what the server declared.
    TooLarge { content_length: Option<u64> },
    /// The connection or the decoding failed.
    Failed(Outcome),
}

impl Exchange {
    /// A header's value, if it is present and visible ASCII.
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, gzip-decoded when the server encoded it so, if it is at most `limit` bytes.
    /// Nothing beyond the limit is read or decoded; an unencoded body whose declared length is
    /// over the limit is not read at all (an encoded one's length is only its compressed size).
    pub async fn body(self, limit: u64) -> Result<Vec<u8>, BodyError> {
        let content_length = self
            .header(header::CONTENT_LENGTH)
            .and_then(|v| v.trim().parse::<u64>().ok());
        let coding = self
            .header(header::CONTENT_ENCODING)
            .map(|e| e.trim().to_ascii_lowercase());
        let capped = Capped::new(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut sink = match coding.as_deref() {
            Some("gzip" | "x-gzip") => {
                Sink::Gzip(Box::new(flate2::write::MultiGzDecoder::new(capped)))
            }
            None | Some("identity") if content_length.is_some_and(|n| n > limit) => {
                return Err(BodyError::TooLarge { content_length });
            }
            // Another coding was not asked for; its bytes are taken as they are.
            _ => Sink::Plain(capped),
        };
        let Exchange {
            mut body,
            mut connection,
            mut connection_done,
            ..
        } = self;
        let read = async {
            loop {
                match drive(&mut connection, &mut connection_done, body.frame()).await {
                    None => return sink.finish(),
                    Some(Err(e)) => {
                        return Err(BodyError::Failed(classify("reading the body failed", &e)));
                    }
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            sink.write(&data)?;
                        }
                    }
                }
            }
        };
        read.await.map_err(|e| match e {
            BodyError::TooLarge { .. } => BodyError::TooLarge { content_length },
            failed => failed,
        })
    }
}

/// Polls `future` to completion while keeping the connection that serves it going: hyper's
/// connection is a future of its own, and polling it here instead of in a spawned task means
/// that dropping the exchange (a time limit, a redirect not followed) closes the socket at once.
///
/// The connection is polled without its shutdown: when the server says `Connection: close`,
/// hyper would otherwise send a TLS close_notify and shut the socket down (two system calls and
/// an encryption per domain) where dropping the exchange simply closes it.
async fn drive<F: Future>(connection: &mut Wire, done: &mut bool, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        // When the connection ends (closed, failed), the exchange's own future learns of it
        // from hyper and finishes with the error.
        if !*done && connection.poll_without_shutdown(cx).is_ready() {
            *done = true;
        }
        future.as_mut().poll(cx)
    })
    .await
}

/// A byte buffer that refuses to grow beyond a limit.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl Capped {
    fn new(limit: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            limit,
            exceeded: false,
        }
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(data.len()) > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("the body is larger than the limit"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Sink {
    Plain(Capped),
    Gzip(Box<flate2::write::MultiGzDecoder<Capped>>),
}

impl Sink {
    fn write(&mut self, data: &[u8]) -> Result<(), BodyError> {
        let result = match self {
            Sink::Plain(capped) => capped.write_all(data),
            Sink::Gzip(decoder) => decoder.write_all(data),
        };
        result.map_err(|e| self.error(e))
    }

    fn finish(self) -> Result<Vec<u8>, BodyError> {
        match self {
            Sink::Plain(capped) => Ok(capped.bytes),
            Sink::Gzip(mut decoder) => match decoder.try_finish() {
                Ok(()) => Ok(decoder.get_mut().bytes.split_off(0)),
                Err(e) => Err(Sink::Gzip(decoder).error(e)),
            },
        }
    }

    fn error(&self, error: std::io::Error) -> BodyError {
        let capped = match self {
            Sink::Plain(capped) => capped,
            Sink::Gzip(decoder) => decoder.get_ref(),
        };
        if capped.exceeded {
            BodyError::TooLarge {
                content_length: None,
            }
        } else {
            BodyError::Failed(failed(format!("the gzip-encoded body is corrupt: {error}")))
        }
    }
}

fn failed(detail: String) -> Outcome {
    Outcome::ConnectionError { detail }
}

/// Maps an error to its outcome class, looking through the chain of causes for the rustls
/// error or the socket error underneath; anything else is a connection error explained by
/// `context` and the chain's messages.
fn classify(context: &str, error: &(dyn StdError + 'static)) -> Outcome {
    walk(error).unwrap_or_else(|| failed(format!("{context}: {}", chain_text(error))))
}

fn walk(error: &(dyn StdError + 'static)) -> Option<Outcome> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls_outcome(tls));
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        // `io::Error::source` skips the error it wraps; look at it directly.
        if let Some(outcome) = io.get_ref().and_then(|inner| walk(inner)) {
            return Some(outcome);
        }
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => return Some(Outcome::ConnectRefused),
            std::io::ErrorKind::TimedOut => return Some(Outcome::ConnectTimeout),
            _ => {}
        }
    }
    error.source().and_then(walk)
}

fn tls_outcome(error: &rustls::Error) -> Outcome {
    use rustls::CertificateError as C;
    let reason = match error {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => TlsReason::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsReason::NotYetValid,
            C::UnknownIssuer => TlsReason::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsReason::NameMismatch,
            _ => TlsReason::Handshake,
        },
        _ => TlsReason::Handshake,
    };
    Outcome::TlsError {
        reason,
        detail: tls_words(error),
    }
}

/// A TLS failure in words a site owner reads: dates as dates, names as names.
pub fn tls_words(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let date = |t: &rustls::pki_types::UnixTime| {
        crate::format::Timestamp::from_unix(t.as_secs() as i64).to_string()
    };
    match error {
        rustls::Error::InvalidCertificate(c) => match c {
            C::ExpiredContext { time, not_after } => format!(
                "the certificate expired on {} (checked at {})",
                date(not_after),
                date(time)
            ),
            C::Expired => "the certificate has expired".to_owned(),
            C::NotValidYetContext { time, not_before } => format!(
                "the certificate is not valid before {} (checked at {})",
                date(not_before),
                date(time)
            ),
            C::NotValidYet => "the certificate is not valid yet".to_owned(),
            C::NotValidForNameContext {
                expected,
                presented,
            } => format!(
                "the certificate is for {} and not for {}",
                if presented.is_empty() {
                    "no name".to_owned()
                } else {
                    presented.join(", ")
                },
                expected.to_str()
            ),
            C::NotValidForName => "the certificate is not for this name".to_owned(),
            C::UnknownIssuer => {
                "the certificate was not issued by a trusted certificate authority (or the server \
                 did not send the intermediate certificates)"
                    .to_owned()
            }
            C::BadSignature => "the certificate's signature does not verify".to_owned(),
            C::Revoked => "the certificate is revoked".to_owned(),
            other => format!("the certificate is not acceptable: {other:?}"),
        },
        other => format!("the TLS handshake failed: {other}"),
    }
}

/// The messages of an error and its causes, joined.
fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn decode(chunks: &[&[u8]], limit: usize) -> Result<Vec<u8>, BodyError> {
        let mut sink = Sink::Gzip(Box::new(flate2::write::MultiGzDecoder::new(Capped::new(
            limit,
        ))));
        for chunk in chunks {
            sink.write(chunk)?;
        }
        sink.finish()
    }

    #[test]
    fn gzip_bodies_are_decoded_across_chunks_and_members() {
        let one = gzip(b"Contact: mailto:a@example.com\n");
        let (head, tail) = one.split_at(7);
        assert_eq!(
            decode(&[head, tail], 100).unwrap(),
            b"Contact: mailto:a@example.com\n"
        );
        let two = gzip(b"Expires: 2030-01-01T00:00:00Z\n");
        assert_eq!(
            decode(&[&one, &two], 100).unwrap(),
            b"Contact: mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n"
        );
    }

    #[test]
    fn the_cap_applies_to_decoded_bytes_and_corruption_is_a_connection_error() {
        let big = gzip(&[b'#'; 10_000]);
        assert!(big.len() < 100);
        assert!(matches!(
            decode(&[&big], 9_999),
            Err(BodyError::TooLarge { .. })
        ));
        assert_eq!(decode(&[&big], 10_000).unwrap().len(), 10_000);

        let truncated = &big[..big.len() - 4];
        let not_gzip = b"Contact: mailto:a@example.com\n";
        for corrupt in [truncated, not_gzip.as_slice()] {
            match decode(&[corrupt], 100_000) {
                Err(BodyError::Failed(Outcome::ConnectionError { detail })) => {
                    assert!(
                        detail.starts_with("the gzip-encoded body is corrupt"),
                        "{detail}"
                    )
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn plain_bodies_stop_at_the_cap() {
        let mut sink = Sink::Plain(Capped::new(10));
        sink.write(b"12345").unwrap();
        sink.write(b"67890").unwrap();
        assert!(matches!(sink.write(b"1"), Err(BodyError::TooLarge { .. })));
    }
}
