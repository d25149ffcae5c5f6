//! Suffix-array construction with libsais: the masked text of a part (every
//! header token replaced by a symbol above every body token) sorted into
//! token positions.
//!
//! Invariant: [`build`] returns the suffix array of the masked text, the
//! unique array that [`crate::check::verify`] accepts, whatever the width,
//! the ids present and the number of threads.

use libsais::suffix_array::AlphabetSize;
use libsais::SuffixArrayConstruction;

use super::SaError;
use crate::error::FormatError;
use crate::format::Document;
use crate::hugepages;
use crate::part::Part;
use crate::token::Token;

/// Token widths for which libsais can build a suffix array.
pub trait SaToken: Token {
    /// Suffix array of `text` after masking every header position in
    /// `headers` to the largest symbol; `text` is clobbered.
    fn suffix_array(
        text: &mut [Self],
        docs: &[Document],
        threads: usize,
    ) -> Result<Vec<u32>, SaError>;
}

fn libsais_err(e: libsais::LibsaisError) -> SaError {
    SaError::Libsais(e.to_string())
}

pub(super) fn header_positions<T: Token>(docs: &[Document]) -> impl Iterator<Item = usize> + '_ {
    docs.iter()
        .flat_map(|d| d.start - T::HEADER_TOKENS..d.start)
}

/// Bytes that libsais16 allocates for each thread when it runs on more than
/// one: a cache of 2,097,184 (symbol, index) pairs and four buckets per
/// 16-bit symbol (`LIBSAIS_PER_THREAD_CACHE_SIZE` and `thread_buckets` in
/// libsais16.c), all of it touched while sorting.
const LIBSAIS16_BYTES_PER_THREAD: usize = 2_097_184 * 8 + 4 * 65_536 * 4;

/// Share of the memory budget, in bytes per token, that libsais16's
/// per-thread state may take.
const THREAD_STATE_BYTES_PER_TOKEN: f64 = 0.25;

/// How many of `threads` libsais16 gets for `n` tokens: as many as its
/// per-thread state fits in [`THREAD_STATE_BYTES_PER_TOKEN`], at least one.
/// Below ~140M tokens that is one thread. Memory comes first: on 100M Zipf
/// tokens two threads sort 15-20% faster on a 2-core machine (11.6-12.3 s
/// against 14.0-15.6 s), but their state alone takes 0.36 bytes/token, which
/// with the text, the array and the interpreter of the `rust-sa` script
/// passes the budget of 6.5 bytes/token.
fn libsais16_threads(threads: usize, n: usize) -> usize {
    let affordable =
        (n as f64 * THREAD_STATE_BYTES_PER_TOKEN / LIBSAIS16_BYTES_PER_THREAD as f64) as usize;
    threads.min(affordable).max(1)
}

// `threads` is only used when built with OpenMP.
#[allow(unused_variables)]
fn run_u16(text: &[u16], threads: usize) -> Result<Vec<u32>, SaError> {
    let threads = libsais16_threads(threads, text.len());
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
    fn suffix_array(
        text: &mut [u16],
        docs: &[Document],
        threads: usize,
    ) -> Result<Vec<u32>, SaError> {
        for p in header_positions::<u16>(docs) {
            text[p] = u16::SEPARATOR;
        }
        // The 16-bit entry point needs no copy of the text: 2 bytes/token of
        // text plus 4 of output.
        run_u16(text, threads)
    }
}

impl SaToken for u32 {
    fn suffix_array(
        text: &mut [u32],
        docs: &[Document],
        _threads: usize,
    ) -> Result<Vec<u32>, SaError> {
        // libsais sorts non-negative i32 texts over an alphabet [0, k) and
        // needs O(k) buckets: body tokens (at most MAX_TOKEN, checked by the
        // reader) are replaced by their rank among the part's distinct tokens
        // when the ids are sparser than the text is long, and the separator
        // becomes the largest symbol. Ranks keep the order, so the array is
        // also the suffix array of the original tokens.
        let body = |t: &[u32]| -> Vec<u32> {
            docs.iter()
                .flat_map(|d| t[d.start..d.end].iter().copied())
                .collect()
        };
        let max = docs
            .iter()
            .filter_map(|d| text[d.start..d.end].iter().max())
            .max()
            .copied()
            .unwrap_or(0);
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
        let c = SuffixArrayConstruction::for_text_mut(text)
            .in_borrowed_buffer(&mut sa)
            .single_threaded();
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

#[cfg(test)]
mod thread_tests {
    use super::*;

    #[test]
    fn libsais16_threads_fit_the_budget() {
        assert_eq!(libsais16_threads(0, 0), 1);
        assert_eq!(libsais16_threads(2, 100_000_000), 1);
        for (threads, n) in [(2, 300_000_000), (64, 1 << 31), (8, 400_000_000)] {
            let t = libsais16_threads(threads, n);
            assert!(
                t > 1 && t <= threads,
                "{threads} threads on {n} tokens: {t}"
            );
            let bytes_per_token = (t * LIBSAIS16_BYTES_PER_THREAD) as f64 / n as f64;
            assert!(
                bytes_per_token <= THREAD_STATE_BYTES_PER_TOKEN,
                "{bytes_per_token}"
            );
        }
    }
}
