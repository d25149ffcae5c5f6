//! Levenshtein distance of a fixed pattern (a target or query) against many
//! texts (document windows) with Myers' bit-parallel algorithm in Hyyrö's
//! multi-word form: 64 pattern tokens per machine word, one pass over the
//! text. Shared by the scan and the suffix-array search, so that both report
//! the very same distances.
//!
//! Invariant: [`Pattern::distance_within`] returns the exact edit distance
//! (unit costs, whole pattern against whole text) whenever it is at most the
//! bound, and `None` only when it is above the bound.

use crate::token::Token;

/// A pattern's match masks: for each of its distinct tokens (sorted), the
/// bit set of the positions holding it, `words` machine words per token;
/// and an open-addressing table from a token to its place in `keys`, which
/// every text token is looked up in (a binary search there cost more than
/// the bit-parallel step itself).
pub struct Pattern<T> {
    len: usize,
    words: usize,
    keys: Vec<T>,
    masks: Vec<u64>,
    /// `slots[h]`: 1 + the index in `keys` of a token hashing to `h` (or a
    /// later slot, linear probing); 0 for an empty slot.
    slots: Vec<u32>,
    shift: u32,
}

/// Fibonacci hashing of a token into `64 - shift` bits.
#[inline]
fn slot_of(x: u32, shift: u32) -> usize {
    (u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// The per-thread column state of the algorithm, reused between texts.
#[derive(Default)]
pub struct Scratch {
    pv: Vec<u64>,
    mv: Vec<u64>,
}

impl<T: Token> Pattern<T> {
    /// The masks of `pattern`, which must not be empty.
    pub fn new(pattern: &[T]) -> Self {
        let len = pattern.len();
        let words = len.div_ceil(64);
        let mut keys = pattern.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let mut masks = vec![0u64; keys.len() * words];
        for (i, x) in pattern.iter().enumerate() {
            // Keys are the pattern's own tokens, so the search succeeds.
            if let Ok(j) = keys.binary_search(x) {
                masks[j * words + i / 64] |= 1 << (i % 64);
            }
        }
        // At most half full, so that probes stay short.
        let bits = (2 * keys.len()).next_power_of_two().trailing_zeros().max(1);
        let shift = 64 - bits;
        let mut slots = vec![0u32; 1 << bits];
        for (k, x) in keys.iter().enumerate() {
            let mut h = slot_of(x.get(), shift);
            while slots[h] != 0 {
                h = (h + 1) & (slots.len() - 1);
            }
            slots[h] = k as u32 + 1;
        }
        Pattern {
            len,
            words,
            keys,
            masks,
            slots,
            shift,
        }
    }

    /// The index in [`Pattern::keys`] of `x`, if the pattern holds it.
    #[inline]
    pub fn index_of(&self, x: T) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut h = slot_of(x.get(), self.shift);
        loop {
            match self.slots[h] {
                0 => return None,
                k if self.keys[k as usize - 1] == x => return Some(k as usize - 1),
                _ => h = (h + 1) & mask,
            }
        }
    }

    /// The pattern's distinct tokens, sorted.
    pub fn keys(&self) -> &[T] {
        &self.keys
    }

    /// Levenshtein distance between the pattern and `text`.
    pub fn distance(&self, text: &[T], scratch: &mut Scratch) -> u32 {
        self.run(text, u32::MAX, scratch).unwrap_or(u32::MAX)
    }

    /// Levenshtein distance between the pattern and `text` if it is at most
    /// `max`, else `None`; stops as soon as the bound cannot be met.
    pub fn distance_within(&self, text: &[T], max: u32, scratch: &mut Scratch) -> Option<u32> {
        self.run(text, max, scratch)
    }

    fn run(&self, text: &[T], max: u32, scratch: &mut Scratch) -> Option<u32> {
        // Patterns of up to 256 tokens keep their columns in registers.
        match self.words {
            1 => self.run_fixed::<1>(text, max),
            2 => self.run_fixed::<2>(text, max),
            3 => self.run_fixed::<3>(text, max),
            4 => self.run_fixed::<4>(text, max),
            _ => self.run_any(text, max, scratch),
        }
    }

    /// The column's match masks of text token `x`.
    #[inline]
    fn eq_of<const W: usize>(&self, x: T) -> [u64; W] {
        match self.index_of(x) {
            Some(k) => std::array::from_fn(|b| self.masks[k * W + b]),
            None => [0; W],
        }
    }

    fn run_fixed<const W: usize>(&self, text: &[T], max: u32) -> Option<u32> {
        let mut pv = [!0u64; W];
        let mut mv = [0u64; W];
        let last = 1u64 << ((self.len - 1) % 64);
        let mut score = self.len as i64;
        let max = i64::from(max);
        for (j, &x) in text.iter().enumerate() {
            let eq = self.eq_of::<W>(x);
            // The top row is D[0][j] = j: every column enters with +1.
            let mut hin = 1i64;
            for b in 0..W {
                let high = if b + 1 == W { last } else { 1 << 63 };
                hin = advance(&mut pv[b], &mut mv[b], eq[b], hin, high);
            }
            score += hin;
            // Neighbouring cells of the last row differ by at most one, so
            // the final score is at least this one minus the columns left.
            if score - (text.len() - j - 1) as i64 > max {
                return None;
            }
        }
        finish(score, max)
    }

    fn run_any(&self, text: &[T], max: u32, scratch: &mut Scratch) -> Option<u32> {
        let words = self.words;
        scratch.pv.clear();
        scratch.pv.resize(words, !0);
        scratch.mv.clear();
        scratch.mv.resize(words, 0);
        let last = 1u64 << ((self.len - 1) % 64);
        let mut score = self.len as i64;
        let max = i64::from(max);
        for (j, &x) in text.iter().enumerate() {
            let eq_at = self.index_of(x);
            let mut hin = 1i64;
            for b in 0..words {
                let eq = eq_at.map_or(0, |k| self.masks[k * words + b]);
                let high = if b + 1 == words { last } else { 1 << 63 };
                hin = advance(&mut scratch.pv[b], &mut scratch.mv[b], eq, hin, high);
            }
            score += hin;
            if score - (text.len() - j - 1) as i64 > max {
                return None;
            }
        }
        finish(score, max)
    }
}

/// The final score if it is within `max` (an empty text never entered the
/// loop's check).
#[inline]
fn finish(score: i64, max: i64) -> Option<u32> {
    if score > max {
        return None;
    }
    u32::try_from(score).ok()
}

/// One column step of one 64-row block (Hyyrö 2003); returns the horizontal
/// delta leaving the block at row `high`.
#[inline(always)]
fn advance(pv: &mut u64, mv: &mut u64, eq: u64, hin: i64, high: u64) -> i64 {
    // Branch-free: the carries of the horizontal delta in and out as bits.
    let hneg = u64::from(hin < 0);
    let hpos = u64::from(hin > 0);
    let xv = eq | *mv;
    let eq = eq | hneg;
    let xh = (((eq & *pv).wrapping_add(*pv)) ^ *pv) | eq;
    let ph = *mv | !(xh | *pv);
    let mh = *pv & xh;
    // `ph` and `mh` never share a bit (`pv` and `mv` do not).
    let hout = i64::from(ph & high != 0) - i64::from(mh & high != 0);
    let ph = (ph << 1) | hpos;
    let mh = (mh << 1) | hneg;
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    hout
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::dp_levenshtein;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn bounded_distance_is_exact_up_to_the_bound(
            a in prop::collection::vec(0u16..4, 1..330),
            b in prop::collection::vec(0u16..4, 0..330),
            max in 0u32..60,
        ) {
            let p = Pattern::new(&a);
            let mut s = Scratch::default();
            let exact = dp_levenshtein(&a, &b);
            prop_assert_eq!(p.distance(&b, &mut s), exact);
            prop_assert_eq!(p.distance_within(&b, max, &mut s), (exact <= max).then_some(exact));
        }
    }
}
