//! Normalisation with an offset map.
//!
//! Job: turn a message into a *matching view* in which disguises are undone
//! (zero-width and other invisible format characters removed, NFKC applied,
//! fullwidth and other Unicode decimal digits folded to ASCII, Cyrillic/Greek
//! look-alike letters folded to Latin, typographic quotes and hyphens folded,
//! and runs of four or more spelled-out digits read as digits), while keeping
//! for every byte of the view the byte range of the original character it came
//! from.
//!
//! Invariants:
//! - `to_original` always returns a range on char boundaries of the original
//!   text, within its bounds, and never empty when the input range is not.
//! - Letters and digits are folded separately: the view never turns a digit
//!   into a letter or a letter into a digit. Letter-for-digit readings
//!   (`O` for 0, `l` for 1) and leetspeak (`3` for e) are decided later, per
//!   token, by the recognisers that need them.
//! - A message whose characters are all ASCII or *inert* (left as they are by
//!   every fold: em dashes, emoji, accented letters…) is borrowed as is, with
//!   no allocation; most messages take this path.
//! - Otherwise the offset map is a short list of pieces (a copied stretch, or
//!   the bytes one folded character produced), not one entry per byte.

use std::borrow::Cow;
use std::ops::Range;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// One stretch of the view. Its view bytes run from `view` to the next
/// piece's `view` (or the end of the view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// First view byte of the piece.
    view: u32,
    /// Copied: the original byte of the piece's first view byte. Folded:
    /// start of the original range every byte of the piece came from.
    orig: u32,
    /// Folded pieces: end of that original range (unused when copied).
    orig_end: u32,
    /// Whether the view bytes are the original bytes, one for one.
    copied: bool,
}

/// The matching view of one message plus its offset map.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    text: Cow<'a, str>,
    original: &'a str,
    /// Pieces in view order; empty when `text` is the original (identity map).
    pieces: Vec<Piece>,
}

impl<'a> Normalized<'a> {
    /// Build the matching view of `original`.
    pub fn new(original: &'a str) -> Normalized<'a> {
        Normalized::folded(original).read_rewrites()
    }

    /// The view with every character fold applied but no rewrites yet (see
    /// [`Normalized::read_rewrites`] and [`may_rewrite`]).
    pub fn folded(original: &'a str) -> Normalized<'a> {
        if original.is_ascii() || original.chars().all(is_inert) {
            Normalized {
                text: Cow::Borrowed(original),
                original,
                pieces: Vec::new(),
            }
        } else {
            let (text, pieces) = fold_chars(original);
            Normalized {
                text: Cow::Owned(text),
                original,
                pieces,
            }
        }
    }

    /// Apply the rewrites that change lengths: runs of spelled-out digits
    /// read as digits, and defanged links and addresses read plainly.
    pub fn read_rewrites(self) -> Normalized<'a> {
        let mut rewrites = spelled_digit_runs(&self.text).unwrap_or_default();
        defang(&self.text, &mut rewrites);
        if rewrites.is_empty() {
            self
        } else {
            self.apply_rewrites(&rewrites)
        }
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the view is byte-identical to the original.
    pub fn is_identity(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Original byte range of view byte `i` (`i` < view length).
    fn orig_of(&self, i: usize) -> (usize, usize) {
        if self.pieces.is_empty() {
            return (i, i + 1);
        }
        let k = self.pieces.partition_point(|p| p.view as usize <= i);
        let p = self.pieces[k.saturating_sub(1)];
        if p.copied {
            let o = p.orig as usize + (i - p.view as usize);
            (o, o + 1)
        } else {
            (p.orig as usize, p.orig_end as usize)
        }
    }

    /// Map a byte range of the view back to a byte range of the original
    /// (char-aligned, within bounds).
    pub fn to_original(&self, r: Range<usize>) -> Range<usize> {
        let n = self.original.len();
        let view_len = self.text.len();
        if r.start >= view_len {
            return n..n;
        }
        let (s, _) = self.orig_of(r.start);
        let last = r.end.saturating_sub(1).clamp(r.start, view_len - 1);
        let (_, e) = self.orig_of(last);
        let mut s = s.min(n);
        let mut e = e.clamp(s, n);
        while s > 0 && !self.original.is_char_boundary(s) {
            s -= 1;
        }
        while e < n && !self.original.is_char_boundary(e) {
            e += 1;
        }
        s..e
    }

    fn apply_rewrites(self, rewrites: &[Rewrite]) -> Normalized<'a> {
        // Each rewrite replaces a view range by new text whose bytes map to
        // the given view sub-ranges (one per output byte).
        let old = self.text.as_ref();
        let mut text = String::with_capacity(old.len());
        let mut pieces = Vec::new();
        let mut pos = 0usize;
        for (range, new, sources) in rewrites {
            self.copy_pieces(pos..range.start, text.len(), &mut pieces);
            text.push_str(&old[pos..range.start]);
            for (k, src) in sources.iter().enumerate() {
                let a = self.to_original(src.start..src.end.max(src.start + 1));
                pieces.push(Piece {
                    view: (text.len() + k) as u32,
                    orig: a.start as u32,
                    orig_end: a.end as u32,
                    copied: false,
                });
            }
            text.push_str(new);
            pos = range.end;
        }
        self.copy_pieces(pos..old.len(), text.len(), &mut pieces);
        text.push_str(&old[pos..]);
        Normalized {
            text: Cow::Owned(text),
            original: self.original,
            pieces,
        }
    }

    /// Append the pieces covering view range `seg`, moved to start at `at`.
    fn copy_pieces(&self, seg: Range<usize>, at: usize, out: &mut Vec<Piece>) {
        if seg.is_empty() {
            return;
        }
        let shift = |v: usize| (at + v - seg.start) as u32;
        if self.pieces.is_empty() {
            out.push(Piece {
                view: at as u32,
                orig: seg.start as u32,
                orig_end: 0,
                copied: true,
            });
            return;
        }
        let first = self
            .pieces
            .partition_point(|p| p.view as usize <= seg.start)
            .saturating_sub(1);
        for p in &self.pieces[first..] {
            let v = p.view as usize;
            if v >= seg.end {
                break;
            }
            let from = v.max(seg.start);
            out.push(Piece {
                view: shift(from),
                orig: if p.copied {
                    p.orig + (from - v) as u32
                } else {
                    p.orig
                },
                ..*p
            });
        }
    }
}

/// Invisible format characters that disguise identifiers.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}

/// Value of a Unicode decimal digit from the common scripts, if `c` is one.
pub fn unicode_digit(c: char) -> Option<char> {
    const ZEROS: [u32; 24] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10, 0x1D7CE, 0x1D7D8,
        0x1D7E2, 0x1D7EC,
    ];
    let u = c as u32;
    for z in ZEROS {
        if (z..z + 10).contains(&u) {
            return char::from_digit(u - z, 10);
        }
    }
    None
}

/// Latin letter that a Cyrillic or Greek look-alike stands for.
pub fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'А' => 'A',
        'в' => 'b',
        'В' => 'B',
        'с' => 'c',
        'С' => 'C',
        'е' => 'e',
        'Е' => 'E',
        'ё' => 'e',
        'һ' => 'h',
        'Н' => 'H',
        'і' => 'i',
        'І' => 'I',
        'ј' => 'j',
        'Ј' => 'J',
        'к' => 'k',
        'К' => 'K',
        'М' => 'M',
        'о' => 'o',
        'О' => 'O',
        'р' => 'p',
        'Р' => 'P',
        'ԛ' => 'q',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'Т' => 'T',
        'т' => 't',
        'у' => 'y',
        'У' => 'Y',
        'х' => 'x',
        'Х' => 'X',
        'ԝ' => 'w',
        'Ԝ' => 'W',
        'ӏ' => 'l',
        'Ӏ' => 'I',
        'ո' => 'n',
        'ս' => 'u',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'α' => 'a',
        'ο' => 'o',
        'ρ' => 'p',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ϲ' => 'c',
        'ϳ' => 'j',
        _ => return None,
    })
}

/// Typographic punctuation folded to ASCII so patterns stay simple.
fn punct(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' | '\u{FE63}'
        | '\u{FF0D}' => '-',
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        _ => return None,
    })
}

fn fold_one(c: char, out: &mut String) {
    if let Some(d) = unicode_digit(c) {
        out.push(d);
    } else if let Some(h) = homoglyph(c) {
        out.push(h);
    } else if let Some(p) = punct(c) {
        out.push(p);
    } else {
        for k in std::iter::once(c).nfkc() {
            if is_invisible(k) {
                continue;
            }
            if let Some(d) = unicode_digit(k) {
                out.push(d);
            } else if let Some(h) = homoglyph(k) {
                out.push(h);
            } else if let Some(p) = punct(k) {
                out.push(p);
            } else {
                out.push(k);
            }
        }
    }
}

/// Whether every fold leaves `c` as it is (so it can stay in a borrowed view).
fn is_inert(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    if is_invisible(c) || unicode_digit(c).is_some() || homoglyph(c).is_some() || punct(c).is_some()
    {
        return false;
    }
    match is_nfkc_quick(std::iter::once(c)) {
        IsNormalized::Yes => true,
        _ => std::iter::once(c).nfkc().eq(std::iter::once(c)),
    }
}

fn fold_chars(original: &str) -> (String, Vec<Piece>) {
    let mut text = String::with_capacity(original.len());
    let mut pieces: Vec<Piece> = Vec::new();
    // Whether the last piece is a copied one that the next copied byte continues.
    let mut open = false;
    for (i, c) in original.char_indices() {
        let end = i + c.len_utf8();
        if is_inert(c) {
            if !open {
                pieces.push(Piece {
                    view: text.len() as u32,
                    orig: i as u32,
                    orig_end: 0,
                    copied: true,
                });
                open = true;
            }
            text.push(c);
            continue;
        }
        open = false;
        if is_invisible(c) {
            continue;
        }
        let before = text.len();
        fold_one(c, &mut text);
        if text.len() > before {
            pieces.push(Piece {
                view: before as u32,
                orig: i as u32,
                orig_end: end as u32,
                copied: false,
            });
        }
    }
    (text, pieces)
}

/// Words that can make a spelled-out digit run shorter in words than in
/// digits ("double seven", "nine hundred").
pub(crate) const DIGIT_MULTIPLIERS: [&str; 3] = ["double", "triple", "hundred"];

/// Whether [`Normalized::read_rewrites`] can change a folded view, given how
/// many of its tokens are spelled-out digits or [`DIGIT_MULTIPLIERS`] (a run
/// needs four digits, so at least two such words). A cheap necessary
/// condition, so most messages skip the rewrite pass.
pub(crate) fn may_rewrite(text: &str, digit_words: usize) -> bool {
    digit_words >= 2 || may_defang(text.as_bytes())
}

/// The value of a spelled-out digit ("five", any case), if `w` is one.
pub(crate) fn digit_word(w: &str) -> Option<u8> {
    let lw = w.as_bytes();
    if lw.len() == 2 && lw.eq_ignore_ascii_case(b"oh") {
        // "oh" only counts inside a run of real digit words (see `flush`).
        return Some(OH);
    }
    if lw.len() < 3 || lw.len() > 5 {
        // "oh" is too ambiguous to read as zero.
        return None;
    }
    let mut buf = [0u8; 5];
    for (i, b) in lw.iter().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    Some(match &buf[..lw.len()] {
        b"zero" | b"nought" => 0,
        b"one" => 1,
        b"two" => 2,
        b"three" => 3,
        b"four" => 4,
        b"five" => 5,
        b"six" => 6,
        b"seven" => 7,
        b"eight" => 8,
        b"nine" => 9,
        _ => return None,
    })
}

type Rewrite = (Range<usize>, String, Vec<Range<usize>>);

/// Marker digit for "oh": read as 0, but never counted towards a run's
/// minimum of four spelled digits.
const OH: u8 = 10;

/// Find runs of four or more spelled-out digits ("five two six, seven …",
/// "nine hundred, three five two", "double seven") and produce rewrites to
/// ASCII digits: one digit per digit word ("hundred" after a digit word adds
/// two zeros, "double"/"triple" repeat the next digit word), groups
/// separated by single spaces.
fn spelled_digit_runs(text: &str) -> Option<Vec<Rewrite>> {
    let bytes = text.as_bytes();
    // Groups as (start, end, digit, count) in order; separators between words
    // must be only spaces, commas or hyphens for the run to continue.
    let mut out: Vec<Rewrite> = Vec::new();
    let mut run: Vec<(usize, usize, u8, u8)> = Vec::new();
    let mut i = 0;
    let mut last_end = 0usize;
    // A pending "double"/"triple": (start, repeat count).
    let mut repeat: Option<(usize, u8)> = None;
    let flush = |run: &mut Vec<(usize, usize, u8, u8)>, out: &mut Vec<Rewrite>| {
        let total: usize = run.iter().filter(|g| g.2 != OH).map(|g| g.3 as usize).sum();
        if total >= 4 {
            let start = run[0].0;
            let end = run[run.len() - 1].1;
            let mut s = String::with_capacity(total * 2);
            let mut src = Vec::with_capacity(total * 2);
            for (k, (ws, we, d, n)) in run.iter().enumerate() {
                if k > 0 {
                    s.push(' ');
                    let prev_end = run[k - 1].1;
                    src.push(prev_end..*ws);
                }
                for _ in 0..*n {
                    s.push((b'0' + if *d == OH { 0 } else { *d }) as char);
                    src.push(*ws..*we);
                }
            }
            out.push((start..end, s, src));
        }
        run.clear();
    };
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() {
            let s = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word = &text[s..i];
            let sep_ok = |from: usize| {
                text[from..s]
                    .bytes()
                    .all(|b| b == b' ' || b == b',' || b == b'-')
                    && s - from <= 3
            };
            match digit_word(word) {
                Some(d) => {
                    let pending = repeat.take();
                    let (gs, n) = pending.unwrap_or((s, 1));
                    if pending.is_none() && !run.is_empty() && !sep_ok(last_end) {
                        flush(&mut run, &mut out);
                    }
                    run.push((gs, i, d, n));
                    last_end = i;
                }
                None => {
                    let lower = word.to_ascii_lowercase();
                    if lower == "hundred"
                        && repeat.is_none()
                        && run.last().is_some_and(|g| g.3 == 1)
                        && text[last_end..s].bytes().all(|b| b == b' ')
                        && s - last_end <= 2
                    {
                        run.push((s, i, 0, 2));
                        last_end = i;
                    } else if (lower == "double" || lower == "triple") && repeat.is_none() {
                        if !run.is_empty() && !sep_ok(last_end) {
                            flush(&mut run, &mut out);
                        }
                        repeat = Some((s, if lower == "double" { 2 } else { 3 }));
                    } else {
                        repeat = None;
                        flush(&mut run, &mut out);
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    flush(&mut run, &mut out);
    if out.is_empty() { None } else { Some(out) }
}

/// Bracketed stand-ins that defang links and addresses, and what they stand for.
const DEFANG_TOKENS: [(&str, &str); 9] = [
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("[:]", ":"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("[@]", "@"),
];

/// Whether [`defang`] could find anything: a bracketed stand-in, or "hxxp"
/// (any case). A necessary condition found with a vectorised byte search,
/// since nearly every message has a bracket or an "h" somewhere.
fn may_defang(bytes: &[u8]) -> bool {
    memchr::memchr3_iter(b'[', b'(', b'{', bytes).any(|i| {
        DEFANG_TOKENS.iter().any(|(t, _)| {
            bytes[i..].len() >= t.len() && bytes[i..i + t.len()].eq_ignore_ascii_case(t.as_bytes())
        })
    }) || memchr::memchr2_iter(b'x', b'X', bytes).any(|i| {
        i >= 1
            && bytes[i - 1].eq_ignore_ascii_case(&b'h')
            && bytes
                .get(i + 1)
                .is_some_and(|c| c.eq_ignore_ascii_case(&b'x'))
            && bytes
                .get(i + 2)
                .is_some_and(|c| c.eq_ignore_ascii_case(&b'p'))
    })
}

/// Undo link and address defanging: `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`
/// read as a dot, `[:]` as a colon, `[at]`, `(at)`, `[@]` as `@`, and
/// `hxxp`/`hXXp` as `http`. Rewrites are merged into `out` in view order
/// (skipping any that would overlap an existing one).
fn defang(text: &str, out: &mut Vec<Rewrite>) {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'[' || b == b'(' || b == b'{' || b == b'x' || b == b'X')
    {
        return;
    }
    let mut found: Vec<Rewrite> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'[' || b == b'(' || b == b'{' {
            if let Some((tok, rep)) = DEFANG_TOKENS.iter().find(|(t, _)| {
                bytes.len() - i >= t.len()
                    && bytes[i..i + t.len()].eq_ignore_ascii_case(t.as_bytes())
            }) {
                let r = i..i + tok.len();
                found.push((r.clone(), rep.to_string(), vec![r]));
                i += tok.len();
                continue;
            }
        } else if (b == b'h' || b == b'H')
            && bytes.len() - i >= 5
            && bytes[i + 1..i + 3].eq_ignore_ascii_case(b"xx")
            && (bytes[i + 3] == b'p' || bytes[i + 3] == b'P')
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && (bytes[i + 4] == b':' || bytes[i + 4] == b's' || bytes[i + 4] == b'[')
        {
            found.push((
                i..i + 4,
                "http".to_string(),
                (i..i + 4).map(|k| k..k + 1).collect(),
            ));
            i += 4;
            continue;
        }
        i += 1;
    }
    if found.is_empty() {
        return;
    }
    if out.is_empty() {
        *out = found;
        return;
    }
    let mut merged: Vec<Rewrite> = Vec::with_capacity(out.len() + found.len());
    let mut a = std::mem::take(out).into_iter().peekable();
    let mut f = found.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), f.peek()) {
            (Some(x), Some(y)) => x.0.start <= y.0.start,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_a { a.next() } else { f.next() }.unwrap();
        if merged.last().is_some_and(|l| l.0.end > next.0.start) {
            continue;
        }
        merged.push(next);
    }
    *out = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(s: &str) -> String {
        Normalized::new(s).text().to_string()
    }

    #[test]
    fn basics_ascii_is_borrowed() {
        let n = Normalized::new("plain ascii 123");
        assert!(n.is_identity());
        assert_eq!(n.to_original(6..11), 6..11);
    }

    #[test]
    fn evasions_fold() {
        let rows: &[(&str, &str, &str)] = &[
            ("zero_width", "36\u{200D}1 10\u{200B}7", "361 107"),
            ("fullwidth_digits", "２６７ ５６１", "267 561"),
            ("devanagari_digits", "४५६७", "4567"),
            (
                "cyrillic_letters",
                "M\u{0430}ureen T\u{043E}lliver",
                "Maureen Tolliver",
            ),
            ("greek_alpha", "LS6 4\u{0391}B", "LS6 4AB"),
            ("fullwidth_letters", "Ｔｅｒｅｓａ", "Teresa"),
            (
                "spelled_digits",
                "it is five two six, seven two five now",
                "it is 5 2 6 7 2 5 now",
            ),
            ("short_word_run_kept", "one or two", "one or two"),
            ("zero_not_o", "O0", "O0"),
        ];
        for (name, input, want) in rows {
            assert_eq!(view(input), *want, "row {name}");
        }
    }

    #[test]
    fn offsets_map_back_to_char_boundaries() {
        let s = "NHS no ２６７ ５６１ ３００２ ok";
        let n = Normalized::new(s);
        let t = n.text();
        let a = t.find("267").unwrap();
        let b = t.find("3002").unwrap() + 4;
        let r = n.to_original(a..b);
        assert_eq!(&s[r], "２６７ ５６１ ３００２");
    }

    #[test]
    fn spelled_run_maps_back_to_words() {
        let s = "mobile is zero seven seven zero zero, nine zero zero, three one five thanks";
        let n = Normalized::new(s);
        let t = n.text();
        let a = t.find('0').unwrap();
        let b = t.rfind('5').unwrap() + 1;
        let r = n.to_original(a..b);
        assert_eq!(
            &s[r],
            "zero seven seven zero zero, nine zero zero, three one five"
        );
    }

    #[test]
    fn spelled_hundreds_and_doubles() {
        assert_eq!(
            view("number is 07700 nine hundred, three five two ok"),
            "number is 07700 9 00 3 5 2 ok"
        );
        assert_eq!(view("double seven, four two"), "77 4 2");
        assert_eq!(view("oh one one three four"), "0 1 1 3 4");
        assert_eq!(view("oh no, oh one two"), "oh no, oh one two");
        // Prose numbers stay words.
        assert_eq!(view("nine hundred patients"), "nine hundred patients");
    }

    #[test]
    fn defanged_links_read_plain() {
        let s = "see hxxps://www[.]example[.]com/u/x and a[at]b(.)org";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "see https://www.example.com/u/x and a@b.org");
        let t = n.text();
        let a = t.find("https").unwrap();
        let b = t.find(" and").unwrap();
        assert_eq!(&s[n.to_original(a..b)], "hxxps://www[.]example[.]com/u/x");
        assert!(Normalized::new("plain [x] (y) text").is_identity());
    }

    #[test]
    fn basics_inert_non_ascii_is_borrowed() {
        // Em dashes, emoji and accented letters survive every fold: no copy.
        let n = Normalized::new("IoM doc here — café 😂 ok");
        assert!(n.is_identity());
        // One foldable character anywhere makes an owned view.
        assert!(!Normalized::new("café — ４").is_identity());
    }

    #[test]
    fn mixed_folds_map_back_piece_by_piece() {
        let s = "né — NHS ４１３\u{200b}186 0910, Mrs Wh\u{0435}atley 😂";
        let n = Normalized::new(s);
        let t = n.text();
        assert_eq!(t, "né — NHS 413186 0910, Mrs Wheatley 😂");
        let find = |needle: &str| {
            let a = t.find(needle).unwrap();
            &s[n.to_original(a..a + needle.len())]
        };
        assert_eq!(find("413186 0910"), "４１３\u{200b}186 0910");
        assert_eq!(find("Wheatley"), "Wh\u{0435}atley");
        assert_eq!(find("né —"), "né —");
        assert_eq!(find("😂"), "😂");
        // A range inside a multi-byte view char still maps to whole chars.
        let e = t.find('é').unwrap();
        assert_eq!(&s[n.to_original(e + 1..e + 2)], "é");
    }

    #[test]
    fn zero_width_inside_maps_whole() {
        let s = "4\u{200B}894 7979";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "4894 7979");
        let r = n.to_original(0..9);
        assert_eq!(r, 0..s.len());
    }
}
