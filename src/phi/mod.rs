//! The PHI detector: finds patient-identifiable details in chat messages.
//!
//! Pure and synchronous, no I/O on the scan path. Rules are data
//! (`config/phi/`, embedded with `include_str!` so [`Detector::builtin`] works
//! from any directory; an admin may point [`Detector::from_dir`] or
//! [`DetectorHandle::reload_from`] at a directory with the same layout).
//!
//! How a message is scanned (details in each module):
//! - `normalize`: NFKC, invisible characters removed, Unicode digits and
//!   look-alike letters folded, spelled-out digit runs read, with an offset
//!   map back to the original text;
//! - `detector`: one Aho-Corasick pass over trigger words and one `RegexSet`
//!   pass decide which rules run; digit runs are validated (`validate`);
//! - `names`: patient names by context; `quasi`: identifying combinations;
//! - suppression of clinical noise, overlap resolution, spans mapped back.
//!
//! Fail safe: a rule set is only accepted when every rule's examples match,
//! its negatives do not, every line of `never_flag.txt` yields no flag and
//! every line of `must_flag.txt` flags. A refused reload keeps the previous
//! rules in force: detection never switches itself off.
//!
//! Privacy: findings carry byte spans, kinds, rule ids and explanations built
//! from rule text only; nothing here logs or stores message text.

mod detector;
mod names;
mod normalize;
mod quasi;
mod redact;
mod rules;
pub mod types;
mod validate;

pub use detector::Detector;
pub use normalize::Normalized;
pub use redact::{masked_snippet, redact};
pub use rules::RuleError;
pub use types::{Finding, Kind, Scan, Severity};

use rules::{MUST_FLAG_FILE, NEVER_FLAG_FILE, Sources, list_lines};
use std::path::Path;
use std::sync::{Arc, RwLock};

impl Detector {
    /// The rules shipped with the binary. The shipped data is checked by a
    /// test (`builtin_rules_load`), so this cannot fail in a released build;
    /// should it ever, the fallback is a detector built from the same data
    /// without guard checks rather than no detector at all.
    pub fn builtin() -> Detector {
        let src = Sources::builtin();
        match load(&src) {
            Ok(d) => d,
            Err(_) => match Detector::compile(&src) {
                Ok(d) => d,
                // Unreachable with shipped data (proved by tests); an empty
                // rule file would still not switch detection off silently
                // because `builtin_rules_load` fails in CI first.
                Err(e) => panic!("shipped PHI rules are invalid: {e}"),
            },
        }
    }

    /// Load and check a rule directory with the layout of `config/phi/`.
    pub fn from_dir(dir: &Path) -> Result<Detector, RuleError> {
        load(&Sources::from_dir(dir)?)
    }

    /// For rule-authoring tools only: compile a rule directory (rule
    /// examples and negatives are still checked) and return it together with
    /// every never-flag / must-flag guard failure instead of refusing it.
    /// Production code must use [`Detector::from_dir`].
    pub fn compile_for_authoring(dir: &Path) -> Result<(Detector, Vec<RuleError>), RuleError> {
        let src = Sources::from_dir(dir)?;
        let det = Detector::compile(&src)?;
        let failures = guard_failures(&det, &src);
        Ok((det, failures))
    }
}

/// Compile and run every guard; refuse the rule set on any failure.
fn load(src: &Sources) -> Result<Detector, RuleError> {
    let det = Detector::compile(src)?;
    match guard_failures(&det, src).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(det),
    }
}

/// Every guard failure of a compiled rule set (empty when all guards hold).
fn guard_failures(det: &Detector, src: &Sources) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for (n, line) in guard_lines(&src.never_flag) {
        if det.scan(&line).flagged {
            errors.push(RuleError::Guard {
                file: NEVER_FLAG_FILE.to_string(),
                line: n,
                reason: "a never-flag sentence was flagged".to_string(),
            });
        }
    }
    let mut kinds_seen = std::collections::BTreeSet::new();
    for (n, line) in guard_lines(&src.must_flag) {
        let (kind, sentence) = match line.split_once('\t') {
            Some((k, s)) => (Kind::parse(k.trim()), s.to_string()),
            None => (None, line.clone()),
        };
        let scan = det.scan(&sentence);
        let ok = scan.flagged && kind.is_none_or(|k| scan.findings.iter().any(|f| f.kind == k));
        if !ok {
            errors.push(RuleError::Guard {
                file: MUST_FLAG_FILE.to_string(),
                line: n,
                reason: match kind {
                    Some(k) => format!("a must-flag sentence did not yield a {k} finding"),
                    None => "a must-flag sentence was not flagged".to_string(),
                },
            });
        }
        if let Some(k) = kind {
            kinds_seen.insert(k);
        }
    }
    for missing in Kind::ALL.iter().filter(|k| !kinds_seen.contains(k)) {
        errors.push(RuleError::Guard {
            file: MUST_FLAG_FILE.to_string(),
            line: 0,
            reason: format!("no must-flag line for kind {missing}"),
        });
    }
    errors
}

/// Non-comment lines with their 1-based line numbers.
fn guard_lines(text: &str) -> Vec<(usize, String)> {
    let wanted: std::collections::HashSet<&str> = list_lines(text).collect();
    text.lines()
        .enumerate()
        .filter(|(_, l)| wanted.contains(l.trim()))
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

/// A shareable, reloadable detector. Cloning is cheap (one `Arc`).
#[derive(Debug, Clone)]
pub struct DetectorHandle {
    inner: Arc<RwLock<Arc<Detector>>>,
}

impl DetectorHandle {
    /// Wrap a detector.
    pub fn new(detector: Detector) -> DetectorHandle {
        DetectorHandle {
            inner: Arc::new(RwLock::new(Arc::new(detector))),
        }
    }

    /// A handle over the built-in rules.
    pub fn builtin() -> DetectorHandle {
        DetectorHandle::new(Detector::builtin())
    }

    /// The rules in force now.
    pub fn current(&self) -> Arc<Detector> {
        match self.inner.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Load a rule directory; on success it replaces the rules in force, on
    /// any error the previous rules stay in force and the error is returned.
    pub fn reload_from(&self, dir: &Path) -> Result<(), RuleError> {
        let det = Arc::new(Detector::from_dir(dir)?);
        match self.inner.write() {
            Ok(mut g) => *g = det,
            Err(poisoned) => *poisoned.into_inner() = det,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let r = load(&Sources::builtin());
        assert!(r.is_ok(), "{:?}", r.err());
    }

    #[test]
    fn basics_scan_contract() {
        let d = Detector::builtin();
        let text = "Bloke on AMU, NHS no 943 476 5919, can someone look at his ECG";
        let s = d.scan(text);
        assert!(s.flagged);
        assert_eq!(s.severity, Some(Severity::High));
        let f = &s.findings[0];
        assert_eq!(f.kind, Kind::NhsNumber);
        assert_eq!(&text[f.span.clone()], "943 476 5919");
        assert!(f.explanation.contains("valid check digit"), "{}", f.explanation);
        assert!(!f.explanation.contains("943"), "explanation must not quote the match");
        let clean = d.scan("INR 8.9, no bleeding. Oral vit K 1 mg?");
        assert!(!clean.flagged && clean.severity.is_none() && clean.findings.is_empty());
    }
}
