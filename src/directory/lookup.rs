//! Answering a threat feed: for each item (a host, a URL, an e-mail address or an IP address, as
//! feeds carry them, defanged ones included) the contact to warn, how far to trust it, and the
//! rule that found it.
//!
//! A host's own file comes first. Without one, fallbacks are tried in order, each labelled with
//! its rule, never silent: the host its redirects led to, its `www.`/apex twin, then its parent
//! domains up to the registrable domain. RFC 9116 §3.1 gives a file only its own host, so a
//! fallback's confidence is `inherited`. An IP address answers with the domains whose host
//! resolved to it, marked `shared_address` when it serves many (a hoster, whose own abuse
//! contact is then the better channel). "Not crawled" and "crawled, no file" are different
//! answers.

use super::{Confidence, Entry, Filter};
use crate::format::Timestamp;
use crate::store::entries::{Scope, StoredEntry};
use crate::store::read::{EntryLookup, ReadStore};
use anyhow::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

/// An address behind this many crawled domains or more is shared hosting.
pub const SHARED_ADDRESS_DOMAINS: u64 = 10;
/// The domains an address answer lists at most (the count says how many there are).
pub const ADDRESS_DOMAINS_LISTED: usize = 10;
/// The domains of an address judged to pick those listed: the first ones in name order. A shared
/// address may serve a hundred thousand; its hoster is the channel then, not a customer.
pub const ADDRESS_DOMAINS_JUDGED: usize = 100;

/// What kind of thing a feed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Host,
    Url,
    Email,
    Address,
}

/// A feed item, refanged and reduced to what can be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    /// The host to look up (for hosts, URLs and e-mail addresses).
    pub host: Option<String>,
    pub address: Option<IpAddr>,
}

/// Undoes the usual defanging of indicators: `hxxps://`, `example[.]com`, `(dot)`,
/// `name[at]example.com`, `[:]//`.
pub fn refang(text: &str) -> String {
    let mut s = text.trim().to_owned();
    let bracketed = s.contains(['[', '(', '{']);
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("{dot}", "."),
        ("[@]", "@"),
        ("(@)", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("{at}", "@"),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[/]", "/"),
    ] {
        if !bracketed {
            break;
        }
        // Case-insensitive for the spelled-out forms (`[DOT]`, `[At]`).
        while let Some(i) = s.to_ascii_lowercase().find(from) {
            s.replace_range(i..i + from.len(), to);
        }
    }
    for (from, to) in [("hxxps", "https"), ("hxxp", "http"), ("fxp", "ftp")] {
        let head = s.get(..from.len() + 3).unwrap_or_default();
        if head.eq_ignore_ascii_case(&format!("{from}://")) {
            s.replace_range(..from.len(), to);
            break;
        }
    }
    s
}

/// Reads a feed item: a URL (any scheme with a host), an e-mail address (`mailto:` or not), an
/// IP address (v4 or v6, bracketed or with a port), or a host name.
pub fn parse_item(text: &str) -> Result<Item, String> {
    let s = refang(text);
    if s.is_empty() {
        return Err("empty item".into());
    }
    let host_item = |kind: ItemKind, host: &str| -> Result<Item, String> {
        let host = crate::target::normalise_host(host)?;
        Ok(match host.parse::<IpAddr>() {
            Ok(ip) => Item {
                kind: ItemKind::Address,
                host: None,
                address: Some(ip),
            },
            Err(_) => Item {
                kind,
                host: Some(host),
                address: None,
            },
        })
    };
    let lower = s.to_ascii_lowercase();
    if let Some(address) = lower.strip_prefix("mailto:") {
        let domain = address.rsplit('@').next().unwrap_or("");
        let domain = domain.split(['?', '>']).next().unwrap_or("");
        return host_item(ItemKind::Email, domain);
    }
    if let Some(i) = s.find("://") {
        let url = url::Url::parse(&s).map_err(|e| format!("not a URL: {e}"))?;
        if url.host_str().is_none() {
            return Err(format!("the URL has no host ({})", &s[..i]));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => unreachable!("checked above"),
        };
        return host_item(ItemKind::Url, &host);
    }
    if let Ok(ip) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(Item {
            kind: ItemKind::Address,
            host: None,
            address: Some(ip),
        });
    }
    if let Some((ip, port)) = s.rsplit_once(':')
        && port.bytes().all(|b| b.is_ascii_digit())
        && let Ok(ip) = ip.trim_matches(['[', ']']).parse::<IpAddr>()
    {
        return Ok(Item {
            kind: ItemKind::Address,
            host: None,
            address: Some(ip),
        });
    }
    if s.contains('@') && !s.contains('/') {
        let domain = s.rsplit('@').next().unwrap_or("");
        return host_item(ItemKind::Email, domain);
    }
    host_item(ItemKind::Host, &s)
}

/// The rule that found a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The host's own file.
    Exact,
    /// The file of the host the item's redirects led to.
    RedirectTarget,
    /// The file of the `www.` host of an apex, or of the apex of a `www.` host.
    WwwTwin,
    /// The file of a parent domain, up to the registrable domain.
    ParentDomain,
    /// A domain whose host resolved to the item's address.
    Address,
    /// A domain whose host resolved to the item's address, which serves many domains.
    SharedAddress,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Exact => "exact",
            Rule::RedirectTarget => "redirect_target",
            Rule::WwwTwin => "www_twin",
            Rule::ParentDomain => "parent_domain",
            Rule::Address => "address",
            Rule::SharedAddress => "shared_address",
        }
    }
}

/// The answer for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The host's own file.
    Found,
    /// No usable file of its own (see `crawled`), a fallback's instead.
    Fallback,
    /// Crawled, no file (`crawled.outcome` says why), and no fallback.
    NoFile,
    /// Crawled, a file without a single usable contact (or none the filter admits), and no
    /// fallback.
    NoUsableContact,
    /// Not in the store, and no fallback.
    NotCrawled,
    /// An IP address behind crawled domains.
    Address,
    /// An IP address no crawled domain resolved to.
    UnknownAddress,
    /// Not a host, URL, e-mail address or IP address.
    Invalid,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::Fallback => "fallback",
            Status::NoFile => "no_file",
            Status::NoUsableContact => "no_usable_contact",
            Status::NotCrawled => "not_crawled",
            Status::Address => "address",
            Status::UnknownAddress => "unknown_address",
            Status::Invalid => "invalid",
        }
    }
}

/// The host's own crawl, whether or not it found a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Crawled {
    pub run: String,
    #[schemars(with = "String")]
    pub crawled: Timestamp,
    /// `found`, or why there is no file (`http_status 404`, `dns_nxdomain`, …).
    pub outcome: String,
    /// Another host the crawl's redirects led to, if any.
    pub redirected_to: Option<String>,
}

/// A directory entry found for an item, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Match {
    pub rule: Rule,
    /// The domain whose file it is.
    pub domain: String,
    /// How far to trust it for this item: the file's own confidence for an exact or address
    /// match, `inherited` for a fallback.
    pub confidence: Confidence,
    // Shared with the resolver's cache, so that a host asked again is not copied again.
    pub entry: Arc<Entry>,
}

/// What an address item resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AddressInfo {
    /// How many crawled domains resolved to it.
    pub domains: u64,
    /// It serves many domains (`SHARED_ADDRESS_DOMAINS` or more): shared hosting.
    pub shared: bool,
}

/// The answer for one feed item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Answer {
    /// The item as the feed gave it.
    pub item: String,
    pub kind: Option<ItemKind>,
    /// The host looked up, normalised.
    pub host: Option<String>,
    pub address: Option<String>,
    pub status: Status,
    /// The host's own crawl; `null` when it was not crawled.
    pub crawled: Option<Crawled>,
    /// What was found: one entry for a host (its own or a fallback's), the domains behind an
    /// address (at most `ADDRESS_DOMAINS_LISTED`, best first).
    pub matches: Vec<Match>,
    pub address_info: Option<AddressInfo>,
    /// Why the item could not be read.
    pub error: Option<String>,
}

impl Answer {
    /// The best match, if any.
    pub fn best(&self) -> Option<&Match> {
        self.matches.first()
    }
}

/// Answers items from a store.
pub struct Resolver<'s> {
    reader: Box<dyn EntryLookup + 's>,
    now: Timestamp,
    filter: Filter,
    /// Entries already read, judged at `now` (`None`: not crawled), and the host's own crawl;
    /// shared, so that a host asked again is not copied again.
    entries: HashMap<String, Stored>,
    addresses: HashMap<IpAddr, (u64, Vec<Match>)>,
}

/// A domain as the store has it: `None` when not crawled, else its own crawl and, when it has a
/// file, its entry judged at the resolver's `now`; shared between the cache and the answers.
type Stored = Rc<Option<(Crawled, Option<Arc<Entry>>)>>;

/// Cached entries at most, so that a long feed's memory stays bounded.
const CACHE_LIMIT: usize = 10_000;

impl<'s> Resolver<'s> {
    pub fn new(
        store: &'s dyn ReadStore,
        scope: Scope,
        now: Timestamp,
        filter: Filter,
    ) -> Result<Resolver<'s>> {
        Ok(Resolver {
            reader: store.entries(scope)?,
            now,
            filter,
            entries: HashMap::new(),
            addresses: HashMap::new(),
        })
    }

    /// A domain's own crawl and its entry when it has a file; `None` when it was not crawled.
    fn stored(&mut self, domain: &str) -> Result<Stored> {
        if let Some(cached) = self.entries.get(domain) {
            return Ok(cached.clone());
        }
        let found = Rc::new(self.reader.entry(domain)?.map(|stored: StoredEntry| {
            let crawled = Crawled {
                run: stored.run.clone(),
                crawled: stored.started,
                outcome: stored.outcome_label.clone(),
                redirected_to: stored.redirected_to.clone(),
            };
            let entry = stored
                .file
                .is_some()
                .then(|| Arc::new(Entry::from_stored(stored, self.now)));
            (crawled, entry)
        }));
        if self.entries.len() >= CACHE_LIMIT {
            self.entries.clear();
        }
        self.entries.insert(domain.to_owned(), found.clone());
        Ok(found)
    }

    /// `stored`'s entry if it has a file with a usable contact that the filter admits at
    /// `confidence` (its own when `None`).
    fn usable(
        &self,
        stored: &Option<(Crawled, Option<Arc<Entry>>)>,
        confidence: Option<Confidence>,
    ) -> Option<Arc<Entry>> {
        let Some((_, Some(entry))) = stored else {
            return None;
        };
        let own = entry.confidence.unwrap_or(Confidence::NoContact);
        if own == Confidence::NoContact {
            return None;
        }
        let admitted = self.filter.admits_at(entry, confidence.unwrap_or(own));
        admitted.then(|| Arc::clone(entry))
    }

    /// The answer for one feed item.
    pub fn answer(&mut self, text: &str) -> Result<Answer> {
        let mut answer = Answer {
            item: text.to_owned(),
            kind: None,
            host: None,
            address: None,
            status: Status::Invalid,
            crawled: None,
            matches: Vec::new(),
            address_info: None,
            error: None,
        };
        let item = match parse_item(text) {
            Ok(item) => item,
            Err(why) => {
                answer.error = Some(why);
                return Ok(answer);
            }
        };
        answer.kind = Some(item.kind);
        if let Some(ip) = item.address {
            answer.address = Some(ip.to_string());
            self.answer_address(ip, &mut answer)?;
        } else if let Some(host) = item.host {
            answer.host = Some(host.clone());
            self.answer_host(&host, &mut answer)?;
        }
        Ok(answer)
    }

    fn answer_host(&mut self, host: &str, answer: &mut Answer) -> Result<()> {
        let own = self.stored(host)?;
        answer.crawled = own.as_ref().as_ref().map(|(crawled, _)| crawled.clone());
        if let Some(entry) = self.usable(&own, None) {
            answer.status = Status::Found;
            answer.matches.push(Match {
                rule: Rule::Exact,
                domain: host.to_owned(),
                confidence: entry.confidence.unwrap_or(Confidence::NoContact),
                entry,
            });
            return Ok(());
        }
        let redirected_to = own
            .as_ref()
            .as_ref()
            .and_then(|(c, _)| c.redirected_to.as_deref());
        for (rule, candidate) in fallbacks(host, redirected_to) {
            let stored = self.stored(&candidate)?;
            if let Some(entry) = self.usable(&stored, Some(Confidence::Inherited)) {
                answer.status = Status::Fallback;
                answer.matches.push(Match {
                    rule,
                    domain: candidate,
                    confidence: Confidence::Inherited,
                    entry,
                });
                return Ok(());
            }
        }
        answer.status = match own.as_ref() {
            Some((_, Some(_))) => Status::NoUsableContact,
            Some((_, None)) => Status::NoFile,
            None => Status::NotCrawled,
        };
        Ok(())
    }

    fn answer_address(&mut self, ip: IpAddr, answer: &mut Answer) -> Result<()> {
        let (count, matches) = match self.addresses.get(&ip) {
            Some(known) => known.clone(),
            None => {
                let found = self.address_matches(ip)?;
                if self.addresses.len() >= CACHE_LIMIT {
                    self.addresses.clear();
                }
                self.addresses.insert(ip, found.clone());
                found
            }
        };
        if count == 0 {
            answer.status = Status::UnknownAddress;
            return Ok(());
        }
        answer.status = Status::Address;
        answer.address_info = Some(AddressInfo {
            domains: count,
            shared: count >= SHARED_ADDRESS_DOMAINS,
        });
        answer.matches = matches;
        Ok(())
    }

    /// How many domains resolved to `ip`, and the best of the first ones judged.
    fn address_matches(&mut self, ip: IpAddr) -> Result<(u64, Vec<Match>)> {
        let (count, entries) = self
            .reader
            .at_address(&ip.to_string(), ADDRESS_DOMAINS_JUDGED)?;
        let rule = if count >= SHARED_ADDRESS_DOMAINS {
            Rule::SharedAddress
        } else {
            Rule::Address
        };
        let mut matches = Vec::new();
        for stored in entries {
            if stored.file.is_none() {
                continue;
            }
            let entry = Entry::from_stored(stored, self.now);
            let confidence = entry.confidence.unwrap_or(Confidence::NoContact);
            if confidence != Confidence::NoContact && self.filter.admits(&entry) {
                matches.push(Match {
                    rule,
                    domain: entry.domain.clone(),
                    confidence,
                    entry: Arc::new(entry),
                });
            }
        }
        matches.sort_by(|a, b| {
            a.confidence
                .cmp(&b.confidence)
                .then(a.domain.cmp(&b.domain))
        });
        matches.truncate(ADDRESS_DOMAINS_LISTED);
        Ok((count, matches))
    }
}

/// The hosts to try, in order, when `host` has no usable file of its own.
pub fn fallbacks(host: &str, redirected_to: Option<&str>) -> Vec<(Rule, String)> {
    let mut out: Vec<(Rule, String)> = Vec::new();
    let mut push = |rule: Rule, candidate: String| {
        if candidate != host && !out.iter().any(|(_, c)| *c == candidate) {
            out.push((rule, candidate));
        }
    };
    if let Some(to) = redirected_to {
        push(Rule::RedirectTarget, to.to_owned());
    }
    let registrable = crate::target::registrable_domain(host);
    if let Some(apex) = host.strip_prefix("www.") {
        if registrable.as_deref().is_some_and(|r| apex.ends_with(r)) {
            push(Rule::WwwTwin, apex.to_owned());
        }
    } else if registrable.as_deref() == Some(host) {
        push(Rule::WwwTwin, format!("www.{host}"));
    }
    if let Some(registrable) = registrable {
        let mut rest = host;
        while rest.len() > registrable.len() {
            let Some((_, parent)) = rest.split_once('.') else {
                break;
            };
            if parent.len() < registrable.len() {
                break;
            }
            push(Rule::ParentDomain, parent.to_owned());
            rest = parent;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defanged_indicators_are_read_as_what_they_stand_for() {
        assert_eq!(
            refang("hxxps://evil[.]example[.]com/x"),
            "https://evil.example.com/x"
        );
        assert_eq!(refang("hXXp[:]//a(dot)example"), "http://a.example");
        assert_eq!(refang("abuse[at]example[.]org"), "abuse@example.org");
        assert_eq!(refang(" example.com "), "example.com");
    }

    #[test]
    fn items_of_every_kind_are_reduced_to_a_host_or_an_address() {
        let host = |text: &str| parse_item(text).unwrap();
        for (text, kind, looked_up) in [
            ("Example.COM.", ItemKind::Host, "example.com"),
            ("www.example[.]com", ItemKind::Host, "www.example.com"),
            (
                "https://www.example.com:8443/login?x=1",
                ItemKind::Url,
                "www.example.com",
            ),
            (
                "hxxp://bücher.example/",
                ItemKind::Url,
                "xn--bcher-kva.example",
            ),
            (
                "ftp://files.example.org/a",
                ItemKind::Url,
                "files.example.org",
            ),
            ("security@Example.org", ItemKind::Email, "example.org"),
            (
                "mailto:abuse[at]example.net",
                ItemKind::Email,
                "example.net",
            ),
        ] {
            let item = host(text);
            assert_eq!(item.kind, kind, "{text}");
            assert_eq!(item.host.as_deref(), Some(looked_up), "{text}");
        }
        for (text, ip) in [
            ("192.0.2.7", "192.0.2.7"),
            ("192.0.2.7:443", "192.0.2.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("https://192.0.2.8/x", "192.0.2.8"),
        ] {
            let item = host(text);
            assert_eq!(item.kind, ItemKind::Address, "{text}");
            assert_eq!(item.address.unwrap().to_string(), ip, "{text}");
        }
        assert!(parse_item("").is_err());
        assert!(parse_item("not a host").is_err());
    }

    #[test]
    fn fallbacks_go_from_the_redirect_to_the_twin_to_the_parents() {
        let names = |host: &str| -> Vec<(&'static str, String)> {
            fallbacks(host, None)
                .into_iter()
                .map(|(r, c)| (r.as_str(), c))
                .collect()
        };
        assert_eq!(
            names("a.b.example.co.uk"),
            [
                ("parent_domain", "b.example.co.uk".to_owned()),
                ("parent_domain", "example.co.uk".to_owned())
            ]
        );
        assert_eq!(
            names("www.example.com"),
            [("www_twin", "example.com".to_owned())]
        );
        assert_eq!(
            names("example.com"),
            [("www_twin", "www.example.com".to_owned())]
        );
        assert_eq!(
            names("www.shop.example.com"),
            [
                ("www_twin", "shop.example.com".to_owned()),
                ("parent_domain", "example.com".to_owned())
            ]
        );
    }
}
