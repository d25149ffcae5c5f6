//! An index of parts opened for searching: every part mapped and its suffix
//! array mapped and checked once, so that repeated counts and searches pay
//! no opening cost. Parts are opened, counted and searched in parallel.
//!
//! Invariant: an [`Index`] holds only parts whose suffix arrays passed
//! `SuffixArray::open` (the stamp check), of the width its manifest names;
//! counts are the sums of the parts' counts, and search hits are each
//! part's hits (the scan's, see the `search` module) tagged with the part's
//! place in the manifest, ordered by part.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::count;
use crate::error::FormatError;
use crate::format::check_vocabulary;
use crate::hits::Hit;
use crate::manifest::{self, Manifest, ManifestError, PartFiles};
use crate::part::Part;
use crate::queries::check_queries;
use crate::sa::{SaError, SuffixArray};
use crate::search::{
    self, check_search_queries, DocLocator, QueryStats, SearchError, SearchOptions,
};
use crate::token::{Token, Width};

/// An index that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("index manifest {manifest} is for {found}-byte tokens, not {asked}")]
    WrongWidth {
        manifest: PathBuf,
        found: usize,
        asked: usize,
    },
    // The part's error is part of the message (not a `source`), so that
    // reports that print a chain of causes say it once.
    #[error("part #{index} of index {manifest}: {error}")]
    Part {
        index: usize,
        manifest: PathBuf,
        error: SaError,
    },
}

/// One part of an index: its files, the mapped part and its suffix array.
pub struct IndexedPart<T: Token> {
    pub files: PartFiles,
    pub part: Part<T>,
    pub sa: SuffixArray,
    /// Where the search finds the document of a position.
    pub locator: DocLocator,
}

/// An opened index of parts of width `T`.
pub struct Index<T: Token> {
    manifest: Manifest,
    parts: Vec<IndexedPart<T>>,
}

/// A hit of an index search: the part (its place in the manifest) and the
/// hit in that part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexHit {
    pub part: u32,
    pub hit: Hit,
}

/// Hits of an index search (by part, then in the scan's order) and how each
/// query was searched, summed over the parts.
#[derive(Debug, Default)]
pub struct IndexSearched {
    pub hits: Vec<IndexHit>,
    pub stats: Vec<QueryStats>,
}

impl<T: Token> Index<T> {
    /// Reads the manifest of `folder` and opens every part and suffix array
    /// (checking each array's stamp against its part).
    pub fn open(folder: &Path) -> Result<Self, IndexError> {
        Self::from_manifest(manifest::read(folder)?)
    }

    /// Opens the parts of a manifest already read.
    pub fn from_manifest(manifest: Manifest) -> Result<Self, IndexError> {
        if manifest.width.bytes() != T::BYTES {
            return Err(IndexError::WrongWidth {
                manifest: manifest.path,
                found: manifest.width.bytes(),
                asked: T::BYTES,
            });
        }
        let parts = manifest
            .parts
            .par_iter()
            .enumerate()
            .map(|(index, files)| {
                let opened = Part::<T>::open(&files.train, &files.size)
                    .map_err(SaError::from)
                    .and_then(|part| Ok((SuffixArray::open(&files.sa, &part)?, part)));
                match opened {
                    Ok((sa, part)) => Ok(IndexedPart {
                        files: files.clone(),
                        locator: DocLocator::new(part.docs(), part.tokens().len()),
                        part,
                        sa,
                    }),
                    Err(error) => Err(IndexError::Part {
                        index,
                        manifest: manifest.path.clone(),
                        error,
                    }),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Index { manifest, parts })
    }

    /// The manifest the index was opened from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The parts, in manifest order.
    pub fn parts(&self) -> &[IndexedPart<T>] {
        &self.parts
    }

    /// Tokens of all parts, headers included.
    pub fn n_tokens(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| p.part.tokens().len() as u64)
            .sum()
    }

    /// Documents of all parts.
    pub fn n_documents(&self) -> u64 {
        self.parts.iter().map(|p| p.part.docs().len() as u64).sum()
    }

    /// Checks that every body token of every part is below `vocab_size`.
    pub fn check_vocabulary(&self, vocab_size: u32) -> Result<(), IndexError> {
        for (index, p) in self.parts.iter().enumerate() {
            check_vocabulary(p.part.tokens(), p.part.docs(), vocab_size).map_err(|e| {
                IndexError::Part {
                    index,
                    manifest: self.manifest.path.clone(),
                    error: e.into(),
                }
            })?;
        }
        Ok(())
    }

    /// Checks queries for counting: as for one part, against the largest.
    fn check_counted<Q: AsRef<[T]>>(&self, queries: &[Q]) -> Result<(), FormatError> {
        let longest = self.parts.iter().map(|p| p.part.tokens().len()).max();
        check_queries(queries, longest.unwrap_or(0))
    }

    /// Occurrences of `q` in the document bodies of all parts.
    pub fn count(&self, q: &[T]) -> Result<u64, FormatError> {
        self.check_counted(&[q])?;
        Ok(self
            .parts
            .par_iter()
            .map(|p| count::count(p.part.tokens(), p.sa.body(), q))
            .sum())
    }

    /// Occurrences of each query, summed over the parts; `progress` gets the
    /// number of (part, query) counts done since its last call.
    pub fn count_many<Q: AsRef<[T]> + Sync>(
        &self,
        queries: &[Q],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<u64>, FormatError> {
        self.check_counted(queries)?;
        let mut total = vec![0u64; queries.len()];
        for p in &self.parts {
            let counts = count::count_many(p.part.tokens(), p.sa.body(), queries, progress);
            for (t, c) in total.iter_mut().zip(counts) {
                *t += c;
            }
        }
        Ok(total)
    }

    /// Searches every part for the windows near each query (see the
    /// `search` module); hits are ordered by part, then as the scan's.
    pub fn search(
        &self,
        queries: &[Vec<T>],
        options: &SearchOptions,
    ) -> Result<IndexSearched, SearchError> {
        check_search_queries(queries)?;
        let per_part = self
            .parts
            .par_iter()
            .map(|p| {
                search::search_located(
                    p.part.tokens(),
                    p.part.docs(),
                    &p.locator,
                    p.sa.body(),
                    queries,
                    options,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = IndexSearched {
            hits: Vec::with_capacity(per_part.iter().map(|s| s.hits.len()).sum()),
            stats: vec![QueryStats::default(); queries.len()],
        };
        for (part, searched) in per_part.into_iter().enumerate() {
            for (total, s) in out.stats.iter_mut().zip(&searched.stats) {
                total.add(s);
            }
            out.hits
                .extend(searched.hits.into_iter().map(|hit| IndexHit {
                    part: part as u32,
                    hit,
                }));
        }
        Ok(out)
    }
}

/// The width of the index in `folder`, from its manifest.
pub fn width_of(folder: &Path) -> Result<Width, ManifestError> {
    Ok(manifest::read(folder)?.width)
}

#[cfg(test)]
mod tests;
