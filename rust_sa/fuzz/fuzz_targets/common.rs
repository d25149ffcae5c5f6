//! Helpers shared by the fuzz targets: cutting the input into pieces, files
//! in a temporary folder, and brute-force references of the searches that
//! the targets compare the library with.
//!
//! The references are the definitions, written for obviousness: every
//! window of every document body, compared token by token.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rust_sa::format::Document;
use rust_sa::scan::{Hit, Metric};
use rust_sa::token::Token;

/// Cuts `data` after a one-byte header: the header byte says where the
/// first piece ends, as a fraction of the rest.
pub fn cut(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&head, rest) = data.split_first()?;
    let at = head as usize * rest.len() / 256;
    let (a, b) = rest.split_at(at);
    Some((head, a, b))
}

/// Writes `bytes` to `name` in `dir`.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> Option<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).ok()?;
    Some(path)
}

/// Document bodies from bytes: `0xFF` ends a document and every other byte
/// is the `byte % alphabet.len()`-th token of `alphabet`. At least one
/// document, possibly empty.
pub fn bodies<T: Token>(bytes: &[u8], alphabet: &[u32]) -> Vec<(u32, Vec<T>)> {
    let mut docs = vec![(0u32, Vec::new())];
    for &b in bytes {
        if b == 0xFF {
            let id = docs.len() as u32 * 0x0001_0001;
            docs.push((id, Vec::new()));
        } else if let Some(t) = T::from_u32(alphabet[b as usize % alphabet.len()]) {
            if let Some(last) = docs.last_mut() {
                last.1.push(t);
            }
        }
    }
    docs
}

/// Occurrences of `q` inside document bodies.
pub fn naive_count<T: Token>(tokens: &[T], docs: &[Document], q: &[T]) -> u64 {
    if q.is_empty() {
        return 0;
    }
    docs.iter()
        .map(|d| {
            tokens[d.start..d.end]
                .windows(q.len())
                .filter(|w| *w == q)
                .count() as u64
        })
        .sum()
}

/// Every sequence of `length` tokens occurring at least twice in the bodies,
/// as sorted lists of positions.
pub fn naive_repeats<T: Token>(tokens: &[T], docs: &[Document], length: usize) -> Vec<Vec<u64>> {
    let mut seen: std::collections::BTreeMap<&[T], Vec<u64>> = Default::default();
    for d in docs {
        let body = &tokens[d.start..d.end];
        for (p, w) in body.windows(length).enumerate() {
            seen.entry(w).or_default().push((d.start + p) as u64);
        }
    }
    let mut out: Vec<Vec<u64>> = seen.into_values().filter(|v| v.len() >= 2).collect();
    out.sort();
    out
}

fn hamming<T: Token>(a: &[T], b: &[T]) -> u32 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as u32
}

fn levenshtein<T: Token>(a: &[T], b: &[T]) -> u32 {
    let mut prev: Vec<u32> = (0..=b.len() as u32).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i as u32 + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + u32::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The scan by definition: per target and metric, every window within
/// `max_distance`, then greedily the closest (earliest on ties) that
/// overlaps no window kept before.
pub fn naive_scan<T: Token>(
    tokens: &[T],
    docs: &[Document],
    targets: &[Vec<T>],
    max_distance: usize,
) -> Vec<Hit> {
    let len = targets[0].len();
    let mut out = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        for metric in [Metric::Hamming, Metric::Levenshtein] {
            let mut all = Vec::new();
            for (i, d) in docs.iter().enumerate() {
                let body = &tokens[d.start..d.end];
                for p in 0..(body.len() + 1).saturating_sub(len) {
                    let w = &body[p..p + len];
                    let dist = match metric {
                        Metric::Hamming => hamming(w, target),
                        Metric::Levenshtein => levenshtein(w, target),
                    };
                    if dist as usize <= max_distance {
                        all.push((dist, d.start + p, i, p));
                    }
                }
            }
            all.sort();
            let mut kept: Vec<(usize, usize)> = Vec::new();
            for (dist, position, i, p) in all {
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
                        doc_id: docs[i].id,
                        offset: p as u32,
                        position: position as u64,
                    });
                }
            }
        }
    }
    out.sort();
    out
}
