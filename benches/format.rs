//! Criterion benchmarks of the format engine.
//!
//! - `corpus/*`: parse, validate, and both, over all 206 files of `tests/corpus`; the throughput
//!   is in files, so criterion's `thrpt` is files per second (its inverse is the time per file).
//! - `scaling/*`: one hostile file (many repeated fields, long lines) at 1x, 8x and 64x its size;
//!   throughput is in bytes, so a flat `thrpt` across sizes shows the engine is linear.
//!
//! Run with `cargo bench --bench format`; compare runs of the same session, not absolute times.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use disclose::format::{self, Context, Timestamp};
use std::hint::black_box;
use std::path::Path;

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn context() -> Context {
    let mut ctx = Context::at(Timestamp::parse_rfc3339("2026-11-22T00:00:00Z").unwrap());
    ctx.requested_url = Some("https://example.test/.well-known/security.txt".into());
    ctx
}

fn bench_corpus(c: &mut Criterion) {
    let files = corpus();
    let ctx = context();
    let docs: Vec<_> = files.iter().map(|f| format::parse(f)).collect();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for f in &files {
                black_box(format::parse(black_box(f)));
            }
        })
    });
    group.bench_function("validate", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(format::validate(black_box(d), &ctx));
            }
        })
    });
    group.bench_function("parse+validate", |b| {
        b.iter(|| {
            for f in &files {
                black_box(format::check(black_box(f), &ctx));
            }
        })
    });
    group.finish();
}

fn hostile(copies: usize) -> Vec<u8> {
    let block = "Contact: mailto:security@example.test\n\
                 CSAF: https://example.test/.well-known/csaf/provider-metadata.json\n\
                 Expires: 2027-01-01T00:00:00Z\n\
                 Preferred-Languages: en, nl, de, fr, cz\n\
                 Acknowledgements: https://example.test/thanks\n\
                 # a comment line that is fairly long, to give the scanner some work to do\n";
    let long = format!("Policy: https://example.test/{}\n", "a".repeat(3000));
    (block.repeat(20) + &long).repeat(copies).into_bytes()
}

fn bench_scaling(c: &mut Criterion) {
    let ctx = context();
    let mut group = c.benchmark_group("scaling");
    for copies in [1, 8, 64] {
        let input = hostile(copies);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(copies), &input, |b, input| {
            b.iter(|| black_box(format::check(black_box(input), &ctx)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_corpus, bench_scaling);
criterion_main!(benches);
