//! rust_sa: token-level suffix arrays and duplicate search over token corpora
//! stored in the interchange format (see [`io`]).
//!
//! * [`io`]: part, size and query files (uint16 and uint32 tokens);
//! * [`sa`]: suffix-array construction with libsais, and loading;
//! * [`count`]: exact occurrence counts of queries;
//! * [`selfsim`]: every sequence repeated inside a part;
//! * [`scan`]: near-duplicate windows of targets (Hamming and Levenshtein);
//! * [`cli`]: the `rust-sa` command line;
//! * [`hugepages`]: large buffers backed by huge pages.

pub mod cli;
pub mod count;
pub mod hugepages;
pub mod io;
pub mod npy;
pub mod sa;
pub mod scan;
pub mod selfsim;

#[cfg(feature = "python")]
mod python;
