//! The Python face of the library (`mosaic_exp._rust_sa`): thin wrappers that
//! take paths and NumPy arrays, release the GIL around long calls, and raise
//! the library's errors as Python exceptions (see [`errors`]).
//!
//! Invariant: no check of an input lives here; every one is the library's,
//! so Python, the command line and the fuzz targets refuse the same inputs
//! with the same messages.

use std::path::{Path, PathBuf};

use numpy::PyArray1;
use pyo3::prelude::*;

use crate::cli;
use crate::error::FormatError;
use crate::layout::default_size_path;
use crate::part::Part;
use crate::queries;
use crate::sa::{self, SaToken};
use crate::token::{Token, Width};

mod errors;
mod hits;
mod index;
mod neardup;
mod search;
mod selfsim;
mod writer;

/// The token width of a `token_bytes` argument.
fn width(token_bytes: u8) -> PyResult<Width> {
    Ok(Width::from_bytes(token_bytes, "token_bytes")?)
}

/// Validates a part and returns its documents as `(id, start, end)` token ranges.
#[pyfunction]
#[pyo3(signature = (train, size=None, token_bytes=2))]
fn read_documents(
    py: Python<'_>,
    train: PathBuf,
    size: Option<PathBuf>,
    token_bytes: u8,
) -> PyResult<Vec<(u32, usize, usize)>> {
    let size = size.unwrap_or_else(|| default_size_path(&train));
    fn docs<T: Token>(train: &Path, size: &Path) -> Result<Vec<(u32, usize, usize)>, FormatError> {
        let part = Part::<T>::open(train, size)?;
        Ok(part.docs().iter().map(|d| (d.id, d.start, d.end)).collect())
    }
    Ok(match width(token_bytes)? {
        Width::U16 => py.detach(|| docs::<u16>(&train, &size))?,
        Width::U32 => py.detach(|| docs::<u32>(&train, &size))?,
    })
}

/// Reads a query file (`[u32 LE length][tokens]` records) or a `.npy` array
/// of queries; returns a list of uint32 arrays.
#[pyfunction]
#[pyo3(signature = (path, token_bytes=2))]
fn read_queries<'py>(
    py: Python<'py>,
    path: PathBuf,
    token_bytes: u8,
) -> PyResult<Vec<Bound<'py, PyArray1<u32>>>> {
    let qs: Vec<Vec<u32>> = match width(token_bytes)? {
        Width::U16 => queries::read_queries::<u16>(&path)?
            .into_iter()
            .map(|q| q.into_iter().map(u32::from).collect())
            .collect(),
        Width::U32 => queries::read_queries::<u32>(&path)?,
    };
    Ok(qs.into_iter().map(|q| PyArray1::from_vec(py, q)).collect())
}

/// Builds the suffix array of a part and writes it to `out` (default
/// `NAME.train.sa.npy`); returns the number of tokens sorted.
#[pyfunction]
#[pyo3(signature = (train, size=None, out=None, token_bytes=2, threads=1))]
fn make(
    py: Python<'_>,
    train: PathBuf,
    size: Option<PathBuf>,
    out: Option<PathBuf>,
    token_bytes: u8,
    threads: usize,
) -> PyResult<usize> {
    let size = size.unwrap_or_else(|| default_size_path(&train));
    let out = out.unwrap_or_else(|| sa::default_path(&train));
    fn go<T: SaToken>(py: Python<'_>, t: &Path, s: &Path, o: &Path, th: usize) -> PyResult<usize> {
        Ok(py.detach(|| sa::make::<T>(t, s, o, th))?)
    }
    match width(token_bytes)? {
        Width::U16 => go::<u16>(py, &train, &size, &out, threads),
        Width::U32 => go::<u32>(py, &train, &size, &out, threads),
    }
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
    m.add_function(wrap_pyfunction!(search::count, m)?)?;
    m.add_function(wrap_pyfunction!(search::count_multi, m)?)?;
    m.add_function(wrap_pyfunction!(selfsim::self_similar, m)?)?;
    m.add_function(wrap_pyfunction!(selfsim::write_self_similar, m)?)?;
    m.add_function(wrap_pyfunction!(search::scan, m)?)?;
    m.add_function(wrap_pyfunction!(neardup::search, m)?)?;
    m.add_function(wrap_pyfunction!(neardup::write_index, m)?)?;
    m.add_class::<index::PyIndex>()?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_class::<writer::PyPartWriter>()?;
    errors::register(m)?;
    m.add("SEPARATOR", <u16 as Token>::SEPARATOR)?;
    m.add("SEPARATOR_U32", <u32 as Token>::SEPARATOR)?;
    m.add("MAX_TOKEN", <u16 as Token>::MAX_TOKEN)?;
    m.add("MAX_TOKEN_U32", <u32 as Token>::MAX_TOKEN)?;
    Ok(())
}
