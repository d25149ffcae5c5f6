//! Writing parts to disk in the interchange format (see [`crate::format`];
//! the documents are laid out by [`crate::layout`]). The Python package
//! writes its parts with [`PartWriter`], through `_rust_sa.PartWriter`.
//!
//! Invariant: a part that [`PartWriter::close`] completes is accepted by
//! [`crate::format::documents`]: every body token is at most
//! `T::MAX_TOKEN`, there is at least one document, and the offsets are those
//! of the tokens written. After a failed write the writer refuses to go on,
//! so it never completes a part with a hole in it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::FormatError;
use crate::fileio::FileError;
use crate::layout::{default_size_path, Layout};
use crate::token::{check_max, Token};

/// Appends documents to `NAME.train` and writes `NAME.train.size` on
/// [`close`](PartWriter::close), so that a part never has to fit in memory.
pub struct PartWriter<T: Token> {
    train: PathBuf,
    file: BufWriter<File>,
    layout: Layout<T>,
    broken: bool,
}

impl<T: Token> PartWriter<T> {
    /// Creates (or truncates) the token file `train`.
    pub fn create(train: &Path) -> Result<Self, FileError> {
        let file = File::create(train).map_err(FileError::write(train))?;
        Ok(PartWriter {
            train: train.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, file),
            layout: Layout::new(),
            broken: false,
        })
    }

    /// Appends document `id` and returns the part position of its first
    /// token. An empty body is a document too (a header alone).
    pub fn add(&mut self, id: u32, body: &[T]) -> Result<u64, FormatError> {
        self.usable()?;
        let index = self.n_documents();
        check_max(body, T::MAX_TOKEN, || format!("document #{index}"))?;
        let file = &mut self.file;
        let pushed = self
            .layout
            .push(id, body, |t| file.write_all(bytemuck::cast_slice(t)));
        // A header may be on disk without its body: refuse to go on.
        self.broken = pushed.is_err();
        Ok(pushed.map_err(FileError::write(&self.train))?)
    }

    /// Tokens written so far, headers included.
    pub fn n_tokens(&self) -> u64 {
        self.layout.tokens
    }

    /// Documents written so far.
    pub fn n_documents(&self) -> usize {
        self.layout.offsets.len() - 1
    }

    /// The `.size` offsets so far: 0, then the byte end of every document.
    pub fn offsets(&self) -> &[u64] {
        &self.layout.offsets
    }

    /// Flushes the tokens and writes `NAME.train.size`; a part without
    /// documents is refused (and gets no `.size` file).
    pub fn close(mut self) -> Result<(), FormatError> {
        self.usable()?;
        self.file.flush().map_err(FileError::write(&self.train))?;
        if self.n_documents() == 0 {
            return Err(FormatError::EmptyPart);
        }
        let size = default_size_path(&self.train);
        std::fs::write(&size, bytemuck::cast_slice::<u64, u8>(&self.layout.offsets))
            .map_err(FileError::write(&size))?;
        Ok(())
    }

    fn usable(&self) -> Result<(), FileError> {
        if self.broken {
            let reason =
                std::io::Error::other("an earlier write failed, so the part is incomplete");
            return Err(FileError::write(&self.train)(reason));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{documents, offsets_from_bytes, tokens_from_bytes};
    use crate::layout::build_part;

    #[test]
    fn files_and_memory_get_the_same_layout() {
        let docs: Vec<(u32, Vec<u16>)> =
            vec![(7, vec![1, 2, 3]), (70_000, vec![]), (0, vec![0xFFFE])];
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("p.train");
        let mut w = PartWriter::<u16>::create(&train).unwrap();
        let starts: Vec<u64> = docs
            .iter()
            .map(|(id, body)| w.add(*id, body).unwrap())
            .collect();
        assert_eq!(starts, [3, 9, 12]);
        assert_eq!((w.n_tokens(), w.n_documents()), (13, 3));
        let offsets = w.offsets().to_vec();
        w.close().unwrap();
        let (tokens, expected) = build_part(&docs);
        assert_eq!(offsets, expected);
        assert_eq!(
            std::fs::read(&train).unwrap(),
            bytemuck::cast_slice::<u16, u8>(&tokens)
        );
        let tokens = tokens_from_bytes::<u16>(&std::fs::read(&train).unwrap()).unwrap();
        let offsets =
            offsets_from_bytes(&std::fs::read(default_size_path(&train)).unwrap()).unwrap();
        let docs = documents(&tokens, &offsets).unwrap();
        assert_eq!(
            docs.iter()
                .map(|d| (d.id, d.start as u64))
                .collect::<Vec<_>>(),
            vec![(7, 3), (70_000, 9), (0, 12)]
        );
    }

    #[test]
    fn refuses_what_the_format_cannot_hold() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("p.train");
        let mut w = PartWriter::<u32>::create(&train).unwrap();
        let e = w.add(1, &[5, 0x7FFF_FFFF]).unwrap_err();
        assert!(
            matches!(e, FormatError::TokenTooLarge { position: 1, .. }),
            "{e}"
        );
        assert_eq!(w.n_documents(), 0, "a refused document leaves no trace");
        assert!(matches!(w.close(), Err(FormatError::EmptyPart)));
        assert!(!default_size_path(&train).exists());
        let e = PartWriter::<u16>::create(&dir.path().join("no/such/dir.train"))
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("cannot write"), "{e}");
    }
}
