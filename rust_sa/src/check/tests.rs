use proptest::prelude::*;

use super::permutation::permutation_bits_in;
use super::*;
use crate::format::documents;
use crate::layout::build_part;
use crate::testdata::{repeating_documents, xorshift};

/// The suffix array of the masked text by prefix doubling: a reference
/// that shares nothing with libsais or with the `sa` module (which relies on
/// this module).
fn reference_sa<T: Token>(tokens: &[T], docs: &[Document]) -> Vec<u32> {
    let n = tokens.len();
    let mut rank: Vec<i64> = tokens.iter().map(|t| i64::from(t.get())).collect();
    for d in docs {
        rank[d.start - T::HEADER_TOKENS..d.start].fill(i64::from(header_symbol::<T>()));
    }
    let mut sa: Vec<usize> = (0..n).collect();
    let mut k = 1;
    loop {
        // A suffix that ends first sorts first.
        let key = |i: usize| (rank[i], rank.get(i + k).copied().unwrap_or(-1));
        sa.sort_unstable_by_key(|&i| key(i));
        let mut next = vec![0i64; n];
        for w in 1..n {
            next[sa[w]] = next[sa[w - 1]] + i64::from(key(sa[w - 1]) != key(sa[w]));
        }
        rank = next;
        if n == 0 || rank[sa[n - 1]] as usize == n - 1 {
            return sa.into_iter().map(|p| p as u32).collect();
        }
        k *= 2;
    }
}

fn suffix_array<T: Token>(docs: &[(u32, Vec<T>)]) -> (Vec<T>, Vec<Document>, Vec<u32>) {
    let (tokens, offsets) = build_part(docs);
    let parsed = documents(&tokens, &offsets).unwrap();
    let sa = reference_sa(&tokens, &parsed);
    (tokens, parsed, sa)
}

/// `verify` with the induced pass in one chunk, and in several down to
/// one suffix per chunk: all must agree.
fn verify_both<T: Token>(sa: &[u32], tokens: &[T], docs: &[Document]) -> Result<(), Flaw> {
    let one = verify_in_chunks(sa, tokens, docs, 1);
    for chunks in [2, 3, 7, sa.len()] {
        assert_eq!(
            verify_in_chunks(sa, tokens, docs, chunks).is_ok(),
            one.is_ok(),
            "{chunks} chunks"
        );
    }
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    assert_eq!(
        four.install(|| verify(sa, tokens, docs)).is_ok(),
        one.is_ok()
    );
    one
}

#[test]
fn every_entry_the_same_position_is_refused() {
    let (tokens, docs, sa) = suffix_array::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
    assert_eq!(verify_both(&sa, &tokens, &docs), Ok(()));
    let same = vec![5u32; sa.len()];
    assert_eq!(
        verify(&same, &tokens, &docs),
        Err(Flaw::Duplicate { index: 1, value: 5 })
    );
    assert_eq!(
        verify(&sa[1..], &tokens, &docs),
        Err(Flaw::Length { len: sa.len() - 1 })
    );
    let mut out = sa.clone();
    out[2] = 12;
    assert_eq!(
        verify(&out, &tokens, &docs),
        Err(Flaw::OutOfRange {
            index: 2,
            value: 12
        })
    );
}

#[test]
fn permutations_are_checked_alike_on_one_and_many_threads() {
    let n = 5000;
    let mut sa: Vec<u32> = (0..n as u32).rev().collect();
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let both = |sa: &[u32]| {
        let one = permutation_bits_in(sa, n, false).map(|b| b.0);
        assert_eq!(
            four.install(|| permutation_bits_in(sa, n, true).map(|b| b.0)),
            one
        );
        one.map(drop)
    };
    assert_eq!(both(&sa), Ok(()));
    sa[4000] = sa[10];
    assert_eq!(
        both(&sa),
        Err(Flaw::Duplicate {
            index: 4000,
            value: sa[10]
        })
    );
    sa[20] = n as u32 + 3;
    assert_eq!(
        both(&sa),
        Err(Flaw::OutOfRange {
            index: 20,
            value: n as u32 + 3
        })
    );
    sa[20] = 63;
    sa[4000] = 64;
    assert_eq!(
        both(&sa),
        Err(Flaw::Duplicate {
            index: 4935,
            value: 64
        }),
        "64 is also at n - 1 - 64"
    );
    assert_eq!(permutation(&sa[1..], n), Err(Flaw::Length { len: n - 1 }));
}

#[test]
fn large_parts_check_alike_on_one_and_many_threads() {
    // Enough tokens for several chunks, with long repeats.
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    let docs = repeating_documents(&mut next, 150, 3_000, 40, 5);
    let (tokens, parsed, sa) = suffix_array(&docs);
    assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
    for _ in 0..20 {
        let (i, j) = (next() as usize % sa.len(), next() as usize % sa.len());
        let mut bad = sa.clone();
        bad.swap(i, j);
        assert_eq!(
            verify_both(&bad, &tokens, &parsed).is_ok(),
            i == j,
            "swap {i} {j}"
        );
    }
}

#[test]
fn sparse_uint32_symbols_are_counted_by_hashing() {
    let docs: Vec<(u32, Vec<u32>)> = vec![
        (7, vec![0x7FFF_FFFE, 3, 0x4000_0000, 3]),
        (u32::MAX, vec![3, 0x7FFF_FFFE, 0x7FFF_FFFE]),
    ];
    let (tokens, parsed, sa) = suffix_array(&docs);
    assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
    let mut bad = sa.clone();
    bad.swap(0, 1);
    assert!(verify_both(&bad, &tokens, &parsed).is_err());
}

proptest! {
    #[test]
    fn only_the_suffix_array_passes(
        docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u16..3, 0..30)), 1..5),
        perm in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let (tokens, parsed, sa) = suffix_array(&docs);
        prop_assert_eq!(verify_both(&sa, &tokens, &parsed), Ok(()));
        // Any other permutation of the positions: a few random moves.
        let mut other = sa.clone();
        for (k, r) in perm.iter().enumerate() {
            other.swap(k % sa.len(), r % sa.len());
        }
        prop_assert_eq!(verify_both(&other, &tokens, &parsed).is_ok(), other == sa);
    }
}
