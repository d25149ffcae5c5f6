//! Hits as Python sees them: a dict of equally long NumPy arrays, the same
//! columns for `scan`, `search` and `Index.search`; and the per-query
//! statistics of a search.
//!
//! Invariant: column `i` of every array describes the same hit, in the
//! library's order; the `part` column is present exactly for index searches.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::hits::Hit;
use crate::index::IndexHit;
use crate::search::QueryStats;

/// The scan's columns: `target`, `metric` (0 Hamming, 1 Levenshtein),
/// `doc_id`, `offset`, `position`, `distance`.
pub(super) fn hits_dict<'py>(py: Python<'py>, hits: &[Hit]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item(
        "target",
        PyArray1::from_iter(py, hits.iter().map(|h| h.target)),
    )?;
    out.set_item(
        "metric",
        PyArray1::from_iter(py, hits.iter().map(|h| h.metric as u8)),
    )?;
    out.set_item(
        "doc_id",
        PyArray1::from_iter(py, hits.iter().map(|h| h.doc_id)),
    )?;
    out.set_item(
        "offset",
        PyArray1::from_iter(py, hits.iter().map(|h| h.offset)),
    )?;
    out.set_item(
        "position",
        PyArray1::from_iter(py, hits.iter().map(|h| h.position)),
    )?;
    out.set_item(
        "distance",
        PyArray1::from_iter(py, hits.iter().map(|h| h.distance)),
    )?;
    Ok(out)
}

/// The scan's columns plus `part`, the part's place in the manifest.
pub(super) fn index_hits_dict<'py>(
    py: Python<'py>,
    hits: &[IndexHit],
) -> PyResult<Bound<'py, PyDict>> {
    let plain: Vec<Hit> = hits.iter().map(|h| h.hit).collect();
    let out = hits_dict(py, &plain)?;
    out.set_item("part", PyArray1::from_iter(py, hits.iter().map(|h| h.part)))?;
    Ok(out)
}

/// Per query: `fallback` (parts in which it was scanned rather than seeded),
/// `occurrences` (of its pieces) and `candidates` (windows verified).
pub(super) fn stats_dict<'py>(
    py: Python<'py>,
    stats: &[QueryStats],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item(
        "fallback",
        PyArray1::from_iter(py, stats.iter().map(|s| s.scanned)),
    )?;
    out.set_item(
        "occurrences",
        PyArray1::from_iter(py, stats.iter().map(|s| s.occurrences)),
    )?;
    out.set_item(
        "candidates",
        PyArray1::from_iter(py, stats.iter().map(|s| s.candidates)),
    )?;
    Ok(out)
}
