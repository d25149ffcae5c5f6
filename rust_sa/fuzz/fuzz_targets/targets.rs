//! Scan targets and count-multi queries read from a file (a `.npy` array or
//! the original tool's query file; uint16 or uint32 tokens), then searched
//! for in a small part: the reader returns an error or rows that its file
//! can hold, and `scan` and `count_many` agree with brute force or refuse
//! the rows (no targets, unequal lengths, ids above the width, empty
//! queries) with the matching error.
//!
//! Input: `[flags][cut][bodies][file]`: bit 0 of the flags picks uint32
//! tokens and bits 2-4 the scan's largest distance; the bodies are bytes,
//! `0xFF` between documents and every other byte one token of a small
//! alphabet that includes ids near 2^31 for uint32 parts.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rust_sa::count;
use rust_sa::error::FormatError;
use rust_sa::layout::build_part;
use rust_sa::part::Part;
use rust_sa::queries::{check_queries, read_queries};
use rust_sa::sa::{self, SaToken};
use rust_sa::scan::{self, ScanError};

fn check<T: SaToken>(
    dir: &std::path::Path,
    bodies: &[u8],
    file: &[u8],
    max_distance: usize,
    alphabet: &[u32],
) {
    let Some(path) = common::write(dir, "targets.npy", file) else {
        return;
    };
    let Ok(rows) = read_queries::<T>(&path) else {
        return;
    };
    // Each row costs at least a token's bytes of the file, or a record's
    // 4-byte length: memory follows the file.
    let tokens_read: usize = rows.iter().map(Vec::len).sum();
    assert!(tokens_read <= file.len() && rows.len() <= file.len());
    if file.starts_with(b"\x93NUMPY") {
        assert!(rows
            .iter()
            .all(|r| !r.is_empty() && r.len() == rows[0].len()));
    }
    let docs = common::bodies::<T>(bodies, alphabet);
    let (tokens, offsets) = build_part(&docs);
    let Ok(part) = Part::from_tokens(tokens.clone(), &offsets) else {
        return;
    };
    let docs = part.docs().to_vec();
    // The scan: all targets of one length, no empty or oversized one.
    let small = rows.len() <= 6 && rows.iter().all(|r| r.len() <= 12);
    if small {
        let got = scan::scan(&tokens, &docs, rows.clone(), max_distance, &|_| {});
        match got {
            Ok(hits) => assert_eq!(
                hits,
                common::naive_scan(&tokens, &docs, &rows, max_distance)
            ),
            Err(ScanError::NoTargets) => assert!(rows.is_empty()),
            Err(ScanError::UnequalLengths { index, .. }) => {
                assert_ne!(rows[index].len(), rows[0].len())
            }
            Err(ScanError::Format(FormatError::EmptyQuery { index })) => {
                assert!(rows[index].is_empty())
            }
            Err(ScanError::Format(FormatError::TokenTooLarge { .. })) => {
                assert!(rows.iter().flatten().any(|t| t.get() > T::MAX_TOKEN))
            }
            Err(e) => panic!("unexpected scan error: {e}"),
        }
    }
    // The counts, against the part's suffix array.
    match check_queries(&rows, tokens.len()) {
        Ok(()) => {
            let n_body = tokens.len() - part.header_tokens();
            let array = sa::build(part, 1).expect("a valid part always sorts");
            let counts = count::count_many(&tokens, &array[..n_body], &rows, &|_| {});
            for (q, c) in rows.iter().zip(counts).take(64) {
                assert_eq!(c, common::naive_count(&tokens, &docs, q), "count of {q:?}");
            }
        }
        Err(FormatError::EmptyQuery { index }) => assert!(rows[index].is_empty()),
        Err(FormatError::QueryTooLong { index, .. }) => assert!(rows[index].len() > tokens.len()),
        Err(FormatError::TokenTooLarge { .. }) => {
            assert!(rows.iter().flatten().any(|t| t.get() > T::MAX_TOKEN))
        }
        Err(e) => panic!("unexpected query error: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((_, bodies, file)) = common::cut(rest) else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let max_distance = (flags as usize >> 2) % 8;
    if flags & 1 == 0 {
        check::<u16>(
            dir.path(),
            bodies,
            file,
            max_distance,
            &[0, 1, 2, 3, 4, 5, 300, 0xFFFE],
        );
    } else {
        check::<u32>(
            dir.path(),
            bodies,
            file,
            max_distance,
            &[0, 1, 2, 3, 70_000, 0x4000_0000, 0x7FFF_FFFE, 0x7FFF_FFFF],
        );
    }
});
