//! The scan's inverted index of the targets: for every distinct token of
//! the targets, which targets hold it and how often, plus the match masks
//! of Myers' algorithm.
//!
//! Invariant: memory follows the targets (one slot per distinct token, see
//! [`crate::dense`]), never the largest id; a token's targets are either a
//! dense row of multiplicities or a posting list sorted by decreasing
//! multiplicity, which is what [`super::window::Window`] relies on to stop
//! early.

use crate::dense::{DenseIds, ABSENT};
use crate::myers::Pattern;
use crate::token::Token;

/// Per-target counters of the filter: `u8` for targets up to 255 tokens,
/// `u16` above, so that the dense rows stay as narrow as possible.
pub(super) trait Counter: Copy + Ord + Default + Send + Sync + 'static {
    fn from_usize(v: usize) -> Self;
    fn plus(self, b: bool) -> Self;
    fn minus(self, b: bool) -> Self;
}

impl Counter for u8 {
    fn from_usize(v: usize) -> Self {
        v.min(u8::MAX as usize) as u8
    }
    fn plus(self, b: bool) -> Self {
        self.wrapping_add(b as u8)
    }
    fn minus(self, b: bool) -> Self {
        self.wrapping_sub(b as u8)
    }
}

impl Counter for u16 {
    fn from_usize(v: usize) -> Self {
        v.min(u16::MAX as usize) as u16
    }
    fn plus(self, b: bool) -> Self {
        self.wrapping_add(b as u16)
    }
    fn minus(self, b: bool) -> Self {
        self.wrapping_sub(b as u16)
    }
}

/// Where the filter finds the targets holding a token.
#[derive(Clone, Copy)]
pub(super) enum Entry {
    Dense(u32),
    Sparse(u32, u32),
}

/// The inverted index of the targets and their masks for Myers' algorithm.
pub(super) struct Index<T: Token, C: Counter> {
    pub(super) targets: Vec<Vec<T>>,
    pub(super) len: usize,
    /// Token id -> slot of the distinct tokens of the targets.
    pub(super) ids: DenseIds,
    /// Slot -> entry.
    pub(super) entries: Vec<Entry>,
    /// Dense rows: `rows[r * k + t]` = multiplicity in target `t`.
    pub(super) rows: Vec<C>,
    /// Sparse postings, by decreasing multiplicity within a token.
    pub(super) post_target: Vec<u32>,
    pub(super) post_mult: Vec<u32>,
    /// Per target: its match masks for the Levenshtein distance.
    pub(super) patterns: Vec<Pattern<T>>,
}

impl<T: Token, C: Counter> Index<T, C> {
    pub(super) fn new(targets: Vec<Vec<T>>) -> Self {
        let k = targets.len();
        let len = targets[0].len();
        // (token, target, multiplicity) of every distinct token of every
        // target, from sorted copies of the targets: sorting beats hashing
        // here, and the index is built on every call.
        let mut holdings: Vec<(T, u32, u32)> = Vec::with_capacity(k * len);
        let mut patterns = Vec::with_capacity(k);
        for (t, target) in targets.iter().enumerate() {
            let mut sorted = target.clone();
            sorted.sort_unstable();
            for run in sorted.chunk_by(|a, b| a == b) {
                holdings.push((run[0], t as u32, run.len() as u32));
            }
            patterns.push(Pattern::new(target));
        }
        // By token, then by decreasing multiplicity and target: the order a
        // sparse posting list is kept in.
        holdings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)));
        let mut distinct: Vec<u32> = holdings.iter().map(|h| h.0.get()).collect();
        distinct.dedup();
        let ids = DenseIds::new(&distinct);
        let mut entries = Vec::with_capacity(distinct.len());
        let (mut rows, mut post_target, mut post_mult) = (Vec::new(), Vec::new(), Vec::new());
        // A dense row costs k/16 vector steps, a posting one scattered step
        // each: dense wins once a token is in more than ~1/8 of the targets.
        let dense_from = (k / 8).max(4);
        // Groups come by increasing token, so the i-th group gets slot i.
        for posts in holdings.chunk_by(|a, b| a.0 == b.0) {
            if posts.len() >= dense_from {
                let r = rows.len() / k;
                rows.resize(rows.len() + k, C::default());
                for &(_, t, m) in posts {
                    rows[r * k + t as usize] = C::from_usize(m as usize);
                }
                entries.push(Entry::Dense(r as u32));
            } else {
                let start = post_target.len() as u32;
                for &(_, t, m) in posts {
                    post_target.push(t);
                    post_mult.push(m);
                }
                entries.push(Entry::Sparse(start, post_target.len() as u32));
            }
        }
        Index {
            targets,
            len,
            ids,
            entries,
            rows,
            post_target,
            post_mult,
            patterns,
        }
    }

    /// The slot of `x` and its entry, if some target holds `x`.
    #[inline]
    pub(super) fn entry(&self, x: T) -> Option<(usize, Entry)> {
        let slot = self.ids.get(x.get());
        if slot == ABSENT {
            return None;
        }
        self.entries.get(slot as usize).map(|&e| (slot as usize, e))
    }
}
