//! Criterion benchmark of signature verification: verifications per second for a Cv25519
//! (Ed25519) signature made here and an RSA one from the corpus (file 009 with its key). Each
//! iteration reads the signature packets and checks them against the candidate key, then
//! judges the key, as the crawler does for each signed file.
//!
//! Run with `cargo bench --bench verify`; criterion's `thrpt` is verifications per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use disclose::format::{self, Timestamp};
use disclose::lab::signing::SigningKey;
use disclose::signature::keys::read_certs;
use disclose::signature::verify::{Candidate, signatures, verdict};
use disclose::signature::{Independence, KeySource, KeySourceKind};
use std::hint::black_box;
use std::path::Path;
use std::time::SystemTime;

fn candidates(key: &[u8]) -> Vec<Candidate> {
    read_certs(key)
        .unwrap()
        .into_iter()
        .map(|cert| Candidate {
            cert,
            source: KeySource {
                kind: KeySourceKind::Keyring,
                location: "bench".into(),
            },
            independence: Independence::Pinned,
        })
        .collect()
}

fn bench_verify(c: &mut Criterion) {
    let now = Timestamp::parse_rfc3339("2026-11-22T00:00:00Z").unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");

    let key = SigningKey::generate("<security@example.test>", SystemTime::now(), None).unwrap();
    let body = b"Contact: mailto:security@example.test\nExpires: 2027-06-01T00:00:00Z\n";
    let cv25519 = (
        key.sign(body, SystemTime::now()).unwrap(),
        candidates(&key.public_armored()),
    );
    let rsa = (
        std::fs::read(corpus.join("009.txt")).unwrap(),
        candidates(&std::fs::read(corpus.join("009.key.asc")).unwrap()),
    );

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    for (name, (file, keys)) in [("cv25519", &cv25519), ("rsa", &rsa)] {
        let doc = format::parse(file);
        let verdict_name = verdict(&doc, &signatures(&doc).unwrap(), keys, vec![], now).name();
        assert_eq!(verdict_name, "verified", "{name}");
        group.bench_function(name, |b| {
            b.iter(|| {
                let sigs = signatures(black_box(&doc)).unwrap();
                black_box(verdict(&doc, &sigs, keys, vec![], now))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
