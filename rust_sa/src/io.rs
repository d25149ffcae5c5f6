//! Readers for the corpus interchange format.
//!
//! A part `NAME.train` holds, for every document, the separator token `0xFFFF`,
//! the document id as a little-endian u32 split into two u16 halves, then the
//! document's uint16 little-endian tokens. `NAME.train.size` holds little-endian
//! u64 byte offsets `[0, end_1, ..., end_n]`, one boundary per document.

use std::fs;
use std::path::{Path, PathBuf};

/// Token id that starts every document header; never a real token.
pub const SEPARATOR: u16 = 0xFFFF;
/// Tokens taken by a document header: the separator and two id halves.
pub const HEADER_TOKENS: usize = 3;

/// What is wrong with a part, in words that say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} has {len} bytes, not a multiple of {unit}; the file is truncated or not in the interchange format")]
    OddLength {
        what: String,
        len: usize,
        unit: usize,
    },
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
    #[error("document #{index} at byte {offset} does not start with the separator 0xFFFF + u32 id (found {found:#06x})")]
    MissingSeparator {
        index: usize,
        offset: u64,
        found: u16,
    },
    #[error("document #{index} at byte {offset} is {len} bytes long, shorter than its 6-byte header")]
    ShortDocument { index: usize, offset: u64, len: u64 },
    #[error("document #{index} contains the separator token 0xFFFF at token {position}; token ids must be below 65535")]
    SeparatorInside { index: usize, position: usize },
}

/// One document of a part: its id and the half-open range of its tokens
/// (header excluded), in token positions of the whole part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: u32,
    pub start: usize,
    pub end: usize,
}

/// Decodes little-endian uint16 tokens.
pub fn tokens_from_bytes(bytes: &[u8]) -> Result<Vec<u16>, FormatError> {
    if bytes.len() % 2 != 0 {
        return Err(FormatError::OddLength {
            what: "token file".into(),
            len: bytes.len(),
            unit: 2,
        });
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// Decodes little-endian u64 byte offsets of a `.size` file.
pub fn offsets_from_bytes(bytes: &[u8]) -> Result<Vec<u64>, FormatError> {
    if bytes.len() % 8 != 0 {
        return Err(FormatError::OddLength {
            what: "size file".into(),
            len: bytes.len(),
            unit: 8,
        });
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("chunks_exact yields 8 bytes")))
        .collect())
}

/// Validates a part against its byte offsets and lists its documents.
///
/// `tokens` is the whole `.train` file as tokens and `offsets` the `.size`
/// file. Every document must start with a header and contain no separator.
pub fn documents(tokens: &[u16], offsets: &[u64]) -> Result<Vec<Document>, FormatError> {
    let byte_len = tokens.len() * 2;
    match offsets.first() {
        None => return Err(FormatError::BadFirstOffset(u64::MAX)),
        Some(&first) if first != 0 => return Err(FormatError::BadFirstOffset(first)),
        Some(_) => {}
    }
    let last = *offsets.last().unwrap_or(&0);
    if last != byte_len as u64 {
        return Err(FormatError::WrongEnd { last, len: byte_len });
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
    let mut docs = Vec::with_capacity(offsets.len().saturating_sub(1));
    for (index, pair) in offsets.windows(2).enumerate() {
        let (start, end) = (pair[0], pair[1]);
        if start % 2 != 0 || end % 2 != 0 {
            return Err(FormatError::OddLength {
                what: format!("document #{index}"),
                len: (end - start) as usize,
                unit: 2,
            });
        }
        let (first, stop) = ((start / 2) as usize, (end / 2) as usize);
        if stop - first < HEADER_TOKENS {
            return Err(FormatError::ShortDocument {
                index,
                offset: start,
                len: end - start,
            });
        }
        if tokens[first] != SEPARATOR {
            return Err(FormatError::MissingSeparator {
                index,
                offset: start,
                found: tokens[first],
            });
        }
        let id = u32::from(tokens[first + 1]) | (u32::from(tokens[first + 2]) << 16);
        let body = first + HEADER_TOKENS..stop;
        if let Some(position) = tokens[body.clone()].iter().position(|&t| t == SEPARATOR) {
            return Err(FormatError::SeparatorInside { index, position });
        }
        docs.push(Document {
            id,
            start: body.start,
            end: body.end,
        });
    }
    Ok(docs)
}

fn read(path: &Path) -> Result<Vec<u8>, FormatError> {
    fs::read(path).map_err(|source| FormatError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and validates a part from `NAME.train` and `NAME.train.size`.
pub fn read_part(train: &Path, size: &Path) -> Result<(Vec<u16>, Vec<Document>), FormatError> {
    let tokens = tokens_from_bytes(&read(train)?)?;
    let offsets = offsets_from_bytes(&read(size)?)?;
    let docs = documents(&tokens, &offsets)?;
    Ok((tokens, docs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a part in memory: tokens and byte offsets.
    fn part(docs: &[(u32, &[u16])]) -> (Vec<u16>, Vec<u64>) {
        let mut tokens = Vec::new();
        let mut offsets = vec![0u64];
        for (id, body) in docs {
            tokens.extend([SEPARATOR, (*id & 0xFFFF) as u16, (*id >> 16) as u16]);
            tokens.extend_from_slice(body);
            offsets.push(tokens.len() as u64 * 2);
        }
        (tokens, offsets)
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
    fn rejects_bad_parts_with_specific_errors() {
        let (tokens, mut offsets) = part(&[(1, &[5, 6]), (2, &[7])]);
        assert!(matches!(
            documents(&tokens[..tokens.len() - 1], &offsets),
            Err(FormatError::WrongEnd { .. })
        ));
        offsets[1] = offsets[2];
        assert!(matches!(
            documents(&tokens, &offsets),
            Err(FormatError::NotMonotonic { .. })
        ));
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
        assert!(matches!(tokens_from_bytes(&[1, 2, 3]), Err(FormatError::OddLength { .. })));
        assert!(matches!(offsets_from_bytes(&[0; 9]), Err(FormatError::OddLength { .. })));
        assert!(matches!(documents(&[], &[]), Err(FormatError::BadFirstOffset(_))));
    }
}
