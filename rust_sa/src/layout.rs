//! Laying documents out in the interchange format (see the `format` module),
//! and the names of a part's files.
//!
//! Invariant: `Layout` is the only code that turns documents into headers,
//! bodies and `.size` offsets, for parts written to disk
//! (`writer::PartWriter`) and parts built in memory
//! ([`build_part`]) alike; the offsets it records are the byte ends of
//! exactly the tokens it emitted.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use crate::token::Token;

/// Default path of a part's byte offsets: `NAME.train.size`.
pub fn default_size_path(train: &Path) -> PathBuf {
    with_suffix(train, ".size")
}

/// `path` with `suffix` appended to its file name (`a.train` -> `a.train.size`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Document boundaries of a part being written.
pub(crate) struct Layout<T> {
    /// `.size` offsets: 0, then the byte end of every document so far.
    pub(crate) offsets: Vec<u64>,
    /// Tokens so far, headers included.
    pub(crate) tokens: u64,
    width: PhantomData<T>,
}

impl<T: Token> Layout<T> {
    pub(crate) fn new() -> Self {
        Layout {
            offsets: vec![0],
            tokens: 0,
            width: PhantomData,
        }
    }

    /// Emits document `id` (header, then body) and returns the position of
    /// its first body token. Nothing is recorded if `emit` fails.
    pub(crate) fn push<E>(
        &mut self,
        id: u32,
        body: &[T],
        mut emit: impl FnMut(&[T]) -> Result<(), E>,
    ) -> Result<u64, E> {
        emit(&T::header(id))?;
        emit(body)?;
        let start = self.tokens + T::HEADER_TOKENS as u64;
        self.tokens = start + body.len() as u64;
        self.offsets.push(self.tokens * T::BYTES as u64);
        Ok(start)
    }
}

/// Builds the tokens and byte offsets of a part from `(id, body)` documents,
/// in memory and unchecked (tests build malformed parts with it too).
pub fn build_part<T: Token>(docs: &[(u32, Vec<T>)]) -> (Vec<T>, Vec<u64>) {
    let mut layout = Layout::<T>::new();
    let mut tokens = Vec::new();
    for (id, body) in docs {
        let pushed: Result<u64, std::convert::Infallible> = layout.push(*id, body, |t| {
            tokens.extend_from_slice(t);
            Ok(())
        });
        let Ok(_) = pushed;
    }
    (tokens, layout.offsets)
}
