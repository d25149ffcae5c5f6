use proptest::prelude::*;

use super::*;
use crate::layout::build_part;
use crate::part::Part;
use crate::testdata::dp_levenshtein;

/// The obviously correct scan: every window, both metrics by definition,
/// greedy selection over the whole part.
pub(crate) fn reference<T: Token>(part: &Part<T>, targets: &[Vec<T>], d: usize) -> Vec<Hit> {
    let len = targets[0].len();
    let mut out = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        for metric in [Metric::Hamming, Metric::Levenshtein] {
            let mut all = Vec::new();
            for (i, doc) in part.docs().iter().enumerate() {
                let body = &part.tokens()[doc.start..doc.end];
                for p in 0..(body.len() + 1).saturating_sub(len) {
                    let w = &body[p..p + len];
                    let dist = match metric {
                        Metric::Hamming => hamming(w, target),
                        Metric::Levenshtein => dp_levenshtein(w, target),
                    };
                    if dist as usize <= d {
                        all.push((dist, doc.start + p, i, p));
                    }
                }
            }
            all.sort();
            let mut kept: Vec<(usize, usize)> = Vec::new();
            for (dist, pos, i, p) in all {
                if kept
                    .iter()
                    .all(|&(ki, kp)| ki != i || kp.abs_diff(p) >= len)
                {
                    kept.push((i, p));
                    out.push(Hit {
                        target: t as u32,
                        metric,
                        distance: dist,
                        doc_index: i as u32,
                        doc_id: part.docs()[i].id,
                        offset: p as u32,
                        position: pos as u64,
                    });
                }
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #[test]
    fn myers_equals_dp(a in prop::collection::vec(0u16..4, 1..150), b in prop::collection::vec(0u16..4, 1..150)) {
        let b: Vec<u16> = b.into_iter().cycle().take(a.len()).collect();
        let index = Index::<u16, u8>::new(vec![a.clone()]);
        let mut w = Window::new(&index);
        prop_assert_eq!(w.levenshtein(&index, 0, &b, u32::MAX), Some(dp_levenshtein(&a, &b)));
    }

    #[test]
    fn scan_equals_reference(
        docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u16..4, 0..60)), 1..5),
        targets in prop::collection::vec(prop::collection::vec(0u16..5, 6), 1..4),
        d in 0usize..7,
    ) {
        let (tokens, offsets) = build_part(&docs);
        let part = Part::from_tokens(tokens, &offsets).unwrap();
        let got = scan(part.tokens(), part.docs(), targets.clone(), d, &|_| {}).unwrap();
        prop_assert_eq!(got, reference(&part, &targets, d));
    }
}

#[test]
fn long_targets_use_wide_counters_and_many_words() {
    let target: Vec<u16> = (0..300).map(|i| (i * 7 % 50) as u16).collect();
    let mut near = target.clone();
    near.remove(10);
    near.insert(200, 3);
    let body: Vec<u16> = [vec![1; 40], near, vec![2; 40]].concat();
    let (tokens, offsets) = build_part(&[(9, body)]);
    let part = Part::from_tokens(tokens, &offsets).unwrap();
    let got = scan(part.tokens(), part.docs(), vec![target.clone()], 5, &|_| {}).unwrap();
    assert_eq!(got, reference(&part, &[target], 5));
    assert!(got
        .iter()
        .any(|h| h.metric == Metric::Levenshtein && h.distance == 2 && h.offset == 40));
}

#[test]
fn memory_follows_the_targets_not_their_largest_id() {
    // One id near 2^31 used to size the index and every thread's counts
    // by the id: about 24 GiB for these few bytes.
    let target = vec![0x7FFF_FFFEu32, 5, 0x4000_0000, 5];
    let index = Index::<u32, u8>::new(vec![target.clone()]);
    let w = Window::new(&index);
    assert_eq!(w.counts.len(), 3);
    assert_eq!(index.entries.len(), 3);
    assert!(
        index.ids.heap_bytes() <= 4096,
        "{} bytes",
        index.ids.heap_bytes()
    );
    let body = vec![
        1,
        0x7FFF_FFFE,
        5,
        0x4000_0000,
        5,
        0x7FFF_FFFD,
        5,
        0x4000_0000,
        5,
        0x7FFF_FFFE,
    ];
    let (tokens, offsets) = build_part(&[(3, body), (4, vec![5, 5, 0x4000_0000])]);
    let part = Part::from_tokens(tokens, &offsets).unwrap();
    let got = scan(part.tokens(), part.docs(), vec![target.clone()], 2, &|_| {}).unwrap();
    assert_eq!(got, reference(&part, &[target], 2));
    assert!(got.iter().any(|h| h.distance == 0 && h.offset == 1));
}

proptest! {
    #[test]
    fn u32_scan_with_sparse_ids_equals_reference(
        docs in prop::collection::vec((any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 9, 70_000, 0x4000_0000, 0x7FFF_FFFE]), 0..40)), 1..4),
        targets in prop::collection::vec(prop::collection::vec(prop::sample::select(vec![9u32, 70_000, 0x4000_0001, 0x7FFF_FFFE]), 4), 1..4),
        d in 0usize..5,
    ) {
        let (tokens, offsets) = build_part(&docs);
        let part = Part::from_tokens(tokens, &offsets).unwrap();
        let got = scan(part.tokens(), part.docs(), targets.clone(), d, &|_| {}).unwrap();
        prop_assert_eq!(got, reference(&part, &targets, d));
    }
}

#[test]
fn rejects_bad_targets() {
    let (tokens, offsets) = build_part(&[(0, vec![1u16, 2, 3])]);
    let part = Part::from_tokens(tokens, &offsets).unwrap();
    let scan = |t: Vec<Vec<u16>>| scan(part.tokens(), part.docs(), t, 1, &|_| {});
    assert!(matches!(scan(vec![]), Err(ScanError::NoTargets)));
    assert!(matches!(
        scan(vec![vec![1, 2], vec![1]]),
        Err(ScanError::UnequalLengths { index: 1, .. })
    ));
    assert!(matches!(
        scan(vec![vec![0xFFFF, 2]]),
        Err(ScanError::Format(_))
    ));
}
