//! One query in one part by seeds: the occurrences of the planned pieces
//! become candidate window starts, which are verified exactly and selected.
//!
//! Invariant: the candidates hold every window start of the part that can
//! be within the distance (see the pigeonhole argument of the `search`
//! module), each once, and only windows that lie inside one document body;
//! each is verified with the scan's own distances (`hits::hamming`, the
//! `myers` module) or dropped only where the selection would drop it (the
//! `lazy` module), so the selected hits are the scan's.

use rayon::prelude::*;

use super::lazy::select_levenshtein;
use super::plan::{fetch_cost, plan, scan_cost, verify_cost, Plan};
use super::{DocLocator, Mode, QueryStats, SearchOptions};
use crate::format::Document;
use crate::hits::{hamming, select, Found, Hit, Metric};
use crate::scan::bound;
use crate::token::Token;

/// Candidates verified on one thread before the work is split.
const PARALLEL_FROM: usize = 4096;

/// The part a search runs on.
pub(super) struct PartView<'a, T> {
    pub(super) tokens: &'a [T],
    pub(super) docs: &'a [Document],
    pub(super) locator: &'a DocLocator,
    /// The body suffixes of its suffix array.
    pub(super) body_sa: &'a [u32],
}

/// Searches query `target` (`q`) by seeds and returns its hits, or `None`
/// when it should be scanned instead (mode `scan`, or mode `auto` where the
/// cost model expects the scan to be cheaper).
pub(super) fn search_query<T: Token>(
    part: &PartView<'_, T>,
    target: u32,
    q: &[T],
    options: &SearchOptions,
) -> Option<(Vec<Hit>, QueryStats)> {
    if options.mode == Mode::Scan {
        return None;
    }
    let len = q.len();
    let shift = options.max_shift();
    let levenshtein = options.metrics.has(Metric::Levenshtein);
    let auto = options.mode == Mode::Auto;
    let scan = scan_cost(part.body_sa.len());
    let mut stats = QueryStats::default();
    let pieces = options.max_distance.saturating_add(1);
    let cands = match plan(part.tokens, part.body_sa, q, pieces, shift) {
        Some(p) => {
            // Two looks at the cost: before fetching the occurrences, and
            // before verifying the candidates, whose number is then exact
            // (near copies make many pieces point at the same window).
            let fetch = fetch_cost(p.occurrences);
            if auto && fetch > scan {
                return None;
            }
            let cands = candidates(part, &p, len, shift);
            if auto && fetch + verify_cost(cands.starts.len(), len, levenshtein) > scan {
                return None;
            }
            stats.occurrences = p.occurrences;
            cands
        }
        // More pieces than tokens (d >= L): every window is within reach.
        None if options.mode == Mode::Seeds => all_windows(part.docs, len),
        None => return None,
    };
    stats.candidates = cands.starts.len() as u64;
    let found = verify(part.tokens, target, q, &cands.starts, options);
    Some((cands.hits(part.docs, select(found, len)), stats))
}

/// Candidate window starts, sorted, and the document of each.
#[derive(Default)]
struct Candidates {
    starts: Vec<u64>,
    docs: Vec<u32>,
}

impl Candidates {
    fn push(&mut self, start: u64, doc: usize) {
        self.starts.push(start);
        self.docs.push(doc as u32);
    }

    /// Selected windows (starts are part positions, all among the
    /// candidates) as hits.
    fn hits(&self, docs: &[Document], kept: Vec<Found>) -> Vec<Hit> {
        kept.into_iter()
            .map(|f| {
                let doc_index = match self.starts.binary_search(&f.start) {
                    Ok(i) => self.docs[i] as usize,
                    // Not reached: every window found is a candidate.
                    Err(_) => docs
                        .partition_point(|d| d.start as u64 <= f.start)
                        .saturating_sub(1),
                };
                let doc = &docs[doc_index];
                Hit {
                    target: f.target,
                    metric: f.metric,
                    distance: f.distance,
                    doc_index: doc_index as u32,
                    doc_id: doc.id,
                    offset: (f.start - doc.start as u64) as u32,
                    position: f.start,
                }
            })
            .collect()
    }
}

/// Every window start within `shift` of an occurrence of a piece, moved to
/// where the query would start; sorted, without duplicates, and only those
/// whose window of `len` tokens lies inside one document body.
fn candidates<T>(part: &PartView<'_, T>, plan: &Plan, len: usize, shift: usize) -> Candidates {
    let mut bases: Vec<i64> = Vec::with_capacity(plan.occurrences as usize);
    for piece in &plan.pieces {
        let offset = piece.offset as i64;
        bases.extend(
            part.body_sa[piece.range.clone()]
                .iter()
                .map(|&p| i64::from(p) - offset),
        );
    }
    if bases.len() > PARALLEL_FROM {
        bases.par_sort_unstable();
    } else {
        bases.sort_unstable();
    }
    bases.dedup();
    let (shift, len) = (shift as i64, len as i64);
    let docs = part.docs;
    let mut out = Candidates::default();
    // First start not yet considered: the shifted ranges of neighbouring
    // bases overlap, and each start is kept once.
    let mut next = 0i64;
    for b in bases {
        let first = (b - shift).max(next);
        let last = b + shift;
        if first > last {
            continue;
        }
        // The document holding `first` (or the last one before it).
        let mut doc = part.locator.locate(first.max(0) as u64);
        for s in first..=last {
            while doc + 1 < docs.len() && docs[doc + 1].start as i64 <= s {
                doc += 1;
            }
            let d = &docs[doc];
            if d.start as i64 <= s && s + len <= d.end as i64 {
                out.push(s as u64, doc);
            }
        }
        next = last + 1;
    }
    out
}

/// Every window of `len` tokens of every document.
fn all_windows(docs: &[Document], len: usize) -> Candidates {
    let mut out = Candidates::default();
    for (i, d) in docs.iter().enumerate() {
        if d.end - d.start >= len {
            for s in d.start..=d.end - len {
                out.push(s as u64, i);
            }
        }
    }
    out
}

/// The windows at `starts` within the distance, for each metric asked for
/// (Levenshtein: those the selection keeps, see the `lazy` module).
fn verify<T: Token>(
    tokens: &[T],
    target: u32,
    q: &[T],
    starts: &[u64],
    options: &SearchOptions,
) -> Vec<Found> {
    let len = q.len();
    let d = options.max_distance;
    let hamming_of = |&s: &u64| (s, hamming(&tokens[s as usize..s as usize + len], q));
    let by_hamming: Vec<(u64, u32)> = if starts.len() < PARALLEL_FROM {
        starts.iter().map(hamming_of).collect()
    } else {
        starts.par_iter().map(hamming_of).collect()
    };
    let mut out = Vec::new();
    if options.metrics.has(Metric::Hamming) {
        out.extend(
            by_hamming
                .iter()
                .filter(|&&(_, h)| h as usize <= d)
                .map(|&(s, h)| Found {
                    target,
                    metric: Metric::Hamming,
                    distance: h,
                    start: s,
                }),
        );
    }
    if options.metrics.has(Metric::Levenshtein) {
        out.extend(select_levenshtein(tokens, q, &by_hamming, bound(d), target));
    }
    out
}
