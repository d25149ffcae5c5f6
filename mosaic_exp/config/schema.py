"""Dataclass schemas behind every YAML file in ``conf/``.

Hydra merges each YAML file into its schema, so a typo in a key or a value of
the wrong type (``topk=ten``) fails while the config is composed, before any
model is loaded. Groups whose choices have different fields (``corpus``,
``logger``) register one schema per choice under ``schema/<group>/<choice>``;
their YAML files extend it with ``- /schema/<group>/<choice>@_here_``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from mosaic_exp.analysis.config import AnalysisConfig
from mosaic_exp.canaries.config import CanariesConfig
from mosaic_exp.config.ranges import bounded
from mosaic_exp.data.config import GutenbergCorpusConfig, SyntheticCorpusConfig, TextDirCorpusConfig
from mosaic_exp.inject.config import InjectConfig
from mosaic_exp.mia.config import MIAConfig
from mosaic_exp.mia.dataset_config import HFDatasetConfig, JsonlDatasetConfig, MimirDatasetConfig, WikiMIADatasetConfig
from mosaic_exp.models.config import LMConfig
from mosaic_exp.neardup.config import (
    HFDatasetNeardupCorpusConfig,
    JsonlNeardupCorpusConfig,
    NeardupConfig,
    NeardupSearchConfig,
    ParquetNeardupCorpusConfig,
    PlantedNeardupCorpusConfig,
    SlimPajamaNeardupCorpusConfig,
    TextDirNeardupCorpusConfig,
)
from mosaic_exp.perturb.config import (
    ExactConfig,
    HFChatParaphraserConfig,
    InsertConfig,
    OpenAIParaphraserConfig,
    ParaphraseConfig,
    ReplaceConfig,
    ScatteredConfig,
    ShuffleConfig,
    Strategy,
)
from mosaic_exp.training.config import CSVLoggerConfig, TensorBoardLoggerConfig, TrainConfig, TrainerConfig, WandbLoggerConfig
from mosaic_exp.world.config import TinyWorldConfig


@dataclass
class PathsConfig:
    root_dir: str = MISSING
    cache_dir: str = MISSING
    data_dir: str = MISSING
    log_dir: str = MISSING
    output_dir: str = MISSING


@dataclass
class TaskConfig:
    """What ``run.py`` runs: ``_target_`` is a function taking the whole config."""

    _target_: str = MISSING
    name: str = MISSING


@dataclass
class Config:
    """The whole run. Top-level shortcuts are interpolated into the groups."""

    task: TaskConfig = MISSING
    paths: PathsConfig = MISSING
    corpus: Any = MISSING
    tiny_world: TinyWorldConfig = MISSING
    model: LMConfig = MISSING
    reference: LMConfig = MISSING
    generator: LMConfig = MISSING
    mlm: LMConfig = MISSING
    canaries: CanariesConfig = MISSING
    perturbation: Any = MISSING
    paraphraser: Any = None
    inject: InjectConfig = MISSING
    neardup: NeardupConfig = MISSING
    search: NeardupSearchConfig = MISSING
    train: TrainConfig = MISSING
    mia: MIAConfig = MISSING
    analysis: AnalysisConfig = MISSING
    trainer: TrainerConfig = MISSING
    logger: Any = None
    # Lightning callbacks of fine-tuning, by name (conf/callbacks/); each has a `_target_`.
    callbacks: Any = None

    seed: int = 42
    lr: float = bounded(MISSING, gt=0)
    temperature: float = bounded(1.0, gt=0, hint="sampling needs a positive temperature; lower it (e.g. 0.7) for more likely text")
    topk: int = bounded(10, ge=1)
    strategy: Strategy = Strategy.mlm
    # Tokens replaced per fuzzy duplicate (perturbation=replace).
    R: int = bounded(10, ge=1)
    # Exact copies (perturbation=exact).
    nrep: int = bounded(10, ge=1)
    # Read canaries and variations from the original scripts' pickles instead of generating them.
    import_legacy: bool = False
    # Save the fine-tuned target (save_pretrained) in the run's output folder.
    save_model: bool = False
    # Rebuild every cached artifact this run touches instead of reusing it.
    force: bool = False
    # Debug lines of ours and INFO lines of the libraries (Lightning, transformers).
    verbose: bool = False
    # Labels of the run in its results and loggers.
    tags: list[str] = field(default_factory=lambda: ["dev"])


def register_configs() -> None:
    """Registers the schemas and the ``abspath`` resolver; safe to call more than once."""
    # Absolute paths keep saved configs meaningful from any working directory.
    OmegaConf.register_new_resolver("abspath", lambda p: os.path.abspath(os.path.expanduser(p)), replace=True)
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    for group, name, node in [
        ("corpus", "synthetic", SyntheticCorpusConfig),
        ("corpus", "text_dir", TextDirCorpusConfig),
        ("corpus", "gutenberg", GutenbergCorpusConfig),
        ("perturbation", "replace", ReplaceConfig),
        ("perturbation", "insert", InsertConfig),
        ("perturbation", "scattered", ScatteredConfig),
        ("perturbation", "shuffle", ShuffleConfig),
        ("perturbation", "paraphrase", ParaphraseConfig),
        ("perturbation", "exact", ExactConfig),
        ("paraphraser", "hf_chat", HFChatParaphraserConfig),
        ("paraphraser", "openai", OpenAIParaphraserConfig),
        ("logger", "csv", CSVLoggerConfig),
        ("logger", "tensorboard", TensorBoardLoggerConfig),
        ("logger", "wandb", WandbLoggerConfig),
        ("neardup/corpus", "planted", PlantedNeardupCorpusConfig),
        ("neardup/corpus", "slimpajama", SlimPajamaNeardupCorpusConfig),
        ("neardup/corpus", "jsonl", JsonlNeardupCorpusConfig),
        ("neardup/corpus", "parquet", ParquetNeardupCorpusConfig),
        ("neardup/corpus", "text_dir", TextDirNeardupCorpusConfig),
        ("neardup/corpus", "hf_dataset", HFDatasetNeardupCorpusConfig),
        ("mia/dataset", "jsonl", JsonlDatasetConfig),
        ("mia/dataset", "hf_dataset", HFDatasetConfig),
        ("mia/dataset", "wikimia", WikiMIADatasetConfig),
        ("mia/dataset", "mimir", MimirDatasetConfig),
    ]:
        cs.store(group=f"schema/{group}", name=name, node=node)
