use super::*;
use crate::search::{search, MetricSet, Mode};
use crate::testdata::xorshift;
use crate::writer::PartWriter;

/// Three parts with shared text (so that queries hit several parts), their
/// suffix arrays and a manifest; returns the folder and the parts' bodies.
fn three_parts(dir: &Path) -> Vec<Vec<(u32, Vec<u16>)>> {
    let mut next = xorshift(11);
    let common: Vec<u16> = (0..40).map(|_| (next() % 20) as u16).collect();
    let mut all = Vec::new();
    let mut files = Vec::new();
    for p in 0..3u32 {
        let train = dir.join(format!("part-{p}.train"));
        let mut w = PartWriter::<u16>::create(&train).unwrap();
        let mut docs = Vec::new();
        for id in 0..20 {
            let mut body: Vec<u16> = (0..next() % 80).map(|_| (next() % 20) as u16).collect();
            if id % 3 == p {
                body.extend(&common);
            }
            w.add(id, &body).unwrap();
            docs.push((id, body));
        }
        w.close().unwrap();
        let f = PartFiles::of(&train);
        crate::sa::make::<u16>(&f.train, &f.size, &f.sa, 1).unwrap();
        files.push(f);
        all.push(docs);
    }
    manifest::write(dir, &files, Width::U16, None).unwrap();
    all
}

#[test]
fn index_counts_and_searches_are_the_parts_summed_and_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let bodies = three_parts(dir.path());
    let index = Index::<u16>::open(dir.path()).unwrap();
    assert_eq!(index.parts().len(), 3);
    let tokens: u64 = index
        .parts()
        .iter()
        .map(|p| p.part.tokens().len() as u64)
        .sum();
    assert_eq!(index.n_tokens(), tokens);
    let q: Vec<u16> = bodies[0][0]
        .1
        .iter()
        .copied()
        .chain(bodies[1][3].1.iter().copied())
        .take(12)
        .collect();
    let queries = vec![q.clone(), bodies[2][2].1[..15].to_vec(), vec![1; 3]];
    let counts = index.count_many(&queries, &|_| {}).unwrap();
    for (i, q) in queries.iter().enumerate() {
        let per_part: u64 = index
            .parts()
            .iter()
            .map(|p| count::count(p.part.tokens(), p.sa.body(), q))
            .sum();
        assert_eq!(counts[i], per_part);
        assert_eq!(index.count(q).unwrap(), per_part);
    }
    let queries: Vec<Vec<u16>> = queries.into_iter().filter(|q| q.len() >= 10).collect();
    for d in [0, 3, 8] {
        for mode in [Mode::Auto, Mode::Seeds, Mode::Scan] {
            let options = SearchOptions {
                max_distance: d,
                metrics: MetricSet::Both,
                mode,
            };
            let got = index.search(&queries, &options).unwrap();
            let mut want = Vec::new();
            for (part, p) in index.parts().iter().enumerate() {
                let s = search(
                    p.part.tokens(),
                    p.part.docs(),
                    p.sa.body(),
                    &queries,
                    &options,
                )
                .unwrap();
                want.extend(s.hits.into_iter().map(|hit| IndexHit {
                    part: part as u32,
                    hit,
                }));
            }
            assert_eq!(got.hits, want);
            assert!(got.hits.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(got.stats.len(), queries.len());
        }
    }
}

#[test]
fn bad_indexes_are_refused_with_their_part_and_file() {
    let dir = tempfile::tempdir().unwrap();
    three_parts(dir.path());
    let e = Index::<u32>::open(dir.path()).err().unwrap().to_string();
    assert!(e.contains("for 2-byte tokens, not 4"), "{e}");
    let e = Index::<u16>::open(&dir.path().join("part-0.train"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("is a file, not an index folder"), "{e}");
    std::fs::remove_file(dir.path().join("part-1.train.sa.npy")).unwrap();
    let e = Index::<u16>::open(dir.path()).err().unwrap().to_string();
    assert!(
        e.contains("part #1 of index") && e.contains("part-1.train.sa.npy"),
        "{e}"
    );
    assert_eq!(width_of(dir.path()).unwrap(), Width::U16);
}
