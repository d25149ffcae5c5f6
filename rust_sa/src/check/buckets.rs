//! Step 2 of the check: the bucket of every symbol of the masked text, from
//! a count of the symbols.
//!
//! Invariant: the buckets cover the array in the order of their symbols,
//! the header symbol last, and their memory follows the number of distinct
//! symbols (a direct count while that stays small beside the part, a hash
//! table otherwise), never the largest id.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::dense::DenseIds;
use crate::format::Document;
use crate::token::Token;

/// Multiplicative hashing of the `u32` symbols of sparse uint32 parts.
#[derive(Default)]
struct SymbolHasher(u64);

impl Hasher for SymbolHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b) ^ (self.0 as u32));
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.0 = (u64::from(v) ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        // The table takes its index from the low bits, which a product
        // mixes worst.
        self.0 ^ (self.0 >> 29)
    }
}

/// The distinct symbols of the masked text (ascending) and where their
/// buckets start in the array (`starts[c]..starts[c + 1]` for symbol `c`).
pub(super) struct Buckets {
    pub(super) slots: DenseIds,
    pub(super) starts: Vec<usize>,
}

pub(super) fn buckets<T: Token>(tokens: &[T], docs: &[Document]) -> Buckets {
    let body = || {
        docs.iter()
            .flat_map(|d| tokens[d.start..d.end].iter().map(|t| t.get()))
    };
    let max = body().max().map_or(0, |m| m as usize);
    // Counters by id while they take at most n / 8 bytes (or 512 KiB).
    let mut counted: Vec<(u32, usize)> = if max < (1 << 16).max(tokens.len() / 64) {
        let mut counts = vec![0usize; max + 1];
        for t in body() {
            counts[t as usize] += 1;
        }
        counts
            .into_iter()
            .enumerate()
            .filter(|&(_, c)| c > 0)
            .map(|(t, c)| (t as u32, c))
            .collect()
    } else {
        let mut counts: HashMap<u32, usize, BuildHasherDefault<SymbolHasher>> = HashMap::default();
        for t in body() {
            *counts.entry(t).or_insert(0) += 1;
        }
        let mut v: Vec<(u32, usize)> = counts.into_iter().collect();
        v.sort_unstable();
        v
    };
    counted.push((header_symbol::<T>(), docs.len() * T::HEADER_TOKENS));
    let symbols: Vec<u32> = counted.iter().map(|&(s, _)| s).collect();
    let mut starts = Vec::with_capacity(counted.len() + 1);
    let mut at = 0;
    for &(_, c) in &counted {
        starts.push(at);
        at += c;
    }
    starts.push(at);
    Buckets {
        slots: DenseIds::new(&symbols),
        starts,
    }
}

/// The symbol of every header position: above every body token.
pub(super) fn header_symbol<T: Token>() -> u32 {
    T::MAX_TOKEN + 1
}
