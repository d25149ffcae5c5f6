"""Typed configuration: dataclass schemas registered in Hydra's ConfigStore."""

from mosaic_exp.config.schema import register_configs

__all__ = ["register_configs"]
