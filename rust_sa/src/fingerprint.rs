//! Fingerprints that tie a suffix array to its part.
//!
//! `make` writes into the array's `.npy` header (as a note, see
//! [`crate::npy`]) a [`Stamp`]: a fingerprint of the part (its tokens and
//! document boundaries) and a checksum of the array. Opening the array then
//! recomputes both with sequential reads, instead of checking the order of
//! the whole array, which is linear too but reads the text at random (see
//! [`crate::check`]): a foreign or stale array fails the first, a damaged one
//! the second.
//!
//! The hash is not cryptographic; it guards against accidents, not forgery.
//! It is fixed by this module alone (64-bit words, little-endian, in blocks
//! of [`BLOCK`] bytes whose hashes are combined in order), so a fingerprint
//! does not depend on the machine or the number of threads.

use rayon::prelude::*;

use crate::format::Document;
use crate::token::Token;

/// Bytes per independently hashed block.
pub const BLOCK: usize = 1 << 20;

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED: u64 = 0x2545_F491_4F6C_DD1D;

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    let h = (h ^ w).wrapping_mul(MUL);
    h ^ (h >> 29)
}

fn block_hash(bytes: &[u8]) -> u64 {
    let mut h = mix(SEED, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = mix(h, u64::from_le_bytes(b));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut b = [0u8; 8];
        b[..tail.len()].copy_from_slice(tail);
        h = mix(h, u64::from_le_bytes(b));
    }
    h
}

/// Hash of `bytes` (blocks hashed in parallel, combined in order).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let blocks: Vec<u64> = bytes.par_chunks(BLOCK).map(block_hash).collect();
    blocks.into_iter().fold(mix(SEED, bytes.len() as u64), mix)
}

/// Fingerprint of a part: its tokens (headers included) and where its
/// documents start.
pub fn part<T: Token>(tokens: &[T], docs: &[Document]) -> u64 {
    let starts: Vec<u64> = docs.iter().map(|d| d.start as u64).collect();
    mix(
        hash_bytes(bytemuck::cast_slice(tokens)),
        hash_bytes(bytemuck::cast_slice(&starts)),
    )
}

/// Checksum of a suffix array.
pub fn array(sa: &[u32]) -> u64 {
    hash_bytes(bytemuck::cast_slice(sa))
}

/// The fingerprints `make` records with an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// [`part()`] of the part the array was built for.
    pub part: u64,
    /// [`array()`] of the array as written.
    pub array: u64,
}

const PREFIX: &str = "rust_sa suffix array:";

impl Stamp {
    /// The header note holding the stamp.
    pub fn note(&self) -> String {
        format!("{PREFIX} part={:016x} array={:016x}", self.part, self.array)
    }

    /// The stamp of a header note, if it holds one.
    pub fn parse(note: &str) -> Option<Stamp> {
        let rest = note.strip_prefix(PREFIX)?.trim();
        let (part, array) = rest.split_once(' ')?;
        let hex = |s: &str, key: &str| u64::from_str_radix(s.strip_prefix(key)?, 16).ok();
        Some(Stamp {
            part: hex(part, "part=")?,
            array: hex(array.trim(), "array=")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::build_part;
    use crate::part::Part;

    const PINNED: u64 = 0xea46_6bb5_44c9_2a21;

    #[test]
    fn hashes_do_not_depend_on_threads_and_see_every_byte() {
        let data: Vec<u8> = (0..3 * BLOCK + 5).map(|i| (i * 7 % 251) as u8).collect();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let h = hash_bytes(&data);
        assert_eq!(one.install(|| hash_bytes(&data)), h);
        assert_eq!(four.install(|| hash_bytes(&data)), h);
        for at in [0, 7, BLOCK, 3 * BLOCK + 4] {
            let mut other = data.clone();
            other[at] ^= 1;
            assert_ne!(hash_bytes(&other), h, "byte {at}");
        }
        // A zero tail byte is not the same as no byte.
        assert_ne!(
            hash_bytes(&data[..data.len() - 1]),
            hash_bytes(&[&data[..data.len() - 1], &[0]].concat())
        );
        // Pinned: a stamp written by one build must be read by the next.
        assert_eq!(hash_bytes(b"rust_sa"), PINNED);
    }

    #[test]
    fn the_part_fingerprint_sees_tokens_and_boundaries() {
        let fp = |docs: &[(u32, Vec<u16>)]| {
            let (tokens, offsets) = build_part(docs);
            let part = Part::from_tokens(tokens, &offsets).unwrap();
            super::part(part.tokens(), part.docs())
        };
        let a = fp(&[(1, vec![3, 1, 2]), (2, vec![2])]);
        assert_eq!(a, fp(&[(1, vec![3, 1, 2]), (2, vec![2])]));
        assert_ne!(a, fp(&[(1, vec![3, 1, 4]), (2, vec![2])]));
        assert_ne!(a, fp(&[(1, vec![3, 1, 2]), (3, vec![2])]));
    }

    #[test]
    fn stamps_round_trip_through_their_note() {
        let s = Stamp {
            part: 0x0123_4567_89ab_cdef,
            array: 7,
        };
        assert_eq!(
            s.note(),
            "rust_sa suffix array: part=0123456789abcdef array=0000000000000007"
        );
        assert_eq!(Stamp::parse(&s.note()), Some(s));
        assert_eq!(Stamp::parse("rust_sa suffix array: part=xyz array=1"), None);
        assert_eq!(Stamp::parse("something else"), None);
    }
}
