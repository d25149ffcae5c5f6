//! A part and its .size file from arbitrary bytes, in memory: validation
//! returns an error or documents that hold together; on a valid part the
//! suffix array passes its own check, and `count`, `self_similar` and `scan`
//! agree with brute force.
//!
//! Input: `[cut][train bytes][size bytes]`, the first byte saying where the
//! token file ends (a fraction of the rest); the part is tried as uint16 and
//! as uint32.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rust_sa::format::{documents, offsets_from_bytes, tokens_from_bytes};
use rust_sa::part::Part;
use rust_sa::{check, count, sa, scan, selfsim};

fn check<T: sa::SaToken>(train: &[u8], size: &[u8], knob: u8) {
    let (Ok(tokens), Ok(offsets)) = (tokens_from_bytes::<T>(train), offsets_from_bytes(size))
    else {
        return;
    };
    let Ok(docs) = documents(&tokens, &offsets) else {
        return;
    };
    for d in &docs {
        assert!(d.start <= d.end && d.end <= tokens.len());
        assert!(tokens[d.start..d.end]
            .iter()
            .all(|t| t.get() <= T::MAX_TOKEN));
    }
    let Ok(part) = Part::from_tokens(tokens.clone(), &offsets) else {
        panic!("documents() accepted what Part::from_tokens rejects");
    };
    let n_body = tokens.len() - part.header_tokens();
    let array = sa::build(part, 1).expect("a valid part below 2^31 tokens always sorts");
    assert_eq!(check::verify(&array, &tokens, &docs), Ok(()));
    let body_sa = &array[..n_body];
    // Queries: the windows of 1 to 3 tokens at a few places of each body,
    // and one that holds an id no body has.
    let mut queries: Vec<Vec<T>> = Vec::new();
    for d in docs.iter().take(8) {
        let body = &tokens[d.start..d.end];
        for start in [0, body.len() / 2, body.len().saturating_sub(2)] {
            for len in 1..=3 {
                if start + len <= body.len() {
                    queries.push(body[start..start + len].to_vec());
                }
            }
        }
    }
    if let (Some(q), Some(t)) = (queries.first().cloned(), T::from_u32(7)) {
        queries.push([q, vec![t]].concat());
    }
    let counts = count::count_many(&tokens, body_sa, &queries, &|_| {});
    for (q, c) in queries.iter().zip(&counts) {
        assert_eq!(*c, common::naive_count(&tokens, &docs, q), "count of {q:?}");
    }
    // Repeats of a few lengths, as sets of position lists.
    for length in 1..=3 {
        let c = selfsim::self_similar(&tokens, body_sa, length, &|_| {});
        assert_eq!(c.counts.iter().sum::<u64>() as usize, c.positions.len());
        let mut got: Vec<Vec<u64>> = Vec::new();
        let mut at = 0;
        for &k in &c.counts {
            got.push(c.positions[at..at + k as usize].to_vec());
            at += k as usize;
        }
        got.sort();
        assert_eq!(
            got,
            common::naive_repeats(&tokens, &docs, length),
            "repeats of {length}"
        );
    }
    // Scan for two windows of the first body that has them (one and the
    // same length), within a distance the knob picks.
    let len = 1 + (knob as usize >> 4) % 6;
    let Some(d) = docs.iter().find(|d| d.end - d.start > len) else {
        return;
    };
    let body = &tokens[d.start..d.end];
    let targets = vec![body[..len].to_vec(), body[body.len() - len..].to_vec()];
    let max_distance = (knob & 0x0F) as usize % (len + 2);
    let got =
        scan::scan(&tokens, &docs, targets.clone(), max_distance, &|_| {}).expect("valid targets");
    assert_eq!(
        got,
        common::naive_scan(&tokens, &docs, &targets, max_distance)
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((head, train, size)) = common::cut(data) else {
        return;
    };
    check::<u16>(train, size, head);
    check::<u32>(train, size, head);
});
