//! A part on disk, `NAME.train` and `NAME.train.size`, read or mapped into
//! memory and validated (see [`crate::format`] for the layout).
//!
//! Invariant: a [`Part`] exists only for tokens and offsets that
//! [`documents`] accepted, so its documents always lie inside its tokens,
//! each after a header, with no separator in a body.

use std::fs::File;
use std::marker::PhantomData;
use std::path::Path;

use memmap2::Mmap;

use crate::error::FormatError;
use crate::fileio::{map_file, read_exact_at, read_file, release_pages, FileError};
use crate::format::{check_length, documents, offsets_from_bytes, Document};
use crate::token::Token;

/// Tokens of a part, either mapped from disk or owned.
enum TokenBuf<T: Token> {
    Mapped(Mmap, PhantomData<T>),
    Owned(Vec<T>),
}

impl<T: Token> TokenBuf<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            // Length and alignment were checked when the buffer was made
            // (a mapping starts on a page boundary).
            TokenBuf::Mapped(m, _) => bytemuck::cast_slice(&m[..]),
            TokenBuf::Owned(v) => v,
        }
    }
}

/// Refuses a folder (an index, most likely) where a part's token file is
/// expected, with a message that says so rather than the OS's.
fn refuse_folder(train: &Path) -> Result<(), FormatError> {
    if train.is_dir() {
        return Err(FormatError::NotAPart(train.to_path_buf()));
    }
    Ok(())
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
        refuse_folder(train)?;
        let tokens = match map_file(train)? {
            None => TokenBuf::Owned(Vec::new()),
            Some(m) => {
                check_length(
                    || format!("token file {}", train.display()),
                    m.len(),
                    T::BYTES,
                )?;
                TokenBuf::Mapped(m, PhantomData)
            }
        };
        Self::validated(tokens, size)
    }

    /// Reads `train` into an owned, writable buffer (used where the tokens are
    /// rewritten in place, e.g. suffix-array construction) and validates it.
    pub fn read(train: &Path, size: &Path) -> Result<Self, FormatError> {
        refuse_folder(train)?;
        let file = File::open(train).map_err(FileError::read(train))?;
        let len = file.metadata().map_err(FileError::read(train))?.len() as usize;
        check_length(|| format!("token file {}", train.display()), len, T::BYTES)?;
        // Read straight into the token vector: a byte buffer plus a decoded
        // copy would double the peak memory of `make`.
        let mut tokens: Vec<T> = crate::hugepages::zeroed_vec(len / T::BYTES);
        read_exact_at(&file, bytemuck::cast_slice_mut(&mut tokens), 0)
            .map_err(FileError::read(train))?;
        Self::validated(TokenBuf::Owned(tokens), size)
    }

    fn validated(tokens: TokenBuf<T>, size: &Path) -> Result<Self, FormatError> {
        let offsets = offsets_from_bytes(&read_file(size)?)?;
        let docs = documents(tokens.as_slice(), &offsets)?;
        // Validation read every token; a search reads a few pages of them,
        // so none need stay resident (they stay in the page cache).
        if let TokenBuf::Mapped(m, _) = &tokens {
            release_pages(m, 0, m.len());
        }
        Ok(Part { tokens, docs })
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

    /// Tokens inside document bodies.
    pub fn body_tokens(&self) -> usize {
        self.tokens().len() - self.header_tokens()
    }

    /// Gives up the tokens if they are owned (see [`Part::read`]).
    pub fn into_owned(self) -> Option<(Vec<T>, Vec<Document>)> {
        match self.tokens {
            TokenBuf::Owned(v) => Some((v, self.docs)),
            TokenBuf::Mapped(..) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::default_size_path;
    use crate::writer::PartWriter;

    #[test]
    fn mapped_and_read_parts_agree() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("a.train");
        let mut w = PartWriter::<u32>::create(&train).unwrap();
        w.add(9, &[1, 70_000]).unwrap();
        w.add(10, &[]).unwrap();
        w.close().unwrap();
        let size = default_size_path(&train);
        assert_eq!(size, dir.path().join("a.train.size"));
        let mapped = Part::<u32>::open(&train, &size).unwrap();
        let read = Part::<u32>::read(&train, &size).unwrap();
        assert_eq!(
            (mapped.tokens(), mapped.docs()),
            (read.tokens(), read.docs())
        );
        assert_eq!((mapped.header_tokens(), mapped.body_tokens()), (4, 2));
        assert!(mapped.into_owned().is_none());
        assert_eq!(
            read.into_owned().unwrap().0,
            vec![u32::MAX, 9, 1, 70_000, u32::MAX, 10]
        );
        let e = Part::<u16>::open(&train, &dir.path().join("missing.size"))
            .err()
            .unwrap();
        assert!(
            e.file_error().is_some() && e.to_string().contains("missing.size"),
            "{e}"
        );
        std::fs::write(&train, [0u8; 3]).unwrap();
        for e in [
            Part::<u16>::open(&train, &size).err(),
            Part::<u16>::read(&train, &size).err(),
        ] {
            let e = e.unwrap().to_string();
            assert!(
                e.contains("a.train has 3 bytes, not a multiple of 2"),
                "{e}"
            );
        }
    }
}
