//! Criterion benchmarks of the hot stages, on the sample documents in `input/`: decoding,
//! normalising, sentence splitting, mention finding (the lexicon automata and patterns),
//! the whole analysis, the mapping to a document graph, and its RDF quads. The figures of
//! whole runs (MB/s, quads/s, peak memory, against ripgrep and jieba) come from
//! `bench/run.sh`; these say which stage a change made faster or slower.
//!
//!     cargo bench --bench stages

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zhitu::extract::{analyse, extract};
use zhitu::knowledge::Knowledge;
use zhitu::read::{decode, read_document};

fn stages(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let k = Knowledge::load(&root.join("ontology")).expect("the ontology folder loads");
    let mut files: Vec<_> = std::fs::read_dir(root.join("input"))
        .expect("input/ is there")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let docs: Vec<_> = files.iter().map(|f| read_document(f).unwrap()).collect();
    let total: u64 = bytes.iter().map(|b| b.len() as u64).sum();

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("decode", |b| {
        b.iter(|| bytes.iter().for_each(|x| drop(black_box(decode(x)))))
    });
    g.bench_function("normalize", |b| {
        b.iter(|| {
            docs.iter()
                .for_each(|d| drop(black_box(zhitu::normalize::normalize(&d.text))))
        })
    });
    let clean: Vec<_> = docs
        .iter()
        .map(|d| zhitu::normalize::normalize(&d.text))
        .collect();
    g.bench_function("sentences", |b| {
        b.iter(|| {
            clean
                .iter()
                .for_each(|n| drop(black_box(zhitu::sentence::split(n))))
        })
    });
    let sentences: Vec<_> = clean.iter().map(zhitu::sentence::split).collect();
    g.bench_function("mentions", |b| {
        b.iter(|| {
            clean
                .iter()
                .zip(&sentences)
                .for_each(|(n, s)| drop(black_box(zhitu::mention::find(n, s, &k))))
        })
    });
    g.bench_function("analyse", |b| {
        b.iter(|| {
            docs.iter()
                .for_each(|d| drop(black_box(analyse(&d.text, &k))))
        })
    });
    g.bench_function("extract", |b| {
        b.iter(|| docs.iter().for_each(|d| drop(black_box(extract(d, &k)))))
    });
    let graphs: Vec<_> = docs.iter().map(|d| extract(d, &k)).collect();
    g.bench_function("rdf", |b| {
        b.iter(|| {
            graphs.iter().for_each(|g| {
                drop(black_box(zhitu::rdf::document_quads(
                    g,
                    "bench",
                    &k.fingerprint,
                )))
            })
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
