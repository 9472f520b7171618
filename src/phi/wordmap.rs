//! A compact, read-only map from short ASCII words (any case) to small values.
//!
//! Job: the per-token lexicon probes of the detector (every token of every
//! message) and the name-list probes. Words of up to 16 bytes are stored
//! inline, lowercased, as two `u64`s in an open-addressing table, so a probe
//! is one multiply, one or two adjacent slots and two integer compares — no
//! pointer chase, no `memcmp`. Longer words (rare) go to an ordinary map.
//!
//! Invariants: lookups are ASCII case-insensitive; a word longer than
//! [`MAX_WORD`] bytes or holding a non-ASCII byte is never found.

use std::collections::HashMap;

/// Longest word the map holds.
pub const MAX_WORD: usize = 40;
/// Longest word stored inline.
const INLINE: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Slot<V> {
    key: [u64; 2],
    /// Word length; 0 marks an empty slot.
    len: u8,
    val: V,
}

/// See the module docs.
#[derive(Debug, Clone)]
pub struct WordMap<V: Copy + Default> {
    slots: Vec<Slot<V>>,
    shift: u32,
    /// One bit per hash value's low bits, set for every inline word: most
    /// probed words are not listed, and this small bitset (L1-sized for the
    /// lexicon) rejects them without touching the slots.
    filter: Vec<u64>,
    filter_mask: u64,
    long: HashMap<Box<[u8]>, V>,
}

/// ASCII-lowercase eight bytes at once (every byte must be ASCII).
fn lower8(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte: byte >= b'A', and byte > b'Z'.
    let ge_a = x + 0x3f3f_3f3f_3f3f_3f3f;
    let gt_z = x + 0x2525_2525_2525_2525;
    x | ((ge_a & !gt_z & HIGH) >> 2)
}

/// The word lowercased into two little-endian words (`None` if not ASCII or too long).
fn inline_key(word: &[u8]) -> Option<[u64; 2]> {
    if word.len() > INLINE {
        return None;
    }
    let mut buf = [0u8; INLINE];
    buf[..word.len()].copy_from_slice(word);
    let a = u64::from_le_bytes(buf[..8].try_into().ok()?);
    let b = u64::from_le_bytes(buf[8..].try_into().ok()?);
    if (a | b) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    Some([lower8(a), lower8(b)])
}

fn hash(key: [u64; 2], len: usize) -> u64 {
    (key[0] ^ key[1].rotate_left(29) ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl<V: Copy + Default> WordMap<V> {
    /// Build from `(word, value)` pairs; later duplicates are merged into
    /// earlier ones with `merge`. Words that cannot be looked up (too long,
    /// non-ASCII, empty) are skipped.
    pub fn build(
        entries: impl IntoIterator<Item = (Vec<u8>, V)>,
        merge: impl Fn(&mut V, V),
    ) -> WordMap<V> {
        let mut all: HashMap<Vec<u8>, V> = HashMap::new();
        for (w, v) in entries {
            if w.is_empty() || w.len() > MAX_WORD || !w.is_ascii() {
                continue;
            }
            let w = w.to_ascii_lowercase();
            match all.get_mut(&w) {
                Some(old) => merge(old, v),
                None => {
                    all.insert(w, v);
                }
            }
        }
        // At most half full, so probe sequences stay short.
        let cap = (all.len() * 2).next_power_of_two().max(16);
        let shift = 64 - cap.trailing_zeros();
        let mut slots = vec![
            Slot {
                key: [0; 2],
                len: 0,
                val: V::default(),
            };
            cap
        ];
        let filter_bits = (all.len() * 16).next_power_of_two().clamp(1 << 12, 1 << 18);
        let filter_mask = filter_bits as u64 - 1;
        let mut filter = vec![0u64; filter_bits / 64];
        let mut long = HashMap::new();
        for (w, v) in all {
            let Some(key) = inline_key(&w) else {
                long.insert(w.into_boxed_slice(), v);
                continue;
            };
            let h = hash(key, w.len());
            let f = h & filter_mask;
            filter[(f / 64) as usize] |= 1 << (f % 64);
            let mut i = (h >> shift) as usize;
            while slots[i].len != 0 {
                i = (i + 1) & (cap - 1);
            }
            slots[i] = Slot {
                key,
                len: w.len() as u8,
                val: v,
            };
        }
        WordMap {
            slots,
            shift,
            filter,
            filter_mask,
            long,
        }
    }

    /// The value of `word` (any case), if listed.
    pub fn get(&self, word: &[u8]) -> Option<V> {
        if word.is_empty() || word.len() > MAX_WORD {
            return None;
        }
        let Some(key) = inline_key(word) else {
            if word.len() <= INLINE || !word.is_ascii() {
                return None;
            }
            return self.long.get(word.to_ascii_lowercase().as_slice()).copied();
        };
        let h = hash(key, word.len());
        let f = h & self.filter_mask;
        if self.filter[(f / 64) as usize] & (1 << (f % 64)) == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let s = &self.slots[i];
            if s.len == 0 {
                return None;
            }
            if usize::from(s.len) == word.len() && s.key == key {
                return Some(s.val);
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics_lookup_any_case() {
        let words = [
            "mrs",
            "nhs",
            "o'brien",
            "x",
            "sixteen-letters!",
            "pseudohypoparathyroidism",
        ];
        let m = WordMap::build(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (w.as_bytes().to_vec(), i as u16)),
            |a, b| *a |= b,
        );
        for (i, w) in words.iter().enumerate() {
            assert_eq!(m.get(w.as_bytes()), Some(i as u16), "{w}");
            assert_eq!(m.get(w.to_uppercase().as_bytes()), Some(i as u16), "{w}");
        }
        for miss in [
            "mr",
            "nhs ",
            "",
            "obrien",
            "pseudohypoparathyroidisms",
            "né",
        ] {
            assert_eq!(m.get(miss.as_bytes()), None, "{miss}");
        }
    }

    #[test]
    fn lower8_folds_only_ascii_capitals() {
        let all: Vec<u8> = (0u8..0x80).collect();
        for chunk in all.chunks(8) {
            let x = u64::from_le_bytes(chunk.try_into().unwrap());
            let want: Vec<u8> = chunk.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(lower8(x).to_le_bytes().to_vec(), want);
        }
    }

    #[test]
    fn duplicates_merge() {
        let m = WordMap::build([(b"Ann".to_vec(), 1u16), (b"ann".to_vec(), 2)], |a, b| {
            *a |= b
        });
        assert_eq!(m.get(b"ANN"), Some(3));
    }
}
