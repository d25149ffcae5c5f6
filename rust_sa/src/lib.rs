//! rust_sa: token-level suffix arrays and duplicate search over token corpora
//! stored in the interchange format (see [`io`]).

pub mod io;

#[cfg(feature = "python")]
mod python;
