"""Entry point: `python run.py [group=option ...] [key=value ...]`.

The `task` group selects what runs (`task=prepare` builds the tiny world).
See README.md for the config groups and examples.
"""

import hydra
from omegaconf import DictConfig

from mosaic_exp.app import run_cli
from mosaic_exp.config.schema import register_configs

register_configs()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    run_cli(cfg)


if __name__ == "__main__":
    main()
