//! A fixed-size Bloom filter of the domains a run has recorded or claimed. It answers "certainly
//! not seen" for almost every new domain without a store read; only a "maybe" asks the store,
//! which stays the memory of what was done. Its size does not depend on the list, so memory
//! stays flat: past some ten million domains it answers "maybe" more often and the crawl simply
//! asks the store more often.

use std::hash::{BuildHasher, RandomState};

/// 2^25 bits: 4 MiB. Ten million domains still leave three quarters of the answers "no".
const BITS_LOG2: u32 = 25;
/// Bits set per domain: optimal for about six million domains in 2^25 bits.
const PROBES: u64 = 4;

pub struct Seen {
    words: Vec<u64>,
    hasher: RandomState,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            words: vec![0; 1 << (BITS_LOG2 - 6)],
            hasher: RandomState::new(),
        }
    }
}

/// The bit positions of `domain`, by double hashing one 64-bit hash.
fn positions(hasher: &RandomState, domain: &str) -> impl Iterator<Item = usize> {
    let hash = hasher.hash_one(domain);
    let (first, step) = (hash & 0xffff_ffff, (hash >> 32) | 1);
    let mask = (1u64 << BITS_LOG2) - 1;
    (0..PROBES).map(move |i| (first.wrapping_add(i.wrapping_mul(step)) & mask) as usize)
}

impl Seen {
    pub fn insert(&mut self, domain: &str) {
        for bit in positions(&self.hasher, domain) {
            self.words[bit / 64] |= 1 << (bit % 64);
        }
    }

    /// False only when `domain` was never inserted.
    pub fn may_contain(&self, domain: &str) -> bool {
        positions(&self.hasher, domain).all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_inserted_is_always_found_and_little_else_is() {
        let mut seen = Seen::default();
        let inserted: Vec<String> = (0..200_000).map(|i| format!("d{i}.example")).collect();
        for d in &inserted {
            seen.insert(d);
        }
        assert!(inserted.iter().all(|d| seen.may_contain(d)));
        let false_positives = (0..200_000)
            .filter(|i| seen.may_contain(&format!("other{i}.example")))
            .count();
        // Expected about 0.0002 % at this fill; allow a wide margin for the random hash keys.
        assert!(false_positives < 20, "{false_positives}");
    }
}
