//! Near-duplicate scan: every document window within Hamming and within
//! Levenshtein distance `max_distance` of any target of the same length.
//!
//! A window can only be within distance `d` of a target if their token
//! multisets share at least `L - d` tokens (with equal lengths, both metrics
//! need one edit per unmatched token). That overlap is kept up to date for all
//! targets at once while the window slides over a document: a token entering
//! or leaving changes the overlap only of the targets that contain it, found
//! through an inverted index. Tokens that many targets contain get a dense
//! row of per-target multiplicities, updated with one vectorisable pass;
//! the others get a short posting list. Windows that pass the filter are
//! verified exactly (Hamming by comparison, Levenshtein bit-parallel), and per
//! target and metric the closest non-overlapping windows are kept greedily.
//!
//! The index and the per-thread counts have one slot per distinct token of
//! the targets (see [`crate::dense`]), never one per id up to the largest, so
//! their memory follows the size of the targets whatever ids they hold.

use rayon::prelude::*;

use crate::dense::{DenseIds, ABSENT};
use crate::io::{check_queries, Document, FormatError, Token};

/// Distance metrics of the scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Metric {
    Hamming = 0,
    Levenshtein = 1,
}

/// Bad scan parameters.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("no targets given")]
    NoTargets,
    #[error("target #{index} has {len} tokens but target #0 has {expected}; all targets must have the same length")]
    UnequalLengths {
        index: usize,
        len: usize,
        expected: usize,
    },
    #[error("at most {max} targets are supported, got {got}")]
    TooManyTargets { got: usize, max: usize },
    #[error("document #{index} has {len} tokens; documents above 2^32 - 1 tokens cannot be scanned")]
    DocumentTooLong { index: usize, len: usize },
}

/// One kept window.
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

/// Per-target counters of the filter: `u8` for targets up to 255 tokens,
/// `u16` above, so that the dense rows stay as narrow as possible.
trait Counter: Copy + Ord + Default + Send + Sync + 'static {
    fn from_usize(v: usize) -> Self;
    fn plus(self, b: bool) -> Self;
    fn minus(self, b: bool) -> Self;
}

impl Counter for u8 {
    fn from_usize(v: usize) -> Self {
        v.min(u8::MAX as usize) as u8
    }
    fn plus(self, b: bool) -> Self {
        self.wrapping_add(b as u8)
    }
    fn minus(self, b: bool) -> Self {
        self.wrapping_sub(b as u8)
    }
}

impl Counter for u16 {
    fn from_usize(v: usize) -> Self {
        v.min(u16::MAX as usize) as u16
    }
    fn plus(self, b: bool) -> Self {
        self.wrapping_add(b as u16)
    }
    fn minus(self, b: bool) -> Self {
        self.wrapping_sub(b as u16)
    }
}

/// Where the filter finds the targets holding a token.
#[derive(Clone, Copy)]
enum Entry {
    Dense(u32),
    Sparse(u32, u32),
}

/// The inverted index of the targets and their bit masks for Myers' algorithm.
struct Index<T: Token, C: Counter> {
    targets: Vec<Vec<T>>,
    len: usize,
    /// Token id -> slot of the distinct tokens of the targets.
    ids: DenseIds,
    /// Slot -> entry.
    entries: Vec<Entry>,
    /// Dense rows: `rows[r * k + t]` = multiplicity in target `t`.
    rows: Vec<C>,
    /// Sparse postings, by decreasing multiplicity within a token.
    post_target: Vec<u32>,
    post_mult: Vec<u32>,
    /// Per target: its distinct tokens (sorted) and their match masks.
    peq_keys: Vec<Vec<T>>,
    peq_words: Vec<Vec<u64>>,
}

impl<T: Token, C: Counter> Index<T, C> {
    fn new(targets: Vec<Vec<T>>) -> Self {
        let k = targets.len();
        let len = targets[0].len();
        let words = len.div_ceil(64);
        // (token, target, multiplicity) of every distinct token of every
        // target, from sorted copies of the targets: sorting beats hashing
        // here, and the index is built on every call.
        let mut holdings: Vec<(T, u32, u32)> = Vec::with_capacity(k * len);
        let mut peq_keys = Vec::with_capacity(k);
        let mut peq_words = Vec::with_capacity(k);
        for (t, target) in targets.iter().enumerate() {
            let mut sorted = target.clone();
            sorted.sort_unstable();
            let mut keys = Vec::new();
            for run in sorted.chunk_by(|a, b| a == b) {
                keys.push(run[0]);
                holdings.push((run[0], t as u32, run.len() as u32));
            }
            let mut masks = vec![0u64; keys.len() * words];
            for (i, x) in target.iter().enumerate() {
                // Keys are the target's own tokens, so the search succeeds.
                if let Ok(j) = keys.binary_search(x) {
                    masks[j * words + i / 64] |= 1 << (i % 64);
                }
            }
            peq_keys.push(keys);
            peq_words.push(masks);
        }
        // By token, then by decreasing multiplicity and target: the order a
        // sparse posting list is kept in.
        holdings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)));
        let mut distinct: Vec<u32> = holdings.iter().map(|h| h.0.get()).collect();
        distinct.dedup();
        let ids = DenseIds::new(&distinct);
        let mut entries = Vec::with_capacity(distinct.len());
        let (mut rows, mut post_target, mut post_mult) = (Vec::new(), Vec::new(), Vec::new());
        // A dense row costs k/16 vector steps, a posting one scattered step
        // each: dense wins once a token is in more than ~1/8 of the targets.
        let dense_from = (k / 8).max(4);
        // Groups come by increasing token, so the i-th group gets slot i.
        for posts in holdings.chunk_by(|a, b| a.0 == b.0) {
            if posts.len() >= dense_from {
                let r = rows.len() / k;
                rows.resize(rows.len() + k, C::default());
                for &(_, t, m) in posts {
                    rows[r * k + t as usize] = C::from_usize(m as usize);
                }
                entries.push(Entry::Dense(r as u32));
            } else {
                let start = post_target.len() as u32;
                for &(_, t, m) in posts {
                    post_target.push(t);
                    post_mult.push(m);
                }
                entries.push(Entry::Sparse(start, post_target.len() as u32));
            }
        }
        Index {
            targets,
            len,
            ids,
            entries,
            rows,
            post_target,
            post_mult,
            peq_keys,
            peq_words,
        }
    }

    /// The slot of `x` and its entry, if some target holds `x`.
    #[inline]
    fn entry(&self, x: T) -> Option<(usize, Entry)> {
        let slot = self.ids.get(x.get());
        if slot == ABSENT {
            return None;
        }
        self.entries.get(slot as usize).map(|&e| (slot as usize, e))
    }
}

/// Per-thread sliding-window state.
struct Window<C> {
    /// Multiset overlap of the window with each target.
    overlap: Vec<C>,
    /// Occurrences in the window of each token that some target holds, by slot.
    counts: Vec<u32>,
    pv: Vec<u64>,
    mv: Vec<u64>,
}

impl<C: Counter> Window<C> {
    fn new<T: Token>(index: &Index<T, C>) -> Self {
        let words = index.len.div_ceil(64);
        Window {
            overlap: vec![C::default(); index.targets.len()],
            counts: vec![0; index.entries.len()],
            pv: vec![0; words],
            mv: vec![0; words],
        }
    }

    fn enter<T: Token>(&mut self, index: &Index<T, C>, x: T) {
        let Some((slot, entry)) = index.entry(x) else {
            return;
        };
        let c = &mut self.counts[slot];
        *c += 1;
        let have = *c;
        match entry {
            Entry::Dense(r) => {
                let k = self.overlap.len();
                let row = &index.rows[r as usize * k..(r as usize + 1) * k];
                let have = C::from_usize(have as usize);
                for (o, &m) in self.overlap.iter_mut().zip(row) {
                    *o = o.plus(m >= have);
                }
            }
            Entry::Sparse(s, e) => {
                let (s, e) = (s as usize, e as usize);
                for (&t, &m) in index.post_target[s..e].iter().zip(&index.post_mult[s..e]) {
                    if m < have {
                        break;
                    }
                    let o = &mut self.overlap[t as usize];
                    *o = o.plus(true);
                }
            }
        }
    }

    fn leave<T: Token>(&mut self, index: &Index<T, C>, x: T) {
        let Some((slot, entry)) = index.entry(x) else {
            return;
        };
        let c = &mut self.counts[slot];
        let had = *c;
        *c -= 1;
        match entry {
            Entry::Dense(r) => {
                let k = self.overlap.len();
                let row = &index.rows[r as usize * k..(r as usize + 1) * k];
                let had = C::from_usize(had as usize);
                for (o, &m) in self.overlap.iter_mut().zip(row) {
                    *o = o.minus(m >= had);
                }
            }
            Entry::Sparse(s, e) => {
                let (s, e) = (s as usize, e as usize);
                for (&t, &m) in index.post_target[s..e].iter().zip(&index.post_mult[s..e]) {
                    if m < had {
                        break;
                    }
                    let o = &mut self.overlap[t as usize];
                    *o = o.minus(true);
                }
            }
        }
    }

    /// Levenshtein distance between `window` and target `t` with Myers'
    /// bit-parallel algorithm in Hyyrö's multi-word form (64 target tokens per
    /// word); the target is the pattern, the window the text.
    fn levenshtein<T: Token>(&mut self, index: &Index<T, C>, t: usize, window: &[T]) -> u32 {
        let m = index.len;
        let words = self.pv.len();
        let keys = &index.peq_keys[t];
        let masks = &index.peq_words[t];
        self.pv.fill(!0);
        self.mv.fill(0);
        let last = 1u64 << ((m - 1) % 64);
        let mut score = m as i64;
        for x in window {
            let eq_at = keys.binary_search(x).ok();
            // The top row is D[0][j] = j: every column enters with +1.
            let mut hin = 1i64;
            for b in 0..words {
                let eq = eq_at.map_or(0, |j| masks[j * words + b]);
                let high = if b + 1 == words { last } else { 1 << 63 };
                hin = advance(&mut self.pv[b], &mut self.mv[b], eq, hin, high);
            }
            score += hin;
        }
        score as u32
    }
}

/// One column step of one 64-row block (Hyyrö 2003); returns the horizontal
/// delta leaving the block at row `high`.
#[inline]
fn advance(pv: &mut u64, mv: &mut u64, mut eq: u64, hin: i64, high: u64) -> i64 {
    let xv = eq | *mv;
    if hin < 0 {
        eq |= 1;
    }
    let xh = (((eq & *pv).wrapping_add(*pv)) ^ *pv) | eq;
    let mut ph = *mv | !(xh | *pv);
    let mut mh = *pv & xh;
    let hout = if ph & high != 0 {
        1
    } else if mh & high != 0 {
        -1
    } else {
        0
    };
    ph <<= 1;
    mh <<= 1;
    if hin < 0 {
        mh |= 1;
    } else if hin > 0 {
        ph |= 1;
    }
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    hout
}

/// Number of positions where `a` and `b` differ.
fn hamming<T: Token>(a: &[T], b: &[T]) -> u32 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as u32
}

/// Candidate window before the greedy selection.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    target: u32,
    metric: Metric,
    distance: u32,
    offset: u32,
}

fn scan_document<T: Token, C: Counter>(
    index: &Index<T, C>,
    w: &mut Window<C>,
    body: &[T],
    max_distance: usize,
) -> Vec<Found> {
    let len = index.len;
    if body.len() < len {
        return Vec::new();
    }
    let threshold = C::from_usize(len.saturating_sub(max_distance));
    let mut found = Vec::new();
    for &x in &body[..len] {
        w.enter(index, x);
    }
    for p in 0..=body.len() - len {
        if p > 0 {
            w.leave(index, body[p - 1]);
            w.enter(index, body[p + len - 1]);
        }
        let best = w.overlap.iter().fold(C::default(), |a, &b| a.max(b));
        if best < threshold {
            continue;
        }
        let window = &body[p..p + len];
        for t in 0..w.overlap.len() {
            if w.overlap[t] < threshold {
                continue;
            }
            let h = hamming(window, &index.targets[t]);
            if h as usize <= max_distance {
                found.push(Found { target: t as u32, metric: Metric::Hamming, distance: h, offset: p as u32 });
            }
            // Levenshtein never exceeds Hamming; it is 0 exactly when Hamming is.
            let l = if h == 0 { 0 } else { w.levenshtein(index, t, window) };
            if l as usize <= max_distance {
                found.push(Found { target: t as u32, metric: Metric::Levenshtein, distance: l, offset: p as u32 });
            }
        }
    }
    // Leave the state clean for the next document.
    for &x in &body[body.len() - len..] {
        w.leave(index, x);
    }
    select(found, len)
}

/// Greedy selection per target and metric: closest first, earliest on ties,
/// dropping windows that overlap one already kept. Windows of different
/// documents never overlap, so selecting per document gives the same result
/// as selecting over the whole part.
fn select(mut found: Vec<Found>, len: usize) -> Vec<Found> {
    found.sort_unstable();
    let mut kept = Vec::new();
    let mut group: Vec<u32> = Vec::new();
    let mut key = None;
    for f in found {
        if key != Some((f.target, f.metric)) {
            key = Some((f.target, f.metric));
            group.clear();
        }
        let i = group.partition_point(|&o| o < f.offset);
        let clash_right = i < group.len() && ((group[i] - f.offset) as usize) < len;
        let clash_left = i > 0 && ((f.offset - group[i - 1]) as usize) < len;
        if !clash_left && !clash_right {
            group.insert(i, f.offset);
            kept.push(f);
        }
    }
    kept
}

fn scan_with<T: Token, C: Counter>(
    tokens: &[T],
    docs: &[Document],
    targets: Vec<Vec<T>>,
    max_distance: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Hit> {
    let index = Index::<T, C>::new(targets);
    let per_doc: Vec<Vec<Hit>> = docs
        .par_iter()
        .enumerate()
        .map_init(
            || Window::new(&index),
            |w, (i, d)| {
                let body = &tokens[d.start..d.end];
                let hits = scan_document(&index, w, body, max_distance)
                    .into_iter()
                    .map(|f| Hit {
                        target: f.target,
                        metric: f.metric,
                        distance: f.distance,
                        doc_index: i as u32,
                        doc_id: d.id,
                        offset: f.offset,
                        position: (d.start + f.offset as usize) as u64,
                    })
                    .collect();
                progress(body.len() as u64);
                hits
            },
        )
        .collect();
    let mut hits: Vec<Hit> = per_doc.into_iter().flatten().collect();
    hits.par_sort_unstable();
    hits
}

/// Scans the documents of a part for near duplicates of `targets` (all of one
/// length). Returns the kept windows ordered by target, metric, distance and
/// position. `progress` gets the number of tokens scanned since its last call.
pub fn scan<T: Token>(
    tokens: &[T],
    docs: &[Document],
    targets: Vec<Vec<T>>,
    max_distance: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Hit>, ScanError> {
    let first = targets.first().ok_or(ScanError::NoTargets)?;
    let expected = first.len();
    if let Some(index) = targets.iter().position(|t| t.len() != expected) {
        return Err(ScanError::UnequalLengths {
            index,
            len: targets[index].len(),
            expected,
        });
    }
    if targets.len() > u32::MAX as usize {
        return Err(ScanError::TooManyTargets { got: targets.len(), max: u32::MAX as usize });
    }
    if let Some(index) = docs.iter().position(|d| d.end - d.start > u32::MAX as usize) {
        return Err(ScanError::DocumentTooLong { index, len: docs[index].end - docs[index].start });
    }
    // Targets may be longer than the part: they then simply match nowhere.
    check_queries::<T, _>(&targets, usize::MAX)?;
    Ok(if expected <= u8::MAX as usize {
        scan_with::<T, u8>(tokens, docs, targets, max_distance, progress)
    } else {
        scan_with::<T, u16>(tokens, docs, targets, max_distance, progress)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{build_part, Part};
    use proptest::prelude::*;

    fn dp_levenshtein<T: Token>(a: &[T], b: &[T]) -> u32 {
        let mut prev: Vec<u32> = (0..=b.len() as u32).collect();
        for (i, x) in a.iter().enumerate() {
            let mut cur = vec![i as u32 + 1; b.len() + 1];
            for (j, y) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + u32::from(x != y)).min(prev[j + 1] + 1).min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    /// The obviously correct scan: every window, both metrics by definition,
    /// greedy selection over the whole part.
    fn reference<T: Token>(part: &Part<T>, targets: &[Vec<T>], d: usize) -> Vec<Hit> {
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
                    if kept.iter().all(|&(ki, kp)| ki != i || kp.abs_diff(p) >= len) {
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
            prop_assert_eq!(w.levenshtein(&index, 0, &b), dp_levenshtein(&a, &b));
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
        assert!(got.iter().any(|h| h.metric == Metric::Levenshtein && h.distance == 2 && h.offset == 40));
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
        assert!(index.ids.heap_bytes() <= 4096, "{} bytes", index.ids.heap_bytes());
        let body = vec![1, 0x7FFF_FFFE, 5, 0x4000_0000, 5, 0x7FFF_FFFD, 5, 0x4000_0000, 5, 0x7FFF_FFFE];
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
        assert!(matches!(scan(vec![vec![1, 2], vec![1]]), Err(ScanError::UnequalLengths { index: 1, .. })));
        assert!(matches!(scan(vec![vec![0xFFFF, 2]]), Err(ScanError::Format(_))));
    }
}
