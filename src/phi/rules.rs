//! Rule files: parsing, compilation and the error type.
//!
//! Job: turn the data files of `config/phi/` (or an admin override directory
//! with the same layout) into compiled rules. Every error names the file, the
//! rule id (when there is one) and what failed; error text never contains
//! message text, only the rule's own patterns and example strings.
//!
//! Pattern dialect: Rust `regex` syntax over the *normalised* text (see
//! `normalize.rs`), with two conveniences applied before compiling:
//! `\b` means an ASCII word boundary, `\d` an ASCII digit and `\s` ASCII
//! whitespace (the normalised text folds other spaces), so the lazy DFA stays
//! small and usable on non-ASCII messages.

use super::types::Kind;
use super::validate::Validator;
use serde::Deserialize;
use std::path::Path;

/// Why a rule set was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum RuleError {
    /// A file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    /// A file is not valid TOML or does not fit the schema.
    #[error("{file}: invalid rule file: {reason}")]
    Parse { file: String, reason: String },
    /// One rule is wrong (bad kind, pattern, validator, example…).
    #[error("{file}: rule '{rule}': {reason}")]
    Rule {
        file: String,
        rule: String,
        reason: String,
    },
    /// A never-flag or must-flag guard line failed (line number only).
    #[error("{file}: line {line}: {reason}")]
    Guard {
        file: String,
        line: usize,
        reason: String,
    },
}

/// Matching engine of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// A regex over the normalised text; the `id` group (or the whole match) is the span.
    #[default]
    Regex,
    /// Digit runs (digits joined across spaces, dots, dashes, line breaks,
    /// zero-width characters, and letter-for-digit look-alikes).
    Digits,
    /// The name recogniser (`names.rs`), configured by `names.toml`.
    Person,
    /// The combination scorer (`quasi.rs`), configured by `quasi.toml`.
    Quasi,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub engine: Engine,
    #[serde(default)]
    pub pattern: String,
    /// Digit engine: allowed digit counts.
    #[serde(default)]
    pub lengths: Vec<usize>,
    /// Trigger words (whole words, case-insensitive) that tie the match to its kind.
    #[serde(default)]
    pub context: Vec<String>,
    /// How many bytes before the match a trigger may end.
    #[serde(default = "default_before")]
    pub before: usize,
    /// How many bytes after the match a trigger may start.
    #[serde(default)]
    pub after: usize,
    #[serde(default)]
    pub require_context: bool,
    /// Gate words (substring triggers, case-insensitive): the rule only runs
    /// on messages holding at least one of them. Purely a speed-up; it must
    /// never exclude a message the pattern could match.
    #[serde(default)]
    pub gate: Vec<String>,
    /// The rule only runs on messages with at least this many ASCII digits
    /// (after normalisation). Defaults to 0 (1 for the digits engine).
    #[serde(default)]
    pub min_digits: Option<usize>,
    /// Shapes (see `shape.rs`), any one of which every match of the pattern
    /// needs: the rule only runs on messages holding one. Like `gate`, purely
    /// a speed-up that must never exclude a message the pattern could match.
    #[serde(default)]
    pub shape: Vec<String>,
    /// With both `gate` and `shape`: every match holds a gate word OR a
    /// shape (e.g. a month name or a numeric date), rather than both.
    #[serde(default)]
    pub gate_or_shape: bool,
    /// Words that veto the match when found within `avoid_before` bytes
    /// before or `avoid_after` bytes after it (or overlapping it).
    #[serde(default)]
    pub avoid: Vec<String>,
    #[serde(default = "default_avoid_before")]
    pub avoid_before: usize,
    #[serde(default = "default_avoid_after")]
    pub avoid_after: usize,
    #[serde(default)]
    pub validator: String,
    pub confidence: f32,
    /// Confidence when no trigger word is near (rules with optional context).
    #[serde(default)]
    pub confidence_no_context: Option<f32>,
    pub explanation: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negatives: Vec<String>,
}

fn default_before() -> usize {
    40
}

fn default_avoid_before() -> usize {
    60
}

fn default_avoid_after() -> usize {
    30
}

/// A suppression rule: spans of clinical noise that no finding may overlap.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressSpec {
    pub id: String,
    pub pattern: String,
    /// Kinds it suppresses; empty means every kind except QUASI and PERSON.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Speed-ups with the meaning they have for rules: the suppressor only
    /// runs on messages holding one of these gate words / shapes, each a
    /// necessary condition of its pattern.
    #[serde(default)]
    pub gate: Vec<String>,
    #[serde(default)]
    pub shape: Vec<String>,
    #[serde(default)]
    pub gate_or_shape: bool,
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A whole rule file (`rules.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
    #[serde(default)]
    pub suppress: Vec<SuppressSpec>,
}

/// Raw contents of every data file, read from disk or embedded.
#[derive(Debug, Clone)]
pub struct Sources {
    pub rules: String,
    pub names: String,
    pub quasi: String,
    pub first_names: String,
    pub surnames: String,
    pub never_flag: String,
    pub must_flag: String,
}

/// File names of the layout (relative to the rules directory).
pub const RULES_FILE: &str = "rules.toml";
pub const NAMES_FILE: &str = "names.toml";
pub const QUASI_FILE: &str = "quasi.toml";
pub const FIRST_NAMES_FILE: &str = "first_names.txt";
pub const SURNAMES_FILE: &str = "surnames.txt";
pub const NEVER_FLAG_FILE: &str = "never_flag.txt";
pub const MUST_FLAG_FILE: &str = "must_flag.txt";

impl Sources {
    /// The rules shipped inside the binary.
    pub fn builtin() -> Sources {
        Sources {
            rules: include_str!("../../config/phi/rules.toml").to_string(),
            names: include_str!("../../config/phi/names.toml").to_string(),
            quasi: include_str!("../../config/phi/quasi.toml").to_string(),
            first_names: include_str!("../../config/phi/first_names.txt").to_string(),
            surnames: include_str!("../../config/phi/surnames.txt").to_string(),
            never_flag: include_str!("../../config/phi/never_flag.txt").to_string(),
            must_flag: include_str!("../../config/phi/must_flag.txt").to_string(),
        }
    }

    /// Read the same layout from a directory.
    pub fn from_dir(dir: &Path) -> Result<Sources, RuleError> {
        let read = |name: &str| -> Result<String, RuleError> {
            std::fs::read_to_string(dir.join(name)).map_err(|e| RuleError::Read {
                file: name.to_string(),
                reason: e.kind().to_string(),
            })
        };
        Ok(Sources {
            rules: read(RULES_FILE)?,
            names: read(NAMES_FILE)?,
            quasi: read(QUASI_FILE)?,
            first_names: read(FIRST_NAMES_FILE)?,
            surnames: read(SURNAMES_FILE)?,
            never_flag: read(NEVER_FLAG_FILE)?,
            must_flag: read(MUST_FLAG_FILE)?,
        })
    }
}

/// Parse a TOML file into `T`, naming the file on error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, RuleError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        RuleError::Parse {
            file: file.to_string(),
            reason: match line {
                Some(l) => format!("line {l}: {}", e.message()),
                None => e.message().to_string(),
            },
        }
    })
}

/// Apply the dialect conveniences (`\b` → ASCII boundary, `\d` → ASCII digit).
pub fn dialect(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some('d') => out.push_str("[0-9]"),
                // The normalised text has only ASCII spacing (other spaces are folded).
                Some('s') => out.push_str("[\\t\\n\\x0B\\x0C\\r ]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Compile one pattern, naming the file and rule on error.
pub fn compile_regex(file: &str, rule: &str, pattern: &str) -> Result<regex::Regex, RuleError> {
    regex::RegexBuilder::new(&dialect(pattern))
        .size_limit(50 << 20)
        .dfa_size_limit(20 << 20)
        .build()
        .map_err(|e| RuleError::Rule {
            file: file.to_string(),
            rule: rule.to_string(),
            reason: format!("bad pattern: {}", first_line(&e.to_string())),
        })
}

fn first_line(s: &str) -> String {
    s.lines()
        .last()
        .unwrap_or("")
        .trim()
        .chars()
        .take(160)
        .collect()
}

/// Parse a kind label, naming the file and rule on error.
pub fn parse_kind(file: &str, rule: &str, label: &str) -> Result<Kind, RuleError> {
    Kind::parse(label).ok_or_else(|| RuleError::Rule {
        file: file.to_string(),
        rule: rule.to_string(),
        reason: format!("unknown kind '{label}'"),
    })
}

/// Parse a validator name, naming the file and rule on error.
pub fn parse_validator(file: &str, rule: &str, name: &str) -> Result<Validator, RuleError> {
    Validator::parse(name).ok_or_else(|| RuleError::Rule {
        file: file.to_string(),
        rule: rule.to_string(),
        reason: format!("unknown validator '{name}'"),
    })
}

/// Lines of a plain list file: trimmed, lowercased, no blanks or `#` comments.
pub fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics_dialect() {
        assert_eq!(dialect(r"\bNHS\d"), r"(?-u:\b)NHS[0-9]");
        assert_eq!(dialect(r"a\.b\\"), r"a\.b\\");
    }

    #[test]
    fn basics_error_names_file_and_rule() {
        let e = compile_regex("rules.toml", "bad-rule", "(").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("rules.toml") && s.contains("bad-rule"), "{s}");
    }
}
