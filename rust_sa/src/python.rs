//! The Python face of the library (`mosaic_exp._rust_sa`): thin wrappers that
//! take paths and NumPy arrays, release the GIL around long calls, and turn
//! every error into a `ValueError` carrying the library's message.

use std::path::{Path, PathBuf};

use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::io::{self, check_queries, Part, Token};
use crate::sa::{self, SaToken, SuffixArray};
use crate::count as counting;
use crate::scan as scanning;
use crate::{cli, selfsim};

fn err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn size_path(train: &Path, size: Option<PathBuf>) -> PathBuf {
    size.unwrap_or_else(|| {
        let mut s = train.as_os_str().to_owned();
        s.push(".size");
        PathBuf::from(s)
    })
}

/// Queries given as a path (query file or .npy), a 2-D integer array, or a
/// sequence of token sequences.
fn queries_arg<T: Token>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<T>>> {
    if let Ok(path) = obj.extract::<PathBuf>() {
        return io::read_queries(&path).map_err(err);
    }
    // An array of shape (n, 0) holds no data whatever n is: refuse it before
    // making a vector per row, as the file reader does.
    if let Ok(shape) = obj.getattr("shape").and_then(|s| s.extract::<(usize, usize)>()) {
        if shape.1 == 0 && shape.0 > 0 {
            return Err(err(format!(
                "queries of 0 tokens (shape ({}, 0)); every query or target needs at least one token",
                shape.0
            )));
        }
    }
    let rows: Vec<Vec<u32>> = if let Ok(a) = obj.extract::<PyReadonlyArray2<u16>>() {
        a.as_array().rows().into_iter().map(|r| r.iter().map(|&v| u32::from(v)).collect()).collect()
    } else if let Ok(a) = obj.extract::<PyReadonlyArray2<u32>>() {
        a.as_array().rows().into_iter().map(|r| r.to_vec()).collect()
    } else if let Ok(a) = obj.extract::<PyReadonlyArray2<i64>>() {
        let mut rows = Vec::new();
        for (i, r) in a.as_array().rows().into_iter().enumerate() {
            rows.push(
                r.iter()
                    .map(|&v| u32::try_from(v).map_err(|_| err(format!("query #{i} holds {v}, not a token id"))))
                    .collect::<PyResult<Vec<u32>>>()?,
            );
        }
        rows
    } else {
        obj.extract::<Vec<Vec<u32>>>().map_err(|_| {
            err("queries must be a path, a 2-D array of unsigned token ids, or a list of token sequences")
        })?
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.into_iter()
                .enumerate()
                .map(|(p, v)| {
                    T::from_u32(v).ok_or_else(|| {
                        err(io::FormatError::TokenTooLarge {
                            what: format!("query #{i}"),
                            position: p,
                            token: v,
                            max: T::MAX_TOKEN,
                        })
                    })
                })
                .collect()
        })
        .collect()
}

fn open<T: Token>(train: &Path, size: &Path, sa_path: Option<&Path>) -> Result<(Part<T>, Option<SuffixArray>), String> {
    let part = Part::<T>::open(train, size).map_err(|e| e.to_string())?;
    let sa = match sa_path {
        Some(p) => Some(SuffixArray::open(p, &part).map_err(|e| e.to_string())?),
        None => None,
    };
    Ok((part, sa))
}

fn with_width<R>(token_bytes: u8, u16_: impl FnOnce() -> PyResult<R>, u32_: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    match token_bytes {
        2 => u16_(),
        4 => u32_(),
        b => Err(err(format!("token_bytes must be 2 or 4, not {b}"))),
    }
}

/// Validates a part and returns its documents as `(id, start, end)` token ranges.
#[pyfunction]
#[pyo3(signature = (train, size=None, token_bytes=2))]
fn read_documents(py: Python<'_>, train: PathBuf, size: Option<PathBuf>, token_bytes: u8) -> PyResult<Vec<(u32, usize, usize)>> {
    let size = size_path(&train, size);
    fn docs<T: Token>(train: &Path, size: &Path) -> Result<Vec<(u32, usize, usize)>, io::FormatError> {
        let part = Part::<T>::open(train, size)?;
        Ok(part.docs().iter().map(|d| (d.id, d.start, d.end)).collect())
    }
    with_width(
        token_bytes,
        || py.detach(|| docs::<u16>(&train, &size)).map_err(err),
        || py.detach(|| docs::<u32>(&train, &size)).map_err(err),
    )
}

/// Reads a query file (`[u32 LE length][tokens]` records) or a `.npy` array
/// of queries; returns a list of uint32 arrays.
#[pyfunction]
#[pyo3(signature = (path, token_bytes=2))]
fn read_queries<'py>(py: Python<'py>, path: PathBuf, token_bytes: u8) -> PyResult<Vec<Bound<'py, PyArray1<u32>>>> {
    let qs: Vec<Vec<u32>> = with_width(
        token_bytes,
        || Ok(io::read_queries::<u16>(&path).map_err(err)?.into_iter().map(|q| q.into_iter().map(u32::from).collect()).collect()),
        || io::read_queries::<u32>(&path).map_err(err),
    )?;
    Ok(qs.into_iter().map(|q| PyArray1::from_vec(py, q)).collect())
}

/// Builds the suffix array of a part and writes it to `out` (default
/// `NAME.train.sa.npy`); returns the number of tokens sorted.
#[pyfunction]
#[pyo3(signature = (train, size=None, out=None, token_bytes=2, threads=1))]
fn make(py: Python<'_>, train: PathBuf, size: Option<PathBuf>, out: Option<PathBuf>, token_bytes: u8, threads: usize) -> PyResult<usize> {
    let size = size_path(&train, size);
    let out = out.unwrap_or_else(|| sa::default_path(&train));
    fn go<T: SaToken>(py: Python<'_>, t: &Path, s: &Path, o: &Path, th: usize) -> PyResult<usize> {
        py.detach(|| sa::make::<T>(t, s, o, th)).map_err(err)
    }
    with_width(token_bytes, || go::<u16>(py, &train, &size, &out, threads), || go::<u32>(py, &train, &size, &out, threads))
}

/// Number of occurrences of `query` inside the documents of a part.
#[pyfunction]
#[pyo3(signature = (train, query, size=None, sa=None, token_bytes=2))]
fn count(py: Python<'_>, train: PathBuf, query: Vec<u32>, size: Option<PathBuf>, sa: Option<PathBuf>, token_bytes: u8) -> PyResult<u64> {
    let size = size_path(&train, size);
    let sa_path = sa.unwrap_or_else(|| sa::default_path(&train));
    fn go<T: Token>(py: Python<'_>, t: &Path, s: &Path, sp: &Path, q: Vec<u32>) -> PyResult<u64> {
        let q: Vec<T> = q
            .into_iter()
            .enumerate()
            .map(|(p, v)| T::from_u32(v).ok_or_else(|| err(io::FormatError::TokenTooLarge { what: "query #0".into(), position: p, token: v, max: T::MAX_TOKEN })))
            .collect::<PyResult<_>>()?;
        py.detach(|| {
            let (part, sa) = open::<T>(t, s, Some(sp))?;
            check_queries(&[&q[..]], part.tokens().len()).map_err(|e| e.to_string())?;
            let sa = sa.ok_or("no suffix array")?;
            Ok::<_, String>(counting::count(part.tokens(), sa.body(), &q))
        })
        .map_err(err)
    }
    with_width(token_bytes, || go::<u16>(py, &train, &size, &sa_path, query.clone()), || go::<u32>(py, &train, &size, &sa_path, query.clone()))
}

/// Occurrence counts (uint64 array) of many queries: a 2-D array, a list of
/// token sequences, or a path to a query file or `.npy` array.
#[pyfunction]
#[pyo3(signature = (train, queries, size=None, sa=None, token_bytes=2, progress=false))]
fn count_multi<'py>(
    py: Python<'py>,
    train: PathBuf,
    queries: &Bound<'py, PyAny>,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let size = size_path(&train, size);
    let sa_path = sa.unwrap_or_else(|| sa::default_path(&train));
    fn go<T: Token>(py: Python<'_>, t: &Path, s: &Path, sp: &Path, qs: Vec<Vec<T>>, progress: bool) -> PyResult<Vec<u64>> {
        py.detach(|| {
            let (part, sa) = open::<T>(t, s, Some(sp))?;
            check_queries(&qs, part.tokens().len()).map_err(|e| e.to_string())?;
            let sa = sa.ok_or("no suffix array")?;
            let bar = cli::progress_bar(qs.len() as u64, "count", !progress);
            let c = counting::count_many(part.tokens(), sa.body(), &qs, &|n| bar.inc(n));
            bar.finish_and_clear();
            Ok::<_, String>(c)
        })
        .map_err(err)
    }
    let counts = with_width(
        token_bytes,
        || go::<u16>(py, &train, &size, &sa_path, queries_arg(queries)?, progress),
        || go::<u32>(py, &train, &size, &sa_path, queries_arg(queries)?, progress),
    )?;
    Ok(PyArray1::from_vec(py, counts))
}

/// The `(positions, counts)` arrays of [`self_similar`].
type PositionsAndCounts<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

/// Every sequence of `length` tokens occurring at least twice in the part:
/// `(positions, counts)`, uint64 arrays; cluster `i` is
/// `positions[sum(counts[:i]) : sum(counts[:i+1])]` (token positions in the part).
#[pyfunction]
#[pyo3(signature = (train, length=100, size=None, sa=None, token_bytes=2, progress=false))]
fn self_similar<'py>(
    py: Python<'py>,
    train: PathBuf,
    length: usize,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<PositionsAndCounts<'py>> {
    if length == 0 {
        return Err(err("length must be at least 1"));
    }
    let size = size_path(&train, size);
    let sa_path = sa.unwrap_or_else(|| sa::default_path(&train));
    fn go<T: Token>(py: Python<'_>, t: &Path, s: &Path, sp: &Path, length: usize, progress: bool) -> PyResult<selfsim::Clusters> {
        py.detach(|| {
            let (part, sa) = open::<T>(t, s, Some(sp))?;
            let sa = sa.ok_or("no suffix array")?;
            let bar = cli::progress_bar(sa.body().len() as u64, "self-similar", !progress);
            let c = selfsim::self_similar(part.tokens(), sa.body(), length, &|n| bar.inc(n));
            bar.finish_and_clear();
            Ok::<_, String>(c)
        })
        .map_err(err)
    }
    let c = with_width(
        token_bytes,
        || go::<u16>(py, &train, &size, &sa_path, length, progress),
        || go::<u32>(py, &train, &size, &sa_path, length, progress),
    )?;
    Ok((PyArray1::from_vec(py, c.positions), PyArray1::from_vec(py, c.counts)))
}

/// Near-duplicate scan of a part for `targets` (2-D array or list, one target
/// per row, all of one length). Returns a dict of equally long arrays:
/// `target`, `metric` (0 Hamming, 1 Levenshtein), `doc_id`, `offset` (in the
/// document), `position` (in the part) and `distance`, ordered by target,
/// metric, distance and position.
#[pyfunction]
#[pyo3(signature = (train, targets, max_distance=50, size=None, token_bytes=2, progress=false))]
fn scan<'py>(
    py: Python<'py>,
    train: PathBuf,
    targets: &Bound<'py, PyAny>,
    max_distance: usize,
    size: Option<PathBuf>,
    token_bytes: u8,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let size = size_path(&train, size);
    fn go<T: Token>(py: Python<'_>, t: &Path, s: &Path, ts: Vec<Vec<T>>, d: usize, progress: bool) -> PyResult<Vec<scanning::Hit>> {
        py.detach(|| {
            let (part, _) = open::<T>(t, s, None)?;
            let total: usize = part.docs().iter().map(|d| d.end - d.start).sum();
            let bar = cli::progress_bar(total as u64, "scan", !progress);
            let hits = scanning::scan(part.tokens(), part.docs(), ts, d, &|n| bar.inc(n)).map_err(|e| e.to_string())?;
            bar.finish_and_clear();
            Ok::<_, String>(hits)
        })
        .map_err(err)
    }
    let hits = with_width(
        token_bytes,
        || go::<u16>(py, &train, &size, queries_arg(targets)?, max_distance, progress),
        || go::<u32>(py, &train, &size, queries_arg(targets)?, max_distance, progress),
    )?;
    let out = PyDict::new(py);
    out.set_item("target", PyArray1::from_iter(py, hits.iter().map(|h| h.target)))?;
    out.set_item("metric", PyArray1::from_iter(py, hits.iter().map(|h| h.metric as u8)))?;
    out.set_item("doc_id", PyArray1::from_iter(py, hits.iter().map(|h| h.doc_id)))?;
    out.set_item("offset", PyArray1::from_iter(py, hits.iter().map(|h| h.offset)))?;
    out.set_item("position", PyArray1::from_iter(py, hits.iter().map(|h| h.position)))?;
    out.set_item("distance", PyArray1::from_iter(py, hits.iter().map(|h| h.distance)))?;
    Ok(out)
}

/// Entry point of the `rust-sa` script: runs the CLI on `sys.argv` (or on
/// `argv` when given) and returns its exit status.
#[pyfunction]
#[pyo3(signature = (argv=None))]
fn main(py: Python<'_>, argv: Option<Vec<String>>) -> PyResult<i32> {
    let args: Vec<String> = match argv {
        Some(a) => a,
        None => py.import("sys")?.getattr("argv")?.extract()?,
    };
    Ok(py.detach(|| cli::run(args)))
}

#[pymodule]
fn _rust_sa(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_documents, m)?)?;
    m.add_function(wrap_pyfunction!(read_queries, m)?)?;
    m.add_function(wrap_pyfunction!(make, m)?)?;
    m.add_function(wrap_pyfunction!(count, m)?)?;
    m.add_function(wrap_pyfunction!(count_multi, m)?)?;
    m.add_function(wrap_pyfunction!(self_similar, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add("SEPARATOR", io::SEPARATOR)?;
    m.add("SEPARATOR_U32", <u32 as Token>::SEPARATOR)?;
    Ok(())
}
