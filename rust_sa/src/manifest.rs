//! The manifest of an index of parts: a folder holding `index.json`,
//!
//! ```json
//! {"format": "rust_sa.index", "version": 1, "token_bytes": 2,
//!  "parts": [{"train": "part-00000.train", "size": "part-00000.train.size",
//!             "sa": "part-00000.train.sa.npy"}],
//!  "tokenizer": null}
//! ```
//!
//! with paths relative to the folder (absolute ones allowed); `size` and
//! `sa` default to the part's usual names, `tokenizer` is optional and kept
//! as written (the Python side uses it).
//!
//! Invariant: a [`Manifest`] read from disk has the right format and
//! version, a valid width and at least one part, every path resolved
//! against the folder; every refusal names the manifest and the field.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fileio::{read_file, FileError};
use crate::layout::default_size_path;
use crate::sa::default_path as default_sa_path;
use crate::token::Width;

/// The manifest's file name inside an index folder.
pub const FILE_NAME: &str = "index.json";
/// The value of the manifest's `format` field.
pub const FORMAT: &str = "rust_sa.index";
/// The manifest version this build reads and writes.
pub const VERSION: u32 = 1;

/// A manifest that cannot be read, or one that is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0} is a file, not an index folder (a folder holding {FILE_NAME}); a single part is read by the functions that take a part")]
    NotAFolder(PathBuf),
    #[error("index manifest {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The files of one part, as resolved paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartFiles {
    pub train: PathBuf,
    pub size: PathBuf,
    pub sa: PathBuf,
}

impl PartFiles {
    /// A part's files under their default names: `NAME.train.size`,
    /// `NAME.train.sa.npy`.
    pub fn of(train: &Path) -> Self {
        PartFiles {
            train: train.to_path_buf(),
            size: default_size_path(train),
            sa: default_sa_path(train),
        }
    }
}

/// A valid index manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The manifest file itself.
    pub path: PathBuf,
    pub width: Width,
    pub parts: Vec<PartFiles>,
    /// The tokenizer, as written (unused by the library).
    pub tokenizer: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    train: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sa: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    format: String,
    version: u32,
    token_bytes: u8,
    parts: Vec<RawPart>,
    #[serde(default)]
    tokenizer: Option<String>,
}

/// Whether `path` names an index (a folder) rather than a part (a file).
pub fn is_index(path: &Path) -> bool {
    path.is_dir()
}

/// Reads and validates the manifest of the index folder `folder`.
pub fn read(folder: &Path) -> Result<Manifest, ManifestError> {
    if folder.is_file() {
        return Err(ManifestError::NotAFolder(folder.to_path_buf()));
    }
    let path = folder.join(FILE_NAME);
    let bytes = read_file(&path)?;
    let invalid = |message: String| ManifestError::Invalid {
        path: path.clone(),
        message,
    };
    let raw: Raw = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    if raw.format != FORMAT {
        return Err(invalid(format!(
            "field `format` is {:?}, not {FORMAT:?}",
            raw.format
        )));
    }
    if raw.version != VERSION {
        return Err(invalid(format!(
            "field `version` is {}; this build reads version {VERSION}",
            raw.version
        )));
    }
    let width = Width::from_bytes(raw.token_bytes, "field `token_bytes`")
        .map_err(|e| invalid(e.to_string()))?;
    if raw.parts.is_empty() {
        return Err(invalid(
            "field `parts` is empty; an index holds at least one part".into(),
        ));
    }
    let mut parts = Vec::with_capacity(raw.parts.len());
    for (i, p) in raw.parts.into_iter().enumerate() {
        if p.train.is_empty() {
            return Err(invalid(format!("field `parts[{i}].train` is empty")));
        }
        // `join` keeps an absolute path as it is.
        let train = folder.join(&p.train);
        let mut files = PartFiles::of(&train);
        if let Some(size) = p.size {
            files.size = folder.join(size);
        }
        if let Some(sa) = p.sa {
            files.sa = folder.join(sa);
        }
        parts.push(files);
    }
    Ok(Manifest {
        path,
        width,
        parts,
        tokenizer: raw.tokenizer,
    })
}

/// A path as the manifest stores it: relative to `folder` when inside it,
/// else absolute (a relative path outside it would resolve elsewhere).
fn stored(folder: &Path, path: &Path, manifest: &Path) -> Result<String, ManifestError> {
    let kept = match path.strip_prefix(folder) {
        Ok(inside) => inside.to_path_buf(),
        Err(_) => std::path::absolute(path).map_err(FileError::read(path))?,
    };
    kept.to_str()
        .map(str::to_owned)
        .ok_or_else(|| ManifestError::Invalid {
            path: manifest.to_path_buf(),
            message: format!("path {} is not valid UTF-8", path.display()),
        })
}

/// Writes the manifest of an index of `parts` into `folder` (created if
/// missing), atomically; returns the manifest's path. The parts need not
/// exist yet.
pub fn write(
    folder: &Path,
    parts: &[PartFiles],
    width: Width,
    tokenizer: Option<&str>,
) -> Result<PathBuf, ManifestError> {
    let path = folder.join(FILE_NAME);
    if parts.is_empty() {
        return Err(ManifestError::Invalid {
            path,
            message: "no parts given; an index holds at least one part".into(),
        });
    }
    fs::create_dir_all(folder).map_err(FileError::write(folder))?;
    let mut raw_parts = Vec::with_capacity(parts.len());
    for p in parts {
        raw_parts.push(RawPart {
            train: stored(folder, &p.train, &path)?,
            size: Some(stored(folder, &p.size, &path)?),
            sa: Some(stored(folder, &p.sa, &path)?),
        });
    }
    let raw = Raw {
        format: FORMAT.into(),
        version: VERSION,
        token_bytes: width.bytes() as u8,
        parts: raw_parts,
        tokenizer: tokenizer.map(str::to_owned),
    };
    let mut text = serde_json::to_string_pretty(&raw).map_err(|e| ManifestError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    text.push('\n');
    let tmp = folder.join(format!(".{FILE_NAME}.tmp{}", std::process::id()));
    let written = fs::write(&tmp, text).and_then(|()| fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map_err(FileError::write(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests;
