//! Queries and scan targets: the original tool's query file, `.npy` arrays
//! of token ids, and the checks a query must pass before a search.
//!
//! The query file is a sequence of records `[u32 LE length][length tokens]`;
//! the tokens have the part's width.
//!
//! Invariants: reading never allocates more rows or tokens than the file
//! has bytes for (a header alone cannot promise 10^18 rows); every token
//! read fits the width `T`; [`check_queries`] passes only queries that a
//! part's document bodies could hold.

use std::path::Path;

use crate::error::FormatError;
use crate::fileio::read_file;
use crate::npy::{NpyError, NpyMap, MAGIC};
use crate::token::{check_max, tokens_from_ids, Token};

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
        check_max(q, T::MAX_TOKEN, || format!("query #{index}"))?;
    }
    Ok(())
}

/// Converts rows of token ids to queries of width `T`.
pub fn queries_from_ids<T: Token, R: IntoIterator<Item = u32>>(
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<Vec<T>>, FormatError> {
    rows.into_iter()
        .enumerate()
        .map(|(index, row)| tokens_from_ids(row, || format!("query #{index}")))
        .collect()
}

/// Parses the original tool's query file: records `[u32 LE length][tokens]`.
pub fn queries_from_bytes<T: Token>(bytes: &[u8]) -> Result<Vec<Vec<T>>, FormatError> {
    let mut queries = Vec::new();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let index = queries.len();
        let available = bytes.len() - offset;
        let truncated = |needed| FormatError::TruncatedQueries {
            index,
            offset,
            needed,
            available,
        };
        let Some(len) = bytes.get(offset..offset + 4) else {
            return Err(truncated(4));
        };
        let len = u64::from(u32::from_le_bytes([len[0], len[1], len[2], len[3]]));
        let needed = len * T::BYTES as u64;
        if needed > (available - 4) as u64 {
            return Err(truncated(needed + 4));
        }
        let body = &bytes[offset + 4..offset + 4 + needed as usize];
        // Exact, since `needed` is a multiple of the width: a copy, because
        // the body need not be aligned for `T`.
        queries.push(bytemuck::pod_collect_to_vec(body));
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
    if !bytes.starts_with(MAGIC) {
        return queries_from_bytes(&bytes);
    }
    drop(bytes);
    let array = NpyMap::open(path)?;
    let bad = |message: String| NpyError::Format {
        path: path.to_path_buf(),
        message,
    };
    let (rows, width) = match array.shape[..] {
        [n] => (1, n),
        [rows, w] => (rows, w),
        _ => {
            return Err(bad(format!(
                "queries must be a 1-D or 2-D array, not of shape {:?}",
                array.shape
            ))
            .into())
        }
    };
    // A row of no tokens is no query; refusing it also keeps the number of
    // rows (each an allocation) bounded by the data bytes of the file,
    // whereas a header alone could promise 10^18 empty rows.
    refuse_empty_rows(rows, width, || format!("{:?}", array.shape)).map_err(bad)?;
    if rows == 0 {
        return Ok(Vec::new());
    }
    let values = array.to_u32()?;
    queries_from_ids(values.chunks(width).map(|row| row.iter().copied()))
}

/// Refuses `rows` queries of `width == 0` tokens, before any row is made;
/// `shape` writes the shape for the message.
pub fn refuse_empty_rows(
    rows: usize,
    width: usize,
    shape: impl FnOnce() -> String,
) -> Result<(), String> {
    if width == 0 && rows > 0 {
        return Err(format!(
            "queries of 0 tokens (shape {}); every query or target needs at least one token",
            shape()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            check_queries::<u16, _>(&[vec![1u16; 5]], 4),
            Err(FormatError::QueryTooLong { .. })
        ));
        assert!(matches!(
            check_queries::<u16, _>(&[vec![u16::SEPARATOR]], 4),
            Err(FormatError::TokenTooLarge { .. })
        ));
        assert!(matches!(
            check_queries::<u16, Vec<u16>>(&[vec![]], 4),
            Err(FormatError::EmptyQuery { .. })
        ));
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
            assert!(
                message.contains("q.npy") && message.contains("0 tokens"),
                "{message}"
            );
            assert!(read_queries::<u32>(&path).is_err());
        }
        crate::npy::write::<u16>(&path, &[0], &[]).unwrap();
        assert!(
            read_queries::<u16>(&path).is_err(),
            "a 1-D array is one query, and this one is empty"
        );
        crate::npy::write::<u16>(&path, &[0, 5], &[]).unwrap();
        assert_eq!(read_queries::<u16>(&path).unwrap(), Vec::<Vec<u16>>::new());
        crate::npy::write::<u32>(&path, &[2, 2], &[1, 2, 3, 70_000]).unwrap();
        assert_eq!(
            read_queries::<u32>(&path).unwrap(),
            vec![vec![1, 2], vec![3, 70_000]]
        );
        assert!(matches!(
            read_queries::<u16>(&path),
            Err(FormatError::TokenTooLarge { token: 70_000, .. })
        ));
        crate::npy::write::<u16>(&path, &[3], &[4, 5, 6]).unwrap();
        assert_eq!(read_queries::<u16>(&path).unwrap(), vec![vec![4, 5, 6]]);
    }
}
