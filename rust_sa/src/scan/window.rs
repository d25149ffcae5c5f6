//! The sliding window of the scan: the multiset overlap of the window with
//! every target, kept up to date token by token, and the exact Levenshtein
//! distance of a window that passes the filter (see the `myers` module).
//!
//! Invariant: after `enter` of every token of a window (and `leave` of every
//! token that slid out), `overlap[t]` is the size of the multiset
//! intersection of the window and target `t`; leaving every token again
//! restores the state of a fresh window.

use super::index::{Counter, Entry, Index};
use crate::myers::Scratch;
use crate::token::Token;

/// Per-thread sliding-window state.
pub(super) struct Window<C> {
    /// Multiset overlap of the window with each target.
    pub(super) overlap: Vec<C>,
    /// Occurrences in the window of each token that some target holds, by slot.
    pub(super) counts: Vec<u32>,
    scratch: Scratch,
}

impl<C: Counter> Window<C> {
    pub(super) fn new<T: Token>(index: &Index<T, C>) -> Self {
        Window {
            overlap: vec![C::default(); index.targets.len()],
            counts: vec![0; index.entries.len()],
            scratch: Scratch::default(),
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

    /// Levenshtein distance between `window` and target `t`, if it is at
    /// most `max`.
    pub(super) fn levenshtein<T: Token>(
        &mut self,
        index: &Index<T, C>,
        t: usize,
        window: &[T],
        max: u32,
    ) -> Option<u32> {
        index.patterns[t].distance_within(window, max, &mut self.scratch)
    }
}
