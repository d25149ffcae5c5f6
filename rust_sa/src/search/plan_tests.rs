//! The split and its suffix-array ranges against `count::find` and a
//! brute-force optimum.

use proptest::prelude::*;

use super::narrow::{narrow, RangeTable};
use super::plan::{best_split, equal_split, plan};
use super::tests::{bodies, Fixture};
use crate::count::find;

proptest! {
    #[test]
    fn ranges_are_those_of_find(
        docs in prop::collection::vec((0u32..3, prop::collection::vec(0u16..3, 0..40)), 1..5),
        q in prop::collection::vec(0u16..3, 1..12),
        k in 1usize..4,
    ) {
        let fixture = Fixture::new(&docs);
        let tokens = fixture.part.tokens();
        let mut r = 0..fixture.sa.len();
        for l in 1..=q.len() {
            r = narrow(tokens, &fixture.sa, r, l - 1, q[l - 1]);
            prop_assert_eq!(r.clone(), find(tokens, &fixture.sa, &q[..l]));
        }
        let table = RangeTable::new(tokens, &fixture.sa, &q, q.len());
        for a in 0..q.len() {
            for l in 1..=q.len() - a {
                prop_assert_eq!(table.range(a, l), find(tokens, &fixture.sa, &q[a..a + l]));
            }
            let fewest = table.size(a, q.len() - a);
            let useful = table.useful(a);
            prop_assert_eq!(table.size(a, useful), fewest);
            prop_assert!(useful == 1 || table.size(a, useful - 1) > fewest);
        }
        let Some(quick) = plan(tokens, &fixture.sa, &q, k, 0) else {
            prop_assert!(k > q.len());
            return Ok(());
        };
        let best = best_split(tokens, &fixture.sa, &q, k, equal_split(tokens, &fixture.sa, &q, k));
        for p in [&quick, &best] {
            prop_assert_eq!(p.pieces.len(), k);
            let mut end = 0;
            let mut total = 0;
            for piece in &p.pieces {
                prop_assert!(piece.offset >= end && piece.len >= 1);
                end = piece.offset + piece.len;
                let want = find(tokens, &fixture.sa, &q[piece.offset..end]);
                prop_assert_eq!(&piece.range, &want);
                total += want.len() as u64;
            }
            prop_assert!(end <= q.len());
            prop_assert_eq!(p.occurrences, total);
        }
        prop_assert_eq!(best.occurrences, fewest_by_brute_force(&table, q.len(), 0, k));
    }
}

/// The fewest occurrences of `k` disjoint pieces inside `q[from..len]`.
fn fewest_by_brute_force(table: &RangeTable, len: usize, from: usize, k: usize) -> u64 {
    if k == 0 {
        return 0;
    }
    let mut best = u64::MAX;
    for a in from..len {
        for l in 1..=len - a {
            let rest = fewest_by_brute_force(table, len, a + l, k - 1);
            if rest != u64::MAX {
                best = best.min(table.size(a, l) + rest);
            }
        }
    }
    best
}

#[test]
fn large_ranges_narrow_like_find() {
    // Ranges of thousands of suffixes, narrowed from both ends and bisected.
    let mut next = crate::testdata::xorshift(3);
    let docs = crate::testdata::repeating_documents(&mut next, 40, 500, 3, 4);
    let fixture = Fixture::new(&docs);
    let tokens = fixture.part.tokens();
    for at in [0usize, 777, 5000, 9000] {
        let q: Vec<u16> = bodies(&docs)[at..at + 30].to_vec();
        let table = RangeTable::new(tokens, &fixture.sa, &q, q.len());
        for a in 0..q.len() {
            for l in 1..=q.len() - a {
                assert_eq!(table.range(a, l), find(tokens, &fixture.sa, &q[a..a + l]));
            }
        }
        assert!(table.size(0, 1) > 1000);
    }
}
