//! Combinations of details that together identify someone (QUASI).
//!
//! Job: score quasi-identifiers by *category*: exact age or age band, sex or
//! family role, a condition or clinical event, a job or role, a small place,
//! an employer or organisation, a community, uniqueness ("the only …"), a
//! public role, and a day or relative date. Each category is a broad general
//! vocabulary in `config/phi/quasi.toml` plus grammar: a condition is also an
//! eponym or acronym after a cue ("with Huntington's", "with the SUFE") or a
//! word with a disease ending; a place is a capitalised name after a place
//! preposition (skipping "the", "our" or a short prefix such as "HMP"), a
//! place-type head and a name ("Port Ellen"), or a name right before a job;
//! an organisation is a name before an institution word ("Ivy House").
//!
//! A stretch of text is flagged when it holds a condition or event, at least
//! one *strong* category (place, organisation, community, uniqueness, public
//! role), at least one *personal* category (age, sex, job, uniqueness,
//! community, public role) and at least three categories in all, and no
//! general-talk word (conference, lecture, guideline…). Jobs and sexes after
//! a quantifier ("every woman", "any farmer") are people in general, and
//! large cities, counties, states and provinces are not small places. Vague
//! cases ("a man in his 70s, farmer, COPD") have no strong category and are
//! not flagged.
//!
//! Invariants: the span is the shortest stretch from the first to the last
//! anchor of the combining cluster; the explanation names categories only.

use super::detector::{Ctx, TriggerTable};
use super::names::{Tok, WordSet, contains_lower};
use super::rules::{QUASI_FILE, RuleError, Sources, compile_regex, parse_toml};
use regex::Regex;
use serde::Deserialize;
use std::ops::Range;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuasiSpec {
    /// Largest gap in bytes between neighbouring anchors of one cluster.
    gap: usize,
    age_pattern: String,
    jobs: Vec<String>,
    conditions: Vec<String>,
    condition_suffixes: Vec<String>,
    job_suffixes: Vec<String>,
    unique: Vec<String>,
    community: Vec<String>,
    public_roles: Vec<String>,
    times: Vec<String>,
    sexes: Vec<String>,
    general: Vec<String>,
    quantifiers: Vec<String>,
    place_preps: Vec<String>,
    not_places: Vec<String>,
    place_heads: Vec<String>,
    institutions: Vec<String>,
    condition_cues: Vec<String>,
    skip_words: Vec<String>,
}

/// Categories of quasi-identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Age,
    Sex,
    Condition,
    Job,
    Time,
    Place,
    Organisation,
    Community,
    Unique,
    PublicRole,
    /// A word that marks talk about cases in general (a conference, a
    /// lecture, a guideline): a combination holding one is not a patient.
    General,
}

impl Category {
    fn strong(self) -> bool {
        matches!(
            self,
            Category::Place
                | Category::Organisation
                | Category::Community
                | Category::Unique
                | Category::PublicRole
        )
    }
}

/// Compiled combination scorer.
#[derive(Debug)]
pub struct QuasiModel {
    gap: usize,
    age: Regex,
    condition_suffixes: Vec<String>,
    job_suffixes: Vec<String>,
    place_preps: WordSet,
    not_places: WordSet,
    place_heads: WordSet,
    institutions: WordSet,
    condition_cues: WordSet,
    skip_words: WordSet,
    quantifiers: WordSet,
    /// Category bits of each trigger id (bit = position in [`GROUPS`]).
    cats_of: Vec<u8>,
}

/// Trigger-word categories, in the order anchors are recorded.
const GROUPS: [Category; 8] = [
    Category::Job,
    Category::Condition,
    Category::Unique,
    Category::Community,
    Category::PublicRole,
    Category::Time,
    Category::Sex,
    Category::General,
];

fn lower_set(v: &[String]) -> WordSet {
    v.iter().map(|s| s.to_ascii_lowercase()).collect()
}

/// ASCII case-insensitive suffix test (`suffix` is lowercase).
fn ends_with_ci(word: &str, suffix: &str) -> bool {
    word.len() >= suffix.len()
        && word.as_bytes()[word.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

impl QuasiModel {
    pub(crate) fn load(src: &Sources, t: &mut TriggerTable) -> Result<QuasiModel, RuleError> {
        let spec: QuasiSpec = parse_toml(QUASI_FILE, &src.quasi)?;
        let ids =
            |v: &[String], t: &mut TriggerTable| v.iter().map(|w| t.id(w)).collect::<Vec<u32>>();
        let lists = [
            ids(&spec.jobs, t),
            ids(&spec.conditions, t),
            ids(&spec.unique, t),
            ids(&spec.community, t),
            ids(&spec.public_roles, t),
            ids(&spec.times, t),
            ids(&spec.sexes, t),
            ids(&spec.general, t),
        ];
        let mut cats_of = vec![0u8; t.words.len()];
        for (bit, list) in lists.iter().enumerate() {
            for &id in list {
                if let Some(c) = cats_of.get_mut(id as usize) {
                    *c |= 1 << bit;
                }
            }
        }
        Ok(QuasiModel {
            cats_of,
            gap: spec.gap,
            age: compile_regex(QUASI_FILE, "age_pattern", &spec.age_pattern)?,
            condition_suffixes: spec
                .condition_suffixes
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            job_suffixes: spec
                .job_suffixes
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            place_preps: spec
                .place_preps
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            not_places: lower_set(&spec.not_places),
            place_heads: lower_set(&spec.place_heads),
            institutions: lower_set(&spec.institutions),
            condition_cues: lower_set(&spec.condition_cues),
            skip_words: lower_set(&spec.skip_words),
            quantifiers: lower_set(&spec.quantifiers),
        })
    }

    /// The QUASI span, if the message holds an identifying combination.
    /// Anchors overlapping `taken` (spans already claimed by other findings)
    /// are ignored, so the QUASI span never overlaps them.
    pub(crate) fn find(&self, ctx: &Ctx<'_>, taken: &[Range<usize>]) -> Option<Range<usize>> {
        let mut anchors = self.anchors(ctx);
        anchors.retain(|(r, _)| taken.iter().all(|t| t.end <= r.start || r.end <= t.start));
        if anchors.len() < 3 {
            return None;
        }
        // Cluster anchors by proximity and test each cluster.
        let mut best: Option<Range<usize>> = None;
        let mut start = 0;
        for i in 1..=anchors.len() {
            let split = i == anchors.len() || {
                let (a, b) = (anchors[i - 1].0.end, anchors[i].0.start);
                b > a + self.gap || taken.iter().any(|t| t.start >= a && t.end <= b)
            };
            if !split {
                continue;
            }
            let cluster = &anchors[start..i];
            if let Some(r) = Self::judge(cluster)
                && best
                    .as_ref()
                    .is_none_or(|b| r.end - r.start < b.end - b.start)
            {
                best = Some(r);
            }
            start = i;
        }
        best
    }

    fn judge(cluster: &[(Range<usize>, Category)]) -> Option<Range<usize>> {
        let mut cats: Vec<Category> = cluster.iter().map(|a| a.1).collect();
        cats.sort();
        cats.dedup();
        if cats.contains(&Category::General) {
            return None;
        }
        let strong = cats.iter().filter(|c| c.strong()).count();
        let has_condition = cats.contains(&Category::Condition);
        // A combination is about a person: it needs an age, sex, job or role,
        // uniqueness, community or public role, not only a place and an event.
        let personal = cats.iter().any(|c| {
            matches!(
                c,
                Category::Age
                    | Category::Sex
                    | Category::Job
                    | Category::Unique
                    | Category::Community
                    | Category::PublicRole
            )
        });
        if !(has_condition && strong >= 1 && personal && cats.len() >= 3) {
            return None;
        }
        let s = cluster.iter().map(|a| a.0.start).min()?;
        let e = cluster.iter().map(|a| a.0.end).max()?;
        Some(s..e)
    }

    /// Whether token `i` follows a word of `set`, with at most two filler
    /// words ("the", "our", a short all-caps prefix such as "HMP") between,
    /// all separated by single spaces.
    fn cue_before(&self, text: &str, toks: &[Tok], i: usize, set: &WordSet) -> bool {
        let mut j = i;
        for skipped in 0..=2 {
            if j == 0 {
                return false;
            }
            let (p, n) = (&toks[j - 1], &toks[j]);
            if text[p.end..n.start] != *" " {
                return false;
            }
            let w = &text[p.start..p.end];
            if contains_lower(set, w) {
                return true;
            }
            let filler = contains_lower(&self.skip_words, w)
                || (p.all_caps && !p.has_digit && w.len() <= 4 && n.cap);
            if !filler || skipped == 2 {
                return false;
            }
            j -= 1;
        }
        false
    }

    fn has_condition_suffix(&self, ctx: &Ctx<'_>) -> bool {
        ctx.toks.iter().any(|t| {
            let w = &ctx.text[t.start..t.end];
            !t.cap
                && w.len() >= 7
                && w.is_ascii()
                && self.condition_suffixes.iter().any(|s| ends_with_ci(w, s))
        })
    }

    fn anchors(&self, ctx: &Ctx<'_>) -> Vec<(Range<usize>, Category)> {
        let text = ctx.text;
        let toks = ctx.toks;
        let mut out: Vec<(Range<usize>, Category)> = Vec::new();
        // One table probe per hit (ids of later rule files are not quasi words).
        for h in ctx.hits {
            let bits = self.cats_of.get(h.word as usize).copied().unwrap_or(0);
            if bits == 0 {
                continue;
            }
            for (k, cat) in GROUPS.iter().enumerate() {
                if bits & (1 << k) != 0 {
                    out.push((h.start..h.end, *cat));
                }
            }
        }
        if out.is_empty() {
            return Vec::new();
        }
        // A named condition by grammar: an eponym ("with Huntington's") or an
        // acronym ("with the SUFE", "has HLH") right after a condition cue.
        for (i, t) in toks.iter().enumerate() {
            if !t.cap || t.has_digit {
                continue;
            }
            let w = &text[t.start..t.end];
            let rest = &text[t.end..];
            let possessive = rest.starts_with("'s") || rest.starts_with("\u{2019}s");
            let acronym = t.all_caps && (2..=6).contains(&w.len());
            if (possessive || acronym)
                && !contains_lower(&self.not_places, w)
                && self.cue_before(text, toks, i, &self.condition_cues)
            {
                out.push((t.start..t.end, Category::Condition));
            }
        }
        // Every combination needs a condition or event: bail out early when
        // neither a condition word nor a condition-like word ending is present.
        let condition_word = out.iter().any(|a| a.1 == Category::Condition);
        if !condition_word && !self.has_condition_suffix(ctx) {
            return Vec::new();
        }
        // Every age form holds a digit.
        if ctx.digits > 0 {
            for m in self.age.find_iter(text) {
                out.push((m.range(), Category::Age));
            }
        }
        for t in toks {
            let w = &text[t.start..t.end];
            if !t.cap
                && w.len() >= 8
                && w.is_ascii()
                && self.job_suffixes.iter().any(|s| ends_with_ci(w, s))
            {
                out.push((t.start..t.end, Category::Job));
            }
        }
        let jobs: Vec<Range<usize>> = out
            .iter()
            .filter(|a| a.1 == Category::Job)
            .map(|a| a.0.clone())
            .collect();
        let next_cap = |i: usize| {
            toks.get(i + 1).filter(|n| {
                n.cap && !n.all_caps && !n.has_digit && text[toks[i].end..n.start] == *" "
            })
        };
        let mut skip_to = 0;
        for (i, t) in toks.iter().enumerate() {
            let w = &text[t.start..t.end];
            if !t.cap
                && w.len() >= 7
                && w.is_ascii()
                && self.condition_suffixes.iter().any(|s| ends_with_ci(w, s))
            {
                out.push((t.start..t.end, Category::Condition));
                continue;
            }
            if i < skip_to || !t.cap || t.has_digit {
                continue;
            }
            // A place-type head and a name ("Port Ellen", "Cape Alder", "Glen Affric").
            if !t.all_caps
                && contains_lower(&self.place_heads, w)
                && let Some(n) = next_cap(i)
            {
                out.push((t.start..n.end, Category::Place));
                skip_to = i + 2;
                continue;
            }
            if contains_lower(&self.not_places, w) {
                continue;
            }
            let next_job = jobs.iter().any(|j| {
                j.start >= t.end
                    && j.start <= t.end + 24
                    && !text[t.end..j.start].contains([',', '.', '?', '!', ';', ':'])
                    && self.content_only(&text[t.end..j.start])
            });
            if t.all_caps {
                if next_job && w.len() <= 6 {
                    out.push((t.start..t.end, Category::Organisation));
                }
                continue;
            }
            // A name and an institution word ("Rosemount House", "Kirkton Academy").
            if let Some(n) = next_cap(i)
                && contains_lower(&self.institutions, &text[n.start..n.end])
            {
                out.push((t.start..n.end, Category::Organisation));
                skip_to = i + 2;
                continue;
            }
            let after_prep = self.cue_before(text, toks, i, &self.place_preps);
            let possessive = text[t.end..].starts_with("'s") && next_job;
            let comma_after_job = jobs.iter().any(|j| {
                j.end <= t.start && t.start - j.end <= 3 && text[j.end..t.start].contains(',')
            });
            let sentence_start =
                i == 0 || text[..t.start].trim_end().ends_with(['.', '!', '?', '\n']);
            if after_prep
                || possessive
                || (next_job && !sentence_start)
                || (next_job && i == 0)
                || comma_after_job
            {
                // Extend over following capitalised words ("Much Wenlock",
                // "Teton Ridge High").
                let mut end = t.end;
                let mut k = i;
                while k < i + 2
                    && let Some(n2) = next_cap(k)
                    && !contains_lower(&self.not_places, &text[n2.start..n2.end])
                {
                    end = n2.end;
                    k += 1;
                }
                skip_to = k + 1;
                out.push((t.start..end, Category::Place));
            }
        }
        // "every woman", "any farmer", "all teachers": people in general.
        out.retain(|(r, c)| {
            !matches!(c, Category::Sex | Category::Job) || !self.quantified(&text[..r.start])
        });
        out.sort_by_key(|a| (a.0.start, a.0.end));
        out
    }

    /// Whether the last word of `before` is a quantifier ("every", "any").
    fn quantified(&self, before: &str) -> bool {
        let b = before.trim_end();
        let w = b
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        !w.is_empty() && contains_lower(&self.quantifiers, w)
    }

    /// Whether the words between `from` and `to` are all content words (no
    /// article, preposition or verb cue), as in "Bondi lifeguard" or
    /// "Kamloops junior hockey" but not "Had a teacher".
    fn content_only(&self, between: &str) -> bool {
        between
            .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
            .filter(|w| !w.is_empty())
            .all(|w| {
                !contains_lower(&self.skip_words, w)
                    && !contains_lower(&self.place_preps, w)
                    && !contains_lower(&self.condition_cues, w)
            })
    }
}
