//! Tests of suffix-array construction: against a naive sort of the masked
//! text, for both widths, and alike on one and two threads.

use proptest::prelude::*;

use super::build::header_positions;
use super::*;
use crate::format::Document;
use crate::layout::build_part;
use crate::testdata::{repeating_documents, xorshift};

fn naive<T: Token>(tokens: &[T], docs: &[Document]) -> Vec<u32> {
    let mut masked = tokens.to_vec();
    for d in docs {
        masked[d.start - T::HEADER_TOKENS..d.start].fill(T::SEPARATOR);
    }
    let mut sa: Vec<u32> = (0..tokens.len() as u32).collect();
    sa.sort_by(|&a, &b| masked[a as usize..].cmp(&masked[b as usize..]));
    sa
}

fn check<T: SaToken>(docs: Vec<(u32, Vec<T>)>) {
    let (tokens, offsets) = build_part(&docs);
    let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
    let parsed = part.docs().to_vec();
    let sa = build(part, 1).unwrap();
    let expected = naive(&tokens, &parsed);
    assert_eq!(sa, expected);
    // Header positions sort last.
    let n_body = tokens.len() - parsed.len() * T::HEADER_TOKENS;
    let in_header = |p: u32| {
        parsed
            .iter()
            .any(|d| (d.start - T::HEADER_TOKENS..d.start).contains(&(p as usize)))
    };
    assert!(sa[n_body..].iter().all(|&p| in_header(p)));
}

pub(super) fn docs_u16(alphabet: u16) -> impl Strategy<Value = Vec<(u32, Vec<u16>)>> {
    prop::collection::vec(
        (
            any::<u32>(),
            prop::collection::vec(0..alphabet, 0..40),
            0usize..4,
        ),
        1..6,
    )
    .prop_map(|docs| {
        docs.into_iter()
            .map(|(id, body, reps)| {
                // Long repeats: the body repeated a few times.
                let mut b = Vec::new();
                for _ in 0..=reps {
                    b.extend_from_slice(&body);
                }
                (id, b)
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn u16_matches_naive_sort(docs in docs_u16(3)) {
        check(docs);
    }

    #[test]
    fn u16_large_alphabet_matches_naive_sort(docs in docs_u16(u16::MAX)) {
        check(docs);
    }

    #[test]
    fn u32_matches_naive_sort(docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u32..4, 0..40)), 1..6)) {
        check(docs);
    }

    #[test]
    fn u32_wide_ids_match_naive_sort(docs in prop::collection::vec((any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 70_000, 0x7FFF_FFFE]), 0..30)), 1..4)) {
        check(docs);
    }
}

#[test]
fn large_parts_sort_alike_with_one_and_two_threads() {
    // Large enough for huge-page buffers and for libsais' parallel
    // phases, which the small property tests never reach.
    // Every seventh document repeats the previous one: long repeats.
    let docs = repeating_documents(&mut xorshift(0x2545_F491_4F6C_DD1D), 300, 5_000, 50, 7);
    let (tokens, offsets) = build_part(&docs);
    let parsed = Part::from_tokens(tokens.clone(), &offsets)
        .unwrap()
        .docs()
        .to_vec();
    let mut masked = tokens.clone();
    for p in header_positions::<u16>(&parsed) {
        masked[p] = u16::SEPARATOR;
    }
    let arrays: Vec<Vec<u32>> = [1, 2]
        .into_iter()
        .map(|threads| {
            build(
                Part::from_tokens(tokens.clone(), &offsets).unwrap(),
                threads,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(arrays[0], arrays[1]);
    let sa = &arrays[0];
    let mut seen = vec![false; tokens.len()];
    for &p in sa {
        assert!(
            !std::mem::replace(&mut seen[p as usize], true),
            "position {p} appears twice"
        );
    }
    assert!(seen.iter().all(|&s| s));
    assert!(sa
        .windows(2)
        .all(|w| masked[w[0] as usize..] < masked[w[1] as usize..]));
}

#[test]
fn ids_that_look_like_tokens_or_separators_sort_last() {
    check::<u16>(vec![
        (0xFFFF_FFFF, vec![1, 2]),
        (1, vec![1, 0]),
        (0x0001_0000, vec![0, 1, 0]),
    ]);
}
