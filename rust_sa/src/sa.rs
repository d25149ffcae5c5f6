//! Token-level suffix arrays of a part.
//!
//! The array sorts token positions (not byte positions) of the part with every
//! header token replaced by the separator, the largest symbol of the width.
//! Hence all suffixes that start inside a header sort last, after the
//! `n_body` suffixes that start in a document body; searches only look at
//! `sa[..n_body]`. For the body suffixes the masked text and the file agree up
//! to the first separator, which is where every comparison of a query (which
//! holds no separator) or of a repeat stops, so searches can run on the
//! unmodified, memory-mapped file.
//!
//! The array is stored as a 1-D `uint32` `.npy` file (`NAME.train.sa.npy` by
//! default); parts are limited to 2^31 - 1 tokens, the range of libsais'
//! 32-bit output.
//!
//! [`SuffixArray::open`] accepts an array only if it is exactly the suffix
//! array of the part's masked text, which searches trust, so that a stale,
//! foreign or damaged file is an error, never wrong counts. The array must
//! be a permutation of the part's positions (checked with one bit per
//! token), and then either
//!
//! * carry in its header the stamp that `make` writes (see
//!   [`crate::fingerprint`]): the part's fingerprint, which must match the
//!   part, and the array's checksum, which must match the array; checking
//!   both reads part and array once, sequentially; or, for an array without
//!   a stamp (one written before stamps existed, or by other means),
//! * pass the full order check of [`crate::check::verify`], linear too but
//!   with random reads of the text, hence about ten times slower.
//!
//! Measured on a 100M-token uint16 part (2-core machine shared with other
//! work; `make` takes 12 s there): opening a stamped array takes 0.8-1.1 s
//! on one thread and 0.5-0.7 s on two, mostly the permutation bitmap; an
//! unstamped one 8.6-9.7 s and 6.5-7.6 s. (Before these checks, which
//! only sampled the order, it took 0.1 s and accepted arrays that were not
//! permutations.)

use std::path::{Path, PathBuf};

use libsais::suffix_array::AlphabetSize;
use libsais::SuffixArrayConstruction;

use crate::check::{self, Flaw};
use crate::fingerprint::{self, Stamp};
use crate::hugepages;
use crate::io::{Document, FormatError, Part, Token};
use crate::npy::{self, NpyMap};

/// Errors of suffix-array construction and loading.
#[derive(Debug, thiserror::Error)]
pub enum SaError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("the part has {0} tokens; split it into parts below 2^31 tokens")]
    TooLarge(usize),
    #[error("libsais failed: {0}")]
    Libsais(String),
    #[error("suffix array {path} has {len} entries but the part has {tokens} tokens; rebuild it with `make`")]
    LengthMismatch {
        path: PathBuf,
        len: usize,
        tokens: usize,
    },
    #[error("suffix array {path} holds position {value} at index {index}, beyond the part's {tokens} tokens; rebuild it with `make`")]
    OutOfRange {
        path: PathBuf,
        index: usize,
        value: u32,
        tokens: usize,
    },
    #[error("suffix array {path} holds position {value} twice (again at index {index}), so it is not a permutation of the part's positions; it belongs to another part or is damaged; rebuild it with `make`")]
    Duplicate {
        path: PathBuf,
        index: usize,
        value: u32,
    },
    #[error("suffix array {path} is not sorted at index {index}; it belongs to another part or is damaged; rebuild it with `make`")]
    NotSorted { path: PathBuf, index: usize },
    #[error("suffix array {path} was built for another part (part fingerprint {recorded:016x}, this part's is {actual:016x}), or the part changed since; rebuild it with `make`")]
    OtherPart { path: PathBuf, recorded: u64, actual: u64 },
    #[error("suffix array {path} is damaged: its checksum is {actual:016x}, not the {recorded:016x} recorded when it was built; rebuild it with `make`")]
    Damaged { path: PathBuf, recorded: u64, actual: u64 },
}

/// Token widths for which libsais can build a suffix array.
pub trait SaToken: Token {
    /// Suffix array of `text` after masking every header position in
    /// `headers` to the largest symbol; `text` is clobbered.
    fn suffix_array(text: &mut [Self], docs: &[Document], threads: usize) -> Result<Vec<u32>, SaError>;
}

fn libsais_err(e: libsais::LibsaisError) -> SaError {
    SaError::Libsais(e.to_string())
}

fn header_positions<T: Token>(docs: &[Document]) -> impl Iterator<Item = usize> + '_ {
    docs.iter().flat_map(|d| d.start - T::HEADER_TOKENS..d.start)
}

// `threads` is only used when built with OpenMP.
#[allow(unused_variables)]
fn run_u16(text: &[u16], threads: usize) -> Result<Vec<u32>, SaError> {
    // Our own buffer rather than the binding's: backed by huge pages and
    // faulted in on every core (see `hugepages`), and without the binding's
    // few thousand entries of extra space. Extra space only pays off once
    // libsais' recursion can keep two bucket arrays in it (about 0.9
    // bytes/token on Zipf-like text, for 15% less time), far beyond a budget
    // of 6.5 bytes/token.
    let mut sa: Vec<i32> = hugepages::populated_zeroed_vec(text.len());
    let c = SuffixArrayConstruction::for_text(text).in_borrowed_buffer(&mut sa);
    #[cfg(feature = "openmp")]
    let done = if threads != 1 {
        let t = libsais::ThreadCount::fixed(threads.clamp(1, u16::MAX as usize) as u16);
        c.multi_threaded(t).run().map(drop)
    } else {
        c.single_threaded().run().map(drop)
    };
    #[cfg(not(feature = "openmp"))]
    let done = c.single_threaded().run().map(drop);
    done.map_err(libsais_err)?;
    // Every entry is a position below 2^31, so the cast is a reinterpretation.
    Ok(bytemuck::allocation::cast_vec(sa))
}

impl SaToken for u16 {
    fn suffix_array(text: &mut [u16], docs: &[Document], threads: usize) -> Result<Vec<u32>, SaError> {
        for p in header_positions::<u16>(docs) {
            text[p] = u16::SEPARATOR;
        }
        // The 16-bit entry point needs no copy of the text: 2 bytes/token of
        // text plus 4 of output.
        run_u16(text, threads)
    }
}

impl SaToken for u32 {
    fn suffix_array(text: &mut [u32], docs: &[Document], _threads: usize) -> Result<Vec<u32>, SaError> {
        // libsais sorts non-negative i32 texts over an alphabet [0, k) and
        // needs O(k) buckets: body tokens (at most MAX_TOKEN, checked by the
        // reader) are replaced by their rank among the part's distinct tokens
        // when the ids are sparser than the text is long, and the separator
        // becomes the largest symbol. Ranks keep the order, so the array is
        // also the suffix array of the original tokens.
        let body = |t: &[u32]| -> Vec<u32> { docs.iter().flat_map(|d| t[d.start..d.end].iter().copied()).collect() };
        let max = docs.iter().filter_map(|d| text[d.start..d.end].iter().max()).max().copied().unwrap_or(0);
        let sep = if max as usize + 2 > text.len().max(1 << 16) {
            let mut distinct = body(text);
            distinct.sort_unstable();
            distinct.dedup();
            for d in docs {
                for t in &mut text[d.start..d.end] {
                    *t = distinct.partition_point(|&v| v < *t) as u32;
                }
            }
            distinct.len() as u32
        } else {
            max + 1
        };
        for p in header_positions::<u32>(docs) {
            text[p] = sep;
        }
        let text: &mut [i32] = bytemuck::cast_slice_mut(text);
        let alphabet = AlphabetSize::new(sep as i32 + 1);
        let mut sa: Vec<i32> = hugepages::populated_zeroed_vec(text.len());
        let c = SuffixArrayConstruction::for_text_mut(text).in_borrowed_buffer(&mut sa).single_threaded();
        // SAFETY: every symbol is in [0, sep] = [0, alphabet) as required.
        let c = unsafe { c.with_alphabet_size(alphabet) };
        c.run().map_err(libsais_err)?;
        Ok(bytemuck::allocation::cast_vec(sa))
    }
}

/// Builds the suffix array of a part read with [`Part::read`] (the tokens are
/// rewritten in place, so the part is consumed).
pub fn build<T: SaToken>(part: Part<T>, threads: usize) -> Result<Vec<u32>, SaError> {
    let (mut tokens, docs) = part.into_owned().ok_or(FormatError::EmptyPart)?;
    if tokens.len() > i32::MAX as usize {
        return Err(SaError::TooLarge(tokens.len()));
    }
    T::suffix_array(&mut tokens, &docs, threads)
}

/// Default path of a part's suffix array: `NAME.train.sa.npy`.
pub fn default_path(train: &Path) -> PathBuf {
    let mut s = train.as_os_str().to_owned();
    s.push(".sa.npy");
    PathBuf::from(s)
}

/// Builds and writes the suffix array of the part `train` (+ `size`), with
/// its [`Stamp`] in the header. Returns the number of tokens.
pub fn make<T: SaToken>(train: &Path, size: &Path, out: &Path, threads: usize) -> Result<usize, SaError> {
    let part = Part::<T>::read(train, size)?;
    // Before `build` rewrites the tokens in place.
    let part_fingerprint = fingerprint::part(part.tokens(), part.docs());
    let sa = build(part, threads)?;
    let stamp = Stamp {
        part: part_fingerprint,
        array: fingerprint::array(&sa),
    };
    npy::write_with_note(out, &[sa.len()], &sa, Some(&stamp.note()))?;
    Ok(sa.len())
}

/// A suffix array mapped from disk and checked against its part.
pub struct SuffixArray {
    map: NpyMap,
    n_body: usize,
}

impl SuffixArray {
    /// Maps `path` and checks that it is exactly the suffix array of `part`
    /// (see the module documentation), so that a stale, foreign or damaged
    /// file is an error rather than wrong counts.
    pub fn open<T: Token>(path: &Path, part: &Part<T>) -> Result<Self, SaError> {
        let map = NpyMap::open(path)?;
        let tokens = part.tokens();
        let sa = map.data::<u32>()?;
        if map.shape.len() != 1 || sa.len() != tokens.len() {
            return Err(SaError::LengthMismatch {
                path: path.to_path_buf(),
                len: sa.len(),
                tokens: tokens.len(),
            });
        }
        let n = tokens.len();
        let flawed = |flaw| {
            let path = path.to_path_buf();
            match flaw {
                Flaw::Length { len } => SaError::LengthMismatch { path, len, tokens: n },
                Flaw::OutOfRange { index, value } => SaError::OutOfRange { path, index, value, tokens: n },
                Flaw::Duplicate { index, value } => SaError::Duplicate { path, index, value },
                Flaw::NotSorted { index } => SaError::NotSorted { path, index },
            }
        };
        match map.note.as_deref().and_then(Stamp::parse) {
            Some(stamp) => {
                check::permutation(sa, n).map_err(flawed)?;
                let actual = fingerprint::part(tokens, part.docs());
                if actual != stamp.part {
                    return Err(SaError::OtherPart { path: path.to_path_buf(), recorded: stamp.part, actual });
                }
                let actual = fingerprint::array(sa);
                if actual != stamp.array {
                    return Err(SaError::Damaged { path: path.to_path_buf(), recorded: stamp.array, actual });
                }
            }
            None => check::verify(sa, tokens, part.docs()).map_err(flawed)?,
        }
        let n_body = n - part.header_tokens();
        Ok(SuffixArray { map, n_body })
    }

    /// The suffixes that start in a document body, in sorted order.
    pub fn body(&self) -> &[u32] {
        // The dtype and length were checked in `open`.
        self.map.data::<u32>().map(|s| &s[..self.n_body]).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::build_part;
    use proptest::prelude::*;

    /// Sorts body suffixes naively with the masked text.
    fn naive<T: Token>(tokens: &[T], docs: &[Document]) -> Vec<u32> {
        let mut masked = tokens.to_vec();
        for d in docs {
            masked[d.start - T::HEADER_TOKENS..d.start].fill(T::SEPARATOR);
        }
        let mut sa: Vec<u32> = (0..tokens.len() as u32).collect();
        sa.sort_by(|&a, &b| masked[a as usize..].cmp(&masked[b as usize..]));
        sa
    }

    fn check<T: SaToken>(docs: Vec<(u32, Vec<T>)>) {
        let (tokens, offsets) = build_part(&docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let parsed = part.docs().to_vec();
        let sa = build(part, 1).unwrap();
        let expected = naive(&tokens, &parsed);
        assert_eq!(sa, expected);
        // Header positions sort last.
        let n_body = tokens.len() - parsed.len() * T::HEADER_TOKENS;
        let in_header = |p: u32| parsed.iter().any(|d| (d.start - T::HEADER_TOKENS..d.start).contains(&(p as usize)));
        assert!(sa[n_body..].iter().all(|&p| in_header(p)));
    }

    fn docs_u16(alphabet: u16) -> impl Strategy<Value = Vec<(u32, Vec<u16>)>> {
        prop::collection::vec(
            (any::<u32>(), prop::collection::vec(0..alphabet, 0..40), 0usize..4),
            1..6,
        )
        .prop_map(|docs| {
            docs.into_iter()
                .map(|(id, body, reps)| {
                    // Long repeats: the body repeated a few times.
                    let mut b = Vec::new();
                    for _ in 0..=reps {
                        b.extend_from_slice(&body);
                    }
                    (id, b)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn u16_matches_naive_sort(docs in docs_u16(3)) {
            check(docs);
        }

        #[test]
        fn u16_large_alphabet_matches_naive_sort(docs in docs_u16(u16::MAX)) {
            check(docs);
        }

        #[test]
        fn u32_matches_naive_sort(docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u32..4, 0..40)), 1..6)) {
            check(docs);
        }

        #[test]
        fn u32_wide_ids_match_naive_sort(docs in prop::collection::vec((any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 70_000, 0x7FFF_FFFE]), 0..30)), 1..4)) {
            check(docs);
        }
    }

    #[test]
    fn large_parts_sort_alike_with_one_and_two_threads() {
        // Large enough for huge-page buffers and for libsais' parallel
        // phases, which the small property tests never reach.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut docs: Vec<(u32, Vec<u16>)> = Vec::new();
        for id in 0..300u32 {
            // Every seventh document repeats the previous one: long repeats.
            let body = match docs.last() {
                Some((_, prev)) if id % 7 == 0 => prev.clone(),
                _ => (0..5_000).map(|_| (next() % 50) as u16).collect(),
            };
            docs.push((id, body));
        }
        let (tokens, offsets) = build_part(&docs);
        let parsed = Part::from_tokens(tokens.clone(), &offsets).unwrap().docs().to_vec();
        let mut masked = tokens.clone();
        for p in header_positions::<u16>(&parsed) {
            masked[p] = u16::SEPARATOR;
        }
        let arrays: Vec<Vec<u32>> = [1, 2]
            .into_iter()
            .map(|threads| build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), threads).unwrap())
            .collect();
        assert_eq!(arrays[0], arrays[1]);
        let sa = &arrays[0];
        let mut seen = vec![false; tokens.len()];
        for &p in sa {
            assert!(!std::mem::replace(&mut seen[p as usize], true), "position {p} appears twice");
        }
        assert!(seen.iter().all(|&s| s));
        assert!(sa.windows(2).all(|w| masked[w[0] as usize..] < masked[w[1] as usize..]));
    }

    #[test]
    fn ids_that_look_like_tokens_or_separators_sort_last() {
        check::<u16>(vec![(0xFFFF_FFFF, vec![1, 2]), (1, vec![1, 0]), (0x0001_0000, vec![0, 1, 0])]);
    }

    #[test]
    fn stale_arrays_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (tokens, offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
        let path = dir.path().join("sa.npy");
        npy::write(&path, &[sa.len()], &sa).unwrap();
        assert_eq!(SuffixArray::open(&path, &part).unwrap().body().len(), 6);
        npy::write(&path, &[sa.len() - 1], &sa[1..]).unwrap();
        assert!(matches!(SuffixArray::open(&path, &part), Err(SaError::LengthMismatch { .. })));
        let mut bad = sa.clone();
        bad[0] = 99;
        npy::write(&path, &[bad.len()], &bad).unwrap();
        assert!(matches!(SuffixArray::open(&path, &part), Err(SaError::OutOfRange { .. })));
        let mut bad = sa.clone();
        bad.swap(0, 1);
        npy::write(&path, &[bad.len()], &bad).unwrap();
        assert!(matches!(SuffixArray::open(&path, &part), Err(SaError::NotSorted { .. })));
    }

    #[test]
    fn arrays_that_are_not_permutations_are_rejected() {
        // Body: 3 1 2 1 | 2 2 at positions 3..7 and 10..12.
        let dir = tempfile::tempdir().unwrap();
        let (tokens, offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let path = dir.path().join("sa.npy");
        // Every entry the position of the first `2`: in range, and sorted
        // wherever sampled, so it used to be accepted; `count` then found
        // `2` six times (not 3) and `1` never (not twice).
        let same = vec![5u32; tokens.len()];
        assert_eq!(crate::count::count(&tokens, &same[..6], &[2]), 6);
        assert_eq!(crate::count::count(&tokens, &same[..6], &[1]), 0);
        npy::write(&path, &[same.len()], &same).unwrap();
        let e = SuffixArray::open(&path, &part).err().unwrap();
        assert!(matches!(e, SaError::Duplicate { index: 1, value: 5, .. }), "{e}");
        assert!(e.to_string().contains("sa.npy") && e.to_string().contains("not a permutation"), "{e}");
        // A permutation sorted by first token but not inside a bucket.
        let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
        let ones: Vec<usize> = (0..6).filter(|&i| tokens[sa[i] as usize] == 1).collect();
        let mut bad = sa.clone();
        bad.swap(ones[0], ones[1]);
        assert!(matches!(check::verify(&bad, &tokens, part.docs()), Err(Flaw::NotSorted { .. })));
        npy::write(&path, &[bad.len()], &bad).unwrap();
        assert!(matches!(SuffixArray::open(&path, &part), Err(SaError::NotSorted { .. })));
        // The array of another part of the same length.
        let (other, other_offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 2]), (2, vec![2, 1])]);
        let foreign = build(Part::from_tokens(other, &other_offsets).unwrap(), 1).unwrap();
        assert_ne!(foreign, sa);
        assert!(check::verify(&foreign, &tokens, part.docs()).is_err());
        // Header suffixes swapped among themselves: still not the array.
        let mut bad = sa.clone();
        bad.swap(sa.len() - 1, sa.len() - 2);
        assert!(check::verify(&bad, &tokens, part.docs()).is_err());
    }

    #[test]
    fn stamped_arrays_are_checked_against_their_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let write_part = |name: &str, docs: &[(u32, Vec<u16>)]| {
            let (tokens, offsets) = build_part(docs);
            let train = dir.path().join(name);
            std::fs::write(&train, bytemuck::cast_slice::<u16, u8>(&tokens)).unwrap();
            let size = dir.path().join(format!("{name}.size"));
            std::fs::write(&size, bytemuck::cast_slice::<u64, u8>(&offsets)).unwrap();
            (train, size)
        };
        let (train, size) = write_part("a.train", &[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
        let out = dir.path().join("a.sa.npy");
        assert_eq!(make::<u16>(&train, &size, &out, 1).unwrap(), 12);
        let part = Part::<u16>::open(&train, &size).unwrap();
        let map = NpyMap::open(&out).unwrap();
        let stamp = map.note.as_deref().and_then(Stamp::parse).expect("make stamps its array");
        let good = map.data::<u32>().unwrap().to_vec();
        assert_eq!(SuffixArray::open(&out, &part).unwrap().body().len(), 6);
        // Damaged, yet a permutation: two suffixes of `1` swapped.
        let mut bad = good.clone();
        bad.swap(0, 1);
        let damaged = dir.path().join("damaged.sa.npy");
        npy::write_with_note(&damaged, &[bad.len()], &bad, Some(&stamp.note())).unwrap();
        let e = SuffixArray::open(&damaged, &part).err().unwrap();
        assert!(matches!(e, SaError::Damaged { .. }), "{e}");
        assert!(e.to_string().contains("damaged.sa.npy"), "{e}");
        // The stamped array of another part of the same length.
        let (other_train, other_size) = write_part("b.train", &[(1, vec![3, 1, 2, 2]), (2, vec![2, 1])]);
        let other_out = dir.path().join("b.sa.npy");
        make::<u16>(&other_train, &other_size, &other_out, 1).unwrap();
        let e = SuffixArray::open(&other_out, &part).err().unwrap();
        assert!(matches!(e, SaError::OtherPart { .. }), "{e}");
        // Without its stamp the same array goes through the full check.
        npy::write(&damaged, &[good.len()], &good).unwrap();
        assert!(SuffixArray::open(&damaged, &part).is_ok());
        npy::write(&damaged, &[bad.len()], &bad).unwrap();
        assert!(matches!(SuffixArray::open(&damaged, &part), Err(SaError::NotSorted { .. })));
        // The part changed after `make` (the mapping of `part` sees it too).
        drop(part);
        write_part("a.train", &[(1, vec![3, 1, 2, 1]), (2, vec![2, 3])]);
        let changed = Part::<u16>::open(&train, &size).unwrap();
        assert!(matches!(SuffixArray::open(&out, &changed), Err(SaError::OtherPart { .. })));
    }

    fn accepts_only_the_suffix_array<T: SaToken>(docs: Vec<(u32, Vec<T>)>, swaps: &[(usize, usize)]) {
        let (tokens, offsets) = build_part(&docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
        assert_eq!(check::verify(&sa, &tokens, part.docs()), Ok(()));
        let mut bad = sa.clone();
        for &(i, j) in swaps {
            bad.swap(i % sa.len(), j % sa.len());
        }
        assert_eq!(check::verify(&bad, &tokens, part.docs()).is_ok(), bad == sa);
        let mut twice = sa.clone();
        let (i, j) = swaps.first().map_or((0, 1), |&(i, j)| (i % sa.len(), j % sa.len()));
        twice[i] = twice[j];
        assert_eq!(check::verify(&twice, &tokens, part.docs()).is_ok(), i == j);
    }

    proptest! {
        #[test]
        fn only_the_suffix_array_passes_u16(
            docs in docs_u16(3),
            swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
        ) {
            accepts_only_the_suffix_array(docs, &swaps);
        }

        #[test]
        fn only_the_suffix_array_passes_u32(
            docs in prop::collection::vec((any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 1, 70_000, 0x7FFF_FFFE]), 0..30)), 1..4),
            swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
        ) {
            accepts_only_the_suffix_array(docs, &swaps);
        }
    }
}
