//! rust_sa: token-level suffix arrays and duplicate search over token corpora
//! stored in the interchange format (see [`format`]).
//!
//! Files and their formats:
//! * [`token`]: the two token widths (uint16, uint32) and their headers;
//! * [`format`]: the part layout, its validation into documents;
//! * [`layout`]: laying documents out, and the names of a part's files;
//! * [`part`]: a part read or mapped from disk;
//! * [`writer`]: writing a part to disk;
//! * [`queries`]: query and target files, and the checks of a query;
//! * [`manifest`]: the manifest (`index.json`) of an index of parts;
//! * [`npy`]: NumPy `.npy` arrays;
//! * [`fileio`]: whole-file and positioned I/O;
//! * [`error`]: what is wrong with an input.
//!
//! Searches:
//! * [`sa`]: suffix-array construction with libsais, and loading;
//! * [`check`]: linear-time check that an array is a part's suffix array;
//! * [`fingerprint`]: fingerprints that tie a suffix array to its part;
//! * [`count`]: exact occurrence counts of queries;
//! * [`selfsim`]: every sequence repeated inside a part;
//! * [`hits`]: what the near-duplicate searches report, and their greedy
//!   selection;
//! * [`myers`]: the bit-parallel Levenshtein distance they share;
//! * [`scan`]: near-duplicate windows of targets (Hamming and Levenshtein),
//!   by sliding over every window;
//! * [`search`]: the same windows found from exact seeds in the suffix
//!   array, falling back to the scan where that is cheaper;
//! * [`index`]: an index of parts opened once, counted and searched in
//!   parallel;
//! * [`hugepages`]: large buffers backed by huge pages;
//! * [`dense`]: dense numbering of sparse token ids.
//!
//! Front ends: `cli`, the `rust-sa` command line (feature `cli`), and the
//! Python module `mosaic_exp._rust_sa` (feature `python`).

pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod count;
pub mod dense;
pub mod error;
pub mod fileio;
pub mod fingerprint;
pub mod format;
pub mod hits;
pub mod hugepages;
pub mod index;
pub mod layout;
pub mod manifest;
pub mod myers;
pub mod npy;
pub mod part;
pub mod queries;
pub mod sa;
pub mod scan;
pub mod search;
pub mod selfsim;
#[cfg(test)]
mod testdata;
pub mod token;
pub mod writer;

#[cfg(feature = "python")]
mod python;
