//! The search against the scan (each query scanned alone) and the scan
//! tests' brute-force reference, in every mode.

use proptest::prelude::*;

use super::*;
use crate::layout::build_part;
use crate::part::Part;
use crate::sa::{build, SaToken};
use crate::scan::tests::reference;

/// A part in memory with its body suffixes.
pub(super) struct Fixture<T: Token> {
    pub(super) part: Part<T>,
    pub(super) sa: Vec<u32>,
}

impl<T: SaToken> Fixture<T> {
    pub(super) fn new(docs: &[(u32, Vec<T>)]) -> Self {
        let (tokens, offsets) = build_part(docs);
        let part = Part::from_tokens(tokens.clone(), &offsets).unwrap();
        let mut sa = build(Part::from_tokens(tokens, &offsets).unwrap(), 1).unwrap();
        sa.truncate(part.body_tokens());
        Fixture { part, sa }
    }

    fn search(&self, queries: &[Vec<T>], options: &SearchOptions) -> Searched {
        search(
            self.part.tokens(),
            self.part.docs(),
            &self.sa,
            queries,
            options,
        )
        .unwrap()
    }

    /// What the scan reports for each query alone, renumbered.
    fn expected(&self, queries: &[Vec<T>], d: usize, metrics: MetricSet) -> Vec<Hit> {
        let mut all = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            let hits = scan::scan(
                self.part.tokens(),
                self.part.docs(),
                vec![q.clone()],
                d,
                &|_| {},
            )
            .unwrap();
            all.extend(
                hits.into_iter()
                    .filter(|h| metrics.has(h.metric))
                    .map(|h| Hit {
                        target: i as u32,
                        ..h
                    }),
            );
        }
        all.sort();
        all
    }

    /// Every mode and metric set gives the scan's hits.
    fn check(&self, queries: &[Vec<T>], d: usize) -> Result<(), TestCaseError> {
        for metrics in [MetricSet::Both, MetricSet::Hamming, MetricSet::Levenshtein] {
            let want = self.expected(queries, d, metrics);
            for mode in [Mode::Seeds, Mode::Auto, Mode::Scan] {
                let options = SearchOptions {
                    max_distance: d,
                    metrics,
                    mode,
                };
                let got = self.search(queries, &options);
                prop_assert_eq!(
                    &got.hits,
                    &want,
                    "mode {} metrics {} d {}",
                    mode,
                    metrics,
                    d
                );
                prop_assert_eq!(got.stats.len(), queries.len());
            }
        }
        Ok(())
    }
}

/// A query cut from the part's bodies at `at` (wrapping), `len` tokens long,
/// then edited: `(kind, place, token)`, kind 0 substitutes, 1 inserts, 2
/// deletes; padded back to at least `MIN_QUERY_LEN` tokens.
fn query_from<T: Token + Copy>(
    bodies: &[T],
    at: usize,
    len: usize,
    edits: &[(u8, usize, T)],
    pad: T,
) -> Vec<T> {
    let mut q: Vec<T> = if bodies.is_empty() {
        vec![pad; len]
    } else {
        (0..len).map(|i| bodies[(at + i) % bodies.len()]).collect()
    };
    for &(kind, place, token) in edits {
        let i = place % (q.len() + 1);
        match kind {
            0 if i < q.len() => q[i] = token,
            1 => q.insert(i, token),
            2 if i < q.len() => {
                q.remove(i);
            }
            _ => {}
        }
    }
    while q.len() < MIN_QUERY_LEN {
        q.push(pad);
    }
    q
}

pub(super) fn bodies<T: Copy>(docs: &[(u32, Vec<T>)]) -> Vec<T> {
    docs.iter().flat_map(|(_, b)| b.iter().copied()).collect()
}

fn distance() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..4,
        Just(5),
        Just(8),
        Just(10),
        Just(16),
        Just(25),
        Just(40)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn search_equals_scan_u16(
        docs in prop::collection::vec((any::<u32>(), prop::collection::vec(0u16..4, 0..90)), 1..6),
        cuts in prop::collection::vec(
            (any::<usize>(), 10usize..36, prop::collection::vec((0u8..3, any::<usize>(), 0u16..5), 0..6)),
            1..4,
        ),
        d in distance(),
    ) {
        let fixture = Fixture::new(&docs);
        let all = bodies(&docs);
        let queries: Vec<Vec<u16>> = cuts
            .iter()
            .map(|(at, len, edits)| query_from(&all, *at, *len, edits, 3))
            .collect();
        fixture.check(&queries, d)?;
        // And the brute-force reference, for the first query.
        let got = fixture.search(&queries[..1], &SearchOptions::new(d));
        prop_assert_eq!(got.hits, reference(&fixture.part, &queries[..1], d));
    }

    #[test]
    fn search_equals_scan_u32(
        docs in prop::collection::vec(
            (any::<u32>(), prop::collection::vec(prop::sample::select(vec![0u32, 9, 70_000, 0x7FFF_FFFE]), 0..70)),
            1..5,
        ),
        cuts in prop::collection::vec(
            (any::<usize>(), 10usize..25, prop::collection::vec((0u8..3, any::<usize>(), prop::sample::select(vec![9u32, 70_001])), 0..4)),
            1..3,
        ),
        d in distance(),
    ) {
        let fixture = Fixture::new(&docs);
        let all = bodies(&docs);
        let queries: Vec<Vec<u32>> = cuts
            .iter()
            .map(|(at, len, edits)| query_from(&all, *at, *len, edits, 9))
            .collect();
        fixture.check(&queries, d)?;
    }
}

/// `copies` documents of random tokens below `vocab` (up to `filler` before
/// and 60 after), each holding a near copy of `base` (up to `max_edits`
/// random edits).
fn planted(
    next: &mut impl FnMut() -> u64,
    base: &[u16],
    copies: usize,
    max_edits: u64,
    vocab: u64,
    filler: u64,
) -> Vec<(u32, Vec<u16>)> {
    let mut docs = Vec::new();
    for id in 0..copies as u32 {
        let mut body: Vec<u16> = (0..next() % filler)
            .map(|_| (next() % vocab) as u16)
            .collect();
        let edits: Vec<(u8, usize, u16)> = (0..next() % (max_edits + 1))
            .map(|_| ((next() % 3) as u8, next() as usize, (next() % vocab) as u16))
            .collect();
        body.extend(query_from(base, 0, base.len(), &edits, 1));
        body.extend((0..next() % 60).map(|_| (next() % vocab) as u16));
        docs.push((id, body));
    }
    docs
}

#[test]
fn planted_near_copies_are_found_like_the_scan() {
    let mut next = crate::testdata::xorshift(7);
    let base: Vec<u16> = (0..60).map(|_| (next() % 40) as u16).collect();
    let docs = planted(&mut next, &base, 300, 4, 40, 4000);
    let fixture = Fixture::new(&docs);
    let mut queries = vec![base.clone()];
    queries.push(query_from(
        &base,
        0,
        60,
        &[(0, 5, 1), (1, 30, 2), (2, 50, 0)],
        1,
    ));
    queries.push(base[10..40].to_vec());
    for d in [0, 1, 2, 5, 10, 29, 31] {
        fixture.check(&queries, d).unwrap();
    }
    // Seeds beat the scan here, and many near copies are verified.
    let got = fixture.search(&queries, &SearchOptions::new(5));
    assert!(got.stats.iter().all(|s| s.scanned == 0), "{:?}", got.stats);
    assert!(got.stats[0].candidates >= 300, "{:?}", got.stats);
    assert!(got.hits.len() > 300);
    // d = 50 on 60 tokens: 51 pieces of one token; the scan is cheaper.
    let got = fixture.search(&queries[..1], &SearchOptions::new(50));
    assert_eq!(got.stats[0].scanned, 1);
}

#[test]
fn bad_queries_are_refused() {
    let fixture = Fixture::new(&[(1, vec![1u16; 30])]);
    let search = |qs: &[Vec<u16>]| {
        search(
            fixture.part.tokens(),
            fixture.part.docs(),
            &fixture.sa,
            qs,
            &SearchOptions::new(2),
        )
    };
    assert!(matches!(search(&[]), Err(SearchError::NoQueries)));
    let e = search(&[vec![1; 10], vec![1; 9]]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "query #1 has 9 tokens; a search needs at least 10"
    );
    assert!(matches!(
        search(&[vec![0xFFFF; 12]]),
        Err(SearchError::Format(_))
    ));
    // Longer than the part: no window, no error (as the scan).
    assert!(search(&[vec![1; 40]]).unwrap().hits.is_empty());
}
