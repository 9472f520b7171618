//! Admin subcommands that work without a chat platform: `rounds scan` (the
//! detector on files or JSON lines) and `rounds guidance …`. `main.rs` parses
//! the arguments and calls these.
//!
//! `scan` prints findings redacted unless `--show` is given: the raw spans
//! are for local checking by the person who owns the text.

use crate::guidance::{self, Library, SearchIndex};
use crate::phi::{Detector, Scan, redact};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

/// Options of `rounds scan`.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Print the raw matched spans (local checking only).
    pub show: bool,
    /// Input is JSON lines with `id` and `text`; output is one JSON line each.
    pub jsonl: bool,
    /// Print messages/s and MB/s to stderr.
    pub stats: bool,
}

#[derive(Deserialize)]
struct JsonlIn {
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct JsonlOut<'a> {
    id: &'a serde_json::Value,
    flagged: bool,
    severity: Option<&'static str>,
    spans: Vec<(usize, usize, &'static str)>,
}

fn read_input(path: Option<&Path>) -> Result<String> {
    match path {
        None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .context("reading stdin")?;
            Ok(s)
        }
        Some(p) if p.as_os_str() == "-" => read_input(None),
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
        }
    }
}

/// `rounds scan [FILE|-] [--jsonl] [--show] [--stats]`. Returns whether anything was flagged.
pub fn scan(
    detector: &Detector,
    path: Option<&Path>,
    opts: &ScanOptions,
    out: &mut impl Write,
) -> Result<bool> {
    let input = read_input(path)?;
    let mut any = false;
    if opts.jsonl {
        let mut items = Vec::new();
        for (n, line) in input.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            // The error names the line, never its content.
            let item: JsonlIn = serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!(
                    "line {}: not a JSON object with `id` and `text` ({})",
                    n + 1,
                    format!("{:?}", e.classify()).to_lowercase()
                )
            })?;
            items.push(item);
        }
        let bytes: usize = items.iter().map(|i| i.text.len()).sum();
        let started = Instant::now();
        let scans: Vec<Scan> = items.iter().map(|i| detector.scan(&i.text)).collect();
        let elapsed = started.elapsed();
        for (item, scan) in items.iter().zip(&scans) {
            any |= scan.flagged;
            let line = JsonlOut {
                id: &item.id,
                flagged: scan.flagged,
                severity: scan.severity.map(|s| s.as_str()),
                spans: scan
                    .findings
                    .iter()
                    .map(|f| (f.span.start, f.span.end, f.kind.as_str()))
                    .collect(),
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        if opts.stats {
            print_stats(items.len(), bytes, elapsed);
            let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
            if let Some(steady) = steady_stats(detector, &texts) {
                eprintln!("{steady}");
            }
        }
        return Ok(any);
    }
    let started = Instant::now();
    let scan = detector.scan(&input);
    let elapsed = started.elapsed();
    any = scan.flagged;
    match scan.severity.filter(|_| scan.flagged) {
        None => writeln!(out, "not flagged ({} findings)", scan.findings.len())?,
        Some(sev) => writeln!(
            out,
            "flagged: severity {sev}, {} findings",
            scan.findings.len()
        )?,
    }
    for f in &scan.findings {
        let shown = if opts.show {
            input[f.span.clone()].to_string()
        } else {
            redact(
                &input[f.span.clone()],
                &[crate::phi::Finding {
                    span: 0..f.span.len(),
                    ..f.clone()
                }],
            )
        };
        writeln!(
            out,
            "  {}..{}  {:<16} {:.2}  {:<24} “{}” — {}",
            f.span.start,
            f.span.end,
            f.kind.as_str(),
            f.confidence,
            f.rule_id,
            shown,
            f.explanation
        )?;
    }
    if !opts.show && scan.flagged {
        writeln!(out, "redacted: {}", redact(&input, &scan.findings))?;
    }
    if opts.stats {
        print_stats(1, input.len(), elapsed);
    }
    Ok(any)
}

fn print_stats(messages: usize, bytes: usize, elapsed: std::time::Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "scanned {messages} messages ({:.2} MB) in {:.3} ms: {:.0} messages/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        secs * 1e3,
        messages as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

/// Steady-state figures for `--stats`.
#[derive(Debug, Clone, PartialEq)]
struct SteadyStats {
    passes: usize,
    messages_per_s: f64,
    mb_per_s: f64,
    /// Per-message latency percentiles, in microseconds.
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
}

impl std::fmt::Display for SteadyStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "steady state over {} passes: {:.0} messages/s, {:.1} MB/s; per message p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            self.passes, self.messages_per_s, self.mb_per_s, self.p50_us, self.p99_us, self.max_us
        )
    }
}

/// Scan the input again, pass after pass (about a second: at least 3, at most
/// 50 passes), timing every message, so `--stats` shows the warm throughput and
/// per-message latency a long-running bot sees (the first pass also pays for
/// the regex engines' cache warm-up). `None` for empty input.
fn steady_stats(detector: &Detector, texts: &[&str]) -> Option<SteadyStats> {
    if texts.is_empty() {
        return None;
    }
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let mut latencies: Vec<std::time::Duration> = Vec::new();
    let started = Instant::now();
    let mut passes = 0usize;
    while passes < 50 && (passes < 3 || started.elapsed().as_secs_f64() < 1.0) {
        for t in texts {
            let t0 = Instant::now();
            std::hint::black_box(detector.scan(std::hint::black_box(t)));
            latencies.push(t0.elapsed());
        }
        passes += 1;
    }
    let total: f64 = latencies
        .iter()
        .map(|d| d.as_secs_f64())
        .sum::<f64>()
        .max(1e-9);
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1e6
    };
    Some(SteadyStats {
        passes,
        messages_per_s: latencies.len() as f64 / total,
        mb_per_s: (bytes * passes) as f64 / 1e6 / total,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        max_us: pct(1.0),
    })
}

/// `rounds guidance check [DIR]`: validate every topic file.
pub fn guidance_check(dir: Option<&Path>, out: &mut impl Write) -> Result<()> {
    let lib = match dir {
        Some(d) => Library::load_dir(d).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Library::builtin().map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let today = chrono::Utc::now().date_naive();
    writeln!(out, "{} topics valid", lib.topics().len())?;
    for t in guidance::overdue(&lib, today) {
        writeln!(
            out,
            "warning: {} is past its review date ({})",
            t.slug, t.review_by
        )?;
    }
    Ok(())
}

/// The library for CLI use: a directory or the built-in content.
pub fn guidance_library(dir: Option<&Path>) -> Result<Library> {
    match dir {
        Some(d) => Library::load_dir(d).map_err(|e| anyhow::anyhow!("{e}")),
        None => Library::builtin().map_err(|e| anyhow::anyhow!("{e}")),
    }
}

/// `rounds guidance show SLUG [--jurisdiction J]`.
pub fn guidance_show(lib: &Library, slug: &str, jurisdiction: Option<&str>) -> Result<String> {
    let j = match jurisdiction {
        Some(j) => Some(
            j.parse::<guidance::Jurisdiction>()
                .map_err(|_| anyhow::anyhow!("unknown jurisdiction `{j}` (uk, us, ca, au, ie)"))?,
        ),
        None => None,
    };
    match lib.get(slug) {
        Some(t) => Ok(guidance::render_topic(t, j)),
        None => bail!(
            "no topic `{slug}`; topics: {}",
            lib.topics()
                .iter()
                .map(|t| t.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `rounds guidance ask "question" [--json]`.
pub fn guidance_ask(lib: &Library, question: &str, json: bool) -> Result<String> {
    let index = SearchIndex::new(lib);
    let r = index.search(question);
    let alternatives: Vec<&str> = r
        .ranked
        .iter()
        .map(|(s, _)| s.as_str())
        .filter(|s| Some(*s) != r.best.as_deref())
        .take(3)
        .collect();
    if json {
        return Ok(serde_json::json!({
            "topic": r.best,
            "confidence": (r.confidence * 1000.0).round() / 1000.0,
            "alternatives": alternatives,
        })
        .to_string());
    }
    Ok(match r.best.as_deref().and_then(|s| lib.get(s)) {
        Some(t) => guidance::render_topic(t, None),
        None => {
            let closest: Vec<&guidance::Topic> =
                r.top(3).into_iter().filter_map(|s| lib.get(s)).collect();
            guidance::render_not_sure(&closest)
        }
    })
}

/// Read lines of a file for tests and tools (kept small and explicit).
pub fn read_lines(path: &Path) -> Result<Vec<String>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    std::io::BufReader::new(f)
        .lines()
        .map(|l| l.map_err(Into::into))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_json_shape() {
        let lib = Library::builtin().unwrap();
        let out = guidance_ask(&lib, "can I friend a patient on facebook", true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["topic"], "patient-boundaries");
        assert!(v["confidence"].as_f64().unwrap() > 0.0);
        assert_eq!(v["alternatives"].as_array().unwrap().len(), 3);
        let none = guidance_ask(&lib, "best pizza near me", true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&none).unwrap();
        assert!(v["topic"].is_null());
    }

    #[test]
    fn scan_jsonl_offsets_are_bytes_into_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.jsonl");
        let text = "Pt Ω, NHS no 943 476 5919 — thoughts?";
        std::fs::write(
            &p,
            format!("{}\n", serde_json::json!({"id": "a", "text": text})),
        )
        .unwrap();
        let mut out = Vec::new();
        let flagged = scan(
            &Detector::builtin(),
            Some(&p),
            &ScanOptions {
                jsonl: true,
                ..Default::default()
            },
            &mut out,
        )
        .unwrap();
        assert!(flagged);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let span = &v["spans"][0];
        let (s, e) = (
            span[0].as_u64().unwrap() as usize,
            span[1].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..e], "943 476 5919");
        assert_eq!(span[2], "NHS_NUMBER");
    }

    #[test]
    fn steady_stats_time_every_message_of_every_pass() {
        let det = Detector::builtin();
        assert!(steady_stats(&det, &[]).is_none());
        let s = steady_stats(&det, &["NHS no 943 476 5919", "INR 8.9, no bleeding"]).unwrap();
        assert!((3..=50).contains(&s.passes), "{s}");
        assert!(s.messages_per_s > 0.0 && s.mb_per_s > 0.0, "{s}");
        assert!(s.p50_us <= s.p99_us && s.p99_us <= s.max_us, "{s}");
        let line = s.to_string();
        assert!(
            line.contains("messages/s") && line.contains("p99"),
            "{line}"
        );
        assert!(!line.contains("943"), "stats never quote input: {line}");
    }

    #[test]
    fn scan_redacts_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.txt");
        std::fs::write(&p, "NHS no 943 476 5919").unwrap();
        let mut out = Vec::new();
        scan(
            &Detector::builtin(),
            Some(&p),
            &ScanOptions::default(),
            &mut out,
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains("476 5919"), "{s}");
        let mut out = Vec::new();
        scan(
            &Detector::builtin(),
            Some(&p),
            &ScanOptions {
                show: true,
                ..Default::default()
            },
            &mut out,
        )
        .unwrap();
        assert!(String::from_utf8(out).unwrap().contains("943 476 5919"));
    }

    #[test]
    fn bad_jsonl_names_the_line_not_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.jsonl");
        std::fs::write(
            &p,
            "{\"id\":1,\"text\":\"ok\"}\nMr Secretname 943 476 5919\n",
        )
        .unwrap();
        let mut out = Vec::new();
        let err = scan(
            &Detector::builtin(),
            Some(&p),
            &ScanOptions {
                jsonl: true,
                ..Default::default()
            },
            &mut out,
        )
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("line 2") && !msg.contains("Secretname"),
            "{msg}"
        );
    }
}
