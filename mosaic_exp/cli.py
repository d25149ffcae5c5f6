"""The ``mosaic`` command (and ``python run.py``): compose the config with Hydra, run its task.

``mosaic --help`` lists the config groups a user chooses from, one line each, with
their options read from ``conf/``; Hydra's own ``--help`` would also list the
internal ``schema/*`` groups that only type-check the YAML. ``--hydra-help`` and
every other Hydra flag (``--cfg job``, ``--multirun``, ``--info``) work as usual.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from mosaic_exp.app import run_cli
from mosaic_exp.config.compose import CONF_DIR
from mosaic_exp.config.schema import register_configs

# One line per user-facing config group; tests check that every group in conf/ has one.
GROUPS = {
    "task": "what runs",
    "experiment": "a whole experiment's settings",
    "figure1": "one point of the paper's Figure 1 sweeps",
    "corpus": "the books that receive the canaries",
    "tiny_world": "sizes and budgets of the tiny models built offline",
    "model": "the target model that is fine-tuned",
    "reference": "the reference model of the ratio attack",
    "generator": "the model that samples the canaries",
    "mlm": "the masked LM that proposes replacement tokens",
    "canaries": "how many canaries, how long, how they are sampled",
    "perturbation": "the fuzzy-duplicate family",
    "paraphraser": "the model that writes paraphrases (perturbation=paraphrase)",
    "inject": "where the copies go inside the books",
    "train": "fine-tuning: batch, context, optimizer, validation",
    "trainer": "Lightning's Trainer: devices, precision, clipping",
    "callbacks": "Lightning callbacks of a fine-tuning run",
    "logger": "where metrics go",
    "mia": "the membership-inference attacks and their schedule",
    "mia/dataset": "a labelled dataset task=mia scores instead of the canaries",
    "analysis": "which runs task=analyze reads",
    "neardup": "the near-duplicate study",
    "neardup/corpus": "the near-duplicate study's corpus",
    "search": "near duplicates of your own texts in the study's index (task=neardup_search)",
    "paths": "where the cache, data and outputs live",
    "hydra/launcher": "where a multirun's jobs run",
}

USAGE = """\
mosaic: how much fuzzy duplicates make a language model memorize, and where near duplicates are.

Usage: mosaic [group=option ...] [key=value ...] [--multirun] [--cfg job]
       (python run.py takes the same arguments)

  mosaic experiment=fuzzy_mlm topk=10     the main experiment
  mosaic task=neardup                     the near-duplicate study
  mosaic task=neardup_search search.queries=FILE   near duplicates of your texts in it
  mosaic experiment=fuzzy_mlm --cfg job   print the composed config and exit
  mosaic --hydra-help                     Hydra's own flags

Config groups (group=option), with their [options]:
"""


def options(group: str, conf_dir: Path = CONF_DIR) -> list[str]:
    """The options of a config group: its YAML files' names."""
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))


def help_text(conf_dir: Path = CONF_DIR) -> str:
    """What ``mosaic --help`` prints."""
    width = max(map(len, GROUPS))
    lines = [f"  {group:<{width}}  {about} [{', '.join(options(group, conf_dir))}]" for group, about in GROUPS.items()]
    return USAGE + "\n".join(lines) + "\n\nEvery setting, its default and its range: mosaic --cfg job, and docs/ in the repository.\n"


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _main(cfg: DictConfig) -> None:
    run_cli(cfg)


def main() -> None:
    """Console entry point: ``--help``/``-h`` prints :func:`help_text`, anything else goes to Hydra."""
    if any(arg in ("--help", "-h") for arg in sys.argv[1:]):
        print(help_text(), end="")
        return
    register_configs()
    _main()
