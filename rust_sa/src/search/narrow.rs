//! The suffix-array ranges of every piece of a query that the split may
//! choose: `q[a..a + l]` for every start `a` and length `l` up to a width.
//!
//! For one start the ranges are nested, so each is found by narrowing the
//! previous one on one more token. Narrowing searches from both ends of the
//! range first (a few suffixes drop out at a time where a query has many
//! near copies), then by bisection; a range whose first and last suffixes
//! continue alike is kept whole without a search; a range of one suffix is
//! followed by comparing that suffix with the query directly.
//!
//! Invariant: every range in the table is exactly the range `count::find`
//! returns for its piece (the same bounds, empty ones included).

use std::ops::Range;

use crate::token::Token;

/// Steps of the search from each end of a range before it bisects.
const GALLOP_STEPS: u32 = 6;

/// The token `depth` tokens into the suffix at `pos`; `None` past the end
/// of the part, which sorts first, as in `count::find`.
#[inline]
fn at<T: Token>(tokens: &[T], pos: u32, depth: usize) -> Option<T> {
    tokens.get(pos as usize + depth).copied()
}

/// The first index of `s` (sorted by `pred` true, then false) where `pred`
/// is false, searched from the front for a few doubling steps, then by
/// bisection of what is left.
fn gallop_front(s: &[u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut done = 0;
    let mut step = 1;
    for _ in 0..GALLOP_STEPS {
        let probe = done + step;
        if probe > s.len() || !pred(s[probe - 1]) {
            let end = probe.min(s.len());
            return done + s[done..end].partition_point(|&p| pred(p));
        }
        done = probe;
        step *= 2;
    }
    done + s[done..].partition_point(|&p| pred(p))
}

/// [`gallop_front`] searched from the back: the number of leading elements
/// of `s` for which `pred` holds.
fn gallop_back(s: &[u32], pred: impl Fn(u32) -> bool) -> usize {
    let mut end = s.len();
    let mut step = 1;
    for _ in 0..GALLOP_STEPS {
        if end < step || pred(s[end - step]) {
            let start = end.saturating_sub(step);
            return start + s[start..end].partition_point(|&p| pred(p));
        }
        end -= step;
        step *= 2;
    }
    s[..end].partition_point(|&p| pred(p))
}

/// The sub-range of `range` (suffixes that share their first `depth` tokens)
/// whose next token is `x`.
pub(super) fn narrow<T: Token>(
    tokens: &[T],
    sa: &[u32],
    range: Range<usize>,
    depth: usize,
    x: T,
) -> Range<usize> {
    let want = Some(x);
    if range.is_empty() {
        return range;
    }
    // The suffixes of the range are sorted by their token at `depth`: if the
    // first and the last hold `x`, all do.
    if at(tokens, sa[range.start], depth) == want && at(tokens, sa[range.end - 1], depth) == want {
        return range;
    }
    let s = &sa[range.clone()];
    let lo = gallop_front(s, |p| at(tokens, p, depth) < want);
    let hi = lo + gallop_back(&s[lo..], |p| at(tokens, p, depth) <= want);
    range.start + lo..range.start + hi
}

/// The ranges of the pieces of a query.
pub(super) struct RangeTable {
    width: usize,
    /// `ranges[a * width + l - 1]`: the range of `q[a..a + l]`.
    ranges: Vec<(u32, u32)>,
    /// Per start, the shortest length with the fewest occurrences.
    useful: Vec<usize>,
}

impl RangeTable {
    /// The ranges of `q[a..a + l]` for every start `a` and every length up
    /// to `width` that fits in `q`.
    pub(super) fn new<T: Token>(tokens: &[T], sa: &[u32], q: &[T], width: usize) -> Self {
        let mut ranges = vec![(0u32, 0u32); q.len() * width];
        let mut useful = vec![0; q.len()];
        for a in 0..q.len() {
            let row = &mut ranges[a * width..(a + 1) * width];
            let longest = width.min(q.len() - a);
            let mut r = 0..sa.len();
            let mut l = 0;
            while l < longest {
                l += 1;
                r = narrow(tokens, sa, r, l - 1, q[a + l - 1]);
                // Suffix-array indices are below 2^31 (parts are).
                row[l - 1] = (r.start as u32, r.end as u32);
                if r.len() <= 1 {
                    break;
                }
            }
            let mut last = row[l - 1];
            if r.len() == 1 {
                // One suffix left: it matches the rest of the query as far as
                // its common prefix with it, then nothing does.
                let p = sa[r.start];
                let common = (l..longest)
                    .take_while(|&m| at(tokens, p, m) == Some(q[a + m]))
                    .count();
                row[l..l + common].fill(last);
                if l + common < longest {
                    let m = l + common;
                    let before = at(tokens, p, m) < Some(q[a + m]);
                    let edge = if before { r.end } else { r.start } as u32;
                    last = (edge, edge);
                    row[m..longest].fill(last);
                    l = m + 1;
                }
            } else {
                row[l..longest].fill(last);
            }
            // The count stops falling at the first length whose range is
            // the last one's size.
            let fewest = last.1 - last.0;
            useful[a] = row[..l].partition_point(|&(lo, hi)| hi - lo > fewest) + 1;
        }
        RangeTable {
            width,
            ranges,
            useful,
        }
    }

    /// The range of `q[a..a + l]`.
    pub(super) fn range(&self, a: usize, l: usize) -> Range<usize> {
        let (lo, hi) = self.ranges[a * self.width + l - 1];
        lo as usize..hi as usize
    }

    /// Occurrences of `q[a..a + l]`.
    pub(super) fn size(&self, a: usize, l: usize) -> u64 {
        let (lo, hi) = self.ranges[a * self.width + l - 1];
        u64::from(hi - lo)
    }

    /// The lengths worth trying from `a`: `1..=useful(a)`.
    pub(super) fn useful(&self, a: usize) -> usize {
        self.useful[a]
    }
}
