//! The scanning engine: compiled rules, the per-message pipeline and the verdict.
//!
//! Pipeline for one message: fold (`normalize.rs`; ASCII and inert
//! characters borrowed as they are) → tokenise (one pass, byte classes) →
//! one lexicon probe per token (`wordmap.rs`: trigger ids, the small word
//! lists of `names.toml`, and whether it is a spelled-out digit; the big
//! name lists are probed only for tokens a name recogniser looks at) plus
//! punctuation-led triggers at their first byte → cheap prefilters decide
//! which regex rules can match at all (digit count, gate words as sparse
//! bitmasks, shape facts from `shape.rs`; there is deliberately no `RegexSet`
//! over all rules: its lazy DFA needs more states than a cache can hold and
//! measured slower) → those regexes, the digit-run recognisers, the name
//! recogniser and the combination scorer → validators and context checks →
//! suppression of clinical noise (one `RegexSet` pass tells which suppressors
//! can match at all; only those of kinds among the candidates run) → overlap
//! resolution → spans mapped back to the original text. Spelled-out digits
//! are read (and the message scanned again) only when the lexicon saw four
//! digit words. Per-message buffers live in a thread-local scratch, so a scan
//! allocates little beyond its findings.
//!
//! Invariants: spans are on char boundaries of the original text and never
//! overlap; findings are sorted by start; explanations are built only from the
//! rule's own text (never from the message); `flagged` is true exactly when
//! there is at least one finding, and `severity` is `Some` exactly then.

use super::names::{NameModel, PersonRule, Tok};
use super::normalize::Normalized;
use super::quasi::QuasiModel;
use super::rules::{
    Engine, RULES_FILE, RuleError, RuleFile, RuleSpec, Sources, compile_regex, parse_kind,
    parse_toml, parse_validator,
};
use super::types::{Finding, Kind, Scan, Severity};
use super::validate::Validator;
use super::wordmap::WordMap;
use regex::Regex;
use std::collections::HashMap;
use std::ops::Range;

/// Findings below this confidence are dropped.
const MIN_CONFIDENCE: f32 = 0.5;

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub kind: Kind,
    pub engine: Engine,
    pub regex: Option<Regex>,
    pub has_id_group: bool,
    pub person: Option<PersonRule>,
    pub lengths: Vec<usize>,
    pub context: TriggerSet,
    pub avoid: TriggerSet,
    pub avoid_before: usize,
    pub avoid_after: usize,
    pub before: usize,
    pub after: usize,
    pub require_context: bool,
    /// The prefilter needs a gate word OR a shape (not both).
    pub gate_or_shape: bool,
    pub gate: TriggerSet,
    pub min_digits: usize,
    /// Shape bits (any one needed); 0 = no shape requirement.
    pub shape: u64,
    pub validator: Validator,
    pub confidence: f32,
    pub confidence_no_context: f32,
    pub explanation: String,
}

#[derive(Debug)]
struct Suppressor {
    /// Named in test failures (the prefilter property test).
    #[cfg_attr(not(test), expect(dead_code))]
    id: String,
    regex: Regex,
    kinds: Vec<Kind>,
    gate: TriggerSet,
    /// Shape bits (any one needed); 0 = no shape requirement.
    shape: u64,
    gate_or_shape: bool,
}

/// Trigger words shared by all rules: one automaton, ids by position.
#[derive(Debug, Default)]
pub(crate) struct TriggerTable {
    pub words: Vec<String>,
    /// Prefix triggers (written with a trailing `*`) skip the end-of-word check.
    pub substring: Vec<bool>,
    index: HashMap<(String, bool), u32>,
}

impl TriggerTable {
    /// Id of a whole-word trigger.
    pub fn id(&mut self, word: &str) -> u32 {
        self.intern(word, false)
    }

    fn intern(&mut self, word: &str, substring: bool) -> u32 {
        // A trailing `*` makes a gate a prefix ("http*" also matches "https").
        let (word, substring) = match word.trim().strip_suffix('*') {
            Some(w) => (w, true),
            None => (word, substring),
        };
        let w = word.trim().to_ascii_lowercase();
        if let Some(&i) = self.index.get(&(w.clone(), substring)) {
            return i;
        }
        let i = self.words.len() as u32;
        self.words.push(w.clone());
        self.substring.push(substring);
        self.index.insert((w, substring), i);
        i
    }
}

/// A set of trigger ids as a sparse bitmask: membership and "any of them in
/// the message" cost one word test per 64 ids, not one test per member.
#[derive(Debug, Clone, Default)]
pub(crate) struct TriggerSet {
    /// (index of a 64-bit word, bits of the members in it), by index.
    words: Vec<(u32, u64)>,
}

impl TriggerSet {
    /// The set of `ids`.
    pub fn new(ids: impl IntoIterator<Item = u32>) -> TriggerSet {
        let mut words: Vec<(u32, u64)> = Vec::new();
        for id in ids {
            let (k, bit) = (id / 64, 1u64 << (id % 64));
            match words.iter_mut().find(|(w, _)| *w == k) {
                Some((_, b)) => *b |= bit,
                None => words.push((k, bit)),
            }
        }
        words.sort_unstable_by_key(|(k, _)| *k);
        TriggerSet { words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn contains(&self, id: u32) -> bool {
        let k = id / 64;
        self.words
            .iter()
            .any(|&(w, b)| w == k && b & (1u64 << (id % 64)) != 0)
    }
}

/// What one lowercase ASCII word means: its word-list bits (`names.rs`) and
/// the triggers it starts (ranges into [`TriggerIndex::ids`]).
#[derive(Debug, Default, Clone, Copy)]
struct LexEntry {
    /// Bits of the small word lists of `names.toml` (titles, relations, …).
    bits: u16,
    /// Single-word triggers equal to the word.
    words: (u32, u32),
    /// Multi-word or punctuated triggers whose leading word it is.
    phrases: (u32, u32),
    /// A spelled-out digit ("five") or a digit multiplier ("double").
    digit_word: bool,
}

/// Lookup structures over the trigger table and the small word lists: one
/// hash probe per token answers both.
#[derive(Debug)]
struct TriggerIndex {
    lexicon: WordMap<LexEntry>,
    ids: Vec<u32>,
    /// Prefix triggers ("http*", "jan*").
    prefixes: Vec<(Box<[u8]>, u32)>,
    /// Bits over letter leads: one per one-letter, two-letter and
    /// three-letter lead (26 + 26² + 26³) that starts some prefix trigger
    /// ("x*", "ng*", and the first three letters of longer ones), so most
    /// tokens skip the prefix list after three bit tests.
    prefix_leads: Vec<u64>,
    /// Whether some prefix trigger does not start with a letter (then every
    /// token is checked against the list).
    odd_prefix: bool,
    /// Triggers starting with punctuation ("@", "[.]", "#nof") or a
    /// non-ASCII byte, by their first byte.
    punct: Vec<Vec<(Box<[u8]>, u32)>>,
    /// Bytes (either case) that start a punctuation-led trigger.
    punct_first: [bool; 256],
}

impl TriggerIndex {
    fn build(t: &TriggerTable, small: &[(String, u16)]) -> TriggerIndex {
        let mut words: HashMap<String, Vec<u32>> = HashMap::new();
        let mut phrases: HashMap<String, Vec<u32>> = HashMap::new();
        let mut prefixes: Vec<(Box<[u8]>, u32)> = Vec::new();
        let mut punct: Vec<Vec<(Box<[u8]>, u32)>> = vec![Vec::new(); 256];
        for (i, w) in t.words.iter().enumerate() {
            let id = i as u32;
            let lead: String = w.chars().take_while(char::is_ascii_alphanumeric).collect();
            if w.is_empty() {
                continue;
            } else if lead.is_empty() || !w.is_ascii() {
                // Stored lowercase (triggers are), so the second byte can be
                // compared with the text's lowercased byte directly.
                let first = w.as_bytes()[0].to_ascii_lowercase();
                punct[usize::from(first)].push((w.to_ascii_lowercase().into_bytes().into(), id));
            } else if lead.len() == w.len() {
                if t.substring[i] {
                    prefixes.push((lead.into_bytes().into(), id));
                } else {
                    words.entry(lead).or_default().push(id);
                }
            } else {
                phrases.entry(lead).or_default().push(id);
            }
        }
        let mut lexicon: HashMap<Box<[u8]>, LexEntry> = HashMap::default();
        let mut ids = Vec::new();
        let mut push = |list: &[u32]| {
            let s = ids.len() as u32;
            ids.extend_from_slice(list);
            (s, ids.len() as u32)
        };
        for (w, list) in &words {
            let e: &mut LexEntry = lexicon.entry(w.as_bytes().into()).or_default();
            e.words = push(list);
        }
        for (w, list) in &phrases {
            let e: &mut LexEntry = lexicon.entry(w.as_bytes().into()).or_default();
            e.phrases = push(list);
        }
        let digit_words = [
            "zero", "nought", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine",
        ];
        for w in digit_words
            .iter()
            .filter(|w| super::normalize::digit_word(w).is_some())
            .chain(super::normalize::DIGIT_MULTIPLIERS.iter())
        {
            lexicon.entry(w.as_bytes().into()).or_default().digit_word = true;
        }
        for (w, bits) in small {
            if w.len() <= 40 {
                lexicon.entry(w.as_bytes().into()).or_default().bits |= bits;
            }
        }
        let mut punct_first = [false; 256];
        for b in 0..=255u8 {
            punct_first[usize::from(b)] = !punct[usize::from(b.to_ascii_lowercase())].is_empty();
        }
        let mut prefix_leads = vec![0u64; LEAD_BITS.div_ceil(64)];
        let mut odd_prefix = false;
        for (p, _) in &prefixes {
            match letter_lead(p, p.len().min(3)) {
                Some(k) => prefix_leads[k / 64] |= 1 << (k % 64),
                None => odd_prefix = true,
            }
        }
        TriggerIndex {
            prefix_leads,
            odd_prefix,
            lexicon: WordMap::build(
                lexicon.into_iter().map(|(w, e)| (w.into_vec(), e)),
                |a, b| a.bits |= b.bits,
            ),
            ids,
            prefixes,
            punct,
            punct_first,
        }
    }

    /// The entry of a word (any case; ASCII, at most 40 bytes), if listed.
    fn get(&self, word: &[u8]) -> Option<LexEntry> {
        self.lexicon.get(word)
    }

    /// Whether some prefix trigger starts like `run` (its first one, two or
    /// three letters).
    fn has_prefix_lead(&self, run: &[u8]) -> bool {
        let bit = |k: usize| self.prefix_leads[k / 64] & (1 << (k % 64)) != 0;
        let letter = |i: usize| {
            run.get(i)
                .filter(|b| b.is_ascii_alphabetic())
                .map(|b| usize::from(b.to_ascii_lowercase() - b'a'))
        };
        let Some(a) = letter(0) else { return false };
        if bit(a) {
            return true;
        }
        let Some(b) = letter(1) else { return false };
        if bit(26 + a * 26 + b) {
            return true;
        }
        letter(2).is_some_and(|c| bit(26 + 26 * 26 + (a * 26 + b) * 26 + c))
    }

    fn slice(&self, (s, e): (u32, u32)) -> &[u32] {
        &self.ids[s as usize..e as usize]
    }
}

/// A trigger word found in the normalised text (whole-word).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub word: u32,
    pub start: usize,
    pub end: usize,
}

/// Per-message facts shared by the recognisers.
pub(crate) struct Ctx<'t> {
    pub text: &'t str,
    pub hits: &'t [Hit],
    /// Bitset of trigger ids present in `hits`.
    pub present: &'t [u64],
    /// Number of ASCII digits in `text`.
    pub digits: usize,
    /// Shape facts of `text` (see `shape.rs`).
    pub shapes: u64,
    /// Word tokens of `text` (shared by the name and combination recognisers).
    pub toks: &'t [Tok],
}

/// Reusable buffers for [`Ctx`], so a scan allocates nothing for them.
#[derive(Debug, Default)]
pub(crate) struct ContextScratch {
    ctx: CtxBufs,
    runs: DigitRuns,
}

/// The buffers a [`Ctx`] borrows.
#[derive(Debug, Default)]
pub(crate) struct CtxBufs {
    toks: Vec<Tok>,
    hits: Vec<Hit>,
    present: Vec<u64>,
    /// Spelled-out digit words among the tokens (see [`Detector::hits`]).
    digit_words: usize,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<ContextScratch> =
        std::cell::RefCell::new(ContextScratch::default());
}

/// Run `f` with this thread's scratch buffers (fresh ones if they are in use).
fn with_scratch<R>(f: impl FnOnce(&mut ContextScratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut ContextScratch::default()),
    })
}

impl Ctx<'_> {
    /// First trigger from `set` ending at most `before` bytes before `r` or
    /// starting at most `after` bytes after it, or overlapping it.
    pub fn near(
        &self,
        set: &TriggerSet,
        r: &Range<usize>,
        before: usize,
        after: usize,
    ) -> Option<u32> {
        if !self.any(set) {
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        for h in self.hits {
            if !set.contains(h.word) {
                continue;
            }
            let dist = if h.end <= r.start {
                let d = r.start - h.end;
                if d > before || crosses_paragraph(&self.text[h.end..r.start]) {
                    continue;
                }
                d
            } else if h.start >= r.end {
                let d = h.start - r.end;
                if d > after || crosses_paragraph(&self.text[r.end..h.start]) {
                    continue;
                }
                d
            } else {
                0
            };
            if best.is_none_or(|(bd, _)| dist < bd) {
                best = Some((dist, h.word));
            }
        }
        best.map(|(_, w)| w)
    }

    /// Whether any trigger from `set` occurs anywhere in the message.
    pub fn any(&self, set: &TriggerSet) -> bool {
        set.words
            .iter()
            .any(|&(k, bits)| self.present.get(k as usize).is_some_and(|p| p & bits != 0))
    }
}

fn crosses_paragraph(s: &str) -> bool {
    s.contains("\n\n") || s.matches('\n').count() > 1
}

/// A candidate finding in normalised coordinates.
#[derive(Debug, Clone)]
struct Candidate {
    kind: Kind,
    span: Range<usize>,
    confidence: f32,
    rule: usize,
    trigger: Option<u32>,
}

/// The PHI detector: compiled rules plus name lists. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Detector {
    pub(crate) rules: Vec<Rule>,
    regex_rules: Vec<usize>,
    digit_rules: Vec<usize>,
    suppressors: Vec<Suppressor>,
    /// All suppressor patterns in one set: a single pass tells which of
    /// them can match a message at all, so only those run on their own.
    suppressor_set: regex::RegexSet,
    triggers: TriggerTable,
    index: TriggerIndex,
    pub(crate) names: NameModel,
    quasi: QuasiModel,
    person_rules: Vec<(PersonRule, usize)>,
    quasi_rule: Option<usize>,
}

impl Detector {
    /// Compile a rule set from its sources (no guard checks; see `super::load`).
    pub(crate) fn compile(src: &Sources) -> Result<Detector, RuleError> {
        let file: RuleFile = parse_toml(RULES_FILE, &src.rules)?;
        let mut triggers = TriggerTable::default();
        let names = NameModel::load(src, &mut triggers)?;
        let quasi = QuasiModel::load(src, &mut triggers)?;
        let mut rules = Vec::with_capacity(file.rule.len());
        let mut seen = std::collections::HashSet::new();
        for spec in &file.rule {
            if !seen.insert(spec.id.clone()) {
                return Err(rule_err(&spec.id, "duplicate rule id"));
            }
            rules.push(compile_rule(spec, &mut triggers)?);
        }
        let regex_rules: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.engine == Engine::Regex)
            .map(|(i, _)| i)
            .collect();
        let digit_rules: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.engine == Engine::Digits)
            .map(|(i, _)| i)
            .collect();
        let mut suppressors = Vec::new();
        for s in &file.suppress {
            let regex = compile_regex(RULES_FILE, &s.id, &s.pattern)?;
            let kinds = s
                .kinds
                .iter()
                .map(|k| parse_kind(RULES_FILE, &s.id, k))
                .collect::<Result<Vec<_>, _>>()?;
            for ex in &s.examples {
                if !regex.is_match(ex) {
                    return Err(rule_err(&s.id, &format!("example does not match: '{ex}'")));
                }
            }
            suppressors.push(Suppressor {
                id: s.id.clone(),
                regex,
                kinds,
                gate: TriggerSet::new(s.gate.iter().map(|w| triggers.id(w))),
                shape: parse_shapes(&s.id, &s.shape)?,
                gate_or_shape: s.gate_or_shape,
            });
        }
        let index = TriggerIndex::build(&triggers, names.small_words());
        let mut person_rules = Vec::new();
        let mut quasi_rule = None;
        for (i, r) in rules.iter().enumerate() {
            if let Some(p) = r.person {
                person_rules.push((p, i));
            }
            if r.engine == Engine::Quasi {
                quasi_rule = Some(i);
            }
        }
        let det = Detector {
            rules,
            regex_rules,
            digit_rules,
            suppressor_set: regex::RegexSetBuilder::new(
                file.suppress
                    .iter()
                    .map(|s| super::rules::dialect(&s.pattern)),
            )
            .size_limit(50 << 20)
            .dfa_size_limit(20 << 20)
            .build()
            .map_err(|e| RuleError::Parse {
                file: RULES_FILE.to_string(),
                reason: format!("suppressor patterns: {e}"),
            })?,
            suppressors,
            triggers,
            index,
            names,
            quasi,
            person_rules,
            quasi_rule,
        };
        det.check_examples(&file.rule)?;
        Ok(det)
    }

    /// Every rule's examples must produce a finding from that rule, and its
    /// negatives must not.
    fn check_examples(&self, specs: &[RuleSpec]) -> Result<(), RuleError> {
        for (i, spec) in specs.iter().enumerate() {
            for ex in &spec.examples {
                let hit = self.candidates(ex, false).iter().any(|c| c.rule == i);
                if !hit {
                    return Err(rule_err(
                        &spec.id,
                        &format!("example does not match: '{ex}'"),
                    ));
                }
            }
            for neg in &spec.negatives {
                let hit = self.candidates(neg, false).iter().any(|c| c.rule == i);
                if hit {
                    return Err(rule_err(&spec.id, &format!("negative matches: '{neg}'")));
                }
            }
        }
        Ok(())
    }

    /// Scan one message.
    pub fn scan(&self, text: &str) -> Scan {
        // Fold first and scan. The rewrites (spelled-out digits, defanged
        // links) are tried only when the scan saw enough digit words or a
        // defanged token (rare); when they change the view, it is scanned
        // instead.
        let (norm, cands) = with_scratch(|scratch| {
            let norm = Normalized::folded(text);
            super::names::tokens_into(norm.text(), &mut scratch.ctx.toks);
            let cands = self.candidates_in(norm.text(), true, scratch);
            if !super::normalize::may_rewrite(norm.text(), scratch.ctx.digit_words) {
                return (norm, cands);
            }
            let read = norm.clone().read_rewrites();
            if read.text() == norm.text() {
                return (norm, cands);
            }
            super::names::tokens_into(read.text(), &mut scratch.ctx.toks);
            let cands = self.candidates_in(read.text(), true, scratch);
            (read, cands)
        });
        let mut findings: Vec<Finding> = cands
            .into_iter()
            .map(|c| {
                let rule = &self.rules[c.rule];
                Finding {
                    kind: c.kind,
                    span: norm.to_original(c.span),
                    confidence: c.confidence,
                    rule_id: rule.id.clone(),
                    explanation: self.explain(rule, c.trigger),
                }
            })
            .filter(|f| !f.span.is_empty())
            .collect();
        findings.sort_by_key(|f| f.span.start);
        // Mapping back can only merge neighbours (a removed invisible char);
        // keep the invariant of non-overlapping spans regardless.
        let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
        for f in findings {
            if out.last().is_some_and(|p| p.span.end > f.span.start) {
                continue;
            }
            out.push(f);
        }
        let severity = severity_of(&out);
        Scan {
            flagged: severity.is_some(),
            severity,
            findings: out,
        }
    }

    fn explain(&self, rule: &Rule, trigger: Option<u32>) -> String {
        let mut s = rule.explanation.clone();
        let phrase = rule.validator.phrase();
        if !phrase.is_empty() {
            s.push_str(" — ");
            s.push_str(phrase);
        }
        if let Some(t) = trigger
            && let Some(w) = self.triggers.words.get(t as usize)
        {
            s.push_str(if phrase.is_empty() {
                " — near '"
            } else {
                ", near '"
            });
            s.push_str(w);
            s.push('\'');
        }
        s
    }

    /// Trigger hits, and each token's word-list bits: one lexicon probe per
    /// token (two when the token holds an apostrophe or hyphen), prefix
    /// triggers by comparison, punctuation-led triggers at their first byte.
    /// Returns how many tokens (or parts of hyphenated tokens) are spelled-out digits.
    fn hits(&self, text: &str, toks: &mut [Tok], hits: &mut Vec<Hit>) -> usize {
        let bytes = text.as_bytes();
        let mut digit_words = 0;
        let idx = &self.index;
        let substring = &self.triggers.substring;
        for t in toks.iter_mut() {
            let run_end = t.alnum_end;
            let run = &bytes[t.start..run_end];
            let entry = if run.is_empty() { None } else { idx.get(run) };
            // Word-list bits belong to the whole token ("o'brien"), triggers
            // to its leading alphanumeric run ("o").
            t.lex = if run_end == t.end {
                digit_words += usize::from(entry.is_some_and(|e| e.digit_word));
                entry.map_or(0, |e| e.bits)
            } else {
                let word = &bytes[t.start..t.end];
                digit_words += text[t.start..t.end]
                    .split(['-', '\''])
                    .filter(|p| {
                        super::normalize::digit_word(p).is_some()
                            || super::normalize::DIGIT_MULTIPLIERS
                                .iter()
                                .any(|m| p.eq_ignore_ascii_case(m))
                    })
                    .count();
                if word.is_ascii() {
                    idx.get(word).map_or(0, |e| e.bits)
                } else {
                    0
                }
            };
            if run.is_empty() || run.len() > 40 {
                continue;
            }
            if let Some(e) = entry {
                let boundary_after = run_end >= bytes.len() || !is_word_byte(bytes[run_end]);
                for &w in idx.slice(e.words) {
                    if boundary_after || substring[w as usize] {
                        hits.push(Hit {
                            word: w,
                            start: t.start,
                            end: run_end,
                        });
                    }
                }
                // The two bytes after the lead word (the separator and the
                // next word's first letter) rule out most phrases cheaply.
                let after = |i: usize| bytes.get(t.start + i).map(u8::to_ascii_lowercase);
                let (sep, next) = (after(run.len()), after(run.len() + 1));
                for &w in idx.slice(e.phrases) {
                    let ph = self.triggers.words[w as usize].as_bytes();
                    let end = t.start + ph.len();
                    if end <= bytes.len()
                        && ph.get(run.len()).is_none_or(|&c| Some(c) == sep)
                        && ph.get(run.len() + 1).is_none_or(|&c| Some(c) == next)
                        && bytes[t.start..end].eq_ignore_ascii_case(ph)
                        && (!ph.last().is_some_and(u8::is_ascii_alphanumeric)
                            || end >= bytes.len()
                            || !is_word_byte(bytes[end])
                            || substring[w as usize])
                    {
                        hits.push(Hit {
                            word: w,
                            start: t.start,
                            end,
                        });
                    }
                }
            }
            let check_prefixes = idx.odd_prefix || idx.has_prefix_lead(run);
            for (p, w) in idx.prefixes.iter().filter(|_| check_prefixes) {
                if run.len() >= p.len() && run[..p.len()].eq_ignore_ascii_case(p) {
                    hits.push(Hit {
                        word: *w,
                        start: t.start,
                        end: t.start + p.len(),
                    });
                }
            }
        }
        let before = hits.len();
        for (i, &b) in bytes.iter().enumerate() {
            if !idx.punct_first[usize::from(b)] {
                continue;
            }
            let list = &idx.punct[usize::from(b.to_ascii_lowercase())];
            let next = bytes.get(i + 1).map(u8::to_ascii_lowercase);
            for (p, w) in list {
                let e = i + p.len();
                // Most punctuation is followed by a space: compare the
                // second byte before the whole trigger.
                if e > bytes.len()
                    || p.get(1).is_some_and(|&c| Some(c) != next)
                    || !bytes[i..e].eq_ignore_ascii_case(p)
                {
                    continue;
                }
                if p.last().is_some_and(u8::is_ascii_alphanumeric)
                    && !substring[*w as usize]
                    && e < bytes.len()
                    && is_word_byte(bytes[e])
                {
                    continue;
                }
                hits.push(Hit {
                    word: *w,
                    start: i,
                    end: e,
                });
            }
        }
        if hits.len() > before || hits.windows(2).any(|w| w[0].start > w[1].start) {
            hits.sort_by_key(|h| (h.start, h.end));
        }
        digit_words
    }

    /// Per-message facts of a normalised text, built in `bufs` (whose
    /// tokens the caller has already filled from `text`).
    fn context<'t>(&self, text: &'t str, bufs: &'t mut CtxBufs) -> Ctx<'t> {
        let CtxBufs {
            toks,
            hits,
            present,
            digit_words,
        } = bufs;
        hits.clear();
        present.clear();
        *digit_words = self.hits(text, toks, hits);
        present.resize(self.triggers.words.len().div_ceil(64), 0);
        for h in hits.iter() {
            present[(h.word / 64) as usize] |= 1u64 << (h.word % 64);
        }
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        Ctx {
            text,
            hits,
            present,
            digits,
            // Every shape involves a digit.
            shapes: if digits > 0 {
                super::shape::facts(text)
            } else {
                0
            },
            toks,
        }
    }

    /// Candidates after suppression; with `resolve`, also after overlap
    /// resolution (without it, every rule's own candidates, for example checks).
    fn candidates(&self, text: &str, resolve: bool) -> Vec<Candidate> {
        with_scratch(|scratch| {
            super::names::tokens_into(text, &mut scratch.ctx.toks);
            self.candidates_in(text, resolve, scratch)
        })
    }

    fn candidates_in(
        &self,
        text: &str,
        resolve: bool,
        scratch: &mut ContextScratch,
    ) -> Vec<Candidate> {
        let ctx = self.context(text, &mut scratch.ctx);
        let mut cands: Vec<Candidate> = Vec::new();
        self.regex_candidates(&ctx, &mut cands);
        if ctx.digits > 0 {
            self.digit_candidates(&ctx, &mut scratch.runs, &mut cands);
        }
        for (span, which, conf) in self.names.find(&ctx) {
            if let Some(&(_, ri)) = self.person_rules.iter().find(|(p, _)| *p == which) {
                let r = &self.rules[ri];
                cands.push(Candidate {
                    kind: r.kind,
                    span,
                    confidence: r.confidence * conf,
                    rule: ri,
                    trigger: None,
                });
            }
        }
        // Weak and empty candidates go first (a plain filter, so the order
        // does not matter), then suppression of clinical noise: only the
        // suppressors of kinds still among the candidates run at all.
        cands.retain(|c| c.confidence >= MIN_CONFIDENCE && !c.span.is_empty());
        if !cands.is_empty() {
            let mut blocked: Vec<(Range<usize>, &[Kind])> = Vec::new();
            let mut relevant: Vec<Range<usize>> = Vec::with_capacity(cands.len());
            let mut possible = None;
            for (si, s) in self.suppressors.iter().enumerate() {
                if shape_or_gate_missing(s.shape, &s.gate, s.gate_or_shape, &ctx) {
                    continue;
                }
                relevant.clear();
                relevant.extend(
                    cands
                        .iter()
                        .filter(|c| suppresses(&s.kinds, c.kind))
                        .map(|c| c.span.clone()),
                );
                let Some(last_end) = relevant.iter().map(|r| r.end).max() else {
                    continue;
                };
                // One pass of the set tells which suppressors can match at all.
                let set = possible.get_or_insert_with(|| self.suppressor_set.matches(text));
                if !set.matched(si) {
                    continue;
                }
                // Matches come in order of start: none after the last
                // relevant candidate can overlap one.
                for m in s.regex.find_iter(text) {
                    if m.start() >= last_end {
                        break;
                    }
                    if relevant
                        .iter()
                        .any(|r| m.start() < r.end && r.start < m.end())
                    {
                        blocked.push((m.range(), &s.kinds));
                    }
                }
            }
            if !blocked.is_empty() {
                cands.retain(|c| {
                    !blocked.iter().any(|(r, kinds)| {
                        suppresses(kinds, c.kind) && r.start < c.span.end && c.span.start < r.end
                    })
                });
            }
        }
        if !resolve {
            if let Some(qi) = self.quasi_rule
                && let Some(span) = self.quasi.find(&ctx, &[])
            {
                cands.push(Candidate {
                    kind: self.rules[qi].kind,
                    span,
                    confidence: self.rules[qi].confidence,
                    rule: qi,
                    trigger: None,
                });
            }
            return cands;
        }
        cands.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then((b.span.end - b.span.start).cmp(&(a.span.end - a.span.start)))
                .then(a.span.start.cmp(&b.span.start))
        });
        let mut accepted: Vec<Candidate> = Vec::with_capacity(cands.len());
        for c in cands {
            if accepted
                .iter()
                .all(|a| a.span.end <= c.span.start || c.span.end <= a.span.start)
            {
                accepted.push(c);
            }
        }
        if let Some(qi) = self.quasi_rule {
            let r = &self.rules[qi];
            // A place inside an identifying combination is part of the QUASI
            // span (the combination is labelled as one): when places are the
            // only findings they do not block it, and those it covers are
            // absorbed.
            let apart =
                |a: &Candidate, s: &Range<usize>| a.span.end <= s.start || s.end <= a.span.start;
            let only_places = accepted.iter().all(|a| a.kind == Kind::Location);
            let taken: Vec<Range<usize>> = accepted
                .iter()
                .filter(|a| !only_places || a.kind != Kind::Location)
                .map(|a| a.span.clone())
                .collect();
            if let Some(span) = self.quasi.find(&ctx, &taken)
                && accepted
                    .iter()
                    .all(|a| (only_places && a.kind == Kind::Location) || apart(a, &span))
            {
                accepted.retain(|a| a.kind != Kind::Location || apart(a, &span));
                accepted.push(Candidate {
                    kind: r.kind,
                    span,
                    confidence: r.confidence,
                    rule: qi,
                    trigger: None,
                });
            }
        }
        Self::repeated_names(&ctx, &mut accepted);
        accepted
    }

    /// Once a name is found as a patient's, every other occurrence of its
    /// parts in the message is the same person ("Mr Clifford Ashdown … later
    /// Ashdown said"): each becomes a finding of the same rule, so alerts and
    /// redaction never show the name elsewhere in the message. Name parts are
    /// the tokens of a PERSON finding that are in no word list (titles,
    /// relation words…), with at least three letters.
    fn repeated_names(ctx: &Ctx<'_>, accepted: &mut Vec<Candidate>) {
        let mut parts: Vec<(&str, usize, f32)> = Vec::new();
        for c in accepted.iter().filter(|c| c.kind == Kind::Person) {
            for t in ctx
                .toks
                .iter()
                .filter(|t| t.start >= c.span.start && t.end <= c.span.end)
            {
                let w = &ctx.text[t.start..t.end];
                if t.lex == 0 && t.has_alpha && !t.has_digit && w.len() >= 3 {
                    parts.push((w, c.rule, c.confidence));
                }
            }
        }
        if parts.is_empty() {
            return;
        }
        for t in ctx.toks {
            let w = &ctx.text[t.start..t.end];
            let Some(&(_, rule, confidence)) = parts.iter().find(|p| p.0.eq_ignore_ascii_case(w))
            else {
                continue;
            };
            if accepted
                .iter()
                .all(|a| a.span.end <= t.start || t.end <= a.span.start)
            {
                accepted.push(Candidate {
                    kind: Kind::Person,
                    span: t.start..t.end,
                    confidence,
                    rule,
                    trigger: None,
                });
            }
        }
    }

    fn gated_out(rule: &Rule, ctx: &Ctx<'_>) -> bool {
        ctx.digits < rule.min_digits
            || Self::prefiltered_out(rule, ctx)
            || (rule.require_context && !ctx.any(&rule.context))
    }

    /// The pure speed-up prefilters (shapes, gate words): each must be a
    /// necessary condition of the rule's pattern. (`min_digits` and
    /// `require_context` are part of a rule's meaning, not prefilters.)
    fn prefiltered_out(rule: &Rule, ctx: &Ctx<'_>) -> bool {
        shape_or_gate_missing(rule.shape, &rule.gate, rule.gate_or_shape, ctx)
    }

    fn regex_candidates(&self, ctx: &Ctx<'_>, out: &mut Vec<Candidate>) {
        for &ri in &self.regex_rules {
            let rule = &self.rules[ri];
            if Self::gated_out(rule, ctx) {
                continue;
            }
            let Some(re) = &rule.regex else { continue };
            if rule.has_id_group {
                for caps in re.captures_iter(ctx.text) {
                    if let Some(m) = caps.name("id") {
                        self.consider(ctx, ri, m.range(), m.as_str(), out);
                    }
                }
            } else {
                for m in re.find_iter(ctx.text) {
                    self.consider(ctx, ri, m.range(), m.as_str(), out);
                }
            }
        }
    }

    fn consider(
        &self,
        ctx: &Ctx<'_>,
        ri: usize,
        span: Range<usize>,
        value: &str,
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules[ri];
        if span.is_empty() || !rule.validator.check(value) {
            return;
        }
        if ctx
            .near(&rule.avoid, &span, rule.avoid_before, rule.avoid_after)
            .is_some()
        {
            return;
        }
        let trigger = ctx.near(&rule.context, &span, rule.before, rule.after);
        let confidence = match trigger {
            Some(_) => rule.confidence,
            None if rule.require_context => return,
            None => rule.confidence_no_context,
        };
        out.push(Candidate {
            kind: rule.kind,
            span,
            confidence,
            rule: ri,
            trigger,
        });
    }

    fn digit_candidates(&self, ctx: &Ctx<'_>, runs: &mut DigitRuns, out: &mut Vec<Candidate>) {
        runs.scan(ctx.text);
        if runs.runs.is_empty() {
            return;
        }
        let mut buf = String::with_capacity(24);
        for &ri in &self.digit_rules {
            let rule = &self.rules[ri];
            if Self::gated_out(rule, ctx) {
                continue;
            }
            for run in &runs.runs {
                let groups = &runs.groups[run.clone()];
                let n = groups.len();
                for i in 0..n {
                    let mut count = 0;
                    for j in i..n {
                        count += groups[j].digits;
                        if count > 19 {
                            break;
                        }
                        if !rule.lengths.contains(&count) {
                            continue;
                        }
                        buf.clear();
                        for g in &groups[i..=j] {
                            buf.push_str(&runs.digits[g.digit_start..g.digit_start + g.digits]);
                        }
                        let span = groups[i].span.start..groups[j].span.end;
                        self.consider(ctx, ri, span, &buf, out);
                    }
                }
            }
        }
    }
}

/// Whether a required shape (`shape != 0`) or gate word (non-empty `gate`)
/// is missing from the message, so the pattern cannot match. With `either`
/// (and both lists given), one of the two suffices.
fn shape_or_gate_missing(shape: u64, gate: &TriggerSet, either: bool, ctx: &Ctx<'_>) -> bool {
    let no_shape = shape != 0 && ctx.shapes & shape == 0;
    let no_gate = !gate.is_empty() && !ctx.any(gate);
    if either && shape != 0 && !gate.is_empty() {
        no_shape && no_gate
    } else {
        no_shape || no_gate
    }
}

fn rule_err(rule: &str, reason: &str) -> RuleError {
    RuleError::Rule {
        file: RULES_FILE.to_string(),
        rule: rule.to_string(),
        reason: reason.to_string(),
    }
}

/// The bits of a rule's or suppressor's `shape` list.
fn parse_shapes(id: &str, names: &[String]) -> Result<u64, RuleError> {
    names.iter().try_fold(0u64, |acc, name| {
        super::shape::parse(name)
            .map(|b| acc | b)
            .ok_or_else(|| rule_err(id, &format!("unknown shape '{name}'")))
    })
}

fn compile_rule(spec: &RuleSpec, triggers: &mut TriggerTable) -> Result<Rule, RuleError> {
    let kind = parse_kind(RULES_FILE, &spec.id, &spec.kind)?;
    let validator = parse_validator(RULES_FILE, &spec.id, &spec.validator)?;
    if !(0.0..=1.0).contains(&spec.confidence) {
        return Err(rule_err(&spec.id, "confidence must be within 0..1"));
    }
    if spec.explanation.trim().is_empty() {
        return Err(rule_err(&spec.id, "explanation is empty"));
    }
    let (regex, has_id_group, person) = match spec.engine {
        Engine::Regex => {
            if spec.pattern.is_empty() {
                return Err(rule_err(&spec.id, "regex rule without a pattern"));
            }
            let re = compile_regex(RULES_FILE, &spec.id, &spec.pattern)?;
            let has_id = re.capture_names().any(|n| n == Some("id"));
            (Some(re), has_id, None)
        }
        Engine::Digits => {
            if spec.lengths.is_empty() {
                return Err(rule_err(&spec.id, "digits rule without lengths"));
            }
            (None, false, None)
        }
        Engine::Person => {
            let p = PersonRule::parse(&spec.pattern).ok_or_else(|| {
                rule_err(
                    &spec.id,
                    &format!("unknown person recogniser '{}'", spec.pattern),
                )
            })?;
            (None, false, Some(p))
        }
        Engine::Quasi => (None, false, None),
    };
    Ok(Rule {
        id: spec.id.clone(),
        kind,
        engine: spec.engine,
        regex,
        has_id_group,
        person,
        lengths: spec.lengths.clone(),
        context: TriggerSet::new(spec.context.iter().map(|w| triggers.id(w))),
        avoid: TriggerSet::new(spec.avoid.iter().map(|w| triggers.id(w))),
        avoid_before: spec.avoid_before,
        avoid_after: spec.avoid_after,
        before: spec.before,
        after: spec.after,
        require_context: spec.require_context,
        gate_or_shape: spec.gate_or_shape,
        gate: TriggerSet::new(spec.gate.iter().map(|w| triggers.id(w))),
        shape: parse_shapes(&spec.id, &spec.shape)?,
        min_digits: spec
            .min_digits
            .unwrap_or(usize::from(spec.engine == Engine::Digits)),
        validator,
        confidence: spec.confidence,
        confidence_no_context: spec.confidence_no_context.unwrap_or(spec.confidence),
        explanation: spec.explanation.clone(),
    })
}

/// Size of the letter-lead bitmap: every lead of one, two or three letters.
const LEAD_BITS: usize = 26 + 26 * 26 + 26 * 26 * 26;

/// Bit index of a word's first `n` (1–3) letters, any case, if they are letters.
fn letter_lead(w: &[u8], n: usize) -> Option<usize> {
    let mut k = 0usize;
    for i in 0..n {
        let b = w.get(i).filter(|b| b.is_ascii_alphabetic())?;
        k = k * 26 + usize::from(b.to_ascii_lowercase() - b'a');
    }
    // Offsets keep the three lengths apart.
    Some(match n {
        1 => k,
        2 => 26 + k,
        3 => 26 + 26 * 26 + k,
        _ => return None,
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// One group of a digit run (a token of digits or digit look-alikes).
#[derive(Debug, Clone)]
struct Group {
    span: Range<usize>,
    /// Where the group's digits start in [`DigitRuns::digits`].
    digit_start: usize,
    digits: usize,
}

/// The digit runs of a message: digits joined across separators, with the
/// byte span of each group. Reused across messages (no allocation once warm).
#[derive(Debug, Clone, Default)]
pub(crate) struct DigitRuns {
    /// The digits of every group, back to back.
    digits: String,
    groups: Vec<Group>,
    /// Each run as a range of `groups`.
    runs: Vec<Range<usize>>,
}

/// Read a token of digits, allowing `O`/`o` for 0, `l`/`I` for 1 and `S` for 5 when the
/// token has at least two real digits and more digits than look-alikes, or
/// (`joined`: the token directly continues a numeric group) as many real
/// digits as look-alikes ("9O" inside "O59-9O-l668").
fn numeric_token(tok: &str, joined: bool, out: &mut String) -> bool {
    let mut real = 0;
    let mut fake = 0;
    for b in tok.bytes() {
        match b {
            b'0'..=b'9' => real += 1,
            b'O' | b'o' | b'l' | b'I' | b'S' => fake += 1,
            _ => return false,
        }
    }
    if real == 0 || (fake > 0 && (fake > real || (real < 2 && !joined))) {
        return false;
    }
    for b in tok.bytes() {
        out.push(match b {
            b'O' | b'o' => '0',
            b'l' | b'I' => '1',
            b'S' => '5',
            d => d as char,
        });
    }
    true
}

impl DigitRuns {
    /// Split `text` into digit runs: numeric tokens separated by at most
    /// three separator characters from space, tab, dash, dot, parenthesis or
    /// one line break. Only tokens holding a real digit can be numeric, so
    /// the pass jumps from digit to digit; a token without digits between
    /// two numeric ones leaves a gap with a letter, which ends the run anyway.
    fn scan(&mut self, text: &str) {
        self.digits.clear();
        self.groups.clear();
        self.runs.clear();
        let bytes = text.as_bytes();
        let mut run_start = 0usize;
        let mut last_end: Option<usize> = None;
        let mut i = 0;
        while let Some(off) = bytes[i..].iter().position(u8::is_ascii_digit) {
            // The token around this digit.
            let mut s = i + off;
            while s > i && bytes[s - 1].is_ascii_alphanumeric() {
                s -= 1;
            }
            let mut e = i + off;
            while e < bytes.len() && bytes[e].is_ascii_alphanumeric() {
                e += 1;
            }
            i = e;
            // Tokens glued to non-ASCII letters are words, not numbers.
            let glued = (s > 0 && bytes[s - 1] >= 0x80) || (e < bytes.len() && bytes[e] >= 0x80);
            let digit_start = self.digits.len();
            let joined = last_end.is_some_and(|le| {
                let gap = &bytes[le..s];
                !gap.is_empty()
                    && gap.len() <= 3
                    && gap
                        .iter()
                        .all(|b| matches!(b, b' ' | b'\t' | b'-' | b'.' | b'(' | b')' | b'\n'))
                    && gap.iter().filter(|&&b| b == b'\n').count() <= 1
                    && gap.iter().filter(|&&b| b == b'.').count() <= 1
                    && !gap.starts_with(b". ")
            });
            if !glued && numeric_token(&text[s..e], joined, &mut self.digits) {
                if !joined && self.groups.len() > run_start {
                    self.runs.push(run_start..self.groups.len());
                    run_start = self.groups.len();
                }
                self.groups.push(Group {
                    span: s..e,
                    digit_start,
                    digits: e - s,
                });
                last_end = Some(e);
            } else {
                self.digits.truncate(digit_start);
                if self.groups.len() > run_start {
                    self.runs.push(run_start..self.groups.len());
                    run_start = self.groups.len();
                }
                last_end = None;
            }
        }
        if self.groups.len() > run_start {
            self.runs.push(run_start..self.groups.len());
        }
    }

    #[cfg(test)]
    fn run_digits(&self) -> Vec<String> {
        self.runs
            .iter()
            .map(|r| {
                self.groups[r.clone()]
                    .iter()
                    .map(|g| &self.digits[g.digit_start..g.digit_start + g.digits])
                    .collect()
            })
            .collect()
    }
}

/// Whether a suppressor for `kinds` (empty = every kind but PERSON and
/// QUASI) applies to a candidate of `kind`.
fn suppresses(kinds: &[Kind], kind: Kind) -> bool {
    if kinds.is_empty() {
        !matches!(kind, Kind::Person | Kind::Quasi)
    } else {
        kinds.contains(&kind)
    }
}

fn kind_severity(k: Kind) -> Severity {
    match k {
        Kind::NhsNumber
        | Kind::ChiNumber
        | Kind::HcNumber
        | Kind::Mrn
        | Kind::Ssn
        | Kind::MedicareId
        | Kind::InsuranceId
        | Kind::Nino
        | Kind::Phone
        | Kind::Email
        | Kind::Address
        | Kind::Financial
        | Kind::License
        | Kind::Url
        | Kind::IpAddress => Severity::High,
        Kind::Person
        | Kind::Date
        | Kind::Postcode
        | Kind::FacilityLocator
        | Kind::Vehicle
        | Kind::DeviceId
        | Kind::Quasi => Severity::Medium,
        Kind::AgeOver89 | Kind::Location => Severity::Low,
    }
}

fn severity_of(findings: &[Finding]) -> Option<Severity> {
    let mut best = findings.iter().map(|f| kind_severity(f.kind)).max()?;
    let distinct = {
        let mut k: Vec<Kind> = findings.iter().map(|f| f.kind).collect();
        k.sort();
        k.dedup();
        k.len()
    };
    if distinct >= 2 && best < Severity::High {
        best = if best == Severity::Low {
            Severity::Medium
        } else {
            Severity::High
        };
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics_digit_runs() {
        let mut runs = DigitRuns::default();
        runs.scan("NHS 530 382 6554 and l85 O45 798O, then 2213");
        assert_eq!(runs.run_digits(), vec!["5303826554", "1850457980", "2213"]);
        let r = &runs.groups[runs.runs[0].clone()];
        assert_eq!(r[0].span.start, 4);
        assert_eq!(r[2].span.end, 16);
    }

    /// Texts for the prefilter property test: every example, negative and
    /// guard line of the shipped rules, plus generated strings over the
    /// characters that identifier patterns care about.
    fn prefilter_texts() -> Vec<String> {
        let src = Sources::builtin();
        let mut out: Vec<String> = Vec::new();
        if let Ok(file) = parse_toml::<RuleFile>(RULES_FILE, &src.rules) {
            for r in &file.rule {
                out.extend(r.examples.iter().cloned());
                out.extend(r.negatives.iter().cloned());
            }
            for s in &file.suppress {
                out.extend(s.examples.iter().cloned());
            }
        }
        for text in [&src.never_flag, &src.must_flag] {
            for l in super::super::rules::list_lines(text) {
                out.push(l.rsplit('\t').next().unwrap_or(l).to_string());
            }
        }
        const ALPHABET: &[u8] = b"0123456789 9 1 44 07 ABCDEHMKWGNSXT-yo/Fa.id:+_b\n";
        const WORDS: [&str; 8] = [
            " yo",
            " aged ",
            " is ",
            " y/o",
            "-year-old",
            " this year",
            ", ",
            "OH ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..4000 {
            let len = 4 + (next() % 24) as usize;
            let mut s = String::with_capacity(len + 8);
            for _ in 0..len {
                let r = next();
                if r % 9 == 0 {
                    s.push_str(WORDS[(r / 9 % WORDS.len() as u64) as usize]);
                } else {
                    s.push(ALPHABET[(r / 9 % ALPHABET.len() as u64) as usize] as char);
                }
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn shapes_never_hide_matches() {
        let det = Detector::builtin();
        let texts = prefilter_texts();
        assert!(texts.len() > 4000);
        for text in &texts {
            let norm = Normalized::new(text);
            let mut bufs = CtxBufs::default();
            super::super::names::tokens_into(norm.text(), &mut bufs.toks);
            let ctx = det.context(norm.text(), &mut bufs);
            for rule in &det.rules {
                let Some(re) = &rule.regex else { continue };
                if re.is_match(norm.text()) {
                    assert!(
                        !Detector::prefiltered_out(rule, &ctx),
                        "rule {} is prefiltered out of a text it matches: {text:?}",
                        rule.id
                    );
                }
            }
            for s in &det.suppressors {
                if s.regex.is_match(norm.text()) {
                    assert!(
                        !shape_or_gate_missing(s.shape, &s.gate, s.gate_or_shape, &ctx),
                        "suppressor {} is prefiltered out of a text it matches: {text:?}",
                        s.id
                    );
                }
            }
        }
    }

    #[test]
    fn hard_negatives_digit_runs_do_not_cross_sentences() {
        let mut runs = DigitRuns::default();
        runs.scan("eGFR 17. 24 last month");
        assert_eq!(runs.runs.len(), 2);
        runs.scan("62M B12 x");
        assert!(runs.runs.is_empty());
    }
}
