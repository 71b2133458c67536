//! The simulated internet's population: domain names, their scenarios and addresses, generated
//! deterministically from a seed, and the ground truth a correct crawler must match.
//!
//! Addresses are spread the way hosting is: a third of the ordinary domains share four "hot"
//! addresses (shared hosting, a CDN), the rest spread over sixty more (127.1.0.1–64); servers
//! that misbehave on purpose live on a pool of their own (127.2.0.1–128); a refusing address has
//! no listener (127.3.0.1); blackhole addresses have a listener whose accept queue is full
//! (127.4.0.1–64); private and link-local answers exercise the guard.

use super::scenario::{Mix, Scenario};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};

/// The host every cross-site redirect points to: a portfolio's central security.txt.
pub const HUB: &str = "security-hub.test";

pub const SHARED_ADDRESSES: u8 = 64;
pub const HOT_ADDRESSES: u8 = 4;
pub const ISOLATED_ADDRESSES: u8 = 128;

pub fn shared_address(i: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 1, 0, i + 1))
}

pub fn isolated_address(i: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 2, 0, i + 1))
}

/// An address with nothing listening: connections are refused.
pub const REFUSED_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 3, 0, 1));
/// Addresses whose listener never accepts: connections time out. Unreachable hosts are many
/// in reality, so they are a pool here too (one would serialise every connect timeout).
pub const BLACKHOLE_ADDRESSES: u8 = 64;

pub fn blackhole_address(i: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 4, 0, i + 1))
}

/// Every address the lab listens on with HTTPS.
pub fn listening_addresses() -> Vec<IpAddr> {
    (0..SHARED_ADDRESSES)
        .map(shared_address)
        .chain((0..ISOLATED_ADDRESSES).map(isolated_address))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub name: String,
    pub scenario: Scenario,
    pub address: IpAddr,
    /// Serves its contacts in the other order (a change between epochs).
    pub reordered: bool,
}

/// The local part of every lab domain's e-mail contact (`security@DOMAIN`).
pub const MAILBOX: &str = "security";

/// The RFC 7929 name of the OPENPGPKEY record for `security@DOMAIN`: the SHA-256 of the local
/// part, truncated to 28 octets, in hex.
pub fn openpgpkey_name(domain: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, MAILBOX.as_bytes());
    let hash: String = digest.as_ref()[..28]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hash}._openpgpkey.{domain}")
}

/// What the lab's DNS server says about a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer {
    Addresses(Vec<IpAddr>),
    /// The name holds the lab's signing key in an OPENPGPKEY record (and no address).
    OpenPgpKey,
    NxDomain,
    /// The name exists, without addresses (NODATA).
    NoAddress,
    ServFail,
    /// No answer at all.
    Drop,
}

/// One line of `truth.jsonl`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Truth {
    pub domain: String,
    pub scenario: Scenario,
    /// `Outcome::label` of the Record.
    pub expected_outcome: String,
    /// The Contact URIs of the file found, in order.
    pub expected_contacts: Vec<String>,
    /// The error-level diagnostic codes of the file found, sorted.
    pub expected_errors: Vec<String>,
    /// The signature verdict: `unsigned`, `verified same_origin`, `bad_signature`, `no_key`, …
    pub expected_signature: String,
}

pub struct World {
    domains: Vec<Domain>,
    index: HashMap<String, usize>,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same world.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

impl World {
    /// `count` domains drawn from `mix` with `seed`.
    pub fn generate(count: usize, seed: u64, mix: Mix) -> World {
        let mut rng = Rng(seed);
        let total_weight: u64 = Scenario::ALL.iter().map(|s| u64::from(s.weight())).sum();
        let mut domains = Vec::with_capacity(count);
        for i in 0..count {
            let scenario = match mix {
                Mix::AllValid => Scenario::Valid,
                // Every scenario once first, so even a small lab covers them all.
                Mix::Realistic if i < Scenario::ALL.len() => Scenario::ALL[i],
                Mix::Realistic => {
                    let mut pick = rng.below(total_weight);
                    *Scenario::ALL
                        .iter()
                        .find(|s| {
                            let w = u64::from(s.weight());
                            if pick < w {
                                true
                            } else {
                                pick -= w;
                                false
                            }
                        })
                        .unwrap_or(&Scenario::Valid)
                }
            };
            let address = match scenario {
                Scenario::Refused => REFUSED_ADDRESS,
                Scenario::ConnectTimeout => {
                    blackhole_address(rng.below(u64::from(BLACKHOLE_ADDRESSES)) as u8)
                }
                Scenario::PrivateAddress => IpAddr::V4(Ipv4Addr::new(
                    10,
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                    7,
                )),
                Scenario::LinkLocalAddress => IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
                s if s.isolated() => {
                    isolated_address(rng.below(u64::from(ISOLATED_ADDRESSES)) as u8)
                }
                _ if rng.below(10) < 3 => shared_address(rng.below(u64::from(HOT_ADDRESSES)) as u8),
                _ => shared_address(
                    (u64::from(HOT_ADDRESSES)
                        + rng.below(u64::from(SHARED_ADDRESSES - HOT_ADDRESSES)))
                        as u8,
                ),
            };
            domains.push(Domain {
                name: format!("{}-{i:06}.test", scenario.slug()),
                scenario,
                address,
                reordered: false,
            });
        }
        let index = domains
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        World { domains, index }
    }

    /// The world of `generate` as it is at `epoch`: the same domains, names and addresses, with
    /// a known share changed since epoch 0: of the domains serving a valid file, a quarter lose
    /// it (404), a quarter let it expire and a quarter list their contacts in the other order; a
    /// quarter of the domains answering 404 start serving a valid file. `expected_changes` says what `disclose diff` must find.
    pub fn at_epoch(count: usize, seed: u64, mix: Mix, epoch: u32) -> World {
        let mut world = World::generate(count, seed, mix);
        if epoch == 0 {
            return world;
        }
        // Changes cycle through the domains of a scenario (shifted by the epoch), so that even
        // a small world has each kind of change once it has four valid domains.
        let (mut valid, mut not_found) = (epoch as usize, epoch as usize);
        for d in &mut world.domains {
            match d.scenario {
                Scenario::Valid => {
                    match valid % 4 {
                        0 => d.scenario = Scenario::NotFound,
                        1 => d.scenario = Scenario::ExpiredFile,
                        2 => d.reordered = true,
                        _ => {}
                    }
                    valid += 1;
                }
                Scenario::NotFound => {
                    if not_found % 4 == 0 {
                        d.scenario = Scenario::Valid;
                    }
                    not_found += 1;
                }
                _ => {}
            }
        }
        world
    }

    /// The kinds of change `disclose diff` reports for each domain from `earlier` (a crawl of
    /// this world's epoch 0, or another epoch of the same seed) to this world, by domain; domains
    /// without a change are left out. Besides the epoch's own changes, the lab signs its files
    /// afresh, with new keys, each time it starts: every signed file found in both crawls has
    /// other content, and a verified one another signer.
    pub fn expected_changes(&self, earlier: &World) -> BTreeMap<String, Vec<&'static str>> {
        let mut out = BTreeMap::new();
        for (a, b) in earlier.domains.iter().zip(&self.domains) {
            let (ta, tb) = (earlier.truth(a), self.truth(b));
            let found = |t: &Truth| t.expected_outcome == "found";
            let class = |t: &Truth| {
                t.expected_outcome
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            };
            let signed = |t: &Truth| t.expected_signature != "unsigned";
            let mut kinds = Vec::new();
            match (found(&ta), found(&tb)) {
                (false, true) => kinds.push("file_appeared"),
                (true, false) => kinds.push("file_disappeared"),
                _ => {}
            }
            if found(&ta) && found(&tb) {
                if a.scenario != b.scenario || a.reordered != b.reordered || signed(&ta) {
                    kinds.push("file_changed");
                }
                if ta.expected_contacts != tb.expected_contacts {
                    kinds.push("contacts_changed");
                }
                let (valid_a, valid_b) =
                    (ta.expected_errors.is_empty(), tb.expected_errors.is_empty());
                match (valid_a, valid_b) {
                    (false, true) => kinds.push("became_valid"),
                    (true, false) => kinds.push("became_invalid"),
                    (false, false) if ta.expected_errors != tb.expected_errors => {
                        kinds.push("errors_changed")
                    }
                    _ => {}
                }
                let has_expires = |t: &Truth| {
                    !t.expected_errors
                        .iter()
                        .any(|e| e == "no_expire" || e == "expired")
                };
                if has_expires(&ta) && b.scenario == Scenario::ExpiredFile {
                    kinds.push("became_expired");
                }
                if ta.expected_signature != tb.expected_signature
                    || ta.expected_signature.starts_with("verified")
                {
                    kinds.push("signature_changed");
                }
            }
            if class(&ta) != class(&tb) {
                kinds.push("outcome_changed");
            }
            if !kinds.is_empty() {
                out.insert(b.name.clone(), kinds);
            }
        }
        out
    }

    pub fn domains(&self) -> &[Domain] {
        &self.domains
    }

    /// The domain a host name belongs to: the domain itself, or one of the extra hosts a
    /// scenario has (`www.`, the WKD host `openpgpkey.`, a key host on a private address
    /// `internal.`).
    pub fn domain_of(&self, host: &str) -> Option<&Domain> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(&i) = self.index.get(&host) {
            return Some(&self.domains[i]);
        }
        let (prefix, bare) = host.split_once('.')?;
        let domain = self.index.get(bare).map(|&i| &self.domains[i])?;
        let has_host = match prefix {
            "www" => domain.scenario == Scenario::RedirectOtherHost,
            "openpgpkey" => domain.scenario == Scenario::SignedWkd,
            "internal" => domain.scenario == Scenario::SignedKeyRedirectPrivate,
            "slowkeys" => domain.scenario == Scenario::SignedKeysElsewhere,
            _ => false,
        };
        has_host.then_some(domain)
    }

    /// The DNS answer for `name`.
    pub fn dns(&self, name: &str) -> DnsAnswer {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == HUB {
            return DnsAnswer::Addresses(vec![shared_address(0)]);
        }
        if let Some((_, domain)) = name.split_once("._openpgpkey.") {
            return match self.index.get(domain).map(|&i| &self.domains[i]) {
                Some(d) if d.scenario == Scenario::SignedDns && name == openpgpkey_name(domain) => {
                    DnsAnswer::OpenPgpKey
                }
                _ => DnsAnswer::NxDomain,
            };
        }
        if name.starts_with("internal.") && self.domain_of(&name).is_some() {
            // A key host that points into a private network: the guard must refuse it.
            return DnsAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::new(10, 9, 8, 7))]);
        }
        match self.domain_of(&name) {
            None => DnsAnswer::NxDomain,
            Some(d) => match d.scenario {
                Scenario::NxDomain => DnsAnswer::NxDomain,
                Scenario::NoAddress => DnsAnswer::NoAddress,
                Scenario::ServFail => DnsAnswer::ServFail,
                Scenario::DnsTimeout => DnsAnswer::Drop,
                _ => DnsAnswer::Addresses(vec![d.address]),
            },
        }
    }

    /// What a correct crawler records for `domain`.
    pub fn truth(&self, domain: &Domain) -> Truth {
        let d = &domain.name;
        let contacts: Vec<String> = match domain.scenario {
            s if s.expected_outcome() != "found" => vec![],
            Scenario::BothPaths => vec![format!("mailto:well-known@{d}")],
            Scenario::Invalid => vec![format!("security@{d}")],
            Scenario::RedirectCrossSite => vec![format!("mailto:psirt@{HUB}")],
            Scenario::HostileFindings => vec![],
            _ if domain.reordered => vec![
                format!("https://{d}/report"),
                format!("mailto:security@{d}"),
            ],
            _ => vec![
                format!("mailto:security@{d}"),
                format!("https://{d}/report"),
            ],
        };
        let mut errors: Vec<String> = domain
            .scenario
            .expected_errors()
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        errors.sort();
        Truth {
            domain: d.clone(),
            scenario: domain.scenario,
            expected_outcome: domain.scenario.expected_outcome().to_owned(),
            expected_contacts: contacts,
            expected_errors: errors,
            expected_signature: domain.scenario.expected_signature().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_world_and_covers_every_scenario() {
        let a = World::generate(500, 7, Mix::Realistic);
        let b = World::generate(500, 7, Mix::Realistic);
        let names = |w: &World| {
            w.domains()
                .iter()
                .map(|d| (d.name.clone(), d.address))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        for s in Scenario::ALL {
            assert!(a.domains().iter().any(|d| d.scenario == *s), "{s:?}");
        }
        let c = World::generate(500, 8, Mix::Realistic);
        assert_ne!(names(&a), names(&c));
    }

    #[test]
    fn a_few_addresses_host_many_domains() {
        let w = World::generate(20_000, 1, Mix::AllValid);
        let on_hot = w
            .domains()
            .iter()
            .filter(|d| {
                (0..HOT_ADDRESSES)
                    .map(shared_address)
                    .any(|a| a == d.address)
            })
            .count();
        assert!((5_000..7_000).contains(&on_hot), "{on_hot}");
    }

    #[test]
    fn a_world_of_200000_domains_has_unique_names() {
        let w = World::generate(200_000, 3, Mix::Realistic);
        assert_eq!(w.domains().len(), 200_000);
        assert_eq!(w.index.len(), 200_000);
        assert!(w.domain_of(&w.domains()[199_999].name).is_some());
    }

    #[test]
    fn dns_answers_follow_the_scenario() {
        let w = World::generate(100, 1, Mix::Realistic);
        let find = |s: Scenario| {
            w.domains()
                .iter()
                .find(|d| d.scenario == s)
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(w.dns(&find(Scenario::NxDomain)), DnsAnswer::NxDomain);
        assert_eq!(w.dns(&find(Scenario::DnsTimeout)), DnsAnswer::Drop);
        assert_eq!(w.dns("unknown.test"), DnsAnswer::NxDomain);
        let other = find(Scenario::RedirectOtherHost);
        assert!(matches!(
            w.dns(&format!("www.{other}")),
            DnsAnswer::Addresses(_)
        ));
        assert_eq!(
            w.dns(&format!("www.{}", find(Scenario::Valid))),
            DnsAnswer::NxDomain
        );
    }
}
