//! The Python face of the library: thin wrappers that turn errors into
//! `ValueError`s and release the GIL around long calls.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::io;

/// Validates a part and returns its documents as `(id, start, end)` token ranges.
#[pyfunction]
fn read_documents(py: Python<'_>, train: PathBuf, size: PathBuf) -> PyResult<Vec<(u32, usize, usize)>> {
    let docs = py
        .detach(|| io::read_part(&train, &size))
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .1;
    Ok(docs.into_iter().map(|d| (d.id, d.start, d.end)).collect())
}

#[pymodule]
fn _rust_sa(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_documents, m)?)?;
    m.add("SEPARATOR", io::SEPARATOR)?;
    Ok(())
}
