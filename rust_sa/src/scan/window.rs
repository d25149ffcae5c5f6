//! The sliding window of the scan: the multiset overlap of the window with
//! every target, kept up to date token by token, and the exact Levenshtein
//! distance of a window that passes the filter.
//!
//! Invariant: after `enter` of every token of a window (and `leave` of every
//! token that slid out), `overlap[t]` is the size of the multiset
//! intersection of the window and target `t`; leaving every token again
//! restores the state of a fresh window.

use super::index::{Counter, Entry, Index};
use crate::token::Token;

/// Per-thread sliding-window state.
pub(super) struct Window<C> {
    /// Multiset overlap of the window with each target.
    pub(super) overlap: Vec<C>,
    /// Occurrences in the window of each token that some target holds, by slot.
    pub(super) counts: Vec<u32>,
    pub(super) pv: Vec<u64>,
    pub(super) mv: Vec<u64>,
}

impl<C: Counter> Window<C> {
    pub(super) fn new<T: Token>(index: &Index<T, C>) -> Self {
        let words = index.len.div_ceil(64);
        Window {
            overlap: vec![C::default(); index.targets.len()],
            counts: vec![0; index.entries.len()],
            pv: vec![0; words],
            mv: vec![0; words],
        }
    }

    pub(super) fn enter<T: Token>(&mut self, index: &Index<T, C>, x: T) {
        let Some((slot, entry)) = index.entry(x) else {
            return;
        };
        let c = &mut self.counts[slot];
        *c += 1;
        let have = *c;
        match entry {
            Entry::Dense(r) => {
                let k = self.overlap.len();
                let row = &index.rows[r as usize * k..(r as usize + 1) * k];
                let have = C::from_usize(have as usize);
                for (o, &m) in self.overlap.iter_mut().zip(row) {
                    *o = o.plus(m >= have);
                }
            }
            Entry::Sparse(s, e) => {
                let (s, e) = (s as usize, e as usize);
                for (&t, &m) in index.post_target[s..e].iter().zip(&index.post_mult[s..e]) {
                    if m < have {
                        break;
                    }
                    let o = &mut self.overlap[t as usize];
                    *o = o.plus(true);
                }
            }
        }
    }

    pub(super) fn leave<T: Token>(&mut self, index: &Index<T, C>, x: T) {
        let Some((slot, entry)) = index.entry(x) else {
            return;
        };
        let c = &mut self.counts[slot];
        let had = *c;
        *c -= 1;
        match entry {
            Entry::Dense(r) => {
                let k = self.overlap.len();
                let row = &index.rows[r as usize * k..(r as usize + 1) * k];
                let had = C::from_usize(had as usize);
                for (o, &m) in self.overlap.iter_mut().zip(row) {
                    *o = o.minus(m >= had);
                }
            }
            Entry::Sparse(s, e) => {
                let (s, e) = (s as usize, e as usize);
                for (&t, &m) in index.post_target[s..e].iter().zip(&index.post_mult[s..e]) {
                    if m < had {
                        break;
                    }
                    let o = &mut self.overlap[t as usize];
                    *o = o.minus(true);
                }
            }
        }
    }

    /// Levenshtein distance between `window` and target `t` with Myers'
    /// bit-parallel algorithm in Hyyrö's multi-word form (64 target tokens per
    /// word); the target is the pattern, the window the text.
    pub(super) fn levenshtein<T: Token>(
        &mut self,
        index: &Index<T, C>,
        t: usize,
        window: &[T],
    ) -> u32 {
        let m = index.len;
        let words = self.pv.len();
        let keys = &index.peq_keys[t];
        let masks = &index.peq_words[t];
        self.pv.fill(!0);
        self.mv.fill(0);
        let last = 1u64 << ((m - 1) % 64);
        let mut score = m as i64;
        for x in window {
            let eq_at = keys.binary_search(x).ok();
            // The top row is D[0][j] = j: every column enters with +1.
            let mut hin = 1i64;
            for b in 0..words {
                let eq = eq_at.map_or(0, |j| masks[j * words + b]);
                let high = if b + 1 == words { last } else { 1 << 63 };
                hin = advance(&mut self.pv[b], &mut self.mv[b], eq, hin, high);
            }
            score += hin;
        }
        score as u32
    }
}

/// One column step of one 64-row block (Hyyrö 2003); returns the horizontal
/// delta leaving the block at row `high`.
#[inline]
fn advance(pv: &mut u64, mv: &mut u64, mut eq: u64, hin: i64, high: u64) -> i64 {
    let xv = eq | *mv;
    if hin < 0 {
        eq |= 1;
    }
    let xh = (((eq & *pv).wrapping_add(*pv)) ^ *pv) | eq;
    let mut ph = *mv | !(xh | *pv);
    let mut mh = *pv & xh;
    let hout = if ph & high != 0 {
        1
    } else if mh & high != 0 {
        -1
    } else {
        0
    };
    ph <<= 1;
    mh <<= 1;
    if hin < 0 {
        mh |= 1;
    } else if hin > 0 {
        ph |= 1;
    }
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    hout
}
