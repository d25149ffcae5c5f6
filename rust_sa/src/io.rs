//! Readers for the corpus interchange format and the query files.
//!
//! A part `NAME.train` holds, for every document, a header and then the
//! document's tokens, all little-endian:
//!
//! * uint16 parts (the default): header = `0xFFFF`, then the u32 document id
//!   as two u16 halves (low half first); 3 tokens. Real token ids are
//!   `0..=0xFFFE`.
//! * uint32 parts (vocabularies above 65,535): header = `0xFFFFFFFF`, then the
//!   u32 document id as one token; 2 tokens. Real token ids are
//!   `0..=0x7FFF_FFFE`, so that a part can be sorted as an `i32` text with the
//!   separator as its largest symbol.
//!
//! `NAME.train.size` holds little-endian u64 *byte* offsets
//! `[0, end_1, ..., end_n]`, one boundary per document, for both widths.
//!
//! The query file of the original tool is a sequence of records
//! `[u32 LE length][length tokens]`; the tokens have the part's width.

use std::fmt::Debug;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

#[cfg(not(target_endian = "little"))]
compile_error!("rust_sa maps little-endian files straight into memory and needs a little-endian target");

/// Token id that starts every uint16 document header; never a real token.
pub const SEPARATOR: u16 = 0xFFFF;
/// Tokens taken by a uint16 document header: the separator and two id halves.
pub const HEADER_TOKENS: usize = 3;

/// A token width of the interchange format (implemented by `u16` and `u32`).
pub trait Token:
    bytemuck::Pod + Copy + Ord + Eq + std::hash::Hash + Send + Sync + Debug + 'static
{
    /// Bytes per token in the files.
    const BYTES: usize;
    /// The first token of every document header.
    const SEPARATOR: Self;
    /// Tokens in a document header, separator included.
    const HEADER_TOKENS: usize;
    /// Largest id a document or a query may contain.
    const MAX_TOKEN: u32;
    /// The token as an integer.
    fn get(self) -> u32;
    /// The token with id `v`, if `v` fits the width.
    fn from_u32(v: u32) -> Option<Self>;
    /// The document id stored in a header (`header.len() == HEADER_TOKENS`).
    fn doc_id(header: &[Self]) -> u32;
    /// The header of document `id`.
    fn header(id: u32) -> Vec<Self>;
}

impl Token for u16 {
    const BYTES: usize = 2;
    const SEPARATOR: Self = 0xFFFF;
    const HEADER_TOKENS: usize = 3;
    const MAX_TOKEN: u32 = 0xFFFE;
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn from_u32(v: u32) -> Option<Self> {
        u16::try_from(v).ok()
    }
    fn doc_id(header: &[Self]) -> u32 {
        u32::from(header[1]) | (u32::from(header[2]) << 16)
    }
    fn header(id: u32) -> Vec<Self> {
        vec![0xFFFF, (id & 0xFFFF) as u16, (id >> 16) as u16]
    }
}

impl Token for u32 {
    const BYTES: usize = 4;
    const SEPARATOR: Self = 0xFFFF_FFFF;
    const HEADER_TOKENS: usize = 2;
    const MAX_TOKEN: u32 = 0x7FFF_FFFE;
    fn get(self) -> u32 {
        self
    }
    fn from_u32(v: u32) -> Option<Self> {
        Some(v)
    }
    fn doc_id(header: &[Self]) -> u32 {
        header[1]
    }
    fn header(id: u32) -> Vec<Self> {
        vec![0xFFFF_FFFF, id]
    }
}

/// What is wrong with an input file, in words that say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    // The OS error is part of the message and deliberately not a `source`:
    // error reporters that print the chain (anyhow's `{:#}`) would print it
    // twice.
    #[error("cannot read {path}: {reason}")]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("cannot write {path}: {reason}")]
    Write {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{what} has {len} bytes, not a multiple of {unit}; the file is truncated or not in the interchange format (or has another token width)")]
    OddLength {
        what: String,
        len: usize,
        unit: usize,
    },
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
    #[error("{path}: {message}")]
    Npy { path: PathBuf, message: String },
}

/// One document of a part: its id and the half-open range of its tokens
/// (header excluded), in token positions of the whole part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: u32,
    pub start: usize,
    pub end: usize,
}

/// Decodes little-endian tokens of width `T` into an owned vector.
pub fn tokens_from_bytes<T: Token>(bytes: &[u8]) -> Result<Vec<T>, FormatError> {
    if !bytes.len().is_multiple_of(T::BYTES) {
        return Err(FormatError::OddLength {
            what: "token file".into(),
            len: bytes.len(),
            unit: T::BYTES,
        });
    }
    // A copy, because `bytes` need not be aligned for `T`.
    Ok(bytemuck::pod_collect_to_vec(bytes))
}

/// Decodes little-endian u64 byte offsets of a `.size` file.
pub fn offsets_from_bytes(bytes: &[u8]) -> Result<Vec<u64>, FormatError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(FormatError::OddLength {
            what: "size file".into(),
            len: bytes.len(),
            unit: 8,
        });
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect())
}

/// Validates a part against its byte offsets and lists its documents.
///
/// `tokens` is the whole `.train` file as tokens and `offsets` the `.size`
/// file. Every document must start with a header, and its body may only hold
/// ids up to `T::MAX_TOKEN` (so never the separator).
pub fn documents<T: Token>(tokens: &[T], offsets: &[u64]) -> Result<Vec<Document>, FormatError> {
    let byte_len = tokens.len() * T::BYTES;
    match offsets.first() {
        None => return Err(FormatError::EmptyPart),
        Some(&first) if first != 0 => return Err(FormatError::BadFirstOffset(first)),
        Some(_) => {}
    }
    if offsets.len() < 2 || tokens.is_empty() {
        return Err(FormatError::EmptyPart);
    }
    // Check every boundary before reading any document, so that a broken
    // .size file is reported as such and not as a malformed document.
    if let Some(index) = offsets.windows(2).position(|p| p[1] <= p[0]) {
        return Err(FormatError::NotMonotonic {
            index: index + 1,
            offset: offsets[index + 1],
            previous: offsets[index],
        });
    }
    let last = offsets[offsets.len() - 1];
    if last != byte_len as u64 {
        return Err(FormatError::WrongEnd { last, len: byte_len });
    }
    let unit = T::BYTES as u64;
    let mut docs = Vec::with_capacity(offsets.len() - 1);
    for (index, pair) in offsets.windows(2).enumerate() {
        let (start, end) = (pair[0], pair[1]);
        if start % unit != 0 || end % unit != 0 {
            return Err(FormatError::OddLength {
                what: format!("document #{index}"),
                len: (end - start) as usize,
                unit: T::BYTES,
            });
        }
        let (first, stop) = ((start / unit) as usize, (end / unit) as usize);
        if stop - first < T::HEADER_TOKENS {
            return Err(FormatError::ShortDocument {
                index,
                offset: start,
                len: end - start,
                header: T::HEADER_TOKENS * T::BYTES,
            });
        }
        if tokens[first] != T::SEPARATOR {
            return Err(FormatError::MissingSeparator {
                index,
                offset: start,
                found: tokens[first].get(),
                separator: T::SEPARATOR.get(),
            });
        }
        let id = T::doc_id(&tokens[first..first + T::HEADER_TOKENS]);
        let body = first + T::HEADER_TOKENS..stop;
        if let Some(position) = tokens[body.clone()].iter().position(|t| t.get() > T::MAX_TOKEN) {
            let token = tokens[body.start + position];
            return Err(if token == T::SEPARATOR {
                FormatError::SeparatorInside {
                    index,
                    position,
                    separator: token.get(),
                    max: T::MAX_TOKEN,
                }
            } else {
                FormatError::TokenTooLarge {
                    what: format!("document #{index}"),
                    position,
                    token: token.get(),
                    max: T::MAX_TOKEN,
                }
            });
        }
        docs.push(Document {
            id,
            start: body.start,
            end: body.end,
        });
    }
    Ok(docs)
}

/// Checks that every body token of a part is below `vocab_size`.
pub fn check_vocabulary<T: Token>(
    tokens: &[T],
    docs: &[Document],
    vocab_size: u32,
) -> Result<(), FormatError> {
    for (index, d) in docs.iter().enumerate() {
        check_tokens(&tokens[d.start..d.end], vocab_size.saturating_sub(1), || {
            format!("document #{index}")
        })?;
    }
    Ok(())
}

fn check_tokens<T: Token>(
    tokens: &[T],
    max: u32,
    what: impl FnOnce() -> String,
) -> Result<(), FormatError> {
    match tokens.iter().position(|t| t.get() > max) {
        None => Ok(()),
        Some(position) => Err(FormatError::TokenTooLarge {
            what: what(),
            position,
            token: tokens[position].get(),
            max,
        }),
    }
}

/// Checks queries against a part of `part_len` tokens: none may be empty,
/// longer than the part, or hold an id that no document can hold.
pub fn check_queries<T: Token, Q: AsRef<[T]>>(
    queries: &[Q],
    part_len: usize,
) -> Result<(), FormatError> {
    for (index, q) in queries.iter().enumerate() {
        let q = q.as_ref();
        if q.is_empty() {
            return Err(FormatError::EmptyQuery { index });
        }
        if q.len() > part_len {
            return Err(FormatError::QueryTooLong {
                index,
                len: q.len(),
                part_len,
            });
        }
        check_tokens(q, T::MAX_TOKEN, || format!("query #{index}"))?;
    }
    Ok(())
}

/// Parses the original tool's query file: records `[u32 LE length][tokens]`.
pub fn queries_from_bytes<T: Token>(bytes: &[u8]) -> Result<Vec<Vec<T>>, FormatError> {
    let mut queries = Vec::new();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let index = queries.len();
        let available = bytes.len() - offset;
        if available < 4 {
            return Err(FormatError::TruncatedQueries {
                index,
                offset,
                needed: 4,
                available,
            });
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(&bytes[offset..offset + 4]);
        let len = u64::from(u32::from_le_bytes(len));
        let needed = len * T::BYTES as u64;
        if needed > (available - 4) as u64 {
            return Err(FormatError::TruncatedQueries {
                index,
                offset,
                needed: needed + 4,
                available,
            });
        }
        let body = &bytes[offset + 4..offset + 4 + needed as usize];
        queries.push(tokens_from_bytes(body)?);
        offset += 4 + needed as usize;
    }
    Ok(queries)
}

/// Serialises queries in the original tool's query-file layout.
pub fn queries_to_bytes<T: Token, Q: AsRef<[T]>>(queries: &[Q]) -> Vec<u8> {
    let mut out = Vec::new();
    for q in queries {
        let q = q.as_ref();
        out.extend_from_slice(&(q.len() as u32).to_le_bytes());
        out.extend_from_slice(bytemuck::cast_slice(q));
    }
    out
}

/// Reads queries (or scan targets) from a file: a NumPy `.npy` array of
/// unsigned token ids (2-D: one query per row; 1-D: a single query), or else
/// the original tool's query file with tokens of width `T`.
pub fn read_queries<T: Token>(path: &Path) -> Result<Vec<Vec<T>>, FormatError> {
    let bytes = read_file(path)?;
    if !bytes.starts_with(b"\x93NUMPY") {
        return queries_from_bytes(&bytes);
    }
    drop(bytes);
    let array = crate::npy::NpyMap::open(path)?;
    let bad = |message: String| FormatError::Npy {
        path: path.to_path_buf(),
        message,
    };
    let (rows, width) = match array.shape[..] {
        [n] => (1, n),
        [rows, w] => (rows, w),
        _ => return Err(bad(format!("queries must be a 1-D or 2-D array, not of shape {:?}", array.shape))),
    };
    // A row of no tokens is no query; refusing it also keeps the number of
    // rows (each an allocation) bounded by the data bytes of the file,
    // whereas a header alone could promise 10^18 empty rows.
    if width == 0 && rows > 0 {
        return Err(bad(format!(
            "queries of 0 tokens (shape {:?}); every query or target needs at least one token",
            array.shape
        )));
    }
    if rows == 0 {
        return Ok(Vec::new());
    }
    let values = array.to_u32()?;
    values
        .chunks(width)
        .enumerate()
        .map(|(index, row)| {
            row.iter()
                .enumerate()
                .map(|(position, &v)| {
                    T::from_u32(v).ok_or_else(|| FormatError::TokenTooLarge {
                        what: format!("query #{index}"),
                        position,
                        token: v,
                        max: T::MAX_TOKEN,
                    })
                })
                .collect()
        })
        .collect()
}

/// Positioned reads and writes of large buffers in chunks spread over the
/// rayon pool. A part's tokens and its suffix array are hundreds of MiB of
/// fresh memory: copying them between the page cache and the buffer, and the
/// kernel's zeroing of each newly touched page, then run on every core
/// instead of one.
#[cfg(unix)]
mod chunked {
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    use rayon::prelude::*;

    const CHUNK: usize = 8 << 20;

    pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        buf.par_chunks_mut(CHUNK)
            .enumerate()
            .try_for_each(|(i, chunk)| file.read_exact_at(chunk, offset + (i * CHUNK) as u64))
    }

    pub fn write_all_at(file: &File, data: &[u8], offset: u64) -> std::io::Result<()> {
        reserve(file, offset, data.len());
        data.par_chunks(CHUNK)
            .enumerate()
            .try_for_each(|(i, chunk)| file.write_all_at(chunk, offset + (i * CHUNK) as u64))
    }

    /// Allocates the file's blocks up front, so the filesystem lays them out
    /// once instead of chunk by chunk. Measured for a 400 MB array on ext4:
    /// 0.56 s -> 0.43 s when an earlier array is being replaced, no
    /// difference for a new file.
    ///
    /// Only a hint: a filesystem without `fallocate` simply says so. (glibc's
    /// `posix_fallocate` would instead emulate it by writing every block.)
    #[cfg(target_os = "linux")]
    fn reserve(file: &File, offset: u64, len: usize) {
        use std::os::unix::io::AsRawFd;
        if let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) {
            // SAFETY: a plain syscall on a descriptor we own; mode 0 only
            // allocates blocks (reading them back gives zeros) and grows the
            // file to offset + len, which the writes then fill.
            unsafe { libc::fallocate(file.as_raw_fd(), 0, offset, len) };
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn reserve(_file: &File, _offset: u64, _len: usize) {}
}

#[cfg(not(unix))]
mod chunked {
    use std::fs::File;
    use std::io::{Read, Seek, SeekFrom, Write};

    pub fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }

    pub fn write_all_at(mut file: &File, data: &[u8], offset: u64) -> std::io::Result<()> {
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(data)
    }
}

pub(crate) use chunked::{read_exact_at, write_all_at};

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, FormatError> {
    fs::read(path).map_err(|reason| FormatError::Read {
        path: path.to_path_buf(),
        reason,
    })
}

/// Memory-maps a file read-only; `None` for an empty file, which cannot be mapped.
pub fn map_file(path: &Path) -> Result<Option<Mmap>, FormatError> {
    let err = |reason| FormatError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(err)?;
    if file.metadata().map_err(err)?.len() == 0 {
        return Ok(None);
    }
    // SAFETY: the mapping is read-only; like every reader of these files we
    // rely on nobody truncating a part while it is being processed.
    let map = unsafe { Mmap::map(&file) }.map_err(err)?;
    Ok(Some(map))
}

/// Tokens of a part, either mapped from disk or owned.
pub enum TokenBuf<T: Token> {
    Mapped(Mmap, std::marker::PhantomData<T>),
    Owned(Vec<T>),
}

impl<T: Token> TokenBuf<T> {
    /// The tokens as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            // Length and alignment were checked when the buffer was made.
            TokenBuf::Mapped(m, _) => bytemuck::cast_slice(&m[..]),
            TokenBuf::Owned(v) => v,
        }
    }
}

/// A validated part: its tokens and its documents.
pub struct Part<T: Token> {
    tokens: TokenBuf<T>,
    docs: Vec<Document>,
}

impl<T: Token> Part<T> {
    /// Maps `train` into memory (no copy; pages are shared between processes)
    /// and validates it against `size`.
    pub fn open(train: &Path, size: &Path) -> Result<Self, FormatError> {
        let tokens = match map_file(train)? {
            None => TokenBuf::Owned(Vec::new()),
            Some(m) => {
                if m.len() % T::BYTES != 0 {
                    return Err(FormatError::OddLength {
                        what: format!("token file {}", train.display()),
                        len: m.len(),
                        unit: T::BYTES,
                    });
                }
                TokenBuf::Mapped(m, std::marker::PhantomData)
            }
        };
        let offsets = offsets_from_bytes(&read_file(size)?)?;
        let docs = documents(tokens.as_slice(), &offsets)?;
        Ok(Part { tokens, docs })
    }

    /// Reads `train` into an owned, writable buffer (used where the tokens are
    /// rewritten in place, e.g. suffix-array construction) and validates it.
    pub fn read(train: &Path, size: &Path) -> Result<Self, FormatError> {
        let err = |reason| FormatError::Read {
            path: train.to_path_buf(),
            reason,
        };
        let file = File::open(train).map_err(err)?;
        let len = file.metadata().map_err(err)?.len() as usize;
        if !len.is_multiple_of(T::BYTES) {
            return Err(FormatError::OddLength {
                what: format!("token file {}", train.display()),
                len,
                unit: T::BYTES,
            });
        }
        // Read straight into the token vector: a byte buffer plus a decoded
        // copy would double the peak memory of `make`.
        let mut tokens: Vec<T> = crate::hugepages::zeroed_vec(len / T::BYTES);
        read_exact_at(&file, bytemuck::cast_slice_mut(&mut tokens), 0).map_err(err)?;
        let offsets = offsets_from_bytes(&read_file(size)?)?;
        let docs = documents(&tokens, &offsets)?;
        Ok(Part {
            tokens: TokenBuf::Owned(tokens),
            docs,
        })
    }

    /// Builds a part from tokens already in memory.
    pub fn from_tokens(tokens: Vec<T>, offsets: &[u64]) -> Result<Self, FormatError> {
        let docs = documents(&tokens, offsets)?;
        Ok(Part {
            tokens: TokenBuf::Owned(tokens),
            docs,
        })
    }

    /// All tokens of the part, headers included.
    pub fn tokens(&self) -> &[T] {
        self.tokens.as_slice()
    }

    /// The documents, in file order.
    pub fn docs(&self) -> &[Document] {
        &self.docs
    }

    /// Header tokens in the whole part.
    pub fn header_tokens(&self) -> usize {
        self.docs.len() * T::HEADER_TOKENS
    }

    /// Gives up the tokens if they are owned (see [`Part::read`]).
    pub fn into_owned(self) -> Option<(Vec<T>, Vec<Document>)> {
        match self.tokens {
            TokenBuf::Owned(v) => Some((v, self.docs)),
            TokenBuf::Mapped(..) => None,
        }
    }
}

/// Builds the tokens and byte offsets of a part from `(id, body)` documents.
pub fn build_part<T: Token>(docs: &[(u32, Vec<T>)]) -> (Vec<T>, Vec<u64>) {
    let mut tokens = Vec::new();
    let mut offsets = vec![0u64];
    for (id, body) in docs {
        tokens.extend(T::header(*id));
        tokens.extend_from_slice(body);
        offsets.push((tokens.len() * T::BYTES) as u64);
    }
    (tokens, offsets)
}

/// Reads and validates a uint16 part from `NAME.train` and `NAME.train.size`.
pub fn read_part(train: &Path, size: &Path) -> Result<(Vec<u16>, Vec<Document>), FormatError> {
    let part = Part::<u16>::read(train, size)?;
    part.into_owned().ok_or(FormatError::EmptyPart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(docs: &[(u32, &[u16])]) -> (Vec<u16>, Vec<u64>) {
        build_part(&docs.iter().map(|(i, b)| (*i, b.to_vec())).collect::<Vec<_>>())
    }

    #[test]
    fn lists_documents_with_ids_and_token_ranges() {
        let (tokens, offsets) = part(&[(7, &[1, 2, 3]), (70_000, &[4]), (0, &[])]);
        let docs = documents(&tokens, &offsets).unwrap();
        assert_eq!(
            docs,
            vec![
                Document { id: 7, start: 3, end: 6 },
                Document { id: 70_000, start: 9, end: 10 },
                Document { id: 0, start: 13, end: 13 },
            ]
        );
    }

    #[test]
    fn u32_parts_have_two_token_headers() {
        let (tokens, offsets) = build_part::<u32>(&[(5, vec![100_000, 7]), (u32::MAX, vec![1])]);
        assert_eq!(tokens[..4], [u32::MAX, 5, 100_000, 7]);
        let docs = documents(&tokens, &offsets).unwrap();
        assert_eq!(docs[1], Document { id: u32::MAX, start: 6, end: 7 });
        let mut bad = tokens.clone();
        bad[3] = 0x8000_0000;
        assert!(matches!(
            documents(&bad, &offsets),
            Err(FormatError::TokenTooLarge { token: 0x8000_0000, .. })
        ));
    }

    #[test]
    fn rejects_bad_parts_with_specific_errors() {
        let (tokens, mut offsets) = part(&[(1, &[5, 6]), (2, &[7])]);
        assert!(matches!(
            documents(&tokens[..tokens.len() - 1], &offsets),
            Err(FormatError::WrongEnd { .. })
        ));
        offsets[1] = offsets[2];
        assert!(matches!(documents(&tokens, &offsets), Err(FormatError::NotMonotonic { .. })));
        let (mut tokens, offsets) = part(&[(1, &[5, 6])]);
        tokens[0] = 9;
        assert!(matches!(
            documents(&tokens, &offsets),
            Err(FormatError::MissingSeparator { found: 9, .. })
        ));
        let (tokens, offsets) = part(&[(1, &[5, SEPARATOR])]);
        assert!(matches!(
            documents(&tokens, &offsets),
            Err(FormatError::SeparatorInside { position: 1, .. })
        ));
        assert!(matches!(tokens_from_bytes::<u16>(&[1, 2, 3]), Err(FormatError::OddLength { .. })));
        assert!(matches!(offsets_from_bytes(&[0; 9]), Err(FormatError::OddLength { .. })));
        assert!(matches!(documents::<u16>(&[], &[]), Err(FormatError::EmptyPart)));
        assert!(matches!(documents::<u16>(&[], &[0]), Err(FormatError::EmptyPart)));
        assert!(matches!(documents::<u16>(&[SEPARATOR, 0], &[0, 4]), Err(FormatError::ShortDocument { .. })));
    }

    #[test]
    fn query_files_round_trip_and_reject_truncation() {
        let queries: Vec<Vec<u16>> = vec![vec![1, 2, 3], vec![9]];
        let bytes = queries_to_bytes(&queries);
        assert_eq!(queries_from_bytes::<u16>(&bytes).unwrap(), queries);
        assert!(matches!(
            queries_from_bytes::<u16>(&bytes[..bytes.len() - 1]),
            Err(FormatError::TruncatedQueries { index: 1, .. })
        ));
        assert!(matches!(
            queries_from_bytes::<u16>(&bytes[..2]),
            Err(FormatError::TruncatedQueries { index: 0, .. })
        ));
        assert!(matches!(check_queries::<u16, _>(&[vec![1u16; 5]], 4), Err(FormatError::QueryTooLong { .. })));
        assert!(matches!(check_queries::<u16, _>(&[vec![SEPARATOR]], 4), Err(FormatError::TokenTooLarge { .. })));
        assert!(matches!(check_queries::<u16, Vec<u16>>(&[vec![]], 4), Err(FormatError::EmptyQuery { .. })));
    }

    #[test]
    fn npy_queries_of_zero_tokens_are_refused_without_allocating_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.npy");
        // A header alone (no data) promising 10^12 or 10^18 empty rows: this
        // used to allocate one vector per row (abort, or a capacity panic).
        for rows in [1_000_000_000_000usize, 1_000_000_000_000_000_000] {
            crate::npy::write::<u16>(&path, &[rows, 0], &[]).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() <= 128);
            let e = read_queries::<u16>(&path).unwrap_err();
            let message = e.to_string();
            assert!(message.contains("q.npy") && message.contains("0 tokens"), "{message}");
            assert!(read_queries::<u32>(&path).is_err());
        }
        crate::npy::write::<u16>(&path, &[0], &[]).unwrap();
        assert!(read_queries::<u16>(&path).is_err(), "a 1-D array is one query, and this one is empty");
        crate::npy::write::<u16>(&path, &[0, 5], &[]).unwrap();
        assert_eq!(read_queries::<u16>(&path).unwrap(), Vec::<Vec<u16>>::new());
        crate::npy::write::<u32>(&path, &[2, 2], &[1, 2, 3, 70_000]).unwrap();
        assert_eq!(read_queries::<u32>(&path).unwrap(), vec![vec![1, 2], vec![3, 70_000]]);
        assert!(matches!(read_queries::<u16>(&path), Err(FormatError::TokenTooLarge { token: 70_000, .. })));
        crate::npy::write::<u16>(&path, &[3], &[4, 5, 6]).unwrap();
        assert_eq!(read_queries::<u16>(&path).unwrap(), vec![vec![4, 5, 6]]);
    }

    #[test]
    fn read_errors_name_the_path_and_the_os_error_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.train");
        let e = read_file(&missing).unwrap_err();
        // Shown the way the CLI shows errors: the message and its causes.
        let shown = format!("{:#}", anyhow::Error::from(e));
        assert!(shown.contains("missing.train"), "{shown}");
        let reason = std::fs::read(&missing).unwrap_err().to_string();
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
        let e = Part::<u16>::open(&missing, &dir.path().join("missing.train.size")).err().unwrap();
        let shown = format!("{:#}", anyhow::Error::from(e).context("reading part"));
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
    }
}
