//! Indexes of parts in Python: `Index(folder)`, which keeps every part and
//! suffix array open between calls (the module-level functions open one
//! per call through [`AnyIndex`] too).
//!
//! Invariant: as the rest of the module, no check of an input lives here;
//! the work runs with the GIL released, and an open `Index` is immutable, so
//! calls from several Python threads may share it.

use std::path::{Path, PathBuf};

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::bad_argument;
use super::hits::{index_hits_dict, stats_dict};
use super::search::queries_arg;
use crate::cli;
use crate::index::{Index, IndexError, IndexSearched};
use crate::manifest::{self, Manifest};
use crate::search::{MetricSet, Mode, SearchOptions};
use crate::token::{tokens_from_ids, Token, Width};

/// An open index of either width.
pub(super) enum AnyIndex {
    U16(Index<u16>),
    U32(Index<u32>),
}

impl AnyIndex {
    /// Reads the manifest of `folder` and opens its parts (GIL released).
    pub(super) fn open(py: Python<'_>, folder: &Path, token_bytes: Option<u8>) -> PyResult<Self> {
        let opened = py.detach(|| -> Result<AnyIndex, IndexError> {
            let m = manifest::read(folder)?;
            Ok(match m.width {
                Width::U16 => AnyIndex::U16(Index::from_manifest(m)?),
                Width::U32 => AnyIndex::U32(Index::from_manifest(m)?),
            })
        })?;
        if let Some(b) = token_bytes {
            let found = opened.manifest().width.bytes();
            if usize::from(b) != found {
                return Err(bad_argument(format!(
                    "token_bytes={b} does not match the index {}, whose tokens have {found} bytes",
                    opened.manifest().path.display()
                )));
            }
        }
        Ok(opened)
    }

    fn manifest(&self) -> &Manifest {
        match self {
            AnyIndex::U16(i) => i.manifest(),
            AnyIndex::U32(i) => i.manifest(),
        }
    }

    pub(super) fn count(&self, py: Python<'_>, query: Vec<u32>) -> PyResult<u64> {
        fn go<T: Token>(py: Python<'_>, index: &Index<T>, query: Vec<u32>) -> PyResult<u64> {
            let q: Vec<T> = tokens_from_ids(query, || "query #0".into())?;
            Ok(py.detach(|| index.count(&q))?)
        }
        match self {
            AnyIndex::U16(i) => go(py, i, query),
            AnyIndex::U32(i) => go(py, i, query),
        }
    }

    pub(super) fn count_multi(
        &self,
        py: Python<'_>,
        queries: &Bound<'_, PyAny>,
        progress: bool,
    ) -> PyResult<Vec<u64>> {
        fn go<T: Token>(
            py: Python<'_>,
            index: &Index<T>,
            queries: &Bound<'_, PyAny>,
            progress: bool,
        ) -> PyResult<Vec<u64>> {
            let qs = queries_arg::<T>(queries)?;
            let total = (qs.len() * index.parts().len()) as u64;
            Ok(py.detach(|| {
                let bar = cli::progress_bar(total, "count", !progress);
                let c = index.count_many(&qs, &|n| bar.inc(n));
                bar.finish_and_clear();
                c
            })?)
        }
        match self {
            AnyIndex::U16(i) => go(py, i, queries, progress),
            AnyIndex::U32(i) => go(py, i, queries, progress),
        }
    }

    pub(super) fn search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        options: &SearchOptions,
    ) -> PyResult<Bound<'py, PyDict>> {
        fn go<T: Token>(
            py: Python<'_>,
            index: &Index<T>,
            queries: &Bound<'_, PyAny>,
            options: &SearchOptions,
        ) -> PyResult<IndexSearched> {
            let qs = queries_arg::<T>(queries)?;
            Ok(py.detach(|| index.search(&qs, options))?)
        }
        let found = match self {
            AnyIndex::U16(i) => go(py, i, queries, options)?,
            AnyIndex::U32(i) => go(py, i, queries, options)?,
        };
        let out = index_hits_dict(py, &found.hits)?;
        out.set_item("stats", stats_dict(py, &found.stats)?)?;
        Ok(out)
    }
}

/// The options of a search, from the words Python passes.
pub(super) fn options(max_distance: usize, metric: &str, mode: &str) -> PyResult<SearchOptions> {
    Ok(SearchOptions {
        max_distance,
        metrics: metric.parse::<MetricSet>()?,
        mode: mode.parse::<Mode>()?,
    })
}

/// An index of parts (a folder holding `index.json`), opened once: every
/// part and suffix array stays mapped, so repeated searches and counts pay
/// no opening cost.
#[pyclass(name = "Index", module = "mosaic_exp._rust_sa", frozen)]
pub(super) struct PyIndex {
    inner: AnyIndex,
}

#[pymethods]
impl PyIndex {
    #[new]
    fn new(py: Python<'_>, folder: PathBuf) -> PyResult<Self> {
        Ok(PyIndex {
            inner: AnyIndex::open(py, &folder, None)?,
        })
    }

    /// Near-duplicate windows of each query in every part; a dict of arrays
    /// (the scan's columns plus `part`, ordered by part, then as the scan's)
    /// and `stats`, a dict of per-query arrays.
    #[pyo3(signature = (queries, max_distance, metric="both", mode="auto"))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        max_distance: usize,
        metric: &str,
        mode: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        self.inner
            .search(py, queries, &options(max_distance, metric, mode)?)
    }

    /// Occurrences of `query` in all parts.
    fn count(&self, py: Python<'_>, query: Vec<u32>) -> PyResult<u64> {
        self.inner.count(py, query)
    }

    /// Occurrences (uint64 array) of each query, summed over the parts.
    #[pyo3(signature = (queries, progress=false))]
    fn count_multi<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        progress: bool,
    ) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let counts = self.inner.count_multi(py, queries, progress)?;
        Ok(PyArray1::from_vec(py, counts))
    }

    #[getter]
    fn n_parts(&self) -> usize {
        self.inner.manifest().parts.len()
    }

    /// Tokens of all parts, headers included.
    #[getter]
    fn n_tokens(&self) -> u64 {
        match &self.inner {
            AnyIndex::U16(i) => i.n_tokens(),
            AnyIndex::U32(i) => i.n_tokens(),
        }
    }

    #[getter]
    fn n_documents(&self) -> u64 {
        match &self.inner {
            AnyIndex::U16(i) => i.n_documents(),
            AnyIndex::U32(i) => i.n_documents(),
        }
    }

    #[getter]
    fn token_bytes(&self) -> usize {
        self.inner.manifest().width.bytes()
    }

    /// The manifest's `tokenizer`, as written, or None.
    #[getter]
    fn tokenizer(&self) -> Option<String> {
        self.inner.manifest().tokenizer.clone()
    }

    /// The parts' token files, resolved, in manifest order.
    #[getter]
    fn parts(&self) -> Vec<PathBuf> {
        let m = self.inner.manifest();
        m.parts.iter().map(|p| p.train.clone()).collect()
    }

    fn __repr__(&self) -> String {
        let m = self.inner.manifest();
        format!(
            "Index({:?}, n_parts={}, n_tokens={}, token_bytes={})",
            m.path.parent().unwrap_or(&m.path).display().to_string(),
            m.parts.len(),
            self.n_tokens(),
            m.width.bytes()
        )
    }
}
