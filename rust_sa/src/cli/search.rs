//! The searching commands: `count`, `count-multi` and `search` on a part or
//! an index folder, and `scan` on a part.
//!
//! Invariant: on an index, counts are the sums over its parts and search
//! rows carry the part's place in the manifest as a 7th column; on a part,
//! the outputs are exactly those of the single-part commands (`search`
//! writes what `scan` writes for the same queries).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::args::{PartArgs, SaArg};
use super::{open_part, open_sa, progress_bar, sa_path};
use crate::hits::Hit;
use crate::index::Index;
use crate::manifest;
use crate::queries::{check_queries, read_queries};
use crate::search::{self, MetricSet, Mode, SearchOptions};
use crate::token::{tokens_from_ids, Token, Width};
use crate::{count, npy, scan};

/// The width of a command's input: its index's (refusing the single-part
/// options `--size` and `--sa`, and a `--token-bytes` that disagrees), or
/// `--token-bytes` (default 2) for a part.
pub(super) fn width(part: &PartArgs, sa: Option<&SaArg>, takes_index: bool) -> Result<Width> {
    if !(takes_index && manifest::is_index(&part.train)) {
        return Ok(Width::from_bytes(
            part.token_bytes.unwrap_or(2),
            "--token-bytes",
        )?);
    }
    let m = manifest::read(&part.train)?;
    if part.size.is_some() || sa.is_some_and(|s| s.sa.is_some()) {
        bail!(
            "--size and --sa name a single part's files; the index {} lists its parts' files",
            m.path.display()
        );
    }
    if let Some(b) = part.token_bytes {
        if usize::from(b) != m.width.bytes() {
            bail!(
                "--token-bytes {b} does not match the index {}, whose tokens have {} bytes",
                m.path.display(),
                m.width.bytes()
            );
        }
    }
    Ok(m.width)
}

fn open_index<T: Token>(pa: &PartArgs) -> Result<Index<T>> {
    let index = Index::<T>::open(&pa.train)
        .with_context(|| format!("opening index {}", pa.train.display()))?;
    if let Some(v) = pa.vocab_size {
        index.check_vocabulary(v)?;
    }
    Ok(index)
}

/// `count`: the occurrences of one query.
pub(super) fn count<T: Token>(pa: &PartArgs, sa: &SaArg, query: Vec<u32>) -> Result<()> {
    let q: Vec<T> = tokens_from_ids(query, || "query #0".into())?;
    let n = if manifest::is_index(&pa.train) {
        open_index::<T>(pa)?.count(&q)?
    } else {
        let part = open_part::<T>(pa)?;
        check_queries(&[&q[..]], part.tokens().len())?;
        let sa = open_sa(&sa_path(sa, pa), &part)?;
        count::count(part.tokens(), sa.body(), &q)
    };
    println!("{n}");
    Ok(())
}

/// `count-multi`: the occurrences of many queries.
pub(super) fn count_multi<T: Token>(
    pa: &PartArgs,
    sa: &SaArg,
    queries: &Path,
    out: Option<PathBuf>,
    quiet: bool,
) -> Result<()> {
    let started = Instant::now();
    let qs: Vec<Vec<T>> =
        read_queries(queries).with_context(|| format!("reading queries {}", queries.display()))?;
    let counts = if manifest::is_index(&pa.train) {
        let index = open_index::<T>(pa)?;
        let bar = progress_bar((qs.len() * index.parts().len()) as u64, "count", quiet);
        let c = index.count_many(&qs, &|n| bar.inc(n))?;
        bar.finish_and_clear();
        c
    } else {
        let part = open_part::<T>(pa)?;
        check_queries(&qs, part.tokens().len())?;
        let sa = open_sa(&sa_path(sa, pa), &part)?;
        let bar = progress_bar(qs.len() as u64, "count", quiet);
        let c = count::count_many(part.tokens(), sa.body(), &qs, &|n| bar.inc(n));
        bar.finish_and_clear();
        c
    };
    match out {
        Some(out) => {
            npy::write(&out, &[counts.len()], &counts)?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{} queries counted in {secs:.1} s -> {}",
                counts.len(),
                out.display()
            );
        }
        None => {
            for c in counts {
                println!("{c}");
            }
        }
    }
    Ok(())
}

/// The six columns of a hit in the scan's output.
fn row(h: &Hit) -> [i64; 6] {
    [
        i64::from(h.target),
        h.metric as i64,
        i64::from(h.doc_id),
        i64::from(h.offset),
        h.position as i64,
        i64::from(h.distance),
    ]
}

/// `scan`: every window near the targets, by sliding over the part.
pub(super) fn scan<T: Token>(
    pa: &PartArgs,
    targets: &Path,
    max_distance: usize,
    out: &Path,
    quiet: bool,
) -> Result<()> {
    let started = Instant::now();
    let part = open_part::<T>(pa)?;
    let ts: Vec<Vec<T>> =
        read_queries(targets).with_context(|| format!("reading targets {}", targets.display()))?;
    let total = part.body_tokens();
    let bar = progress_bar(total as u64, "scan", quiet);
    let hits = scan::scan(part.tokens(), part.docs(), ts, max_distance, &|n| {
        bar.inc(n)
    })?;
    bar.finish_and_clear();
    let rows: Vec<i64> = hits.iter().flat_map(row).collect();
    npy::write(out, &[hits.len(), 6], &rows)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{total} tokens scanned in {secs:.1} s ({:.1}M tokens/s), {} windows kept -> {}",
        total as f64 / secs.max(1e-9) / 1e6,
        hits.len(),
        out.display()
    );
    Ok(())
}

/// The arguments of `search` beyond the part.
pub(super) struct SearchArgs<'a> {
    pub(super) queries: &'a Path,
    pub(super) max_distance: usize,
    pub(super) out: &'a Path,
    pub(super) metric: &'a str,
    pub(super) mode: &'a str,
}

/// `search`: the windows near each query, through the suffix array.
pub(super) fn search<T: Token>(pa: &PartArgs, sa: &SaArg, args: SearchArgs<'_>) -> Result<()> {
    let started = Instant::now();
    let options = SearchOptions {
        max_distance: args.max_distance,
        metrics: args.metric.parse::<MetricSet>()?,
        mode: args.mode.parse::<Mode>()?,
    };
    let qs: Vec<Vec<T>> = read_queries(args.queries)
        .with_context(|| format!("reading queries {}", args.queries.display()))?;
    let (rows, width, stats) = if manifest::is_index(&pa.train) {
        let index = open_index::<T>(pa)?;
        let found = index.search(&qs, &options)?;
        let rows: Vec<i64> = found
            .hits
            .iter()
            .flat_map(|h| {
                let mut r = row(&h.hit).to_vec();
                r.push(i64::from(h.part));
                r
            })
            .collect();
        (rows, 7, found.stats)
    } else {
        let part = open_part::<T>(pa)?;
        let sa = open_sa(&sa_path(sa, pa), &part)?;
        let found = search::search(part.tokens(), part.docs(), sa.body(), &qs, &options)?;
        let rows: Vec<i64> = found.hits.iter().flat_map(row).collect();
        (rows, 6, found.stats)
    };
    let n = rows.len() / width;
    npy::write(args.out, &[n, width], &rows)?;
    let scanned = stats.iter().filter(|s| s.scanned > 0).count();
    eprintln!(
        "{} queries searched in {:.2} s ({scanned} scanned in some part), {n} windows kept -> {}",
        qs.len(),
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
