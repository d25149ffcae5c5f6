//! Near-duplicate search through the suffix array: the same hits as the
//! scan (see the `scan` module), found from exact seeds instead of by
//! sliding over every window.
//!
//! Pigeonhole: cut a query of `L` tokens into `d + 1` disjoint pieces. A
//! window of `L` tokens within Hamming distance `d` leaves one piece
//! untouched, at the piece's own offset. Within Levenshtein distance `d`,
//! an alignment between two strings of equal length has as many insertions
//! as deletions, so at most `d / 2` of each; a piece that no edit touches
//! appears contiguously in the window, shifted by at most `d / 2`. The
//! pieces are looked up in the suffix array (`plan`), their occurrences
//! become candidate window starts (`seeds`), which are verified exactly and
//! selected greedily like the scan's.
//!
//! Where the seeds would cost more than a scan (pieces too short or too
//! frequent, e.g. `d = 50` on `L = 100`), the query falls back to the scan;
//! the queries that fall back are scanned together, one call per length.
//!
//! Invariant: for every query, mode and metric the hits equal those of the
//! scan run on that query alone (checked against the scan and a brute-force
//! reference by the tests).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::error::FormatError;
use crate::format::Document;
use crate::hits::Hit;
use crate::queries::check_queries;
use crate::scan::{self, check_documents, ScanError};
use crate::token::Token;

mod lazy;
mod locate;
mod narrow;
mod options;
mod plan;
mod seeds;

pub use locate::DocLocator;
pub use options::{MetricSet, Mode, OptionError, SearchOptions};

/// Queries shorter than this are refused: their pieces would be a token or
/// two long, which no suffix array narrows down.
pub const MIN_QUERY_LEN: usize = 10;

/// Bad search parameters.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("no queries given")]
    NoQueries,
    #[error("query #{index} has {len} tokens; a search needs at least {min}")]
    QueryTooShort {
        index: usize,
        len: usize,
        min: usize,
    },
    #[error("at most {max} queries are supported, got {got}")]
    TooManyQueries { got: usize, max: usize },
}

/// How one query was searched (in one part, or summed over the parts of an
/// index).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// Parts in which the query fell back to the scan (0 or 1 for one part).
    pub scanned: u32,
    /// Occurrences of its pieces in the other parts.
    pub occurrences: u64,
    /// Windows verified exactly in the other parts.
    pub candidates: u64,
}

impl QueryStats {
    /// Adds the stats of another part.
    pub fn add(&mut self, other: &QueryStats) {
        self.scanned += other.scanned;
        self.occurrences += other.occurrences;
        self.candidates += other.candidates;
    }
}

/// Hits of a search (in the scan's order) and how each query was searched.
#[derive(Debug, Default)]
pub struct Searched {
    pub hits: Vec<Hit>,
    pub stats: Vec<QueryStats>,
}

/// Checks queries for a search.
pub fn check_search_queries<T: Token, Q: AsRef<[T]>>(queries: &[Q]) -> Result<(), SearchError> {
    if queries.is_empty() {
        return Err(SearchError::NoQueries);
    }
    if queries.len() > u32::MAX as usize {
        return Err(SearchError::TooManyQueries {
            got: queries.len(),
            max: u32::MAX as usize,
        });
    }
    if let Some(index) = queries
        .iter()
        .position(|q| q.as_ref().len() < MIN_QUERY_LEN)
    {
        return Err(SearchError::QueryTooShort {
            index,
            len: queries[index].as_ref().len(),
            min: MIN_QUERY_LEN,
        });
    }
    // Queries may be longer than the part: they then match nowhere.
    check_queries::<T, _>(queries, usize::MAX)?;
    Ok(())
}

/// Searches one part (`tokens`, `docs`, and `body_sa`, the body suffixes of
/// its suffix array) for the windows near each query; queries may differ in
/// length. Returns the hits ordered by query, metric, distance and position.
pub fn search<T: Token>(
    tokens: &[T],
    docs: &[Document],
    body_sa: &[u32],
    queries: &[Vec<T>],
    options: &SearchOptions,
) -> Result<Searched, SearchError> {
    let locator = DocLocator::new(docs, tokens.len());
    search_located(tokens, docs, &locator, body_sa, queries, options)
}

/// [`search`] with the part's [`DocLocator`] made beforehand (an index
/// keeps one per part).
pub fn search_located<T: Token>(
    tokens: &[T],
    docs: &[Document],
    locator: &DocLocator,
    body_sa: &[u32],
    queries: &[Vec<T>],
    options: &SearchOptions,
) -> Result<Searched, SearchError> {
    check_search_queries(queries)?;
    if docs.is_empty() {
        return Ok(Searched {
            hits: Vec::new(),
            stats: vec![QueryStats::default(); queries.len()],
        });
    }
    // A document cannot be longer than its part: parts below 2^32 tokens
    // (every part with a suffix array) need no look at their documents.
    if tokens.len() > u32::MAX as usize {
        check_documents(docs)?;
    }
    let part = seeds::PartView {
        tokens,
        docs,
        locator,
        body_sa,
    };
    let outcomes: Vec<Option<(Vec<Hit>, QueryStats)>> = queries
        .par_iter()
        .enumerate()
        .map(|(i, q)| seeds::search_query(&part, i as u32, q, options))
        .collect();
    // Queries that fell back: one scan per length, for all of them at once.
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut out = Searched::default();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Some((hits, stats)) => {
                out.hits.extend(hits);
                out.stats.push(stats);
            }
            None => {
                by_len.entry(queries[i].len()).or_default().push(i);
                out.stats.push(QueryStats {
                    scanned: 1,
                    ..QueryStats::default()
                });
            }
        }
    }
    for group in by_len.into_values() {
        let targets = group.iter().map(|&i| queries[i].clone()).collect();
        let hits = scan::scan(tokens, docs, targets, options.max_distance, &|_| {})?;
        out.hits.extend(
            hits.into_iter()
                .filter(|h| options.metrics.has(h.metric))
                .map(|h| Hit {
                    target: group[h.target as usize] as u32,
                    ..h
                }),
        );
    }
    out.hits.par_sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod tests;
