//! A part from files, and its suffix array from a file: `Part::open` (mapped)
//! and `Part::read` (read into memory) agree with each other and with the
//! in-memory validation; `sa::make` writes an array that
//! `SuffixArray::open` accepts and counts agree with brute force; and a
//! damaged or foreign array is accepted only if it is, entry for entry, the
//! suffix array (which is unique), whether it keeps the stamp that `make`
//! wrote into the header (then its checksum must catch the damage) or not
//! (then the full order check must).
//!
//! Input: `[flags][cut1][cut2][train][size][damage]`: bit 0 of the flags
//! picks uint32 tokens, bits 1-2 the damage (none, entries overwritten,
//! entries swapped, a whole array from the bytes), bit 3 keeps the stamp.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rust_sa::fingerprint::Stamp;
use rust_sa::format::{documents, offsets_from_bytes, tokens_from_bytes};
use rust_sa::part::Part;
use rust_sa::sa::{self, SaToken, SuffixArray};
use rust_sa::{count, npy};

fn u16_at(b: &[u8]) -> usize {
    u16::from_le_bytes([b[0], b[1]]) as usize
}

/// The suffix array `good` damaged as the flags and bytes say.
fn damage(good: &[u32], mode: u8, bytes: &[u8]) -> Vec<u32> {
    let n = good.len();
    let mut bad = good.to_vec();
    match mode {
        1 => {
            for r in bytes.chunks_exact(4) {
                // Values up to n + 1: mostly in range, some just beyond.
                bad[u16_at(r) % n] = (u16_at(&r[2..]) % (n + 2)) as u32;
            }
        }
        2 => {
            for r in bytes.chunks_exact(4) {
                bad.swap(u16_at(r) % n, u16_at(&r[2..]) % n);
            }
        }
        3 => {
            for (slot, r) in bad.iter_mut().zip(bytes.chunks_exact(2)) {
                *slot = (u16_at(r) % (n + 1)) as u32;
            }
        }
        _ => {}
    }
    bad
}

fn check<T: SaToken>(
    dir: &std::path::Path,
    train_bytes: &[u8],
    size_bytes: &[u8],
    flags: u8,
    damage_bytes: &[u8],
) {
    let (Some(train), Some(size)) = (
        common::write(dir, "p.train", train_bytes),
        common::write(dir, "p.train.size", size_bytes),
    ) else {
        return;
    };
    let mapped = Part::<T>::open(&train, &size);
    let read = Part::<T>::read(&train, &size);
    let memory = tokens_from_bytes::<T>(train_bytes)
        .and_then(|t| offsets_from_bytes(size_bytes).map(|o| (t, o)))
        .and_then(|(t, o)| documents(&t, &o).map(|d| (t, d)));
    let (mapped, read, (tokens, docs)) = match (mapped, read, memory) {
        (Ok(m), Ok(r), Ok(x)) => (m, r, x),
        (m, r, x) => {
            // All three refuse, with the same complaint about the content
            // (the file-based readers may name the file in addition).
            let (m, r, x) = (
                m.err().map(|e| e.to_string()),
                r.err().map(|e| e.to_string()),
                x.err().map(|e| e.to_string()),
            );
            assert!(
                m.is_some() && r.is_some() && x.is_some(),
                "readers disagree: {m:?} {r:?} {x:?}"
            );
            assert_eq!(m, r);
            return;
        }
    };
    assert_eq!(mapped.tokens(), &tokens[..]);
    assert_eq!(read.tokens(), &tokens[..]);
    assert_eq!(mapped.docs(), &docs[..]);
    assert_eq!(read.docs(), &docs[..]);
    let out = dir.join("p.train.sa.npy");
    let n = sa::make::<T>(&train, &size, &out, 1).expect("a valid part always sorts");
    assert_eq!(n, tokens.len());
    let opened = SuffixArray::open(&out, &mapped).expect("make's own array is accepted");
    let n_body = tokens.len() - mapped.header_tokens();
    assert_eq!(opened.body().len(), n_body);
    for d in docs.iter().take(4) {
        let body = &tokens[d.start..d.end];
        for len in 1..=body.len().min(3) {
            let q = &body[body.len() - len..];
            assert_eq!(
                count::count(&tokens, opened.body(), q),
                common::naive_count(&tokens, &docs, q)
            );
        }
    }
    let map = npy::NpyMap::open(&out).expect("readable");
    let good: Vec<u32> = map.data::<u32>().expect("uint32").to_vec();
    assert!(
        map.note.as_deref().and_then(Stamp::parse).is_some(),
        "make stamps its array"
    );
    let bad = damage(&good, (flags >> 1) & 3, damage_bytes);
    let damaged = dir.join("bad.sa.npy");
    let note = if flags & 8 != 0 {
        map.note.as_deref()
    } else {
        None
    };
    npy::write_with_note(&damaged, &[bad.len()], &bad, note).expect("writable");
    match SuffixArray::open(&damaged, &mapped) {
        Ok(_) => assert_eq!(bad, good, "a damaged array was accepted"),
        Err(e) => {
            assert_ne!(bad, good, "the suffix array was refused: {e}");
            assert!(e.to_string().contains("bad.sa.npy"), "{e}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((_, part, damage_bytes)) = common::cut(rest) else {
        return;
    };
    let Some((_, train, size)) = common::cut(part) else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    if flags & 1 == 0 {
        check::<u16>(dir.path(), train, size, flags, damage_bytes);
    } else {
        check::<u32>(dir.path(), train, size, flags, damage_bytes);
    }
});
