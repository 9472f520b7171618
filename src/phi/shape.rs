//! Shape facts: cheap, byte-level facts about a message that regex rules can
//! require before they run (`shape = [...]` in `rules.toml`).
//!
//! Job: most messages hold none of the character shapes that digit-bearing
//! identifiers need (a postcode's inward code "5RT", an age of 90–119, a
//! five-digit ZIP…). One pass over the normalised bytes records which shapes
//! occur, so a rule whose pattern needs one of them is skipped outright on
//! messages without it, instead of running its regex over the whole message.
//!
//! Invariants: facts use the same ASCII semantics as the pattern dialect
//! (`\b` = ASCII word boundary, `\d` = ASCII digit, `\s` = ASCII space), so a
//! shape listed for a rule is a *necessary* condition of its pattern: it may
//! let through messages the pattern does not match, never the reverse (the
//! test `shapes_never_hide_matches` in `detector.rs` checks this for every
//! rule over every example, negative and guard line). Computing the facts is
//! one linear pass with no allocation.

/// Bit for "a maximal ASCII digit sequence of exactly `n` digits" (n ≥ 31 share bit 31).
const fn digits_bit(n: usize) -> u64 {
    1u64 << if n > 31 { 31 } else { n }
}

/// A maximal digit sequence, not preceded by a word byte, whose value is 90–119.
const AGE_90_119: u64 = 1 << 32;
/// An uppercase letter followed by a digit, optionally with one space between.
const UPPER_DIGIT: u64 = 1 << 33;
/// A digit, a dash, an uppercase letter.
const DIGIT_DASH_UPPER: u64 = 1 << 34;
/// A digit and two uppercase letters ending a word ("5RT").
const DIGIT_UPPER2_END: u64 = 1 << 35;
/// Two letters and two digits ending a word ("MK73").
const ALPHA2_DIGIT2_END: u64 = 1 << 36;
/// A digit, an optional space and a letter A–D (either case) ending a word ("04 B").
const DIGIT_ABCD_END: u64 = 1 << 37;
/// Two uppercase letters and two digits starting a word ("GB29").
const UPPER2_DIGIT2_START: u64 = 1 << 38;
/// An uppercase letter starting a word, directly followed by a digit ("W12").
const UPPER_DIGIT_START: u64 = 1 << 39;
/// Two uppercase letters starting a word, an optional space, a digit ("KA 03").
const UPPER2_DIGIT_START: u64 = 1 << 40;
/// Dashed 3-2-4 digit groups ("536-22-1234").
const DIGITS_3_2_4: u64 = 1 << 41;
/// The lead of a UK mobile: "07" starting a word, or "+44".
const UK_MOBILE_LEAD: u64 = 1 << 42;

/// A digit, one of `/ - .`, a digit ("12/03", "4-7", "3.5"): numeric dates.
const DIGIT_SEP_DIGIT: u64 = 1 << 43;
/// A digit, a space, a letter, a space, a letter ending a word ("1 A A"):
/// the tail of a postcode typed with every character spaced.
const SPACED_TAIL: u64 = 1 << 44;

/// A digit directly followed by an uppercase letter ("4B", "12AB").
const DIGIT_UPPER: u64 = 1 << 45;
/// A digit, `-` or `/`, a letter ("03-Mar-1951", "3/mar").
const DIGIT_SEP_ALPHA: u64 = 1 << 46;

/// Named shapes other than `digits:N`.
const NAMED: [(&str, u64); 15] = [
    ("digit_upper", DIGIT_UPPER),
    ("digit_sep_alpha", DIGIT_SEP_ALPHA),
    ("digit_sep_digit", DIGIT_SEP_DIGIT),
    ("spaced_tail", SPACED_TAIL),
    ("age_90_119", AGE_90_119),
    ("upper_digit", UPPER_DIGIT),
    ("digit_dash_upper", DIGIT_DASH_UPPER),
    ("digit_upper2_end", DIGIT_UPPER2_END),
    ("alpha2_digit2_end", ALPHA2_DIGIT2_END),
    ("digit_abcd_end", DIGIT_ABCD_END),
    ("upper2_digit2_start", UPPER2_DIGIT2_START),
    ("upper_digit_start", UPPER_DIGIT_START),
    ("upper2_digit_start", UPPER2_DIGIT_START),
    ("digits_3_2_4", DIGITS_3_2_4),
    ("uk_mobile_lead", UK_MOBILE_LEAD),
];

/// Parse one shape name from a rule file into its bit: a name from the fixed
/// vocabulary above, or `digits:N` (1 ≤ N ≤ 30).
pub fn parse(name: &str) -> Option<u64> {
    if let Some(n) = name.strip_prefix("digits:") {
        return n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=30).contains(n))
            .map(digits_bit);
    }
    NAMED.iter().find(|(n, _)| *n == name).map(|&(_, b)| b)
}

/// ASCII word byte, as `(?-u:\b)` sees it.
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// ASCII whitespace as the dialect's `\s` (tab, newline, VT, FF, CR, space).
fn space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Whether position `i` ends a word (end of text or a non-word byte).
fn word_end(b: &[u8], i: usize) -> bool {
    b.get(i).is_none_or(|&c| !word(c))
}

/// Every shape present in `text` (normalised), as a bitmask.
///
/// Every shape holds a digit, so the pass jumps from one digit sequence to
/// the next and looks only at the few bytes around each.
pub fn facts(text: &str) -> u64 {
    let b = text.as_bytes();
    let n = b.len();
    // Byte at `i`, or 0 (a non-word byte) outside the text.
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    // Byte `k` places before `s`, or 0 before the start of the text.
    let before = |s: usize, k: usize| if s >= k { b[s - k] } else { 0 };
    let mut m = 0u64;
    let mut i = 0;
    while i < n {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let s = i;
        let mut value = 0u32;
        while i < n && b[i].is_ascii_digit() {
            value = value
                .saturating_mul(10)
                .saturating_add(u32::from(b[i] - b'0'));
            i += 1;
        }
        let len = i - s;
        m |= digits_bit(len);
        let (p1, p2, p3, p4) = (before(s, 1), before(s, 2), before(s, 3), before(s, 4));
        let starts_word = !word(p1);
        if (starts_word && b[s] == b'0' && at(s + 1) == b'7')
            || (len >= 2 && b[s] == b'4' && b[s + 1] == b'4' && p1 == b'+')
        {
            m |= UK_MOBILE_LEAD;
        }
        if len == 3
            && at(i) == b'-'
            && b.get(i + 1..i + 4)
                .is_some_and(|g| g[0].is_ascii_digit() && g[1].is_ascii_digit() && g[2] == b'-')
            && b.get(i + 4..i + 8)
                .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
        {
            m |= DIGITS_3_2_4;
        }
        if (2..=3).contains(&len) && starts_word && (90..=119).contains(&value) && b[s] != b'0' {
            m |= AGE_90_119;
        }
        // Letters before the digits.
        if p1.is_ascii_uppercase() || (space(p1) && p2.is_ascii_uppercase()) {
            m |= UPPER_DIGIT;
        }
        if p1.is_ascii_uppercase() && !word(p2) {
            m |= UPPER_DIGIT_START;
        }
        if (p1.is_ascii_uppercase() && p2.is_ascii_uppercase() && !word(p3))
            || (space(p1) && p2.is_ascii_uppercase() && p3.is_ascii_uppercase() && !word(p4))
        {
            m |= UPPER2_DIGIT_START;
        }
        if len >= 2 && p1.is_ascii_uppercase() && p2.is_ascii_uppercase() && !word(p3) {
            m |= UPPER2_DIGIT2_START;
        }
        if len == 2 && p1.is_ascii_alphabetic() && p2.is_ascii_alphabetic() && word_end(b, i) {
            m |= ALPHA2_DIGIT2_END;
        }
        // Letters after the digits (`i` is the first byte after them).
        let next = at(i);
        if next.is_ascii_uppercase() {
            m |= DIGIT_UPPER;
        }
        if matches!(next, b'/' | b'-') && at(i + 1).is_ascii_alphabetic() {
            m |= DIGIT_SEP_ALPHA;
        }
        if matches!(next, b'/' | b'-' | b'.') && at(i + 1).is_ascii_digit() {
            m |= DIGIT_SEP_DIGIT;
        }
        if space(next)
            && at(i + 1).is_ascii_alphabetic()
            && space(at(i + 2))
            && at(i + 3).is_ascii_alphabetic()
            && word_end(b, i + 4)
        {
            m |= SPACED_TAIL;
        }
        if next == b'-' && at(i + 1).is_ascii_uppercase() {
            m |= DIGIT_DASH_UPPER;
        }
        if next.is_ascii_uppercase() && at(i + 1).is_ascii_uppercase() && word_end(b, i + 2) {
            m |= DIGIT_UPPER2_END;
        }
        let j = if space(next) { i + 1 } else { i };
        if matches!(at(j), b'A'..=b'D' | b'a'..=b'd') && word_end(b, j + 1) {
            m |= DIGIT_ABCD_END;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, name: &str) -> bool {
        let bit = parse(name).expect("known shape");
        facts(text) & bit != 0
    }

    #[test]
    fn basics_shapes() {
        let rows: &[(&str, &str, &str, bool)] = &[
            (
                "postcode_inward",
                "lives in M14 5RT now",
                "digit_upper2_end",
                true,
            ),
            (
                "postcode_glued",
                "B12 deficiency",
                "digit_upper2_end",
                false,
            ),
            ("age_92", "92yo with a #NOF", "age_90_119", true),
            ("age_89", "89F with a UTI", "age_90_119", false),
            ("age_in_word", "x92yo", "age_90_119", false),
            ("age_leading_zero", "095", "age_90_119", false),
            ("zip", "Dayton OH 45402", "digits:5", true),
            ("zip_long", "454021", "digits:5", false),
            ("upper_space_digit", "KA 03 MN", "upper_digit", true),
            ("dash_upper", "182-D-44721", "digit_dash_upper", true),
            ("mbi_tail", "1EG4-TE5-MK73", "alpha2_digit2_end", true),
            ("nino_tail", "JR 58 21 04 B on", "digit_abcd_end", true),
            ("nino_tail_glued", "04 Bx", "digit_abcd_end", false),
            (
                "iban_head",
                "refund to GB29 NWBK",
                "upper2_digit2_start",
                true,
            ),
            ("iban_mid", "XGB29", "upper2_digit2_start", false),
            ("ward_short", "W12 B3 | obs", "upper_digit_start", true),
            ("ward_short_mid", "NEWS2 of 7", "upper_digit_start", false),
            (
                "in_plate",
                "scooter KA 03 MN 2291",
                "upper2_digit_start",
                true,
            ),
            ("ssn", "faxed 412-55-9031 to", "digits_3_2_4", true),
            ("ssn_short", "412-55-903", "digits_3_2_4", false),
            ("mobile_07", "07700 900555", "uk_mobile_lead", true),
            ("mobile_44", "+44 7700 900555", "uk_mobile_lead", true),
            ("mobile_mid", "x07700", "uk_mobile_lead", false),
            ("bed_code", "4B-12: Mrs X", "digit_upper", true),
            ("month_date", "DOB 03-Mar-1951", "digit_sep_alpha", true),
            ("no_month_date", "03 - Mar", "digit_sep_alpha", false),
            ("digit_lower", "4b", "digit_upper", false),
            (
                "numeric_date",
                "seen 12/03 in clinic",
                "digit_sep_digit",
                true,
            ),
            ("dotted_date", "on 3.5.24", "digit_sep_digit", true),
            ("no_date", "12 / 03", "digit_sep_digit", false),
            ("spaced_postcode", "S W 1 A 1 A A", "spaced_tail", true),
            ("spaced_tail_glued", "1 A AB", "spaced_tail", false),
        ];
        for (name, text, shape, want) in rows {
            assert_eq!(has(text, shape), *want, "row {name}");
        }
    }

    #[test]
    fn basics_parse() {
        assert!(parse("digits:5").is_some());
        assert!(parse("digits:0").is_none());
        assert!(parse("digits:31").is_none());
        assert!(parse("nonsense").is_none());
    }
}
