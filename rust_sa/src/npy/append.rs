//! One-dimensional `.npy` arrays written piece by piece, for results whose
//! length is known only at the end and which need not be held in memory.
//!
//! Invariant: like [`super::write()`], an [`Appender`] never leaves a partly
//! written array at its path: the data goes to a temporary file, whose header
//! gets the final length and which is renamed in [`Appender::finish`];
//! dropped unfinished, it removes the temporary file.

use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use super::header::encode_padded;
use super::{temporary_path, Element, NpyError};
use crate::fileio::FileError;

/// Appends elements of `E` to a one-dimensional array at `path`.
pub struct Appender<E: Element> {
    path: PathBuf,
    tmp: PathBuf,
    /// `None` once finished.
    file: Option<BufWriter<File>>,
    header_len: usize,
    len: usize,
    element: PhantomData<E>,
}

impl<E: Element> Appender<E> {
    /// Starts the array; nothing appears at `path` before [`finish`](Self::finish).
    pub fn create(path: &Path) -> Result<Self, NpyError> {
        let tmp = temporary_path(path);
        // Room for the longest shape, so that the final header fits in place.
        let header = encode_padded(E::DESCR, &[usize::MAX], None, 0);
        let file = File::create(&tmp)
            .and_then(|f| {
                let mut f = BufWriter::with_capacity(1 << 20, f);
                f.write_all(&header)?;
                Ok(f)
            })
            .map_err(FileError::write(path))?;
        Ok(Appender {
            path: path.to_path_buf(),
            tmp,
            file: Some(file),
            header_len: header.len(),
            len: 0,
            element: PhantomData,
        })
    }

    /// Appends `data` at the end of the array.
    pub fn extend(&mut self, data: &[E]) -> Result<(), NpyError> {
        if let Some(f) = self.file.as_mut() {
            f.write_all(bytemuck::cast_slice(data))
                .map_err(FileError::write(&self.path))?;
            self.len += data.len();
        }
        Ok(())
    }

    /// Writes the header with the final length and moves the array to its
    /// path; returns the number of elements.
    pub fn finish(mut self) -> Result<usize, NpyError> {
        let Some(file) = self.file.take() else {
            return Ok(self.len);
        };
        let header = encode_padded(E::DESCR, &[self.len], None, self.header_len);
        debug_assert_eq!(header.len(), self.header_len);
        let done = file
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|mut f| {
                f.seek(SeekFrom::Start(0))?;
                f.write_all(&header)
            })
            .and_then(|()| fs::rename(&self.tmp, &self.path));
        if done.is_err() {
            let _ = fs::remove_file(&self.tmp);
        }
        done.map_err(FileError::write(&self.path))?;
        Ok(self.len)
    }
}

impl<E: Element> Drop for Appender<E> {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}
