//! The searches of the Python module: counts and the scan, each
//! on a part (and its suffix array) named by path.
//!
//! Invariant: the part and its suffix array are opened and checked by the
//! library on every call, with the GIL released, so a stale array raises
//! instead of giving wrong counts.

use std::path::{Path, PathBuf};

use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::bad_argument;
use super::hits::hits_dict;
use super::index::AnyIndex;
use super::neardup::refuse_part_files;
use super::width;
use crate::cli;
use crate::count as counting;
use crate::layout::default_size_path;
use crate::manifest;
use crate::part::Part;
use crate::queries::{self, check_queries, queries_from_ids, refuse_empty_rows};
use crate::sa::{self, SaError, SuffixArray};
use crate::scan::{self as scanning, ScanError};
use crate::token::{tokens_from_ids, Token, Width};

/// Queries given as a path (query file or .npy), a 2-D integer array, or a
/// sequence of token sequences.
pub(super) fn queries_arg<T: Token>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<T>>> {
    if let Ok(path) = obj.extract::<PathBuf>() {
        return Ok(queries::read_queries(&path)?);
    }
    // An array of shape (n, 0) holds no data whatever n is: refuse it before
    // making a vector per row, as the file reader does.
    if let Ok((rows, width)) = obj
        .getattr("shape")
        .and_then(|s| s.extract::<(usize, usize)>())
    {
        refuse_empty_rows(rows, width, || format!("({rows}, {width})")).map_err(bad_argument)?;
    }
    let rows: Vec<Vec<u32>> = if let Ok(a) = obj.extract::<PyReadonlyArray2<u16>>() {
        a.as_array()
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| u32::from(v)).collect())
            .collect()
    } else if let Ok(a) = obj.extract::<PyReadonlyArray2<u32>>() {
        a.as_array()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect()
    } else if let Ok(a) = obj.extract::<PyReadonlyArray2<i64>>() {
        let mut rows = Vec::new();
        for (i, r) in a.as_array().rows().into_iter().enumerate() {
            rows.push(
                r.iter()
                    .map(|&v| {
                        u32::try_from(v).map_err(|_| {
                            bad_argument(format!("query #{i} holds {v}, not a token id"))
                        })
                    })
                    .collect::<PyResult<Vec<u32>>>()?,
            );
        }
        rows
    } else {
        obj.extract::<Vec<Vec<u32>>>().map_err(|_| {
            bad_argument("queries must be a path, a 2-D array of unsigned token ids, or a list of token sequences")
        })?
    };
    Ok(queries_from_ids(rows)?)
}

/// The part and its suffix array, both checked.
pub(super) fn open_with_sa<T: Token>(
    train: &Path,
    size: &Path,
    sa_path: &Path,
) -> Result<(Part<T>, SuffixArray), SaError> {
    let part = Part::<T>::open(train, size)?;
    let sa = SuffixArray::open(sa_path, &part)?;
    Ok((part, sa))
}

/// The `.size` and suffix-array paths of a part: the given ones, or the defaults beside `train`.
pub(super) fn part_paths(
    train: &Path,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
) -> (PathBuf, PathBuf) {
    (
        size.unwrap_or_else(|| default_size_path(train)),
        sa.unwrap_or_else(|| sa::default_path(train)),
    )
}

/// Number of occurrences of `query` inside the documents of a part, or of
/// all parts of an index folder.
#[pyfunction]
#[pyo3(signature = (train, query, size=None, sa=None, token_bytes=None))]
pub(super) fn count(
    py: Python<'_>,
    train: PathBuf,
    query: Vec<u32>,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: Option<u8>,
) -> PyResult<u64> {
    if manifest::is_index(&train) {
        refuse_part_files(&size, &sa)?;
        return AnyIndex::open(py, &train, token_bytes)?.count(py, query);
    }
    let (size, sa_path) = part_paths(&train, size, sa);
    fn go<T: Token>(py: Python<'_>, t: &Path, s: &Path, sp: &Path, q: Vec<u32>) -> PyResult<u64> {
        let q: Vec<T> = tokens_from_ids(q, || "query #0".into())?;
        Ok(py.detach(|| {
            let (part, sa) = open_with_sa::<T>(t, s, sp)?;
            check_queries(&[&q[..]], part.tokens().len())?;
            Ok::<_, SaError>(counting::count(part.tokens(), sa.body(), &q))
        })?)
    }
    match width(token_bytes.unwrap_or(2))? {
        Width::U16 => go::<u16>(py, &train, &size, &sa_path, query),
        Width::U32 => go::<u32>(py, &train, &size, &sa_path, query),
    }
}

/// Occurrence counts (uint64 array) of many queries: a 2-D array, a list of
/// token sequences, or a path to a query file or `.npy` array; in a part,
/// or summed over the parts of an index folder.
#[pyfunction]
#[pyo3(signature = (train, queries, size=None, sa=None, token_bytes=None, progress=false))]
pub(super) fn count_multi<'py>(
    py: Python<'py>,
    train: PathBuf,
    queries: &Bound<'py, PyAny>,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: Option<u8>,
    progress: bool,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    if manifest::is_index(&train) {
        refuse_part_files(&size, &sa)?;
        let counts = AnyIndex::open(py, &train, token_bytes)?.count_multi(py, queries, progress)?;
        return Ok(PyArray1::from_vec(py, counts));
    }
    let (size, sa_path) = part_paths(&train, size, sa);
    fn go<T: Token>(
        py: Python<'_>,
        t: &Path,
        s: &Path,
        sp: &Path,
        qs: Vec<Vec<T>>,
        progress: bool,
    ) -> PyResult<Vec<u64>> {
        Ok(py.detach(|| {
            let (part, sa) = open_with_sa::<T>(t, s, sp)?;
            check_queries(&qs, part.tokens().len())?;
            let bar = cli::progress_bar(qs.len() as u64, "count", !progress);
            let c = counting::count_many(part.tokens(), sa.body(), &qs, &|n| bar.inc(n));
            bar.finish_and_clear();
            Ok::<_, SaError>(c)
        })?)
    }
    let counts = match width(token_bytes.unwrap_or(2))? {
        Width::U16 => go::<u16>(py, &train, &size, &sa_path, queries_arg(queries)?, progress)?,
        Width::U32 => go::<u32>(py, &train, &size, &sa_path, queries_arg(queries)?, progress)?,
    };
    Ok(PyArray1::from_vec(py, counts))
}

/// Near-duplicate scan of a part for `targets` (2-D array or list, one target
/// per row, all of one length). Returns a dict of equally long arrays:
/// `target`, `metric` (0 Hamming, 1 Levenshtein), `doc_id`, `offset` (in the
/// document), `position` (in the part) and `distance`, ordered by target,
/// metric, distance and position.
#[pyfunction]
#[pyo3(signature = (train, targets, max_distance=50, size=None, token_bytes=2, progress=false))]
pub(super) fn scan<'py>(
    py: Python<'py>,
    train: PathBuf,
    targets: &Bound<'py, PyAny>,
    max_distance: usize,
    size: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let size = size.unwrap_or_else(|| default_size_path(&train));
    fn go<T: Token>(
        py: Python<'_>,
        t: &Path,
        s: &Path,
        ts: Vec<Vec<T>>,
        d: usize,
        progress: bool,
    ) -> PyResult<Vec<scanning::Hit>> {
        Ok(py.detach(|| {
            let part = Part::<T>::open(t, s)?;
            let bar = cli::progress_bar(part.body_tokens() as u64, "scan", !progress);
            let hits = scanning::scan(part.tokens(), part.docs(), ts, d, &|n| bar.inc(n))?;
            bar.finish_and_clear();
            Ok::<_, ScanError>(hits)
        })?)
    }
    let hits = match width(token_bytes)? {
        Width::U16 => go::<u16>(
            py,
            &train,
            &size,
            queries_arg(targets)?,
            max_distance,
            progress,
        )?,
        Width::U32 => go::<u32>(
            py,
            &train,
            &size,
            queries_arg(targets)?,
            max_distance,
            progress,
        )?,
    };
    hits_dict(py, &hits)
}
