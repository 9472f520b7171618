//! Combinations of details that together identify someone (QUASI).
//!
//! Job: score quasi-identifiers by *category*: exact age or age band, sex,
//! a condition or clinical event, a job or role, a small place, an employer
//! or organisation, a community, uniqueness ("the only …"), a public role,
//! and a day or relative date. A stretch of text is flagged when it holds a
//! condition or event, at least one *strong* category (place, organisation,
//! community, uniqueness, public role) and at least three categories in all.
//! Vague cases ("a man in his 70s, farmer, COPD") have no strong category and
//! are not flagged.
//!
//! Invariants: the span is the shortest stretch from the first to the last
//! anchor of the combining cluster; the explanation names categories only.

use super::detector::{Ctx, TriggerTable};
use super::names::{WordSet, contains_lower};
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
    place_preps: Vec<String>,
    not_places: Vec<String>,
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
    /// Category bits of each trigger id (bit = position in [`GROUPS`]).
    cats_of: Vec<u8>,
}

/// Trigger-word categories, in the order anchors are recorded.
const GROUPS: [Category; 7] = [
    Category::Job,
    Category::Condition,
    Category::Unique,
    Category::Community,
    Category::PublicRole,
    Category::Time,
    Category::Sex,
];

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
            not_places: spec
                .not_places
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
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
        let strong = cats.iter().filter(|c| c.strong()).count();
        let has_condition = cats.contains(&Category::Condition);
        if !(has_condition && strong >= 1 && cats.len() >= 3) {
            return None;
        }
        let s = cluster.iter().map(|a| a.0.start).min()?;
        let e = cluster.iter().map(|a| a.0.end).max()?;
        Some(s..e)
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
        // Every combination needs a condition or event: bail out early when
        // neither a condition word nor a condition-like word ending is present.
        let condition_word = out.iter().any(|a| a.1 == Category::Condition);
        if out.is_empty() || (!condition_word && !self.has_condition_suffix(ctx)) {
            return Vec::new();
        }
        for m in self.age.find_iter(text) {
            out.push((m.range(), Category::Age));
        }
        let toks = ctx.toks;
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
            if !t.cap || t.has_digit || contains_lower(&self.not_places, w) {
                continue;
            }
            let next_job = jobs.iter().any(|j| {
                j.start >= t.end
                    && j.start <= t.end + 24
                    && !text[t.end..j.start].contains([',', '.', '?', '!'])
            });
            if t.all_caps {
                if next_job && w.len() <= 6 {
                    out.push((t.start..t.end, Category::Organisation));
                }
                continue;
            }
            let after_prep = i > 0 && {
                let p = &toks[i - 1];
                contains_lower(&self.place_preps, &text[p.start..p.end])
                    && text[p.end..t.start] == *" "
            };
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
                // Extend over a following capitalised word ("Much Wenlock", "Dunmore East").
                let mut end = t.end;
                if let Some(n2) = toks.get(i + 1)
                    && n2.cap
                    && !n2.all_caps
                    && text[t.end..n2.start] == *" "
                    && !contains_lower(&self.not_places, &text[n2.start..n2.end])
                {
                    end = n2.end;
                }
                out.push((t.start..end, Category::Place));
            }
        }
        out.sort_by_key(|a| (a.0.start, a.0.end));
        out
    }
}
