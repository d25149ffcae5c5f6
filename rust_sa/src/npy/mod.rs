//! Minimal NumPy `.npy` (format 1.0) reading and writing for C-ordered
//! little-endian integer arrays.
//!
//! Written here rather than taken from a crate because the suffix array must
//! be memory-mapped: we need the data offset of the file, which the `.npy`
//! crates do not expose, and only a handful of integer dtypes.
//!
//! A header may carry a *note*: a Python comment after the dictionary
//! (`{...} # note`), which NumPy's parser (`ast.literal_eval`) skips. The
//! suffix array keeps its fingerprints there (see the `fingerprint` module).
//! A note is one line of printable ASCII without quotes or braces.
//!
//! Invariant: [`NpyMap::open`] accepts a file only if its data has exactly
//! the bytes its header's shape and dtype promise, so a header alone never
//! makes a reader allocate; [`write()`] never leaves a partly written array
//! at its path.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::fileio::{map_file, release_pages, write_all_at, FileError};

mod append;
mod header;

pub use append::Appender;
use header::{encode, Header};

/// The first bytes of every `.npy` file.
pub const MAGIC: &[u8] = b"\x93NUMPY";

/// What is wrong with an `.npy` file, naming it.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// Integer element types that `.npy` files of this crate hold.
pub trait Element: bytemuck::Pod {
    /// NumPy's `descr` of the type.
    const DESCR: &'static str;
}

impl Element for u16 {
    const DESCR: &'static str = "<u2";
}
impl Element for u32 {
    const DESCR: &'static str = "<u4";
}
impl Element for u64 {
    const DESCR: &'static str = "<u8";
}
impl Element for i64 {
    const DESCR: &'static str = "<i8";
}

/// Writes `data` as an array of `shape` (whose product must be `data.len()`).
///
/// The file is written under a temporary name and renamed, so that `path`
/// never holds a partly written array.
pub fn write<E: Element>(path: &Path, shape: &[usize], data: &[E]) -> Result<(), NpyError> {
    write_with_note(path, shape, data, None)
}

/// [`write()`], with `note` in the header (dropped if it is not a valid note:
/// printable ASCII without quotes, braces or `#`).
pub fn write_with_note<E: Element>(
    path: &Path,
    shape: &[usize],
    data: &[E],
    note: Option<&str>,
) -> Result<(), NpyError> {
    debug_assert_eq!(shape.iter().product::<usize>(), data.len());
    let tmp = temporary_path(path);
    // The data goes from the caller's buffer straight to the file, without
    // passing through a user-space copy.
    let written = File::create(&tmp)
        .and_then(|mut f| {
            let head = encode(E::DESCR, shape, note);
            f.write_all(&head)?;
            write_all_at(&f, bytemuck::cast_slice(data), head.len() as u64)
        })
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    Ok(written.map_err(FileError::write(path))?)
}

/// Where an array is written before it is renamed to `path`.
fn temporary_path(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    PathBuf::from(tmp)
}

/// A memory-mapped `.npy` array.
pub struct NpyMap {
    map: Option<Mmap>,
    offset: usize,
    /// NumPy's `descr`, e.g. `<u4`.
    pub descr: String,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// The header's note, if any (see the module documentation).
    pub note: Option<String>,
    path: PathBuf,
}

fn bad(path: &Path, message: impl Into<String>) -> NpyError {
    NpyError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

impl NpyMap {
    /// Maps an `.npy` file and parses its header.
    pub fn open(path: &Path) -> Result<Self, NpyError> {
        let map = map_file(path)?.ok_or_else(|| bad(path, "empty file, not an .npy array"))?;
        let Header {
            offset,
            descr,
            shape,
            note,
        } = Header::parse(&map).map_err(|m| bad(path, m))?;
        Ok(NpyMap {
            map: Some(map),
            offset,
            descr,
            shape,
            note,
            path: path.to_path_buf(),
        })
    }

    /// The data as elements of `E`, which must match the file's dtype.
    pub fn data<E: Element>(&self) -> Result<&[E], NpyError> {
        if self.descr != E::DESCR {
            return Err(bad(
                &self.path,
                format!("dtype is {}, expected {}", self.descr, E::DESCR),
            ));
        }
        let bytes = self.map.as_ref().map(|m| &m[self.offset..]).unwrap_or(&[]);
        bytemuck::try_cast_slice(bytes)
            .map_err(|e| bad(&self.path, format!("misaligned data: {e}")))
    }

    /// Drops the pages that hold the data's bytes `[start, end)` (those
    /// wholly inside it) from the process's resident memory. The mapping
    /// stays valid: a later read faults them in again from the page cache.
    /// Long sequential passes over an array use this to keep the resident
    /// size of the process down to what they still read.
    pub fn release(&self, start: usize, end: usize) {
        if let Some(map) = &self.map {
            release_pages(map, self.offset + start, self.offset + end);
        }
    }

    /// Copies the data into `u32`s, accepting any unsigned integer dtype
    /// (tokens given as uint16 or uint32 arrays, for instance).
    pub fn to_u32(&self) -> Result<Vec<u32>, NpyError> {
        let bytes = self.map.as_ref().map(|m| &m[self.offset..]).unwrap_or(&[]);
        match self.descr.as_str() {
            "<u1" => Ok(bytes.iter().map(|&b| u32::from(b)).collect()),
            "<u2" => Ok(bytemuck::pod_collect_to_vec::<u8, u16>(bytes)
                .into_iter()
                .map(u32::from)
                .collect()),
            "<u4" => Ok(bytemuck::pod_collect_to_vec(bytes)),
            "<i8" | "<u8" | "<i4" | "<i2" => {
                let wide: Vec<i64> = match self.descr.as_str() {
                    "<i8" => bytemuck::pod_collect_to_vec(bytes),
                    "<u8" => bytemuck::pod_collect_to_vec::<u8, u64>(bytes)
                        .into_iter()
                        .map(|v| v.min(i64::MAX as u64) as i64)
                        .collect(),
                    "<i4" => bytemuck::pod_collect_to_vec::<u8, i32>(bytes)
                        .into_iter()
                        .map(i64::from)
                        .collect(),
                    _ => bytemuck::pod_collect_to_vec::<u8, i16>(bytes)
                        .into_iter()
                        .map(i64::from)
                        .collect(),
                };
                wide.into_iter()
                    .map(|v| {
                        u32::try_from(v)
                            .map_err(|_| bad(&self.path, format!("value {v} is not a token id")))
                    })
                    .collect()
            }
            other => Err(bad(
                &self.path,
                format!("dtype {other} cannot hold token ids"),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
