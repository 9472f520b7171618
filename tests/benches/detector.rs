//! Criterion benchmark of `Detector::scan` over the PHI dev corpus.
//!
//! Construction is excluded from the timed loop. Before timing, the bench
//! asserts the total number of findings and flagged messages, so a fast but
//! wrong detector fails instead of reporting a good number. Update the two
//! expected counts deliberately when the rules change (they are printed on
//! mismatch). Throughput is reported in messages per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rounds::phi::Detector;
use std::hint::black_box;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/phi-dev.jsonl"
);

/// Expected totals over the dev corpus with the shipped rules.
const EXPECTED_FINDINGS: usize = 237;
const EXPECTED_FLAGGED: usize = 155;

fn messages() -> Vec<String> {
    let raw = std::fs::read_to_string(CORPUS)
        .unwrap_or_else(|e| panic!("PHI corpus missing at {CORPUS}: {e}"));
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad corpus line: {e}"));
            v["text"]
                .as_str()
                .unwrap_or_else(|| panic!("corpus line without text"))
                .to_string()
        })
        .collect()
}

fn bench_scan(c: &mut Criterion) {
    let det = Detector::builtin();
    let msgs = messages();
    let (findings, flagged) = msgs.iter().fold((0, 0), |(f, g), m| {
        let s = det.scan(m);
        (f + s.findings.len(), g + usize::from(s.flagged))
    });
    assert_eq!(
        (findings, flagged),
        (EXPECTED_FINDINGS, EXPECTED_FLAGGED),
        "detector output changed: (findings, flagged) over the dev corpus"
    );
    let mut group = c.benchmark_group("phi");
    group.throughput(Throughput::Elements(msgs.len() as u64));
    group.bench_function("scan_dev_corpus", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for m in &msgs {
                n += det.scan(black_box(m)).findings.len();
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
