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
//! - ASCII text without spelled-out digit runs is borrowed as is (fast path,
//!   no allocation).

use std::borrow::Cow;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// The matching view of one message plus its offset map.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    text: Cow<'a, str>,
    /// For each byte of `text`, the original char range it came from
    /// (start, end). Empty when `text` is the original (identity map).
    map: Vec<(u32, u32)>,
    original_len: usize,
}

impl<'a> Normalized<'a> {
    /// Build the matching view of `original`.
    pub fn new(original: &'a str) -> Normalized<'a> {
        let needs_fold = !original.is_ascii();
        let (text, map): (Cow<'a, str>, Vec<(u32, u32)>) = if needs_fold {
            let (t, m) = fold_chars(original);
            (Cow::Owned(t), m)
        } else {
            (Cow::Borrowed(original), Vec::new())
        };
        let base = Normalized {
            text,
            map,
            original_len: original.len(),
        };
        match spelled_digit_runs(&base.text) {
            None => base,
            Some(rewrites) => base.apply_rewrites(&rewrites),
        }
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the view is byte-identical to the original.
    pub fn is_identity(&self) -> bool {
        self.map.is_empty()
    }

    /// Map a byte range of the view back to a byte range of the original
    /// (char-aligned, within bounds).
    pub fn to_original(&self, r: Range<usize>) -> Range<usize> {
        if self.map.is_empty() {
            let s = r.start.min(self.original_len);
            let e = r.end.clamp(s, self.original_len);
            return s..e;
        }
        if self.map.is_empty() || r.start >= self.map.len() {
            return self.original_len..self.original_len;
        }
        let s = self.map[r.start].0 as usize;
        let last = r.end.saturating_sub(1).clamp(r.start, self.map.len() - 1);
        let e = (self.map[last].1 as usize).max(s);
        s..e
    }

    fn apply_rewrites(self, rewrites: &[Rewrite]) -> Normalized<'a> {
        // Each rewrite replaces a view range by new text whose bytes map to
        // the given view sub-ranges (one per output byte).
        let old = self.text.as_ref();
        let mut text = String::with_capacity(old.len());
        let mut map = Vec::with_capacity(old.len());
        let orig_of = |i: usize| -> (u32, u32) {
            if self.map.is_empty() {
                let (s, e) = char_range_at(old, i);
                (s as u32, e as u32)
            } else {
                self.map[i]
            }
        };
        let mut pos = 0usize;
        for (range, new, sources) in rewrites {
            for i in pos..range.start {
                map.push(orig_of(i));
            }
            text.push_str(&old[pos..range.start]);
            text.push_str(new);
            for src in sources {
                let a = orig_of(src.start).0;
                let b = orig_of(src.end.saturating_sub(1).max(src.start)).1;
                map.push((a, b.max(a)));
            }
            pos = range.end;
        }
        for i in pos..old.len() {
            map.push(orig_of(i));
        }
        text.push_str(&old[pos..]);
        debug_assert_eq!(text.len(), map.len());
        Normalized {
            text: Cow::Owned(text),
            map,
            original_len: self.original_len,
        }
    }
}

/// Byte range of the char containing byte `i` (ASCII text: one byte).
fn char_range_at(s: &str, i: usize) -> (usize, usize) {
    let mut start = i.min(s.len());
    while start > 0 && !s.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + 1).min(s.len());
    while end < s.len() && !s.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
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

fn fold_chars(original: &str) -> (String, Vec<(u32, u32)>) {
    let mut text = String::with_capacity(original.len());
    let mut map = Vec::with_capacity(original.len());
    for (i, c) in original.char_indices() {
        let end = (i + c.len_utf8()) as u32;
        if c.is_ascii() {
            text.push(c);
            map.push((i as u32, end));
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        let before = text.len();
        fold_one(c, &mut text);
        for _ in before..text.len() {
            map.push((i as u32, end));
        }
    }
    (text, map)
}

fn digit_word(w: &str) -> Option<u8> {
    let lw = w.as_bytes();
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

/// Find runs of four or more spelled-out digits ("five two six, seven …")
/// and produce rewrites to space-separated ASCII digits.
fn spelled_digit_runs(text: &str) -> Option<Vec<Rewrite>> {
    let bytes = text.as_bytes();
    // Words as (start, end, digit?) in order; separators between words must be
    // only spaces, commas or hyphens for the run to continue.
    let mut out: Vec<Rewrite> = Vec::new();
    let mut run: Vec<(usize, usize, u8)> = Vec::new();
    let mut i = 0;
    let mut last_end = 0usize;
    let flush = |run: &mut Vec<(usize, usize, u8)>, out: &mut Vec<Rewrite>| {
        if run.len() >= 4 {
            let start = run[0].0;
            let end = run[run.len() - 1].1;
            let mut s = String::with_capacity(run.len() * 2);
            let mut src = Vec::with_capacity(run.len() * 2);
            for (k, (ws, we, d)) in run.iter().enumerate() {
                if k > 0 {
                    s.push(' ');
                    let prev_end = run[k - 1].1;
                    src.push(prev_end..*ws);
                }
                s.push((b'0' + d) as char);
                src.push(*ws..*we);
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
            match digit_word(word) {
                Some(d) => {
                    let sep_ok = run.is_empty()
                        || text[last_end..s]
                            .bytes()
                            .all(|b| b == b' ' || b == b',' || b == b'-')
                            && s - last_end <= 3;
                    if !sep_ok {
                        flush(&mut run, &mut out);
                    }
                    run.push((s, i, d));
                    last_end = i;
                }
                None => flush(&mut run, &mut out),
            }
        } else {
            i += 1;
        }
    }
    flush(&mut run, &mut out);
    if out.is_empty() { None } else { Some(out) }
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
    fn zero_width_inside_maps_whole() {
        let s = "4\u{200B}894 7979";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "4894 7979");
        let r = n.to_original(0..9);
        assert_eq!(r, 0..s.len());
    }
}
