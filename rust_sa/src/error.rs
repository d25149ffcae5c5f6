//! What is wrong with an input: a part, a size file, queries or an argument
//! that selects how they are read.
//!
//! Invariant: every message says what to fix, and names the file where the
//! error is about one ([`FileError`], [`NpyError`]); content errors name
//! the document, query or byte offset instead.

use crate::fileio::FileError;
use crate::npy::NpyError;

/// What is wrong with an input file, in words that say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Npy(#[from] NpyError),
    #[error("{arg} must be 2 or 4, not {bytes}")]
    TokenBytes { arg: &'static str, bytes: u8 },
    #[error("{what} has {len} bytes, not a multiple of {unit}; the file is truncated or not in the interchange format (or has another token width)")]
    OddLength {
        what: String,
        len: usize,
        unit: usize,
    },
    #[error("{0} is a folder, not a part's token file (an index folder is read by count, count-multi and search)")]
    NotAPart(std::path::PathBuf),
    #[error("the part is empty: it has no documents or no tokens")]
    EmptyPart,
    #[error("size file must start with offset 0, found {0}")]
    BadFirstOffset(u64),
    #[error("size file offsets must increase, but offset #{index} ({offset}) is not above the previous one ({previous})")]
    NotMonotonic {
        index: usize,
        offset: u64,
        previous: u64,
    },
    #[error("size file ends at byte {last} but the token file has {len} bytes; regenerate the .size file")]
    WrongEnd { last: u64, len: usize },
    #[error("document #{index} at byte {offset} does not start with the separator {separator:#x} + document id (found {found:#x})")]
    MissingSeparator {
        index: usize,
        offset: u64,
        found: u32,
        separator: u32,
    },
    #[error("document #{index} at byte {offset} is {len} bytes long, shorter than its {header}-byte header")]
    ShortDocument {
        index: usize,
        offset: u64,
        len: u64,
        header: usize,
    },
    #[error("document #{index} contains the separator token {separator:#x} at token {position}; token ids must be at most {max}")]
    SeparatorInside {
        index: usize,
        position: usize,
        separator: u32,
        max: u32,
    },
    #[error("{what} has token id {token} at token {position}, above the vocabulary width (largest allowed id: {max})")]
    TokenTooLarge {
        what: String,
        position: usize,
        token: u32,
        max: u32,
    },
    #[error("query #{index} is empty")]
    EmptyQuery { index: usize },
    #[error("query #{index} has {len} tokens but the part has only {part_len}")]
    QueryTooLong {
        index: usize,
        len: usize,
        part_len: usize,
    },
    #[error("query file is truncated: record #{index} at byte {offset} needs {needed} bytes but only {available} remain")]
    TruncatedQueries {
        index: usize,
        offset: usize,
        needed: u64,
        available: usize,
    },
}

impl FormatError {
    /// The file error behind this error, if it is one.
    pub fn file_error(&self) -> Option<&FileError> {
        match self {
            FormatError::File(e) | FormatError::Npy(NpyError::File(e)) => Some(e),
            _ => None,
        }
    }
}
