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
//! - `detector`: trigger words (one lookup per token), shape facts
//!   (`shape`, one byte pass) and digit counts decide which rules run at all;
//!   digit runs are validated (`validate`);
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
mod shape;
pub mod types;
mod validate;
mod wordmap;

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

    /// (row name, message, expected kinds in order; empty = not flagged).
    type Row = (&'static str, &'static str, &'static [Kind]);

    fn check(rows: &[Row]) {
        let d = Detector::builtin();
        for (name, text, want) in rows {
            let s = d.scan(text);
            let got: Vec<Kind> = s.findings.iter().map(|f| f.kind).collect();
            assert_eq!(&got, want, "row {name}");
            assert_eq!(s.flagged, !want.is_empty(), "row {name}");
        }
    }

    #[test]
    fn basics() {
        check(&[
            (
                "nhs_with_label",
                "NHS no 452 601 8155 please chase",
                &[Kind::NhsNumber],
            ),
            (
                "title_name",
                "Mrs Gwendolyn Harker in bay 2 wants her TTO",
                &[Kind::Person],
            ),
            ("mrn", "MRN 48213907, 4 West, needs a line", &[Kind::Mrn]),
            ("dob", "DOB 07/06/1939, lives alone", &[Kind::Date]),
            ("age", "92yo with a #NOF for theatre", &[Kind::AgeOver89]),
            (
                "relative_phone",
                "wife's mobile is 07700 900123 if he deteriorates",
                &[Kind::Phone],
            ),
            (
                "email",
                "her email is k.marsh88@example.com",
                &[Kind::Email],
            ),
            (
                "postcode_address",
                "DN visit to 41 Marlowe Road, Stockport SK4 2PQ",
                &[Kind::Address, Kind::Postcode],
            ),
            (
                "ward_bed",
                "Ward 12 bed 4 needs a TTO",
                &[Kind::FacilityLocator],
            ),
            (
                "quasi",
                "the only pharmacist in Tobermory, 60s, came in with a STEMI on Sunday",
                &[Kind::Quasi],
            ),
        ]);
    }

    #[test]
    fn hard_negatives() {
        check(&[
            ("dose", "Gentamicin 5 mg/kg, max 480 mg", &[]),
            ("trial_id", "Still recruiting to NCT05012345?", &[]),
            ("bleep", "med reg bleep 2217, SHO 2231", &[]),
            (
                "switchboard",
                "switchboard is 0118 496 0000, ask for the reg",
                &[],
            ),
            ("public_line", "Samaritans 116 123 any time", &[]),
            ("own_gmc", "my GMC number is 7012345", &[]),
            ("exam_date", "MRCP Part 2 written is on 14/05", &[]),
            (
                "colleague",
                "Dr Adebayo Okafor was brilliant on nights",
                &[],
            ),
            ("eponym", "Guillain-Barré after campylobacter", &[]),
            (
                "placeholder",
                "Template: Mr X, 70M, NHS no 000 000 0000",
                &[],
            ),
            ("test_nhs", "Use test patient 999 000 0000", &[]),
            (
                "ssn_placeholder",
                "SSN 123-45-6789 in the training EHR",
                &[],
            ),
            ("test_card", "Test card 4111 1111 1111 1111", &[]),
            ("outward_codes", "L4 radiculopathy vs S1, B12 normal", &[]),
            ("age_89", "89F with delirium again", &[]),
            ("vague_case", "Man in his 80s, retired farmer, COPD", &[]),
            ("discord", "<@123456789012345678> see the pins", &[]),
        ]);
    }

    #[test]
    fn evasions() {
        check(&[
            (
                "zero_width",
                "49\u{200b}08 301 662 on the spine?",
                &[Kind::NhsNumber],
            ),
            (
                "fullwidth",
                "NHS no ４１３ １８６ ０９１０ not found",
                &[Kind::NhsNumber],
            ),
            ("devanagari", "UHID ४५६७८९२३ shifted to ICU", &[Kind::Mrn]),
            (
                "spelled",
                "four five two, six zero one, eight one five five please",
                &[Kind::NhsNumber],
            ),
            ("spaced", "4 5 2 6 0 1 8 1 5 5 on SCR", &[Kind::NhsNumber]),
            (
                "leet_digits",
                "no bot pls: 4l3 l86 O9l0 needs a CT",
                &[Kind::NhsNumber],
            ),
            (
                "homoglyph_name",
                "M\u{0430}rjorie Wh\u{0435}atley back in resus",
                &[Kind::Person],
            ),
            ("leet_name", "d4rren h0lden back with DKA", &[Kind::Person]),
            (
                "defanged_email",
                "jen dot wills at outlook dot com is her email",
                &[Kind::Email],
            ),
            (
                "defanged_ip",
                "portal logins from 198[.]51[.]100[.]77",
                &[Kind::IpAddress],
            ),
        ]);
    }

    #[test]
    fn regressions() {
        check(&[
            // A long digit id inside a social-media URL must not suppress the URL.
            (
                "url_with_snowflake",
                "my patient posted https://x.com/someone/status/1788812345678901234 about him",
                &[Kind::Url],
            ),
            // A QUASI must not swallow a bed finding inside it.
            (
                "quasi_split_by_bed",
                "The only woman officer posted in Dantewada, admitted with cerebral malaria, ICU bed 4",
                &[Kind::Quasi, Kind::FacilityLocator],
            ),
            // A licence number in brackets is not a phone number.
            (
                "licence_not_phone",
                "left his licence at triage (051 772 406)",
                &[Kind::License],
            ),
            // "Name (the one with …)" describes a patient.
            (
                "descriptor_the_one",
                "Our frequent flyer Shaun (the one with the PEG) is back",
                &[Kind::Person],
            ),
            // "aged 91" needs no trailing punctuation.
            (
                "aged_without_punctuation",
                "patient aged 91 with a UTI",
                &[Kind::AgeOver89],
            ),
            // A patient's name found once is masked wherever it recurs.
            (
                "repeated_name",
                "His wife Brenda rang again. Brenda is terrified, says Mr Ashdown",
                &[Kind::Person, Kind::Person, Kind::Person],
            ),
            // Lowercase words do not continue a capitalised name.
            (
                "title_stops_at_lowercase",
                "Mr Desmond Achterberg in bay 4",
                &[Kind::Person],
            ),
        ]);
    }

    fn temp_rules_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("phi-rules-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let src = Sources::builtin();
        for (name, text) in [
            (rules::RULES_FILE, &src.rules),
            (rules::NAMES_FILE, &src.names),
            (rules::QUASI_FILE, &src.quasi),
            (rules::FIRST_NAMES_FILE, &src.first_names),
            (rules::SURNAMES_FILE, &src.surnames),
            (NEVER_FLAG_FILE, &src.never_flag),
            (MUST_FLAG_FILE, &src.must_flag),
        ] {
            std::fs::write(dir.join(name), text).expect("write rule file");
        }
        dir
    }

    #[test]
    fn reload_keeps_previous_rules_on_error() {
        let dir = temp_rules_dir("reload");
        let handle = DetectorHandle::builtin();
        assert!(
            handle.reload_from(&dir).is_ok(),
            "a copy of the shipped rules must load"
        );
        let before = handle.current();
        // Break one rule's pattern: the reload is refused and names the file and rule.
        let rules_text = std::fs::read_to_string(dir.join(rules::RULES_FILE)).expect("read");
        let broken = rules_text.replacen(
            "pattern = '\\b(?P<id>\\d{3}-\\d{2}-\\d{4})\\b'",
            "pattern = '(?P<id>['",
            1,
        );
        assert_ne!(
            broken, rules_text,
            "test must actually break the ssn-formatted rule"
        );
        std::fs::write(dir.join(rules::RULES_FILE), broken).expect("write");
        let err = handle
            .reload_from(&dir)
            .expect_err("broken rules must be refused");
        let msg = err.to_string();
        assert!(
            msg.contains("rules.toml") && msg.contains("ssn-formatted"),
            "{msg}"
        );
        assert!(
            Arc::ptr_eq(&before, &handle.current()),
            "previous rules stay in force"
        );
        assert!(handle.current().scan("NHS no 452 601 8155").flagged);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn guard_failure_refuses_rule_set() {
        let dir = temp_rules_dir("guard");
        // A never-flag line that is in fact identifying must make loading fail.
        let mut never = std::fs::read_to_string(dir.join(NEVER_FLAG_FILE)).expect("read");
        never.push_str("NHS no 452 601 8155 is my favourite\n");
        std::fs::write(dir.join(NEVER_FLAG_FILE), never).expect("write");
        let err = Detector::from_dir(&dir).expect_err("guard must refuse");
        let msg = err.to_string();
        assert!(
            msg.contains("never_flag.txt") && !msg.contains("452 601"),
            "{msg}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

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
        assert!(
            f.explanation.contains("valid check digit"),
            "{}",
            f.explanation
        );
        assert!(
            !f.explanation.contains("943"),
            "explanation must not quote the match"
        );
        let clean = d.scan("INR 8.9, no bleeding. Oral vit K 1 mg?");
        assert!(!clean.flagged && clean.severity.is_none() && clean.findings.is_empty());
    }
}
