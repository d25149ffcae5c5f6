//! Dense numbering of a sorted set of token ids.
//!
//! [`DenseIds`] gives the `i`-th smallest id of a set the slot `i`, so that
//! per-id state (the scan's inverted index and window counts, the bucket
//! pointers of the suffix-array check) can live in arrays of one entry per
//! id actually present instead of one per id up to the largest: a uint32 id
//! near 2^31 must not cost gigabytes.
//!
//! Invariants: slots are `0..len()`, in the order of the ids; an id outside
//! the set, and always `u32::MAX`, maps to [`ABSENT`]. The lookup is a direct
//! table when the ids are dense enough for it to stay within a small multiple
//! of the set (or 256 KiB), and an open-addressing hash table otherwise, so
//! memory is O(len()) either way.

/// Slot of an id outside the set.
pub const ABSENT: u32 = u32::MAX;

/// A direct table is used up to this many entries whatever the set's size
/// (every uint16 id fits), ...
const DIRECT_MIN: usize = 1 << 16;
/// ... and up to this many entries per id of the set beyond that.
const DIRECT_PER_ID: usize = 8;

enum Lookup {
    /// `table[id]` = slot; ids at or beyond the table are absent.
    Direct(Vec<u32>),
    /// Linear probing in `keys` (empty: `u32::MAX`), `slots` beside it; the
    /// capacity is a power of two at least twice the set.
    Hashed {
        keys: Vec<u32>,
        slots: Vec<u32>,
        shift: u32,
    },
}

/// Slots `0..len()` for the ids of a sorted set.
pub struct DenseIds {
    lookup: Lookup,
    len: usize,
}

#[inline]
fn hash(id: u32, shift: u32) -> usize {
    // Fibonacci hashing: the top bits of the product by 2^32 / phi.
    (id.wrapping_mul(0x9E37_79B9) >> shift) as usize
}

impl DenseIds {
    /// Numbers `ids`, which must be strictly increasing (slot `i` is
    /// `ids[i]`); `u32::MAX`, never a token id, is skipped.
    pub fn new(ids: &[u32]) -> Self {
        debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let ids = match ids.last() {
            Some(&u32::MAX) => &ids[..ids.len() - 1],
            _ => ids,
        };
        let table = ids.last().map_or(0, |&m| m as usize + 1);
        let lookup = if table <= DIRECT_MIN.max(ids.len().saturating_mul(DIRECT_PER_ID)) {
            let mut direct = vec![ABSENT; table];
            for (slot, &id) in ids.iter().enumerate() {
                direct[id as usize] = slot as u32;
            }
            Lookup::Direct(direct)
        } else {
            let capacity = (ids.len() * 2).next_power_of_two().max(16);
            let shift = 32 - capacity.trailing_zeros();
            let (mut keys, mut slots) = (vec![u32::MAX; capacity], vec![ABSENT; capacity]);
            for (slot, &id) in ids.iter().enumerate() {
                let mut h = hash(id, shift);
                while keys[h] != u32::MAX {
                    h = (h + 1) & (capacity - 1);
                }
                keys[h] = id;
                slots[h] = slot as u32;
            }
            Lookup::Hashed { keys, slots, shift }
        };
        DenseIds {
            lookup,
            len: ids.len(),
        }
    }

    /// The slot of `id`, or [`ABSENT`].
    #[inline]
    pub fn get(&self, id: u32) -> u32 {
        match &self.lookup {
            Lookup::Direct(t) => t.get(id as usize).copied().unwrap_or(ABSENT),
            Lookup::Hashed { keys, slots, shift } => {
                let mask = keys.len() - 1;
                let mut h = hash(id, *shift);
                loop {
                    let k = keys[h];
                    if k == id {
                        // `u32::MAX` marks empty keys and has no slot.
                        return slots[h];
                    }
                    if k == u32::MAX {
                        return ABSENT;
                    }
                    h = (h + 1) & mask;
                }
            }
        }
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the lookup.
    pub fn heap_bytes(&self) -> usize {
        match &self.lookup {
            Lookup::Direct(t) => t.len() * 4,
            Lookup::Hashed { keys, .. } => keys.len() * 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(ids: &[u32], probes: &[u32]) {
        let d = DenseIds::new(ids);
        let kept = ids.iter().filter(|&&i| i != u32::MAX).count();
        assert_eq!(d.len(), kept);
        for (slot, &id) in ids.iter().enumerate().filter(|(_, &i)| i != u32::MAX) {
            assert_eq!(d.get(id), slot as u32);
        }
        for &p in probes {
            let want = ids
                .iter()
                .position(|&i| i == p && i != u32::MAX)
                .map_or(ABSENT, |s| s as u32);
            assert_eq!(d.get(p), want, "probe {p}");
        }
        assert_eq!(d.get(u32::MAX), ABSENT);
    }

    #[test]
    fn sparse_ids_take_memory_of_the_set_not_of_the_largest_id() {
        let ids = [0, 3, 70_000, 0x7FFF_FFFE, u32::MAX];
        check(&ids, &[1, 2, 4, 69_999, 70_001, 0x7FFF_FFFD, 0x8000_0000]);
        assert!(DenseIds::new(&ids).heap_bytes() <= 1024);
        let dense: Vec<u32> = (0..1000).map(|i| i * 3).collect();
        assert!(matches!(DenseIds::new(&dense).lookup, Lookup::Direct(_)));
        check(&dense, &[1, 2999, 3000, 5000]);
        check(&[], &[0, 1]);
    }

    proptest! {
        #[test]
        fn slots_follow_the_order_of_the_ids(
            mut ids in prop::collection::vec(prop_oneof![0u32..100, any::<u32>()], 0..200),
            probes in prop::collection::vec(prop_oneof![0u32..100, any::<u32>()], 0..50),
        ) {
            ids.sort_unstable();
            ids.dedup();
            check(&ids, &probes);
        }
    }
}
