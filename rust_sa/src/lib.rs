//! rust_sa: token-level suffix arrays and duplicate search over token corpora
//! stored in the interchange format (see [`io`]).
//!
//! * [`io`]: part, size and query files (uint16 and uint32 tokens);
//! * [`sa`]: suffix-array construction with libsais, and loading;
//! * [`check`]: linear-time check that an array is a part's suffix array;
//! * [`fingerprint`]: fingerprints that tie a suffix array to its part;
//! * [`count`]: exact occurrence counts of queries;
//! * [`selfsim`]: every sequence repeated inside a part;
//! * [`scan`]: near-duplicate windows of targets (Hamming and Levenshtein);
//! * [`cli`]: the `rust-sa` command line;
//! * [`hugepages`]: large buffers backed by huge pages;
//! * [`dense`]: dense numbering of sparse token ids.

pub mod check;
pub mod cli;
pub mod count;
pub mod dense;
pub mod fingerprint;
pub mod hugepages;
pub mod io;
pub mod npy;
pub mod sa;
pub mod scan;
pub mod selfsim;

#[cfg(feature = "python")]
mod python;
