//! Redaction and masked snippets for moderator alerts.
//!
//! Job: replace each finding's span with a mask that keeps at most a small,
//! non-identifying prefix: the first three digits of a number (`NHS 943 *** ****`
//! keeps the digit grouping), the first letter of each name part (`Mrs H*****`),
//! `j***@***.com` for emails, separators only for dates, `[details combined]`
//! for QUASI spans. Invisible characters inside a span are dropped and
//! look-alike digits/letters are counted like their plain forms, so the mask
//! never carries the full identifier even when it was disguised.
//!
//! Invariants: text outside findings is copied unchanged; bad spans (out of
//! bounds, not on char boundaries, overlapping) are skipped, never panicked on.

use super::normalize::{is_invisible, unicode_digit};
use super::types::{Finding, Kind};

/// Mask every finding in `text`.
pub fn redact(text: &str, findings: &[Finding]) -> String {
    let mut spans: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.span.start < f.span.end
                && f.span.end <= text.len()
                && text.is_char_boundary(f.span.start)
                && text.is_char_boundary(f.span.end)
        })
        .collect();
    spans.sort_by_key(|f| f.span.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for f in spans {
        if f.span.start < pos {
            continue;
        }
        out.push_str(&text[pos..f.span.start]);
        mask_into(&text[f.span.clone()], f.kind, &mut out);
        pos = f.span.end;
    }
    out.push_str(&text[pos..]);
    out
}

fn mask_into(s: &str, kind: Kind, out: &mut String) {
    match kind {
        Kind::Quasi => out.push_str("[details combined]"),
        Kind::Email => mask_email(s, out),
        Kind::Person => mask_name(s, out),
        Kind::Date => {
            for c in s.chars().filter(|c| !is_invisible(*c)) {
                out.push(if c.is_alphanumeric() || unicode_digit(c).is_some() {
                    '*'
                } else {
                    c
                });
            }
        }
        Kind::Address | Kind::Location | Kind::Url | Kind::FacilityLocator => {
            out.push('[');
            out.push_str(kind.describe());
            out.push(']');
        }
        _ => mask_keep_prefix(s, 3, out),
    }
}

/// Keep the first `keep` alphanumerics (when the identifier is long enough
/// for that not to identify), mask the rest, keep spaces and dashes.
fn mask_keep_prefix(s: &str, keep: usize, out: &mut String) {
    let total = s.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if total >= 8 { keep } else { 0 };
    let mut kept = 0;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if kept < keep {
                out.push(unicode_digit(c).unwrap_or(c));
                kept += 1;
            } else {
                out.push('*');
            }
        } else if c == ' ' || c == '-' || c == '/' {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
}

/// Titles are not identifying and help moderators read the alert.
const TITLES: [&str; 8] = ["mr", "mrs", "ms", "miss", "mx", "mme", "mlle", "master"];

fn mask_name(s: &str, out: &mut String) {
    let mut rest = s;
    while !rest.is_empty() {
        // Split off the next alphanumeric word (or one other char).
        let word_len: usize = rest
            .char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || is_invisible(*c))
            .map(|(_, c)| c.len_utf8())
            .sum();
        if word_len == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            if !is_invisible(c) {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..word_len];
        let visible: String = word.chars().filter(|c| !is_invisible(*c)).collect();
        if TITLES.iter().any(|t| visible.eq_ignore_ascii_case(t)) {
            out.push_str(&visible);
        } else {
            for (i, c) in visible.chars().enumerate() {
                out.push(if i == 0 { c } else { '*' });
            }
        }
        rest = &rest[word_len..];
    }
}

fn mask_email(s: &str, out: &mut String) {
    let first = s.chars().find(|c| c.is_alphanumeric());
    let lower = s.to_ascii_lowercase();
    let tld = [
        ".com", ".org", ".net", ".co.uk", ".ie", ".au", ".in", ".uk", ".ca", ".nz",
    ]
    .iter()
    .chain([" dot com", " dot org", " dot net"].iter())
    .find(|t| lower.ends_with(**t))
    .map(|t| t.replace(" dot ", "."));
    if let Some(c) = first {
        out.push(c);
    }
    out.push_str("***@***");
    out.push_str(tld.as_deref().unwrap_or(".***"));
}

/// A short window of the redacted text around the first finding, at most
/// `max_chars` characters, with ellipses where it was cut.
pub fn masked_snippet(text: &str, findings: &[Finding], max_chars: usize) -> String {
    let redacted = redact(text, findings);
    let chars: Vec<char> = redacted.chars().collect();
    if max_chars == 0 {
        return String::new();
    }
    if chars.len() <= max_chars {
        return redacted;
    }
    // Locate the first finding in redacted coordinates.
    let first = findings
        .iter()
        .filter(|f| f.span.end <= text.len() && text.is_char_boundary(f.span.start))
        .min_by_key(|f| f.span.start);
    let anchor = first
        .map(|f| text[..f.span.start].chars().count())
        .unwrap_or(0);
    let budget = max_chars.saturating_sub(2).max(1);
    let mut start = anchor.saturating_sub(budget / 3);
    if start + budget > chars.len() {
        start = chars.len().saturating_sub(budget);
    }
    let end = (start + budget).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(kind: Kind, span: std::ops::Range<usize>) -> Finding {
        Finding {
            kind,
            span,
            confidence: 0.9,
            rule_id: "t".into(),
            explanation: "t".into(),
        }
    }

    #[test]
    fn basics_masks() {
        let rows: &[(&str, &str, Kind, usize, &str)] = &[
            (
                "nhs",
                "NHS 943 476 5919 ok",
                Kind::NhsNumber,
                4,
                "NHS 943 *** **** ok",
            ),
            ("name", "Mrs Hughes ok", Kind::Person, 0, "Mrs H***** ok"),
            (
                "name_zero_width",
                "Bri\u{200d}an Kel\u{200b}ly ok",
                Kind::Person,
                0,
                "B**** K**** ok",
            ),
            (
                "email",
                "j.bloggs@example.com ok",
                Kind::Email,
                0,
                "j***@***.com ok",
            ),
            (
                "date",
                "DOB 12/03/1950 ok",
                Kind::Date,
                4,
                "DOB **/**/**** ok",
            ),
            (
                "quasi",
                "the only vet in town ok",
                Kind::Quasi,
                0,
                "[details combined] ok",
            ),
        ];
        for (name, text, kind, start, want) in rows {
            let end = text.len() - 3;
            assert_eq!(redact(text, &[f(*kind, *start..end)]), *want, "row {name}");
        }
    }

    #[test]
    fn evasions_invisible_and_fullwidth_are_masked() {
        let t = "card 4\u{200B}894 7979 5\u{200B}279 5047";
        let r = redact(t, &[f(Kind::Financial, 5..t.len())]);
        assert_eq!(r, "card 489* **** **** ****");
        let t = "NHS ２６７ ５６１ ３００２";
        let r = redact(t, &[f(Kind::NhsNumber, 4..t.len())]);
        assert_eq!(r, "NHS 267 *** ****");
    }

    #[test]
    fn basics_snippet_is_bounded() {
        let text = format!("{} NHS 943 476 5919 {}", "a".repeat(100), "b".repeat(100));
        let s = masked_snippet(&text, &[f(Kind::NhsNumber, 105..117)], 40);
        assert!(s.chars().count() <= 40, "{s}");
        assert!(
            s.contains("943 ***") && s.starts_with('…') && s.ends_with('…'),
            "{s}"
        );
    }

    #[test]
    fn hard_negatives_bad_spans_are_skipped() {
        let r = redact("héllo", &[f(Kind::Person, 1..2), f(Kind::Person, 0..99)]);
        assert_eq!(r, "héllo");
    }
}
