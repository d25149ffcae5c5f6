//! Tests of loading a suffix array: stale, foreign, damaged and unstamped
//! arrays are refused, and only the suffix array itself passes the check.

use proptest::prelude::*;

use super::tests::docs_u16;
use super::*;
use crate::layout::{build_part, default_size_path};
use crate::writer::PartWriter;

#[test]
fn stale_arrays_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (tokens, offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
    let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
    let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
    let path = dir.path().join("sa.npy");
    npy::write(&path, &[sa.len()], &sa).unwrap();
    assert_eq!(SuffixArray::open(&path, &part).unwrap().body().len(), 6);
    npy::write(&path, &[sa.len() - 1], &sa[1..]).unwrap();
    assert!(matches!(
        SuffixArray::open(&path, &part),
        Err(SaError::LengthMismatch { .. })
    ));
    let mut bad = sa.clone();
    bad[0] = 99;
    npy::write(&path, &[bad.len()], &bad).unwrap();
    assert!(matches!(
        SuffixArray::open(&path, &part),
        Err(SaError::OutOfRange { .. })
    ));
    let mut bad = sa.clone();
    bad.swap(0, 1);
    npy::write(&path, &[bad.len()], &bad).unwrap();
    assert!(matches!(
        SuffixArray::open(&path, &part),
        Err(SaError::NotSorted { .. })
    ));
}

#[test]
fn arrays_that_are_not_permutations_are_rejected() {
    // Body: 3 1 2 1 | 2 2 at positions 3..7 and 10..12.
    let dir = tempfile::tempdir().unwrap();
    let (tokens, offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
    let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
    let path = dir.path().join("sa.npy");
    // Every entry the position of the first `2`: in range, and sorted
    // wherever sampled, so it used to be accepted, and counts through it
    // were wrong (see `count::tests::counts_are_only_as_good_as_the_array`).
    let same = vec![5u32; tokens.len()];
    npy::write(&path, &[same.len()], &same).unwrap();
    let e = SuffixArray::open(&path, &part).err().unwrap();
    assert!(
        matches!(
            e,
            SaError::Duplicate {
                index: 1,
                value: 5,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("sa.npy") && e.to_string().contains("not a permutation"),
        "{e}"
    );
    // A permutation sorted by first token but not inside a bucket.
    let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
    let ones: Vec<usize> = (0..6).filter(|&i| tokens[sa[i] as usize] == 1).collect();
    let mut bad = sa.clone();
    bad.swap(ones[0], ones[1]);
    assert!(matches!(
        check::verify(&bad, &tokens, part.docs()),
        Err(Flaw::NotSorted { .. })
    ));
    npy::write(&path, &[bad.len()], &bad).unwrap();
    assert!(matches!(
        SuffixArray::open(&path, &part),
        Err(SaError::NotSorted { .. })
    ));
    // The array of another part of the same length.
    let (other, other_offsets) = build_part::<u16>(&[(1, vec![3, 1, 2, 2]), (2, vec![2, 1])]);
    let foreign = build(Part::from_tokens(other, &other_offsets).unwrap(), 1).unwrap();
    assert_ne!(foreign, sa);
    assert!(check::verify(&foreign, &tokens, part.docs()).is_err());
    // Header suffixes swapped among themselves: still not the array.
    let mut bad = sa.clone();
    bad.swap(sa.len() - 1, sa.len() - 2);
    assert!(check::verify(&bad, &tokens, part.docs()).is_err());
}

#[test]
fn stamped_arrays_are_checked_against_their_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let write_part = |name: &str, docs: &[(u32, Vec<u16>)]| {
        let train = dir.path().join(name);
        let mut w = PartWriter::create(&train).unwrap();
        for (id, body) in docs {
            w.add(*id, body).unwrap();
        }
        w.close().unwrap();
        let size = default_size_path(&train);
        (train, size)
    };
    let (train, size) = write_part("a.train", &[(1, vec![3, 1, 2, 1]), (2, vec![2, 2])]);
    let out = dir.path().join("a.sa.npy");
    assert_eq!(make::<u16>(&train, &size, &out, 1).unwrap(), 12);
    let part = Part::<u16>::open(&train, &size).unwrap();
    let map = NpyMap::open(&out).unwrap();
    let stamp = map
        .note
        .as_deref()
        .and_then(Stamp::parse)
        .expect("make stamps its array");
    let good = map.data::<u32>().unwrap().to_vec();
    assert_eq!(SuffixArray::open(&out, &part).unwrap().body().len(), 6);
    // Damaged, yet a permutation: two suffixes of `1` swapped.
    let mut bad = good.clone();
    bad.swap(0, 1);
    let damaged = dir.path().join("damaged.sa.npy");
    npy::write_with_note(&damaged, &[bad.len()], &bad, Some(&stamp.note())).unwrap();
    let e = SuffixArray::open(&damaged, &part).err().unwrap();
    assert!(matches!(e, SaError::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("damaged.sa.npy"), "{e}");
    // The stamped array of another part of the same length.
    let (other_train, other_size) =
        write_part("b.train", &[(1, vec![3, 1, 2, 2]), (2, vec![2, 1])]);
    let other_out = dir.path().join("b.sa.npy");
    make::<u16>(&other_train, &other_size, &other_out, 1).unwrap();
    let e = SuffixArray::open(&other_out, &part).err().unwrap();
    assert!(matches!(e, SaError::OtherPart { .. }), "{e}");
    // Without its stamp the same array goes through the full check.
    npy::write(&damaged, &[good.len()], &good).unwrap();
    assert!(SuffixArray::open(&damaged, &part).is_ok());
    npy::write(&damaged, &[bad.len()], &bad).unwrap();
    assert!(matches!(
        SuffixArray::open(&damaged, &part),
        Err(SaError::NotSorted { .. })
    ));
    // The part changed after `make` (the mapping of `part` sees it too).
    drop(part);
    write_part("a.train", &[(1, vec![3, 1, 2, 1]), (2, vec![2, 3])]);
    let changed = Part::<u16>::open(&train, &size).unwrap();
    assert!(matches!(
        SuffixArray::open(&out, &changed),
        Err(SaError::OtherPart { .. })
    ));
}

fn accepts_only_the_suffix_array<T: SaToken>(docs: Vec<(u32, Vec<T>)>, swaps: &[(usize, usize)]) {
    let (tokens, offsets) = build_part(&docs);
    let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
    let sa = build(Part::from_tokens(tokens.clone(), &offsets).unwrap(), 1).unwrap();
    assert_eq!(check::verify(&sa, &tokens, part.docs()), Ok(()));
    let mut bad = sa.clone();
    for &(i, j) in swaps {
        bad.swap(i % sa.len(), j % sa.len());
    }
    assert_eq!(check::verify(&bad, &tokens, part.docs()).is_ok(), bad == sa);
    let mut twice = sa.clone();
    let (i, j) = swaps
        .first()
        .map_or((0, 1), |&(i, j)| (i % sa.len(), j % sa.len()));
    twice[i] = twice[j];
    assert_eq!(check::verify(&twice, &tokens, part.docs()).is_ok(), i == j);
}

proptest! {
    #[test]
    fn only_the_suffix_array_passes_u16(
        docs in docs_u16(3),
        swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
    ) {
        accepts_only_the_suffix_array(docs, &swaps);
    }

    #[test]
    fn only_the_suffix_array_passes_u32(
        docs in prop::collection::vec((any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 1, 70_000, 0x7FFF_FFFE]), 0..30)), 1..4),
        swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..3),
    ) {
        accepts_only_the_suffix_array(docs, &swaps);
    }
}
