//! Near-duplicate scan: every document window within Hamming and within
//! Levenshtein distance `max_distance` of any target of the same length.
//!
//! A window can only be within distance `d` of a target if their token
//! multisets share at least `L - d` tokens (with equal lengths, both metrics
//! need one edit per unmatched token). That overlap is kept up to date for all
//! targets at once while the window slides over a document: a token entering
//! or leaving changes the overlap only of the targets that contain it, found
//! through an inverted index. Tokens that many targets contain get a dense
//! row of per-target multiplicities, updated with one vectorisable pass;
//! the others get a short posting list. Windows that pass the filter are
//! verified exactly (Hamming by comparison, Levenshtein bit-parallel, see the
//! `myers` module), and per target and metric the closest non-overlapping
//! windows are kept greedily (the `hits` module's selection).
//!
//! The index and the per-thread counts have one slot per distinct token of
//! the targets (see [`crate::dense`]), never one per id up to the largest, so
//! their memory follows the size of the targets whatever ids they hold.
//!
//! Invariant: the filter never drops a window within the distance (it only
//! skips windows that cannot be), so the result equals the definition:
//! every window, both metrics exactly, greedy selection (checked against a
//! brute-force reference by the tests and the fuzz targets).

use rayon::prelude::*;

use crate::error::FormatError;
use crate::format::Document;
use crate::hits::{hamming, select, Found};
pub use crate::hits::{Hit, Metric};
use crate::queries::check_queries;
use crate::token::Token;

mod index;
mod window;

use index::{Counter, Index};
use window::Window;

/// Bad scan parameters.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("no targets given")]
    NoTargets,
    #[error("target #{index} has {len} tokens but target #0 has {expected}; all targets must have the same length")]
    UnequalLengths {
        index: usize,
        len: usize,
        expected: usize,
    },
    #[error("at most {max} targets are supported, got {got}")]
    TooManyTargets { got: usize, max: usize },
    #[error(
        "document #{index} has {len} tokens; documents above 2^32 - 1 tokens cannot be scanned"
    )]
    DocumentTooLong { index: usize, len: usize },
}

fn scan_document<T: Token, C: Counter>(
    index: &Index<T, C>,
    w: &mut Window<C>,
    body: &[T],
    max_distance: usize,
) -> Vec<Found> {
    let len = index.len;
    if body.len() < len {
        return Vec::new();
    }
    let threshold = C::from_usize(len.saturating_sub(max_distance));
    let mut found = Vec::new();
    for &x in &body[..len] {
        w.enter(index, x);
    }
    for p in 0..=body.len() - len {
        if p > 0 {
            w.leave(index, body[p - 1]);
            w.enter(index, body[p + len - 1]);
        }
        let best = w.overlap.iter().fold(C::default(), |a, &b| a.max(b));
        if best < threshold {
            continue;
        }
        let window = &body[p..p + len];
        for t in 0..w.overlap.len() {
            if w.overlap[t] < threshold {
                continue;
            }
            let h = hamming(window, &index.targets[t]);
            if h as usize <= max_distance {
                found.push(Found {
                    target: t as u32,
                    metric: Metric::Hamming,
                    distance: h,
                    start: p as u64,
                });
            }
            // Levenshtein never exceeds Hamming; it is 0 exactly when Hamming is.
            let l = if h == 0 {
                Some(0)
            } else {
                w.levenshtein(index, t, window, bound(max_distance))
            };
            if let Some(l) = l {
                found.push(Found {
                    target: t as u32,
                    metric: Metric::Levenshtein,
                    distance: l,
                    start: p as u64,
                });
            }
        }
    }
    // Leave the state clean for the next document.
    for &x in &body[body.len() - len..] {
        w.leave(index, x);
    }
    // Selecting per document equals selecting over the part: windows of
    // different documents never overlap.
    select(found, len)
}

/// `max_distance` as a bound of the distances, which are `u32`.
pub(crate) fn bound(max_distance: usize) -> u32 {
    u32::try_from(max_distance).unwrap_or(u32::MAX)
}

fn scan_with<T: Token, C: Counter>(
    tokens: &[T],
    docs: &[Document],
    targets: Vec<Vec<T>>,
    max_distance: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Hit> {
    let index = Index::<T, C>::new(targets);
    let per_doc: Vec<Vec<Hit>> = docs
        .par_iter()
        .enumerate()
        .map_init(
            || Window::new(&index),
            |w, (i, d)| {
                let body = &tokens[d.start..d.end];
                let hits = scan_document(&index, w, body, max_distance)
                    .into_iter()
                    .map(|f| Hit {
                        target: f.target,
                        metric: f.metric,
                        distance: f.distance,
                        doc_index: i as u32,
                        doc_id: d.id,
                        offset: f.start as u32,
                        position: d.start as u64 + f.start,
                    })
                    .collect();
                progress(body.len() as u64);
                hits
            },
        )
        .collect();
    let mut hits: Vec<Hit> = per_doc.into_iter().flatten().collect();
    hits.par_sort_unstable();
    hits
}

/// Refuses documents whose window offsets would not fit a hit's `u32`.
pub(crate) fn check_documents(docs: &[Document]) -> Result<(), ScanError> {
    match docs
        .iter()
        .position(|d| d.end - d.start > u32::MAX as usize)
    {
        Some(index) => Err(ScanError::DocumentTooLong {
            index,
            len: docs[index].end - docs[index].start,
        }),
        None => Ok(()),
    }
}

/// Scans the documents of a part for near duplicates of `targets` (all of one
/// length). Returns the kept windows ordered by target, metric, distance and
/// position. `progress` gets the number of tokens scanned since its last call.
pub fn scan<T: Token>(
    tokens: &[T],
    docs: &[Document],
    targets: Vec<Vec<T>>,
    max_distance: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Hit>, ScanError> {
    let first = targets.first().ok_or(ScanError::NoTargets)?;
    let expected = first.len();
    if let Some(index) = targets.iter().position(|t| t.len() != expected) {
        return Err(ScanError::UnequalLengths {
            index,
            len: targets[index].len(),
            expected,
        });
    }
    if targets.len() > u32::MAX as usize {
        return Err(ScanError::TooManyTargets {
            got: targets.len(),
            max: u32::MAX as usize,
        });
    }
    check_documents(docs)?;
    // Targets may be longer than the part: they then simply match nowhere.
    check_queries::<T, _>(&targets, usize::MAX)?;
    Ok(if expected <= u8::MAX as usize {
        scan_with::<T, u8>(tokens, docs, targets, max_distance, progress)
    } else {
        scan_with::<T, u16>(tokens, docs, targets, max_distance, progress)
    })
}

#[cfg(test)]
pub(crate) mod tests;
