//! The corpus interchange format: decoding a part's files and validating
//! them into a list of documents.
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
//! The per-width constants are [`crate::token::Token`]'s; documents are laid
//! out by the `layout` module, written to disk by `writer` and read from it
//! by `part`.
//!
//! Invariant: [`documents`] accepts exactly the well-formed parts, and each
//! [`Document`] it returns lies inside the tokens, right after a header, and
//! holds no id above `T::MAX_TOKEN` (so never a separator).

use crate::error::FormatError;
use crate::token::{check_max, Token};

/// One document of a part: its id and the half-open range of its tokens
/// (header excluded), in token positions of the whole part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: u32,
    pub start: usize,
    pub end: usize,
}

/// Refuses a file of `len` bytes that cannot hold whole units of `unit` bytes.
pub(crate) fn check_length(
    what: impl FnOnce() -> String,
    len: usize,
    unit: usize,
) -> Result<(), FormatError> {
    if len.is_multiple_of(unit) {
        Ok(())
    } else {
        Err(FormatError::OddLength {
            what: what(),
            len,
            unit,
        })
    }
}

/// Decodes little-endian tokens of width `T` into an owned vector.
pub fn tokens_from_bytes<T: Token>(bytes: &[u8]) -> Result<Vec<T>, FormatError> {
    check_length(|| "token file".into(), bytes.len(), T::BYTES)?;
    // A copy, because `bytes` need not be aligned for `T`.
    Ok(bytemuck::pod_collect_to_vec(bytes))
}

/// Decodes little-endian u64 byte offsets of a `.size` file.
pub fn offsets_from_bytes(bytes: &[u8]) -> Result<Vec<u64>, FormatError> {
    check_length(|| "size file".into(), bytes.len(), 8)?;
    Ok(bytemuck::pod_collect_to_vec(bytes))
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
        return Err(FormatError::WrongEnd {
            last,
            len: byte_len,
        });
    }
    offsets
        .windows(2)
        .enumerate()
        .map(|(index, pair)| document(tokens, index, pair[0], pair[1]))
        .collect()
}

/// Validates document `index`, which spans bytes `start..end` of the part.
fn document<T: Token>(
    tokens: &[T],
    index: usize,
    start: u64,
    end: u64,
) -> Result<Document, FormatError> {
    let unit = T::BYTES as u64;
    if !start.is_multiple_of(unit) || !end.is_multiple_of(unit) {
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
    check_max(&tokens[body.clone()], T::MAX_TOKEN, || {
        format!("document #{index}")
    })
    .map_err(|e| match e {
        // The separator inside a body is the likelier mistake (two documents
        // run together), so it gets its own message.
        FormatError::TokenTooLarge {
            position,
            token,
            max,
            ..
        } if token == T::SEPARATOR.get() => FormatError::SeparatorInside {
            index,
            position,
            separator: token,
            max,
        },
        e => e,
    })?;
    Ok(Document {
        id,
        start: body.start,
        end: body.end,
    })
}

/// Checks that every body token of a part is below `vocab_size`.
pub fn check_vocabulary<T: Token>(
    tokens: &[T],
    docs: &[Document],
    vocab_size: u32,
) -> Result<(), FormatError> {
    for (index, d) in docs.iter().enumerate() {
        check_max(
            &tokens[d.start..d.end],
            vocab_size.saturating_sub(1),
            || format!("document #{index}"),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
