//! `_rust_sa.PartWriter`: the Python face of [`crate::writer::PartWriter`],
//! which `mosaic_exp.neardup.parts.PartWriter` wraps with its own messages.
//!
//! Invariant: after `close()` or `abort()` the token file is closed and the
//! counts stay readable; `NAME.train.size` is written by `close()` only, so
//! an aborted part is never mistaken for a complete one.

use std::path::PathBuf;

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use super::errors::bad_argument;
use crate::token::{tokens_from_ids, Token, Width};
use crate::writer::PartWriter;

enum AnyWriter {
    U16(PartWriter<u16>),
    U32(PartWriter<u32>),
}

/// Appends documents to `NAME.train` and writes `NAME.train.size` on
/// `close()`. `add(doc_id, tokens)` returns the part position of the
/// document's first token; tokens are a 1-D array of the part's dtype or a
/// sequence of ints. Also a context manager that closes on success and
/// aborts on an exception.
#[pyclass(name = "PartWriter", module = "mosaic_exp._rust_sa")]
pub(super) struct PyPartWriter {
    writer: Option<AnyWriter>,
    /// Tokens and offsets once the writer is closed or aborted.
    done: (u64, Vec<u64>),
    token_bytes: usize,
}

/// Tokens of width `T` from a 1-D array of that dtype (no copy of the
/// array's data before the write) or from any sequence of ints.
fn add_to<'py, T>(
    writer: &mut PartWriter<T>,
    doc_id: u32,
    tokens: &Bound<'py, PyAny>,
) -> PyResult<u64>
where
    T: Token + numpy::Element,
{
    let index = writer.n_documents();
    if let Ok(array) = tokens.extract::<PyReadonlyArray1<'py, T>>() {
        if let Ok(slice) = array.as_slice() {
            return Ok(writer.add(doc_id, slice)?);
        }
    }
    let ids: Vec<u32> = tokens.extract().map_err(|_| {
        bad_argument("tokens must be a 1-D array or a sequence of non-negative token ids")
    })?;
    let body: Vec<T> = tokens_from_ids(ids, || format!("document #{index}"))?;
    Ok(writer.add(doc_id, &body)?)
}

impl PyPartWriter {
    fn open(&mut self) -> PyResult<&mut AnyWriter> {
        self.writer
            .as_mut()
            .ok_or_else(|| bad_argument("the part writer is closed"))
    }

    fn finish(&mut self) -> Option<AnyWriter> {
        let writer = self.writer.take()?;
        self.done = match &writer {
            AnyWriter::U16(w) => (w.n_tokens(), w.offsets().to_vec()),
            AnyWriter::U32(w) => (w.n_tokens(), w.offsets().to_vec()),
        };
        Some(writer)
    }
}

#[pymethods]
impl PyPartWriter {
    #[new]
    #[pyo3(signature = (train, token_bytes=2))]
    fn new(train: PathBuf, token_bytes: u8) -> PyResult<Self> {
        let width = Width::from_bytes(token_bytes, "token_bytes")?;
        let writer = match width {
            Width::U16 => AnyWriter::U16(PartWriter::create(&train)?),
            Width::U32 => AnyWriter::U32(PartWriter::create(&train)?),
        };
        Ok(PyPartWriter {
            writer: Some(writer),
            done: (0, vec![0]),
            token_bytes: width.bytes(),
        })
    }

    /// Appends a document; returns the part position of its first token.
    fn add(&mut self, doc_id: u32, tokens: &Bound<'_, PyAny>) -> PyResult<u64> {
        match self.open()? {
            AnyWriter::U16(w) => add_to(w, doc_id, tokens),
            AnyWriter::U32(w) => add_to(w, doc_id, tokens),
        }
    }

    /// Tokens written so far, headers included.
    #[getter]
    fn n_tokens(&self) -> u64 {
        match &self.writer {
            Some(AnyWriter::U16(w)) => w.n_tokens(),
            Some(AnyWriter::U32(w)) => w.n_tokens(),
            None => self.done.0,
        }
    }

    /// Documents written so far.
    #[getter]
    fn n_documents(&self) -> usize {
        self.offsets().len() - 1
    }

    /// `.size` offsets so far: 0, then the byte end of every document.
    #[getter]
    fn offsets(&self) -> Vec<u64> {
        match &self.writer {
            Some(AnyWriter::U16(w)) => w.offsets().to_vec(),
            Some(AnyWriter::U32(w)) => w.offsets().to_vec(),
            None => self.done.1.clone(),
        }
    }

    /// Bytes per token.
    #[getter]
    fn token_bytes(&self) -> usize {
        self.token_bytes
    }

    /// Flushes the tokens and writes `NAME.train.size` (refused for a part
    /// without documents).
    fn close(&mut self) -> PyResult<()> {
        match self.finish() {
            Some(AnyWriter::U16(w)) => Ok(w.close()?),
            Some(AnyWriter::U32(w)) => Ok(w.close()?),
            None => Err(bad_argument("the part writer is closed")),
        }
    }

    /// Closes the token file without writing `NAME.train.size`.
    fn abort(&mut self) {
        self.finish();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type, _exc=None, _tb=None))]
    fn __exit__(
        &mut self,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        match exc_type {
            Some(t) if !t.is_none() => self.abort(),
            _ => self.close()?,
        }
        Ok(false)
    }
}
