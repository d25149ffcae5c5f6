//! The Levenshtein windows of one query, selected without computing every
//! distance: the greedy selection only needs a window's exact distance if no
//! window kept before it overlaps it.
//!
//! Every candidate starts with a key that is at most its distance: the
//! distance itself where Hamming gives it (windows of equal length have
//! Levenshtein 0, 1 or 2 exactly when Hamming is 0, 1 or 2: one edit that
//! keeps the length is a substitution), otherwise `max(2, L - overlap)`,
//! with `overlap` the size of the multiset intersection of window and query
//! (every edit removes at most one shared token; it is kept up to date while
//! the candidates slide along, as in the scan's filter). Windows are taken
//! by (key, start): a window overlapping one already kept is dropped, a
//! bound is replaced by the exact distance (Myers) and put back, an exact
//! one is kept.
//!
//! Invariant: the windows kept are exactly those `hits::select` keeps among
//! all candidates with their exact distances within `d`: when an exact
//! window is taken, every window before it in (distance, start) order has
//! been decided already (its key was smaller), and a window dropped for
//! overlap comes after the kept one it overlaps in that order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::hits::{Found, Metric};
use crate::myers::{Pattern, Scratch};
use crate::token::Token;

/// The multiset intersection of a sliding window with the query.
struct Overlap<'a, T: Token> {
    pattern: &'a Pattern<T>,
    /// Per distinct query token: occurrences in the query, in the window.
    want: Vec<u32>,
    have: Vec<u32>,
    size: usize,
    /// Start of the window counted, if any.
    at: Option<u64>,
}

impl<'a, T: Token> Overlap<'a, T> {
    fn new(pattern: &'a Pattern<T>, q: &[T]) -> Self {
        let mut want = vec![0u32; pattern.keys().len()];
        for &x in q {
            if let Some(k) = pattern.index_of(x) {
                want[k] += 1;
            }
        }
        Overlap {
            pattern,
            have: vec![0; want.len()],
            want,
            size: 0,
            at: None,
        }
    }

    fn enter(&mut self, x: T) {
        if let Some(k) = self.pattern.index_of(x) {
            self.size += usize::from(self.have[k] < self.want[k]);
            self.have[k] += 1;
        }
    }

    fn leave(&mut self, x: T) {
        if let Some(k) = self.pattern.index_of(x) {
            self.have[k] -= 1;
            self.size -= usize::from(self.have[k] < self.want[k]);
        }
    }

    /// The overlap of the window of `len` tokens at `s` (starts visited in
    /// increasing order slide; others are counted afresh).
    fn of(&mut self, tokens: &[T], s: u64, len: usize) -> usize {
        let s = s as usize;
        match self.at.map(|a| a as usize) {
            Some(a) if a <= s && s - a < len => {
                for p in a..s {
                    self.leave(tokens[p]);
                    self.enter(tokens[p + len]);
                }
            }
            old => {
                if let Some(a) = old {
                    for &x in &tokens[a..a + len] {
                        self.leave(x);
                    }
                }
                for &x in &tokens[s..s + len] {
                    self.enter(x);
                }
            }
        }
        self.at = Some(s as u64);
        self.size
    }
}

/// The Levenshtein windows (distance at most `d`) that the selection keeps
/// among the candidates `by_hamming`: `(start, Hamming distance)`, sorted by
/// start, windows of `q.len()` tokens.
pub(super) fn select_levenshtein<T: Token>(
    tokens: &[T],
    q: &[T],
    by_hamming: &[(u64, u32)],
    d: u32,
    target: u32,
) -> Vec<Found> {
    let len = q.len();
    let pattern = Pattern::new(q);
    let mut overlap = Overlap::new(&pattern, q);
    // (key, start, exact), taken smallest first: the initial keys sorted
    // once, the exact distances computed on the way in a heap.
    let mut items = Vec::with_capacity(by_hamming.len());
    for &(s, h) in by_hamming {
        let (key, exact) = if h <= 2 {
            (h, true)
        } else {
            let shared = overlap.of(tokens, s, len);
            ((len - shared).max(2) as u32, false)
        };
        if key <= d {
            items.push((key, s, exact));
        }
    }
    items.sort_unstable();
    let mut computed = BinaryHeap::new();
    let mut next = 0;
    // Starts of the windows kept, sorted.
    let mut kept: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    let len64 = len as u64;
    loop {
        let (key, s, exact) = match (items.get(next), computed.peek()) {
            (Some(&item), Some(&Reverse((e, c)))) if (e, c, true) < item => {
                computed.pop();
                (e, c, true)
            }
            (Some(&item), _) => {
                next += 1;
                item
            }
            (None, Some(&Reverse((e, c)))) => {
                computed.pop();
                (e, c, true)
            }
            (None, None) => break,
        };
        let i = kept.partition_point(|&k| k < s);
        let clash = (i < kept.len() && kept[i] - s < len64) || (i > 0 && s - kept[i - 1] < len64);
        if clash {
            continue;
        }
        if exact {
            kept.insert(i, s);
            out.push(Found {
                target,
                metric: Metric::Levenshtein,
                distance: key,
                start: s,
            });
        } else {
            let window = &tokens[s as usize..s as usize + len];
            if let Some(e) = pattern.distance_within(window, d, &mut scratch) {
                computed.push(Reverse((e, s)));
            }
        }
    }
    out
}
