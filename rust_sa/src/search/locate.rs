//! Which document a part position lies in, in constant time: the candidate
//! windows of a query with many copies lie in as many documents, and a
//! binary search over the documents of a large part (megabytes, cold in the
//! cache) cost more than everything else done for a window.
//!
//! Invariant: `locate(pos)` is the index of the last document whose body
//! starts at or before `pos` (0 when none does), the same as a binary search
//! over the document starts.

use crate::format::Document;

/// The document starts of a part and, per bucket of `2^shift` positions,
/// the document holding the bucket's first position.
pub struct DocLocator {
    shift: u32,
    buckets: Vec<u32>,
    starts: Vec<u64>,
}

impl DocLocator {
    /// The locator of `docs` (in file order) of a part of `n_tokens` tokens.
    pub fn new(docs: &[Document], n_tokens: usize) -> Self {
        let starts: Vec<u64> = docs.iter().map(|d| d.start as u64).collect();
        // About one document per bucket.
        let per_doc = n_tokens / docs.len().max(1);
        let shift = per_doc.max(1).ilog2();
        let n_buckets = (n_tokens >> shift) + 1;
        let mut buckets = Vec::with_capacity(n_buckets);
        let mut doc = 0usize;
        for b in 0..n_buckets {
            let first = (b as u64) << shift;
            while doc + 1 < starts.len() && starts[doc + 1] <= first {
                doc += 1;
            }
            buckets.push(doc as u32);
        }
        DocLocator {
            shift,
            buckets,
            starts,
        }
    }

    /// The index of the last document starting at or before `pos`.
    pub fn locate(&self, pos: u64) -> usize {
        let bucket = ((pos >> self.shift) as usize).min(self.buckets.len() - 1);
        let mut doc = self.buckets[bucket] as usize;
        // A few steps within the bucket; a bisection past a crowd of short
        // documents.
        for _ in 0..8 {
            if doc + 1 < self.starts.len() && self.starts[doc + 1] <= pos {
                doc += 1;
            } else {
                return doc;
            }
        }
        doc + self.starts[doc + 1..].partition_point(|&s| s <= pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn locates_like_a_binary_search(
            lens in prop::collection::vec(0usize..50, 1..40),
            probes in prop::collection::vec(any::<u64>(), 1..50),
        ) {
            let mut docs = Vec::new();
            let mut at = 0;
            for (i, len) in lens.iter().enumerate() {
                docs.push(Document { id: i as u32, start: at + 3, end: at + 3 + len });
                at += 3 + len;
            }
            let locator = DocLocator::new(&docs, at);
            for p in probes {
                let pos = p % (at as u64 + 10);
                let want = docs.partition_point(|d| d.start as u64 <= pos).saturating_sub(1);
                prop_assert_eq!(locator.locate(pos), want);
            }
        }
    }
}
