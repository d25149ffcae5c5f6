//! Python exceptions for the library's errors.
//!
//! Invariant: every error reaches Python as a `ValueError` carrying the
//! library's message, as it always has, so callers that catch `ValueError`
//! keep working; a file that does not exist is also a `FileNotFoundError`
//! ([`MissingFileError`]), and any other failed read or write an `OSError`
//! (`FileAccessError`), with the OS error's `errno`. (Like
//! `io.UnsupportedOperation`, which is both an `OSError` and a `ValueError`.)

use std::io::ErrorKind;

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::FormatError;
use crate::fileio::FileError;
use crate::index::IndexError;
use crate::manifest::ManifestError;
use crate::npy::NpyError;
use crate::sa::SaError;
use crate::scan::ScanError;
use crate::search::{OptionError, SearchError};

static MISSING_FILE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static FILE_ACCESS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Creates the two exception classes and adds them to the module.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let module = m.name()?;
    // `type(name, (base, ValueError), namespace)`: pyo3's own exception
    // classes have a single base.
    let class = |name: &str, base: Bound<'_, PyType>, doc: &str| -> PyResult<Py<PyType>> {
        let namespace = PyDict::new(py);
        namespace.set_item("__module__", &module)?;
        namespace.set_item("__doc__", doc)?;
        let bases = PyTuple::new(py, [base, py.get_type::<PyValueError>()])?;
        let made = py.get_type::<PyType>().call1((name, bases, namespace))?;
        Ok(made.cast_into::<PyType>()?.unbind())
    };
    let missing = MISSING_FILE.get_or_try_init(py, || {
        class(
            "MissingFileError",
            py.get_type::<PyFileNotFoundError>(),
            "A file that rust_sa was asked to read does not exist (also a ValueError).",
        )
    })?;
    m.add("MissingFileError", missing.bind(py))?;
    let access = FILE_ACCESS.get_or_try_init(py, || {
        class(
            "FileAccessError",
            py.get_type::<PyOSError>(),
            "A file that rust_sa reads or writes failed otherwise (also a ValueError).",
        )
    })?;
    m.add("FileAccessError", access.bind(py))?;
    Ok(())
}

/// The exception of a failed read or write: the library's message as its
/// only argument (so `str()` is that message), the OS error's number as
/// `errno`.
fn file_error(e: &FileError) -> PyErr {
    file_error_saying(e, e.to_string())
}

/// [`file_error`] with another message (one that adds context).
fn file_error_saying(e: &FileError, message: String) -> PyErr {
    let (_, reason) = e.parts();
    Python::attach(|py| {
        let class = match reason.kind() {
            ErrorKind::NotFound => MISSING_FILE.get(py),
            _ => FILE_ACCESS.get(py),
        };
        let Some(class) = class else {
            // Only before the module is initialised, which cannot raise these.
            return PyValueError::new_err(message);
        };
        let raised = class.bind(py).call1((message,)).and_then(|exception| {
            exception.setattr("errno", reason.raw_os_error())?;
            Ok(PyErr::from_value(exception))
        });
        raised.unwrap_or_else(|failed| failed)
    })
}

impl From<FileError> for PyErr {
    fn from(e: FileError) -> PyErr {
        file_error(&e)
    }
}

impl From<NpyError> for PyErr {
    fn from(e: NpyError) -> PyErr {
        match e {
            NpyError::File(f) => f.into(),
            e => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<FormatError> for PyErr {
    fn from(e: FormatError) -> PyErr {
        match e.file_error() {
            Some(f) => file_error(f),
            None => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<SaError> for PyErr {
    fn from(e: SaError) -> PyErr {
        match e {
            SaError::Format(f) => f.into(),
            SaError::Npy(n) => n.into(),
            e => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<ScanError> for PyErr {
    fn from(e: ScanError) -> PyErr {
        match e {
            ScanError::Format(f) => f.into(),
            e => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<SearchError> for PyErr {
    fn from(e: SearchError) -> PyErr {
        match e {
            SearchError::Scan(s) => s.into(),
            SearchError::Format(f) => f.into(),
            e => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<ManifestError> for PyErr {
    fn from(e: ManifestError) -> PyErr {
        match e {
            ManifestError::File(f) => f.into(),
            e => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<IndexError> for PyErr {
    fn from(e: IndexError) -> PyErr {
        let file = match &e {
            IndexError::Manifest(ManifestError::File(f)) => Some(f),
            IndexError::Part {
                error: SaError::Format(f),
                ..
            } => f.file_error(),
            IndexError::Part {
                error: SaError::Npy(NpyError::File(f)),
                ..
            } => Some(f),
            _ => None,
        };
        match file {
            // A missing part is a `FileNotFoundError` that names the index.
            Some(f) => file_error_saying(f, e.to_string()),
            None => PyValueError::new_err(e.to_string()),
        }
    }
}

impl From<OptionError> for PyErr {
    fn from(e: OptionError) -> PyErr {
        PyValueError::new_err(e.to_string())
    }
}

/// A bad argument, in the library's words.
pub(super) fn bad_argument(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
