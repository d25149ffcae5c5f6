//! Linear-time check that an array is the suffix array of a part.
//!
//! `sa::SuffixArray::open` runs [`permutation`] on every array, and
//! the whole of [`verify`] on arrays that carry no stamp of `make` (see
//! the `fingerprint` module).
//!
//! The suffix array of a part (see the `sa` module) sorts every position of
//! the masked text: header positions read as one symbol above every body
//! token, and a suffix that is a prefix of another sorts first. All suffixes
//! differ, so that array is unique, and [`verify`] accepts exactly it:
//!
//! 1. *Permutation*: every entry is below `n` and none repeats (a bitmap of
//!    one bit per token).
//! 2. *Buckets*: the suffixes at indices `starts[c]..starts[c + 1]` start with
//!    the `c`-th smallest symbol of the text, `starts` coming from a count of
//!    the symbols.
//! 3. *Order inside the buckets*, induced from the whole array: two suffixes
//!    that start with the same symbol are in the order of the suffixes one
//!    position later. Walking the array from the empty suffix (the smallest)
//!    on, the predecessor `sa[i] - 1` of each suffix must be the next
//!    unclaimed entry of the bucket of its symbol. Were two suffixes of a
//!    bucket out of order, so would be the two one position later, and so on
//!    until one of them is the empty suffix, which cannot be out of order.
//!
//! No suffix is ever compared, so long repeats cost nothing: time O(n) in
//! three passes over the array (random reads of the text), memory `n / 8`
//! bytes plus a pointer per distinct symbol and chunk of the array. The
//! third pass runs on all threads of the rayon pool: each chunk of the array
//! starts from pointers computed by counting the symbols claimed by the
//! chunks before it.

use rayon::prelude::*;

use crate::format::Document;
use crate::token::Token;

mod buckets;
mod permutation;

use buckets::{buckets, header_symbol};
pub use permutation::permutation;
use permutation::permutation_bits;

/// What [`verify`] finds wrong with an array, by index into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// The array has `len` entries, not one per token of the part.
    Length { len: usize },
    /// `sa[index] = value` is not a position of the part.
    OutOfRange { index: usize, value: u32 },
    /// `sa[index] = value` appeared at a smaller index already.
    Duplicate { index: usize, value: u32 },
    /// The order is wrong at `index`.
    NotSorted { index: usize },
}

/// Checks that `sa` is the suffix array of the part `tokens` with documents
/// `docs`, as validated by [`crate::format::documents`] (see the module
/// documentation); the first flaw found is returned.
pub fn verify<T: Token>(sa: &[u32], tokens: &[T], docs: &[Document]) -> Result<(), Flaw> {
    // Chunks of the array for the induced pass, each with its own bucket
    // pointers: as many as keep every thread busy, while the pointers stay
    // small beside the array.
    let threads = rayon::current_num_threads();
    let chunks = if threads == 1 {
        1
    } else {
        (threads * 4).min(sa.len() / (1 << 16)).max(1)
    };
    verify_in_chunks(sa, tokens, docs, chunks)
}

/// [`verify`] with the induced pass split into (at most) `chunks` chunks.
fn verify_in_chunks<T: Token>(
    sa: &[u32],
    tokens: &[T],
    docs: &[Document],
    chunks: usize,
) -> Result<(), Flaw> {
    let n = tokens.len();
    if sa.len() != n {
        return Err(Flaw::Length { len: sa.len() });
    }
    if n == 0 {
        return Ok(());
    }
    let mut header = permutation_bits(sa, n)?;
    // The same bits, now marking the header positions.
    header.0.fill(0);
    for d in docs {
        for p in d.start.saturating_sub(T::HEADER_TOKENS)..d.start {
            header.set(p);
        }
    }
    let buckets = buckets(tokens, docs);
    let slot = |p: usize| -> u32 {
        let symbol = if header.get(p) {
            header_symbol::<T>()
        } else {
            tokens[p].get()
        };
        buckets.slots.get(symbol)
    };
    // Prefetches what `slot` will read for the suffix `LOOKAHEAD` entries on.
    const LOOKAHEAD: usize = 32;
    let ahead = |i: usize| {
        if let Some(&j) = sa.get(i + LOOKAHEAD) {
            let j = (j as usize).min(n - 1).saturating_sub(1);
            prefetch(&tokens[j]);
            prefetch(&header.0[j / 64]);
        }
    };
    let symbols = buckets.slots.len();
    // Pointers of all chunks together stay within n / 2 bytes (or 8 MiB).
    let chunks = chunks.min(n).min(n.max(1 << 20) / symbols / 16).max(1);
    let bounds: Vec<usize> = (0..=chunks).map(|c| c * n / chunks).collect();
    let first: Vec<usize> = buckets.starts[..symbols].to_vec();
    let pointers: Vec<Vec<usize>> = if chunks == 1 {
        vec![first]
    } else {
        let claimed: Vec<Vec<usize>> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                // The predecessors that chunk `c` will claim, by symbol; the
                // empty suffix (position `n`) comes before the whole array.
                let mut counts = vec![0usize; symbols];
                let mut count = |j: usize| {
                    // Every position has a symbol of the set (checked below).
                    if let Some(k) = j
                        .checked_sub(1)
                        .and_then(|p| counts.get_mut(slot(p) as usize))
                    {
                        *k += 1;
                    }
                };
                if c == 0 {
                    count(n);
                }
                for (i, &j) in sa.iter().enumerate().take(bounds[c + 1]).skip(bounds[c]) {
                    ahead(i);
                    count(j as usize);
                }
                counts
            })
            .collect();
        let mut next = first;
        let mut out = Vec::with_capacity(chunks);
        for counts in claimed {
            let after: Vec<usize> = next.iter().zip(&counts).map(|(a, b)| a + b).collect();
            out.push(std::mem::replace(&mut next, after));
        }
        out
    };
    let results: Vec<Result<(), Flaw>> = pointers
        .into_par_iter()
        .enumerate()
        .map(|(c, mut next)| {
            let claim = |next: &mut [usize], p: usize| -> Result<(), Flaw> {
                // Every symbol of the text has a bucket, so `ABSENT` (and
                // an index past the array) cannot happen; no panic if it did.
                let at = next
                    .get_mut(slot(p) as usize)
                    .ok_or(Flaw::NotSorted { index: bounds[c] })?;
                if sa.get(*at) != Some(&(p as u32)) {
                    return Err(Flaw::NotSorted { index: *at });
                }
                *at += 1;
                Ok(())
            };
            if c == 0 {
                // The predecessor of the empty suffix, the smallest.
                claim(&mut next, n - 1)?;
            }
            // Bucket of the index `i`, followed along the chunk.
            let mut bucket = buckets
                .starts
                .partition_point(|&s| s <= bounds[c])
                .saturating_sub(1);
            for i in bounds[c]..bounds[c + 1] {
                ahead(i);
                // Second stage: the entry that the claim `LOOKAHEAD / 2`
                // suffixes on will read, its symbol being fetched by now.
                if let Some(&j) = sa.get(i + LOOKAHEAD / 2) {
                    if let Some(&at) = (j as usize)
                        .checked_sub(1)
                        .and_then(|p| next.get(slot(p) as usize))
                    {
                        if let Some(v) = sa.get(at) {
                            prefetch(v);
                        }
                    }
                }
                let j = sa[i] as usize;
                while buckets.starts[bucket + 1] <= i {
                    bucket += 1;
                }
                if slot(j) as usize != bucket {
                    return Err(Flaw::NotSorted { index: i });
                }
                if j > 0 {
                    claim(&mut next, j - 1)?;
                }
            }
            Ok(())
        })
        .collect();
    results.into_iter().collect()
}

/// Asks the processor to fetch the cache line of `x` ahead of its use: a
/// hint, which the random reads of the text need to overlap (nothing on
/// other architectures).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch reads nothing architecturally and cannot
        // fault; the address is that of a live reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests;
