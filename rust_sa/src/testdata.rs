//! Test inputs shared by the crate's unit tests (compiled for tests only).
//!
//! Large parts with long repeats reach code paths that the small property
//! tests never do (huge-page buffers, libsais' parallel phases, the checker's
//! chunking); each test that needs one draws it here from a fixed seed.

/// A xorshift64 stream: cheap, seeded, the same on every platform.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// `n_docs` documents of `doc_len` tokens below `alphabet`, drawn from `next`;
/// every `repeat_every`-th document repeats the one before it, so the part
/// holds repeats thousands of tokens long.
pub fn repeating_documents(
    next: &mut impl FnMut() -> u64,
    n_docs: u32,
    doc_len: usize,
    alphabet: u64,
    repeat_every: u32,
) -> Vec<(u32, Vec<u16>)> {
    let mut docs: Vec<(u32, Vec<u16>)> = Vec::new();
    for id in 0..n_docs {
        let body = match docs.last() {
            Some((_, prev)) if id % repeat_every == 0 => prev.clone(),
            _ => (0..doc_len).map(|_| (next() % alphabet) as u16).collect(),
        };
        docs.push((id, body));
    }
    docs
}

/// Levenshtein distance by the textbook dynamic program: the slow reference
/// the bit-parallel distance and the scan are checked against.
pub fn dp_levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> u32 {
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
