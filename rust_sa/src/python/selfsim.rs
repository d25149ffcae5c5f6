//! Repeated sequences of a part, from Python: returned as arrays, or
//! written to `.npy` files as they are found.
//!
//! Invariant: as in `search.rs`, the part and its suffix array are opened
//! and checked by the library on every call, with the GIL released.

use std::path::{Path, PathBuf};

use numpy::PyArray1;
use pyo3::prelude::*;

use super::errors::bad_argument;
use super::search::{open_with_sa, part_paths};
use super::width;
use crate::sa::SaError;
use crate::token::{Token, Width};
use crate::{cli, selfsim};

/// The `(positions, counts)` arrays of [`self_similar`].
type PositionsAndCounts<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

/// What a run found: the clusters, or how many were written to files.
enum Found {
    Held(selfsim::Clusters),
    Written(usize, usize),
}

/// Opens the part and its array (with the GIL released) and finds the
/// clusters, into memory or, with `outputs`, into the files
/// `(positions, counts)`.
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    train: &Path,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: u8,
    length: usize,
    outputs: Option<(&Path, &Path)>,
    progress: bool,
) -> PyResult<Found> {
    if length == 0 {
        return Err(bad_argument("length must be at least 1"));
    }
    let (size, sa_path) = part_paths(train, size, sa);
    fn go<T: Token>(
        py: Python<'_>,
        (t, s, sp): (&Path, &Path, &Path),
        length: usize,
        outputs: Option<(&Path, &Path)>,
        progress: bool,
    ) -> PyResult<Found> {
        Ok(py.detach(|| {
            let (part, sa) = open_with_sa::<T>(t, s, sp)?;
            let bar = cli::progress_bar(sa.body().len() as u64, "self-similar", !progress);
            let tick = |n| bar.inc(n);
            let found = match outputs {
                None => Found::Held(selfsim::self_similar(
                    part.tokens(),
                    sa.body(),
                    length,
                    &tick,
                )),
                Some((p, c)) => {
                    let (clusters, occurrences) =
                        selfsim::write_self_similar(part.tokens(), &sa, length, &tick, p, c)?;
                    Found::Written(clusters, occurrences)
                }
            };
            bar.finish_and_clear();
            Ok::<_, SaError>(found)
        })?)
    }
    let paths = (train, size.as_path(), sa_path.as_path());
    match width(token_bytes)? {
        Width::U16 => go::<u16>(py, paths, length, outputs, progress),
        Width::U32 => go::<u32>(py, paths, length, outputs, progress),
    }
}

/// Every sequence of `length` tokens occurring at least twice in the part:
/// `(positions, counts)`, uint64 arrays; cluster `i` is
/// `positions[sum(counts[:i]) : sum(counts[:i+1])]` (token positions in the part).
#[pyfunction]
#[pyo3(signature = (train, length=100, size=None, sa=None, token_bytes=2, progress=false))]
pub(super) fn self_similar<'py>(
    py: Python<'py>,
    train: PathBuf,
    length: usize,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<PositionsAndCounts<'py>> {
    match run(py, &train, size, sa, token_bytes, length, None, progress)? {
        Found::Held(c) => Ok((
            PyArray1::from_vec(py, c.positions),
            PyArray1::from_vec(py, c.counts),
        )),
        Found::Written(..) => unreachable!("no outputs were given"),
    }
}

/// [`self_similar`] written to the uint64 `.npy` files `positions` and
/// `counts` as the clusters are found, never holding them in memory (the
/// resident size stays near the part's own). Returns the number of clusters
/// and of occurrences.
#[pyfunction]
#[pyo3(signature = (train, positions, counts, length=100, size=None, sa=None, token_bytes=2, progress=false))]
#[allow(clippy::too_many_arguments)]
pub(super) fn write_self_similar(
    py: Python<'_>,
    train: PathBuf,
    positions: PathBuf,
    counts: PathBuf,
    length: usize,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<(usize, usize)> {
    let outputs = Some((positions.as_path(), counts.as_path()));
    match run(py, &train, size, sa, token_bytes, length, outputs, progress)? {
        Found::Written(clusters, occurrences) => Ok((clusters, occurrences)),
        Found::Held(_) => unreachable!("outputs were given"),
    }
}
