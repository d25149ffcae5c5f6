//! The module-level search functions: `search` on a part or an index
//! folder, and `write_index`, which writes an index manifest.
//!
//! Invariant: as the rest of the module, no check of an input lives here,
//! and the work runs with the GIL released.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::errors::bad_argument;
use super::hits::{hits_dict, stats_dict};
use super::index::{options, AnyIndex};
use super::search::{open_with_sa, part_paths, queries_arg};
use super::width;
use crate::manifest::{self, PartFiles};
use crate::search::{self as searching, SearchOptions};
use crate::token::{Token, Width};

/// Near-duplicate search of a part (with its suffix array) or of an index
/// folder: the scan's hits for the same queries (lengths may differ, each at
/// least 10 tokens), as a dict of arrays like `scan`'s (plus `part` for an
/// index) and `stats`, a dict of per-query arrays (`fallback`: parts in
/// which the query was scanned; `occurrences`; `candidates`).
#[pyfunction]
#[pyo3(signature = (part_or_index, queries, max_distance, metric="both", mode="auto", size=None, sa=None, token_bytes=None))]
#[allow(clippy::too_many_arguments)]
pub(super) fn search<'py>(
    py: Python<'py>,
    part_or_index: PathBuf,
    queries: &Bound<'py, PyAny>,
    max_distance: usize,
    metric: &str,
    mode: &str,
    size: Option<PathBuf>,
    sa: Option<PathBuf>,
    token_bytes: Option<u8>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = options(max_distance, metric, mode)?;
    if manifest::is_index(&part_or_index) {
        refuse_part_files(&size, &sa)?;
        let index = AnyIndex::open(py, &part_or_index, token_bytes)?;
        return index.search(py, queries, &options);
    }
    let (size, sa_path) = part_paths(&part_or_index, size, sa);
    fn go<T: Token>(
        py: Python<'_>,
        paths: [&Path; 3],
        queries: &Bound<'_, PyAny>,
        options: &SearchOptions,
    ) -> PyResult<searching::Searched> {
        let qs = queries_arg::<T>(queries)?;
        // Errors become Python exceptions inside, which reattaches briefly.
        py.detach(|| -> PyResult<searching::Searched> {
            let (part, sa) = open_with_sa::<T>(paths[0], paths[1], paths[2])?;
            Ok(searching::search(
                part.tokens(),
                part.docs(),
                sa.body(),
                &qs,
                options,
            )?)
        })
    }
    let paths = [part_or_index.as_path(), &size, &sa_path];
    let found = match width(token_bytes.unwrap_or(2))? {
        Width::U16 => go::<u16>(py, paths, queries, &options)?,
        Width::U32 => go::<u32>(py, paths, queries, &options)?,
    };
    let out = hits_dict(py, &found.hits)?;
    out.set_item("stats", stats_dict(py, &found.stats)?)?;
    Ok(out)
}

/// Refuses `size=` and `sa=` for an index, whose manifest names its files.
pub(super) fn refuse_part_files(size: &Option<PathBuf>, sa: &Option<PathBuf>) -> PyResult<()> {
    if size.is_some() || sa.is_some() {
        return Err(bad_argument(
            "size= and sa= name a single part's files; an index folder lists its parts' files in index.json",
        ));
    }
    Ok(())
}

/// Writes `folder/index.json` for `parts` (each a part's token file, with
/// its `.size` and `.sa.npy` under their default names, or a dict with
/// `train` and optionally `size` and `sa`); returns the manifest's path.
#[pyfunction]
#[pyo3(signature = (folder, parts, token_bytes=2, tokenizer=None))]
pub(super) fn write_index(
    folder: PathBuf,
    parts: Vec<Bound<'_, PyAny>>,
    token_bytes: u8,
    tokenizer: Option<String>,
) -> PyResult<PathBuf> {
    let mut files = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        if let Ok(train) = p.extract::<PathBuf>() {
            files.push(PartFiles::of(&train));
            continue;
        }
        let d = p.cast::<PyDict>().map_err(|_| {
            bad_argument(format!(
                "parts[{i}] must be a path or a dict with 'train' (and 'size', 'sa')"
            ))
        })?;
        let get = |key: &str| -> PyResult<Option<PathBuf>> {
            d.get_item(key)?.map(|v| v.extract::<PathBuf>()).transpose()
        };
        let train =
            get("train")?.ok_or_else(|| bad_argument(format!("parts[{i}] has no 'train'")))?;
        let mut f = PartFiles::of(&train);
        if let Some(size) = get("size")? {
            f.size = size;
        }
        if let Some(sa) = get("sa")? {
            f.sa = sa;
        }
        files.push(f);
    }
    Ok(manifest::write(
        &folder,
        &files,
        width(token_bytes)?,
        tokenizer.as_deref(),
    )?)
}
