//! The options of a search: the largest distance, the metrics reported and
//! how windows are found (seeds, scan, or the cheaper of the two).
//!
//! Invariant: the mode changes only the speed, never the hits; the metrics
//! only filter which of the scan's two lists of hits are returned.

use std::fmt;
use std::str::FromStr;

use crate::hits::Metric;

/// Which metrics a search reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MetricSet {
    Hamming,
    Levenshtein,
    #[default]
    Both,
}

impl MetricSet {
    /// Whether the set holds `metric`.
    pub fn has(self, metric: Metric) -> bool {
        matches!(
            (self, metric),
            (MetricSet::Both, _)
                | (MetricSet::Hamming, Metric::Hamming)
                | (MetricSet::Levenshtein, Metric::Levenshtein)
        )
    }
}

/// How a search finds its windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Seeds where the cost model expects them to beat a scan, else the scan.
    #[default]
    Auto,
    /// Always seeds (where no seed can exist, `d >= L`, every window is a
    /// candidate); for tests and benchmarks.
    Seeds,
    /// Always the scan; for tests and benchmarks.
    Scan,
}

/// An option given as a word that is none of the allowed ones.
#[derive(Debug, thiserror::Error)]
#[error("{what} must be one of {allowed}, not {got:?}")]
pub struct OptionError {
    what: &'static str,
    allowed: &'static str,
    got: String,
}

impl FromStr for MetricSet {
    type Err = OptionError;
    fn from_str(s: &str) -> Result<Self, OptionError> {
        match s {
            "hamming" => Ok(MetricSet::Hamming),
            "levenshtein" => Ok(MetricSet::Levenshtein),
            "both" => Ok(MetricSet::Both),
            _ => Err(OptionError {
                what: "metric",
                allowed: "hamming, levenshtein, both",
                got: s.into(),
            }),
        }
    }
}

impl FromStr for Mode {
    type Err = OptionError;
    fn from_str(s: &str) -> Result<Self, OptionError> {
        match s {
            "auto" => Ok(Mode::Auto),
            "seeds" => Ok(Mode::Seeds),
            "scan" => Ok(Mode::Scan),
            _ => Err(OptionError {
                what: "mode",
                allowed: "auto, seeds, scan",
                got: s.into(),
            }),
        }
    }
}

impl fmt::Display for MetricSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricSet::Hamming => "hamming",
            MetricSet::Levenshtein => "levenshtein",
            MetricSet::Both => "both",
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::Seeds => "seeds",
            Mode::Scan => "scan",
        })
    }
}

/// The options of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchOptions {
    /// Largest distance reported.
    pub max_distance: usize,
    pub metrics: MetricSet,
    pub mode: Mode,
}

impl SearchOptions {
    /// Both metrics, mode `auto`.
    pub fn new(max_distance: usize) -> Self {
        SearchOptions {
            max_distance,
            metrics: MetricSet::Both,
            mode: Mode::Auto,
        }
    }

    /// How far a window may be shifted against a piece of the query: an
    /// alignment of two strings of equal length has as many insertions as
    /// deletions, so at most `d / 2` of each; Hamming does not shift.
    pub fn max_shift(&self) -> usize {
        if self.metrics.has(Metric::Levenshtein) {
            self.max_distance / 2
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_bad_ones_are_named() {
        for m in [MetricSet::Hamming, MetricSet::Levenshtein, MetricSet::Both] {
            assert_eq!(m.to_string().parse::<MetricSet>().unwrap(), m);
        }
        for m in [Mode::Auto, Mode::Seeds, Mode::Scan] {
            assert_eq!(m.to_string().parse::<Mode>().unwrap(), m);
        }
        let e = "fast".parse::<Mode>().unwrap_err().to_string();
        assert_eq!(e, "mode must be one of auto, seeds, scan, not \"fast\"");
        assert!(MetricSet::Hamming.has(Metric::Hamming));
        assert!(!MetricSet::Hamming.has(Metric::Levenshtein));
    }
}
