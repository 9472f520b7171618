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

use super::detector::{Ctx, TriggerTable};
use super::rules::{
    FIRST_NAMES_FILE, NAMES_FILE, RuleError, SURNAMES_FILE, Sources, list_lines, parse_toml,
};
use serde::Deserialize;
use std::collections::HashSet;
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
    first: WordSet,
    surnames: WordSet,
    titles: WordSet,
    clinician_titles: WordSet,
    patient_words: WordSet,
    relations: WordSet,
    own_possessives: WordSet,
    descriptors: WordSet,
    fillers: WordSet,
    placeholders: WordSet,
    not_names: WordSet,
    ambiguous: WordSet,
    patient_cues: Vec<u32>,
    colleague_cues: Vec<u32>,
    public_cues: Vec<u32>,
}

fn set(v: &[String]) -> WordSet {
    v.iter().map(|s| s.trim().to_ascii_lowercase()).collect()
}

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
    pub cap: bool,
    pub all_caps: bool,
    pub has_digit: bool,
    pub has_alpha: bool,
}

/// Tokenise into words: letters, digits, inner apostrophes and hyphens; a
/// trailing possessive `'s` is left out of the token.
pub(crate) fn tokens(text: &str) -> Vec<Tok> {
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
        out.push(Tok {
            start,
            end,
            cap: first.is_uppercase(),
            all_caps,
            has_digit: word.chars().any(|c| c.is_ascii_digit()),
            has_alpha: word.chars().any(char::is_alphabetic),
        });
    }
    out
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
        let ids =
            |v: &[String], t: &mut TriggerTable| v.iter().map(|w| t.id(w)).collect::<Vec<u32>>();
        Ok(NameModel {
            first: name_set(FIRST_NAMES_FILE, &src.first_names)?,
            surnames: name_set(SURNAMES_FILE, &src.surnames)?,
            titles: set(&spec.titles),
            clinician_titles: set(&spec.clinician_titles),
            patient_words: set(&spec.patient_words),
            relations: set(&spec.relations),
            own_possessives: set(&spec.own_possessives),
            descriptors: set(&spec.descriptors),
            fillers: set(&spec.fillers),
            placeholders: set(&spec.placeholders),
            not_names: set(&spec.not_names),
            ambiguous: set(&spec.ambiguous_names),
            patient_cues: ids(&spec.patient_cues, triggers),
            colleague_cues: ids(&spec.colleague_cues, triggers),
            public_cues: ids(&spec.public_cues, triggers),
        })
    }

    fn is_first(&self, w: &str) -> bool {
        contains_lower(&self.first, w)
            && !contains_lower(&self.not_names, w)
            && !contains_lower(&self.ambiguous, w)
    }

    fn is_surname(&self, w: &str) -> bool {
        contains_lower(&self.surnames, w)
            && !contains_lower(&self.not_names, w)
            && !contains_lower(&self.ambiguous, w)
    }

    fn in_set(s: &WordSet, w: &str) -> bool {
        contains_lower(s, w)
    }

    /// A capitalised word that can be part of a name (not a common word).
    fn cap_name(&self, text: &str, t: &Tok) -> bool {
        let w = &text[t.start..t.end];
        t.cap
            && t.has_alpha
            && !t.has_digit
            && w.chars().count() >= 2
            && !t.all_caps
            && !Self::in_set(&self.not_names, w)
            && !Self::in_set(&self.titles, w)
            && !Self::in_set(&self.clinician_titles, w)
    }

    fn placeholder(&self, text: &str, t: &Tok) -> bool {
        let w = &text[t.start..t.end];
        w.chars().count() == 1 || Self::in_set(&self.placeholders, w)
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
        let w = &text[p.start..p.end];
        let gap = &text[p.end..toks[i].start];
        gap.len() <= 3 && Self::in_set(&self.clinician_titles, w)
    }

    fn colleague_after(&self, ctx: &Ctx<'_>, r: &Range<usize>) -> bool {
        ctx.near(&self.colleague_cues, r, 0, 30).is_some()
            || ctx.near(&self.colleague_cues, r, 12, 0).is_some()
    }

    /// All name findings: (normalised span, recogniser, confidence factor).
    pub(crate) fn find(&self, ctx: &Ctx<'_>) -> Vec<(Range<usize>, PersonRule, f32)> {
        let text = ctx.text;
        let toks = &ctx.toks;
        let mut out = Vec::new();
        let public = ctx.any(&self.public_cues);
        let n = toks.len();
        let mut i = 0;
        while i < n {
            let t = toks[i];
            let w = &text[t.start..t.end];
            // 1. Title + (initials) + name.
            if Self::in_set(&self.titles, w) && !t.all_caps && i + 1 < n {
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
                            self.cap_name(text, &tj) || (tj.all_caps && self.is_surname(wj))
                        } else {
                            lower_name
                                && wj.len() >= 3
                                && !tj.has_digit
                                && (self.is_first(wj) || self.is_surname(wj))
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
                && !Self::in_set(&self.not_names, w)
            {
                let nx = toks[i + 1];
                let gap = &text[t.end..nx.start];
                let nw = &text[nx.start..nx.end];
                if gap.trim() == "," && gap.len() <= 3 && nx.cap && self.is_first(nw) {
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
            if Self::in_set(&self.patient_words, w) && i + 1 < n {
                let mut j = i + 1;
                while j < n
                    && j <= i + 3
                    && Self::in_set(&self.fillers, &text[toks[j].start..toks[j].end])
                {
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
                let gap_ok = text[t.end..toks[j.min(n - 1)].start].len() <= 12;
                if let (Some(e), true) = (end, gap_ok) {
                    out.push((toks[j].start..e, PersonRule::Cue, 1.0));
                    i = k;
                    continue;
                }
            }
            // 4. Relationship word + first name ("her son Gareth", "Daughter (Tanya)").
            if Self::in_set(&self.relations, w) && i + 1 < n {
                let own = i > 0
                    && Self::in_set(
                        &self.own_possessives,
                        &text[toks[i - 1].start..toks[i - 1].end],
                    );
                if !own {
                    let mut j = i + 1;
                    while j < n
                        && j <= i + 2
                        && Self::in_set(&self.fillers, &text[toks[j].start..toks[j].end])
                    {
                        j += 1;
                    }
                    if j < n {
                        let tj = toks[j];
                        let gap = &text[t.end..tj.start];
                        let wj = &text[tj.start..tj.end];
                        if gap.len() <= 12
                            && !gap.contains('.')
                            && self.cap_name(text, &tj)
                            && self.is_first(wj)
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
                if self.is_first(w)
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
                        Self::in_set(&self.descriptors, dw) || (d.has_digit && dw.ends_with("yo"))
                    });
                    // Names outside the lists need the bracketed form "Name (the …".
                    let listed = self.is_first(w);
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
                && self.is_first(w)
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
                        && self.is_surname(&text[toks[j].start..toks[j].end])
                    {
                        end = toks[j].end;
                        j += 1;
                    }
                    let r = t.start..end;
                    let cue = ctx.near(&self.patient_cues, &r, 50, 40).is_some();
                    if cue && !self.colleague_after(ctx, &r) {
                        out.push((r, PersonRule::FullName, 1.0));
                        i = j;
                        continue;
                    }
                }
            }
            i += 1;
        }
        out
    }

    fn leet_name(&self, w: &str) -> bool {
        self.leet_first(w) || self.leet_surname(w)
    }

    fn leet_first(&self, w: &str) -> bool {
        ['i', 'l'].iter().any(|&c| {
            let d = deleet(w, c);
            self.first.contains(&d) && !self.not_names.contains(&d) && !self.ambiguous.contains(&d)
        })
    }

    fn leet_surname(&self, w: &str) -> bool {
        ['i', 'l'].iter().any(|&c| {
            let d = deleet(w, c);
            self.surnames.contains(&d)
                && !self.not_names.contains(&d)
                && !self.ambiguous.contains(&d)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn basics_deleet() {
        assert_eq!(deleet("k3v1n", 'i'), "kevin");
        assert_eq!(deleet("R4mirez", 'i'), "ramirez");
    }
}
