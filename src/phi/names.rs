//! Patient names by context.
//!
//! Job: find names of patients and their relatives using the grammar of how
//! clinicians write them (title + surname, surname-first banners, "pt" or a
//! relationship word before a first name, a full name next to a clinical cue,
//! leetspeak names) and the public name lists in `config/phi/`. Doctors,
//! colleagues, public or historical figures and placeholders are not
//! patients: a name right after a clinician title or next to a colleague cue
//! is skipped, and so are names in messages with a public/historical cue.
//!
//! Invariants: name lists are only consulted for tokens that a context
//! pattern already selected (no whole-message dictionary pass); lookups are
//! lowercase ASCII; spans are token-aligned in the normalised text.

use super::detector::{Ctx, TriggerSet, TriggerTable};
use super::rules::{
    FIRST_NAMES_FILE, NAMES_FILE, RuleError, SURNAMES_FILE, Sources, list_lines, parse_toml,
};
use super::wordmap::WordMap;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// FNV-1a: names are short ASCII words, where it beats SipHash several times
/// over; the lists are our own data, so hash flooding is not a concern.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A set of lowercase ASCII words.
pub(crate) type WordSet = HashSet<String, BuildHasherDefault<Fnv>>;

/// Whether `word`, lowercased, is in `set` (no allocation).
pub(crate) fn contains_lower(set: &WordSet, word: &str) -> bool {
    let b = word.as_bytes();
    if b.len() > 40 || !word.is_ascii() {
        return false;
    }
    let mut buf = [0u8; 40];
    for (i, c) in b.iter().enumerate() {
        buf[i] = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..b.len()]).is_ok_and(|w| set.contains(w))
}

/// Which name recogniser produced a finding (the `pattern` of a person rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonRule {
    Title,
    Banner,
    FullName,
    Cue,
    Relative,
    Descriptor,
    Leet,
}

impl PersonRule {
    /// Parse a recogniser name from a rule file.
    pub fn parse(s: &str) -> Option<PersonRule> {
        Some(match s {
            "title" => PersonRule::Title,
            "banner" => PersonRule::Banner,
            "full_name" => PersonRule::FullName,
            "cue" => PersonRule::Cue,
            "relative" => PersonRule::Relative,
            "descriptor" => PersonRule::Descriptor,
            "leet" => PersonRule::Leet,
            _ => return None,
        })
    }
}

/// `names.toml`: the word lists that steer the name recognisers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesSpec {
    titles: Vec<String>,
    clinician_titles: Vec<String>,
    patient_words: Vec<String>,
    relations: Vec<String>,
    own_possessives: Vec<String>,
    descriptors: Vec<String>,
    fillers: Vec<String>,
    placeholders: Vec<String>,
    not_names: Vec<String>,
    ambiguous_names: Vec<String>,
    patient_cues: Vec<String>,
    colleague_cues: Vec<String>,
    public_cues: Vec<String>,
}

/// Name lists and cue sets.
#[derive(Debug)]
pub struct NameModel {
    patient_cues: TriggerSet,
    colleague_cues: TriggerSet,
    public_cues: TriggerSet,
    /// First names and surnames (bits `FIRST`, `SURNAME`): the big lists,
    /// probed only for tokens a recogniser is looking at.
    names: WordMap<u16>,
    /// The small word lists with their bits, merged into the detector's
    /// lexicon so that every token gets them from its one probe.
    small: Vec<(String, u16)>,
}

const FIRST: u16 = 1;
const SURNAME: u16 = 1 << 1;
const TITLE: u16 = 1 << 2;
const CLINICIAN: u16 = 1 << 3;
const PATIENT_WORD: u16 = 1 << 4;
const RELATION: u16 = 1 << 5;
const OWN: u16 = 1 << 6;
const DESCRIPTOR: u16 = 1 << 7;
const FILLER: u16 = 1 << 8;
const PLACEHOLDER: u16 = 1 << 9;
const NOT_NAME: u16 = 1 << 10;
const AMBIGUOUS: u16 = 1 << 11;

fn name_set(file: &str, text: &str) -> Result<WordSet, RuleError> {
    let mut out = WordSet::default();
    for (n, line) in list_lines(text).enumerate() {
        if !line
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'\'' || b == b'-')
        {
            return Err(RuleError::Guard {
                file: file.to_string(),
                line: n + 1,
                reason: "name entries must be ASCII letters, apostrophes or hyphens".to_string(),
            });
        }
        out.insert(line.to_ascii_lowercase());
    }
    Ok(out)
}

/// A word token of the normalised text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    /// End of the token's leading ASCII alphanumeric run ("o" of "o'brien";
    /// `start` when the token starts with a non-ASCII letter).
    pub alnum_end: usize,
    pub cap: bool,
    pub all_caps: bool,
    pub has_digit: bool,
    pub has_alpha: bool,
    /// Name-list bits of the word (filled by [`NameModel::annotate`]; 0 before).
    pub lex: u16,
}

/// Tokenise into words: letters, digits, inner apostrophes and hyphens; a
/// trailing possessive `'s` is left out of the token.
#[cfg(test)]
pub(crate) fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    tokens_into(text, &mut out);
    out
}

/// [`tokens`] into a reused buffer (cleared first).
pub(crate) fn tokens_into(text: &str, out: &mut Vec<Tok>) {
    out.clear();
    if text.is_ascii() {
        tokens_ascii(text.as_bytes(), out);
    } else {
        tokens_mixed(text, out);
    }
}

/// The character starting at byte `i` of `text` (a char boundary) and its
/// length in bytes; ASCII bytes are taken as they are, only non-ASCII
/// sequences are decoded.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b < 0x80 {
        return Some((char::from(b), 1));
    }
    let c = text.get(i..)?.chars().next()?;
    Some((c, c.len_utf8()))
}

/// [`tokens`] for text with non-ASCII characters: the same tokens, walking
/// bytes and decoding only the non-ASCII characters.
fn tokens_mixed(text: &str, out: &mut Vec<Tok>) {
    let mut i = 0;
    while let Some((c, len)) = char_at(text, i) {
        i += len;
        if !c.is_alphanumeric() {
            continue;
        }
        let start = i - len;
        while let Some((d, dl)) = char_at(text, i) {
            if d.is_alphanumeric() {
                i += dl;
            } else if (d == '\'' || d == '-')
                && char_at(text, i + 1).is_some_and(|(e, _)| e.is_alphanumeric())
            {
                // The joiner; the character after it is taken next round.
                i += 1;
            } else {
                break;
            }
        }
        let mut word = &text[start..i];
        if word.len() > 2 && (word.ends_with("'s") || word.ends_with("'S")) {
            word = &word[..word.len() - 2];
        }
        let (mut alpha, mut all_upper, mut digit) = (0usize, true, false);
        for ch in word.chars() {
            if ch.is_alphabetic() {
                alpha += 1;
                all_upper &= ch.is_uppercase();
            } else if ch.is_ascii_digit() {
                digit = true;
            }
        }
        let b = text.as_bytes();
        let mut alnum_end = start;
        while alnum_end < b.len() && b[alnum_end].is_ascii_alphanumeric() {
            alnum_end += 1;
        }
        out.push(Tok {
            start,
            end: start + word.len(),
            alnum_end,
            cap: c.is_uppercase(),
            all_caps: alpha >= 2 && all_upper,
            has_digit: digit,
            has_alpha: alpha > 0,
            lex: 0,
        });
    }
}

/// A listed first name that is not also a common word or eponym.
fn first_bits(b: u16) -> bool {
    b & FIRST != 0 && b & (NOT_NAME | AMBIGUOUS) == 0
}

/// A listed surname that is not also a common word or eponym.
fn surname_bits(b: u16) -> bool {
    b & SURNAME != 0 && b & (NOT_NAME | AMBIGUOUS) == 0
}

/// Byte classes for [`tokens_ascii`].
const C_ALNUM: u8 = 1;
const C_UPPER: u8 = 2;
const C_ALPHA: u8 = 4;
const C_DIGIT: u8 = 8;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_uppercase() {
            C_ALNUM | C_UPPER | C_ALPHA
        } else if c.is_ascii_lowercase() {
            C_ALNUM | C_ALPHA
        } else if c.is_ascii_digit() {
            C_ALNUM | C_DIGIT
        } else {
            0
        };
        i += 1;
    }
    t
};

/// [`tokens`] for ASCII text: the same tokens, in one pass over the bytes
/// (a token's letter, capital and digit counts are kept as it is read).
fn tokens_ascii(b: &[u8], out: &mut Vec<Tok>) {
    let n = b.len();
    let class = |i: usize| CLASS[usize::from(b[i])];
    let mut i = 0;
    while i < n {
        if class(i) & C_ALNUM == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut alnum_end = None;
        let (mut upper, mut alpha, mut digit) = (0usize, 0usize, false);
        while i < n {
            let c = class(i);
            if c & C_ALNUM != 0 {
                upper += usize::from(c & C_UPPER != 0);
                alpha += usize::from(c & C_ALPHA != 0);
                digit |= c & C_DIGIT != 0;
                i += 1;
            } else if (b[i] == b'\'' || b[i] == b'-') && i + 1 < n && class(i + 1) & C_ALNUM != 0 {
                alnum_end.get_or_insert(i);
                i += 1;
            } else {
                break;
            }
        }
        let mut end = i;
        if end - start > 2 && b[end - 2] == b'\'' && (b[end - 1] | 0x20) == b's' {
            // A possessive 's is not part of the name.
            alpha -= 1;
            upper -= usize::from(b[end - 1] == b'S');
            end -= 2;
        }
        out.push(Tok {
            start,
            end,
            alnum_end: alnum_end.unwrap_or(i),
            cap: b[start].is_ascii_uppercase(),
            all_caps: alpha >= 2 && upper == alpha,
            has_digit: digit,
            has_alpha: alpha > 0,
            lex: 0,
        });
    }
}

fn deleet(word: &str, one_as: char) -> String {
    word.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => one_as,
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            '@' => 'a',
            '$' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl NameModel {
    /// Load `names.toml` and the two name lists.
    pub(crate) fn load(src: &Sources, triggers: &mut TriggerTable) -> Result<NameModel, RuleError> {
        let spec: NamesSpec = parse_toml(NAMES_FILE, &src.names)?;
        let ids = |v: &[String], t: &mut TriggerTable| TriggerSet::new(v.iter().map(|w| t.id(w)));
        let first = name_set(FIRST_NAMES_FILE, &src.first_names)?;
        let surnames = name_set(SURNAMES_FILE, &src.surnames)?;
        let mut names: HashMap<Box<[u8]>, u16, BuildHasherDefault<Fnv>> = HashMap::default();
        for (list, bit) in [(&first, FIRST), (&surnames, SURNAME)] {
            for w in list {
                *names.entry(w.as_bytes().into()).or_default() |= bit;
            }
        }
        let mut small = Vec::new();
        for (list, bit) in [
            (&spec.titles, TITLE),
            (&spec.clinician_titles, CLINICIAN),
            (&spec.patient_words, PATIENT_WORD),
            (&spec.relations, RELATION),
            (&spec.own_possessives, OWN),
            (&spec.descriptors, DESCRIPTOR),
            (&spec.fillers, FILLER),
            (&spec.placeholders, PLACEHOLDER),
            (&spec.not_names, NOT_NAME),
            (&spec.ambiguous_names, AMBIGUOUS),
        ] {
            small.extend(list.iter().map(|w| (w.trim().to_ascii_lowercase(), bit)));
        }
        // The exclusions travel with the names too, so a name probe alone
        // (leetspeak readings) knows a listed name is also a common word.
        for (w, bit) in &small {
            if bit & (NOT_NAME | AMBIGUOUS) != 0 {
                *names.entry(w.as_bytes().into()).or_default() |= bit;
            }
        }
        Ok(NameModel {
            names: WordMap::build(names.into_iter().map(|(w, b)| (w.into_vec(), b)), |a, b| {
                *a |= b
            }),
            small,
            patient_cues: ids(&spec.patient_cues, triggers),
            colleague_cues: ids(&spec.colleague_cues, triggers),
            public_cues: ids(&spec.public_cues, triggers),
        })
    }

    /// The small word lists and their bits (for the detector's lexicon,
    /// which fills [`Tok::lex`]).
    pub(crate) fn small_words(&self) -> &[(String, u16)] {
        &self.small
    }

    /// Name-list bits (`FIRST`, `SURNAME`) of a word (one probe, no allocation).
    fn name_bits(&self, w: &str) -> u16 {
        self.names.get(w.as_bytes()).unwrap_or(0)
    }

    /// All list bits of a token: its small-list bits plus its name bits.
    fn bits_of(&self, text: &str, t: &Tok) -> u16 {
        t.lex | self.name_bits(&text[t.start..t.end])
    }

    /// A listed first name that is not also a common word or eponym.
    fn first(&self, text: &str, t: &Tok) -> bool {
        first_bits(self.bits_of(text, t)) || self.double_first(&text[t.start..t.end])
    }

    /// A hyphenated given name whose parts are both listed given names
    /// ("Lily-Mae", "Jean-Paul"): as a compound it is not an ordinary word.
    fn double_first(&self, w: &str) -> bool {
        let mut parts = w.split('-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => {
                a.len() >= 2
                    && b.len() >= 2
                    && self.name_bits(a) & FIRST != 0
                    && self.name_bits(b) & FIRST != 0
            }
            _ => false,
        }
    }

    /// A listed surname that is not also a common word or eponym.
    fn surname(&self, text: &str, t: &Tok) -> bool {
        surname_bits(self.bits_of(text, t))
    }

    fn is_first(&self, w: &str) -> bool {
        first_bits(self.name_bits(w))
    }

    fn is_surname(&self, w: &str) -> bool {
        surname_bits(self.name_bits(w))
    }

    /// A capitalised word that can be part of a name (not a common word).
    fn cap_name(&self, text: &str, t: &Tok) -> bool {
        t.cap
            && t.has_alpha
            && !t.has_digit
            && !t.all_caps
            && t.lex & (NOT_NAME | TITLE | CLINICIAN) == 0
            && text[t.start..t.end].chars().nth(1).is_some()
    }

    fn placeholder(&self, text: &str, t: &Tok) -> bool {
        t.lex & PLACEHOLDER != 0 || text[t.start..t.end].chars().nth(1).is_none()
    }

    /// Gap between two tokens is plain spacing (optionally one `.` after an initial).
    fn tight(text: &str, a: &Tok, b: &Tok) -> bool {
        let gap = &text[a.end..b.start];
        !gap.is_empty() && gap.len() <= 3 && gap.trim_start_matches('.').chars().all(|c| c == ' ')
    }

    fn prev_is_clinician(&self, text: &str, toks: &[Tok], i: usize) -> bool {
        if i == 0 {
            return false;
        }
        let p = &toks[i - 1];
        let gap = &text[p.end..toks[i].start];
        gap.len() <= 3 && p.lex & CLINICIAN != 0
    }

    /// Whether `rest` opens with a bracketed patient number ("Ann Lee (943 476 5919)"):
    /// 6 to 12 digits, spaces or hyphens only, not starting with 0 (a phone line).
    fn bracketed_id(rest: &str) -> bool {
        let Some(inner) = rest.strip_prefix(" (") else {
            return false;
        };
        let Some(close) = inner.find(')') else {
            return false;
        };
        let inner = &inner[..close];
        let digits = inner.bytes().filter(u8::is_ascii_digit).count();
        !inner.starts_with('0')
            && inner
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-')
            && inner.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && (6..=12).contains(&digits)
    }

    fn colleague_after(&self, ctx: &Ctx<'_>, r: &Range<usize>) -> bool {
        ctx.near(&self.colleague_cues, r, 0, 30).is_some()
            || ctx.near(&self.colleague_cues, r, 12, 0).is_some()
    }

    /// All name findings: (normalised span, recogniser, confidence factor).
    pub(crate) fn find(&self, ctx: &Ctx<'_>) -> Vec<(Range<usize>, PersonRule, f32)> {
        let text = ctx.text;
        let toks = ctx.toks;
        let mut out = Vec::new();
        let public = ctx.any(&self.public_cues);
        let n = toks.len();
        let mut i = 0;
        while i < n {
            let t = toks[i];
            let w = &text[t.start..t.end];
            // 1. Title + (initials) + name.
            if t.lex & TITLE != 0 && !t.all_caps && i + 1 < n {
                let gap = &text[t.end..toks[i + 1].start];
                if gap.len() <= 2 && gap.trim_start_matches('.').chars().all(|c| c == ' ') {
                    let mut j = i + 1;
                    let mut last = None;
                    let mut initials = 0;
                    while j < n && initials < 2 {
                        let tj = &toks[j];
                        if text[tj.start..tj.end].chars().count() == 1
                            && tj.cap
                            && j + 1 < n
                            && Self::tight(text, tj, &toks[j + 1])
                        {
                            initials += 1;
                            j += 1;
                        } else {
                            break;
                        }
                    }
                    let mut names = 0;
                    while j < n && names < 3 {
                        let tj = toks[j];
                        let prev = toks[j - 1];
                        if !Self::tight(text, &prev, &tj) && j != i + 1 {
                            break;
                        }
                        let wj = &text[tj.start..tj.end];
                        // Lowercase words continue a name only when the whole name is
                        // lowercase ("mrs okafor"), never after a capitalised part.
                        let lower_name = names == 0 || !toks[i + 1 + initials].cap;
                        let ok = if tj.cap {
                            self.cap_name(text, &tj) || (tj.all_caps && self.surname(text, &tj))
                        } else {
                            lower_name
                                && wj.len() >= 3
                                && !tj.has_digit
                                && (self.first(text, &tj) || self.surname(text, &tj))
                        };
                        if !ok {
                            break;
                        }
                        if self.placeholder(text, &tj) {
                            last = None;
                            break;
                        }
                        last = Some(tj.end);
                        names += 1;
                        j += 1;
                    }
                    if let Some(end) = last {
                        out.push((t.start..end, PersonRule::Title, 1.0));
                        i = j;
                        continue;
                    }
                }
            }
            // 2. Surname-first banner: SMITH, John.
            if t.all_caps
                && !t.has_digit
                && w.len() >= 3
                && i + 1 < n
                && t.lex & (NOT_NAME | PLACEHOLDER) == 0
            {
                let nx = toks[i + 1];
                let gap = &text[t.end..nx.start];
                // A forename off the lists still counts when a bracketed
                // title follows ("SMITH, Adaeze (Mrs)").
                let titled = || {
                    i + 2 < n
                        && toks[i + 2].lex & TITLE != 0
                        && text[nx.end..toks[i + 2].start].trim() == "("
                        && text[toks[i + 2].end..]
                            .trim_start_matches('.')
                            .starts_with(')')
                };
                if gap.trim() == ","
                    && gap.len() <= 3
                    && nx.cap
                    && (self.first(text, &nx) || (!nx.all_caps && titled()))
                {
                    let mut end = nx.end;
                    if i + 2 < n {
                        let t2 = toks[i + 2];
                        if text[t2.start..t2.end].chars().count() == 1
                            && t2.cap
                            && text[nx.end..t2.start] == *" "
                        {
                            end = t2.end;
                        }
                    }
                    out.push((t.start..end, PersonRule::Banner, 1.0));
                    i += 2;
                    continue;
                }
            }
            // 3. Patient word (+ filler) + capitalised name.
            if t.lex & PATIENT_WORD != 0 && i + 1 < n {
                let mut j = i + 1;
                while j < n && j <= i + 3 && toks[j].lex & FILLER != 0 {
                    j += 1;
                }
                let mut end = None;
                let mut k = j;
                while k < n && k < j + 3 {
                    let tk = toks[k];
                    let wk = &text[tk.start..tk.end];
                    let leet_ok = tk.has_digit && tk.has_alpha && self.leet_name(wk);
                    if !(self.cap_name(text, &tk) || leet_ok) || self.placeholder(text, &tk) {
                        break;
                    }
                    if k > j && !Self::tight(text, &toks[k - 1], &tk) {
                        break;
                    }
                    end = Some(tk.end);
                    k += 1;
                }
                let gap_txt = &text[t.end..toks[j.min(n - 1)].start];
                // A table header ("| Pt | Issue |") is not "pt" + name, and a
                // name never starts the next sentence ("my patient. Do I …").
                let gap_ok = gap_txt.len() <= 12 && !gap_txt.contains(['|', '.', '!', '?', '\n']);
                if let (Some(e), true) = (end, gap_ok) {
                    out.push((toks[j].start..e, PersonRule::Cue, 1.0));
                    i = k;
                    continue;
                }
            }
            // 4. Relationship word + first name ("her son Gareth", "Daughter (Tanya)").
            // A capitalised word that is also a clinician title ("Sister Okafor",
            // "Matron") names a colleague, not a relative.
            if t.lex & RELATION != 0 && i + 1 < n && !(t.cap && t.lex & CLINICIAN != 0) {
                let own = i > 0 && toks[i - 1].lex & OWN != 0;
                if !own {
                    let mut j = i + 1;
                    while j < n && j <= i + 2 && toks[j].lex & FILLER != 0 {
                        j += 1;
                    }
                    if j < n {
                        let tj = toks[j];
                        let gap = &text[t.end..tj.start];
                        // A listed first name, or any capitalised full name
                        // ("Mum is Thandiwe Mokoena").
                        let full = j + 1 < n
                            && Self::tight(text, &tj, &toks[j + 1])
                            && self.cap_name(text, &toks[j + 1])
                            && !self.placeholder(text, &toks[j + 1]);
                        if gap.len() <= 12
                            && !gap.contains('.')
                            && self.cap_name(text, &tj)
                            && !self.placeholder(text, &tj)
                            && (self.first(text, &tj) || full)
                        {
                            let mut end = tj.end;
                            if j + 1 < n
                                && Self::tight(text, &tj, &toks[j + 1])
                                && self.cap_name(text, &toks[j + 1])
                            {
                                end = toks[j + 1].end;
                            }
                            let r = tj.start..end;
                            if !self.colleague_after(ctx, &r) {
                                out.push((r, PersonRule::Relative, 1.0));
                                i = j + 1;
                                continue;
                            }
                        }
                    }
                }
            }
            // 5. Leetspeak full name ("k3v1n br4dy").
            if i + 1 < n
                && (t.has_digit || toks[i + 1].has_digit)
                && t.has_alpha
                && toks[i + 1].has_alpha
            {
                let a = w;
                let b = &text[toks[i + 1].start..toks[i + 1].end];
                if Self::tight(text, &t, &toks[i + 1])
                    && a.len() >= 3
                    && b.len() >= 3
                    && (self.leet_first(a))
                    && self.leet_surname(b)
                {
                    out.push((t.start..toks[i + 1].end, PersonRule::Leet, 1.0));
                    i += 2;
                    continue;
                }
            }
            // 6. First name + descriptor ("Joan (the lady with …)").
            if self.cap_name(text, &t)
                && !self.placeholder(text, &t)
                && i + 2 < n
                && !self.prev_is_clinician(text, toks, i)
            {
                // Optional surname between the first name and the description.
                let mut last = i;
                if self.first(text, &t)
                    && Self::tight(text, &t, &toks[i + 1])
                    && self.cap_name(text, &toks[i + 1])
                {
                    last = i + 1;
                }
                if last + 2 < n {
                    let gap = &text[toks[last].end..toks[last + 1].start];
                    let the = &text[toks[last + 1].start..toks[last + 1].end];
                    let desc = (last + 2..(last + 5).min(n)).any(|k| {
                        let d = toks[k];
                        let dw = &text[d.start..d.end];
                        d.lex & DESCRIPTOR != 0
                            || (d.has_digit && dw.ends_with("yo"))
                            || (gap == " (" && k == last + 2 && dw.eq_ignore_ascii_case("one"))
                    });
                    // Names outside the lists need the bracketed form "Name (the …".
                    let listed = self.first(text, &t);
                    if (gap == " (" || (listed && gap == ", "))
                        && the.eq_ignore_ascii_case("the")
                        && desc
                    {
                        out.push((t.start..toks[last].end, PersonRule::Descriptor, 1.0));
                        i = last + 3;
                        continue;
                    }
                }
            }
            // 7. Full name next to a clinical cue.
            if !public
                && self.cap_name(text, &t)
                && self.first(text, &t)
                && i + 1 < n
                && !self.prev_is_clinician(text, toks, i)
            {
                let t2 = toks[i + 1];
                if Self::tight(text, &t, &t2)
                    && self.cap_name(text, &t2)
                    && !self.placeholder(text, &t2)
                {
                    let mut end = t2.end;
                    let mut j = i + 2;
                    if j < n
                        && Self::tight(text, &t2, &toks[j])
                        && self.cap_name(text, &toks[j])
                        && self.surname(text, &toks[j])
                    {
                        end = toks[j].end;
                        j += 1;
                    }
                    let r = t.start..end;
                    let cue = ctx.near(&self.patient_cues, &r, 50, 40).is_some()
                        || Self::bracketed_id(&text[end..]);
                    if cue && !self.colleague_after(ctx, &r) {
                        out.push((r, PersonRule::FullName, 1.0));
                        i = j;
                        continue;
                    }
                }
            }
            i += 1;
        }
        if text.contains('|') {
            Self::table_names(text, &mut out);
        }
        out
    }

    /// Cells under a "Pt" / "Patient" / "Name" column of a pipe table are patient
    /// names ("| 4 | D. Okafor | ?sepsis |"): a capitalised cell of letters, dots,
    /// hyphens, apostrophes and spaces only, at most four words.
    fn table_names(text: &str, out: &mut Vec<(Range<usize>, PersonRule, f32)>) {
        let mut col: Option<usize> = None;
        let mut pos = 0;
        for line in text.split_inclusive('\n') {
            let start = pos;
            pos += line.len();
            let l = line.trim_end();
            if !l.trim_start().starts_with('|') {
                col = None;
                continue;
            }
            let mut cells = Vec::new();
            let mut off = start + l.find('|').unwrap_or(0) + 1;
            for cell in l.trim_start().trim_start_matches('|').split('|') {
                cells.push((off, cell));
                off += cell.len() + 1;
            }
            match col {
                None => {
                    col = cells.iter().position(|(_, c)| {
                        let c = c.trim().to_ascii_lowercase();
                        matches!(
                            c.as_str(),
                            "pt" | "patient" | "name" | "patient name" | "pt name"
                        )
                    });
                }
                Some(k) => {
                    let Some(&(o, cell)) = cells.get(k) else {
                        continue;
                    };
                    let c = cell.trim();
                    let ok = c.chars().next().is_some_and(char::is_uppercase)
                        && c.chars().filter(|ch| ch.is_alphabetic()).count() >= 3
                        && c.chars()
                            .all(|ch| ch.is_alphabetic() || " .-'".contains(ch))
                        && c.split_whitespace().count() <= 4
                        && !c.eq_ignore_ascii_case("name");
                    if ok {
                        let s0 = o + cell.find(c).unwrap_or(0);
                        out.push((s0..s0 + c.len(), PersonRule::Cue, 1.0));
                    }
                }
            }
        }
    }

    fn leet_name(&self, w: &str) -> bool {
        self.leet_first(w) || self.leet_surname(w)
    }

    fn leet_first(&self, w: &str) -> bool {
        ['i', 'l'].iter().any(|&c| {
            let d = deleet(w, c);
            self.is_first(&d)
        })
    }

    fn leet_surname(&self, w: &str) -> bool {
        ['i', 'l'].iter().any(|&c| {
            let d = deleet(w, c);
            self.is_surname(&d)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-at-a-time tokeniser the byte-level one replaced.
    fn tokens_by_char(text: &str) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut iter = text.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if !c.is_alphanumeric() {
                continue;
            }
            let start = i;
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if d.is_alphanumeric() {
                    end = j + d.len_utf8();
                    iter.next();
                } else if (d == '\'' || d == '-')
                    && text[j + 1..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
                {
                    iter.next();
                } else {
                    break;
                }
            }
            let mut word = &text[start..end];
            if word.len() > 2 && (word.ends_with("'s") || word.ends_with("'S")) {
                word = &word[..word.len() - 2];
            }
            let end = start + word.len();
            let first = word.chars().next().unwrap_or(' ');
            let letters = word.chars().filter(|c| c.is_alphabetic());
            let all_caps = word.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && letters.clone().all(char::is_uppercase);
            let alnum_end = start
                + text[start..]
                    .bytes()
                    .take_while(u8::is_ascii_alphanumeric)
                    .count();
            out.push(Tok {
                start,
                end,
                alnum_end,
                cap: first.is_uppercase(),
                all_caps,
                has_digit: word.chars().any(|c| c.is_ascii_digit()),
                has_alpha: word.chars().any(char::is_alphabetic),
                lex: 0,
            });
        }
        out
    }

    fn tok_tuple(t: &Tok) -> (usize, usize, usize, bool, bool, bool, bool) {
        (
            t.start,
            t.end,
            t.alnum_end,
            t.cap,
            t.all_caps,
            t.has_digit,
            t.has_alpha,
        )
    }

    #[test]
    fn byte_tokeniser_matches_char_tokeniser() {
        let mut texts: Vec<String> = [
            "Ärztin Ödön's MRI-Befund, ÉLODIE-Marie l'hôpital 12ab ß'S",
            "ΑΘΗΝΑ Σοφία's x-ray — naïve café'-ok 'quoted' -dash- end'",
            "日本語テキスト 東京-123 Ⅻ ⅷ ½ ٣٤٥ O'Brien's ÇA'S a's",
            "emoji 👩‍⚕️Dr Ñoño-Ü'ß'x ǅemal ǈ İstanbul K-'x a-'-b 'é",
            "mixed\u{200b}zero width ＡＢＣ１２３ ａｂ'ｓ 'S's Ab'S",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let corpus = include_str!("../../config/phi/never_flag.txt");
        texts.extend(corpus.lines().map(str::to_string));
        let must = include_str!("../../config/phi/must_flag.txt");
        texts.extend(must.lines().map(str::to_string));
        // Every suffix and prefix at a char boundary of the hand-made texts.
        let mut more = Vec::new();
        for t in texts.iter().take(5) {
            for (i, _) in t.char_indices() {
                more.push(t[i..].to_string());
                more.push(t[..i].to_string());
            }
        }
        texts.extend(more);
        let mut non_ascii = 0;
        for t in &texts {
            non_ascii += usize::from(!t.is_ascii());
            let a: Vec<_> = tokens(t).iter().map(tok_tuple).collect();
            let b: Vec<_> = tokens_by_char(t).iter().map(tok_tuple).collect();
            assert_eq!(a, b, "tokeniser differs on text #{}", t.len());
        }
        assert!(non_ascii > 100);
    }

    #[test]
    fn basics_tokens() {
        let t = tokens("Mrs O'Brien's MRI, HOLLOWAY, k3v1n");
        let words: Vec<&str> = t
            .iter()
            .map(|k| &"Mrs O'Brien's MRI, HOLLOWAY, k3v1n"[k.start..k.end])
            .collect();
        assert_eq!(words, vec!["Mrs", "O'Brien", "MRI", "HOLLOWAY", "k3v1n"]);
        assert!(t[3].all_caps && t[4].has_digit);
    }

    #[test]
    fn ascii_tokens_match_unicode_tokens() {
        let rows = [
            "Mrs O'Brien's MRI, HOLLOWAY, k3v1n",
            "x-ray's 'quoted' -lead trail- it's A's 12-34 a--b a''b o's",
            "SMITH, John | 4 West bed 12's",
        ];
        for text in rows {
            let mut ascii = Vec::new();
            tokens_ascii(text.as_bytes(), &mut ascii);
            let a: Vec<(usize, usize, bool, bool, bool, bool)> = ascii
                .iter()
                .map(|t| (t.start, t.end, t.cap, t.all_caps, t.has_digit, t.has_alpha))
                .collect();
            // The general path, forced by a trailing non-ASCII character.
            let wide = format!("{text} \u{e9}");
            let mut b: Vec<(usize, usize, bool, bool, bool, bool)> = tokens(&wide)
                .iter()
                .map(|t| (t.start, t.end, t.cap, t.all_caps, t.has_digit, t.has_alpha))
                .collect();
            b.pop();
            assert_eq!(a, b, "{text}");
        }
    }

    #[test]
    fn basics_deleet() {
        assert_eq!(deleet("k3v1n", 'i'), "kevin");
        assert_eq!(deleet("R4mirez", 'i'), "ramirez");
    }
}
