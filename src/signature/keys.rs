//! Where keys come from, behind one trait (`KeySource`): a keyring file the user gives; the
//! file's `Encryption` URIs (an https URL, a `dns:` OPENPGPKEY name per RFC 7929, an
//! `openpgp4fpr:` fingerprint asked of a keyserver); the Web Key Directory of its `mailto:`
//! contacts. Each key found is labelled with how independent its source is from the server that
//! served the file. Network lookups go through the crawler's guarded, rate-limited client and
//! are cached per crawl.

use super::verify::Candidate;
use super::{Independence, KeySource as Source, KeySourceKind};
use crate::net::dns::Dns;
use crate::net::fetch::Fetcher;
use crate::record::Outcome;
use crate::target::registrable_domain;
use anyhow::Context;
use sequoia_openpgp::cert::CertParser;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::{Cert, KeyHandle};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use url::Url;

/// Bytes of a key read at most.
pub const MAX_KEY_BYTES: u64 = 256 * 1024;

/// Every certificate in `bytes` (armoured or binary, one or several); unreadable ones are
/// skipped. Errors only when nothing at all could be read.
pub fn read_certs(bytes: &[u8]) -> Result<Vec<Cert>, String> {
    // Self-signatures with non-minimal MPIs, which GnuPG accepts and sequoia drops, are
    // re-encoded first (the numbers, and so the signatures, are unchanged), so that the key's
    // life can still be read from them.
    let normal = binary_packets(bytes)
        .and_then(|packets| crate::format::armor::normalize_signature_numbers(&packets));
    let bytes = normal.as_deref().unwrap_or(bytes);
    let parser = CertParser::from_bytes(bytes).map_err(|e| format!("not an OpenPGP key: {e}"))?;
    let certs: Vec<Cert> = parser.filter_map(Result::ok).collect();
    if certs.is_empty() {
        Err("no OpenPGP key in the data".into())
    } else {
        Ok(certs)
    }
}

/// The packets of a key, dearmoured if it is armoured.
fn binary_packets(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let text = bytes.trim_ascii_start();
    if !text.starts_with(b"-----BEGIN PGP") {
        return Some(bytes.to_vec());
    }
    let mut reader = sequoia_openpgp::armor::Reader::from_bytes(
        text,
        sequoia_openpgp::armor::ReaderMode::Tolerant(None),
    );
    let mut out = Vec::new();
    reader.read_to_end(&mut out).ok()?;
    Some(out)
}

/// What a signed file tells about where its signing key may be.
#[derive(Debug, Clone)]
pub struct KeyRequest<'a> {
    /// The issuers the signatures name.
    pub issuers: &'a [KeyHandle],
    /// The file's `Encryption` URIs, in order.
    pub encryption: &'a [String],
    /// The e-mail addresses of its `mailto:` contacts, in order.
    pub emails: &'a [String],
    /// The URL that served the file (after redirects), for telling same-origin keys apart.
    pub file_url: Option<&'a str>,
    /// When the domain's time is up: no key is fetched after it.
    pub deadline: Option<std::time::Instant>,
}

/// The key locations looked up over the network at most for one file (`Encryption` URIs and
/// WKD URLs together): a file may name hundreds, each of them someone else's host.
pub const KEY_LOOKUPS_PER_FILE: usize = 6;

/// A key URI that could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub uri: String,
    pub reason: String,
}

/// What the sources found.
#[derive(Debug, Default, Clone)]
pub struct Discovered {
    pub candidates: Vec<Candidate>,
    /// Every place looked at, in order.
    pub tried: Vec<String>,
    /// `Encryption` URIs that could not be fetched.
    pub unreachable: Vec<Unreachable>,
    /// Network lookups made for this file.
    lookups: usize,
    /// Key locations not looked up: past `KEY_LOOKUPS_PER_FILE`, or after the deadline.
    skipped_for_count: usize,
    skipped_for_time: usize,
}

impl Discovered {
    /// Whether one more network lookup may be made; counts it if so, else counts it skipped.
    fn may_look(&mut self, request: &KeyRequest<'_>) -> bool {
        if request
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            self.skipped_for_time += 1;
            return false;
        }
        if self.lookups >= KEY_LOOKUPS_PER_FILE {
            self.skipped_for_count += 1;
            return false;
        }
        self.lookups += 1;
        true
    }

    /// A candidate names one of the issuers.
    fn has_match(&self, issuers: &[KeyHandle]) -> bool {
        self.candidates
            .iter()
            .any(|c| c.cert.keys().key_handles(issuers.iter()).next().is_some())
    }
}

/// A place keys can be found.
#[async_trait::async_trait]
pub trait KeySource: Send + Sync {
    /// Adds the certificates this source has for `request` to `found`.
    async fn lookup(&self, request: &KeyRequest<'_>, found: &mut Discovered);
}

/// Asks each source in turn until one has a key named by the signature.
#[derive(Default)]
pub struct KeyFinder {
    sources: Vec<Box<dyn KeySource>>,
}

impl KeyFinder {
    pub fn new(sources: Vec<Box<dyn KeySource>>) -> KeyFinder {
        KeyFinder { sources }
    }

    pub async fn find(&self, request: &KeyRequest<'_>) -> Discovered {
        let mut found = Discovered::default();
        for source in &self.sources {
            source.lookup(request, &mut found).await;
            if found.has_match(request.issuers) {
                break;
            }
        }
        if found.skipped_for_count > 0 {
            found.tried.push(format!(
                "{} more key locations not looked up (at most {KEY_LOOKUPS_PER_FILE} per file)",
                found.skipped_for_count
            ));
        }
        if found.skipped_for_time > 0 {
            found.tried.push(format!(
                "{} more key locations not looked up (the domain's time limit was reached)",
                found.skipped_for_time
            ));
        }
        tracing::debug!(
            matched = found.has_match(request.issuers),
            tried = %crate::escape::for_terminal(&found.tried.join(", ")),
            "key discovery"
        );
        found
    }
}

/// A keyring file: keys the user chose to trust.
pub struct Keyring {
    certs: Vec<Cert>,
    path: String,
}

impl Keyring {
    pub fn open(path: &Path) -> anyhow::Result<Keyring> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the keyring `{}`", path.display()))?;
        let certs = read_certs(&bytes)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("`{}` is not an OpenPGP keyring", path.display()))?;
        Ok(Keyring {
            certs,
            path: path.display().to_string(),
        })
    }
}

#[async_trait::async_trait]
impl KeySource for Keyring {
    async fn lookup(&self, _request: &KeyRequest<'_>, found: &mut Discovered) {
        found.tried.push(format!("keyring {}", self.path));
        found
            .candidates
            .extend(self.certs.iter().map(|cert| Candidate {
                cert: cert.clone(),
                source: Source {
                    kind: KeySourceKind::Keyring,
                    location: self.path.clone(),
                },
                independence: Independence::Pinned,
            }));
    }
}

/// Keys fetched once per location per crawl; the cache is bounded by forgetting everything when
/// full, so memory does not grow with the list.
#[derive(Default)]
struct KeyCache {
    map: Mutex<HashMap<String, Result<Vec<Cert>, String>>>,
}

const KEY_CACHE_LIMIT: usize = 10_000;

impl KeyCache {
    fn get(&self, location: &str) -> Option<Result<Vec<Cert>, String>> {
        self.map.lock().ok()?.get(location).cloned()
    }

    fn put(&self, location: &str, result: Result<Vec<Cert>, String>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= KEY_CACHE_LIMIT {
                map.clear();
            }
            map.insert(location.to_owned(), result);
        }
    }
}

/// The network side of key discovery: https (through the crawler's fetcher), DNS, a keyserver.
pub struct NetworkKeys {
    fetcher: Arc<Fetcher>,
    dns: Arc<Dns>,
    /// A keyserver (HKP) to ask for `openpgp4fpr:` fingerprints; none means not asking.
    keyserver: Option<Url>,
    cache: KeyCache,
}

impl NetworkKeys {
    pub fn new(fetcher: Arc<Fetcher>, dns: Arc<Dns>, keyserver: Option<Url>) -> NetworkKeys {
        NetworkKeys {
            fetcher,
            dns,
            keyserver,
            cache: KeyCache::default(),
        }
    }

    /// The certificates at an https URL, fetched within the domain's `deadline`.
    async fn https(
        &self,
        url: &Url,
        deadline: Option<std::time::Instant>,
    ) -> Result<Vec<Cert>, String> {
        if let Some(cached) = self.cache.get(url.as_str()) {
            return cached;
        }
        let left = deadline.map_or(self.fetcher.config.attempt_timeout, |d| {
            d.saturating_duration_since(std::time::Instant::now())
        });
        let mut budget = self.fetcher.config.attempt_timeout.min(left);
        let site = url.host_str().and_then(registrable_domain);
        let fetched = self
            .fetcher
            .fetch_limited(url, site.as_deref(), &mut budget, MAX_KEY_BYTES)
            .await;
        let result = match (&fetched.outcome, fetched.body) {
            (Outcome::Found, Some(body)) => read_certs(&body.bytes),
            (outcome, _) => Err(outcome.label()),
        };
        self.cache.put(url.as_str(), result.clone());
        result
    }

    async fn dns_keys(&self, name: &str) -> Result<Vec<Cert>, String> {
        let location = format!("dns:{name}");
        if let Some(cached) = self.cache.get(&location) {
            return cached;
        }
        let result = match self.dns.openpgpkey(name).await {
            Ok(keys) => {
                let certs: Vec<Cert> = keys
                    .iter()
                    .filter_map(|k| read_certs(k).ok())
                    .flatten()
                    .collect();
                if certs.is_empty() {
                    Err("the OPENPGPKEY record holds no usable key".into())
                } else {
                    Ok(certs)
                }
            }
            Err(failure) => Err(failure.outcome().label()),
        };
        self.cache.put(&location, result.clone());
        result
    }
}

/// How independent a key at `key_url` is from a file served at `file_url`.
fn independence_of(key_host: &str, file_url: Option<&str>) -> Independence {
    let file_host = file_url
        .and_then(|u| Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let key_host = key_host.to_ascii_lowercase();
    match file_host {
        Some(f) if f == key_host => Independence::SameOrigin,
        Some(f)
            if registrable_domain(&f).is_some()
                && registrable_domain(&f) == registrable_domain(&key_host) =>
        {
            Independence::Independent
        }
        _ => Independence::ThirdParty,
    }
}

/// The DNS name of a `dns:` URI (RFC 4501): `dns:[//authority/]name[?type=OPENPGPKEY]`.
fn dns_uri_name(uri: &str) -> Option<String> {
    let rest = uri.get(4..)?;
    let rest = match rest.strip_prefix("//") {
        Some(with_authority) => with_authority.split_once('/')?.1,
        None => rest,
    };
    let name = rest.split(['?', ';']).next()?;
    let name = crate::format::uri::percent_decode(name);
    (!name.is_empty()).then(|| name.trim_end_matches('.').to_ascii_lowercase())
}

/// The keys named by the file's `Encryption` URIs.
pub struct EncryptionKeys(pub Arc<NetworkKeys>);

#[async_trait::async_trait]
impl KeySource for EncryptionKeys {
    async fn lookup(&self, request: &KeyRequest<'_>, found: &mut Discovered) {
        for uri in request.encryption {
            let scheme = crate::format::uri::scheme(uri).map(str::to_ascii_lowercase);
            let networked = matches!(scheme.as_deref(), Some("https" | "dns"))
                || (scheme.as_deref() == Some("openpgp4fpr") && self.0.keyserver.is_some());
            if networked && !found.may_look(request) {
                continue;
            }
            let (result, source, independence) = match scheme.as_deref() {
                Some("https") => {
                    let Ok(url) = Url::parse(uri) else { continue };
                    let independence =
                        independence_of(url.host_str().unwrap_or(""), request.file_url);
                    let source = Source {
                        kind: KeySourceKind::Https,
                        location: uri.clone(),
                    };
                    (
                        self.0.https(&url, request.deadline).await,
                        source,
                        independence,
                    )
                }
                Some("dns") => {
                    let Some(name) = dns_uri_name(uri) else {
                        continue;
                    };
                    let file_site = request
                        .file_url
                        .and_then(|u| Url::parse(u).ok())
                        .and_then(|u| u.host_str().and_then(registrable_domain));
                    let independence =
                        if file_site.is_some() && registrable_domain(&name) == file_site {
                            Independence::Independent
                        } else {
                            Independence::ThirdParty
                        };
                    let source = Source {
                        kind: KeySourceKind::Dns,
                        location: name.clone(),
                    };
                    (self.0.dns_keys(&name).await, source, independence)
                }
                Some("openpgp4fpr") => {
                    let fingerprint = uri[12..].to_ascii_uppercase();
                    let Some(server) = &self.0.keyserver else {
                        found
                            .tried
                            .push(format!("{uri} (not looked up: no --keyserver given)"));
                        continue;
                    };
                    let Ok(query) = server.join(&format!(
                        "/pks/lookup?op=get&options=mr&search={fingerprint}"
                    )) else {
                        continue;
                    };
                    let source = Source {
                        kind: KeySourceKind::Keyserver,
                        location: query.to_string(),
                    };
                    (
                        self.0.https(&query, request.deadline).await,
                        source,
                        Independence::ThirdParty,
                    )
                }
                _ => continue,
            };
            found.tried.push(uri.clone());
            match result {
                Ok(certs) => found
                    .candidates
                    .extend(certs.into_iter().map(|cert| Candidate {
                        cert,
                        source: source.clone(),
                        independence,
                    })),
                Err(reason) => found.unreachable.push(Unreachable {
                    uri: uri.clone(),
                    reason,
                }),
            }
            if found.has_match(request.issuers) {
                return;
            }
        }
    }
}

/// The z-base-32 alphabet of the Web Key Directory.
const ZBASE32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

fn zbase32(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ZBASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ZBASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The WKD hash of a local part: z-base-32 of the SHA-1 of its lower-case form.
pub fn wkd_hash(local_part: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        local_part.to_lowercase().as_bytes(),
    );
    zbase32(digest.as_ref())
}

/// The advanced and direct WKD URLs of an address.
pub fn wkd_urls(email: &str) -> Option<[Url; 2]> {
    let (local, domain) = email.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    let hash = wkd_hash(local);
    let local_query: String = url::form_urlencoded::byte_serialize(local.as_bytes()).collect();
    let advanced = Url::parse(&format!(
        "https://openpgpkey.{domain}/.well-known/openpgpkey/{domain}/hu/{hash}?l={local_query}"
    ))
    .ok()?;
    let direct = Url::parse(&format!(
        "https://{domain}/.well-known/openpgpkey/hu/{hash}?l={local_query}"
    ))
    .ok()?;
    Some([advanced, direct])
}

/// The Web Key Directory of each e-mail contact: the advanced method, then the direct one.
pub struct WebKeyDirectory(pub Arc<NetworkKeys>);

#[async_trait::async_trait]
impl KeySource for WebKeyDirectory {
    async fn lookup(&self, request: &KeyRequest<'_>, found: &mut Discovered) {
        for email in request.emails {
            let Some(urls) = wkd_urls(email) else {
                continue;
            };
            for url in urls {
                if !found.may_look(request) {
                    continue;
                }
                found.tried.push(format!("WKD {url}"));
                let Ok(certs) = self.0.https(&url, request.deadline).await else {
                    continue;
                };
                let independence = independence_of(url.host_str().unwrap_or(""), request.file_url);
                found
                    .candidates
                    .extend(certs.into_iter().map(|cert| Candidate {
                        cert,
                        source: Source {
                            kind: KeySourceKind::Wkd,
                            location: url.to_string(),
                        },
                        independence,
                    }));
                if found.has_match(request.issuers) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkd_hashes_match_the_published_ones() {
        // From the comments of corpus file 159, which lists its WKD paths.
        assert_eq!(wkd_hash("security"), "t5s8ztdbon8yzntexy6oz5y48etqsnbb");
        assert_eq!(wkd_hash("alex"), "cddpr77ezsy7h967hgjydxhhmnt76n8w");
        assert_eq!(wkd_hash("Contact"), "dj3498u4hyyarh35rkjfnghbjxug6b19");
        let [advanced, direct] = wkd_urls("Security@Example.org").unwrap();
        assert_eq!(
            advanced.as_str(),
            "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/t5s8ztdbon8yzntexy6oz5y48etqsnbb?l=Security"
        );
        assert!(
            direct
                .as_str()
                .starts_with("https://example.org/.well-known/openpgpkey/hu/")
        );
    }

    #[test]
    fn dns_uris_name_the_record() {
        assert_eq!(
            dns_uri_name("dns:5d2d37ab76d47d36._openpgpkey.example.com?type=OPENPGPKEY").as_deref(),
            Some("5d2d37ab76d47d36._openpgpkey.example.com")
        );
        assert_eq!(
            dns_uri_name("dns://192.0.2.1/example.com.?type=OPENPGPKEY").as_deref(),
            Some("example.com")
        );
        assert_eq!(dns_uri_name("dns:"), None);
    }

    #[test]
    fn independence_compares_hosts_and_sites() {
        let file = Some("https://www.example.org/.well-known/security.txt");
        assert_eq!(
            independence_of("www.example.org", file),
            Independence::SameOrigin
        );
        assert_eq!(
            independence_of("openpgpkey.example.org", file),
            Independence::Independent
        );
        assert_eq!(
            independence_of("keys.openpgp.org", file),
            Independence::ThirdParty
        );
    }
}
