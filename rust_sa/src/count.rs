//! Exact occurrence counts of queries, by binary search on a suffix array.
//!
//! Only matches that lie inside one document body count: a query holds no
//! separator (checked by [`crate::queries::check_queries`]), so a match can neither
//! cross into the next header nor, because header suffixes are excluded from
//! the search range (see [`crate::sa`]), start on a document id.

use std::cmp::Ordering;
use std::ops::Range;

use rayon::prelude::*;

use crate::token::Token;

/// Compares the first `q.len()` tokens of the suffix at `pos` with `q`; a
/// suffix that ends first is smaller.
fn cmp_prefix<T: Token>(tokens: &[T], pos: usize, q: &[T]) -> Ordering {
    let suffix = &tokens[pos..];
    let n = q.len().min(suffix.len());
    match suffix[..n].cmp(&q[..n]) {
        Ordering::Equal if n < q.len() => Ordering::Less,
        o => o,
    }
}

/// The range of `body_sa` (the body suffixes of a suffix array) whose
/// suffixes start with `q`.
///
/// One search narrows both ends at once until a suffix starting with `q` is
/// met, then finds each end in what is left: for the common case of a query
/// that occurs once or not at all that is one descent, not two, and half the
/// cache misses (each step reads a random suffix-array entry and its tokens).
pub fn find<T: Token>(tokens: &[T], body_sa: &[u32], q: &[T]) -> Range<usize> {
    let (mut lo, mut hi) = (0, body_sa.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match cmp_prefix(tokens, body_sa[mid] as usize, q) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => {
                let first = lo
                    + body_sa[lo..mid]
                        .partition_point(|&p| cmp_prefix(tokens, p as usize, q) == Ordering::Less);
                let rest = &body_sa[mid + 1..hi];
                let end = mid
                    + 1
                    + rest
                        .partition_point(|&p| cmp_prefix(tokens, p as usize, q) == Ordering::Equal);
                return first..end;
            }
        }
    }
    lo..lo
}

/// Number of occurrences of `q` inside document bodies.
pub fn count<T: Token>(tokens: &[T], body_sa: &[u32], q: &[T]) -> u64 {
    find(tokens, body_sa, q).len() as u64
}

/// Counts many queries in parallel; `progress` is called with the number of
/// queries finished since its last call.
///
/// The queries are counted in sorted order, so consecutive searches descend
/// through the same suffix-array entries and find them in the cache; the
/// counts come back in the order given.
pub fn count_many<T: Token, Q: AsRef<[T]> + Sync>(
    tokens: &[T],
    body_sa: &[u32],
    queries: &[Q],
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<u64> {
    let mut order: Vec<usize> = (0..queries.len()).collect();
    order.par_sort_unstable_by(|&a, &b| queries[a].as_ref().cmp(queries[b].as_ref()));
    let sorted: Vec<u64> = order
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let counts: Vec<u64> = chunk
                .iter()
                .map(|&i| count(tokens, body_sa, queries[i].as_ref()))
                .collect();
            progress(chunk.len() as u64);
            counts
        })
        .collect();
    let mut counts = vec![0; queries.len()];
    for (&i, c) in order.iter().zip(sorted) {
        counts[i] = c;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::build_part;
    use crate::part::Part;
    use crate::sa::build;
    use proptest::prelude::*;

    /// Counts occurrences that lie fully inside one document body.
    fn naive<T: Token>(docs: &[(u32, Vec<T>)], q: &[T]) -> u64 {
        docs.iter()
            .map(|(_, b)| b.windows(q.len()).filter(|w| *w == q).count() as u64)
            .sum()
    }

    fn setup(docs: &[(u32, Vec<u16>)]) -> (Vec<u16>, Vec<u32>, usize) {
        let (tokens, offsets) = build_part(docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let n_body = tokens.len() - part.header_tokens();
        (tokens, build(part, 1).unwrap(), n_body)
    }

    proptest! {
        #[test]
        fn counts_equal_naive_counting(
            docs in prop::collection::vec((0u32..3, prop::collection::vec(0u16..3, 0..30)), 1..5),
            queries in prop::collection::vec(prop::collection::vec(0u16..3, 1..5), 1..10),
        ) {
            let (tokens, sa, n_body) = setup(&docs);
            let got = count_many(&tokens, &sa[..n_body], &queries, &|_| {});
            for (q, c) in queries.iter().zip(got) {
                prop_assert_eq!(c, naive(&docs, q));
            }
        }
    }

    proptest! {
        #[test]
        fn find_is_the_range_of_the_suffixes_starting_with_q(
            docs in prop::collection::vec((0u32..3, prop::collection::vec(0u16..3, 0..40)), 1..5),
            q in prop::collection::vec(0u16..3, 1..6),
        ) {
            let (tokens, sa, n_body) = setup(&docs);
            let body = &sa[..n_body];
            let lo = body.partition_point(|&p| cmp_prefix(&tokens, p as usize, &q) == Ordering::Less);
            let hi = body.partition_point(|&p| cmp_prefix(&tokens, p as usize, &q) != Ordering::Greater);
            prop_assert_eq!(find(&tokens, body, &q), lo..hi);
        }
    }

    #[test]
    fn counts_are_only_as_good_as_the_array() {
        // Every entry the position of the first `2`: in range and sorted
        // wherever sampled, yet `2` is counted six times (not 3) and `1`
        // never (not twice). Hence `SuffixArray::open` checks every array.
        let (tokens, _) = build_part::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
        let same = vec![5u32; tokens.len()];
        assert_eq!(count(&tokens, &same[..6], &[2]), 6);
        assert_eq!(count(&tokens, &same[..6], &[1]), 0);
    }

    #[test]
    fn ids_never_match() {
        // The ids hold the tokens 1 and 0; only the body occurrence counts.
        let docs = vec![(1, vec![7, 7]), (0x0001_0000, vec![1, 0, 5])];
        let (tokens, sa, n_body) = setup(&docs);
        assert_eq!(count(&tokens, &sa[..n_body], &[1, 0]), 1);
        assert_eq!(count(&tokens, &sa[..n_body], &[0, 1]), 0);
        assert_eq!(count(&tokens, &sa[..n_body], &[7]), 2);
        assert_eq!(count(&tokens, &sa[..n_body], &[7, 7, 1]), 0);
    }
}
