//! Repeated sequences inside a part.
//!
//! Every sequence of `length` tokens that occurs at least twice inside
//! document bodies is one cluster: its occurrences are adjacent in the suffix
//! array, so one pass over neighbouring suffixes finds them all. A longer
//! repeat shows up as one cluster per `length`-token window of it, which is
//! what per-position deduplication needs.

use std::path::Path;

use rayon::prelude::*;

use crate::npy::{Appender, NpyError};
use crate::sa::SuffixArray;
use crate::token::Token;

/// Clusters of repeated sequences, in suffix-array (lexicographic) order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// Token positions in the part of every occurrence, cluster after
    /// cluster, ascending within a cluster.
    pub positions: Vec<u64>,
    /// Occurrences per cluster (each ≥ 2; they sum to `positions.len()`).
    pub counts: Vec<u64>,
}

/// Whether the suffixes at `a` and `b` share their first `len` tokens with no
/// separator among them.
fn shares<T: Token>(tokens: &[T], a: usize, b: usize, len: usize) -> bool {
    let n = tokens.len();
    a + len <= n
        && b + len <= n
        && tokens[a..a + len] == tokens[b..b + len]
        && !tokens[a..a + len].contains(&T::SEPARATOR)
}

/// Suffixes per unit of parallel work.
const CHUNK: usize = 1 << 16;

/// Finds every sequence of `length` ≥ 1 tokens occurring ≥ 2 times in the
/// bodies; `body_sa` are the body suffixes of the part's suffix array.
/// `progress` gets the number of suffixes handled since its last call.
pub fn self_similar<T: Token>(
    tokens: &[T],
    body_sa: &[u32],
    length: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Clusters {
    let mut all = Clusters::default();
    let collect = |step: Step| {
        if let Step::Chunk(c) = step {
            all.positions.extend_from_slice(&c.positions);
            all.counts.extend_from_slice(&c.counts);
        }
        Ok::<_, std::convert::Infallible>(())
    };
    match in_batches(tokens, body_sa, length, progress, collect) {
        Ok(()) => all,
        Err(never) => match never {},
    }
}

/// [`self_similar`], written as it is found to the one-dimensional `uint64`
/// arrays `positions` and `counts`, so that the clusters are never held in
/// memory; the pages of the suffix array are dropped from the process once
/// read. Returns the number of clusters and of occurrences.
pub fn write_self_similar<T: Token>(
    tokens: &[T],
    sa: &SuffixArray,
    length: usize,
    progress: &(dyn Fn(u64) + Sync),
    positions: &Path,
    counts: &Path,
) -> Result<(usize, usize), NpyError> {
    let mut p = Appender::<u64>::create(positions)?;
    let mut c = Appender::<u64>::create(counts)?;
    in_batches(tokens, sa.body(), length, progress, |step| {
        match step {
            Step::Chunk(chunk) => {
                p.extend(&chunk.positions)?;
                c.extend(&chunk.counts)?;
            }
            // The suffixes below a batch's end are not read again, except by
            // a cluster that crosses it (which faults its pages back in).
            Step::Read(end) => sa.release_below(end),
        }
        Ok::<_, NpyError>(())
    })?;
    Ok((c.finish()?, p.finish()?))
}

/// What [`in_batches`] hands on, in order.
enum Step<'a> {
    /// The clusters whose first suffix lies in the next chunk of [`CHUNK`] suffixes.
    Chunk(&'a Clusters),
    /// Every cluster starting below this suffix has been handed on.
    Read(usize),
}

/// The clusters in suffix-array order: `emit` gets those of each chunk in
/// turn, and after each batch of chunks (found in parallel) the end of the
/// batch.
fn in_batches<T: Token, E>(
    tokens: &[T],
    body_sa: &[u32],
    length: usize,
    progress: &(dyn Fn(u64) + Sync),
    mut emit: impl FnMut(Step) -> Result<(), E>,
) -> Result<(), E> {
    let m = body_sa.len();
    let length = length.max(1);
    let share = |i: usize| shares(tokens, body_sa[i - 1] as usize, body_sa[i] as usize, length);
    // Enough chunks per batch to keep every thread busy, few enough that a
    // batch's results stay small.
    let batch = CHUNK * (4 * rayon::current_num_threads()).max(16);
    for start in (0..m).step_by(batch) {
        let end = (start + batch).min(m);
        let parts: Vec<Clusters> = (start..end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|lo| {
                let hi = (lo + CHUNK).min(end);
                let mut out = Clusters::default();
                // Each cluster is reported by the chunk holding its first suffix.
                let mut prev = lo > 0 && share(lo);
                let mut i = lo;
                while i < hi {
                    let next = i + 1 < m && share(i + 1);
                    if !prev && next {
                        let mut j = i + 1;
                        while j + 1 < m && share(j + 1) {
                            j += 1;
                        }
                        let mut pos: Vec<u64> =
                            body_sa[i..=j].iter().map(|&p| u64::from(p)).collect();
                        pos.sort_unstable();
                        out.counts.push(pos.len() as u64);
                        out.positions.extend(pos);
                        // The cluster ends where the next neighbour does not share.
                        prev = false;
                        i = j + 1;
                        continue;
                    }
                    prev = next;
                    i += 1;
                }
                progress((hi - lo) as u64);
                out
            })
            .collect();
        for p in &parts {
            emit(Step::Chunk(p))?;
        }
        emit(Step::Read(end))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::build_part;
    use crate::part::Part;
    use crate::sa::build;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Every repeated `len`-gram with its sorted positions, by brute force.
    fn naive(docs: &[(u32, Vec<u16>)], len: usize) -> BTreeMap<Vec<u16>, Vec<u64>> {
        let (tokens, offsets) = build_part(docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let mut seen: BTreeMap<Vec<u16>, Vec<u64>> = BTreeMap::new();
        for d in part.docs() {
            if d.end - d.start >= len {
                for p in d.start..=d.end - len {
                    seen.entry(tokens[p..p + len].to_vec())
                        .or_default()
                        .push(p as u64);
                }
            }
        }
        seen.retain(|_, v| v.len() >= 2);
        seen
    }

    fn run(docs: &[(u32, Vec<u16>)], len: usize) -> BTreeMap<Vec<u16>, Vec<u64>> {
        let (tokens, offsets) = build_part(docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let n_body = tokens.len() - part.header_tokens();
        let sa = build(part, 1).unwrap();
        let c = self_similar(&tokens, &sa[..n_body], len, &|_| {});
        assert_eq!(c.counts.iter().sum::<u64>() as usize, c.positions.len());
        let mut out = BTreeMap::new();
        let mut at = 0;
        for &k in &c.counts {
            let pos = c.positions[at..at + k as usize].to_vec();
            let key = tokens[pos[0] as usize..pos[0] as usize + len].to_vec();
            assert!(out.insert(key, pos).is_none(), "a sequence reported twice");
            at += k as usize;
        }
        out
    }

    proptest! {
        #[test]
        fn clusters_equal_naive_counting(
            docs in prop::collection::vec((0u32..3, prop::collection::vec(0u16..3, 0..40)), 1..5),
            len in 1usize..6,
        ) {
            prop_assert_eq!(run(&docs, len), naive(&docs, len));
        }
    }

    #[test]
    fn never_spans_a_header() {
        // "5 5" ends doc 0 and "0 0" is the id of doc 1; neither joins them.
        let docs = vec![(0, vec![5, 5]), (0, vec![5, 5, 0, 0]), (7, vec![5, 5, 0])];
        let got = run(&docs, 3);
        assert_eq!(got, naive(&docs, 3));
        assert_eq!(got.len(), 1);
    }
}
