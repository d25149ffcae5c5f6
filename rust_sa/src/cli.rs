//! The `rust-sa` command line, shared by the native binary and the
//! `rust-sa` script that the Python package installs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::io::{check_queries, check_vocabulary, read_queries, Part, Token};
use crate::npy;
use crate::sa::{self, SaToken, SuffixArray};
use crate::{count, scan, selfsim};

#[derive(Parser, Debug)]
#[command(
    name = "rust-sa",
    version,
    about = "Token-level suffix arrays, exact-duplicate counts and near-duplicate scans of corpus parts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: one per core).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Do not draw progress bars on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct PartArgs {
    /// The part's token file, NAME.train.
    train: PathBuf,
    /// Its byte offsets (default: NAME.train.size).
    #[arg(long)]
    size: Option<PathBuf>,
    /// Bytes per token: 2 (uint16 parts) or 4 (uint32 parts).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=4))]
    token_bytes: u8,
    /// Reject the part if a token id is not below this vocabulary size.
    #[arg(long)]
    vocab_size: Option<u32>,
}

impl PartArgs {
    fn size(&self) -> PathBuf {
        self.size.clone().unwrap_or_else(|| {
            let mut s = self.train.as_os_str().to_owned();
            s.push(".size");
            PathBuf::from(s)
        })
    }
}

#[derive(Args, Debug)]
struct SaArg {
    /// The part's suffix array (default: NAME.train.sa.npy).
    #[arg(long)]
    sa: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
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

/// A progress bar over `total` units on stderr, hidden when `quiet`.
pub fn progress_bar(total: u64, what: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{what} {{bar:40}} {{human_pos}}/{{human_len}} [{{elapsed}} < {{eta}}, {{per_sec}}]"
    )) {
        bar.set_style(style);
    }
    bar
}

fn sa_path(arg: &SaArg, part: &PartArgs) -> PathBuf {
    arg.sa.clone().unwrap_or_else(|| sa::default_path(&part.train))
}

fn open_part<T: Token>(args: &PartArgs) -> Result<Part<T>> {
    let part = Part::<T>::open(&args.train, &args.size())
        .with_context(|| format!("reading part {}", args.train.display()))?;
    if let Some(v) = args.vocab_size {
        check_vocabulary(part.tokens(), part.docs(), v)?;
    }
    Ok(part)
}

fn open_sa<T: Token>(path: &Path, part: &Part<T>) -> Result<SuffixArray> {
    SuffixArray::open(path, part).with_context(|| format!("opening suffix array {}", path.display()))
}

fn run_typed<T: SaToken>(command: Command, quiet: bool, threads: usize) -> Result<()> {
    let started = Instant::now();
    match command {
        Command::Make { part, out } => {
            if let Some(v) = part.vocab_size {
                let p = open_part::<T>(&part)?;
                check_vocabulary(p.tokens(), p.docs(), v)?;
            }
            let out = out.unwrap_or_else(|| sa::default_path(&part.train));
            let n = sa::make::<T>(&part.train, &part.size(), &out, threads)
                .with_context(|| format!("building the suffix array of {}", part.train.display()))?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{n} tokens sorted in {secs:.1} s ({:.1}M tokens/s) -> {}",
                n as f64 / secs.max(1e-9) / 1e6,
                out.display()
            );
        }
        Command::SelfSimilar { part: pa, sa, length, out } => {
            if length == 0 {
                bail!("--length must be at least 1");
            }
            let part = open_part::<T>(&pa)?;
            let sa = open_sa(&sa_path(&sa, &pa), &part)?;
            let bar = progress_bar(sa.body().len() as u64, "self-similar", quiet);
            let c = selfsim::self_similar(part.tokens(), sa.body(), length, &|n| bar.inc(n));
            bar.finish_and_clear();
            let prefix = out.as_os_str().to_owned();
            let with = |ext: &str| {
                let mut p = prefix.clone();
                p.push(ext);
                PathBuf::from(p)
            };
            npy::write(&with(".positions.npy"), &[c.positions.len()], &c.positions)?;
            npy::write(&with(".counts.npy"), &[c.counts.len()], &c.counts)?;
            eprintln!(
                "{} repeated sequences of {length} tokens, {} occurrences",
                c.counts.len(),
                c.positions.len()
            );
        }
        Command::Count { part: pa, sa, query } => {
            let part = open_part::<T>(&pa)?;
            let q = query
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    T::from_u32(v).with_context(|| format!("query token #{i} ({v}) does not fit {} bytes", T::BYTES))
                })
                .collect::<Result<Vec<T>>>()?;
            check_queries(&[&q[..]], part.tokens().len())?;
            let sa = open_sa(&sa_path(&sa, &pa), &part)?;
            println!("{}", count::count(part.tokens(), sa.body(), &q));
        }
        Command::CountMulti { part: pa, sa, queries, out } => {
            let part = open_part::<T>(&pa)?;
            let qs: Vec<Vec<T>> =
                read_queries(&queries).with_context(|| format!("reading queries {}", queries.display()))?;
            check_queries(&qs, part.tokens().len())?;
            let sa = open_sa(&sa_path(&sa, &pa), &part)?;
            let bar = progress_bar(qs.len() as u64, "count", quiet);
            let counts = count::count_many(part.tokens(), sa.body(), &qs, &|n| bar.inc(n));
            bar.finish_and_clear();
            match out {
                Some(out) => {
                    npy::write(&out, &[counts.len()], &counts)?;
                    let secs = started.elapsed().as_secs_f64();
                    eprintln!("{} queries counted in {secs:.1} s -> {}", counts.len(), out.display());
                }
                None => {
                    for c in counts {
                        println!("{c}");
                    }
                }
            }
        }
        Command::Scan { part: pa, targets, max_distance, out } => {
            let part = open_part::<T>(&pa)?;
            let ts: Vec<Vec<T>> =
                read_queries(&targets).with_context(|| format!("reading targets {}", targets.display()))?;
            let total: usize = part.docs().iter().map(|d| d.end - d.start).sum();
            let bar = progress_bar(total as u64, "scan", quiet);
            let hits = scan::scan(part.tokens(), part.docs(), ts, max_distance, &|n| bar.inc(n))?;
            bar.finish_and_clear();
            let rows: Vec<i64> = hits
                .iter()
                .flat_map(|h| {
                    [
                        i64::from(h.target),
                        h.metric as i64,
                        i64::from(h.doc_id),
                        i64::from(h.offset),
                        h.position as i64,
                        i64::from(h.distance),
                    ]
                })
                .collect();
            npy::write(&out, &[hits.len(), 6], &rows)?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{total} tokens scanned in {secs:.1} s ({:.1}M tokens/s), {} windows kept -> {}",
                total as f64 / secs.max(1e-9) / 1e6,
                hits.len(),
                out.display()
            );
        }
    }
    Ok(())
}

fn token_bytes(command: &Command) -> u8 {
    match command {
        Command::Make { part, .. }
        | Command::SelfSimilar { part, .. }
        | Command::Count { part, .. }
        | Command::CountMulti { part, .. }
        | Command::Scan { part, .. } => part.token_bytes,
    }
}

/// Runs the command line `args` (program name first) and returns the exit
/// status: 0 on success, 1 on a failed command, 2 on a usage error.
pub fn run<I, A>(args: I) -> i32
where
    I: IntoIterator<Item = A>,
    A: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that print to stdout.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = cli.threads {
        pool = pool.num_threads(t);
    }
    let pool = match pool.build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return 1;
        }
    };
    let threads = pool.current_num_threads();
    let quiet = cli.quiet;
    let result = pool.install(|| match token_bytes(&cli.command) {
        2 => run_typed::<u16>(cli.command, quiet, threads),
        4 => run_typed::<u32>(cli.command, quiet, threads),
        b => Err(anyhow::anyhow!("--token-bytes must be 2 or 4, not {b}")),
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", report(&e));
            1
        }
    }
}

/// The line printed for a failed command: the error with its context and
/// causes, each said once.
fn report(e: &anyhow::Error) -> String {
    format!("error: {e:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_reported_once_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("missing.train");
        let reason = std::fs::read(&train).unwrap_err().to_string();
        let args = PartArgs { train: train.clone(), size: None, token_bytes: 2, vocab_size: None };
        let shown = report(&open_part::<u16>(&args).err().unwrap());
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
        assert!(shown.contains(&train.display().to_string()), "{shown}");
        let queries = dir.path().join("missing.npy");
        let e = read_queries::<u16>(&queries).with_context(|| format!("reading queries {}", queries.display()));
        let shown = report(&e.unwrap_err());
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
        assert_eq!(run(["rust-sa", "--quiet", "count", train.to_str().unwrap(), "1"]), 1);
    }
}
