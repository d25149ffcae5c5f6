//! The `rust-sa` command line, shared by the native binary and the
//! `rust-sa` script that the Python package installs (built with the `cli`
//! feature, which the `python` feature turns on).
//!
//! Invariant: a thin layer over the library: every check of an input is the
//! library's, and a failed command prints one line, its error with each
//! cause said once, and exits with status 1 (2 for a usage error).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::format::check_vocabulary;
use crate::layout::with_suffix;
use crate::part::Part;
use crate::sa::{self, SaToken, SuffixArray};
use crate::selfsim;
use crate::token::{Token, Width};

mod args;
mod search;

use args::{Cli, Command, PartArgs, SaArg};

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
    arg.sa
        .clone()
        .unwrap_or_else(|| sa::default_path(&part.train))
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
    SuffixArray::open(path, part)
        .with_context(|| format!("opening suffix array {}", path.display()))
}

fn run_typed<T: SaToken>(command: Command, quiet: bool, threads: usize) -> Result<()> {
    let started = Instant::now();
    match command {
        Command::Make { part, out } => {
            if part.vocab_size.is_some() {
                // Checked on the mapped part: `make` reads it again anyway.
                open_part::<T>(&part)?;
            }
            let out = out.unwrap_or_else(|| sa::default_path(&part.train));
            let n = sa::make::<T>(&part.train, &part.size(), &out, threads).with_context(|| {
                format!("building the suffix array of {}", part.train.display())
            })?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{n} tokens sorted in {secs:.1} s ({:.1}M tokens/s) -> {}",
                n as f64 / secs.max(1e-9) / 1e6,
                out.display()
            );
        }
        Command::SelfSimilar {
            part: pa,
            sa,
            length,
            out,
        } => {
            if length == 0 {
                bail!("--length must be at least 1");
            }
            let part = open_part::<T>(&pa)?;
            let sa = open_sa(&sa_path(&sa, &pa), &part)?;
            let bar = progress_bar(sa.body().len() as u64, "self-similar", quiet);
            let (clusters, occurrences) = selfsim::write_self_similar(
                part.tokens(),
                &sa,
                length,
                &|n| bar.inc(n),
                &with_suffix(&out, ".positions.npy"),
                &with_suffix(&out, ".counts.npy"),
            )?;
            bar.finish_and_clear();
            eprintln!(
                "{clusters} repeated sequences of {length} tokens, {occurrences} occurrences"
            );
        }
        Command::Count { part, sa, query } => search::count::<T>(&part, &sa, query)?,
        Command::CountMulti {
            part,
            sa,
            queries,
            out,
        } => search::count_multi::<T>(&part, &sa, &queries, out, quiet)?,
        Command::Scan {
            part,
            targets,
            max_distance,
            out,
        } => search::scan::<T>(&part, &targets, max_distance, &out, quiet)?,
        Command::Search {
            part,
            sa,
            queries,
            max_distance,
            out,
            metric,
            mode,
        } => search::search::<T>(
            &part,
            &sa,
            search::SearchArgs {
                queries: &queries,
                max_distance,
                out: &out,
                metric: &metric,
                mode: &mode,
            },
        )?,
    }
    Ok(())
}

/// The token width of a command's input (see `search::width`).
fn command_width(command: &Command) -> Result<Width> {
    match command {
        Command::Make { part, .. } | Command::Scan { part, .. } => search::width(part, None, false),
        Command::SelfSimilar { part, sa, .. } => search::width(part, Some(sa), false),
        Command::Count { part, sa, .. }
        | Command::CountMulti { part, sa, .. }
        | Command::Search { part, sa, .. } => search::width(part, Some(sa), true),
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
    let result = pool.install(|| match command_width(&cli.command)? {
        Width::U16 => run_typed::<u16>(cli.command, quiet, threads),
        Width::U32 => run_typed::<u32>(cli.command, quiet, threads),
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
        let args = PartArgs {
            train: train.clone(),
            size: None,
            token_bytes: None,
            vocab_size: None,
        };
        let shown = report(&open_part::<u16>(&args).err().unwrap());
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
        assert!(shown.contains(&train.display().to_string()), "{shown}");
        let queries = dir.path().join("missing.npy");
        let e = crate::queries::read_queries::<u16>(&queries)
            .with_context(|| format!("reading queries {}", queries.display()));
        let shown = report(&e.unwrap_err());
        assert_eq!(shown.matches(&reason).count(), 1, "{shown}");
        assert_eq!(
            run(["rust-sa", "--quiet", "count", train.to_str().unwrap(), "1"]),
            1
        );
    }
}
