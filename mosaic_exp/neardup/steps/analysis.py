"""``neardup.step=analysis``: merge the scans of every scanned part; tables, figures, summary.

It reads the scans and ``targets.json``, never the parts themselves.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mosaic_exp.atomic import write_csv_atomic, write_json_atomic, write_text_atomic
from mosaic_exp.errors import UserError
from mosaic_exp.neardup.artifacts import (
    COMPARE,
    CUMULATIVE,
    HITS,
    SUMMARY,
    SURVIVAL,
    TARGET_META,
    ArtifactKey,
    Stage,
    write_table,
)
from mosaic_exp.neardup.config import NeardupStep
from mosaic_exp.neardup.curves import bucket_order, cumulative, ngram_survival
from mosaic_exp.neardup.figures import plot_compare, plot_cumulative, plot_survival
from mosaic_exp.neardup.hits import published, read_hits
from mosaic_exp.neardup.sampling import RANDOM
from mosaic_exp.neardup.steps.base import Artifacts, Step
from mosaic_exp.neardup.steps.targets import read_targets
from mosaic_exp.store import Artifact

log = logging.getLogger(__name__)

# 2: n-gram survival from the scans' shared runs; figures with integer ticks and plain titles.
VERSION = 2


class AnalysisStep(Step):
    """Curves of near-duplicate counts against distance and n, per bucket and metric."""

    name = NeardupStep.analysis
    inputs = (Stage.TARGETS, Stage.SCAN)
    outputs = (Stage.ANALYSIS,)
    per_part = False

    def _run(self, inputs: Artifacts, parts: list[int], build: bool) -> Artifacts:
        scans = {key.part: a for key, a in inputs.items() if key.stage is Stage.SCAN}
        if missing := [i for i in parts if i not in scans]:
            raise UserError(f"the analysis merges every scanned part; parts {missing} are not scanned")
        chosen = [scans[i] for i in parts]
        return {ArtifactKey(Stage.ANALYSIS): self.analysis(inputs[ArtifactKey(Stage.TARGETS)], parts, chosen, build)}

    def analysis(self, targets: Artifact, parts: list[int], scans: list[Artifact], build: bool) -> Artifact:
        """Merged ``hits.parquet``, the CSVs and figures of the curves, ``targets.json`` and ``summary.json``."""
        s = self.settings
        spec = {
            "version": VERSION,
            "targets": targets.key,
            "scans": [a.key for a in scans],
            "ngram_sizes": list(s.ngram_sizes),
            "compare_bucket": s.compare_bucket,
        }

        def builder(d: Path) -> None:
            meta = read_targets(targets)
            chosen = meta["targets"]
            table = read_hits([a.path / HITS for a in scans])
            hits = {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
            write_table(d / HITS, published(table))
            scanned = sum(meta["body_tokens"][i] for i in parts)
            total = sum(meta["body_tokens"])
            scale = total / scanned
            note = "" if scale == 1 else f" (extrapolated ×{scale:.2f})"

            cum = cumulative(hits, chosen, s.max_distance, scale)
            surv = ngram_survival(hits, chosen, list(s.ngram_sizes), scale)
            write_csv_atomic(d / f"{CUMULATIVE}.csv", cum)
            write_csv_atomic(d / f"{SURVIVAL}.csv", surv)
            buckets = [b for b in bucket_order(chosen) if b != RANDOM]
            compare = str(s.compare_bucket) if s.compare_bucket is not None else (buckets[-1] if buckets else None)
            if compare is not None and compare not in bucket_order(chosen):
                raise UserError(f"neardup.compare_bucket={compare} has no targets; buckets with targets: {buckets}")
            if compare is not None:
                write_csv_atomic(d / f"{COMPARE}.csv", [r for r in cum if r["bucket"] == compare])
                plot_compare(cum, chosen, compare, d, note)
            plot_cumulative(cum, chosen, d, note)
            plot_survival(surv, chosen, d, note)
            write_text_atomic(d / TARGET_META, (targets.path / TARGET_META).read_text())
            summary = {
                "scanned_parts": parts,
                "scanned_tokens": int(scanned),
                "total_tokens": int(total),
                "scale": scale,
                "targets": len(chosen),
                "hits": int(len(hits["target"])),
                "at_max_distance": {f"{r['bucket']}/{r['metric']}": r["extrapolated"] for r in cum if r["distance"] == s.max_distance},
            }
            write_json_atomic(d / SUMMARY, summary)
            log.info("near-duplicates within distance %d per target: %s", s.max_distance, summary["at_max_distance"])

        return self.artifact(ArtifactKey(Stage.ANALYSIS), spec, builder, build)
