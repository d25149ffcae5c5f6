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

use crate::check::{self, Flaw};
use crate::error::FormatError;
use crate::fingerprint::{self, Stamp};
use crate::layout::with_suffix;
use crate::npy::{self, NpyError, NpyMap};
use crate::part::Part;
use crate::token::Token;

mod build;

pub use build::{build, SaToken};

/// Errors of suffix-array construction and loading.
#[derive(Debug, thiserror::Error)]
pub enum SaError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Npy(#[from] NpyError),
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
    OtherPart {
        path: PathBuf,
        recorded: u64,
        actual: u64,
    },
    #[error("suffix array {path} is damaged: its checksum is {actual:016x}, not the {recorded:016x} recorded when it was built; rebuild it with `make`")]
    Damaged {
        path: PathBuf,
        recorded: u64,
        actual: u64,
    },
}

/// Default path of a part's suffix array: `NAME.train.sa.npy`.
pub fn default_path(train: &Path) -> PathBuf {
    with_suffix(train, ".sa.npy")
}

/// Builds and writes the suffix array of the part `train` (+ `size`), with
/// its [`Stamp`] in the header. Returns the number of tokens.
pub fn make<T: SaToken>(
    train: &Path,
    size: &Path,
    out: &Path,
    threads: usize,
) -> Result<usize, SaError> {
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
                Flaw::Length { len } => SaError::LengthMismatch {
                    path,
                    len,
                    tokens: n,
                },
                Flaw::OutOfRange { index, value } => SaError::OutOfRange {
                    path,
                    index,
                    value,
                    tokens: n,
                },
                Flaw::Duplicate { index, value } => SaError::Duplicate { path, index, value },
                Flaw::NotSorted { index } => SaError::NotSorted { path, index },
            }
        };
        match map.note.as_deref().and_then(Stamp::parse) {
            Some(stamp) => {
                check::permutation(sa, n).map_err(flawed)?;
                let actual = fingerprint::array(sa);
                if actual != stamp.array {
                    return Err(SaError::Damaged {
                        path: path.to_path_buf(),
                        recorded: stamp.array,
                        actual,
                    });
                }
                // The array is read. Searches read a few of its pages, so none
                // need stay resident (the page cache keeps them), and the
                // part's fingerprint runs with only the part's pages in.
                map.release(0, 4 * n);
                let actual = fingerprint::part(tokens, part.docs());
                if actual != stamp.part {
                    return Err(SaError::OtherPart {
                        path: path.to_path_buf(),
                        recorded: stamp.part,
                        actual,
                    });
                }
            }
            None => {
                check::verify(sa, tokens, part.docs()).map_err(flawed)?;
                map.release(0, 4 * n);
            }
        }
        let n_body = n - part.header_tokens();
        Ok(SuffixArray { map, n_body })
    }

    /// Drops the pages of the first `index` suffixes from resident memory
    /// (see [`NpyMap::release`]); a pass over the array in order calls it
    /// with what it has read so far.
    pub fn release_below(&self, index: usize) {
        self.map.release(0, 4 * index);
    }

    /// The suffixes that start in a document body, in sorted order.
    pub fn body(&self) -> &[u32] {
        // The dtype and length were checked in `open`.
        self.map
            .data::<u32>()
            .map(|s| &s[..self.n_body])
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod open_tests;
#[cfg(test)]
mod tests;
