//! Linear-time check that an array is the suffix array of a part.
//!
//! [`crate::sa::SuffixArray::open`] runs [`permutation`] on every array, and
//! the whole of [`verify`] on arrays that carry no stamp of `make` (see
//! [`crate::fingerprint`]).
//!
//! The suffix array of a part (see [`crate::sa`]) sorts every position of
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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use crate::dense::DenseIds;
use crate::io::{Document, Token};

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

/// One bit per position of the part.
struct Bitmap(Vec<u64>);

impl Bitmap {
    fn new(n: usize) -> Self {
        Bitmap(vec![0; n.div_ceil(64)])
    }

    /// Sets bit `i`; returns whether it was set before.
    #[inline]
    fn set(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let had = self.0[w] & b != 0;
        self.0[w] |= b;
        had
    }

    #[inline]
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

/// Checks that `sa` is a permutation of `0..n` (step 1 of [`verify`] alone).
pub fn permutation(sa: &[u32], n: usize) -> Result<(), Flaw> {
    if sa.len() != n {
        return Err(Flaw::Length { len: sa.len() });
    }
    permutation_bits(sa, n).map(drop)
}

/// Marks the entries of `sa` in a bitmap of `n` bits, which it returns if
/// every entry is below `n` and none repeats; `sa.len() == n`. Large arrays
/// are marked on all threads of the rayon pool.
fn permutation_bits(sa: &[u32], n: usize) -> Result<Bitmap, Flaw> {
    let parallel = rayon::current_num_threads() > 1 && n >= 1 << 20;
    permutation_bits_in(sa, n, parallel)
}

/// The bits are set at random: the word of the entry this many entries on
/// is fetched before it is needed (about 5 times faster on 10^8 entries).
const MARK_AHEAD: usize = 128;

fn permutation_bits_in(sa: &[u32], n: usize, parallel: bool) -> Result<Bitmap, Flaw> {
    if parallel {
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
        let words: Vec<AtomicU64> = (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        let fine = sa.par_chunks(1 << 16).all(|chunk| {
            chunk.iter().enumerate().all(|(k, &value)| {
                if let Some(word) = chunk.get(k + MARK_AHEAD).and_then(|&v| words.get(v as usize / 64)) {
                    prefetch(word);
                }
                let bit = 1u64 << (value % 64);
                words.get(value as usize / 64).is_some_and(|w| w.fetch_or(bit, Relaxed) & bit == 0) && (value as usize) < n
            })
        });
        if fine {
            return Ok(Bitmap(words.into_iter().map(AtomicU64::into_inner).collect()));
        }
        // Which flaw the threads met first is a race: the sequential pass
        // names the first one in the array's order.
    }
    let mut seen = Bitmap::new(n);
    for (index, &value) in sa.iter().enumerate() {
        if let Some(word) = sa.get(index + MARK_AHEAD).and_then(|&v| seen.0.get(v as usize / 64)) {
            prefetch(word);
        }
        if value as usize >= n {
            return Err(Flaw::OutOfRange { index, value });
        }
        if seen.set(value as usize) {
            return Err(Flaw::Duplicate { index, value });
        }
    }
    Ok(seen)
}

/// Multiplicative hashing of the `u32` symbols of sparse uint32 parts.
#[derive(Default)]
struct SymbolHasher(u64);

impl Hasher for SymbolHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b) ^ (self.0 as u32));
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.0 = (u64::from(v) ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        // The table takes its index from the low bits, which a product
        // mixes worst.
        self.0 ^ (self.0 >> 29)
    }
}

/// The distinct symbols of the masked text (ascending) and where their
/// buckets start in the array (`starts[c]..starts[c + 1]` for symbol `c`).
struct Buckets {
    slots: DenseIds,
    starts: Vec<usize>,
}

fn buckets<T: Token>(tokens: &[T], docs: &[Document]) -> Buckets {
    let body = || docs.iter().flat_map(|d| tokens[d.start..d.end].iter().map(|t| t.get()));
    let max = body().max().map_or(0, |m| m as usize);
    // Counters by id while they take at most n / 8 bytes (or 512 KiB).
    let mut counted: Vec<(u32, usize)> = if max < (1 << 16).max(tokens.len() / 64) {
        let mut counts = vec![0usize; max + 1];
        for t in body() {
            counts[t as usize] += 1;
        }
        counts.into_iter().enumerate().filter(|&(_, c)| c > 0).map(|(t, c)| (t as u32, c)).collect()
    } else {
        let mut counts: HashMap<u32, usize, BuildHasherDefault<SymbolHasher>> = HashMap::default();
        for t in body() {
            *counts.entry(t).or_insert(0) += 1;
        }
        let mut v: Vec<(u32, usize)> = counts.into_iter().collect();
        v.sort_unstable();
        v
    };
    counted.push((header_symbol::<T>(), docs.len() * T::HEADER_TOKENS));
    let symbols: Vec<u32> = counted.iter().map(|&(s, _)| s).collect();
    let mut starts = Vec::with_capacity(counted.len() + 1);
    let mut at = 0;
    for &(_, c) in &counted {
        starts.push(at);
        at += c;
    }
    starts.push(at);
    Buckets {
        slots: DenseIds::new(&symbols),
        starts,
    }
}

/// The symbol of every header position: above every body token.
fn header_symbol<T: Token>() -> u32 {
    T::MAX_TOKEN + 1
}

/// Checks that `sa` is the suffix array of the part `tokens` with documents
/// `docs`, as validated by [`crate::io::documents`] (see the module
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
fn verify_in_chunks<T: Token>(sa: &[u32], tokens: &[T], docs: &[Document], chunks: usize) -> Result<(), Flaw> {
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
        let symbol = if header.get(p) { header_symbol::<T>() } else { tokens[p].get() };
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
                    if let Some(k) = j.checked_sub(1).and_then(|p| counts.get_mut(slot(p) as usize)) {
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
                let at = next.get_mut(slot(p) as usize).ok_or(Flaw::NotSorted { index: bounds[c] })?;
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
            let mut bucket = buckets.starts.partition_point(|&s| s <= bounds[c]).saturating_sub(1);
            for i in bounds[c]..bounds[c + 1] {
                ahead(i);
                // Second stage: the entry that the claim `LOOKAHEAD / 2`
                // suffixes on will read, its symbol being fetched by now.
                if let Some(&j) = sa.get(i + LOOKAHEAD / 2) {
                    if let Some(&at) = (j as usize).checked_sub(1).and_then(|p| next.get(slot(p) as usize)) {
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
mod tests {
    use super::*;
    use crate::io::{build_part, Part};
    use crate::sa::{build, SaToken};
    use proptest::prelude::*;

    fn suffix_array<T: SaToken>(docs: &[(u32, Vec<T>)]) -> (Vec<T>, Vec<Document>, Vec<u32>) {
        let (tokens, offsets) = build_part(docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let parsed = part.docs().to_vec();
        (tokens, parsed, build(part, 1).unwrap())
    }

    /// `verify` with the induced pass in one chunk, and in several down to
    /// one suffix per chunk: all must agree.
    fn verify_both<T: Token>(sa: &[u32], tokens: &[T], docs: &[Document]) -> Result<(), Flaw> {
        let one = verify_in_chunks(sa, tokens, docs, 1);
        for chunks in [2, 3, 7, sa.len()] {
            assert_eq!(verify_in_chunks(sa, tokens, docs, chunks).is_ok(), one.is_ok(), "{chunks} chunks");
        }
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        assert_eq!(four.install(|| verify(sa, tokens, docs)).is_ok(), one.is_ok());
        one
    }

    #[test]
    fn every_entry_the_same_position_is_refused() {
        let (tokens, docs, sa) = suffix_array::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
        assert_eq!(verify_both(&sa, &tokens, &docs), Ok(()));
        let same = vec![5u32; sa.len()];
        assert_eq!(verify(&same, &tokens, &docs), Err(Flaw::Duplicate { index: 1, value: 5 }));
        assert_eq!(verify(&sa[1..], &tokens, &docs), Err(Flaw::Length { len: sa.len() - 1 }));
        let mut out = sa.clone();
        out[2] = 12;
        assert_eq!(verify(&out, &tokens, &docs), Err(Flaw::OutOfRange { index: 2, value: 12 }));
    }

    #[test]
    fn permutations_are_checked_alike_on_one_and_many_threads() {
        let n = 5000;
        let mut sa: Vec<u32> = (0..n as u32).rev().collect();
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let both = |sa: &[u32]| {
            let one = permutation_bits_in(sa, n, false).map(|b| b.0);
            assert_eq!(four.install(|| permutation_bits_in(sa, n, true).map(|b| b.0)), one);
            one.map(drop)
        };
        assert_eq!(both(&sa), Ok(()));
        sa[4000] = sa[10];
        assert_eq!(both(&sa), Err(Flaw::Duplicate { index: 4000, value: sa[10] }));
        sa[20] = n as u32 + 3;
        assert_eq!(both(&sa), Err(Flaw::OutOfRange { index: 20, value: n as u32 + 3 }));
        sa[20] = 63;
        sa[4000] = 64;
        assert_eq!(both(&sa), Err(Flaw::Duplicate { index: 4935, value: 64 }), "64 is also at n - 1 - 64");
        assert_eq!(permutation(&sa[1..], n), Err(Flaw::Length { len: n - 1 }));
    }

    #[test]
    fn large_parts_check_alike_on_one_and_many_threads() {
        // Enough tokens for several chunks, with long repeats.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut docs: Vec<(u32, Vec<u16>)> = Vec::new();
        for id in 0..150u32 {
            let body = match docs.last() {
                Some((_, prev)) if id % 5 == 0 => prev.clone(),
                _ => (0..3_000).map(|_| (next() % 40) as u16).collect(),
            };
            docs.push((id, body));
        }
        let (tokens, parsed, sa) = suffix_array(&docs);
        assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
        for _ in 0..20 {
            let (i, j) = (next() as usize % sa.len(), next() as usize % sa.len());
            let mut bad = sa.clone();
            bad.swap(i, j);
            assert_eq!(verify_both(&bad, &tokens, &parsed).is_ok(), i == j, "swap {i} {j}");
        }
    }

    #[test]
    fn sparse_uint32_symbols_are_counted_by_hashing() {
        let docs: Vec<(u32, Vec<u32>)> =
            vec![(7, vec![0x7FFF_FFFE, 3, 0x4000_0000, 3]), (u32::MAX, vec![3, 0x7FFF_FFFE, 0x7FFF_FFFE])];
        let (tokens, parsed, sa) = suffix_array(&docs);
        assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
        let mut bad = sa.clone();
        bad.swap(0, 1);
        assert!(verify_both(&bad, &tokens, &parsed).is_err());
    }

    proptest! {
        #[test]
        fn only_the_suffix_array_passes(
            docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u16..3, 0..30)), 1..5),
            perm in prop::collection::vec(any::<usize>(), 0..40),
        ) {
            let (tokens, parsed, sa) = suffix_array(&docs);
            prop_assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
            // Any other permutation of the positions: a few random moves.
            let mut other = sa.clone();
            for (k, r) in perm.iter().enumerate() {
                other.swap(k % sa.len(), r % sa.len());
            }
            prop_assert_eq!(verify_both(&other, &tokens, &parsed).is_ok(), other == sa);
        }
    }
}
