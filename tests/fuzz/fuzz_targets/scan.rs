//! Fuzz target `scan`: the detector must never panic, and every finding's
//! span must lie within the input and on char boundaries, findings must be
//! sorted and non-overlapping, the verdict must agree with the findings, and
//! redaction / masked snippets must not panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rounds::phi::{Detector, masked_snippet, redact};
use std::sync::OnceLock;

static DETECTOR: OnceLock<Detector> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let det = DETECTOR.get_or_init(Detector::builtin);
    let scan = det.scan(text);
    let mut prev_end = 0;
    for f in &scan.findings {
        assert!(f.span.start < f.span.end, "empty span");
        assert!(f.span.end <= text.len(), "span out of bounds");
        assert!(
            text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end),
            "span not on char boundary"
        );
        assert!(f.span.start >= prev_end, "findings overlap or are unsorted");
        assert!((0.0..=1.0).contains(&f.confidence));
        prev_end = f.span.end;
    }
    assert_eq!(scan.flagged, !scan.findings.is_empty());
    assert_eq!(scan.flagged, scan.severity.is_some());
    let _ = redact(text, &scan.findings);
    let s = masked_snippet(text, &scan.findings, 120);
    assert!(s.chars().count() <= 120);
});
