//! What the near-duplicate searches report, and how they pick it: the
//! metrics, a kept window ([`Hit`]), a verified window before selection
//! ([`Found`]) and the greedy [`select`]ion shared by the scan and the
//! suffix-array search.
//!
//! Invariant: [`select`] keeps, per target and metric, the closest window,
//! drops the windows that overlap it, keeps the next closest, and so on
//! (ties: earliest start), so any two searches that verify the same windows
//! exactly report the same hits.

/// Distance metrics of the scan and the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Metric {
    Hamming = 0,
    Levenshtein = 1,
}

/// One kept window. The derived order (target, metric, distance, document,
/// offset) is the order in which the searches return their hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub target: u32,
    pub metric: Metric,
    pub distance: u32,
    /// Index of the document in the part.
    pub doc_index: u32,
    pub doc_id: u32,
    /// Window start, in tokens from the start of the document body.
    pub offset: u32,
    /// Window start, in tokens of the whole part.
    pub position: u64,
}

/// Number of positions where `a` and `b` differ.
pub fn hamming<T: PartialEq>(a: &[T], b: &[T]) -> u32 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as u32
}

/// A window verified within the distance, before the greedy selection.
/// `start` is its first token in any coordinate in which windows of
/// different documents lie at least a window length apart: an offset in one
/// document (the scan selects document by document), or a position in the
/// part (document bodies are separated by their headers, so two windows that
/// lie inside different bodies cannot overlap there either).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub target: u32,
    pub metric: Metric,
    pub distance: u32,
    pub start: u64,
}

/// Greedy selection per target and metric: closest first, earliest on ties,
/// dropping windows of `len` tokens that overlap one already kept. Returns
/// the kept windows ordered by target, metric, distance and start.
pub fn select(mut found: Vec<Found>, len: usize) -> Vec<Found> {
    found.sort_unstable();
    let len = len as u64;
    let mut kept = Vec::new();
    let mut group: Vec<u64> = Vec::new();
    let mut key = None;
    for f in found {
        if key != Some((f.target, f.metric)) {
            key = Some((f.target, f.metric));
            group.clear();
        }
        let i = group.partition_point(|&o| o < f.start);
        let clash_right = i < group.len() && group[i] - f.start < len;
        let clash_left = i > 0 && f.start - group[i - 1] < len;
        if !clash_left && !clash_right {
            group.insert(i, f.start);
            kept.push(f);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(target: u32, distance: u32, start: u64) -> Found {
        Found {
            target,
            metric: Metric::Levenshtein,
            distance,
            start,
        }
    }

    #[test]
    fn closest_first_then_earliest_and_no_overlap() {
        let kept = select(
            vec![
                found(0, 2, 10),
                found(0, 1, 14),
                found(0, 2, 4),
                found(0, 3, 30),
                found(1, 0, 12),
            ],
            5,
        );
        // 14 first (closest); 10 overlaps it; 4 and 30 do not; target 1 apart.
        assert_eq!(
            kept,
            vec![
                found(0, 1, 14),
                found(0, 2, 4),
                found(0, 3, 30),
                found(1, 0, 12)
            ]
        );
    }
}
