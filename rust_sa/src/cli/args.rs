//! The arguments of the `rust-sa` command line, as clap parses them.
//!
//! Invariant: parsing checks only the shape of the command line; what the
//! files hold is checked by the library when a command runs, so that the
//! command line and the Python API refuse the same inputs alike.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::layout::default_size_path;

#[derive(Parser, Debug)]
#[command(
    name = "rust-sa",
    version,
    about = "Token-level suffix arrays, exact-duplicate counts and near-duplicate scans of corpus parts"
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
    /// Worker threads (default: one per core).
    #[arg(long, global = true)]
    pub(super) threads: Option<usize>,
    /// Do not draw progress bars on stderr.
    #[arg(long, short, global = true)]
    pub(super) quiet: bool,
}

#[derive(Args, Debug)]
pub(super) struct PartArgs {
    /// The part's token file, NAME.train (count, count-multi and search also
    /// take an index folder, holding index.json).
    pub(super) train: PathBuf,
    /// Its byte offsets (default: NAME.train.size).
    #[arg(long)]
    pub(super) size: Option<PathBuf>,
    /// Bytes per token: 2 (uint16 parts, the default) or 4 (uint32 parts);
    /// an index's manifest names its own.
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=4))]
    pub(super) token_bytes: Option<u8>,
    /// Reject the part if a token id is not below this vocabulary size.
    #[arg(long)]
    pub(super) vocab_size: Option<u32>,
}

impl PartArgs {
    /// The part's `.size` file, given or by default.
    pub(super) fn size(&self) -> PathBuf {
        self.size
            .clone()
            .unwrap_or_else(|| default_size_path(&self.train))
    }
}

#[derive(Args, Debug)]
pub(super) struct SaArg {
    /// The part's suffix array (default: NAME.train.sa.npy).
    #[arg(long)]
    pub(super) sa: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Build the suffix array of a part (uint32 .npy of token positions).
    Make {
        #[command(flatten)]
        part: PartArgs,
        /// Output file (default: NAME.train.sa.npy).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Find every sequence of >= LENGTH tokens occurring >= 2 times.
    SelfSimilar {
        #[command(flatten)]
        part: PartArgs,
        #[command(flatten)]
        sa: SaArg,
        /// Length of the repeated sequences, in tokens.
        #[arg(long, default_value_t = 100)]
        length: usize,
        /// Output prefix: writes PREFIX.positions.npy and PREFIX.counts.npy.
        #[arg(long)]
        out: PathBuf,
    },
    /// Count the occurrences of one query.
    Count {
        #[command(flatten)]
        part: PartArgs,
        #[command(flatten)]
        sa: SaArg,
        /// The query's token ids.
        #[arg(required = true, num_args = 1..)]
        query: Vec<u32>,
    },
    /// Count the occurrences of many queries.
    CountMulti {
        #[command(flatten)]
        part: PartArgs,
        #[command(flatten)]
        sa: SaArg,
        /// Queries: a 2-D .npy array of token ids (one per row) or the
        /// original tool's query file ([u32 LE length][tokens] records).
        #[arg(long)]
        queries: PathBuf,
        /// Output .npy of uint64 counts (default: print one count per line).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Find the document windows near each query through the suffix array
    /// (the same hits as scan; falls back to scanning where that is cheaper).
    Search {
        #[command(flatten)]
        part: PartArgs,
        #[command(flatten)]
        sa: SaArg,
        /// Queries of at least 10 tokens: a 2-D .npy array (one per row) or
        /// a query file (lengths may differ).
        #[arg(long)]
        queries: PathBuf,
        /// Largest distance reported.
        #[arg(long)]
        max_distance: usize,
        /// Output .npy, int64 of shape (hits, 6) as scan's; for an index
        /// (hits, 7), the 7th column the part's place in the manifest,
        /// ordered by part.
        #[arg(long)]
        out: PathBuf,
        /// Metrics reported.
        #[arg(long, default_value = "both", value_parser = ["hamming", "levenshtein", "both"])]
        metric: String,
        /// auto: seeds where they beat a scan; seeds or scan: always that.
        #[arg(long, default_value = "auto", value_parser = ["auto", "seeds", "scan"])]
        mode: String,
    },
    /// Find the document windows near each target (Hamming and Levenshtein).
    Scan {
        #[command(flatten)]
        part: PartArgs,
        /// Targets, all of one length: a 2-D .npy array or a query file.
        #[arg(long)]
        targets: PathBuf,
        /// Largest distance reported.
        #[arg(long, default_value_t = 50)]
        max_distance: usize,
        /// Output .npy, int64 of shape (hits, 6): target, metric
        /// (0 Hamming, 1 Levenshtein), document id, offset in the document,
        /// position in the part, distance.
        #[arg(long)]
        out: PathBuf,
    },
}
