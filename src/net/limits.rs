//! Politeness: how hard the crawler may press on one server. Every request waits for a
//! concurrency slot on its registrable domain and on its IP address, then for the per-address
//! rate (governor, with jitter). Shared hosting puts thousands of domains on one address, so the
//! per-address limits are what protect real servers; the per-site limit keeps one organisation's
//! many hosts from being crawled all at once.
//!
//! Keys are dropped when idle, so memory follows the crawl's working set, not the list.

use governor::{DefaultKeyedRateLimiter, Jitter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone)]
pub struct PolitenessConfig {
    /// Requests in flight per IP address.
    pub per_ip_concurrency: usize,
    /// Requests per second per IP address (a fraction is allowed: 0.5 is one every two seconds).
    pub per_ip_rate: f64,
    /// Requests in flight per registrable domain.
    pub per_site_concurrency: usize,
}

impl Default for PolitenessConfig {
    fn default() -> PolitenessConfig {
        PolitenessConfig {
            per_ip_concurrency: 2,
            per_ip_rate: 10.0,
            per_site_concurrency: 2,
        }
    }
}

/// Semaphores by key, created on first use and forgotten when nobody holds or waits for one.
struct KeyedSemaphores<K: Eq + Hash + Clone> {
    permits: usize,
    map: Mutex<HashMap<K, Arc<Semaphore>>>,
}

impl<K: Eq + Hash + Clone> KeyedSemaphores<K> {
    fn new(permits: usize) -> Self {
        KeyedSemaphores {
            permits: permits.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, key: &K) -> Arc<Semaphore> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.permits)))
            .clone()
    }

    /// Forgets the key's semaphore if only the map still refers to it.
    fn release(&self, key: &K) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(key).is_some_and(|s| Arc::strong_count(s) == 1) {
            map.remove(key);
        }
    }

    fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

pub struct Politeness {
    per_ip: KeyedSemaphores<IpAddr>,
    per_site: KeyedSemaphores<String>,
    rate: DefaultKeyedRateLimiter<IpAddr>,
    jitter: Duration,
    acquisitions: AtomicU64,
}

/// The right to send one request; the slots are given back when it is dropped.
pub struct Permit<'a> {
    politeness: &'a Politeness,
    ip: IpAddr,
    site: Option<String>,
    ip_permit: Option<OwnedSemaphorePermit>,
    site_permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.ip_permit.take();
        self.politeness.per_ip.release(&self.ip);
        if let Some(site) = &self.site {
            self.site_permit.take();
            self.politeness.per_site.release(site);
        }
    }
}

impl Politeness {
    pub fn new(config: &PolitenessConfig) -> Politeness {
        let rate = config.per_ip_rate.max(0.001);
        let period = Duration::from_secs_f64(1.0 / rate);
        let burst =
            NonZeroU32::new(config.per_ip_concurrency.max(1) as u32).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Politeness {
            per_ip: KeyedSemaphores::new(config.per_ip_concurrency),
            per_site: KeyedSemaphores::new(config.per_site_concurrency),
            rate: RateLimiter::keyed(quota),
            jitter: period / 4,
            acquisitions: AtomicU64::new(0),
        }
    }

    /// Waits until a request to `ip`, for a host of `site`, is allowed.
    pub async fn acquire(&self, ip: IpAddr, site: Option<&str>) -> Permit<'_> {
        let mut permit = Permit {
            politeness: self,
            ip,
            site: site.map(str::to_owned),
            ip_permit: None,
            site_permit: None,
        };
        // The site slot first, then the address slot: every request takes them in this order,
        // so two requests never wait on each other's slots.
        if let Some(site) = site {
            let semaphore = self.per_site.semaphore(&site.to_owned());
            permit.site_permit = semaphore.acquire_owned().await.ok();
        }
        let semaphore = self.per_ip.semaphore(&ip);
        permit.ip_permit = semaphore.acquire_owned().await.ok();
        self.rate
            .until_key_ready_with_jitter(&ip, Jitter::up_to(self.jitter))
            .await;
        if self.acquisitions.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.rate.retain_recent();
            self.rate.shrink_to_fit();
        }
        permit
    }

    /// How many addresses and sites currently have a slot in use or awaited.
    pub fn tracked(&self) -> (usize, usize) {
        (self.per_ip.len(), self.per_site.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrency_per_address_is_bounded_and_keys_are_forgotten() {
        let p = Politeness::new(&PolitenessConfig {
            per_ip_concurrency: 2,
            per_ip_rate: 1000.0,
            per_site_concurrency: 10,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = p.acquire(ip, Some("example.com")).await;
        let b = p.acquire(ip, Some("example.com")).await;
        let third = tokio::time::timeout(Duration::from_millis(50), p.acquire(ip, None)).await;
        assert!(
            third.is_err(),
            "a third request to the same address must wait"
        );
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        drop(
            tokio::time::timeout(Duration::from_millis(50), p.acquire(other, None))
                .await
                .unwrap(),
        );
        drop((a, b));
        assert_eq!(p.tracked(), (0, 0));
    }
}
