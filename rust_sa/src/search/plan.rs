//! The split of a query into the `d + 1` disjoint pieces with the fewest
//! occurrences in the part, and the cost model that weighs those
//! occurrences against a scan.
//!
//! The pieces need not cover the query: any `d + 1` disjoint pieces keep the
//! pigeonhole argument, and a gap lets the split skip a frequent token. The
//! suffix-array ranges of every piece come from the `narrow` module's table.
//! A dynamic program over (pieces placed, query prefix) then picks the split
//! with the smallest total of range sizes; from each start it tries only the
//! lengths that still lower the count (a longer piece with the same count is
//! never better than the shorter one and a gap). Its work is capped: piece lengths are limited so
//! that it stays near [`DP_BUDGET`] steps (but never below the equal
//! split's, so that the equal split is among the choices), and a query for
//! which that is still over four budgets (thousands of tokens and pieces)
//! gets equal pieces instead.
//!
//! Invariant: every piece's range is exactly the suffix-array range of the
//! piece (what `count::find` returns), and the pieces are disjoint, in
//! order, and `d + 1` of them. (Where the equal split already brings few
//! windows, or its pieces are about equally frequent, it is kept without
//! the table: see [`FEW_WINDOWS_PER_TOKEN`] and [`BALANCED`].)

use std::ops::Range;

use super::narrow::RangeTable;
use crate::count::find;
use crate::token::Token;

/// Steps (pieces x query positions x piece lengths) the dynamic program may
/// take; about a millisecond.
const DP_BUDGET: usize = 1 << 20;
/// An equal split whose most frequent piece occurs at most this many times
/// as often as its rarest is kept as it is.
const BALANCED: u64 = 4;
/// The longest piece considered is at least this long (if the query is).
const MIN_WIDTH: usize = 16;
/// Windows per query token below which the equal split is kept as it is.
const FEW_WINDOWS_PER_TOKEN: usize = 20;

/// One piece of the query: its offset in the query and the suffix-array
/// range (into the body suffixes) of its occurrences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) offset: usize,
    pub(super) len: usize,
    pub(super) range: Range<usize>,
}

/// The chosen pieces and their total number of occurrences.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) pieces: Vec<Piece>,
    pub(super) occurrences: u64,
}

/// Splits `q` into `k` disjoint pieces with few occurrences in the part
/// (each occurrence brings `2 * shift + 1` windows); `None` when `k` pieces
/// of at least one token do not fit.
pub(super) fn plan<T: Token>(
    tokens: &[T],
    sa: &[u32],
    q: &[T],
    k: usize,
    shift: usize,
) -> Option<Plan> {
    let len = q.len();
    if k == 0 || k > len {
        return None;
    }
    // The equal split first: where it brings few windows (in varied text
    // each piece occurs about once, at the query's own source) the table,
    // some hundred random reads per query token, would cost more than the
    // best split could save (a window costs about a microsecond).
    let equal = equal_split(tokens, sa, q, k);
    let windows = equal.occurrences.saturating_mul(2 * shift as u64 + 1);
    if windows <= (FEW_WINDOWS_PER_TOKEN * len) as u64 {
        return Some(equal);
    }
    // Where its pieces are about equally frequent (a query with many near
    // copies: each piece occurs in most of them), other splits seldom do
    // much better, and the table costs most there (its ranges shrink a few
    // suffixes at a time).
    let sizes = equal.pieces.iter().map(|p| p.range.len() as u64);
    let (fewest, most) = sizes.fold((u64::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
    if most <= BALANCED * fewest.max(1) {
        return Some(equal);
    }
    Some(best_split(tokens, sa, q, k, equal))
}

/// The split of `q` (`1 <= k <= q.len()`) into `k` disjoint pieces with
/// the fewest occurrences among pieces up to the width (see the module
/// documentation), or `equal` (the equal split) where the dynamic program
/// would be over its budget.
pub(super) fn best_split<T: Token>(
    tokens: &[T],
    sa: &[u32],
    q: &[T],
    k: usize,
    equal: Plan,
) -> Plan {
    let len = q.len();
    // Longest piece considered: twice the equal split's (at least
    // MIN_WIDTH tokens), within the budget but never below the equal
    // split's. Longer pieces seldom pay for their rows of the table.
    let cells = k.saturating_mul(len + 1);
    let share = len.div_ceil(k);
    let width = (2 * share)
        .max(MIN_WIDTH)
        .min(DP_BUDGET / cells)
        .max(share)
        .min(len);
    if cells.saturating_mul(width) > 4 * DP_BUDGET {
        return equal;
    }
    let table = RangeTable::new(tokens, sa, q, width);
    // best[i][j]: fewest occurrences of i pieces inside q[..j]; choice[i][j]:
    // the length of the piece ending at j, or 0 for a gap at j - 1. Filled
    // forwards: row i's gaps first, then its pieces pushed into row i + 1,
    // each start only with the lengths that lower its count.
    let cols = len + 1;
    let mut best = vec![u64::MAX; (k + 1) * cols];
    let mut choice = vec![0u32; (k + 1) * cols];
    best[..cols].fill(0);
    for i in 0..k {
        for j in 1..=len {
            if best[i * cols + j - 1] < best[i * cols + j] {
                best[i * cols + j] = best[i * cols + j - 1];
                choice[i * cols + j] = 0;
            }
        }
        for a in 0..len {
            let base = best[i * cols + a];
            if base == u64::MAX {
                continue;
            }
            for l in 1..=table.useful(a) {
                let total = base + table.size(a, l);
                let at = (i + 1) * cols + a + l;
                if total < best[at] {
                    best[at] = total;
                    choice[at] = l as u32;
                }
            }
        }
    }
    for j in 1..=len {
        let at = k * cols + j;
        if best[at - 1] < best[at] {
            best[at] = best[at - 1];
            choice[at] = 0;
        }
    }
    let mut pieces = Vec::with_capacity(k);
    let (mut i, mut j) = (k, len);
    while i > 0 {
        match choice[i * cols + j] as usize {
            0 => j -= 1,
            l => {
                pieces.push(Piece {
                    offset: j - l,
                    len: l,
                    range: table.range(j - l, l),
                });
                j -= l;
                i -= 1;
            }
        }
    }
    pieces.reverse();
    let occurrences = best[k * cols + len];
    Plan {
        pieces,
        occurrences,
    }
}

/// `k` pieces of (almost) equal length covering `q`.
pub(super) fn equal_split<T: Token>(tokens: &[T], sa: &[u32], q: &[T], k: usize) -> Plan {
    let len = q.len();
    let pieces: Vec<Piece> = (0..k)
        .map(|i| {
            let (s, e) = (i * len / k, (i + 1) * len / k);
            Piece {
                offset: s,
                len: e - s,
                range: find(tokens, sa, &q[s..e]),
            }
        })
        .collect();
    let occurrences = pieces.iter().map(|p| p.range.len() as u64).sum();
    Plan {
        pieces,
        occurrences,
    }
}

/// Estimated nanoseconds (one core) of fetching `occurrences` from the
/// suffix array (random reads) and sorting them into candidates.
pub(super) fn fetch_cost(occurrences: u64) -> f64 {
    occurrences as f64 * OCCURRENCE_NS
}

/// Estimated nanoseconds (one core) of verifying `candidates` windows of
/// `len` tokens: Hamming by comparison, Levenshtein with Myers (a few ns per
/// token and 64-token word; most windows stop early).
pub(super) fn verify_cost(candidates: usize, len: usize, levenshtein: bool) -> f64 {
    let per_window = if levenshtein {
        len as f64 * (0.5 + 2.0 * len.div_ceil(64) as f64)
    } else {
        0.5 * len as f64
    };
    candidates as f64 * (WINDOW_NS + per_window)
}

/// Estimated nanoseconds (one core) of scanning `body_tokens` for one query.
pub(super) fn scan_cost(body_tokens: usize) -> f64 {
    body_tokens as f64 * SCAN_NS_PER_TOKEN
}

/// Cost of one occurrence: a random read of the suffix array and its share
/// of the sort.
const OCCURRENCE_NS: f64 = 40.0;
/// Cost of one candidate window beyond its distances: a random read of the
/// part, the document lookup.
const WINDOW_NS: f64 = 40.0;
/// The scan's cost per token for a single query (sliding window and filter;
/// 1B tokens scanned for 4 queries took 44 s on two loaded cores). Set low
/// rather than high: erring towards the scan costs time, never hits.
const SCAN_NS_PER_TOKEN: f64 = 10.0;
