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
pub fn find<T: Token>(tokens: &[T], body_sa: &[u32], q: &[T]) -> Range<usize> {
    let lo = body_sa.partition_point(|&p| cmp_prefix(tokens, p as usize, q) == Ordering::Less);
    let rest = &body_sa[lo..];
    let hi = lo + rest.partition_point(|&p| cmp_prefix(tokens, p as usize, q) != Ordering::Greater);
    lo..hi
}

/// Number of occurrences of `q` inside document bodies.
pub fn count<T: Token>(tokens: &[T], body_sa: &[u32], q: &[T]) -> u64 {
    find(tokens, body_sa, q).len() as u64
}

/// Counts many queries in parallel; `progress` is called with the number of
/// queries finished since its last call.
pub fn count_many<T: Token, Q: AsRef<[T]> + Sync>(
    tokens: &[T],
    body_sa: &[u32],
    queries: &[Q],
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<u64> {
    queries
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let counts: Vec<u64> = chunk
                .iter()
                .map(|q| count(tokens, body_sa, q.as_ref()))
                .collect();
            progress(chunk.len() as u64);
            counts
        })
        .collect()
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
